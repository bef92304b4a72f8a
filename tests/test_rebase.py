"""The reference date and the rebase on later partial observations (issue 10)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placeplan import load_scenario
from placeplan.dates import census_date, latest_january, scap_round
from placeplan.demand import demand_inputs
from placeplan.demand.rebase import (Target, history_table, observed_cells, rake, school_cells, share_targets,
                                     valid_cells)
from placeplan.errors import ScenarioError
from placeplan.scenario.as_at import known_tables

from conftest import TOY


# ---------------------------------------------------------------------------------------------
# dates


def test_census_days():
    assert census_date(2025, "january") == dt.date(2026, 1, 15)  # third Thursday of January 2026
    assert census_date(2024, "october") == dt.date(2024, 10, 3)  # first Thursday of October 2024
    assert census_date(2024, "may") == dt.date(2025, 5, 15)


@pytest.mark.parametrize("as_at, latest", [(dt.date(2026, 1, 14), 2024), (dt.date(2026, 1, 15), 2025),
                                           (dt.date(2026, 12, 1), 2025), (dt.date(2027, 1, 21), 2026)])
def test_a_year_is_outturn_once_its_january_census_is_taken(as_at, latest):
    assert latest_january(as_at) == latest


@pytest.mark.parametrize("as_at, year", [(dt.date(2026, 12, 1), 2027), (dt.date(2027, 7, 31), 2027),
                                         (dt.date(2027, 8, 1), 2028), (dt.date(2027, 1, 1), 2027)])
def test_scap_round_is_the_next_summer_collection(as_at, year):
    round_ = scap_round(as_at)
    assert round_.year == year and round_.first_forecast_year == year and round_.nor_year == year - 1
    assert round_.capacity_date == dt.date(year, 5, 1) and round_.name == f"SCAP {year}"


def test_known_tables_drop_censuses_after_as_at():
    pupils = pd.DataFrame({"academic_year": [2024, 2025], "nor": [1, 2]})
    nor = pd.DataFrame({"academic_year": [2025, 2025], "census": ["october", "january"], "nor": [1, 2]})
    before = known_tables({"pupils": pupils, "school_nor": nor}, dt.date(2026, 1, 14))
    assert before["pupils"]["academic_year"].tolist() == [2024]
    assert before["school_nor"]["census"].tolist() == ["october"]  # October 2025 taken, January 2026 not yet
    after = known_tables({"pupils": pupils, "school_nor": nor}, dt.date(2026, 1, 15))
    assert len(after["pupils"]) == 2 and len(after["school_nor"]) == 2


# ---------------------------------------------------------------------------------------------
# the rake


def _two_areas() -> tuple[np.ndarray, np.ndarray]:
    """Two primary areas (R-Y6) and one secondary area (Y7-13), hand-made pupils."""
    valid = valid_cells(2, 1)
    cells = np.zeros((3, 14))
    cells[0, 0:7] = 100.0
    cells[1, 0:7] = [50, 60, 70, 80, 90, 100, 110]
    cells[2, 7:14] = [200, 200, 200, 200, 200, 50, 40]
    return valid, cells


def test_rake_meets_an_authority_total_and_keeps_proportions():
    valid, cells = _two_areas()
    primary = valid.copy()
    primary[:, 7:] = False
    out = rake(cells, [Target(primary, 1400.0, ("authority",))])
    assert out[primary].sum() == pytest.approx(1400.0)
    assert np.allclose(out[primary] / cells[primary], 1400.0 / cells[primary].sum())  # one factor: 1400 / 1260
    assert np.array_equal(out[2], cells[2])  # secondary untouched


def test_shares_inside_an_exact_total_hand_computed():
    """County primary 1,300 exact; school counts 600 / 700 as area shares: areas get 600 and 700 exactly."""
    valid, cells = _two_areas()
    areas = ("A", "B", "S")
    observed = pd.DataFrame({"academic_year": [2024], "census": ["january"], "level": ["authority"], "code": ["999"],
                             "ncy_low": [0], "ncy_high": [6], "nor": [1300.0], "held": ["exact"]})
    exact, _ = observed_cells(observed, 2024, areas, 2, "999")
    shares = [(np.isin(np.arange(3), [0])[:, None] & valid & (np.arange(14) <= 6), 600.0, ("A",)),
              (np.isin(np.arange(3), [1])[:, None] & valid & (np.arange(14) <= 6), 700.0, ("B",))]
    targets = share_targets(exact, shares, cells)
    out = rake(cells, targets)
    assert out[0, 0:7].sum() == pytest.approx(600.0) and out[1, 0:7].sum() == pytest.approx(700.0)
    assert np.allclose(out[1, 0:7] / out[1, 0:7].sum(), cells[1, 0:7] / cells[1, 0:7].sum())  # year groups keep shape


def test_key_stage_shares_within_an_area_total():
    """Secondary 1,000 exact (Y7-11); KS3 630 / KS4 370 counted by schools: Y7-9 get 630, Y10-11 370."""
    valid, cells = _two_areas()
    row = np.arange(3)[:, None] == 2
    exact = [Target(row & valid & (np.arange(14) >= 7) & (np.arange(14) <= 11), 1000.0, ("authority",))]
    whole = (row & valid & (np.arange(14) >= 7) & (np.arange(14) <= 11), 990.0, ("S phase",))
    ks3 = (row & valid & (np.arange(14) >= 7) & (np.arange(14) <= 9), 623.7, ("KS3",))
    ks4 = (row & valid & (np.arange(14) >= 10) & (np.arange(14) <= 11), 366.3, ("KS4",))
    out = rake(cells, share_targets(exact, [whole, ks3, ks4], cells))
    assert out[2, 7:10].sum() == pytest.approx(630.0) and out[2, 10:12].sum() == pytest.approx(370.0)
    assert np.array_equal(out[2, 12:14], cells[2, 12:14])  # the sixth form is not observed: unchanged


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(1, 500), min_size=7, max_size=7), st.lists(st.floats(1, 500), min_size=7, max_size=7),
       st.floats(0.5, 1.5))
def test_rake_holds_exact_totals_and_observations_equal_to_the_projection_change_nothing(a, b, scale):
    valid = valid_cells(2, 0)
    cells = np.zeros((2, 14))
    cells[0, 0:7], cells[1, 0:7] = a, b
    whole = valid.copy()
    first = valid & (np.arange(2)[:, None] == 0)
    unchanged = rake(cells, [Target(whole, cells.sum(), ()), Target(first, cells[0].sum(), ())])
    assert np.allclose(unchanged, cells, rtol=1e-12)
    target = cells.sum() * scale
    out = rake(cells, share_targets([Target(whole, target, ())],
                                    [(first, 2.0, ()), (valid & (np.arange(2)[:, None] == 1), 1.0, ())], cells))
    assert out.sum() == pytest.approx(target) and out[0].sum() == pytest.approx(target * 2 / 3)


def test_contradictory_exact_totals_are_refused():
    valid, cells = _two_areas()
    primary = valid & (np.arange(14) <= 6)
    first = primary & (np.arange(3)[:, None] == 0)
    with pytest.raises(ValueError, match="contradict"):
        rake(cells, [Target(primary, 1000.0, ("county",)), Target(first, 1200.0, ("area",))])


def test_school_counts_give_area_shares_only_where_every_school_is_counted():
    schools = pd.DataFrame({"school_id": ["a1", "a2", "b1"], "kind": "mainstream", "ncy_low": 0, "ncy_high": 6,
                            "primary_planning_area": ["A", "A", "B"], "secondary_planning_area": None})
    nor = pd.DataFrame({"school_id": ["a1", "a2", "b1"], "academic_year": 2024, "census": "october",
                        "ncy_low": [0, 0, 0], "ncy_high": [6, 6, 6], "nor": [100, 150, 300]})
    cells = school_cells(nor, schools, 2024, ("A", "B", "S"), 2)
    assert [c[1] for c in cells] == [250.0, 300.0]
    partial = school_cells(nor[nor["school_id"] != "a2"], schools, 2024, ("A", "B", "S"), 2)
    assert [c[2][1] for c in partial] == ["B"]  # area A has an uncounted school: no share for it


# ---------------------------------------------------------------------------------------------
# on scenarios


def test_toy_rolled_forward_to_observed_totals(toy):
    """The toy's 2022 census taken away and replaced by county totals: 2022 is estimated to meet them."""
    pupils = toy.tables["pupils"]
    full = demand_inputs(toy)
    observed = pd.DataFrame({"academic_year": [2022, 2022], "census": "january", "level": "authority",
                             "code": toy.config.meta.la_code, "ncy_low": [0, 7], "ncy_high": [6, 11],
                             "nor": [float(np.nansum(full.primary_nor[..., -1])) + 50.0,
                                     float(np.nansum(full.secondary_nor[:, 0:5, -1]))], "held": "exact",
                             "source": "test"})
    tables = dict(toy.tables, pupils=pupils[pupils["academic_year"] < 2022], observed_totals=observed)
    inputs = demand_inputs(dataclasses.replace(toy, tables=tables))
    assert inputs.estimated_years == (2022,) and inputs.base_year == 2022
    assert inputs.primary_nor[..., -1].sum() == pytest.approx(observed["nor"][0])
    assert inputs.secondary_nor[:, 0:5, -1].sum() == pytest.approx(observed["nor"][1])
    history = history_table(inputs)
    assert set(history.loc[history["academic_year"] == 2022, "status"]) == {"estimated"}
    assert set(history.loc[history["academic_year"] == 2021, "status"]) == {"census"}
    held = inputs.rebase[inputs.rebase["level"] == "authority"]
    assert list(held["estimated"]) == pytest.approx(list(observed["nor"]))


