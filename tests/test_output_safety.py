"""Outputs are safe to open: the output folder is checked before any computation, and no cell is a formula."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import placeplan.cli as cli
from placeplan.cli import main
from placeplan.outputs.files import neutralise_formulas

from conftest import TOY, edit_csv


@pytest.fixture
def no_model(monkeypatch):
    """Fail the test if the model is run (the output check must come first)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the model ran")

    for name in ("run", "scap", "compare"):
        monkeypatch.setattr(cli, name, refuse)


def test_out_that_is_a_file_is_refused_before_running(tmp_path, capsys, no_model):
    target = tmp_path / "report.txt"
    target.write_text("mine\n")
    assert main(["run", str(TOY), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err.replace("\n", "") and "is a file" in err
    assert target.read_text() == "mine\n"


def test_out_under_a_file_is_refused(tmp_path, capsys, no_model):
    (tmp_path / "plain").write_text("x")
    target = tmp_path / "plain" / "sub" / "out"
    assert main(["scap", str(TOY), "--out", str(target)]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert str(target) in err and "is under the file" in err and str(tmp_path / "plain") in err


def test_out_in_an_unwritable_folder_is_refused(tmp_path, capsys, no_model, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.geteuid() == 0:  # root writes anywhere: stand in for the permission check
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == locked else real(p, mode, **kw))
    try:
        assert main(["compare", str(TOY), "--out", str(locked / "out")]) == 2
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err.replace("\n", "")
    assert str(locked / "out") in err and "not writable" in err
    assert not (locked / "out").exists()


def test_out_that_is_the_working_folder_is_refused(tmp_path, capsys, no_model, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(TOY), "--out", "."]) == 2
    assert "working folder" in capsys.readouterr().err


def test_neutralise_formulas_only_touches_text():
    table = pd.DataFrame({"name": ["=SUM(A1)", "+x", "-y", "@z", "\tt", "\rr", "ok", "-5", None],
                          "n": [-5, 1, 2, 3, 4, 5, 6, 7, 8], "f": [-1.5] * 9})
    out = neutralise_formulas(table)
    assert out["name"].tolist()[:7] == ["'=SUM(A1)", "'+x", "'-y", "'@z", "'\tt", "'\rr", "ok"]
    assert out["name"].tolist()[7] == "-5" and pd.isna(out["name"].tolist()[8])
    assert out["n"].tolist() == table["n"].tolist() and out["f"].tolist() == table["f"].tolist()
    assert table["name"][0] == "=SUM(A1)"  # the caller's table is not changed


def test_no_formula_reaches_the_workbook_or_the_csvs(toy_copy: Path, tmp_path, capsys):
    folder = toy_copy.parent / "toy_council"
    edit_csv(folder / "schools.csv", "North Primary,", "=HYPERLINK(\"http://x\"),")
    edit_csv(folder / "schools.csv", "Hilltop Primary,", "+Hilltop Primary,")
    edit_csv(folder / "planning_areas.csv", "8881001,North,", "8881001,-North,")
    edit_csv(folder / "planning_areas.csv", "8881002,South,", "8881002,@South,")
    toy_copy.write_text(toy_copy.read_text().replace("la_name: Toyshire", "la_name: \"=Toyshire\""))
    out = tmp_path / "out"
    assert main(["run", str(toy_copy), "--out", str(out), "--draws", "20"]) == 0, capsys.readouterr().err

    book = openpyxl.load_workbook(out / "scap_return.xlsx")
    formulas = [(s.title, c.coordinate) for s in book for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    texts = [c for s in book for row in s.iter_rows() for c in row if isinstance(c.value, str)]
    risky = [c for c in texts if c.value.startswith(("=", "+", "@")) or c.value.startswith("-N")]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)
    assert any(c.value == "=Toyshire" for c in risky)

    seen = set()
    for path in out.glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                    assert not cell.startswith("-N"), (path.name, cell)
                    if cell.startswith("'"):
                        seen.add(cell)
    assert {"'=HYPERLINK(\"http://x\")", "'+Hilltop Primary", "'-North", "'@South", "'=Toyshire"} <= seen
    numbers = pd.read_csv(out / "base_position.csv")
    assert pd.api.types.is_numeric_dtype(numbers.select_dtypes("number").iloc[:, 0])
