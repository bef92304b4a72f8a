"""Each check_* function catches its own fixture, and is quiet on the clean toy council."""

from pathlib import Path

import pandas as pd
import pytest

from placeplan.scenario import checks
from placeplan.scenario.checks import CheckInput


def inputs(toy, **changes) -> CheckInput:
    tables = {name: df.copy() for name, df in toy.tables.items()}
    config = changes.pop("config", toy.config)
    tables.update(changes)
    files = {name: f"{name}.csv" for name in tables}
    return CheckInput(config, tables, files, "toy.yaml")


def test_clean_toy_has_no_problems(toy):
    assert checks.run_checks(inputs(toy)) == []


@pytest.mark.parametrize("check", checks.CHECKS, ids=lambda c: c.__name__)
def test_each_check_is_quiet_on_clean_data(toy, check):
    assert check(inputs(toy)) == []


def test_duplicate_school_id(toy):
    schools = toy.tables["schools"].copy()
    schools.loc[1, "school_id"] = "100001"
    problems = checks.check_duplicate_ids(inputs(toy, schools=schools))
    assert [str(p) for p in problems] == [
        "schools.csv, rows 2, 3: duplicate school_id=100001 (expected each school_id once)"]


def test_negative_capacity(toy):
    capacity = toy.tables["capacity"].copy()
    capacity.loc[2, "net_capacity"] = -420
    problems = checks.check_negative_counts(inputs(toy, capacity=capacity))
    assert [str(p) for p in problems] == [
        "capacity.csv, row 4, column net_capacity: negative count -420 (expected a count >= 0)"]


def test_unknown_planning_area(toy):
    schools = toy.tables["schools"].copy()
    schools.loc[0, "primary_planning_area"] = "8889999"
    problems = checks.check_unknown_planning_areas(inputs(toy, schools=schools))
    assert len(problems) == 1
    assert problems[0].where == "row 2, column primary_planning_area"
    assert "unknown planning area '8889999'" in problems[0].message


def test_secondary_code_used_as_primary_area(toy):
    schools = toy.tables["schools"].copy()
    schools.loc[0, "primary_planning_area"] = "8880001"
    problems = checks.check_unknown_planning_areas(inputs(toy, schools=schools))
    assert "expected a primary planning area" in problems[0].message


def test_primary_pupils_in_secondary_area(toy):
    pupils = toy.tables["pupils"].copy()
    pupils.loc[pupils["ncy"] == 0, "planning_area"] = "8880001"
    problems = checks.check_pupils_phase(inputs(toy, pupils=pupils))
    assert len(problems) == 1 and "secondary planning area" in problems[0].message


def test_capacity_for_unknown_school(toy):
    capacity = toy.tables["capacity"].copy()
    capacity.loc[0, "school_id"] = "999999"
    problems = checks.check_unknown_schools(inputs(toy, capacity=capacity))
    assert [p.where for p in problems] == ["row 2, column school_id"]


def test_project_for_unknown_school(toy):
    project = toy.config.capital_projects["oak_special_annex"].model_copy(update={"school_id": "424242"})
    config = toy.config.model_copy(update={"capital_projects": {"oak_special_annex": project}})
    problems = checks.check_unknown_schools(inputs(toy, config=config))
    assert [p.where for p in problems] == ["capital_projects.oak_special_annex.school_id"]


def test_pupils_for_a_school_with_no_capacity(toy):
    capacity = toy.tables["capacity"]
    capacity = capacity[capacity["school_id"] != "300001"].reset_index(drop=True)
    problems = checks.check_pupils_without_capacity(inputs(toy, capacity=capacity))
    assert len(problems) == 1
    assert "pupils recorded for school '300001', which has no capacity" in problems[0].message


def test_area_with_pupils_but_no_places(toy):
    capacity = toy.tables["capacity"]
    capacity = capacity[capacity["school_id"] != "100003"].reset_index(drop=True)
    problems = checks.check_pupils_without_capacity(inputs(toy, capacity=capacity))
    # South Primary's roll is now pupils without capacity, and its planning area has no places.
    assert [p.where for p in problems] == ["row 4, column school_id", "planning_area 8881002"]


def test_gap_in_the_year_series(toy):
    pupils = toy.tables["pupils"]
    pupils = pupils[~((pupils["academic_year"] == 2020) & (pupils["planning_area"] == "8881001")
                      & (pupils["ncy"] == 3))].reset_index(drop=True)
    problems = checks.check_year_series_gaps(inputs(toy, pupils=pupils))
    assert [str(p) for p in problems] == [
        "pupils.csv, planning_area 8881001, ncy 3: no rows for academic year 2020 "
        "(expected one row per year, with no gaps)"]


def test_births_must_reach_the_horizon(toy):
    births = toy.tables["births"]
    births = births[births["birth_year"] <= 2020].reset_index(drop=True)
    problems = checks.check_year_series_gaps(inputs(toy, births=births))
    assert len(problems) == 1 and "needs births" in problems[0].message


