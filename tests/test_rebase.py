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
    areas = ("A", "B", "S")
    row = np.arange(3)[:, None] == 2
    exact = [Target(row & valid & (np.arange(14) >= 7) & (np.arange(14) <= 11), 1000.0, ("authority",))]
    whole = (row & valid & (np.arange(14) >= 7) & (np.arange(14) <= 11), 990.0, ("S phase",))
    ks3 = (row & valid & (np.arange(14) >= 7) & (np.arange(14) <= 9), 623.7, ("KS3",))
    ks4 = (row & valid & (np.arange(14) >= 10) & (np.arange(14) <= 11), 366.3, ("KS4",))
    out = rake(cells, share_targets(exact, [whole, ks3, ks4], cells))
    assert out[2, 7:10].sum() == pytest.approx(630.0) and out[2, 10:12].sum() == pytest.approx(370.0)
    assert np.array_equal(out[2, 12:14], cells[2, 12:14])  # the sixth form is not observed: unchanged
    assert areas[2] == "S"


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
    assert len(schools) == 14 + 3  # 14 primary areas' R-Y6, the secondary area's Y7-11, KS3 and KS4
    primary = schools[schools["ncy_high"] == 6]
    assert primary["target"].sum() == pytest.approx(12891)  # the areas' shares of the January 2025 total ...
    assert np.allclose(primary["target"] / 12891, primary["observed"] / primary["observed"].sum())  # ... as counted
    assert list(primary["estimated"]) == pytest.approx(list(primary["target"])) and len(primary) == 14
    ks = schools[((schools["ncy_low"] == 7) & (schools["ncy_high"] == 9)) | (schools["ncy_low"] == 10)]
    assert len(ks) == 2 and ks["target"].sum() == pytest.approx(9245)


def test_as_at_before_the_latest_census_moves_the_base_back():
    earlier = load_scenario(TOY.parent / "herefordshire.yaml", sets=[("meta.as_at", dt.date(2025, 1, 1)),
                                                                     ("meta.programme_date", None)])
    assert earlier.config.meta.base_year == 2024  # October 2024 school counts known; January 2025 not yet
    assert earlier.tables["observed_totals"]["academic_year"].max() == 2023


def test_base_year_after_the_latest_observation_is_a_problem():
    with pytest.raises(ScenarioError, match="after the latest pupil observation"):
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
    # the roll-forward from the January 2023 census, before raking: the 13,126 and 9,404
    assert held["rolled_forward"].iloc[0] == pytest.approx(13126, abs=1) and \
        held["rolled_forward"].iloc[1] == pytest.approx(9404, abs=1)


def test_cli_as_at_moves_the_base_year(capsys):
    from placeplan.cli import main

    assert main(["validate", "--as-at", "2025-03-01", "--set", "meta.programme_date=2025-01-01"]) == 0
    assert "As at 2025-03-01: base year 2024/25" in capsys.readouterr().out  # January 2025 census taken
    assert main(["validate", "--as-at", "2025-03-01"]) == 2  # the programme describes January 2026: refused
    assert "is after as_at 2025-03-01" in capsys.readouterr().err.replace("\n", " ")
