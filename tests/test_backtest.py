"""The rolling-origin back-test: truncation, metrics by hand, the toy council, the naive reference."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from placeplan.backtest import (backtest, base_years, coverage, dfe_accuracy_pct, format_comparison, mape_pct,
                                naive_policy, truncate)
from placeplan.backtest.core import with_policy
from placeplan.backtest.metrics import horizon_label, interval_bounds, summary_table
from placeplan.demand import UncertaintySettings, demand_inputs, project

from conftest import HEREFORDSHIRE


@pytest.fixture(scope="module")
def hereford():
    from placeplan import load_scenario

    return load_scenario(HEREFORDSHIRE)


@pytest.fixture(scope="module")
def hereford_central(hereford):
    """Herefordshire back-test, central projections only (fast)."""
    return backtest(hereford, draws=0)


def _future_changed(scenario, b):
    """The scenario with every pupil row after b and every birth row from b - 1 + 1 on changed."""
    tables = dict(scenario.tables)
    pupils = tables["pupils"]
    later = pupils["academic_year"] > b
    tables["pupils"] = pupils.assign(nor=np.where(later, pupils["nor"] * 2 + 7, pupils["nor"]))
    births = tables["births"]
    unknown = births["birth_year"] > b - 1
    tables["births"] = births.assign(births=np.where(unknown, births["births"] * 1.5, births["births"]),
                                     kind=births["kind"].where(~unknown, "actual"))
    return dataclasses.replace(scenario, tables=tables)


# ---------------------------------------------------------------- truncate
def test_truncate_uses_nothing_after_the_base_year(hereford):
    b = 2016
    one, two = truncate(hereford, b), truncate(_future_changed(hereford, b), b)
    for name in ("pupils", "births", "housing"):
        pd.testing.assert_frame_equal(one.tables[name], two.tables[name])
    a, c = demand_inputs(one), demand_inputs(two)
    pa, pc = project(a, draws=30, rng=3), project(c, draws=30, rng=3)
    np.testing.assert_array_equal(pa.central_primary, pc.central_primary)
    np.testing.assert_array_equal(pa.secondary, pc.secondary)
    # ... while the untruncated data did differ after b
    assert not hereford.tables["pupils"]["nor"].equals(_future_changed(hereford, b).tables["pupils"]["nor"])


def test_truncate_births_rule_and_meta(hereford):
    b = 2016
    known = truncate(hereford, b)
    births = known.tables["births"].set_index("birth_year")
    original = hereford.tables["births"].set_index("birth_year")
    assert (births.loc[:b - 1, "births"] == original.loc[:b - 1, "births"]).all()
    assert (births.loc[:b - 1, "kind"] == "actual").all()
    assert (births.loc[b:, "births"] == original.loc[b - 1, "births"]).all()  # 1749 carried flat
    assert (births.loc[b:, "kind"] == "projected").all() and births.loc[b:, "births_low"].isna().all()
    assert list(births.index) == list(original.index)  # same birth years
    assert known.tables["pupils"]["academic_year"].max() == b
    assert known.config.meta.base_year == b and hereford.config.meta.base_year == 2025
    housing = known.tables["housing"]
    assert len(housing) == len(hereford.tables["housing"])
    assert (housing.loc[housing["academic_year"] > b, "kind"] == "planned").all()
    assert (housing["dwellings"] == hereford.tables["housing"]["dwellings"]).all()
    with pytest.raises(ValueError, match="no rows for base year"):
        truncate(hereford, 2030)


# ---------------------------------------------------------------- metrics by hand
def test_dfe_accuracy_by_hand():
    # (100 + 210 - 100 - 200) / 300 = +3.33%; the pair with no actual is left out
    assert dfe_accuracy_pct([100, 210, 50], [100, 200, np.nan]) == pytest.approx(10 / 300 * 100)
    assert dfe_accuracy_pct([90, 95], [100, 100]) == pytest.approx(-7.5)
    assert np.isnan(dfe_accuracy_pct([5], [0]))


def test_mape_by_hand():
    # |110-100|/100 = 10%, |90-100|/100 = 10%, |120-80|/80 = 50%; actual 0 skipped
    assert mape_pct([110, 90, 120, 5], [100, 100, 80, 0]) == pytest.approx(70 / 3)
    assert np.isnan(mape_pct([1], [0]))


def test_coverage_of_a_known_interval():
    # Weibull plotting positions: the q quantile of n = 101 draws 0 ... 100 sits at rank q (n + 1), i.e.
    # value q x 102 - 1: 5% -> 4.1, 95% -> 95.9, 2.5% -> 1.55, 97.5% -> 98.45 (a little wider than the
    # linear rule's 5, 95, 2.5, 97.5, so a range from few draws is not too narrow on average)
    draws = np.arange(101.0)
    lo90, hi90, lo95, hi95, lo80, hi80 = interval_bounds(draws)
    assert (lo90, hi90, lo95, hi95) == pytest.approx((4.1, 95.9, 1.55, 98.45))
    assert (lo80, hi80) == pytest.approx((9.2, 90.8))  # 0.1 x 102 - 1, 0.9 x 102 - 1
    actual = np.array([4, 4.1, 50, 95.9, 96])
    assert coverage(actual, np.full(5, lo90), np.full(5, hi90)) == pytest.approx(3 / 5)  # ends included
    assert coverage([1, 2, 98, 99], np.full(4, lo95), np.full(4, hi95)) == pytest.approx(0.5)
    assert coverage([1, np.nan], [0, 0], [2, 2]) == 1.0  # unknown actual skipped


def test_summary_pools_six_years_and_more_and_averages_base_years():
    assert list(horizon_label([1, 5, 6, 9])) == ["1", "5", "6+", "6+"]
    detail = pd.DataFrame({
        "method": "method", "base_year": [2014, 2014, 2015, 2014], "horizon": [1, 1, 1, 6], "phase": "primary",
        "planning_area": "A", "ncy": [0, 1, 0, 0], "forecast": [110.0, 90, 100, 50], "actual": [100.0, 100, 100, 40],
        "lo90": [100.0, 95, 90, 41], "hi90": [120.0, 105, 99, 60], "lo95": np.nan, "hi95": np.nan})
    authority = pd.DataFrame({
        "method": "method", "base_year": [2014, 2015, 2014], "horizon": [1, 1, 6], "phase": "primary",
        "forecast": [200.0, 100, 50], "actual": [200.0, 100 / 1.02, 40], "lo90": np.nan, "hi90": np.nan,
        "lo95": np.nan, "hi95": np.nan})
    authority["dfe_accuracy_pct"] = (authority["forecast"] - authority["actual"]) / authority["actual"] * 100
    s = summary_table(detail, authority).set_index("horizon")
    assert s.loc["1", "n"] == 3 and s.loc["1", "mape_pct"] == pytest.approx(20 / 3)
    assert s.loc["1", "coverage90"] == pytest.approx(2 / 3)  # 100 in [100, 120], 100 in [95, 105], 100 not in [90, 99]
    assert s.loc["1", "dfe_accuracy_pct"] == pytest.approx((0 + 2) / 2)  # mean over base years 2014 and 2015
    assert s.loc["6+", "mape_pct"] == pytest.approx(25) and s.loc["6+", "coverage90"] == 0.0


# ---------------------------------------------------------------- the back-test
def test_base_years_need_a_full_ratio_window():
    assert base_years(2011, 2022, 3) == list(range(2014, 2022))
    assert base_years(2018, 2022, 3) == [2021]
    assert base_years(2018, 2020, 3) == []


def test_first_base_year_has_no_range(toy):
    """No outcome is known at the toy's one base year, so there is no record to draw its ranges from."""
    result = backtest(toy, draws=20, seed=1)
    method = result.detail["method"] == "method"
    assert result.detail.loc[method, "lo90"].isna().all()
    assert result.authority.loc[result.authority["method"] == "method", "hi95"].isna().all()
    assert result.record.empty  # and no chances to score
    assert result.detail["forecast"].notna().all()
    # the naive reference (a 1-year window) has origins before 2021 in its own record, so it has ranges
    assert result.detail.loc[~method, "lo90"].notna().all()


