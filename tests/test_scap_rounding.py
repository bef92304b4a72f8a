"""Whole numbers for the SCAP return (largest remainders) and the SCAP round from the reference date."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placeplan.outputs.scap_rounding import largest_remainder, round_half_away, round_nested
from placeplan.outputs.scap_window import census_label, missing_forecast_years, scap_window

counts = st.floats(min_value=0, max_value=5000, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(counts, min_size=1, max_size=20))
def test_largest_remainder_adds_up_and_stays_within_one(values):
    whole = largest_remainder(values)
    assert whole.dtype.kind == "i"
    assert int(whole.sum()) == round_half_away(sum(values))
    for w, v in zip(whole, values):
        assert math.floor(v) - 1e-6 <= w <= math.ceil(v) + 1e-6


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=6).flatmap(
    lambda n: st.lists(st.lists(counts, min_size=n, max_size=n), min_size=1, max_size=15)))
def test_round_nested_items_add_to_groups_and_groups_to_the_whole(table):
    exact = np.array(table)
    whole = round_nested(exact)
    # the authority's total is the rounded exact total; areas add up to it; year groups to their area
    assert int(whole.sum()) == round_half_away(exact.sum())
    group_totals = whole.sum(axis=1)
    assert (group_totals == largest_remainder(exact.sum(axis=1))).all()
    assert (np.abs(group_totals - exact.sum(axis=1)) < 1 + 1e-6).all()
    assert (np.abs(whole - exact) < 1 + 1e-6).all() and (whole >= 0).all()


def test_largest_remainder_by_hand():
    assert largest_remainder([240 / 7] * 7).tolist() == [35, 35, 34, 34, 34, 34, 34]
    assert largest_remainder([10.4, 20.4, 30.2]).tolist() == [11, 20, 30]  # 61: one unit, to the first .4
    assert largest_remainder([0.5, 0.5]).tolist() == [1, 0]  # ties: the first listed
    assert largest_remainder([59.9999999, 0.0000001]).tolist() == [60, 0]  # floating noise is not a remainder
    assert largest_remainder([-10.5, 3.5], total=-7).tolist() == [-10, 3]
    with pytest.raises(ValueError, match="cannot share"):
        largest_remainder([1.2, 1.2], total=7)


@pytest.mark.parametrize("as_at, year", [
    (dt.date(2026, 7, 31), 2026),  # the 2026 collection is still open on its last day
    (dt.date(2026, 8, 1), 2027),
    (dt.date(2026, 12, 1), 2027),
    (dt.date(2027, 1, 15), 2027),
    (dt.date(2027, 7, 31), 2027),
    (dt.date(2027, 8, 1), 2028),
])
def test_scap_round_from_the_reference_date(as_at, year):
    window = scap_window(as_at)
    assert window.round.year == year and window.name == f"SCAP {year}"
    assert window.capacity_date == dt.date(year, 5, 1) and window.capacity_year == year - 1
    assert window.forecast_years["primary"] == tuple(range(year, year + 5))
    assert window.forecast_years["secondary"] == tuple(range(year, year + 7))
    assert window.planned_years == (year, year + 1, year + 2)
    assert window.expected_nor_census == f"January {year} census ({year - 1}/{year % 100:02d})"


def test_missing_years_and_census_labels():
    window = scap_window(dt.date(2026, 12, 1))  # SCAP 2027: secondary to 2033/34
    assert missing_forecast_years(window, range(2023, 2033)) == {"secondary": (2033,)}
    assert missing_forecast_years(window, range(2026, 2036)) == {}
    assert missing_forecast_years(window, range(2023, 2029)) == {"primary": (2029, 2030, 2031),
                                                                 "secondary": (2029, 2030, 2031, 2032, 2033)}
    assert census_label(2024, "october") == "October 2024 census (2024/25)"
    assert census_label(2025, "january") == "January 2026 census (2025/26)"
    assert census_label(2014, "may") == "May 2015 census (2014/15)"
