"""Sufficiency arithmetic on hand-made cases: DfE's definition, no offsetting, the margin."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from placeplan.sufficiency.need import (additional_need, area_year_table, authority_totals,
                                        first_likely_shortfall, places_needed, spare_places, sufficiency)

PHASES = {"primary": range(0, 7), "secondary": range(7, 12), "sixth_form": range(12, 14)}


def two_areas(demand_a, demand_b, places=100.0, draws=1, years=(2025,)):
    """Two primary areas, every year group the same, for hand checks."""
    shape = (draws, 2, 14, len(years))
    demand = np.zeros(shape)
    demand[:, 0, :7] = demand_a
    demand[:, 1, :7] = demand_b
    cap = np.zeros(shape)
    cap[:, :, :7] = places
    return demand, cap


def test_places_needed_by_hand():
    # 110 pupils, 100 places: 10 needed; 90 pupils: 10 spare.
    assert places_needed(np.array([110.0, 90.0]), np.array(100.0)).tolist() == [10.0, -10.0]
    # With a 2% margin, 100 places count as 98: 110 -> 12 needed, 90 -> 8 spare.
    assert places_needed(np.array([110.0, 90.0]), np.array(100.0), 0.02) == pytest.approx([12.0, -8.0])
    assert additional_need(np.array([12.0, -8.0])).tolist() == [12.0, 0.0]
    assert spare_places(np.array([12.0, -8.0])).tolist() == [0.0, 8.0]


def test_surplus_in_one_area_never_offsets_another():
    # Area A: 110 pupils per year group (10 short x 7); area B: 90 (10 spare x 7).
    demand, cap = two_areas(110, 90)
    result = sufficiency(demand, cap, ("A", "B"), np.array([2025]), 0.0)
    totals = authority_totals(result, {"A": "primary", "B": "primary"}, (0.05, 0.5, 0.95), PHASES)
    primary = totals[totals["phase"] == "primary"].iloc[0]
    assert primary["places_needed_mean"] == 70  # not 70 - 70 = 0
    assert primary["spare_places_mean"] == 70
    assert primary["p_any_shortfall"] == 1.0


def test_surplus_in_one_year_group_never_offsets_another():
    demand, cap = two_areas(100, 100)
    demand[0, 0, 0] = 130  # Reception 30 short
    demand[0, 0, 6] = 70   # Year 6 30 spare
    result = sufficiency(demand, cap, ("A", "B"), np.array([2025]), 0.0)
    table = area_year_table(result, {"A": "primary", "B": "primary"}, {}, (0.5,), PHASES).set_index("planning_area")
    assert table.loc["A", "places_needed_mean"] == 30
    assert table.loc["A", "spare_places_mean"] == 30
    assert table.loc["B", "places_needed_mean"] == 0


def test_margin_turns_a_tight_area_short():
    demand, cap = two_areas(99, 50)
    no_margin = area_year_table(sufficiency(demand, cap, ("A", "B"), np.array([2025]), 0.0),
                                {"A": "primary", "B": "primary"}, {}, (0.5,), PHASES).set_index("planning_area")
    margin = area_year_table(sufficiency(demand, cap, ("A", "B"), np.array([2025]), 0.05),
                             {"A": "primary", "B": "primary"}, {}, (0.5,), PHASES).set_index("planning_area")
    assert no_margin.loc["A", "places_needed_mean"] == 0
    assert margin.loc["A", "places_needed_mean"] == pytest.approx(7 * (99 - 95))  # 100 places count as 95
    assert margin.loc["A", "p_shortfall"] == 1.0


def test_probability_of_shortfall_and_first_likely_year():
    # Four draws; in 2026 three of them are short, in 2025 one is.
    years = np.array([2025, 2026])
    demand, cap = two_areas(100, 50, draws=4, years=years)
    demand[0, 0, 0, 0] = 105
    demand[:3, 0, 0, 1] = 110
    result = sufficiency(demand, cap, ("A", "B"), years, 0.0)
    table = area_year_table(result, {"A": "primary", "B": "primary"}, {"A": "Alpha"}, (0.5,), PHASES)
    a = table[table["planning_area"] == "A"].set_index("academic_year")
    assert a.loc[2025, "p_shortfall"] == 0.25 and a.loc[2026, "p_shortfall"] == 0.75
    assert a.loc[2026, "places_needed_mean"] == pytest.approx(30 / 4)
    assert a.loc[2025, "name"] == "Alpha"
    first = first_likely_shortfall(table).set_index("planning_area")
    assert first.loc["A", "first_year_p_over_half"] == 2026
    assert np.isnan(first.loc["B", "first_year_p_over_half"])


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (3, 2, 14, 2), elements=st.floats(0, 500)),
       arrays(np.float64, (3, 2, 14, 2), elements=st.floats(0, 500)))
def test_needed_minus_spare_is_demand_minus_places(demand, places):
    result = sufficiency(demand, places, ("A", "B"), np.array([2025, 2026]), 0.0)
    assert np.allclose(additional_need(result.need) - spare_places(result.need), demand - places)
    totals = authority_totals(result, {"A": "primary", "B": "primary"}, (0.5,), PHASES)
    # County totals are sums of parts, so never below the largest single area's need.
    table = area_year_table(result, {"A": "primary", "B": "primary"}, {}, (0.5,), PHASES)
    for year in (2025, 2026):
        county = totals[(totals["phase"] == "primary") & (totals["academic_year"] == year)]["places_needed_mean"]
        parts = table[(table["phase"] == "primary") & (table["academic_year"] == year)]["places_needed_mean"]
        assert county.iloc[0] == pytest.approx(parts.sum())