def test_herefordshire_rebased_on_dfe_january_totals():
    """As at December 2026 the default starts from 2025/26: DfE's January 2024-26 county NOR met exactly."""
    hereford = load_scenario(TOY.parent / "herefordshire.yaml")
    assert hereford.config.meta.base_year == 2025
    inputs = demand_inputs(hereford)
    assert inputs.estimated_years == (2023, 2024, 2025)
    expected = {2023: (13190, 9303), 2024: (12891, 9245), 2025: (12603, 9237)}
    for year, (primary, secondary) in expected.items():
        column = list(inputs.history_years).index(year)
        assert inputs.primary_nor[..., column].sum() == pytest.approx(primary, abs=1e-6)
        assert inputs.secondary_nor[:, 0:5, column].sum() == pytest.approx(secondary, abs=1e-6)
    record = inputs.rebase
    schools = record[(record["academic_year"] == 2024) & (record["level"] == "school counts")]
    # 14 primary areas' R-Y6 and the secondary area's KS3 and KS4 (its Y7-11 share is the county total itself,
    # held exact, so the exact total wins)
    assert len(schools) == 14 + 2
    primary = schools[schools["ncy_high"] == 6]
    assert primary["target"].sum() == pytest.approx(12891)  # the areas' shares of the January 2025 total ...
    assert np.allclose(primary["target"] / 12891, primary["observed"] / primary["observed"].sum())  # ... as counted
    assert list(primary["estimated"]) == pytest.approx(list(primary["target"])) and len(primary) == 14
    ks = schools[((schools["ncy_low"] == 7) & (schools["ncy_high"] == 9)) | (schools["ncy_low"] == 10)]
    assert len(ks) == 2 and ks["target"].sum() == pytest.approx(9245)


