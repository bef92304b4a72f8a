"""The national back-test's empirical ranges and its benchmark: hand-made records and a few real LAs."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from placeplan.backtest import national_backtest, read_national_tables
from placeplan.backtest.benchmark import accuracy_table, format_benchmark, targets
from placeplan.backtest.metrics import QUANTILE_METHOD
from placeplan.backtest.national import authority_coverage
from placeplan.backtest.national_intervals import base_stream, method_intervals
from placeplan.demand.intervals import draw_errors, fit_error_model

from conftest import SCENARIOS


def toy_record():
    """Four LAs, origins 2014-2016 scored to 2017, NCY 0 and 7: deviations of a few per cent."""
    rng = np.random.default_rng(0)
    rows = []
    for base in (2014, 2015, 2016):
        for unit, size in (("A", 500.0), ("B", 1000.0), ("C", 2000.0), ("D", 4000.0)):
            for h in range(1, 2018 - base):
                for ncy in (0, 7):
                    error = rng.normal(0, 0.02 * h)
                    rows.append((unit, base, h, ncy, size, round(size * (1 + error)), size))
    return pd.DataFrame(rows, columns=["unit", "base_year", "horizon", "ncy", "forecast", "actual", "start"])


def test_ranges_come_only_from_earlier_outcomes_and_match_a_hand_draw():
    record = toy_record()
    parts = method_intervals(record, draws=300, seed=4)
    authority = parts["authority"]
    first = authority[authority["base_year"] == 2014]
    assert first["lo95"].isna().all()  # nothing was known at the first origin: no range
    # base 2016 by hand: the model known at 2016, the 2016 stream, Reception of each LA one year on
    model = fit_error_model(record, 2016)
    rows = record[record["base_year"] == 2016]
    units = sorted(rows["unit"].unique())
    forecast = np.zeros((4, 14, 1))
    forecast[:, 0, 0] = forecast[:, 7, 0] = [500, 1000, 2000, 4000]
    errors = draw_errors(model, forecast, np.arange(1, 2), 300, base_stream(4, 2016))
    drawn = np.maximum(forecast[None] * (1 + errors), 0)
    low, high = np.quantile(drawn[:, :, 0:7].sum(axis=2), (0.025, 0.975), axis=0, method=QUANTILE_METHOD)
    got = authority[(authority["base_year"] == 2016) & (authority["phase"] == "primary")].set_index("unit")
    assert got.loc[units, "lo95"].to_numpy() == pytest.approx(low[:, 0])
    assert got.loc[units, "hi95"].to_numpy() == pytest.approx(high[:, 0])
    cells = parts["cells"]
    one = cells[(cells["base_year"] == 2016) & (cells["unit"] == "A") & (cells["ncy"] == 0)].iloc[0]
    actual = rows[(rows["unit"] == "A") & (rows["ncy"] == 0)]["actual"].iloc[0]
    cell_low, cell_high = np.quantile(drawn[:, 0, 0, 0], (0.025, 0.975), method=QUANTILE_METHOD)
    assert one["inside95"] == float(cell_low <= actual <= cell_high)


def test_coverage_by_hand():
    authority = pd.DataFrame({
        "method": "m", "phase": "primary", "horizon": [1, 1, 1, 1, 2],
        "actual": [10.0, 20.0, 30.0, 40.0, 50.0], "lo80": 0.0, "hi80": 100.0,
        "lo90": [9.0, 21.0, 25.0, 35.0, 45.0], "hi90": [11.0, 25.0, 35.0, 45.0, 55.0],
        "lo95": [9.0, 19.0, 25.0, 35.0, np.nan], "hi95": [11.0, 25.0, 35.0, 45.0, np.nan]})
    out = authority_coverage(authority).set_index("horizon")
    assert out.loc["1", "n"] == 4 and out.loc["1", "coverage90"] == 0.75 and out.loc["1", "coverage95"] == 1.0
    assert out.loc["2", "coverage90"] == 1.0 and np.isnan(out.loc["2", "coverage95"])


def fake_result(new: float):
    rows = []
    for phase in ("primary", "secondary"):
        for h in ("1", "2", "3", "4", "5", "6+"):
            for method, value in (("method", 1.0), ("naive", 0.9), ("national_local", new)):
                rows.append({"method": method, "phase": phase, "horizon": h, "abs_accuracy_pct_median": value,
                             "n_la": 3})
    table = pd.DataFrame(rows)
    coverage = pd.DataFrame([{"method": "national_local", "phase": p, "horizon": h, "coverage80": 0.8,
                              "coverage90": 0.9, "coverage95": 0.95}
                             for p in ("primary", "secondary", "sixth_form") for h in ("1", "2", "3", "4", "5", "6+")])
    return SimpleNamespace(distribution=table, distribution_la_year=table, coverage=coverage,
                           cell_coverage=coverage, base_years=(2014, 2021), draws=10)


def test_benchmark_targets_are_judged_as_stated():
    better = {t.name: t.met for t in targets(fake_result(0.3))}
    assert better["primary 1 yr: national_local beats the reference method and naive"]
    assert better["primary 1 yr: national_local <= 0.42%"]
    assert better["secondary 3 yr: 95% range holds 93-97% of cells"]
    worse = {t.name: t.met for t in targets(fake_result(0.95))}
    assert not worse["primary 1 yr: national_local beats the reference method and naive"]  # 0.95 > naive's 0.9
    assert not worse["secondary 1 yr: national_local <= 0.36%"]
    assert worse["primary 3 yr: national_local <= 0.95%"]  # at the limit counts as met
    text = format_benchmark(fake_result(0.3), 1.0)
    assert "Targets: 38 of 38 met" in text and "0.300*" in text
    assert set(accuracy_table(fake_result(0.3))["basis"]) == {"pairs", "per_la"}


def test_national_backtest_uses_nothing_after_each_base_year():
    """Changing the last census year changes no forecast and no range (every base year is before it), only actuals."""
    pupils, births = read_national_tables(SCENARIOS / "national")
    las = ["884", "850", "928"]
    one = national_backtest(pupils, births, draws=40, seed=2, la_codes=las)
    later = pupils.copy()
    last = later["academic_year"] == 2022
    later.loc[last, "nor"] = (later.loc[last, "nor"] * 1.1).round()
    two = national_backtest(later, births, draws=40, seed=2, la_codes=las)
    keys = ["method", "la_code", "base_year", "horizon", "phase"]
    a = one.authority.set_index(keys).sort_index()
    b = two.authority.set_index(keys).sort_index()
    pd.testing.assert_frame_equal(a[["forecast", "lo90", "hi90", "lo95", "hi95"]],
                                  b[["forecast", "lo90", "hi90", "lo95", "hi95"]])
    outturn = a["academic_year"] == 2022
    assert (b.loc[outturn, "actual"] > a.loc[outturn, "actual"]).all()
    assert (b.loc[~outturn, "actual"] == a.loc[~outturn, "actual"]).all()


def test_local_calibration_by_hand():
    from placeplan.backtest.benchmark import format_local_calibration, local_calibration

    detail = pd.DataFrame({"method": ["method"] * 4 + ["naive"], "phase": "primary", "horizon": [1, 1, 1, 1, 1],
                           "forecast": 100.0, "actual": [100.0, 104.0, 120.0, 100.0, 500.0],
                           "lo80": 97.0, "hi80": 103.0, "lo90": [95.0, 95.0, 95.0, np.nan, 0.0],
                           "hi90": [105.0, 105.0, 105.0, np.nan, 1.0], "lo95": 90.0, "hi95": 110.0})
    authority = detail.iloc[:1].assign(actual=100.0)
    table = local_calibration(SimpleNamespace(detail=detail, authority=authority)).set_index("level")
    cells = table.loc["cells"]
    # the row without a range (the first base year) and the naive row are left out: 3 cells
    assert cells["n"] == 3 and cells["coverage80"] == pytest.approx(1 / 3)
    assert cells["coverage90"] == pytest.approx(2 / 3) and cells["coverage95"] == pytest.approx(2 / 3)
    assert table.loc["authority", "coverage95"] == 1.0
    assert "33%/67%/67%" in format_local_calibration(SimpleNamespace(detail=detail, authority=authority))
