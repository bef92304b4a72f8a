"""Excel in: ``placeplan template`` writes a scenario workbook, ``placeplan import`` turns it back into a scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from placeplan.cli import main
from placeplan.scenario.load import TABLE_KEYS, load_scenario
from placeplan.scenario.workbook import FILE_KEYS, flatten, unflatten
from tests.conftest import TOY, edit_csv


@pytest.fixture
def toy_book(tmp_path: Path) -> Path:
    assert main(["template", str(tmp_path), "--from", str(TOY)]) == 0
    return tmp_path / "toy_council.xlsx"


def _settings(config) -> dict:
    """The settings of a loaded scenario, without the file paths (which the import names anew)."""
    dumped = config.model_dump()
    for key in FILE_KEYS:
        section, _, leaf = key.partition(".")
        if isinstance(dumped.get(section), dict):
            dumped[section].pop(leaf, None)
    return dumped


def _assert_same(ours: pd.DataFrame, theirs: pd.DataFrame, name: str) -> None:
    """Equal tables: same columns, numeric dtypes and values (a blank is a blank, None or NaN alike: the loader
    types an optional column left out of a CSV as None, and a blank one as NaN)."""
    assert list(ours.columns) == list(theirs.columns), name
    for column in ours.columns:
        a, b = ours[column], theirs[column]
        if pd.api.types.is_numeric_dtype(b):
            assert a.dtype == b.dtype, (name, column)
        assert a.isna().tolist() == b.isna().tolist(), (name, column)
        assert a[a.notna()].tolist() == b[b.notna()].tolist(), (name, column)


def test_template_import_round_trips_the_toy_council(toy_book, tmp_path, toy, capsys):
    assert main(["import", str(toy_book), str(tmp_path / "imported")]) == 0
    imported = load_scenario(tmp_path / "imported" / "scenario.yaml")
    assert set(imported.tables) == set(toy.tables)
    for name, table in toy.tables.items():
        _assert_same(imported.tables[name], table, name)
    assert _settings(imported.config) == _settings(toy.config)
    assert imported.config.overrides == toy.config.overrides  # dotted override keys kept whole
    capsys.readouterr()
    assert main(["validate", str(TOY)]) == 0
    original = capsys.readouterr().out
    assert main(["validate", str(tmp_path / "imported" / "scenario.yaml")]) == 0
    again = capsys.readouterr().out
    assert " ".join(original.split(" is valid ")[1].split()) == " ".join(again.split(" is valid ")[1].split())


def test_a_run_of_the_import_equals_a_run_of_the_toy(toy_book, tmp_path, toy):
    from placeplan.api import import_workbook, run

    path = import_workbook(toy_book, tmp_path / "imported")
    ours, theirs = run(load_scenario(path), draws=40, seed=3), run(toy, draws=40, seed=3)
    pd.testing.assert_frame_equal(ours.sufficiency, theirs.sufficiency)
    pd.testing.assert_frame_equal(ours.demand, theirs.demand)


def test_excel_habits_are_read(toy_book, tmp_path, toy):
    """Numbers stored as text, blank rows in the middle and trailing empty rows import as the same table."""
    book = load_workbook(toy_book)
    sheet = book["capacity"]
    sheet["C2"] = "210"  # a number stored as text
    sheet["C2"].data_type = "s"
    sheet.insert_rows(4)  # a blank row in the middle
    for row in range(sheet.max_row + 1, sheet.max_row + 6):
        sheet.cell(row, 1, "")  # trailing empty cells
    book.save(toy_book)
    from placeplan.api import import_workbook

    imported = load_scenario(import_workbook(toy_book, tmp_path / "imported"))
    _assert_same(imported.tables["capacity"], toy.tables["capacity"], "capacity")


def test_problems_are_named_by_sheet_row_and_column(toy_book, tmp_path, capsys):
    book = load_workbook(toy_book)
    book["capacity"]["C3"] = "lots"
    book["housing"]["B2"] = dt.datetime(2023, 9, 1)  # a date where an academic year belongs
    book["schools"].merge_cells("P2:P3") if book["schools"].max_column >= 16 else book["schools"].merge_cells("O2:O3")
    book["pupils"]["D5"] = "=C5*2"  # a formula without a saved value (not written by Excel)
    settings = book["settings"]
    row = next(c.row for c in settings["A"] if c.value == "meta.base_year")
    settings.cell(row, 2, "soon")
    book.save(toy_book)
    target = tmp_path / "imported"
    assert main(["import", str(toy_book), str(target)]) == 2
    err = capsys.readouterr().err
    assert "toy_council.xlsx sheet housing, row 2, column B (academic_year): a date cell" in err
    assert "toy_council.xlsx sheet schools, cells O2:O3: merged" in err
    assert "toy_council.xlsx sheet pupils, row 5, column D: formula =C5*2 has no saved value" in err
    book["housing"]["B2"] = 2023
    book["housing"]["B2"].number_format = "General"  # else 2023 in a date-formatted cell reads as a date
    book["pupils"]["D5"] = 12
    book["schools"].unmerge_cells("O2:O3")
    book.save(toy_book)
    assert main(["import", str(toy_book), str(target)]) == 2
    err = capsys.readouterr().err
    assert "toy_council.xlsx sheet capacity, row 3, column C (net_capacity): 'lots' is not valid" in err
    assert f"toy_council.xlsx sheet settings, row {row} (meta.base_year)" in err
    assert not target.exists()  # nothing half-written
    assert [p.name for p in tmp_path.iterdir()] == ["toy_council.xlsx"]


def test_import_replaces_only_an_earlier_import(toy_book, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert main(["import", str(toy_book), str(mine)]) == 2
    assert "is not an earlier import" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "keep me"
    again = tmp_path / "again"
    assert main(["import", str(toy_book), str(again)]) == 0
    assert main(["import", str(toy_book), str(again)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "mine", "toy_council.xlsx"]


def test_data_validation_on_codes_and_enumerations(toy_book):
    book = load_workbook(toy_book)

    def rules(sheet):
        return {str(r.sqref).split(":")[0]: (r.type, r.formula1) for r in book[sheet].data_validations.dataValidation}

    capacity = rules("capacity")
    assert capacity["B2"] == ("list", '"primary,secondary,sixth_form,specialist,alternative_provision"')
    assert capacity["A2"][0] == "list" and capacity["A2"][1].startswith("schools!$A$2:$A$")
    schools = rules("schools")
    assert schools["D2"] == ("list", '"primary,secondary,all_through,special,alternative_provision,post16"')
    assert schools["E2"] == ("list", '"mainstream,special,resourced_provision,alternative_provision"')
    assert schools["F2"][1].startswith("planning_areas!$A$2")
    assert rules("pupils")["C2"] == ("whole", "0")  # ncy 0 to 14
    readme = [row for row in book["README"].iter_rows(values_only=True)]
    assert ("capacity", "net_capacity", "int", "places", "yes") == readme[[r[:2] for r in readme].index(
        ("capacity", "net_capacity"))][:5]
    assert {r[0] for r in readme if r[1]} >= set(TABLE_KEYS) & set(book.sheetnames)


def test_empty_template_has_every_table_and_headers_only(tmp_path):
    assert main(["template", str(tmp_path / "blank.xlsx")]) == 0
    book = load_workbook(tmp_path / "blank.xlsx")
    assert book.sheetnames == ["README", "settings"] + list(TABLE_KEYS)
    assert all(book[name].max_row == 1 for name in TABLE_KEYS)
    assert [c.value for c in book["capacity"][1]][:3] == ["school_id", "provision", "net_capacity"]
    assert main(["template", str(tmp_path / "blank.xlsx")]) == 2  # never over a workbook that may be filled
    assert main(["template", str(tmp_path / "again.xlsx")]) == 0
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "blank.xlsx").read_bytes()  # no time stamp in it


def test_scenario_text_never_becomes_a_formula(toy_copy, tmp_path):
    edit_csv(toy_copy.parent / "toy_council" / "schools.csv", "North Primary", "=HYPERLINK(\"x\")")
    assert main(["template", str(tmp_path), "--from", str(toy_copy)]) == 0
    book = load_workbook(tmp_path / "toy_council.xlsx")
    cells = [c for row in book["schools"].iter_rows() for c in row if c.value == '=HYPERLINK("x")']
    assert cells and all(c.data_type == "s" for c in cells)
    from placeplan.api import import_workbook

    imported = load_scenario(import_workbook(tmp_path / "toy_council.xlsx", tmp_path / "imported"))
    assert '=HYPERLINK("x")' in set(imported.tables["schools"]["name"])


def test_settings_flatten_and_unflatten_are_inverse():
    tree = {"meta": {"name": "x", "seed": 1}, "overrides": {"late": {"capital_projects.a.delay_months": 12}},
            "options": {"o": {"description": "d", "changes": {"capital_projects.a.status": "committed"}}},
            "scenarios": {"s": ["late"]}}
    rows = flatten(tree)
    assert ("overrides.late.capital_projects.a.delay_months", 12) in rows
    assert unflatten(rows) == tree