def test_as_at_before_the_latest_census_moves_the_base_back():
    """The default's data as at 1 January 2025 (the reference-date rule alone: its capital programme's recorded
    openings are later, so a whole run as at then is refused)."""
    from placeplan.scenario.as_at import resolve_dates

    hereford = load_scenario(TOY.parent / "herefordshire.yaml")
    meta = hereford.config.meta.model_copy(update={"as_at": dt.date(2025, 1, 1), "programme_date": None,
                                                   "base_year": None})
    config, tables, problems = resolve_dates(hereford.config.model_copy(update={"meta": meta}), hereford.tables,
                                             "herefordshire.yaml")
    # the October 2024 school counts are known, but only a January census makes a year outturn: base 2023/24
    assert not problems and config.meta.base_year == 2023
    assert tables["observed_totals"]["academic_year"].max() == 2023
    assert (tables["school_nor"]["academic_year"] == 2024).any()  # known, used as school shares only
    assert tables["dfe_scorecard"]["nor_year"].max() == 2023  # published later rows are cut too


def test_base_year_after_the_latest_observation_is_a_problem():
    with pytest.raises(ScenarioError, match="after the latest January census observation"):
        load_scenario(TOY.parent / "herefordshire.yaml", sets=[("meta.base_year", 2026)])


