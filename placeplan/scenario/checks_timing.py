"""Notes on planned openings the stage durations make nearly impossible (``placeplan validate``).

The capital programme is simulated as the run would simulate it (``capital.simulate``, the scenario's seed, a
smaller number of draws); a project not yet open whose chance of opening in or before its planned academic year
is below ``NEARLY_IMPOSSIBLE`` is noted with that chance. Options' programmes are simulated too, and the projects
they add or change are noted (unless the scenario's own project already has the same note). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from placeplan.capital.delivery import OPEN_STATES
from placeplan.capital.projects import opening_academic_year
from placeplan.capital.simulate import simulate_programme
from placeplan.errors import Problem, ScenarioError
from placeplan.scenario.schema import CapitalProject, ScenarioFile

NEARLY_IMPOSSIBLE = 0.05  # a chance of opening on time below this is noted [fraction]
NOTE_DRAWS = 400  # draws of the check's simulation [draws]
LIVE = ("committed", "complete")  # the statuses the run simulates (as ``pipeline.LIVE_STATUSES``)


def on_time_chances(projects: dict[str, CapitalProject], config: ScenarioFile, as_at: dt.date,
                    draws: int = NOTE_DRAWS) -> dict[str, float]:
    """Chance of opening in or before the planned academic year, for each live project not yet open [fraction]."""
    live = {k: p for k, p in projects.items() if p.status in LIVE}
    if not live:
        return {}
    result = simulate_programme(live, config.programme, as_at, draws, config.meta.seed)
    out = {}
    for j, key in enumerate(result.keys):
        if result.delivery[j].state in OPEN_STATES:
            continue
        opened = result.opening_year[:, j]
        planned = opening_academic_year(live[key].planned_opening)
        out[key] = float(np.mean((opened >= 0) & (opened <= planned)))
    return out


def _message(project: CapitalProject, chance: float, draws: int, as_at: dt.date) -> str:
    planned = project.planned_opening
    year = opening_academic_year(planned)
    shown = "under 0.1%" if 0 < chance < 0.001 else f"{chance:.1%}"
    passed = f", a date before meta.as_at {as_at} it has not opened by," if planned < as_at else ""
    return (f"planned to open {planned} ({year}/{(year + 1) % 100:02d}){passed or ','} but its stage durations, risks and shared "
            f"team give a {shown} chance of opening by then ({draws} simulated draws): the planned opening is nearly "
            "impossible; check the stages' durations, the start and the planned opening")


def timing_notes(config: ScenarioFile, file: str, as_at: dt.date, draws: int = NOTE_DRAWS) -> list[Problem]:
    """Notes on planned openings the simulation gives less than ``NEARLY_IMPOSSIBLE`` chance, in the scenario and
    in its options (those already noted on the scenario's own project are not repeated)."""
    from placeplan.scenario.checks_capital import Note
    from placeplan.scenario.options import apply_option

    notes = []
    base = on_time_chances(config.capital_projects, config, as_at, draws)
    noted = {}
    for key, chance in base.items():
        if chance < NEARLY_IMPOSSIBLE:
            noted[key] = _message(config.capital_projects[key], chance, draws, as_at)
            notes.append(Note(file, f"capital_projects.{key}.planned_opening", noted[key]))
    for name in config.options:
        try:
            changed = apply_option(config, name, file)
        except ScenarioError:
            continue  # reported by check_options
        for key, chance in on_time_chances(changed.capital_projects, changed, as_at, draws).items():
            if chance >= NEARLY_IMPOSSIBLE or changed.capital_projects[key] == config.capital_projects.get(key):
                continue
            text = _message(changed.capital_projects[key], chance, draws, as_at)
            if noted.get(key) != text:
                notes.append(Note(file, f"options.{name}.changes.capital_projects.{key}.planned_opening", text))
    return notes