def test_toy_council_constant_history_is_forecast_exactly(toy):
    result = backtest(toy, draws=20, seed=1, settings=UncertaintySettings(intervals="resample"))
    assert result.base_years == (2021,)
    d = result.detail
    assert set(d["method"]) == {"method", "naive"} and len(d) == 2 * (2 * 7 + 7)
    np.testing.assert_allclose(d["forecast"], d["actual"], rtol=1e-12)
    s = result.summary
    np.testing.assert_allclose(s["mape_pct"], 0, atol=1e-9)
    dfe = s[s["phase"].isin(["primary", "secondary"])]
    np.testing.assert_allclose(dfe["dfe_accuracy_pct"], 0, atol=1e-9)
    assert (s["coverage90"] == 1).all() and (s["coverage95_authority"] == 1).all()


def test_too_short_a_history_is_refused(toy):
    with pytest.raises(ValueError, match="too short"):
        backtest(toy, draws=0, min_window=5)


def test_naive_reference_is_last_years_ratios(hereford, hereford_central):
    policy = naive_policy(hereford.config.policy)
    assert (policy.ratio_window, policy.ratio_method, policy.ratio_weights) == (1, "mean", None)
    b = 2017
    pupils = hereford.tables["pupils"].set_index(["planning_area", "ncy", "academic_year"])["nor"]
    births = hereford.tables["births"].set_index("birth_year")["births"]
    d = hereford_central.detail
    d = d[(d["method"] == "naive") & (d["base_year"] == b) & (d["horizon"] == 1)].set_index(["planning_area", "ncy"])
    for area in ("8844015", "8844027"):
        # Reception: R(b) / births(b - 5) * births(b - 4); the birth share cancels. No housing pupils
        # at one year ahead: the 1-year window mean equals the base year's completions.
        expected = pupils[(area, 0, b)] / births[b - 5] * births[b - 4]
        assert d.loc[(area, 0), "forecast"] == pytest.approx(expected, rel=1e-12)
        for g in range(1, 7):  # progression N(g, b) / N(g - 1, b - 1) applied to N(g - 1, b)
            expected = pupils[(area, g, b)] / pupils[(area, g - 1, b - 1)] * pupils[(area, g - 1, b)]
            assert d.loc[(area, g), "forecast"] == pytest.approx(expected, rel=1e-12)
    # and it is the engine with a 1-year window on the truncated scenario
    inputs = demand_inputs(with_policy(truncate(hereford, b), policy, horizon=2022 - b))
    np.testing.assert_allclose(project(inputs).central_primary[:, :, 0],
                               d.loc[list(inputs.primary_areas)].query("ncy <= 6")["forecast"]
                               .to_numpy().reshape(len(inputs.primary_areas), 7))


