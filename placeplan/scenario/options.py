"""Capital-programme options: named changes applied to a scenario's settings."""

from __future__ import annotations

import dataclasses

from pydantic import ValidationError

from placeplan.errors import Problem, ScenarioError
from placeplan.scenario.overrides import flatten, set_key
from placeplan.scenario.schema import ScenarioFile

BASE_OPTION = "base"
SCENARIO_PREFIX = "scenario:"
# Sections whose settings the demand projection does not read: an option changing only these shares the
# base's demand draws as they are (it would get the same numbers anyway, on common random numbers).
CAPITAL_SECTIONS = ("capital_projects", "programme", "options", "scap")


def apply_option(config: ScenarioFile, name: str, file: str = "scenario") -> ScenarioFile:
    """The scenario settings with option ``name``'s changes applied (``base`` changes nothing).

    Raises ScenarioError naming the option and key when a change cannot be applied or makes
    the settings invalid.
    """
    if name == BASE_OPTION:
        return config
    if name not in config.options:
        known = ", ".join([BASE_OPTION, *config.options])
        raise ScenarioError([Problem(file, "options", f"unknown option {name!r} (expected one of: {known})")])
    tree = _lists(config.model_dump(mode="python"))  # lists, not tuples: a change may name an item (places.0.…)
    problems = []
    for key, value in flatten(config.options[name].changes).items():
        try:
            set_key(tree, key, value)
        except KeyError as exc:
            problems.append(Problem(file, f"options.{name}.changes.{key}", str(exc.args[0])))
    if problems:
        raise ScenarioError(problems)
    try:
        return ScenarioFile.model_validate(tree)
    except ValidationError as exc:
        raise ScenarioError([Problem(file, f"options.{name}.changes.{'.'.join(map(str, e['loc']))}", e["msg"])
                             for e in exc.errors()]) from None


def _lists(node):
    """A dumped settings tree with its tuples as lists, so that ``set_key`` can set a list item by number, as an
    override does on the YAML."""
    if isinstance(node, dict):
        return {key: _lists(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_lists(value) for value in node]
    return node


def check_options(config: ScenarioFile, file: str) -> list[Problem]:
    """Every option applies cleanly and names only existing projects."""
    problems = []
    for name in config.options:
        try:
            changed = apply_option(config, name, file)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        for key in changed.capital_projects:
            if key not in config.capital_projects:
                project = changed.capital_projects[key]
                if project.school_id is None and project.planning_area is None:
                    problems.append(Problem(file, f"options.{name}.changes",
                                            f"new project {key!r} has neither school_id nor planning_area"))
    return problems


def option_scenario(scenario, name: str):
    """The whole scenario with option ``name`` applied (``base``: the scenario itself).

    An option may change anything the scenario holds. When its changes leave every file reference
    as it was, the loaded tables are reused with the changed settings; when it points a table at
    another file (e.g. ``housing.table: herefordshire/housing_high.csv``) the scenario is loaded
    again from its file with the option's changes as ``--set`` pairs, so the new table is read and
    checked like any other.
    """
    if name == BASE_OPTION:
        return scenario
    config = apply_option(scenario.config, name, str(scenario.path))
    applied = scenario.applied + (f"option:{name}",)
    if config.referenced_files() == scenario.config.referenced_files():
        return dataclasses.replace(scenario, config=config, applied=applied)
    from placeplan.scenario.load import load_scenario

    changes = [(key, value) for key, value in flatten(scenario.config.options[name].changes).items()]
    loaded = load_scenario(scenario.path, scenario.scenario, [*scenario.sets, *changes])
    return dataclasses.replace(loaded, applied=applied)


def named_scenario(scenario, name: str):
    """A named scenario (or override list) of the same file, loaded with the same ``--set`` pairs."""
    from placeplan.scenario.load import load_scenario

    loaded = load_scenario(scenario.path, name, list(scenario.sets))
    return dataclasses.replace(loaded, applied=loaded.applied + (f"{SCENARIO_PREFIX}{name}",))


def same_demand(one: ScenarioFile, two: ScenarioFile) -> bool:
    """True when two scenario settings differ only in sections the demand projection does not read."""
    a, b = one.model_dump(mode="python"), two.model_dump(mode="python")
    return all(a[k] == b[k] for k in a if k not in CAPITAL_SECTIONS)


HISTORY_TABLES = ("pupils", "observed_totals", "births", "planning_areas", "forecast_errors", "national_ratios",
                  "school_nor")


def same_history(one, two) -> bool:
    """True when two scenarios share the ratio policy and the history tables the record of past errors is made from.

    Housing and births after the base year feed only the future: an option changing them keeps the
    base's record (its draws then differ from the base's only through the assumptions it changes).
    """
    if one.config.policy != two.config.policy or one.config.meta.base_year != two.config.meta.base_year:
        return False
    for name in HISTORY_TABLES:
        a, b = one.tables.get(name), two.tables.get(name)
        if (a is None) != (b is None) or (a is not None and not (a is b or a.equals(b))):
            return False
    return True
