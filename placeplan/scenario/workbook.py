"""A scenario as an Excel workbook, and back: ``placeplan template`` and ``placeplan import``.

The workbook has a ``README`` sheet (the column reference of every table: column, type, unit,
required, meaning, allowed values), a ``settings`` sheet (the YAML settings as one row per dotted key)
and one sheet per scenario table, named as the table (``planning_areas``, ``schools``, ``capacity`` ...),
with a bold frozen header row, filters and Excel data validation on codes and enumerations.

Settings sheet rules: ``key`` is the dotted path of a setting (``meta.base_year``,
``capital_projects.south_primary_expansion.start``); under ``overrides.NAME`` and
``options.NAME.changes`` the rest of the key is the dotted key the override sets. A value written in
square or curly brackets (``[high_housing, late_south]``, ``[{name: design, min_months: 4}]``) is a list
or mapping in YAML's flow style; any other value is taken as the cell holds it (a date cell is a date,
a number cell a number, text is text). A blank value leaves the setting out (its default applies).
File paths (``*.table``, maps, ``meta.data_root``) are not settings: the import names the tables it
writes, and maps are not carried (add ``planning_areas.geometry`` to the YAML after importing).

Reading a workbook (Excel habits): numbers stored as text are read as numbers by the table reader;
blank rows anywhere are skipped and trailing ones ignored; a date cell in a table is a problem (no table
has a date column); a formula cell takes the value Excel saved with it, and is a problem when the file
has none (written by a program that does not calculate); merged cells are a problem (unmerge them and
fill every cell). Problems name the sheet, the Excel row and the column letter with its header.

Writing never puts a formula in a cell: text beginning with ``=`` (or another formula character) is
stored as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from placeplan.errors import Problem, ScenarioError
from placeplan.outputs.files import formula_like
from placeplan.outputs.xlsx import workbook_bytes
from placeplan.scenario import columns
from placeplan.scenario.load import SPECS, TABLE_KEYS, display_path, load_scenario, read_yaml
from placeplan.scenario.schema import ScenarioFile
from placeplan.scenario.tables import read_csv_text, typed_table
from placeplan.scenario.yaml_read import YamlProblems, parse_yaml

SCENARIO_FILE = "scenario.yaml"
"""The scenario file ``import`` writes in its folder; the tables sit beside it as ``<table>.csv``."""
MARKER = ".placeplan-import"
"""A file ``import`` leaves in its folder, so that a later import may replace the folder (and nothing else)."""
FILE_KEYS = set(TABLE_KEYS.values()) | {"planning_areas.geometry", "planning_areas.boundary", "meta.data_root"}
DOTTED_CHILDREN = (("overrides", "*"), ("options", "*", "changes"))
"""Mappings whose keys are dotted keys themselves (kept whole in the settings sheet)."""
VALIDATION_ROWS = 5000
"""Data validation covers the header to this Excel row, or 1,000 rows past the data [rows]."""
EMPTY_SETTINGS = ("meta.name", "meta.title", "meta.la_code", "meta.la_name", "meta.base_year", "meta.horizon_years",
                  "meta.seed", "meta.draws", "meta.programme_date", "pupils.level", "policy.operating_margin")

# Code columns that name a row of another sheet: (sheet, column of that sheet).
_AREA = ("planning_areas", "planning_area")
_SCHOOL = ("schools", "school_id")
REFERENCES = {
    ("planning_areas", "parent"): _AREA, ("planning_areas", "feeds"): _AREA,
    ("planning_areas", "catchment_school"): _SCHOOL,
    ("schools", "primary_planning_area"): _AREA, ("schools", "secondary_planning_area"): _AREA,
    ("schools", "sub_area"): _AREA,
    ("capacity", "school_id"): _SCHOOL, ("capacity_by_ncy", "school_id"): _SCHOOL,
    ("school_nor", "school_id"): _SCHOOL, ("pupils", "school_id"): _SCHOOL,
    ("pupils", "planning_area"): _AREA, ("birth_shares", "planning_area"): _AREA,
    ("housing", "planning_area"): _AREA, ("transfer", "origin"): _AREA,
}


# ----------------------------------------------------------------------------- template


def template_tables(scenario_path: str | Path | None) -> tuple[dict[str, Any], dict[str, pd.DataFrame], str]:
    """The settings tree (YAML as written, file paths left out), the typed tables and the pupils level.

    With no scenario: the settings an officer must fill (blank) and every table empty.
    Raises ScenarioError when the scenario does not load.
    """
    if scenario_path is None:
        return {}, {name: pd.DataFrame(columns=SPECS[name].column_names) for name in TABLE_KEYS}, "planning_area"
    scenario = load_scenario(scenario_path)  # every problem at once, before a workbook is written
    raw = read_yaml(scenario.path)
    level = scenario.config.pupils.level
    refs = scenario.config.referenced_files()
    tables = {}
    for name, key in TABLE_KEYS.items():
        if key not in refs:
            continue
        spec = SPECS["pupils_by_school" if name == "pupils" and level == "school" else name]
        target = scenario.file(key)
        text, problems = read_csv_text(target, display_path(target))
        typed, more = typed_table(text, spec, display_path(target)) if text is not None else (None, [])
        if problems or more or typed is None:
            raise ScenarioError(problems + more)
        tables[name] = typed
    return _without_files(raw), tables, level


def _without_files(tree: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for section, value in tree.items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if f"{section}.{k}" not in FILE_KEYS}
            if not value and section not in ("meta",):
                continue
        out[section] = value
    return out


def flatten(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """Settings as ``(dotted key, value)`` rows; lists and mappings under dotted-key mappings stay whole."""
    rows = []
    for key, value in tree.items():
        path = prefix + (str(key),)
        if isinstance(value, dict) and value and not _dotted(path[:-1]):
            rows += flatten(value, path)
        else:
            rows.append((".".join(path), value))
    return rows


def _dotted(path: tuple[str, ...]) -> bool:
    """Whether the keys under ``path`` are dotted keys (overrides.NAME, options.NAME.changes)."""
    return any(len(path) == len(p) and all(a == b or a == "*" for a, b in zip(p, path)) for p in DOTTED_CHILDREN)


def unflatten(rows: list[tuple[str, Any]]) -> dict[str, Any]:
    """The settings tree from ``(dotted key, value)`` rows (the inverse of :func:`flatten`)."""
    tree: dict[str, Any] = {}
    for key, value in rows:
        parts = key.split(".")
        node, path = tree, ()
        while parts:
            part = parts.pop(0)
            path += (part,)
            if _dotted(path) and parts:
                node.setdefault(part, {})[".".join(parts)] = value
                break
            if not parts:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(f"{'.'.join(path)} is given a value and also has settings under it")
                node = child
    return tree


def template_workbook(scenario_path: str | Path | None = None):
    """The scenario workbook (openpyxl ``Workbook``): README, settings, then one sheet per table.

    Filled from ``scenario_path`` (a scenario YAML) when given, else headers only.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    settings, tables, level = template_tables(scenario_path)
    workbook = Workbook()
    readme = workbook.active
    readme.title = "README"
    for row in readme_rows(tables, level, scenario_path):
        _append(readme, row)
    for cell in readme[1]:
        cell.font = Font(bold=True)
    for cell in readme[_header_row(readme)]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (20, 24, 8, 22, 9, 80, 40)):
        readme.column_dimensions[letter].width = width
    for row in readme.iter_rows(min_row=2):
        row[5].alignment = Alignment(wrap_text=True, vertical="top")
    sheet = workbook.create_sheet("settings")
    _append(sheet, ["key", "value"])
    rows = flatten(settings) if settings else [(k, None) for k in EMPTY_SETTINGS]
    for key, value in rows:
        _append(sheet, [key, _setting_cell(value)])
        if isinstance(value, dt.date):
            sheet.cell(sheet._current_row, 2).number_format = "yyyy-mm-dd"
    _finish(sheet, (50, 60))
    for name, table in tables.items():
        spec = SPECS["pupils_by_school" if name == "pupils" and level == "school" else name]
        sheet = workbook.create_sheet(name)
        _append(sheet, list(spec.column_names))
        for record in table[list(spec.column_names)].itertuples(index=False):
            _append(sheet, [_table_cell(v) for v in record])
        for j, column in enumerate(spec.columns, start=1):
            letter = sheet.cell(1, j).column_letter
            if column.kind in ("code", "text", "enum"):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = "@"  # text: Excel keeps 0123 and 8844015 as typed
        _validate(sheet, name, spec, len(table))
        _finish(sheet, [max(12, len(c.name) + 3) for c in spec.columns])
    workbook.properties.creator = "placeplan"
    return workbook


