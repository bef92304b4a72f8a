"""Reading scenario tables: CSV text in, typed DataFrames and a list of problems out."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from placeplan.errors import Problem
from placeplan.scenario.columns import Column, TableSpec
from placeplan.scenario.encoding import DecodeError, decode_bytes

MAX_CELL_PROBLEMS_PER_COLUMN = 20
FIRST_DATA_ROW = 2  # spreadsheet row number of the first data row (row 1 is the header)


def read_csv_text(path: Path, file: str, notes: list[str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV file as text cells (no type guessing), reporting rows of the wrong length.

    Accepts what spreadsheets write: a UTF-8 BOM, UTF-16 with a BOM, cp1252 (with a note in
    ``notes``), CRLF line ends, blank rows anywhere, and header names in any case or with spaces
    around them. Blank rows are left out but the rows keep their spreadsheet numbers (the
    table's index is the row number minus ``FIRST_DATA_ROW``).
    Returns the table (None when the file cannot be read as CSV at all) and the problems.
    """
    try:
        text, note = decode_bytes(path.read_bytes())
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except DecodeError as exc:
        return None, [Problem(file, "", f"not a readable CSV table: {exc}")]
    except (OSError, csv.Error) as exc:
        return None, [Problem(file, "", f"not a readable CSV table: {exc}")]
    if note and notes is not None:
        notes.append(f"{file}: {note}")
    if not rows or not any(cell.strip() for cell in rows[0]):
        return None, [Problem(file, "", "empty file or blank first row (expected a header row, then data rows)")]
    header = [h.strip().lower() for h in rows[0]]
    problems = []
    seen: dict[str, int] = {}
    for number, name in enumerate(header, start=1):
        if name and name in seen:
            problems.append(Problem(file, "header", f"column {name!r} appears twice (columns {seen[name]} and "
                                    f"{number}; expected each column once)"))
        seen.setdefault(name, number)
    if problems:
        return None, problems
    data = []
    index = []
    ragged = 0
    for number, row in enumerate(rows[1:], start=FIRST_DATA_ROW):
        if not any(cell.strip() for cell in row):
            continue  # blank rows, as spreadsheets leave them
        if len(row) != len(header):
            ragged += 1
            if ragged <= MAX_CELL_PROBLEMS_PER_COLUMN:
                problems.append(Problem(file, f"row {number}", f"{len(row)} cells but the header has "
                                        f"{len(header)} columns (expected one cell per column)"))
            row = (row + [""] * len(header))[: len(header)]
        data.append(row)
        index.append(number - FIRST_DATA_ROW)
    if ragged > MAX_CELL_PROBLEMS_PER_COLUMN:
        problems.append(Problem(file, "rows", f"{ragged - MAX_CELL_PROBLEMS_PER_COLUMN} more rows with a different "
                                "number of cells from the header"))
    return pd.DataFrame(data, columns=header, index=index, dtype=str), problems


def typed_table(raw: pd.DataFrame, spec: TableSpec, file: str,
                notes: list[str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Check a text table against its spec and convert its columns.

    Reports every missing required column, and every blank or mistyped cell (up to
    ``MAX_CELL_PROBLEMS_PER_COLUMN`` per column, then a count), naming the spreadsheet row.
    Optional columns may be left out (they are blank); columns the spec does not know are
    left out with a note in ``notes``.
    Returns the typed table (only the spec's columns, in spec order; its index is still each row's
    spreadsheet number minus ``FIRST_DATA_ROW``, blank rows skipped, so checks name the right row) and the problems.
    """
    problems = check_table_columns(raw, spec, file, notes)
    present = [c for c in spec.columns if c.name in raw.columns]
    out = pd.DataFrame(index=raw.index)
    for column in present:
        try:
            values, cell_problems = _convert(raw[column.name].fillna(""), column, file)
        except Exception as exc:  # noqa: BLE001 - a cell that breaks the converter is still a named problem
            values = pd.Series(pd.NA, index=raw.index, dtype="object")
            cell_problems = [Problem(file, f"column {column.name}", f"cannot be read ({type(exc).__name__}: {exc}; "
                                     f"expected {_describe(column)})")]
        out[column.name] = values
        problems += cell_problems
    for column in spec.columns:  # left out (optional, or reported missing): blank, typed as blank cells are
        if column.name not in out.columns:
            out[column.name], _ = _convert(pd.Series("", index=raw.index, dtype="object"), column, file)
    return out[list(spec.column_names)], problems  # index kept: row number minus FIRST_DATA_ROW, for the checks


def check_table_columns(raw: pd.DataFrame, spec: TableSpec, file: str,
                        notes: list[str] | None = None) -> list[Problem]:
    """Missing required columns (a problem) and unknown columns (a note: they are not used)."""
    expected = spec.column_names
    problems = []
    missing = [c.name for c in spec.columns if c.required and c.name not in raw.columns]
    if missing:
        problems.append(Problem(file, "header", f"missing column{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)} (expected columns: {', '.join(expected)})"))
    unknown = [str(name) for name in raw.columns if name not in expected]
    named = [name for name in unknown if name]
    if unknown and notes is not None:
        shown = ", ".join(repr(n) for n in named) + (" and " if named and len(named) < len(unknown) else "")
        if len(named) < len(unknown):
            shown += f"{len(unknown) - len(named)} without a name"
        notes.append(f"{file}: column{'s' if len(unknown) > 1 else ''} {shown} not used (not among the expected "
                     f"columns: {', '.join(expected)})")
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


THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"  # 1,234 or 12,345.5 as Excel writes them


def _numbers(cells: pd.Series, column: Column) -> pd.Series:
    """Numbers from text cells, with Excel's habits: thousands separators, and ``5%`` in a fraction
    column read as 0.05 (in a percentage column as 5). Anything else unreadable becomes NaN."""
    cells = cells.astype("object")
    text = cells.where(cells.isna(), cells.astype(str))
    commas = text.str.match(THOUSANDS, na=False)
    text = text.where(~commas, text.str.replace(",", "", regex=False))
    percent = text.str.endswith("%", na=False) & (column.unit.startswith("fraction") or column.unit.startswith("%"))
    text = text.where(~percent, text.str[:-1].str.strip())
    numbers = pd.to_numeric(text, errors="coerce")
    if column.unit.startswith("fraction"):
        numbers = numbers.where(~percent, numbers / 100)
    return numbers


def _convert(text: pd.Series, column: Column, file: str) -> tuple[pd.Series, list[Problem]]:
    stripped = text.str.strip()
    blank = stripped == ""
    bad = pd.Series(False, index=text.index)
    if column.kind in ("int", "float"):
        numbers = _numbers(stripped.where(~blank), column)
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
