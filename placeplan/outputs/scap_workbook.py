"""The SCAP return as an .xlsx workbook: a README sheet, then one sheet per table.

Bold frozen header rows, column widths from the contents, number formats (codes as text, counts as
whole numbers). **No cell is ever a formula**: openpyxl writes a string beginning with ``=`` as a
formula, so every row goes through ``append_row``, which stores such strings, and any beginning
with ``+``, ``-``, ``@``, a tab or a carriage return, as text with Excel's quote prefix (a school
named "=SUM(A1)" stays that name). Deterministic: the workbook's created/modified dates are the
scenario's programme date and the zip entries carry the same fixed timestamp, so the same return
gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from placeplan.outputs.files import formula_like
from placeplan.outputs.fmt import ay
from placeplan.outputs.xlsx import workbook_bytes as _saved_bytes

# Columns written as text (codes) and number formats by column.
CODE_COLUMNS = {"la_code", "new_la_code", "urn", "laestab", "planning_area_code", "primary_planning_area_code",
                "secondary_planning_area_code"}
PERCENT_COLUMNS = {"p_open_by_year", "local_operating_margin"}
TEXT_WIDTHS = {"methodology": {"text": 110}, "commentary": {"commentary": 90}, "README": {}}


def append_row(sheet, values: list[Any]) -> None:
    """Append one row of cell values; no cell is ever a formula.

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (and not just a
    number) is stored as text with Excel's quote prefix (the apostrophe a user would type), so it
    stays text even when the cell is edited.
    """
    sheet.append([_text_cell(sheet, v) if isinstance(v, str) and (v.startswith("=") or formula_like(v)) else v
                  for v in values])


def _text_cell(sheet, value: str):
    """A cell holding ``value`` as text with the quote prefix (built before it is appended: looking the
    appended row up again through ``sheet[sheet.max_row]`` scans every cell, quadratic in rows)."""
    from openpyxl.cell.cell import Cell

    cell = Cell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def workbook_bytes(scap) -> bytes:
    """The return (``scap.ScapReturn``) as .xlsx bytes: README, then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    results, tables = scap.results, scap.tables
    meta = results.scenario.config.meta
    stamp = dt.datetime.combine(meta.programme_date, dt.time())
    workbook = Workbook()
    cover = workbook.active
    cover.title = "README"
    for row in cover_rows(scap):
        append_row(cover, row)
    for i, row in enumerate(cover.iter_rows(), start=1):
        if i == 1 or row[0].value == "sheet":
            for cell in row:
                cell.font = Font(bold=True)
    cover.column_dimensions["A"].width = 24
    cover.column_dimensions["B"].width = 110
    for row in cover.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")
    cover.freeze_panes = "A2"
    for name, table in tables.items():
        sheet = workbook.create_sheet(name[:31])
        append_row(sheet, [str(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for record in table.itertuples(index=False):
            append_row(sheet, [cell_value(v, c) for v, c in zip(record, table.columns)])
        for j, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=j).column_letter
            fmt = number_format(column, table[column])
            width = TEXT_WIDTHS.get(name, {}).get(column)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                if fmt:
                    cell.number_format = fmt
                if width:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.column_dimensions[letter].width = width or _width(column, table[column])
        sheet.freeze_panes = "A2"
        if len(table.columns):
            sheet.auto_filter.ref = sheet.dimensions
    props = workbook.properties
    props.creator = "placeplan"
    props.lastModifiedBy = "placeplan"
    props.title = f"SCAP return: {meta.title}"
    return _saved_bytes(workbook, stamp)


def cover_rows(scap) -> list[list[Any]]:
    """The README sheet: what the workbook is, the round and its years, the censuses used, the validation."""
    from placeplan.outputs.scap import SHEET_DESCRIPTIONS, area_census
    from placeplan.outputs.scap_places import date_text

    results, window = scap.results, scap.window
    config, info = results.scenario.config, results.run_info
    meta = config.meta
    schools = scap.tables["school_capacity"]
    school_censuses = ", ".join(sorted(set(schools["nor_census"].dropna()))) or "none in the data"
    breaches = len(scap.breaches)
    rows: list[list[Any]] = [
        ["item", "value"],
        ["workbook", "SCAP return prepared by placeplan: copy each sheet into the matching part of the DfE SCAP "
                     "template (COLLECT). Every count is a whole number; no cell is a formula."],
        ["SCAP round", f"{window.name} (the run's reference date is {meta.as_at.isoformat()})"],
        ["capacity as at", f"{date_text(window.capacity_date)} (academic year {ay(window.capacity_year)}): base "
                           "places plus projects open by then"],
        ["forecast years", f"primary {ay(window.forecast_years['primary'][0])} to "
                           f"{ay(window.forecast_years['primary'][-1])}, secondary "
                           f"{ay(window.forecast_years['secondary'][0])} to "
                           f"{ay(window.forecast_years['secondary'][-1])}"],
        ["planned places years", ", ".join(ay(y) for y in window.planned_years)],
        ["NOR census expected", f"{window.expected_nor_census} (the forecasts' actuals); school NOR from the May "
                                "census"],
        ["NOR census used", f"planning areas: {area_census(results)} (the run's base year); schools: "
                            f"{school_censuses} (each school's latest in the data)"],
        ["validation", "passes every checkable rule of the SCAP guide" if not breaches else
         f"{breaches} breach{'es' if breaches != 1 else ''} of the SCAP guide's checkable rules: see the "
         "validation section of the methodology sheet and scap_validation.csv"],
        ["scenario", f"{meta.title} ({results.scenario.name})"],
        ["local authority", f"{meta.la_name}, LA {meta.la_code}" + (f", {meta.la_gss_code}" if meta.la_gss_code
                                                                     else "")],
        ["scenario file", results.scenario.path.name],
        ["overrides applied", ", ".join(results.scenario.applied) or "none"],
        ["base year", f"{ay(meta.base_year)}"],
        ["programme date", meta.programme_date.isoformat()],
        ["operating margin", f"{config.policy.operating_margin:.1%} in the local_* columns of place_planning only "
                             "(DfE's columns use none)"],
        ["draws, seed", f"{info.get('draws')}, {info.get('seed')}"],
        ["placeplan version", str(info.get("placeplan_version", ""))],
        ["", ""], ["sheet", "contents"]]
    for name, table in scap.tables.items():
        rows.append([name, f"{SHEET_DESCRIPTIONS.get(name, '')} ({len(table)} rows)"])
    return rows


def cell_value(value: Any, column: str) -> Any:
    """A table value as a plain Python cell value (codes as text, numpy scalars unwrapped, blanks None)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if column in CODE_COLUMNS:
        return str(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def number_format(column: str, values: pd.Series) -> str | None:
    if column in CODE_COLUMNS:
        return "@"
    if column in PERCENT_COLUMNS:
        return "0%" if column == "p_open_by_year" else "0.0%"
    if pd.api.types.is_integer_dtype(values):
        return "0"
    if pd.api.types.is_float_dtype(values):
        return "#,##0.0"
    return None


def _width(column: str, values: pd.Series) -> float:
    longest = len(str(column))
    for value in values:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            continue
        text = f"{value:,.1f}" if isinstance(value, (float, np.floating)) else str(value)
        longest = max(longest, len(text))
    return float(min(max(longest + 2, 8), 60))
