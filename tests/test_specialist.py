"""Specialist (SEND) sufficiency by hand, and on the Herefordshire default."""

import numpy as np
import pandas as pd
import pytest

from placeplan.sufficiency.specialist import specialist_places_base, specialist_table


def test_specialist_places_count_the_school_age_share():
    schools = pd.DataFrame({"school_id": ["a", "b", "c", "d"], "status": ["open", "open", "open", "closed"],
                            "ncy_low": [0, 0, 12, 0], "ncy_high": [11, 13, 14, 11]})
    capacity = pd.DataFrame({"school_id": ["a", "b", "c", "d"], "provision": ["specialist"] * 4,
                             "net_capacity": [60, 70, 50, 99]})
    # a: all 60 (R-Y11); b: 70 x 12/14 = 60; c: post-16 only -> 0; d: closed -> 0.
    assert specialist_places_base(schools, capacity) == pytest.approx(120.0)


def test_gap_is_pupils_beyond_places():
    years = np.array([2025, 2026])
    demand = np.array([[100.0, 130.0], [90.0, 110.0]])  # two draws
    places = np.array([[100.0, 100.0], [100.0, 120.0]])
    table = specialist_table(demand, np.array([95.0, 120.0]), places, np.array([100.0, 100.0]), years, 0.0,
                             (0.5,)).set_index("academic_year")
    assert table.at[2025, "places_needed_central"] == 0 and table.at[2026, "places_needed_central"] == 20
    assert table.at[2026, "places_needed_mean"] == pytest.approx((30 + 0) / 2)
    assert table.at[2026, "p_shortfall"] == 0.5
    assert table.at[2025, "specialist_places_mean"] == 100


def test_herefordshire_specialist_gap_is_of_the_right_order():
    """2026/27 (the first projected year, as at December 2026): the gap between pupils needing a specialist
    place and the places is of the order of the 90-105 independent placements the council reported for
    2022-24, grown with the EHCP trend (about 1,700 plans in December 2025, from 660 in 2017)."""
    import placeplan

    results = placeplan.run(draws=50, backtest=False)
    first = results.specialist_sufficiency.iloc[0]
    assert first["academic_year"] == 2026
    assert 100 <= first["places_needed_central"] <= 260
    assert results.specialist_sufficiency["specialist_demand_central"].is_monotonic_increasing
