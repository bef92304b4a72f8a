"""Load a scenario: YAML (safely) + overrides + tables, validated, every problem at once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from placeplan.errors import Problem, ScenarioError
from placeplan.scenario import columns
from placeplan.scenario.as_at import resolve_dates
from placeplan.scenario.checks import CheckInput, run_checks
from placeplan.scenario.encoding import DecodeError, decode_bytes
from placeplan.scenario.overrides import apply_overrides, scenario_overrides
from placeplan.scenario.paths import OutsideError, check_files, contained, containment
from placeplan.scenario.schema import ScenarioFile
from placeplan.scenario.tables import read_csv_text, typed_table
from placeplan.scenario.yaml_read import YamlProblems, parse_yaml

# Which scenario key names each table.
TABLE_KEYS = {
    "planning_areas": "planning_areas.table",
    "schools": "schools.table",
    "capacity": "schools.capacity",
    "capacity_by_ncy": "schools.capacity_by_ncy",
    "school_nor": "schools.nor",
    "pupils": "pupils.table",
    "observed_totals": "pupils.observed",
    "forecast_errors": "pupils.forecast_errors",
    "national_ratios": "pupils.national_ratios",
    "births": "births.table",
    "birth_shares": "births.shares",
    "housing": "housing.table",
    "housing_sites": "housing.sites",
    "pupil_yields": "housing.yields",
    "send": "send.table",
    "transfer": "transfer.table",
    "dfe_scorecard": "published.scorecard",
    "council_forecast_record": "published.forecast_record",
}
SPECS = {spec.name: spec for spec in columns.ALL_TABLES}


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated scenario: the file's settings plus its typed tables.

    Attributes
    ----------
    config : ScenarioFile
        The validated settings (after overrides).
    tables : dict of DataFrame
        Typed tables by name (``planning_areas``, ``schools``, ``capacity``, ``pupils`` ...).
    path : Path
        The scenario file.
    scenario : str or None
        The named scenario (or overrides) applied.
    applied : tuple of str
        Log of overrides and ``--set`` values applied, in order.
    sets : tuple of (str, value)
        The ``--set`` pairs it was loaded with (so an option or named scenario can be loaded the same way).
    notes : tuple of str
        Warnings from reading the files that are not problems (a file read as cp1252, a table's extra columns).
    """

    config: ScenarioFile
    tables: dict[str, pd.DataFrame] = field(repr=False)
    path: Path
    scenario: str | None = None
    applied: tuple[str, ...] = ()
    sets: tuple[tuple[str, Any], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Run name: the scenario's meta.name, plus the named scenario when one is applied."""
        return self.config.meta.name + (f"-{self.scenario.replace(',', '+')}" if self.scenario else "")

    def file(self, key: str) -> Path:
        """Absolute path of a referenced file, by its dotted key (e.g. ``planning_areas.geometry``).

        Raises ScenarioError when the path is outside the scenario's folder (see :mod:`placeplan.scenario.paths`).
        """
        try:
            return contained(self.path, self.config.meta.data_root, self.config.referenced_files()[key])
        except OutsideError as exc:
            raise ScenarioError([Problem(display_path(self.path), key, str(exc))]) from None


def display_path(path: Path) -> str:
    """A path as an officer would type it: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def read_yaml(path: Path, notes: list[str] | None = None) -> dict[str, Any]:
    """Read a scenario YAML file safely (no code execution); problems raise ScenarioError.

    The bytes are decoded as UTF-8 (with or without BOM), UTF-16 with a BOM, or else cp1252 with a
    note appended to ``notes``. See ``placeplan.scenario.yaml_read`` for what is refused.
    """
    shown = display_path(path)
    if not path.is_file():
        raise ScenarioError([Problem(shown, "", "scenario file not found (expected a YAML file)")])
    try:
        text, note = decode_bytes(path.read_bytes())
    except DecodeError as exc:
        raise ScenarioError([Problem(shown, "", str(exc))]) from None
    except OSError as exc:
        raise ScenarioError([Problem(shown, "", f"cannot be read ({exc.strerror or exc})")]) from None
    if note and notes is not None:
        notes.append(f"{shown}: {note}")
    try:
        raw = parse_yaml(text)
    except YamlProblems as exc:
        raise ScenarioError([Problem(shown, where, message) for where, message in exc.problems]) from None
    if raw is None:
        raise ScenarioError([Problem(shown, "", "empty file (expected a mapping of sections: meta, "
                                                "planning_areas, ...)")])
    if not isinstance(raw, dict):
        raise ScenarioError([Problem(shown, "", f"a {_kind(raw)} at the top level (expected a mapping of "
                                                "sections: meta, planning_areas, ...)")])
    bad_keys = [k for k in raw if not isinstance(k, str)]
    if bad_keys:
        raise ScenarioError([Problem(shown, f"key {k!r}", "not a section name (expected a name such as meta)")
                             for k in bad_keys])
    return raw


def _kind(value: Any) -> str:
    return {list: "list", str: "single value", int: "number", float: "number", bool: "true/false"}.get(
        type(value), type(value).__name__)


def load_scenario(
    path: str | Path, scenario: str | None = None, sets: list[tuple[str, Any]] | tuple = ()
) -> Scenario:
    """Load and validate a scenario file, its overrides and its tables.

    Parameters
    ----------
    path : the scenario YAML file
    scenario : a named scenario, a named override, or a comma-separated list of overrides
    sets : ``(dotted.key, value)`` pairs applied last (as ``--set`` on the command line)

    Raises
    ------
    ScenarioError
        With every problem found: YAML and schema problems, missing or misplaced files,
        missing or mistyped columns, and consistency problems.
    """
    path = Path(path).resolve()
    shown = display_path(path)
    notes: list[str] = []
    raw = read_yaml(path, notes)
    names, problems = scenario_overrides(raw, scenario, shown)
    tree, applied, more, origins = apply_overrides(raw, names, list(sets), shown)
    problems += more
    config: ScenarioFile | None = None
    try:
        config = ScenarioFile.model_validate(tree)
    except ValidationError as exc:
        problems += schema_problems(exc, shown, origins)
    except Exception as exc:  # noqa: BLE001 - a value pydantic cannot even inspect is still a named problem
        problems.append(Problem(shown, "", f"cannot be checked against the scenario schema "
                                           f"({type(exc).__name__}: {exc})"))
    refs = config.referenced_files() if config else _raw_refs(tree)
    box, refused = containment(path, config.meta.data_root if config else _raw_root(tree))
    if refused:
        source = next((o for k, o in origins.items() if k in ("meta", "meta.data_root")), shown)
        problems.append(Problem(source, "meta.data_root", refused))
    problems += check_files(refs, box, shown, origins)
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for name, key in TABLE_KEYS.items():
        files[name] = refs.get(key, f"<{key}>")
        try:
            target = box.resolve(refs[key]) if key in refs else None
        except OutsideError:  # reported above; never opened
            continue
        if target is None or not target.is_file():
            continue
        files[name] = display_path(target)
        text, read_problems = read_csv_text(target, files[name], notes)
        problems += read_problems
        if text is None:
            continue
        spec_name = name
        if name == "pupils" and _pupils_level(config, tree) == "school":
            spec_name = "pupils_by_school"
            files[spec_name] = files[name]
        tables[spec_name], cell_problems = typed_table(text, SPECS[spec_name], files[name], notes)
        problems += cell_problems
    if "pupils_by_school" in tables and "schools" in tables:
        tables["pupils"] = pupils_by_area(tables["pupils_by_school"], tables["schools"])
    if config is not None:  # the reference date and base year, before the checks that use them
        config, tables, dated = resolve_dates(config, tables, shown)
        problems += dated
    try:
        problems += run_checks(CheckInput(config, tables, files, shown, raw=raw))
    except Exception as exc:  # noqa: BLE001 - tables too broken to check: say so, with the problems found
        problems.append(Problem(shown, "", f"consistency checks could not finish ({type(exc).__name__}: {exc}); "
                                           "fix the problems listed and validate again"))
    if problems or config is None or config.meta.base_year is None:
        raise ScenarioError(problems)
    tables = {name: table.reset_index(drop=True) for name, table in tables.items()}  # the model counts rows from 0
    return Scenario(config=config, tables=tables, path=path, scenario=scenario, applied=tuple(applied),
                    sets=tuple((str(k), v) for k, v in sets), notes=tuple(notes))


def _pupils_level(config: ScenarioFile | None, tree: dict[str, Any]) -> str:
    if config is not None:
        return config.pupils.level
    section = tree.get("pupils")
    return section.get("level", "planning_area") if isinstance(section, dict) else "planning_area"


def pupils_by_area(by_school: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Sum school rolls into planning areas: R-Y6 by primary_planning_area, Y7-Y13 by secondary.

    Rows of schools without the needed planning area (or unknown schools) are left out here;
    ``check_school_pupils`` reports them.
    """
    merged = by_school.merge(schools[["school_id", "primary_planning_area", "secondary_planning_area"]],
                             on="school_id", how="inner")
    merged["planning_area"] = merged["primary_planning_area"].where(merged["ncy"] <= 6,
                                                                    merged["secondary_planning_area"])
    merged = merged[merged["planning_area"].notna()]
    summed = merged.groupby(["academic_year", "planning_area", "ncy"], as_index=False)["nor"].sum()
    summed["source"] = "sum of school rolls"
    return summed[["academic_year", "planning_area", "ncy", "nor", "source"]]


def _raw_refs(tree: dict[str, Any]) -> dict[str, str]:
    """Best-effort file references from a scenario that failed schema validation."""
    refs = {}
    for key in list(TABLE_KEYS.values()) + ["planning_areas.geometry", "planning_areas.boundary"]:
        section, _, leaf = key.partition(".")
        value = (tree.get(section) or {}).get(leaf) if isinstance(tree.get(section), dict) else None
        if isinstance(value, str):
            refs[key] = value
    return refs


def _raw_root(tree: dict[str, Any]) -> str:
    meta = tree.get("meta")
    root = meta.get("data_root") if isinstance(meta, dict) else None
    return root if isinstance(root, str) else "."


def schema_problems(exc: ValidationError, file: str, origins: dict[str, str] | None = None) -> list[Problem]:
    """Turn pydantic's errors into problems naming the key and what was expected.

    ``origins`` maps keys changed by overrides or ``--set`` to where the change came from, so
    that a bad value is reported against the override that set it.
    """
    problems = []
    errors = exc.errors()
    inner = {tuple(str(p) for p in e["loc"][:n]) for e in errors for n in range(len(e["loc"]))}
    for error in errors:
        loc = [str(p) for p in error["loc"]]
        if error["type"] == "too_short" and tuple(loc) in inner:
            continue  # a list left short only because its items were refused: the items' problems say why
        where = ".".join(loc)
        source = next((o for k, o in (origins or {}).items() if where == k or where.startswith(k + ".")), file)
        kind = error["type"]
        if kind == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
            message = f"unknown key {loc[-1]!r}{hint}"
        elif kind == "missing":
            message = "required key is missing"
        else:
            value = error.get("input")
            shown_value = f" (got {value!r})" if not isinstance(value, (dict, list)) else ""
            message = f"{error['msg']}{shown_value}"
        problems.append(Problem(source, where, message))
    return problems


def _allowed_keys(loc: list[str]) -> list[str]:
    """Field names allowed at a location of the scenario schema (dict keys and list items skipped)."""
    annotation: Any = ScenarioFile
    for part in loc:
        if _is_optional(annotation):
            annotation = _model_of(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(part)
            if info is None:
                return []
            annotation = info.annotation
        else:  # a dict key or a list item: step into the value type
            annotation = _model_of(annotation)
    model = _model_of(annotation)
    return list(model.model_fields) if model is not None else []


def _is_optional(annotation: Any) -> bool:
    args = getattr(annotation, "__args__", ())
    return type(None) in args


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside an annotation like ``dict[str, X]``, ``tuple[X, ...]`` or ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
