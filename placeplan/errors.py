"""Problems found in a scenario, collected so that every one is reported at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a scenario: where it is and what was expected.

    Attributes
    ----------
    file : str
        The file the problem is in, as the officer would find it (relative path).
    where : str
        The place inside the file: ``row 12, column nor`` for a table, or a dotted
        key such as ``capital_projects.aylestone_expansion.stages`` for YAML.
    message : str
        What is wrong and what was expected, in plain words.
    """

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}, {self.where}" if self.where else self.file
        return f"{place}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        count = len(self.problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the scenario:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def _sort_key(problem: Problem) -> tuple:
    # Keep rows in numeric order ("row 10" after "row 9").
    parts = []
    for token in problem.where.replace(",", " ").split():
        parts.append((0, int(token), "") if token.isdigit() else (1, 0, token))
    return (problem.file, parts, problem.message)