def _finish(sheet, widths) -> None:
    from openpyxl.styles import Font

    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, j).column_letter].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _header_row(readme) -> int:
    for i, row in enumerate(readme.iter_rows(values_only=True), start=1):
        if row[0] == "sheet" and row[1] == "column":
            return i
    return 1


def readme_rows(tables: dict[str, pd.DataFrame], level: str, scenario_path) -> list[list[Any]]:
    """The README sheet: how to use the workbook, then the column reference of every table sheet."""
    source = f"filled from {Path(scenario_path).name}" if scenario_path else "empty (headers only)"
    rows: list[list[Any]] = [
        ["placeplan scenario workbook", f"({source})"],
        ["how to use", "Fill one sheet per table (row 1 is the header; keep it). Then run "
                       "`placeplan import WORKBOOK.xlsx FOLDER`: it writes FOLDER/scenario.yaml and one CSV per "
                       "sheet, and checks them, naming any problem by sheet, row and column."],
        ["settings", "One setting per row: key is its dotted name (meta.base_year, policy.operating_margin, "
                     "capital_projects.ID.start). A value in [ ] or { } is a list or mapping in YAML flow style. "
                     "A blank value leaves the setting at its default. Maps are not carried: add "
                     "planning_areas.geometry to scenario.yaml after importing."],
        ["tables", "An empty optional sheet is left out. Codes are text (cells formatted as text keep leading "
                   "zeros). Academic years are the year their September falls in (2024 = 2024/25). Formulas: "
                   "the value Excel saved is used. Do not merge cells."],
        [],
        ["sheet", "column", "type", "unit", "required", "meaning", "allowed values"],
    ]
    for name in tables:
        spec = SPECS["pupils_by_school" if name == "pupils" and level == "school" else name]
        rows.append([name, "", "", "", "", spec.description, ""])
        for column in spec.columns:
            allowed = ", ".join(column.choices)
            if (name, column.name) in REFERENCES:
                sheet, col = REFERENCES[(name, column.name)]
                allowed = f"a {col} of the {sheet} sheet"
            bounds = [f">= {column.minimum:g}" if column.minimum is not None else "",
                      f"<= {column.maximum:g}" if column.maximum is not None else ""]
            allowed = allowed or " and ".join(b for b in bounds if b)
            rows.append([name, column.name, column.kind, column.unit, "yes" if column.required else "no",
                         column.description, allowed])
    return rows


