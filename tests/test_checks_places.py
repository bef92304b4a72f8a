"""The school-level table checks: each catches its own broken fixture, naming file, row and column."""

import pandas as pd

from placeplan.scenario import checks_places
from placeplan.scenario.checks import CheckInput


def inputs(toy, **changes) -> CheckInput:
    tables = {name: df.copy() for name, df in toy.tables.items()}
    tables.update(changes)
    files = {name: f"{name}.csv" for name in tables}
    return CheckInput(toy.config, tables, files, "toy.yaml")


def test_quiet_on_the_clean_toy(toy):
    for check in checks_places.CHECKS:
        assert check(inputs(toy)) == [], check.__name__


def test_year_group_places_must_add_up_and_be_taught(toy):
    table = pd.DataFrame({"school_id": ["100001"] * 7 + ["100002"], "ncy": [0, 1, 2, 3, 4, 5, 6, 9],
                          "places": [30] * 6 + [20, 15], "as_of_year": [2022] * 8, "source": [None] * 8})
    problems = checks_places.check_capacity_by_ncy(inputs(toy, capacity_by_ncy=table))
    text = " | ".join(f"{p.file} {p.where}: {p.message}" for p in problems)
    assert "row 9, column ncy" in text and "not taught at 100002" in text
    assert "school 100001, primary" in text and "add up to 200" in text and "is 210" in text


def test_school_roll_block_needs_both_ends(toy):
    nor = toy.tables["school_nor"].copy()
    nor.loc[0, "ncy_low"] = 7
    problems = checks_places.check_school_nor_blocks(inputs(toy, school_nor=nor))
    assert [p.where for p in problems] == ["row 2, columns ncy_low/ncy_high"]


def test_pan_source_without_a_pan(toy):
    capacity = toy.tables["capacity"].copy()
    capacity.loc[4, "pan_source"] = "published"  # the sixth-form row has no PAN
    problems = checks_places.check_pan_source(inputs(toy, capacity=capacity))
    assert len(problems) == 1 and "row 6, column pan_source" == problems[0].where


def test_catchment_school_must_teach_year_7(toy):
    areas = toy.tables["planning_areas"].copy()
    areas["catchment_school"] = [ "100002", "200002", None, None, None]
    areas["feeds"] = [None, "8881001", None, None, None]
    problems = checks_places.check_catchment_schools(inputs(toy, planning_areas=areas))
    wheres = [p.where for p in problems]
    assert "row 2, column catchment_school" in wheres and "row 3, column feeds" in wheres


def test_transfer_table_names_known_places_and_every_area(toy):
    table = pd.DataFrame({"origin": ["8881001", "9999999", "outside"], "destination": ["200001", "200001", "nowhere"],
                          "share": [0.9, 0.1, 0.05], "source": [None] * 3})
    problems = checks_places.check_transfer_table(inputs(toy, transfer=table))
    messages = " | ".join(f"{p.where}: {p.message}" for p in problems)
    assert "row 3, column origin: unknown origin '9999999'" in messages
    assert "row 4, column destination: unknown destination 'nowhere'" in messages
    assert "no row for primary planning area 8881002" in messages
