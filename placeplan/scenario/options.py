"""Capital-programme options: named changes applied to a scenario's settings."""

from __future__ import annotations

from pydantic import ValidationError

from placeplan.errors import Problem, ScenarioError
from placeplan.scenario.overrides import flatten, set_key
from placeplan.scenario.schema import ScenarioFile

BASE_OPTION = "base"


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
    tree = config.model_dump(mode="python")
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
