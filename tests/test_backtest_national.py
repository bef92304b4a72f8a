"""The national back-test on a few LAs of the committed national tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from placeplan.backtest import (backtest, format_national, la_inputs, la_scenario, national_backtest,
                                naive_policy, read_national_tables, truncate)
from placeplan.backtest.core import with_policy
from placeplan.backtest.national import la_series
from placeplan.demand import demand_inputs, project
from placeplan.scenario.schema import Policy

from conftest import SCENARIOS

# Herefordshire (unitary), Hampshire (county: sum of districts), Northamptonshire (merged 940 + 941)
THREE = ("884", "850", "928")


@pytest.fixture(scope="module")
def tables():
    return read_national_tables(SCENARIOS / "national")


@pytest.fixture(scope="module")
def three(tables):
    return national_backtest(*tables, draws=20, seed=3, la_codes=THREE)


def test_three_las(three):
    assert three.excluded.empty
    assert three.base_years == tuple(range(2014, 2022))
    per_la = three.per_la
    assert set(per_la["la_code"]) == set(THREE)
    assert len(per_la) == 3 * 3 * 2 * 6  # LA x method (method, naive, national_local) x phase x horizon label
    assert set(per_la["la_name"]) == {"Herefordshire, County of", "Hampshire", "Northamptonshire"}
    assert per_la["dfe_accuracy_pct"].notna().all()
    assert (per_la["abs_accuracy_pct"] >= per_la["dfe_accuracy_pct"].abs() - 1e-12).all()
    d = three.distribution
    assert (d["n_la"] == 3).all() and len(d) == 3 * 2 * 6
    row = d[(d["method"] == "method") & (d["phase"] == "primary") & (d["horizon"] == "1")].iloc[0]
    values = per_la[(per_la["method"] == "method") & (per_la["phase"] == "primary") & (per_la["horizon"] == "1")]
    assert row["dfe_accuracy_pct_median"] == pytest.approx(values["dfe_accuracy_pct"].median())
    e = three.england
    sub = three.authority[(three.authority["method"] == "naive") & (three.authority["base_year"] == 2016)
                          & (three.authority["horizon"] == 2) & (three.authority["phase"] == "secondary")]
    got = e[(e["method"] == "naive") & (e["base_year"] == 2016) & (e["horizon"] == 2) & (e["phase"] == "secondary")]
    assert got["forecast"].iloc[0] == pytest.approx(sub["forecast"].sum()) and got["n_la"].iloc[0] == 3
    text = format_national(three)
    assert "primary" in text and "England" in text


def test_authority_actuals_are_the_national_table(tables, three):
    pupils = tables[0]
    a = three.authority
    row = a[(a["la_code"] == "928") & (a["academic_year"] == 2022) & (a["phase"] == "secondary")].iloc[0]
    expected = pupils[(pupils["la_code"] == "928") & (pupils["academic_year"] == 2022)
                      & pupils["ncy"].between(7, 11)]["nor"].sum()
    assert row["actual"] == expected


def test_fast_inputs_equal_the_scenario_route(tables):
    """la_inputs gives exactly what demand_inputs(truncate(la_scenario)) gives, for both methods."""
    pupils, births = tables
    policy = Policy()
    scenario = la_scenario(pupils, births, "884", policy)
    series = la_series(pupils[pupils["la_code"] == "884"], births[births["la_code"] == "884"], "884", "H")
    for b in (2014, 2018, 2021):
        for pol in (policy, naive_policy(policy)):
            slow = demand_inputs(with_policy(truncate(scenario, b), pol, horizon=2022 - b))
            fast = la_inputs(series, b, 2022 - b, pol)
            for name in slow.__dataclass_fields__:
                x, y = getattr(slow, name), getattr(fast, name)
                if isinstance(x, np.ndarray):
                    assert x.shape == y.shape and x.dtype.kind == y.dtype.kind, name
                    np.testing.assert_array_equal(x, y, err_msg=name)
                else:
                    assert x == y, name
            np.testing.assert_array_equal(project(slow).central_secondary, project(fast).central_secondary)


def test_national_forecasts_equal_the_scenario_backtest(tables):
    pupils, births = tables
    national = national_backtest(pupils, births, draws=0, la_codes=["884"])
    single = backtest(la_scenario(pupils, births, "884"), draws=0)
    keys = ["method", "base_year", "horizon", "phase"]
    a = national.authority[national.authority["method"].isin(["method", "naive"])].set_index(keys)[["forecast", "actual", "dfe_accuracy_pct"]].sort_index()
    b = single.authority.set_index(keys)[["forecast", "actual", "dfe_accuracy_pct"]].sort_index()
    pd.testing.assert_frame_equal(a, b)


def test_las_that_cannot_be_back_tested_are_listed(tables):
    result = national_backtest(*tables, draws=0, la_codes=["835", "838", "201"])
    reasons = dict(zip(result.excluded["la_code"], result.excluded["reason"]))
    assert set(reasons) == {"835", "838"}
    assert "births" in reasons["835"] and "too short" in reasons["838"]
    # City of London has no state secondary pupils: no secondary accuracy, primary still there
    per_la = result.per_la
    assert per_la.loc[per_la["phase"] == "secondary", "dfe_accuracy_pct"].isna().all()
    assert per_la.loc[per_la["phase"] == "primary", "dfe_accuracy_pct"].notna().all()
    assert (result.distribution.loc[result.distribution["phase"] == "primary", "n_la"] == 1).all()


def test_national_is_deterministic(tables):
    one = national_backtest(*tables, draws=10, seed=5, la_codes=["884"])
    two = national_backtest(*tables, draws=10, seed=5, la_codes=["884"])
    pd.testing.assert_frame_equal(one.authority, two.authority)