def test_herefordshire_tables_are_complete(hereford_central):
    r = hereford_central
    assert r.base_years == tuple(range(2014, 2022))
    pairs = sum(2022 - b for b in r.base_years)  # 36 base year x horizon pairs
    assert len(r.detail) == 2 * pairs * (14 * 7 + 7)
    assert len(r.authority) == 2 * pairs * 3
    assert r.detail["actual"].notna().all() and r.detail[["lo90", "hi95"]].isna().all().all()
    assert set(r.summary["horizon"]) == {"1", "2", "3", "4", "5", "6+"}
    # the authority table is the sum of the detail
    primary = r.detail[r.detail["phase"] == "primary"]
    d = primary.groupby(["method", "base_year", "horizon"])[["forecast", "actual"]].sum()
    a = r.authority[r.authority["phase"] == "primary"].set_index(["method", "base_year", "horizon"])
    np.testing.assert_allclose(a.loc[d.index, "forecast"], d["forecast"])
    np.testing.assert_allclose(a.loc[d.index, "actual"], d["actual"])
    c = r.comparison
    assert {"mape_ratio", "dfe_accuracy_pct_method", "dfe_accuracy_pct_naive"} <= set(c.columns)


def test_same_seed_same_tables_other_seed_other_intervals(hereford):
    short = dataclasses.replace(hereford, tables={**hereford.tables, "pupils": hereford.tables["pupils"].query(
        "academic_year >= 2015")})
    one = backtest(short, draws=25, seed=7)
    two = backtest(short, draws=25, seed=7)
    pd.testing.assert_frame_equal(one.detail, two.detail)
    pd.testing.assert_frame_equal(one.summary, two.summary)
    other = backtest(short, draws=25, seed=8)
    pd.testing.assert_series_equal(one.detail["forecast"], other.detail["forecast"])
    assert not np.allclose(one.detail["hi90"], other.detail["hi90"])


def test_format_comparison_is_a_fixed_width_table(toy):
    text = format_comparison(backtest(toy, draws=10, seed=1))
    lines = text.splitlines()
    table = lines[lines.index(next(x for x in lines if x.startswith("phase"))) - 1:]
    rows = [x for x in table if x.startswith(("primary", "secondary", "sixth form"))]
    assert len(rows) == 3 and len({len(x) for x in rows}) == 1
    assert "+0.00" in rows[0] and "1.00/1.00" in rows[0]