def test_herefordshire_run_marks_outturn_and_starts_the_forecast_after_it(hereford_results):
    history = hereford_results.pupil_history
    assert set(history.columns) >= {"academic_year", "planning_area", "phase", "ncy", "nor", "status"}
    by_year = history.groupby("academic_year")["status"].agg(set)
    assert by_year[2022] == {"census"} and all(by_year[y] == {"estimated"} for y in (2023, 2024, 2025))
    primary = history[(history["academic_year"] == 2025) & (history["phase"] == "primary")]["nor"].sum()
    assert primary == pytest.approx(12603)
    assert hereford_results.demand["academic_year"].min() == 2026  # no forecast, and no probability, for a known year
    assert hereford_results.sufficiency["academic_year"].min() == 2026
    base = hereford_results.base_position.query("kind == 'official' and provision == 'primary'")
    assert base["nor"].sum() == pytest.approx(12603) and (base["nor_year"] == 2025).all()
    assert "estimated" in base["nor_method"].iloc[0]
    held = hereford_results.rebase.query("level == 'authority'")
    assert list(held["estimated"]) == pytest.approx([13190, 9303, 12891, 9245, 12603, 9237])
    # the roll-forward from the January 2023 census, before raking, with the default national_local ratios
    assert held["rolled_forward"].iloc[0] == pytest.approx(13217, abs=1) and \
        held["rolled_forward"].iloc[1] == pytest.approx(9435, abs=1)
    # with the 3-year mean ratios: the 13,126 and 9,404 (made with July-June births; with
    # September-August births Reception 2023/24, cohort 2018, is 9 lower: 13,116)
    from placeplan.backtest.core import with_policy

    scenario = load_scenario(TOY.parent / "herefordshire.yaml")
    mean = demand_inputs(with_policy(scenario, scenario.config.policy.model_copy(update={"ratio_method": "mean"})))
    rolled = mean.rebase.query("level == 'authority'")["rolled_forward"]
    assert rolled.iloc[0] == pytest.approx(13116, abs=1) and rolled.iloc[1] == pytest.approx(9404, abs=1)


def test_cli_as_at_moves_the_base_year(toy_copy, capsys):
    from placeplan.cli import main

    args = _toy_observed(toy_copy, "2023,january,authority,888,0,6,700,exact,\n"
                                   "2024,january,authority,888,0,6,690,exact,\n")
    assert main(args + ["--as-at", "2025-03-01", "--set", "meta.programme_date=2025-01-01"]) == 0
    assert "As at 2025-03-01: base year 2024/25" in capsys.readouterr().out  # January 2025 census taken
    assert main(args + ["--as-at", "2025-01-10", "--set", "meta.programme_date=2025-01-01"]) == 0
    assert "As at 2025-01-10: base year 2023/24" in capsys.readouterr().out  # not yet
    assert main(args + ["--as-at", "2025-03-01"]) == 2  # the programme describes January 2026: refused
    assert "is after as_at 2025-03-01" in capsys.readouterr().err.replace("\n", " ")


def _three_areas():
    valid = valid_cells(3, 0)
    cells = np.zeros((3, 14))
    cells[0, 0:7], cells[1, 0:7], cells[2, 0:7] = 100.0, 50.0, 80.0  # 700, 350, 560
    return valid, cells, (lambda i: valid & (np.arange(3)[:, None] == i))


def test_an_exact_area_total_wins_and_the_other_areas_share_the_rest():
    """County 1,700 and area A 800 exact; school counts 700 / 400 / 600: A keeps 800, B and C split 900 as 4 : 6."""
    valid, cells, row = _three_areas()
    exact = [Target(valid, 1700.0, ("county",)), Target(row(0), 800.0, ("A",))]
    shares = [(row(0), 700.0, ("A counts",)), (row(1), 400.0, ("B",)), (row(2), 600.0, ("C",))]
    out = rake(cells, share_targets(exact, shares, cells))
    assert [out[row(i)].sum() for i in range(3)] == pytest.approx([800.0, 360.0, 540.0])


def test_exact_key_stages_with_area_shares_and_no_phase_total():
    """KS1 (R-Y2) 700 and KS2 (Y3-6) 1,000 exact, areas counted 700 / 400 / 600: the areas take 1,700 in that split."""
    valid, cells, row = _three_areas()
    ks1, ks2 = valid & (np.arange(14) <= 2), valid & (np.arange(14) >= 3)
    exact = [Target(ks1, 700.0, ("KS1",)), Target(ks2, 1000.0, ("KS2",))]
    shares = [(row(0), 700.0, ("A",)), (row(1), 400.0, ("B",)), (row(2), 600.0, ("C",))]
    out = rake(cells, share_targets(exact, shares, cells))
    assert [out[row(i)].sum() for i in range(3)] == pytest.approx([700.0, 400.0, 600.0])
    assert out[ks1].sum() == pytest.approx(700.0) and out[ks2].sum() == pytest.approx(1000.0)


