"""Reading scenario tables: CSV text in, typed DataFrames and a list of problems out."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from placeplan.errors import Problem
from placeplan.scenario.columns import Column, TableSpec

MAX_CELL_PROBLEMS_PER_COLUMN = 20
FIRST_DATA_ROW = 2  # spreadsheet row number of the first data row (row 1 is the header)


def read_csv_text(path: Path, file: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV file as text cells (no type guessing), reporting rows of the wrong length.

    Returns the table (None when the file cannot be read as CSV at all) and the problems.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        return None, [Problem(file, "", f"not a readable CSV table: {exc}")]
    if not rows:
        return None, [Problem(file, "", "empty file (expected a header row and data rows)")]
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    while body and not any(cell.strip() for cell in body[-1]):
        body.pop()  # trailing blank rows, as spreadsheets export them
    problems = []
    data = []
    ragged = 0
    for number, row in enumerate(body, start=FIRST_DATA_ROW):
        if len(row) != len(header):
            ragged += 1
            if ragged <= MAX_CELL_PROBLEMS_PER_COLUMN:
                problems.append(Problem(file, f"row {number}", f"{len(row)} cells but the header has "
                                        f"{len(header)} columns (expected one cell per column)"))
            row = (row + [""] * len(header))[: len(header)]
        data.append(row)
    if ragged > MAX_CELL_PROBLEMS_PER_COLUMN:
        problems.append(Problem(file, "rows", f"{ragged - MAX_CELL_PROBLEMS_PER_COLUMN} more rows with a different "
                                "number of cells from the header"))
    return pd.DataFrame(data, columns=header, dtype=str), problems


def typed_table(raw: pd.DataFrame, spec: TableSpec, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Check a text table against its spec and convert its columns.

    Reports every missing or unknown column, and every blank or mistyped cell (up to
    ``MAX_CELL_PROBLEMS_PER_COLUMN`` per column, then a count), naming the spreadsheet row.
    Returns the typed table (only the spec's columns, in spec order) and the problems.
    """
    problems = check_table_columns(raw, spec, file)
    present = [c for c in spec.columns if c.name in raw.columns]
    out = pd.DataFrame(index=raw.index)
    for column in present:
        values, cell_problems = _convert(raw[column.name], column, file)
        out[column.name] = values
        problems += cell_problems
    for column in spec.columns:
        if column.name not in out.columns:
            out[column.name] = pd.Series(pd.NA, index=raw.index, dtype="object")
    return out[list(spec.column_names)].reset_index(drop=True), problems


def check_table_columns(raw: pd.DataFrame, spec: TableSpec, file: str) -> list[Problem]:
    """Missing required columns and unknown columns of a table (optional columns may be left out)."""
    expected = spec.column_names
    problems = []
    missing = [c.name for c in spec.columns if c.required and c.name not in raw.columns]
    if missing:
        problems.append(Problem(file, "header", f"missing column{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)} (expected columns: {', '.join(expected)})"))
    for name in raw.columns:
        if name not in expected:
            problems.append(Problem(file, "header", f"unknown column {name!r} (expected columns: "
                                    f"{', '.join(expected)})"))
    return problems


def _describe(column: Column) -> str:
    kind = {"int": "a whole number", "float": "a number", "code": "a code", "text": "text"}.get(column.kind, "")
    if column.kind == "enum":
        kind = "one of " + ", ".join(column.choices)
    bounds = []
    if column.minimum is not None:
        bounds.append(f">= {column.minimum:g}")
    if column.maximum is not None:
        bounds.append(f"<= {column.maximum:g}")
    unit = f" [{column.unit}]" if column.unit not in ("-", "") else ""
    return kind + (" " + " and ".join(bounds) if bounds else "") + unit


def _convert(text: pd.Series, column: Column, file: str) -> tuple[pd.Series, list[Problem]]:
    stripped = text.str.strip()
    blank = stripped == ""
    bad = pd.Series(False, index=text.index)
    if column.kind in ("int", "float"):
        numbers = pd.to_numeric(stripped.where(~blank), errors="coerce")
        bad |= numbers.isna() & ~blank
        if column.kind == "int":
            bad |= numbers.notna() & (numbers != np.round(numbers))
        if column.minimum is not None:
            bad |= numbers < column.minimum
        if column.maximum is not None:
            bad |= numbers > column.maximum
        if column.kind == "int":
            values = numbers.where(~bad).round().astype("Int64")
            if column.required and not (blank | bad).any():
                values = values.astype("int64")
        else:
            values = numbers.where(~bad).astype("float64")
    elif column.kind == "enum":
        bad |= ~blank & ~stripped.isin(column.choices)
        values = stripped.where(~blank & ~bad, None).astype("object")
    else:
        values = stripped.where(~blank, None).astype("object")
    problems = []
    missing = blank & column.required
    flagged = [(i, "blank") for i in text.index[missing]] + [(i, "bad") for i in text.index[bad]]
    flagged.sort()
    for i, why in flagged[:MAX_CELL_PROBLEMS_PER_COLUMN]:
        row = f"row {i + FIRST_DATA_ROW}, column {column.name}"
        if why == "blank":
            problems.append(Problem(file, row, f"blank (expected {_describe(column)})"))
        else:
            problems.append(Problem(file, row, f"{text[i]!r} is not valid (expected {_describe(column)})"))
    if len(flagged) > MAX_CELL_PROBLEMS_PER_COLUMN:
        problems.append(Problem(file, f"column {column.name}",
                                f"{len(flagged) - MAX_CELL_PROBLEMS_PER_COLUMN} more rows with the same kind of "
                                f"problem (expected {_describe(column)})"))
    return values, problems