def _validate(sheet, name: str, spec: columns.TableSpec, rows: int) -> None:
    """Excel data validation: lists on enumerations and on codes of another sheet, bounds on whole numbers."""
    from openpyxl.worksheet.datavalidation import DataValidation

    last = max(VALIDATION_ROWS, rows + 1000)
    for j, column in enumerate(spec.columns, start=1):
        letter = sheet.cell(1, j).column_letter
        blank = not column.required
        if column.kind == "enum":
            rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=blank)
        elif (name, column.name) in REFERENCES:
            other, col = REFERENCES[(name, column.name)]
            other_letter = chr(ord("A") + SPECS[other].column_names.index(col))
            rule = DataValidation(type="list", formula1=f"{other}!${other_letter}$2:${other_letter}${last}",
                                  allow_blank=blank)
            rule.showErrorMessage = False  # a warning list: 'outside' and secondary codes are allowed too
        elif column.kind == "int" and column.minimum is not None and column.maximum is not None:
            rule = DataValidation(type="whole", operator="between", formula1=str(int(column.minimum)),
                                  formula2=str(int(column.maximum)), allow_blank=blank)
        else:
            continue
        rule.error = f"expected {column.description}"
        rule.errorTitle = column.name
        rule.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(rule)


def _append(sheet, values: list[Any]) -> None:
    """Append a row; text that a spreadsheet would run as a formula is stored as text."""
    sheet.append(values)
    row = sheet._current_row  # the row just appended (sheet.max_row scans every cell: slow on big tables)
    for j, value in enumerate(values, start=1):
        if isinstance(value, str) and (value.startswith("=") or formula_like(value)):
            sheet.cell(row, j).data_type = "s"


