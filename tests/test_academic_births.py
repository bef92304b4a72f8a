"""The September-August birth year (tools/academic_births.py) on hand-made rows."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from academic_births import academic_births, approximation_error  # noqa: E402


def series(rows):
    return pd.DataFrame(rows, columns=["area", "date", "type", "annual_births", "interval_lower", "interval_upper"])


ROWS = [
    # area A: three mid-years, September rows for cohorts 2010 and 2011, a calendar-year row to ignore
    ("A", "2010-07-01", "actual", 1200, None, None),
    ("A", "2011-01-01", "actual", 999, None, None),
    ("A", "2011-07-01", "actual", 1320, None, None),
    ("A", "2011-09-01", "interpolated", 1290, None, None),
    ("A", "2012-07-01", "predicted", 1080, 1000, 1160),
    ("A", "2012-09-01", "predicted", 1100, 1050, 1150),
    # area B: mid-years only, the later one a nowcast
    ("B", "2010-07-01", "actual", 600, None, None),
    ("B", "2011-07-01", "predicted", 720, 700, 740),
]


@pytest.fixture(scope="module")
def table():
    return academic_births(series(ROWS)).set_index(["area", "birth_year"])


def test_september_rows_are_taken_as_they_are(table):
    # births in the 12 months to 1 September 2011 are the cohort born September 2010 - August 2011
    row = table.loc[("A", 2010)]
    assert (row["births"], row["kind"], row["method"]) == (1290, "actual", "september")  # interpolated -> actual
    assert math.isnan(row["births_low"]) and math.isnan(row["births_high"])
    row = table.loc[("A", 2011)]
    assert (row["births"], row["births_low"], row["births_high"]) == (1100, 1050, 1150)
    assert (row["kind"], row["method"]) == ("nowcast", "september")


def test_other_cohorts_shift_the_mid_year_by_two_months(table):
    # cohort 2009: 10/12 of the year to 1 July 2010 + 2/12 of the year to 1 July 2011 = 1000 + 220
    row = table.loc[("A", 2009)]
    assert row["births"] == pytest.approx(1220) and (row["kind"], row["method"]) == ("actual", "shifted")
    assert math.isnan(row["births_low"])
    # B 2009 uses a nowcast: the kind is nowcast and the bounds are weighted the same way
    row = table.loc[("B", 2009)]
    assert row["births"] == pytest.approx(500 + 120) and row["kind"] == "nowcast"
    assert row["births_low"] == pytest.approx(500 + 700 / 6) and row["births_high"] == pytest.approx(500 + 740 / 6)


def test_last_cohort_without_a_next_mid_year_uses_its_mid_year_alone(table):
    row = table.loc[("B", 2010)]
    assert (row["births"], row["births_low"], row["births_high"]) == (720, 700, 740)
    assert (row["kind"], row["method"]) == ("nowcast", "mid-year only")
    assert sorted(table.index) == [("A", 2009), ("A", 2010), ("A", 2011), ("B", 2009), ("B", 2010)]


def test_exact_and_shifted_are_kept_for_the_comparison(table):
    row = table.loc[("A", 2010)]
    assert row["exact"] == 1290 and row["shifted"] == pytest.approx(1100 + 180)
    assert math.isnan(table.loc[("A", 2011), "shifted"]) and math.isnan(table.loc[("A", 2009), "exact"])
    error = approximation_error(table)
    assert error["n"] == 1 and error["mean_pct"] == pytest.approx(10 / 1290 * 100) == error["max_pct"]


def test_approximation_error_mean_and_largest():
    error = approximation_error(pd.DataFrame({"exact": [100, 200, None, 50], "shifted": [110, 190, 5, None]}))
    assert error == {"n": 2, "mean_pct": pytest.approx(7.5), "max_pct": pytest.approx(10)}
    assert math.isnan(approximation_error(pd.DataFrame({"exact": [None], "shifted": [1.0]}))["mean_pct"])


def test_a_gap_in_the_mid_years_or_an_unknown_type_stops():
    gap = [("C", "2010-07-01", "actual", 10, None, None), ("C", "2012-07-01", "actual", 10, None, None)]
    with pytest.raises(ValueError, match="no September row"):
        academic_births(series(gap))
    with pytest.raises(ValueError, match="unexpected births type"):
        academic_births(series([("C", "2010-07-01", "guess", 10, None, None)]))
