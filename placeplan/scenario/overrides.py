"""Named overrides, scenarios that combine them, and ``--set key.path=value``.

Precedence, highest first: ``--set`` > the chosen scenario's overrides (in order) > the file.
Two overrides in one scenario that set the same key (or one key inside the other) are an
error, so a combined scenario never depends on the order its parts happen to be listed in.
"""

from __future__ import annotations

import datetime as dt

import copy
from typing import Any

from placeplan.errors import Problem
from placeplan.scenario.yaml_read import YamlProblems, parse_yaml


def flatten(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Turn nested mappings into ``{dotted.key: value}`` (lists and scalars are leaves)."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(flatten(value, dotted))
        else:
            flat[dotted] = value
    return flat


def set_key(tree: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``tree[a][b][c] = value`` for ``dotted = "a.b.c"``; list items by number (``stages.0``).

    Missing mappings on the way are created, so an override can add a new capital project.
    Raises KeyError with a readable message when the path runs into a scalar or a list
    index that does not exist.
    """
    parts = dotted.split(".")
    node: Any = tree
    for depth, part in enumerate(parts[:-1]):
        node = _step(node, part, dotted, create=True)
    last = parts[-1]
    if isinstance(node, list):
        index = _list_index(node, last, dotted)
        node[index] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise KeyError(f"cannot set {dotted!r}: {'.'.join(parts[:-1])!r} is a single value, not a section")


def _step(node: Any, part: str, dotted: str, create: bool) -> Any:
    if isinstance(node, list):
        return node[_list_index(node, part, dotted)]
    if not isinstance(node, dict):
        raise KeyError(f"cannot set {dotted!r}: {part!r} is inside a single value, not a section")
    if part not in node or node[part] is None:
        if not create:
            raise KeyError(dotted)
        node[part] = {}
    return node[part]


def _list_index(node: list, part: str, dotted: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise KeyError(f"cannot set {dotted!r}: {part!r} is not an item number of a list with {len(node)} items")
    return int(part)


def parse_set(assignment: str) -> tuple[str, Any]:
    """Parse ``key.path=value`` from the command line; the value is read as YAML (safely).

    Raises ValueError naming the ``--set`` key when the value is not plain YAML (an unclosed
    bracket, a ``!!python`` tag, a key given twice, an impossible date ...).
    """
    if "=" not in assignment:
        raise ValueError(f"--set expects key.path=value, got {assignment!r}")
    key, _, text = assignment.partition("=")
    key = key.strip()
    if not key:
        raise ValueError(f"--set expects key.path=value, got {assignment!r}")
    if not text.strip():
        return key, None
    try:
        return key, parse_yaml(text)
    except YamlProblems as exc:
        detail = "; ".join(message for _, message in exc.problems)
        raise ValueError(f"--set {key}: the value {text!r} cannot be used: {detail}") from None


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def scenario_overrides(raw: dict[str, Any], scenario: str | None, file: str) -> tuple[list[str], list[Problem]]:
    """Names of the overrides a scenario applies, in order.

    ``scenario`` may name an entry of ``scenarios:``, a single override, or a comma-separated
    list of overrides.
    """
    if not scenario:
        return [], []
    scenarios = raw.get("scenarios") or {}
    overrides = raw.get("overrides") or {}
    if scenario in scenarios:
        names = list(scenarios[scenario] or [])
    else:
        names = [n.strip() for n in scenario.split(",") if n.strip()]
    problems = []
    for name in names:
        if name not in overrides:
            known = ", ".join(sorted(set(scenarios) | set(overrides))) or "none defined"
            problems.append(Problem(file, f"scenario {scenario!r}",
                                    f"unknown scenario or override {name!r} (expected one of: {known})"))
    return names, problems


def apply_overrides(
    raw: dict[str, Any], names: list[str], sets: list[tuple[str, Any]], file: str
) -> tuple[dict[str, Any], list[str], list[Problem], dict[str, str]]:
    """Apply named overrides then ``--set`` pairs to a copy of the raw scenario dictionary.

    Returns the new dictionary, a log of what was applied (``override:name`` / ``set:key``),
    the problems found (conflicting keys, paths that cannot be set), and the origin of each
    key changed (``overrides.<name>`` or ``--set``) so that a bad value is blamed on it.
    """
    tree = copy.deepcopy(raw)
    overrides = raw.get("overrides") or {}
    problems: list[Problem] = []
    applied: list[str] = []
    owner: dict[str, str] = {}
    for name in names:
        changes = overrides.get(name)
        if not isinstance(changes, dict):
            continue
        for key, value in flatten(changes).items():
            clash = next((k for k in owner if _overlaps(k, key)), None)
            if clash is not None:
                problems.append(Problem(file, f"overrides.{name}",
                                        f"sets {key!r}, which override {owner[clash]!r} also sets ({clash!r}); "
                                        "expected each key to be set by one override of a scenario"))
                continue
            owner[key] = name
            problems += _try_set(tree, key, value, file, f"overrides.{name}")
        applied.append(f"override:{name}")
    origins = {key: f"{file} (set by overrides.{name})" for key, name in owner.items()}
    for key, value in sets:
        problems += _try_set(tree, key, value, "--set", key)
        shown = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else repr(value)
        applied.append(f"set:{key}={shown}")
        origins[key] = "--set"
    return tree, applied, problems, origins


def _try_set(tree: dict[str, Any], key: str, value: Any, file: str, where: str) -> list[Problem]:
    if key.split(".")[0] in ("overrides", "scenarios"):
        return [Problem(file, where, f"cannot change {key!r}: overrides and scenarios are not overridable")]
    try:
        set_key(tree, key, copy.deepcopy(value))
    except KeyError as exc:
        return [Problem(file, where, str(exc.args[0]))]
    return []