def test_birth_shares_must_sum_to_one(toy):
    shares = toy.tables["birth_shares"].copy()
    shares.loc[0, "share"] = 0.5
    problems = checks.check_birth_shares(inputs(toy, birth_shares=shares))
    assert len(problems) == 1 and "add up to 1.1000" in problems[0].message


def test_project_opening_before_it_starts(toy):
    import datetime as dt

    project = toy.config.capital_projects["oak_special_annex"].model_copy(
        update={"planned_opening": dt.date(2025, 9, 1)})
    config = toy.config.model_copy(update={"capital_projects": {"oak_special_annex": project}})
    problems = checks.check_project_dates(inputs(toy, config=config))
    assert [p.where for p in problems] == ["capital_projects.oak_special_annex.planned_opening"]
    assert "opens on 2025-09-01 but starts on 2026-04-01" in problems[0].message


def test_dependency_on_unknown_project(toy):
    project = toy.config.capital_projects["oak_special_annex"].model_copy(update={"depends_on": ("ghost",)})
    config = toy.config.model_copy(update={"capital_projects": {"oak_special_annex": project}})
    problems = checks.check_project_dates(inputs(toy, config=config))
    assert "unknown project 'ghost'" in problems[0].message


def test_school_year_range_in_order(toy):
    schools = toy.tables["schools"].copy()
    schools.loc[0, "ncy_low"] = 7
    problems = checks.check_school_rows(inputs(toy, schools=schools))
    assert any("ncy_low 7 is above ncy_high 6" in p.message for p in problems)


def test_files_outside_the_scenario_folder(tmp_path: Path):
    (tmp_path / "inside.csv").write_text("x\n")
    problems = checks.check_referenced_files(
        {"a.table": "inside.csv", "b.table": "../outside.csv", "c.table": "missing.csv"},
        tmp_path, tmp_path, "s.yaml")
    messages = {p.where: p.message for p in problems}
    assert set(messages) == {"b.table", "c.table"}
    assert "is outside the scenario's folder" in messages["b.table"]
    assert "does not exist" in messages["c.table"]


def school_level_copy(toy_copy):
    """Rewrite the toy's pupils as school rolls that sum to the same planning-area figures."""
    folder = toy_copy.parent / "toy_council"
    rows = ["academic_year,school_id,ncy,nor,source"]
    for year in range(2018, 2023):
        for ncy in range(7):
            rows += [f"{year},100001,{ncy},27,", f"{year},100002,{ncy},13,", f"{year},100003,{ncy},62,"]
        for ncy in range(7, 12):
            rows += [f"{year},200001,{ncy},140,", f"{year},200002,{ncy},90,"]
        for ncy in (12, 13):
            rows += [f"{year},200001,{ncy},80,"]
    (folder / "pupils_by_school.csv").write_text("\n".join(rows) + "\n")
    text = toy_copy.read_text().replace("  table: toy_council/pupils.csv",
                                        "  table: toy_council/pupils_by_school.csv\n  level: school")
    toy_copy.write_text(text)
    return folder


def test_school_level_pupils_sum_to_planning_areas(toy, toy_copy):
    from placeplan import load_scenario

    school_level_copy(toy_copy)
    scenario = load_scenario(toy_copy)
    ours = scenario.tables["pupils"].set_index(["academic_year", "planning_area", "ncy"])["nor"].sort_index()
    theirs = toy.tables["pupils"].set_index(["academic_year", "planning_area", "ncy"])["nor"].sort_index()
    assert ours.equals(theirs)


def test_school_level_pupils_at_a_school_without_places(toy_copy):
    from placeplan import ScenarioError, load_scenario

    folder = school_level_copy(toy_copy)
    with open(folder / "pupils_by_school.csv", "a") as f:
        f.write("2022,100001,9,5,\n2022,999999,0,5,\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(toy_copy)
    messages = [str(p) for p in caught.value.problems]
    assert any("unknown school '999999'" in m for m in messages)
    assert any("year groups for which school '100001' has no planning area" in m for m in messages)


def test_a_check_names_the_spreadsheet_row_after_blank_rows_inside_the_table(toy_copy):
    """Blank rows are skipped but not counted out: the unknown area is on line 6 of the file, so row 6."""
    from placeplan.errors import ScenarioError
    from placeplan.scenario.load import load_scenario

    path = toy_copy.parent / "toy_council" / "schools.csv"
    lines = path.read_text().splitlines()
    south = next(i for i, line in enumerate(lines) if line.startswith("100003,"))
    lines[south] = lines[south].replace(",8881002,", ",9999999,", 1)
    lines[2:2] = ["", ""]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(toy_copy)
    where = [p.where for p in caught.value.problems if "9999999" in p.message]
    assert where == [f"row {south + 3}, column primary_planning_area"]  # 1-based line, two blank lines above
