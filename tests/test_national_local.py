"""The national-plus-local ratio method: pure functions checked by hand, the engine and the national back-test."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from placeplan.backtest import backtest, la_scenario, national_backtest, read_national_tables, truncate
from placeplan.backtest.core import with_policy
from placeplan.backtest.national import national_history, national_ratio_table
from placeplan.demand import demand_inputs, project
from placeplan.demand import national_local as nl
from placeplan.demand.project import phase_totals
from placeplan.scenario.schema import Policy

from conftest import SCENARIOS

PROJECT = SCENARIOS.parent


@pytest.fixture(scope="module")
def tables():
    return read_national_tables(SCENARIOS / "national")


# ---------------------------------------------------------------- pure functions, by hand
def test_national_and_local_split_of_three_authorities():
    years = np.array([2018, 2019, 2020])
    nor = np.full((3, 14, 3), np.nan)
    # Year 1 of 2019 and 2020 from Reception a year earlier; authority C has no 2018 Reception
    nor[:, 0] = [[100, 110, 120], [200, 190, 180], [np.nan, 50, 60]]
    nor[:, 1] = [[0, 99, 112], [0, 204, 190], [0, 55, 50]]
    births = np.array([[105, 110, 125], [210, 200, 180], [50, 50, 60]], dtype=float)
    top, bottom = nl.ratio_parts(nor, births)
    ratio, numerator, denominator = nl.pooled_ratio(top, bottom)
    # births -> Reception, 2018: C has no Reception, so it is left out of the pool
    assert numerator[0, 0] == 300 and denominator[0, 0] == 315
    assert ratio[0, 0] == pytest.approx(300 / 315)
    assert ratio[0, 2] == pytest.approx(360 / 365)
    # Reception 2018 -> Year 1 2019: C's missing Reception leaves it out; 2020 pools all three
    assert ratio[1, 1] == pytest.approx((99 + 204) / (100 + 200))
    assert ratio[1, 2] == pytest.approx((112 + 190 + 50) / (110 + 190 + 50))
    assert np.isnan(ratio[1, 0])
    deviation = top[:, 1] / bottom[:, 1] - ratio[None, 1]
    assert deviation[0, 2] == pytest.approx(112 / 110 - 352 / 350)
    assert deviation[2, 2] == pytest.approx(50 / 50 - 352 / 350)
    assert len(years) == ratio.shape[-1]


def test_smoothing_weights_by_hand():
    present = np.array([True, False, True, True])
    w = nl.smoothing_weights(present, 0.5)
    raw = np.array([0.5 * 0.5 ** 3, 0.0, 0.5 * 0.5, 0.5])  # k = 3, (2 missing), 1, 0 years before the last
    np.testing.assert_allclose(w, raw / raw.sum())
    assert w.sum() == pytest.approx(1.0)
    history = np.array([1.0, np.nan, 2.0, 4.0])
    assert nl.exp_smooth(history, 0.5) == pytest.approx((0.0625 * 1 + 0.25 * 2 + 0.5 * 4) / 0.8125)
    # a missing LAST year: weights renormalise over the rest, the same as smoothing up to the last present year
    assert nl.exp_smooth(np.array([1.0, 2.0, np.nan]), 0.7) == pytest.approx(nl.exp_smooth(np.array([1.0, 2.0]), 0.7))
    assert np.isnan(nl.exp_smooth(np.array([np.nan, np.nan]), 0.5))
    with pytest.raises(ValueError):
        nl.smoothing_weights(present, 0.0)


def test_one_step_errors_and_alpha_choice_by_hand():
    # [0, 1, 1]: the forecast of year 2 is 1 / (2 - a) (weights a(1-a) on 0, a on 1), so the larger a the better
    errors = nl.one_step_errors(np.array([0.0, 1.0, 1.0]), 0.5)
    assert np.isnan(errors[0]) and errors[1] == 1.0 and errors[2] == pytest.approx(1 - 1 / 1.5)
    assert nl.choose_alpha(np.array([0.0, 1.0, 1.0])) == 0.9
    # alternating around a level: heavy smoothing (small alpha) forecasts it best
    assert nl.choose_alpha(np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])) == 0.3
    # pooled over series: the sum of squared errors decides
    steps = np.array([[0.0, 0.0, 1.0, 1.0, 1.0, 1.0]])
    noise = np.array([[0.1, -0.1, 0.1, -0.1, 0.1, -0.1]])
    assert nl.choose_alpha([steps, noise]) == 0.9  # the step's errors are 25 times larger
    # a single year per series: every alpha forecasts the same, the grid's first is returned
    assert nl.choose_alpha(np.array([[np.nan, 1.0], [2.0, np.nan]])) == 0.3
    # counted by the pupils behind them, a large authority's step outweighs a small one's noise, and
    # the other way round: equal weights pick 0.9 above; with the noisy series 1,000 times larger, 0.3
    big_noise = np.array([[0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1, -0.1]])
    small_steps = np.array([[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]])
    assert nl.choose_alpha([small_steps, big_noise]) == 0.9
    assert nl.choose_alpha([small_steps, big_noise], weights=[np.array(1.0), np.array(1000.0)]) == 0.3
    # by hand: with alpha 0.3 the noise's one-step errors are smaller than with 0.9
    noise_03 = np.nansum(nl.one_step_errors(big_noise, 0.3) ** 2)
    noise_09 = np.nansum(nl.one_step_errors(big_noise, 0.9) ** 2)
    assert noise_03 < noise_09


def test_latest_value_skips_shock_years_and_carry_forward():
    years = np.array([2018, 2019, 2020])
    history = np.array([[0.95, 0.96, 0.90], [0.95, np.nan, np.nan], [np.nan, np.nan, 0.9]])
    np.testing.assert_allclose(nl.latest_value(history, years, (2020,)), [0.96, 0.95, 0.9])
    np.testing.assert_allclose(nl.latest_value(history, years, ()), [0.90, 0.95, 0.9])
    national = np.array([0.95, 0.96, 0.90, np.nan, np.nan])
    carried = nl.carry_national(national, np.arange(2018, 2023), (2020,))
    np.testing.assert_allclose(carried, [0.95, 0.96, 0.90, 0.96, 0.96])  # 2020's shock is not carried


def test_forecast_is_national_plus_smoothed_deviation():
    years = np.arange(2016, 2021)
    national = np.array([1.00, 1.01, 1.02, 1.03, 0.95])  # 2020 a national shock
    local = np.array([1.02, 1.03, 1.05, 1.04, 0.97])
    deviation = local - national  # 0.02 0.02 0.03 0.01 0.02
    w = 0.7 * 0.3 ** np.arange(4, -1, -1)
    expected = 1.03 + (w * deviation).sum() / w.sum()
    assert nl.national_local_forecast(local, national, years, 0.7, (2020,)) == pytest.approx(expected)
    # without a reference: the local series' own latest non-shock value
    assert nl.national_local_forecast(local, None, years, 0.7, (2020,)) == pytest.approx(1.04)
    # a national series ending early: its forecast carries on and later local years still count
    short = np.array([1.00, 1.01, 1.02, np.nan, np.nan])
    dev = local - np.array([1.00, 1.01, 1.02, 1.02, 1.02])
    expected = 1.02 + (w * dev).sum() / w.sum()
    assert nl.national_local_forecast(local, short, years, 0.7, (2020,)) == pytest.approx(expected)


def test_areas_deviate_from_the_authority():
    area = np.array([[[0.9, 0.92, 0.94]], [[1.1, 1.08, 1.06]]])  # (area, slot, year)
    authority = np.array([[1.0, 1.0, 1.0]])
    out = nl.area_forecast(area, authority, np.array([1.05]), 0.5)
    w = np.array([0.125, 0.25, 0.5]) / 0.875
    assert out[0, 0] == pytest.approx(1.05 + (w * np.array([-0.1, -0.08, -0.06])).sum())
    assert out[1, 0] == pytest.approx(1.05 + (w * np.array([0.1, 0.08, 0.06])).sum())
    assert nl.area_forecast(np.full((1, 1, 3), np.nan), authority, np.array([1.05]), 0.5)[0, 0] == 1.05


def test_transfer_matrix_keeps_its_shape():
    matrix = np.array([[0.6, 0.3], [0.1, 0.8]])
    year6 = np.array([100.0, 50.0])
    scaled = nl.scale_transfer_matrix(matrix, year6, 0.95)
    assert ((year6 @ scaled).sum() / year6.sum()) == pytest.approx(0.95)
    np.testing.assert_allclose(scaled / matrix, scaled[0, 0] / matrix[0, 0])


def test_policy_fields_are_validated():
    assert Policy().deviation_alpha == "auto" and Policy().national_shock_years == (2020,)
    assert Policy(ratio_method="national_local", deviation_alpha=0.7).deviation_alpha == 0.7
    for bad in (0.0, 1.5, "sometimes"):
        with pytest.raises(ValidationError):
            Policy(ratio_method="national_local", deviation_alpha=bad)
    with pytest.raises(ValidationError):
        Policy(national_shock_year=2020)


# ---------------------------------------------------------------- the reference table
def test_national_reference_is_rebuilt_byte_for_byte(tmp_path):
    out = tmp_path / "national_ratios.csv"
    done = subprocess.run([sys.executable, str(PROJECT / "tools" / "build_national_reference.py"), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (SCENARIOS / "herefordshire" / "national_ratios.csv").read_bytes(), (
        "national_ratios.csv differs from a fresh build: rerun python tools/build_national_reference.py")


def test_national_reference_pools_every_authority(tables):
    pupils, births = tables
    table = pd.read_csv(SCENARIOS / "herefordshire" / "national_ratios.csv")
    row = table[(table["academic_year"] == 2019) & (table["ratio"] == "y7")].iloc[0]
    y7 = pupils[(pupils["academic_year"] == 2019) & (pupils["ncy"] == 7)].set_index("la_code")["nor"]
    y6 = pupils[(pupils["academic_year"] == 2018) & (pupils["ncy"] == 6)].set_index("la_code")["nor"]
    both = y7.index.intersection(y6.index)
    assert row["numerator"] == y7[both].sum() and row["denominator"] == y6[both].sum()
    assert row["national_ratio"] == pytest.approx(y7[both].sum() / y6[both].sum(), abs=1e-6)
    assert set(table["ratio"]) == set(nl.RATIO_NAMES)


# ---------------------------------------------------------------- the national back-test
FIXED = Policy(ratio_method="national_local", deviation_alpha=0.7)


def _by_hand(pupils: pd.DataFrame, births: pd.DataFrame, la: str, base: int, horizon: int, alpha: float):
    """Independent re-implementation for one LA: loops over years and slots, pandas sums for the national pool."""
    nor = pupils.pivot_table(index=["la_code", "ncy"], columns="academic_year", values="nor")
    born = births.pivot_table(index="la_code", columns="birth_year", values="births")
    years = [y for y in range(int(pupils["academic_year"].min()), base + 1)]
    ratios = []
    for g in range(14):
        national, local = {}, {}
        for t in years:
            if g == 0:
                if t - 5 not in born.columns:
                    continue
                top, bottom = nor.xs(0, level="ncy")[t], born[t - 5]
            else:
                if t - 1 not in years:
                    continue
                top, bottom = nor.xs(g, level="ncy")[t], nor.xs(g - 1, level="ncy")[t - 1]
            pair = pd.concat([top, bottom], axis=1, join="inner").dropna()
            pair = pair[pair.iloc[:, 1] > 0]
            national[t] = pair.iloc[:, 0].sum() / pair.iloc[:, 1].sum()
            if la in pair.index:
                local[t] = pair.loc[la].iloc[0] / pair.loc[la].iloc[1]
        reference = national[max(t for t in national if t != 2020)]
        weights = {t: alpha * (1 - alpha) ** (base - t) for t in local}
        deviation = sum(weights[t] * (local[t] - national[t]) for t in local) / sum(weights.values())
        ratios.append(reference + deviation)
    state = nor.loc[la][base].to_numpy(dtype=float)
    totals = []
    for h in range(1, horizon + 1):
        t = base + h
        cohort = born.loc[la].get(t - 5) if t - 5 <= base - 1 else born.loc[la][base - 1]
        new = np.empty(14)
        new[0] = ratios[0] * cohort
        new[1:] = np.array(ratios[1:]) * state[:-1]
        state = new
        totals.append((state[0:7].sum(), state[7:12].sum()))
    return totals


def test_engine_agrees_with_an_independent_reimplementation(tables):
    pupils, births = tables
    result = national_backtest(pupils, births, policy=FIXED, draws=0, la_codes=["884"])
    a = result.authority
    a = a[(a["method"] == "national_local") & (a["base_year"] == 2018)].set_index(["horizon", "phase"])["forecast"]
    for h, (primary, secondary) in enumerate(_by_hand(pupils, births, "884", 2018, 4, 0.7), start=1):
        assert a[(h, "primary")] == pytest.approx(primary, rel=1e-9)
        assert a[(h, "secondary")] == pytest.approx(secondary, rel=1e-9)
    # the policy's own national_local ("method") is the same method here
    m = result.authority[result.authority["method"] == "method"].reset_index(drop=True)
    n = result.authority[result.authority["method"] == "national_local"].reset_index(drop=True)
    np.testing.assert_allclose(m["forecast"], n["forecast"])


def test_scenario_route_with_the_reference_table_equals_the_national_route(tables):
    pupils, births = tables
    reference = national_ratio_table(national_history(pupils, births), "test")
    single = backtest(la_scenario(pupils, births, "884", FIXED, national_ratios=reference), draws=0)
    national = national_backtest(pupils, births, policy=FIXED, draws=0, la_codes=["884"])
    keys = ["method", "base_year", "horizon", "phase"]
    a = national.authority[national.authority["method"].isin(["method", "naive"])].set_index(keys).sort_index()
    b = single.authority.set_index(keys).sort_index()
    np.testing.assert_allclose(a["forecast"], b["forecast"], rtol=1e-12)


def test_forecasts_use_only_data_up_to_their_base_year(tables):
    pupils, births = tables
    later = pupils.copy()
    bump = (later["academic_year"] == 2021) & later["ncy"].isin([0, 3, 7, 12])
    later.loc[bump, "nor"] = (later.loc[bump, "nor"] * 1.2).round().astype(later["nor"].dtype)  # every LA's 2021 changes: the national pool too
    keep = ["method", "base_year", "horizon", "phase", "forecast"]
    one = national_backtest(pupils, births, draws=0, la_codes=["884", "850"]).authority[keep]
    two = national_backtest(later, births, draws=0, la_codes=["884", "850"]).authority[keep]
    early = one["base_year"] <= 2020
    pd.testing.assert_frame_equal(one[early].reset_index(drop=True), two[early].reset_index(drop=True))
    assert not np.allclose(one.loc[~early, "forecast"], two.loc[~early, "forecast"])
    # the auto alpha of each base year is chosen from deviations up to that year only
    h1, h2 = national_history(pupils, births), national_history(later, births)
    for b in (2015, 2018, 2020):
        assert nl.choose_alpha(h1.deviations(b)) == nl.choose_alpha(h2.deviations(b))
    # the scenario route: truncate cuts the national reference table at the base year
    reference = national_ratio_table(h1, "test")
    changed = reference.assign(national_ratio=np.where(reference["academic_year"] > 2018, 9.9,
                                                        reference["national_ratio"]))
    known = [demand_inputs(with_policy(truncate(la_scenario(pupils, births, "884", FIXED, national_ratios=r), 2018),
                                       FIXED, horizon=3)) for r in (reference, changed)]
    np.testing.assert_array_equal(known[0].national_primary, known[1].national_primary)
    np.testing.assert_array_equal(known[0].national_secondary, known[1].national_secondary)


# ---------------------------------------------------------------- the engine on the scenarios
def test_herefordshire_runs_national_local_and_its_matrix_follows_the_forecast_ratio():
    from placeplan.scenario.load import load_scenario

    scenario = load_scenario(SCENARIOS / "herefordshire.yaml")
    assert scenario.config.policy.ratio_method == "national_local"
    inputs = demand_inputs(scenario)
    assert inputs.national_primary is not None and inputs.national_primary.shape == (7, len(inputs.history_years))
    # the table ends at 2022/23: later history years are unknown nationally
    assert np.isnan(inputs.national_primary[:, inputs.history_years > 2022]).all()
    projection = project(inputs)
    assert projection.ratios.alpha in nl.ALPHA_GRID
    year7 = projection.central_secondary[:, 0, 0] - projection.housing_secondary[:, 0, 0]
    forecast = projection.ratios.secondary[:, 0].sum()
    assert year7.sum() == pytest.approx(forecast * np.nansum(inputs.primary_nor[:, 6, -1]), rel=1e-9)


def test_without_a_reference_the_authority_plays_the_national_role(toy):
    policy = toy.config.policy.model_copy(update={"ratio_method": "national_local", "deviation_alpha": 0.5,
                                                   "national_shock_years": ()})
    inputs = demand_inputs(with_policy(toy, policy))
    assert inputs.national_primary is None
    from placeplan.demand.cohorts import authority_histories, ratio_histories

    ratios = project(inputs).ratios
    area_p, _ = ratio_histories(inputs)
    auth_p, _ = authority_histories(inputs)
    years = np.asarray(inputs.history_years)
    own = nl.latest_value(auth_p, years, ())
    expected = own[None, 1:] + np.nan_to_num(nl.exp_smooth(area_p[:, 1:] - auth_p[None, 1:], 0.5))
    np.testing.assert_allclose(ratios.primary[:, 1:], np.maximum(expected, 0.0))
    totals = phase_totals(project(inputs), central=True)
    assert np.isfinite(totals["primary"]).all() and np.isfinite(totals["secondary"]).all()


def test_one_area_shortcut_equals_the_general_route():
    """An authority that is its own areas gets exactly the ratios the pooled route gives (the shortcut is exact)."""
    import dataclasses

    from placeplan.backtest import read_national_tables
    from placeplan.backtest.national import la_inputs, la_series, national_history, national_local_policy
    from placeplan.demand import cohorts
    from placeplan.scenario.schema import Policy

    pupils, births = read_national_tables(SCENARIOS / "national")
    series = la_series(pupils[pupils["la_code"] == "884"], births[births["la_code"] == "884"], "884", "H")
    history = national_history(pupils, births)
    inputs = la_inputs(series, 2018, 4, national_local_policy(Policy()).model_copy(update={"deviation_alpha": 0.5}),
                       history)
    fast = cohorts.national_local_ratios(inputs)
    auth_p, auth_s = cohorts.authority_histories(inputs)
    np.testing.assert_array_equal(auth_p, fast.primary_history[0])
    np.testing.assert_array_equal(auth_s, fast.secondary_history[0])
    # two copies of the same LA as two areas: the general route, each area with no deviation of its own
    doubled = dataclasses.replace(inputs, primary_areas=("A", "B"), secondary_areas=("C", "D"),
                                  primary_nor=np.repeat(inputs.primary_nor, 2, axis=0),
                                  secondary_nor=np.repeat(inputs.secondary_nor, 2, axis=0),
                                  births=np.repeat(inputs.births, 2, axis=0),
                                  births_sd=np.repeat(inputs.births_sd, 2, axis=0),
                                  secondary_share=np.full((2, 2), 0.5))
    slow = cohorts.national_local_ratios(doubled)
    np.testing.assert_allclose(slow.primary[0], fast.primary[0], rtol=1e-12)
    np.testing.assert_allclose(slow.secondary[:, 1:], np.repeat(fast.secondary[:, 1:], 2, axis=0), rtol=1e-12)
    np.testing.assert_allclose(slow.secondary[:, 0].sum(), fast.secondary[0, 0], rtol=1e-12)
