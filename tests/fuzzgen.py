"""A seeded generator of broken copies of the toy scenario (used by tests/test_fuzz.py and
benchmarks/fuzz_campaign.py).

Every case is a plain description (an id, a kind and its parameters) drawn from
``random.Random(seed)``, so the same seed always gives the same cases. ``apply_case`` writes the
broken copy into a folder holding a fresh copy of the toy (``toy_council.yaml`` and
``toy_council/``) and returns the command-line arguments to pass after ``validate <yaml>``.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

YAML_NAME = "toy_council.yaml"
TABLES = "toy_council"

# Values a YAML key can be changed to (its type changed).
BAD_VALUES: dict[str, Any] = {
    "string": "not a number",
    "list": [1, 2, 3],
    "mapping": {"x": 1},
    "negative": -7,
    "negative_float": -0.5,
    "zero": 0,
    "huge": 10**30,
    "huge_float": 1e300,
    "inf": math.inf,
    "ninf": -math.inf,
    "nan": math.nan,
    "empty": "",
    "null": None,
    "bool": True,
    "bad_date": "2026-02-30",
}
BAD_DATES = ["2026-02-30", "2026-13-01", "not a date", "0000-01-01", "9999-12-31", "2026", "01/09/2027"]
BAD_TAGS = [
    "!!python/object/apply:os.system ['echo fuzz']",
    "!!python/object:builtins.dict {}",
    "!!python/name:os.system",
    "!!binary AAAA",
    "!custom 3",
]
BAD_CELLS = {
    "text": "lots",
    "negative": "-5",
    "huge": "1e300",
    "inf": "inf",
    "nan": "NaN",
    "blank": "",
    "formula": "=1+1",
    "spaces": "   ",
    "fraction": "0.333333",
}
SET_CASES = [
    "policy.operating_margin=[1",
    "policy.operating_margin=abc",
    "policy.operating_margin=-1",
    "policy.operating_margin=.inf",
    "policy.operating_margin=.nan",
    "meta.draws=abc",
    "meta.draws=-5",
    "meta.draws=1e400",
    "meta.draws=10000000000",
    "meta.seed=[1, 2]",
    "meta.base_year=2022-13-01",
    "meta.programme_date=2026-02-30",
    "meta.bogus=1",
    "nonsense=2",
    "nonsense.deeper.still=2",
    "capital_projects.nope.delay_months=3",
    "capital_projects.south_primary_expansion.delay_months=-4",
    "capital_projects.south_primary_expansion.delay_months=1e300",
    "capital_projects.south_primary_expansion.delay_months=120",
    "capital_projects.south_primary_expansion.bogus=1",
    "schools.table=missing.csv",
    "schools.table=../outside.csv",
    "schools.table=/etc/passwd",
    "meta.draws",
    "=3",
    "meta.name=!!python/object/apply:os.system ['echo fuzz']",
    "meta.name={a: 1, a: 2}",
    "housing.delivery_factor=-1",
    "housing.delivery_factor=.inf",
]
TABLE_REFS = [("planning_areas", "table"), ("schools", "table"), ("schools", "capacity"), ("schools", "nor"),
              ("pupils", "table"), ("births", "table"), ("births", "shares"), ("housing", "table"),
              ("housing", "yields")]

YAML_KINDS = ["yaml_delete", "yaml_type", "yaml_unknown_key", "yaml_bad_date", "yaml_duplicate", "yaml_tag",
              "yaml_encoding", "yaml_truncate", "yaml_indent"]
CSV_KINDS = ["csv_drop_column", "csv_rename_header", "csv_add_column", "csv_cell", "csv_no_rows",
             "csv_blank_line", "csv_ragged", "csv_semicolon", "csv_formula_name", "csv_bom", "csv_crlf",
             "csv_truncate", "csv_encoding", "csv_empty_file"]
REF_KINDS = ["ref_missing", "ref_absolute", "ref_escape", "ref_folder", "ref_empty", "ref_wrong_table"]
SET_KINDS = ["set"]
ALL_KINDS = YAML_KINDS + CSV_KINDS + REF_KINDS + SET_KINDS


@dataclass(frozen=True)
class Case:
    """One broken copy: ``id`` names the mutation (e.g. ``csv_cell-schools.csv-row3-easting-text``)."""

    id: str
    kind: str
    params: dict = field(default_factory=dict, hash=False, compare=False)


def pristine(root: Path) -> tuple[dict, dict[str, list[list[str]]]]:
    """The toy's YAML (parsed) and its tables (rows of cells, header first)."""
    raw = yaml.safe_load((root / YAML_NAME).read_text(encoding="utf-8"))
    tables = {}
    for path in sorted((root / TABLES).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            tables[path.name] = list(csv.reader(handle))
    return raw, tables


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in the YAML (mappings by key, lists by index)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append(prefix + (key,))
            found += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append(prefix + (index,))
            found += _paths(value, prefix + (index,))
    return found


def _mapping_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if isinstance(node, dict) else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _mapping_paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _mapping_paths(value, prefix + (index,))
    return found


def _label(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "root"


def generate(seed: int, per_kind: int, raw: dict, tables: dict[str, list[list[str]]]) -> list[Case]:
    """``per_kind`` cases of every kind (``set`` gets its whole list once), drawn from ``seed``."""
    rng = random.Random(seed)
    keys = _paths(raw)
    mappings = _mapping_paths(raw)
    dates = [p for p in keys if isinstance(p[-1], str) and p[-1] in ("programme_date", "start", "planned_opening",
                                                                     "as_at")]
    names = sorted(tables)
    cases: list[Case] = []
    for kind in ALL_KINDS:
        count = len(SET_CASES) if kind == "set" else per_kind
        for n in range(count):
            params: dict[str, Any] = {}
            if kind == "yaml_delete":
                params["path"] = rng.choice(keys)
                detail = _label(params["path"])
            elif kind == "yaml_type":
                params["path"] = rng.choice(keys)
                params["value"] = rng.choice(sorted(BAD_VALUES))
                detail = f"{_label(params['path'])}-{params['value']}"
            elif kind == "yaml_unknown_key":
                params["path"] = rng.choice(mappings)
                detail = _label(params["path"])
            elif kind == "yaml_bad_date":
                params["path"] = rng.choice(dates)
                params["value"] = rng.choice(BAD_DATES)
                detail = f"{_label(params['path'])}-{params['value']}"
            elif kind in ("yaml_duplicate", "yaml_tag", "yaml_indent"):
                params["line"] = rng.randrange(1000)  # reduced modulo the number of key lines
                params["tag"] = rng.choice(BAD_TAGS)
                params["shift"] = rng.choice([-2, -1, 1, 3, "tab"])
                detail = f"line{params['line']}"
            elif kind == "yaml_encoding":
                params["encoding"] = rng.choice(["cp1252", "utf-16", "utf-16-le", "utf-32", "latin-1", "utf-8-sig"])
                params["accent"] = rng.choice([True, False])
                detail = f"{params['encoding']}-{'accent' if params['accent'] else 'ascii'}"
            elif kind in ("yaml_truncate", "csv_truncate"):
                params["fraction"] = round(rng.random(), 3)
                params["table"] = rng.choice(names)
                detail = (f"{params['table']}-" if kind == "csv_truncate" else "") + f"at{params['fraction']}"
            elif kind.startswith("csv_"):
                named = [t for t in names if "name" in tables[t][0]] if kind == "csv_formula_name" else names
                table = params["table"] = rng.choice(named)
                header = tables[table][0]
                params["column"] = rng.randrange(len(header))
                params["row"] = rng.randrange(1, max(2, len(tables[table])))
                params["cell"] = rng.choice(sorted(BAD_CELLS))
                params["encoding"] = rng.choice(["cp1252", "utf-16"])
                detail = table
                if kind in ("csv_drop_column", "csv_rename_header", "csv_cell", "csv_ragged"):
                    detail += f"-{header[params['column']]}"
                if kind in ("csv_cell", "csv_ragged", "csv_blank_line"):
                    detail += f"-row{params['row']}"
                if kind == "csv_cell":
                    detail += f"-{params['cell']}"
                if kind == "csv_ragged":
                    params["extra"] = rng.choice([True, False])
                    detail += "-extra" if params["extra"] else "-short"
                if kind == "csv_encoding":
                    detail += f"-{params['encoding']}"
            elif kind.startswith("ref_"):
                params["ref"] = rng.choice(TABLE_REFS)
                params["other"] = rng.choice([r for r in TABLE_REFS if r != params["ref"]])
                detail = ".".join(params["ref"])
            else:  # set
                params["assignment"] = SET_CASES[n]
                detail = re.sub(r"[^A-Za-z0-9_.=-]+", "_", SET_CASES[n])[:70]
            cases.append(Case(f"{kind}-{detail}", kind, params))
    # ids must be unique: number repeats
    seen: dict[str, int] = {}
    unique = []
    for case in cases:
        seen[case.id] = seen.get(case.id, 0) + 1
        unique.append(case if seen[case.id] == 1 else Case(f"{case.id}-{seen[case.id]}", case.kind, case.params))
    return unique


def _get_parent(raw: Any, path: tuple) -> tuple[Any, Any]:
    node = raw
    for step in path[:-1]:
        node = node[step]
    return node, path[-1]


def _dump(raw: dict) -> str:
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


def _write_table(path: Path, rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def apply_case(case: Case, root: Path, raw: dict, tables: dict[str, list[list[str]]]) -> list[str]:
    """Break the copy of the toy in ``root``; returns extra arguments for the command (``--set``)."""
    import copy

    raw = copy.deepcopy(raw)
    p = case.params
    yaml_path = root / YAML_NAME
    text = yaml_path.read_text(encoding="utf-8")
    kind = case.kind
    if kind == "yaml_delete":
        parent, key = _get_parent(raw, p["path"])
        del parent[key]
        yaml_path.write_text(_dump(raw), encoding="utf-8")
    elif kind in ("yaml_type", "yaml_bad_date"):
        parent, key = _get_parent(raw, p["path"])
        parent[key] = BAD_VALUES[p["value"]] if kind == "yaml_type" else p["value"]
        yaml_path.write_text(_dump(raw), encoding="utf-8")
    elif kind == "yaml_unknown_key":
        node = raw
        for step in p["path"]:
            node = node[step]
        node["fuzz_unknown_key"] = 1
        yaml_path.write_text(_dump(raw), encoding="utf-8")
    elif kind in ("yaml_duplicate", "yaml_tag", "yaml_indent"):
        lines = text.splitlines(keepends=True)
        keyed = [i for i, line in enumerate(lines) if re.match(r"^\s*[A-Za-z_][\w.]*:", line)]
        i = keyed[p["line"] % len(keyed)]
        line = lines[i]
        if kind == "yaml_duplicate":
            lines.insert(i + 1, line if line.endswith("\n") else line + "\n")
        elif kind == "yaml_tag":
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {p['tag']}\n"
        else:
            shift = p["shift"]
            stripped = line.lstrip(" ")
            indent = len(line) - len(stripped)
            if shift == "tab":
                lines[i] = "\t" + line
            else:
                lines[i] = " " * max(0, indent + shift) + stripped
        yaml_path.write_text("".join(lines), encoding="utf-8")
    elif kind == "yaml_encoding":
        if p["accent"]:
            text = text.replace("Toyshire Council (example)", "Toyshire Council – £ café (example)")
        try:
            data = text.encode(p["encoding"])
        except UnicodeEncodeError:
            data = text.encode(p["encoding"], errors="replace")
        yaml_path.write_bytes(data)
    elif kind == "yaml_truncate":
        data = yaml_path.read_bytes()
        yaml_path.write_bytes(data[: int(len(data) * p["fraction"])])
    elif kind.startswith("csv_"):
        name = p["table"]
        path = root / TABLES / name
        rows = [list(r) for r in tables[name]]
        col, row = p.get("column", 0), min(p.get("row", 1), len(rows) - 1)
        if kind == "csv_drop_column":
            rows = [r[:col] + r[col + 1:] for r in rows]
            _write_table(path, rows)
        elif kind == "csv_rename_header":
            rows[0][col] = rows[0][col] + "_renamed"
            _write_table(path, rows)
        elif kind == "csv_add_column":
            rows = [r + (["fuzz_extra"] if i == 0 else ["1"]) for i, r in enumerate(rows)]
            _write_table(path, rows)
        elif kind == "csv_cell":
            if row >= 1:
                rows[row][col] = BAD_CELLS[p["cell"]]
            _write_table(path, rows)
        elif kind == "csv_no_rows":
            _write_table(path, rows[:1])
        elif kind == "csv_blank_line":
            rows.insert(row, [])
            _write_table(path, rows)
        elif kind == "csv_ragged":
            rows[row] = rows[row] + ["surplus"] if p["extra"] else rows[row][:-1]
            _write_table(path, rows)
        elif kind == "csv_semicolon":
            _write_table(path, rows, delimiter=";")
        elif kind == "csv_formula_name":
            header = rows[0]
            target = next((i for i, h in enumerate(header) if h in ("name", "source", "note")), col)
            if len(rows) > 1:
                rows[row][target] = "=1+1"
            _write_table(path, rows)
        elif kind == "csv_bom":
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        elif kind == "csv_crlf":
            _write_table(path, rows, newline="\r\n")
        elif kind == "csv_truncate":
            data = path.read_bytes()
            path.write_bytes(data[: int(len(data) * p["fraction"])])
        elif kind == "csv_encoding":
            path.write_bytes(path.read_text(encoding="utf-8").encode(p["encoding"]))
        elif kind == "csv_empty_file":
            path.write_bytes(b"")
        else:  # pragma: no cover
            raise ValueError(kind)
    elif kind.startswith("ref_"):
        section, key = p["ref"]
        if kind == "ref_missing":
            value = f"{TABLES}/missing.csv"
        elif kind == "ref_absolute":
            value = str((root / TABLES / Path(raw[section][key]).name).resolve())
        elif kind == "ref_escape":
            outside = root.parent / f"{root.name}-outside.csv"
            outside.write_bytes((root / raw[section][key]).read_bytes())
            value = f"../{outside.name}"
        elif kind == "ref_folder":
            value = TABLES
        elif kind == "ref_empty":
            value = ""
        else:  # ref_wrong_table: another table's file
            value = raw[p["other"][0]][p["other"][1]]
        raw[section][key] = value
        yaml_path.write_text(_dump(raw), encoding="utf-8")
    elif kind == "set":
        return ["--set", p["assignment"]]
    else:  # pragma: no cover
        raise ValueError(kind)
    return []


# A problem line: "<file>.csv, row 3, column nor: ..." (a place in the file) or, for a problem with
# the whole file (empty, not text, cut short), "<file>.yaml: ...".
LOCATION = re.compile(r"[^\s,]+\.(?:ya?ml|csv)(?:, [^:\n]+)?: ")


def judge(code: int, output: str, case: Case) -> str:
    """``handled`` (exit 2, named), ``accepted`` (exit 0), ``crashed`` (traceback or other exit) or
    ``unnamed`` (exit 2 without a file and a place in it)."""
    if "Traceback (most recent call last)" in output or code not in (0, 2):
        return "crashed"
    if code == 0:
        return "accepted"
    if LOCATION.search(output):
        return "handled"
    if case.kind == "set":
        key = case.params["assignment"].partition("=")[0].strip()
        if "--set" in output and (key in output or "key.path=value" in output):
            return "handled"
    return "unnamed"
