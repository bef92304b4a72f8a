"""Reading tables: missing, unknown and mistyped columns are each named with their row."""

import io

import pandas as pd

from placeplan.scenario.columns import CAPACITY, PUPILS
from placeplan.scenario.tables import read_csv_text, typed_table


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_clean_table_is_typed():
    df, problems = typed_table(table("academic_year,planning_area,ncy,nor,source\n2022,8881001,0,40,x\n"),
                               PUPILS, "p.csv")
    assert problems == []
    assert df["nor"].dtype == "int64" and df.loc[0, "planning_area"] == "8881001"


def test_missing_and_unknown_columns():
    notes = []
    _, problems = typed_table(table("academic_year,planning_area,ncy,number\n2022,1,0,40\n"), PUPILS, "p.csv",
                              notes)
    messages = [p.message for p in problems]
    # nor is required; source is optional and may be left out
    assert any(m.startswith("missing column nor (expected columns: academic_year") for m in messages)
    assert not any("source" in m.split("(")[0] for m in messages)
    # an extra column is a note, not a problem: it is left out
    assert not any("number" in m for m in messages)
    assert notes == ["p.csv: column 'number' not used (not among the expected columns: academic_year, "
                     "planning_area, ncy, nor, source)"], notes


def test_mistyped_and_blank_cells_name_their_row():
    text = "academic_year,planning_area,ncy,nor,source\n2022,1,0,forty,\n2022,,1,3.5,\n2022,1,15,2,\n"
    _, problems = typed_table(table(text), PUPILS, "p.csv")
    got = {p.where: p.message for p in problems}
    assert got["row 2, column nor"] == "'forty' is not valid (expected a whole number <= 1e+06 [pupils])"
    assert got["row 3, column planning_area"] == "blank (expected a code)"
    assert got["row 3, column nor"].startswith("'3.5' is not valid")
    assert got["row 4, column ncy"] == "'15' is not valid (expected a whole number >= 0 and <= 14 [NCY])"


def test_enum_values_are_listed():
    text = "school_id,provision,net_capacity,pan,as_of_year,source,note\n1,primry,10,,2024,scap2015,\n"
    _, problems = typed_table(table(text), CAPACITY, "c.csv")
    assert problems[0].message.startswith("'primry' is not valid (expected one of primary, secondary")


def test_many_bad_rows_are_summarised():
    rows = "".join(f"2022,1,0,x{i},\n" for i in range(30))
    _, problems = typed_table(table("academic_year,planning_area,ncy,nor,source\n" + rows), PUPILS, "p.csv")
    assert len(problems) == 21
    assert problems[-1].message.startswith("10 more rows")


def test_read_csv_keeps_codes_as_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("planning_area,nor\n0884001,5\n,,\n\n")
    df, problems = read_csv_text(path, "t.csv")
    assert df.loc[0, "planning_area"] == "0884001" and len(df) == 1
    assert [str(p) for p in problems] == []


def test_rows_of_the_wrong_length_are_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("planning_area,nor\n1,5\n2,6,7\n")
    df, problems = read_csv_text(path, "t.csv")
    assert [str(p) for p in problems] == [
        "t.csv, row 3: 3 cells but the header has 2 columns (expected one cell per column)"]
