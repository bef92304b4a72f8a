"""Calibration of the chances: exceedance, reliability bands, Wilson intervals, Brier scores, the out-of-sample
climatology (all by hand), and the back-test's record against the draws it came from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from placeplan.backtest import backtest, national_backtest, outturn_totals, read_national_tables, truncate
from placeplan.backtest.core import run_projection, stream, with_policy
from placeplan.backtest.events import area_places
from placeplan.backtest.reliability import (RECORD_COLUMNS, brier_score, brier_table, climatology,
                                            exceedance_probability, probability_band, reliability_by_horizon,
                                            reliability_table, wilson_interval)
from placeplan.backtest.report import format_reliability
from placeplan.capacity.places import school_places
from placeplan.demand import UncertaintySettings, demand_inputs

from conftest import SCENARIOS


def test_exceedance_is_the_share_of_draws_strictly_above():
    draws = np.array([[[1.0, 10.0]], [[2.0, 10.0]], [[3.0, 12.0]], [[4.0, 9.0]]])  # (draw 4, area 1, cell 2)
    got = exceedance_probability(draws, np.array([[2.0, 10.0]]))
    assert got.shape == (1, 2)
    assert got.tolist() == [[0.5, 0.25]]  # 3 and 4 above 2 (2 itself is not above); only 12 above 10
    # draws on another axis, a scalar threshold, and NaN thresholds stay NaN
    assert exceedance_probability(draws[:, 0, :].T, 3.0, axis=1).tolist() == [0.25, 1.0]
    assert np.isnan(exceedance_probability(draws, np.array([[np.nan, 0.0]]))[0, 0])


def test_bands_keep_exact_zero_and_one_apart():
    labels = probability_band([0.0, 0.001, 0.05, 0.2, 0.3999, 0.6, 0.95, 0.999, 1.0, np.nan])
    assert labels.tolist() == ["0%", "under 5%", "5-20%", "20-40%", "20-40%", "60-80%", "95% or more",
                               "95% or more", "100%", None]


def test_wilson_interval_by_hand():
    # k = 1, n = 2, z = 1.6449: centre = (0.5 + z²/4) / (1 + z²/2) = 0.5;
    # half = z sqrt(0.125 + z²/16) / (1 + z²/2) = 1.6449 x 0.54231 / 2.35277 = 0.37914
    lo, hi = wilson_interval(1, 2)
    assert lo == pytest.approx(0.12086, abs=1e-4) and hi == pytest.approx(0.87914, abs=1e-4)
    # k = 0, n = 10: lo 0, hi = 2 (z²/20) / (1 + z²/10) = 0.27055 / 1.27055 = 0.21294
    lo, hi = wilson_interval(0, 10)
    assert lo == 0 and hi == pytest.approx(0.21294, abs=1e-4)
    assert np.isnan(wilson_interval(0, 0)[0])


def test_reliability_table_by_hand():
    predicted = [0.0, 0.0, 0.1, 0.15, 0.3, 1.0, 1.0, np.nan]
    outcome = [0, 1, 0, 1, 1, 1, 0, 1]  # the NaN prediction is left out
    table = reliability_table(predicted, outcome).set_index("band")
    assert list(table.index) == ["0%", "5-20%", "20-40%", "100%"]  # empty bands are not shown
    assert table["n"].tolist() == [2, 2, 1, 2]
    assert table["happened"].tolist() == [1, 1, 1, 1]
    assert table["mean_predicted"].tolist() == pytest.approx([0.0, 0.125, 0.3, 1.0])
    assert table["observed"].tolist() == pytest.approx([0.5, 0.5, 1.0, 0.5])
    assert table.loc["0%", "lo90"] == pytest.approx(0.12086, abs=1e-4)
    # k = n = 1: lo = (1 + z²/2 - z sqrt(z²/4)) / (1 + z²) = 1 / (1 + z²) = 0.26985, hi = 1
    assert table.loc["20-40%", "lo90"] == pytest.approx(0.26985, abs=1e-4) and table.loc["20-40%", "hi90"] == 1.0


def test_brier_score_by_hand():
    # (0 - 0)² + (0.5 - 1)² + (1 - 0)² + (0.2 - 0)² = 0 + 0.25 + 1 + 0.04 = 1.29; / 4 = 0.3225
    assert brier_score([0.0, 0.5, 1.0, 0.2], [0, 1, 0, 0]) == pytest.approx(0.3225)
    assert np.isnan(brier_score([], []))


def _tiny_record() -> pd.DataFrame:
    rows = [  # base_year, horizon, event, predicted, outcome  (outcome known in base + horizon)
        (2014, 1, "growth", 0.9, 1), (2014, 1, "growth", 0.1, 0), (2014, 2, "growth", 0.5, 1),
        (2015, 1, "growth", 0.8, 1), (2015, 2, "growth", 0.5, 0),
        (2016, 1, "growth", 0.2, 0), (2016, 2, "growth", 0.5, 1),
        (2014, 1, "places", 0.5, 1), (2015, 1, "places", 0.5, 0),
    ]
    frame = pd.DataFrame(rows, columns=["base_year", "horizon", "event", "predicted", "outcome"])
    return frame.assign(planning_area="A", ncy=0, threshold=0.0)[RECORD_COLUMNS]


def test_climatology_is_what_was_known_at_the_base_year():
    record = _tiny_record()
    got = climatology(record).tolist()
    # 2014: no outcome known yet (the first is known in 2015) -> NaN
    assert np.isnan(got[0]) and np.isnan(got[1]) and np.isnan(got[2]) and np.isnan(got[7])
    # 2015, h 1: the 2014 h-1 growth outcomes (1, 0) -> 0.5; h 2: no h-2 outcome known by 2015 (2014's comes in
    # 2016) -> every growth outcome known by 2015, the same two -> 0.5
    assert got[3] == pytest.approx(0.5) and got[4] == pytest.approx(0.5)
    # 2016, h 1: 2014 h 1 (1, 0) and 2015 h 1 (1) -> 2/3; h 2: 2014 h 2 (1) -> 1
    assert got[5] == pytest.approx(2 / 3) and got[6] == pytest.approx(1.0)
    # places on its own: 2015 h 1 <- 2014 h 1 places (1)
    assert got[8] == pytest.approx(1.0)


def test_brier_table_skill_by_hand():
    table = brier_table(_tiny_record(), "toy").set_index(["event", "horizon"])
    one = table.loc[("growth", "1")]
    assert one["n"] == 4 and one["n_reference"] == 2
    # all four: (0.1² + 0.1² + 0.2² + 0.2²) / 4 = 0.025
    assert one["brier"] == pytest.approx(0.025)
    # rows with a reference: 2015 (0.8 vs 1, climatology 0.5) and 2016 (0.2 vs 0, climatology 2/3)
    assert one["brier_reference_rows"] == pytest.approx((0.04 + 0.04) / 2)
    assert one["brier_climatology"] == pytest.approx((0.25 + 4 / 9) / 2)
    assert one["skill"] == pytest.approx(1 - 0.04 / ((0.25 + 4 / 9) / 2))
    # in-sample: h-1 growth outcomes 1, 0, 1, 0 -> 0.5 for all: Brier 0.25, skill 1 - 0.025 / 0.25 = 0.9
    assert one["brier_in_sample"] == pytest.approx(0.25) and one["skill_in_sample"] == pytest.approx(0.9)
    rel = reliability_by_horizon(_tiny_record(), "toy")
    pooled = rel[(rel["event"] == "growth") & (rel["horizon"] == "1-5")]
    assert pooled["n"].sum() == 7 and set(rel["scope"]) == {"toy"}


RESAMPLE = UncertaintySettings(intervals="resample")


# --- the back-test's record ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy_backtest(toy):
    # the toy's one base year has no earlier outcome to draw ranges from: resample the ratios instead
    return backtest(toy, draws=20, seed=1, settings=RESAMPLE)


def test_record_is_the_share_of_the_cells_draws_above_the_threshold(toy, toy_backtest):
    record = toy_backtest.record
    assert list(record.columns) == RECORD_COLUMNS and set(record["event"]) == {"places", "growth"}
    b = toy_backtest.base_years[0]
    last = int(toy.tables["pupils"]["academic_year"].max())
    actuals = outturn_totals(toy.tables["pupils"], toy.tables.get("observed_totals"), toy.config.meta.la_code)
    end = max(last, int(actuals["academic_year"].max()))  # the back-test projects to the last outturn
    inputs = demand_inputs(with_policy(truncate(toy, b), toy.config.policy, horizon=end - b))
    projection = run_projection(inputs, 20, stream(1, b), RESAMPLE)
    area = projection.primary_areas[0]
    pupils = toy.tables["pupils"].set_index(["academic_year", "planning_area", "ncy"])["nor"]
    for event in ("places", "growth"):
        cell = record[(record["base_year"] == b) & (record["horizon"] == 1) & (record["planning_area"] == area)
                      & (record["ncy"] == 0) & (record["event"] == event)].iloc[0]
        draws = projection.primary[:, 0, 0, 0]  # draws of (area, Reception, base + 1)
        assert cell["predicted"] == pytest.approx((draws > cell["threshold"]).mean())
        assert cell["outcome"] == int(pupils.loc[(b + 1, area, 0)] > cell["threshold"])
        if event == "growth":
            assert cell["threshold"] == pupils.loc[(b, area, 0)]
    # places thresholds: the schools' places in the year group summed over the area (current capacity)
    places = school_places(toy.tables["schools"], toy.tables["capacity"], toy.tables.get("capacity_by_ncy"))
    by_school = places.merge(toy.tables["schools"][["school_id", "primary_planning_area"]], on="school_id")
    expected = by_school[(by_school["primary_planning_area"] == area) & (by_school["ncy"] == 0)]["places"].sum()
    got = record[(record["event"] == "places") & (record["planning_area"] == area) & (record["ncy"] == 0)]
    assert expected > 0 and len(got) and got["threshold"].tolist() == pytest.approx([expected] * len(got))


def test_record_tables_and_csvs(toy_backtest):
    tables = toy_backtest.tables()
    assert {"reliability", "brier", "reliability_record"} <= set(tables)
    rel, record = toy_backtest.reliability, toy_backtest.record
    for event in ("places", "growth"):
        pooled = rel[(rel["event"] == event) & (rel["horizon"] == "1-5")]
        assert pooled["n"].sum() == ((record["event"] == event) & (record["horizon"] <= 5)).sum()
    assert set(toy_backtest.brier["horizon"]) >= {"1", "1-5"}
    text = format_reliability(toy_backtest)
    assert "Reliability of the chances" in text and "Brier" in text and "places" in text


def test_no_draws_no_record(toy):
    result = backtest(toy, draws=0)
    assert result.record.empty and result.reliability.empty
    assert "no record" in format_reliability(result)


def test_area_places_needs_capacity_tables():
    assert area_places({}, ("A",), ("B",)) is None


def test_national_record_is_growth_only():
    tables = read_national_tables(SCENARIOS / "national")
    result = national_backtest(*tables, draws=20, seed=3, la_codes=["884"])
    record = result.record
    assert set(record["event"]) == {"growth"} and set(record["la_code"]) == {"884"}
    assert record["predicted"].between(0, 1).all() and set(record["outcome"]) <= {0, 1}
    assert set(record["planning_area"]) == {"884P", "884S"}
    assert {"backtest_national_reliability", "backtest_national_brier"} <= set(result.tables())
    assert set(result.reliability["scope"]) == {"national"}
    # the growth threshold is the year group at the base year
    pupils = tables[0][tables[0]["la_code"] == "884"].set_index(["academic_year", "ncy"])["nor"]
    row = record.iloc[0]
    assert row["threshold"] == pupils.loc[(row["base_year"], row["ncy"])]
    assert row["outcome"] == int(pupils.loc[(row["base_year"] + row["horizon"], row["ncy"])] > row["threshold"])


def test_near_places_bias_by_hand():
    from types import SimpleNamespace

    from placeplan.outputs.report.reliability import near_places_bias

    keys = {"base_year": 2015, "planning_area": "A", "ncy": 0}
    record = pd.DataFrame([{**keys, "horizon": h, "event": "places", "predicted": p}
                           for h, p in zip(range(1, 41), [0.3] * 20 + [0.9] * 20)])
    record["horizon"] = record["horizon"].clip(upper=5)
    record["ncy"] = range(40)  # one cell each
    detail = record[["base_year", "horizon", "planning_area", "ncy"]].assign(
        method="method", forecast=100.0, actual=[97.0] * 20 + [101.0] * 20)
    text = near_places_bias(SimpleNamespace(record=record, detail=detail))
    assert "(20 forecasts)" in text and "3.0% below the central forecast" in text and "1.0% above it elsewhere" in text
    assert near_places_bias(SimpleNamespace(record=record.iloc[:5], detail=detail)) is None  # too few to say