def _table_cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    return value


def _setting_cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000).strip()
    return value


TEMPLATE_STAMP = dt.datetime(2000, 1, 1)  # the template's created/modified date: fixed, so same scenario, same bytes


def write_template(path: str | Path, scenario_path: str | Path | None = None) -> Path:
    """Write the scenario workbook to ``path`` (a folder: ``<folder>/<scenario name or 'scenario'>.xlsx``).

    Refuses (ScenarioError) to replace an existing workbook, and any scenario that does not load.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        stem = Path(scenario_path).stem if scenario_path else "scenario"
        path = path / f"{stem}.xlsx"
    if path.exists():  # never over a workbook an officer may have filled
        raise ScenarioError([Problem(display_path(path), "", "already exists (expected a new file: move it or "
                                                             "choose another folder)")])
    workbook = template_workbook(scenario_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.partial")
    staged.write_bytes(workbook_bytes(workbook, TEMPLATE_STAMP))  # the same bytes for the same scenario
    staged.replace(path)
    return path


# ----------------------------------------------------------------------------- import


def read_workbook(path: str | Path) -> tuple[list[tuple[str, Any, int]], dict[str, list[list[str]]], list[Problem]]:
    """Settings rows ``(key, value, excel row)``, each table sheet's rows as CSV text cells, and the problems.

    Table rows keep their Excel row numbers (a blank row is written blank, so that the table reader's
    row numbers are Excel's); trailing blank rows are dropped.
    """
    from openpyxl import load_workbook

    path = Path(path)
    shown = path.name
    try:
        workbook = load_workbook(path)
    except Exception as exc:  # noqa: BLE001 - not a workbook at all: one named problem
        raise ScenarioError([Problem(display_path(path), "", f"not a readable .xlsx workbook ({exc})")]) from None
    cached = None
    problems: list[Problem] = []
    if any(c.data_type == "f" for ws in workbook.worksheets for row in ws.iter_rows() for c in row):
        cached = load_workbook(path, data_only=True)
    settings: list[tuple[str, Any, int]] = []
    sheets: dict[str, list[list[str]]] = {}
    known = set(TABLE_KEYS) | {"README", "settings"}
    for ws in workbook.worksheets:
        where_sheet = f"{shown} sheet {ws.title}"
        if ws.title not in known:
            problems.append(Problem(where_sheet, "", f"not a scenario sheet (expected one of: "
                                                     f"{', '.join(['settings'] + list(TABLE_KEYS))})"))
            continue
        if ws.title == "README":
            continue
        for merged in ws.merged_cells.ranges:
            problems.append(Problem(where_sheet, f"cells {merged.coord}", "merged (unmerge them and fill every cell)"))
        values = _values(ws, cached[ws.title] if cached else None, where_sheet, problems)
        if ws.title == "settings":
            for number, row in enumerate(values[1:], start=2):
                key = row[0] if row else None
                value = row[1] if len(row) > 1 else None
                if key is None or str(key).strip() == "":
                    if value not in (None, ""):
                        problems.append(Problem(where_sheet, f"row {number}, column A", "blank key beside a value "
                                                "(expected a dotted setting name such as meta.base_year)"))
                    continue
                settings.append((str(key).strip(), value, number))
        else:
            sheets[ws.title] = _text_rows(values, where_sheet, problems)
    return settings, sheets, problems


def _values(ws, cached_ws, where: str, problems: list[Problem]) -> list[list[Any]]:
    """The sheet's cell values by row; formula cells replaced by Excel's saved value (a problem without one)."""
    rows = []
    for row in ws.iter_rows():
        out = []
        for cell in row:
            value = cell.value
            if cell.data_type == "f":
                value = cached_ws[cell.coordinate].value if cached_ws is not None else None
                if value is None:
                    problems.append(Problem(where, f"row {cell.row}, column {cell.column_letter}",
                                            f"formula {cell.value!s} has no saved value (open the workbook in "
                                            "Excel and save it, or type the value)"))
            out.append(value)
        rows.append(out)
    return rows


def _text_rows(values: list[list[Any]], where: str, problems: list[Problem]) -> list[list[str]]:
    if not values:
        return []
    header = [_text(v) for v in values[0]]
    while header and header[-1].strip() == "":
        header.pop()
    width = len(header)
    out = [header]
    for number, row in enumerate(values[1:], start=2):
        cells = []
        for j, value in enumerate(row, start=1):
            if j > width:
                if value not in (None, ""):
                    problems.append(Problem(where, f"row {number}, column {_letter(j)}",
                                            f"{value!r} is in a column without a header (expected data only "
                                            "under the header)"))
                continue
            if isinstance(value, (dt.date, dt.datetime, dt.time)):
                problems.append(Problem(where, f"row {number}, column {_letter(j)} ({header[j - 1]})",
                                        f"a date cell ({value}) (expected {_expected(where, header[j - 1])}; "
                                        "format the cell as a number or text)"))
                value = None
            cells.append(_text(value))
        out.append(cells + [""] * (width - len(cells)))
    while len(out) > 1 and not any(c.strip() for c in out[-1]):
        out.pop()  # trailing empty rows
    return out


def _expected(where: str, column: str) -> str:
    sheet = where.rsplit(" sheet ", 1)[-1]
    spec = SPECS.get(sheet)
    found = [c for c in spec.columns if c.name == column.strip().lower()] if spec else []
    return f"{found[0].kind} [{found[0].unit}]" if found else "a value"


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


def _text(value: Any) -> str:
    """A cell as the CSV text the table reader expects (numbers in their shortest exact form)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def settings_tree(settings: list[tuple[str, Any, int]], shown: str) -> tuple[dict[str, Any], list[Problem]]:
    """The YAML tree from the settings rows; bracketed text read as YAML flow, dates as dates."""
    where = f"{shown} sheet settings"
    problems = []
    rows = []
    seen: dict[str, int] = {}
    for key, value, number in settings:
        if key in seen:
            problems.append(Problem(where, f"row {number}", f"{key} is also set in row {seen[key]} (expected once)"))
            continue
        seen[key] = number
        if key in FILE_KEYS:
            problems.append(Problem(where, f"row {number}", f"{key} is a file path (the import names the tables it "
                                    "writes; leave this row out)"))
            continue
        if value is None or (isinstance(value, str) and value.strip() == ""):
            continue
        if isinstance(value, dt.datetime):
            value = value.date() if value.time() == dt.time() else value
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                value = parse_yaml(value)
            except YamlProblems as exc:
                problems.append(Problem(where, f"row {number}, column B ({key})", "not a YAML list or mapping: "
                                        + "; ".join(m for _, m in exc.problems)))
                continue
        rows.append((key, value))
    try:
        tree = unflatten(rows)
    except ValueError as exc:
        problems.append(Problem(where, "", str(exc)))
        tree = {}
    return tree, problems


def _required_key(key: str) -> bool:
    section, _, leaf = key.partition(".")
    field = ScenarioFile.model_fields.get(section)
    model = getattr(field, "annotation", None)
    info = getattr(model, "model_fields", {}).get(leaf)
    return bool(info is not None and info.is_required() and field.is_required())


def import_workbook(workbook: str | Path, folder: str | Path) -> Path:
    """Turn a filled scenario workbook into a scenario folder (``scenario.yaml`` + a CSV per table), validated.

    Writes to a temporary folder beside ``folder`` and renames it into place only when the scenario loads,
    so nothing is half-written. ``folder`` must not exist, be empty, or be an earlier import (it is replaced).
    Returns the scenario file. Raises ScenarioError naming every problem by sheet, Excel row and column.
    """
    workbook, folder = Path(workbook), Path(folder)
    shown = workbook.name
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir()) and not (folder / MARKER).is_file())):
        raise ScenarioError([Problem(display_path(folder), "", "exists and is not an earlier import (expected a new "
                                                               "or empty folder)")])
    settings, sheets, problems = read_workbook(workbook)
    tree, more = settings_tree(settings, shown)
    problems += more
    row_of = {key: number for key, _, number in settings}
    written: dict[str, str] = {}
    for name, key in TABLE_KEYS.items():
        rows = sheets.get(name)
        if rows is None or (len(rows) <= 1 and not _required_key(key)):
            continue  # no sheet, or an empty optional one
        written[name] = key
    if problems:
        raise ScenarioError(problems)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.import-", dir=folder.parent))
    try:
        for name, key in written.items():
            section, _, leaf = key.partition(".")
            tree.setdefault(section, {})
            if isinstance(tree[section], dict):
                tree[section][leaf] = f"{name}.csv"
            _write_csv(staging / f"{name}.csv", sheets[name])
        text = (f"# Written by placeplan import from {shown}; edit the workbook and import it again.\n"
                + yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=120))
        (staging / SCENARIO_FILE).write_text(text, encoding="utf-8")
        (staging / MARKER).write_text(f"imported from {shown}\n", encoding="utf-8")
        try:
            load_scenario(staging / SCENARIO_FILE)
        except ScenarioError as exc:
            raise ScenarioError([_translate(p, staging, shown, row_of, {n: r[0] for n, r in sheets.items() if r}) for p in exc.problems]) from None
        _replace(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return folder / SCENARIO_FILE


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _replace(staging: Path, folder: Path) -> None:
    """Rename the staged folder into place; an earlier import is moved aside first and removed after."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{staging.name[-8:]}")
        folder.rename(old)
    staging.rename(folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _translate(problem: Problem, staging: Path, shown: str, row_of: dict[str, int],
               headers: dict[str, list[str]]) -> Problem:
    """A loader problem in the staged files, named by sheet, Excel row and column letter instead."""
    message = problem.message
    names = {display_path(staging / f"{n}.csv"): n for n in TABLE_KEYS}
    names[display_path(staging / SCENARIO_FILE)] = "settings"
    for path, name in names.items():
        message = message.replace(path, f"sheet {name}")
    message = message.replace(display_path(staging) + "/", "").replace(str(staging) + "/", "")
    sheet = names.get(problem.file)
    if sheet is None:
        return Problem(problem.file, problem.where, message)
    where = problem.where
    if sheet == "settings":
        key = where.split(" ")[0]
        match = max((k for k in row_of if key == k or key.startswith(k + ".")),
                    key=len, default=None)
        if match is not None:
            where = f"row {row_of[match]} ({where})"
    elif ", column " in where or where.startswith("column "):
        head, _, column = where.rpartition("column ")
        header = [h.strip().lower() for h in headers.get(sheet, [])]
        if column in header:
            where = f"{head}column {_letter(header.index(column) + 1)} ({column})"
    return Problem(f"{shown} sheet {sheet}", where, message)