def test_partial_coverage_keeps_the_uncounted_area_at_its_rolled_forward_share():
    """County 1,700 exact; only A and B counted (700 / 400): C keeps 560 / 1,610 of the total, A and B split the rest."""
    valid, cells, row = _three_areas()
    out = rake(cells, share_targets([Target(valid, 1700.0, ())], [(row(0), 700.0, ()), (row(1), 400.0, ())], cells))
    c = 1700.0 * 560 / 1610
    assert [out[row(i)].sum() for i in range(3)] == pytest.approx([(1700 - c) * 7 / 11, (1700 - c) * 4 / 11, c])


def test_a_resplit_is_not_read_as_a_trend():
    """Herefordshire: the October 2024 counts move Bromyard (8844004) from about 590 to 485 pupils; its projection
    carries on from that level, not down by the same step every year (as ratios measured on the estimate would)."""
    hereford = load_scenario(TOY.parent / "herefordshire.yaml")
    inputs = demand_inputs(hereford)
    area = inputs.primary_areas.index("8844004")
    history = np.nansum(inputs.primary_nor[area], axis=0)
    assert history[-2] / history[-3] < 0.85  # 2024/25 against 2023/24: the re-split
    from placeplan.demand import project

    central = project(inputs).central_primary[area].sum(axis=0)
    assert central[0] / history[-1] > 0.95 and central[4] / history[-1] > 0.85  # no -15% a year
    # with window-averaged ratios (3-year mean) measured on the estimate alone it would fall; the default
    # national_local smooths the deviation over every year, which damps the step (and is checked above)
    from placeplan.backtest.core import with_policy

    mean = demand_inputs(with_policy(hereford, hereford.config.policy.model_copy(update={"ratio_method": "mean"})))
    central = project(mean).central_primary[area].sum(axis=0)
    naive = project(dataclasses.replace(mean, ratio_primary_nor=None, ratio_secondary_nor=None))
    assert naive.central_primary[area].sum(axis=0)[4] < central[4] * 0.95


def test_csv_year_status_marks_outturn_and_forecast():
    from placeplan.outputs.files import with_year_status

    table = pd.DataFrame({"academic_year": [2024, 2025, 2026], "nor": [1, 2, 3]})
    marked = with_year_status(table, 2025)
    assert list(marked.columns) == ["academic_year", "year_status", "nor"]
    assert list(marked["year_status"]) == ["outturn", "outturn", "forecast"]


def _toy_observed(toy_copy, rows: str) -> list[str]:
    (toy_copy.parent / "toy_council" / "observed.csv").write_text(
        "academic_year,census,level,code,ncy_low,ncy_high,nor,held,source\n" + rows, encoding="utf-8")
    return ["validate", str(toy_copy), "--set", "pupils.observed=toy_council/observed.csv", "--set", "meta.base_year=null"]


def test_observed_totals_that_cannot_be_used_are_problems(toy_copy, capsys):
    from placeplan.cli import main

    args = _toy_observed(toy_copy, "2023,january,authority,E06000019,0,6,700,exact,\n"
                                   "2023,january,planning_area,8889999,0,6,300,exact,\n"
                                   "2023,january,planning_area,8881001,7,11,300,exact,\n")
    assert main(args) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "authority code 'E06000019' is not this authority's" in err
    assert "'8889999' is not an official planning area" in err and "holds no pupils in NCY 7-11" in err


def test_observed_totals_that_contradict_are_refused_at_validate(toy_copy, capsys):
    from placeplan.cli import main

    args = _toy_observed(toy_copy, "2023,january,authority,888,0,6,700,exact,\n"
                                   "2023,january,planning_area,8881001,0,6,900,exact,\n")
    assert main(args) == 2  # an area of 900 inside a county of 700
    err = capsys.readouterr().err.replace("\n", " ")
    assert "observed.csv, academic_year 2023" in err and "contradict" in err
    ok = _toy_observed(toy_copy, "2023,january,authority,888,0,6,700,exact,\n"
                                 "2023,january,planning_area,8881001,0,6,300,exact,\n")
    assert main(ok) == 0 and "base year 2023/24, year groups estimated for 2023/24" in capsys.readouterr().out
