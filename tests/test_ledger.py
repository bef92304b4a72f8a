"""The forecast-vs-outturn ledger: outturns, the council's record matched, the toy council by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from placeplan.demand import UncertaintySettings

from placeplan.backtest import backtest, build_ledger, format_ledger, outturn_totals, truncate
from placeplan.backtest.outturn import CENSUS, OBSERVED

# Toyshire's history is flat: every year 40 + 62 pupils in each primary year group (714 R-Y6), 230 in
# each of Y7-Y11 (1,150) and 80 in Y12 and Y13 (160), births 100 a year, 10 homes a year. So every
# forecast from it is exactly 714 / 1,150 / 160, and the ledger's accuracies can be worked by hand.
PRIMARY, SECONDARY, SIXTH = 714.0, 1150.0, 160.0


def observed(rows) -> pd.DataFrame:
    """An observed_totals table from (year, level, code, ncy_low, ncy_high, nor, held, census) tuples."""
    frame = pd.DataFrame(rows, columns=["academic_year", "level", "code", "ncy_low", "ncy_high", "nor", "held",
                                        "census"])
    return frame.assign(source="test")


def record(rows) -> pd.DataFrame:
    """A council_forecast_record table from (outturn_year, phase, horizon, accuracy_pct, forecast, row) tuples."""
    frame = pd.DataFrame(rows, columns=["outturn_year", "phase", "horizon", "accuracy_pct", "forecast",
                                        "scorecard_row"])
    return frame.assign(actual=np.nan, source="test").astype({"outturn_year": "Int64"})


@pytest.fixture(scope="module")
def toy_later(toy):
    """The toy council with county totals observed after its history (2023, 2024) and a council record."""
    later = observed([
        (2023, "authority", "888", 0, 6, 700.0, "exact", "january"),    # 714 forecast: +2%
        (2023, "authority", "888", 7, 11, 1000.0, "exact", "january"),  # 1,150 forecast: +15%
        (2024, "authority", "888", 0, 6, 680.0, "exact", "january"),    # +5%
        (2024, "authority", "888", 0, 2, 300.0, "exact", "january"),    # a key stage block: not an outturn
        (2024, "authority", "888", 7, 11, 2000.0, "shares", "january"),  # held as shares: not an outturn
        (2024, "authority", "888", 7, 11, 2000.0, "exact", "october"),  # October count: not an outturn
        (2024, "planning_area", "8880001", 7, 11, 2000.0, "exact", "january"),  # an area: not the authority
    ])
    council = record([
        (2023, "primary", 1, 3.0, 721.0, "2022/23"),   # SCAP of base 2022 for 2023: placeplan's base 2022 run
        (2023, "primary", 2, -1.5, np.nan, "2021/22"),  # base 2021 for 2023
        (2024, "primary", 1, 4.0, np.nan, "2023/24"),  # base 2023: no year-group census, placeplan has no run
        (2022, "secondary", 1, 0.5, np.nan, "2021/22"),
        (pd.NA, "primary", 1, 9.9, np.nan, "2017/18"),  # not placed: left out
        (2030, "primary", 1, 1.0, np.nan, "2029/30"),  # January 2031 census is after as_at: left out
    ])
    tables = {**toy.tables, "observed_totals": later, "council_forecast_record": council}
    meta = toy.config.meta.model_copy(update={"as_at": dt.date(2026, 12, 1)})
    return dataclasses.replace(toy, tables=tables, config=toy.config.model_copy(update={"meta": meta}))


@pytest.fixture(scope="module")
def toy_ledger(toy_later):
    # the toy's one census base year has no earlier outcome to draw ranges from: resample the ratios instead
    return backtest(toy_later, draws=20, seed=1, settings=UncertaintySettings(intervals="resample")).ledger


# ---------------------------------------------------------------- outturn
def test_outturn_is_the_census_then_the_observed_totals(toy_later):
    out = outturn_totals(toy_later.tables["pupils"], toy_later.tables["observed_totals"], "888")
    got = {(r.academic_year, r.phase): (r.actual, r.source) for r in out.itertuples()}
    assert got[(2022, "primary")] == (PRIMARY, CENSUS) and got[(2018, "sixth_form")] == (SIXTH, CENSUS)
    assert got[(2022, "secondary")] == (SECONDARY, CENSUS)
    assert got[(2023, "primary")] == (700.0, OBSERVED) and got[(2023, "secondary")] == (1000.0, OBSERVED)
    assert got[(2024, "primary")] == (680.0, OBSERVED)
    # the key stage, shares, October and planning-area rows are not outturns
    assert (2024, "secondary") not in got and (2023, "sixth_form") not in got
    assert len(out) == 5 * 3 + 3
    assert list(out["academic_year"]) == sorted(out["academic_year"])


def test_a_census_total_wins_over_an_observed_total_of_the_same_year(toy):
    clash = observed([(2022, "authority", "888", 0, 6, 999.0, "exact", "january"),
                      (2023, "authority", "999", 0, 6, 555.0, "exact", "january")])  # another authority
    out = outturn_totals(toy.tables["pupils"], clash, "888").set_index(["academic_year", "phase"])
    assert out.loc[(2022, "primary"), "actual"] == PRIMARY and out.loc[(2022, "primary"), "source"] == CENSUS
    assert (2023, "primary") not in out.index
    # without an LA code any authority row counts
    assert outturn_totals(toy.tables["pupils"], clash).set_index(["academic_year", "phase"]).loc[
        (2023, "primary"), "actual"] == 555.0


def test_truncate_keeps_observed_totals_up_to_the_base_year_only(toy_later):
    assert len(truncate(toy_later, 2022).tables["observed_totals"]) == 0
    assert set(toy_later.tables["observed_totals"]["academic_year"]) == {2023, 2024}  # the input is untouched


# ---------------------------------------------------------------- the ledger on the toy council, by hand
def test_toy_ledger_rows_by_hand(toy_ledger):
    led = toy_ledger.set_index(["phase", "base_year", "horizon"])
    # base 2021 (the back-test's), base 2022 (the last census) and base 2023 (year groups estimated to the
    # observed 700: ledger only), to the last outturn 2024
    primary = led.loc["primary"]
    assert sorted(primary.index) == [(2021, 1), (2021, 2), (2021, 3), (2022, 1), (2022, 2), (2023, 1)]
    np.testing.assert_allclose(primary.drop(index=(2023, 1))["forecast"], PRIMARY, rtol=1e-12)
    # from the estimated base every year group is 700 / 714 of the flat cohort (Y1-6 then 612 x 700 / 714 = 600),
    # and that year's ratios (x 700 / 714) enter the 3-year mean, so Reception (births x ratio = 102) and each
    # year's move up take (1 + 1 + 700 / 714) / 3: (102 + 600) x 0.99346 = 697.41
    assert primary.loc[(2023, 1), "forecast"] == pytest.approx((102 + 612 * 700 / 714) * (2 + 700 / 714) / 3,
                                                               rel=1e-9)
    assert primary.loc[(2021, 1), "actual"] == PRIMARY and primary.loc[(2021, 1), "accuracy_pct"] == pytest.approx(0)
    assert primary.loc[(2021, 2), "accuracy_pct"] == pytest.approx(2.0)   # (714 - 700) / 700
    assert primary.loc[(2021, 3), "accuracy_pct"] == pytest.approx(5.0)   # (714 - 680) / 680
    assert primary.loc[(2022, 1), "accuracy_pct"] == pytest.approx(2.0)
    assert primary.loc[(2022, 2), "actual_source"] == OBSERVED
    secondary = led.loc["secondary"]
    assert secondary.loc[(2022, 1), "accuracy_pct"] == pytest.approx(15.0)  # (1,150 - 1,000) / 1,000
    assert (2021, 3) not in secondary.index  # no secondary outturn for 2024
    sixth = led.loc["sixth_form"]
    assert list(sixth.index) == [(2021, 1)] and sixth["forecast"].iloc[0] == pytest.approx(SIXTH)
    # flat history, known births: no ratio or births spread, only housing delivery (which can add pupils
    # from 2 years ahead), so the range starts at the central forecast and is at most a few pupils wide
    # (from the estimated 2023 base the ratios vary, 1 then 0.98, so that one has a real spread)
    placed = toy_ledger[toy_ledger["forecast"].notna() & (toy_ledger["base_year"] <= 2022)]
    np.testing.assert_allclose(placed["p05"], placed["forecast"], rtol=1e-9)
    assert ((placed["p95"] >= placed["forecast"] - 1e-9) & (placed["p95"] <= placed["forecast"] * 1.002)).all()
    np.testing.assert_allclose(placed.loc[placed["horizon"] == 1, "p95"], placed.loc[placed["horizon"] == 1,
                                                                                      "forecast"], rtol=1e-9)
    by_hand = (placed["actual"] >= placed["p05"] - 1e-6) & (placed["actual"] <= placed["p95"] + 1e-6)
    assert list(placed["in_range"]) == list(by_hand)
    assert primary.loc[(2021, 1), "in_range"] and not primary.loc[(2022, 1), "in_range"]  # 714 in; 700 out
    # the naive reference carries flat ratios too
    np.testing.assert_allclose(placed["naive_forecast"], placed["forecast"], rtol=1e-12)


def test_toy_ledger_matches_the_council_on_outturn_year_and_horizon(toy_ledger):
    led = toy_ledger.set_index(["phase", "outturn_year", "horizon"])
    assert led.loc[("primary", 2023, 1), "council_accuracy_pct"] == 3.0  # base 2022, one year ahead
    assert led.loc[("primary", 2023, 1), "council_forecast"] == 721.0
    assert led.loc[("primary", 2023, 2), "council_accuracy_pct"] == -1.5  # base 2021, two years ahead
    assert led.loc[("secondary", 2022, 1), "council_accuracy_pct"] == 0.5
    assert np.isnan(led.loc[("primary", 2024, 3), "council_accuracy_pct"])  # no council row for it
    # the council's 2024 one-year forecast (base 2023) beside placeplan's from the estimated 2023 base
    both = led.loc[("primary", 2024, 1)]
    assert both["base_year"] == 2023 and both["forecast"] == pytest.approx(697.41, abs=0.01)
    assert both["actual"] == 680.0 and both["council_accuracy_pct"] == 4.0
    # the unplaced row and the one scored after as_at are not in the ledger
    assert not toy_ledger["council_scorecard_row"].isin(["2017/18", "2029/30"]).any()


def test_build_ledger_by_hand_without_draws():
    totals = pd.DataFrame({
        "method": ["method", "method", "naive", "method"], "base_year": [2020, 2020, 2020, 2021],
        "horizon": [1, 2, 1, 1], "phase": "primary", "forecast": [105.0, 99.0, 110.0, 50.0],
        "p05": np.nan, "p95": np.nan})
    outturn = pd.DataFrame({"academic_year": [2021, 2022], "phase": "primary", "actual": [100.0, 100.0],
                            "source": [CENSUS, OBSERVED]})
    council = record([(2021, "primary", 1, 7.0, np.nan, "2020/21"), (2022, "primary", 2, 8.0, np.nan, "2020/21"),
                      (2022, "primary", 1, 1.0, 101.0, "2021/22"), (2022, "secondary", 1, 2.0, np.nan, "x")])
    led = build_ledger(totals, outturn, council, as_at=dt.date(2023, 6, 1)).set_index(
        ["phase", "outturn_year", "horizon"])
    assert led.loc[("primary", 2021, 1), "accuracy_pct"] == pytest.approx(5.0)
    assert led.loc[("primary", 2021, 1), "naive_accuracy_pct"] == pytest.approx(10.0)
    assert led.loc[("primary", 2021, 1), "council_accuracy_pct"] == 7.0
    assert led.loc[("primary", 2022, 2), "accuracy_pct"] == pytest.approx(-1.0)
    assert led.loc[("primary", 2022, 2), "council_accuracy_pct"] == 8.0  # horizon 2, not the 1-year row
    assert led.loc[("primary", 2022, 1), "accuracy_pct"] == pytest.approx(-50.0)
    assert led.loc[("primary", 2022, 1), "council_forecast"] == 101.0
    assert pd.isna(led["in_range"]).all()  # no draws, no range
    # a secondary council row with no placeplan forecast and no outturn still shows the council's figure
    assert led.loc[("secondary", 2022, 1), "council_accuracy_pct"] == 2.0
    assert np.isnan(led.loc[("secondary", 2022, 1), "actual"])
    # scored before January 2023 was known: as_at 2022-12-01 drops every 2022 council row
    early = build_ledger(totals, outturn, council, as_at=dt.date(2022, 12, 1))
    assert early.loc[early["outturn_year"] == 2022, "council_accuracy_pct"].isna().all()


def test_format_ledger_prints_one_line_per_phase_and_year(toy_ledger):
    text = format_ledger(toy_ledger)
    lines = text.splitlines()
    assert any(line.startswith("primary    2023/24") and "obs" in line and "+2.00%*" in line and "+3.00%" in line
               for line in lines)
    assert any(line.startswith("secondary  2022/23") and "+0.50%" in line for line in lines)
    assert not any(line.startswith("sixth") for line in lines)  # primary and secondary only
    assert sum(line.startswith(("primary ", "secondary ")) for line in lines) == 3 + 2  # 2022-2024, 2022-2023
    assert format_ledger(toy_ledger.iloc[0:0]).startswith("Forecast vs outturn: no rows")


# ---------------------------------------------------------------- Herefordshire: the ledger and its report section
@pytest.fixture(scope="module")
def hereford_ledger(hereford_results):
    """The default's ledger from a short back-test (50 draws, about 2 s) on the shared run's scenario."""
    return backtest(hereford_results.scenario, draws=50).ledger


def test_herefordshire_ledger_reaches_the_observed_totals(hereford_ledger):
    led = hereford_ledger
    assert sorted(led["base_year"].unique()) == list(range(2014, 2025))  # 2023-24: estimated bases
    later = led[led["outturn_year"] >= 2023]
    assert (later["actual_source"] == OBSERVED).all()
    actual = later.groupby(["outturn_year", "phase"])["actual"].first().to_dict()
    assert actual == {(2023, "primary"): 13190, (2023, "secondary"): 9303, (2024, "primary"): 12891,
                      (2024, "secondary"): 9245, (2025, "primary"): 12603, (2025, "secondary"): 9237}
    ours = led[led["forecast"].notna()]
    assert ((ours["base_year"] == 2022) & (ours["horizon"] == 3)).any()
    assert set(ours.loc[ours["base_year"] >= 2023, "horizon"]) == {1, 2}  # from the estimated 2023/24 and 2024/25
    np.testing.assert_allclose(ours["accuracy_pct"], (ours["forecast"] - ours["actual"]) / ours["actual"] * 100)
    key = led.set_index(["phase", "outturn_year", "horizon"])
    assert key.loc[("primary", 2024, 1), "council_forecast"] == 13724  # SCAP24's 2024/25 ...
    assert abs(key.loc[("primary", 2024, 1), "accuracy_pct"]) < 1.0  # ... placeplan's from the estimated 2023/24
    assert key.loc[("primary", 2023, 1), "council_accuracy_pct"] == pytest.approx(2.6914329)  # base 2022 both
    assert key.loc[("primary", 2023, 1), "base_year"] == 2022
    assert key.loc[("secondary", 2018, 3), "council_accuracy_pct"] == pytest.approx(2.385028)
    assert key.loc[("primary", 2022, 2), "council_accuracy_pct"] == pytest.approx(0.31648)
    assert led["council_accuracy_pct"].notna().sum() == 20  # the whole record, once each


def test_report_section_shows_the_herefordshire_figures(hereford_results, hereford_ledger):
    from placeplan.backtest import ledger_view
    from placeplan.outputs.report.ledger import ledger_section, signed_pct
    from placeplan.outputs.fmt import ay, num, num_range

    results = dataclasses.replace(hereford_results, ledger=hereford_ledger)
    section = ledger_section(results)
    assert section["available"]
    view = ledger_view(hereford_ledger).set_index(["phase", "outturn_year"])
    for table, phase in zip(section["tables"], ("primary", "secondary")):
        assert table.caption.startswith(f"How past forecasts did, {phase}")
        assert len(table.head) == 8 and all(len(row) == 8 for row in table.rows)
        years = [int(row[0][:4]) for row in table.rows]
        assert years == sorted(view.loc[phase].index) and years[0] == 2015 and years[-1] == 2025
        for row, year in zip(table.rows, years):
            r = view.loc[(phase, year)]
            assert row[0] == ay(year) and row[1][0] == num(r["actual"])
            assert ("county total" in row[1]) == (year >= 2023)
            assert row[3][0] == signed_pct(r["accuracy_pct_1"]) and row[4][0] == signed_pct(r["council_accuracy_pct_1"])
            assert row[6][0] == signed_pct(r["accuracy_pct_3"]) and row[7][0] == signed_pct(r["council_accuracy_pct_3"])
            if not pd.isna(r["forecast_1"]) and pd.isna(r["p05_1"]):  # the first base year: no range yet
                assert row[2] == [num(r["forecast_1"])] and "outside range" not in row[3]
            elif not pd.isna(r["forecast_1"]):
                assert row[2][0] == num(r["forecast_1"]) and row[2][1] == f"({num_range(r['p05_1'], r['p95_1'])})"
                assert ("outside range" in row[3]) == (not r["in_range_1"])
    primary = section["tables"][0].rows
    row = {r[0]: r for r in primary}
    assert row["2024/25"][4] == ["+6.5%", "(forecast 13,724)"] and row["2024/25"][2][0] != "–"
    assert row["2023/24"][4] == ["+2.7%"]
    lead = section["lead"][0]
    # the council's range comes from the record: +0.9% (2022/23) to +6.5% (2024/25), five years
    assert ("The council's SCAP forecasts over-forecast by +0.9% to +6.5% (5 years: 2018/19 and 2022/23 to "
            "2025/26)") in lead
    one = hereford_ledger[(hereford_ledger["phase"] == "primary") & (hereford_ledger["horizon"] == 1)
                          & hereford_ledger["forecast"].notna()]
    lo, hi = one["accuracy_pct"].min(), one["accuracy_pct"].max()
    span = f"{ay(one['outturn_year'].min())} to {ay(one['outturn_year'].max())}"
    assert span == "2015/16 to 2025/26"  # the estimated bases 2023/24 and 2024/25 forecast the last two
    assert f"(from {signed_pct(lo)} to {signed_pct(hi)}) in each of {len(one)} years ({span})" in lead
    ranged = one["in_range"].dropna()  # the first base year has no range: no earlier outcome to draw it from
    assert len(ranged) == len(one) - 1
    assert f"inside their 90% range in {int(ranged.astype(bool).sum())} of {len(ranged)}" in lead
    both = one[one["council_accuracy_pct"].notna()]
    closer = int((both["accuracy_pct"].abs() < both["council_accuracy_pct"].abs()).sum())
    assert f"In the {len(both)} years both forecast, placeplan's was the closer in {closer}." in lead
    assert section["image"].alt.startswith("Chart of forecast accuracy") and "+6.5%" in section["image"].alt
    assert any("2023/24 to 2025/26 are the county totals" in n for n in section["notes"])
    assert any("two years ahead instead of three: primary +0.3% and secondary +1.6%" in n for n in section["notes"])


def test_report_section_without_a_ledger_says_how_to_get_one(hereford_results):
    from placeplan.outputs.report.ledger import ledger_section

    assert ledger_section(hereford_results) == {"available": False}  # the shared run has no back-test
