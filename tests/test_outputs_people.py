"""CSVs for people (labels, whole numbers, pounds, percentages), Parquet copies, and docs/outputs.md."""

import csv

import pandas as pd

from placeplan.cli import main
from placeplan.outputs.columns import column_spec
from placeplan.outputs.outputs_reference import DOCS, render_outputs_reference
from placeplan.outputs.people import people_table, read_data_copy, write_data_copy

from conftest import TOY


def test_people_table_hand_computed():
    table = pd.DataFrame({"planning_area": ["A"] * 7, "phase": ["primary"] * 7, "ncy": range(7),
                          "academic_year": [2023] * 7, "central": [240 / 7] * 7, "p95": [2.5] * 7})
    shown = people_table("demand", table)
    assert shown["academic_year_label"].tolist() == ["2023/24"] * 7
    assert shown["central"].tolist() == [35, 35, 34, 34, 34, 34, 34]  # largest remainder: adds to 240
    assert shown["p95"].tolist() == [3] * 7  # percentiles cell by cell, halves away from zero
    costs = people_table("capital_programme", pd.DataFrame({"cost_gbp_mean": [1.26965e7 + 0.6], "p_on_time": [0.5954]}))
    assert costs["cost_gbp_mean"].tolist() == [12696501] and costs["p_on_time_pct"].tolist() == [59.5]
    assert "e+" not in costs.to_csv(index=False)


def test_parquet_copy_is_exact_and_deterministic(tmp_path):
    table = pd.DataFrame({"code": ["a", "b"], "share": [1 / 3, 2 / 3], "mixed": [1, "x"]})
    write_data_copy(table, tmp_path / "a.parquet")
    write_data_copy(table, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    back = read_data_copy(tmp_path / "a.parquet")
    assert back["share"].tolist() == [1 / 3, 2 / 3] and back["mixed"].tolist() == ["1", "x"]


def test_toy_run_columns_are_documented_and_csvs_readable(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(TOY), "--out", str(out)]) == 0
    for path in sorted(out.glob("*.csv")):
        data = read_data_copy(out / "data" / f"{path.stem}.parquet")
        for column in data.columns:
            assert column_spec(path.stem, column) is not None, (path.stem, column)
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        for column in rows[0]:
            base = column.removesuffix("_label").removesuffix("_pct")
            assert column in data.columns or base in data.columns, (path.stem, column)
        assert not any("e+" in cell or "e-0" in cell for row in rows[1:] for cell in row
                       if cell[:1].isdigit()), path.name
    demand = pd.read_csv(out / "demand.csv")
    assert pd.api.types.is_integer_dtype(demand["central"])


def test_outputs_doc_is_current():
    assert (DOCS / "outputs.md").read_text(encoding="utf-8") == render_outputs_reference(), \
        "run: python -m placeplan.outputs.outputs_reference"
