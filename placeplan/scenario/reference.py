"""Generate the scenario-file reference from the schema models and the column dictionary.

Run ``python -m placeplan.scenario.reference`` to rewrite ``docs/scenario-reference.md`` and
``docs/scenario.schema.json``; a test fails when the committed copies are out of date.
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from placeplan.scenario.columns import ALL_TABLES
from placeplan.scenario.schema import ScenarioFile

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _type_name(annotation) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + " (optional)"
    if origin in (tuple, list):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping of name to {_type_name(args[1])}"
    if isinstance(annotation, type):
        return annotation.__name__ if not issubclass(annotation, BaseModel) else f"[{annotation.__name__}]"
    return str(annotation)


def _models(model: type[BaseModel], seen: list[type[BaseModel]]) -> list[type[BaseModel]]:
    if model in seen:
        return seen
    seen.append(model)
    for info in model.model_fields.values():
        for inner in _inner_models(info.annotation):
            _models(inner, seen)
    return seen


def _inner_models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _inner_models(arg)]


def _default(info) -> str:
    if info.is_required():
        return "required"
    value = info.default
    if isinstance(value, BaseModel):
        return "see section"
    if value in ({}, ()):
        return "empty"
    return f"`{value}`"


def render_reference() -> str:
    """The scenario reference as Markdown."""
    lines = [
        "# Scenario file reference",
        "",
        "Generated from `placeplan/scenario/schema.py` and `placeplan/scenario/columns.py` by "
        "`python -m placeplan.scenario.reference`; do not edit by hand.",
        "",
        "A scenario is a YAML file whose sections point at tidy CSV tables (paths relative to the "
        "YAML file, inside `meta.data_root`). Unknown keys are errors. Units are in [brackets].",
        "",
        "## Sections",
    ]
    for model in _models(ScenarioFile, []):
        lines += ["", f"### {model.__name__}", "", (model.__doc__ or "").strip(), "",
                  "| key | type | default | meaning |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            doc = (info.description or "").replace("\n", " ").replace("|", "\\|")
            lines.append(f"| `{name}` | {_type_name(info.annotation)} | {_default(info)} | {doc} |")
    lines += ["", "## Tables", ""]
    for spec in ALL_TABLES:
        key = ", ".join(spec.key)
        lines += [f"### `{spec.name}`", "", spec.description, "", f"One row per: {key}.", "",
                  "| column | type | unit | required | meaning |", "|---|---|---|---|---|"]
        for column in spec.columns:
            kind = column.kind if column.kind != "enum" else "one of " + ", ".join(f"`{c}`" for c in column.choices)
            lines.append(f"| `{column.name}` | {kind} | {column.unit} | {'yes' if column.required else 'no'} | "
                         f"{column.description} |")
        lines.append("")
    lines += [
        "## Overrides and scenarios",
        "",
        "`overrides:` maps a name to partial changes written as dotted keys "
        "(`capital_projects.aylestone_expansion.planned_opening: 2027-09-01`) or nested mappings. "
        "`scenarios:` maps a name to a list of overrides applied in order; two overrides in one "
        "scenario that set the same key (or one key inside another) are an error. On the command line, "
        "`--scenario NAME` applies a scenario (or a comma-separated list of overrides) and "
        "`--set key.path=value` sets one value last. Precedence: `--set` > scenario > file.",
        "",
    ]
    return "\n".join(lines)


def render_json_schema() -> str:
    """JSON Schema of the scenario file, for editors."""
    return json.dumps(ScenarioFile.model_json_schema(), indent=2, sort_keys=True, default=str) + "\n"


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    (DOCS / "scenario-reference.md").write_text(render_reference(), encoding="utf-8")
    (DOCS / "scenario.schema.json").write_text(render_json_schema(), encoding="utf-8")
    print(f"wrote {DOCS / 'scenario-reference.md'} and {DOCS / 'scenario.schema.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
