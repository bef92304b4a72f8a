"""The pipeline's steps, each a pure function of the scenario and the previous step's output.

scenario -> demand (projection) -> capacity (capital programme simulation + timeline)
-> sufficiency. ``api.run`` and ``api.compare`` chain them; nothing here reads or writes files.

Randomness: one seed. Demand draws come from the stream ``SeedSequence(seed, spawn_key=(0,))``;
each capital project has its own stream keyed by its name (``capital.simulate.project_rng``),
so options that add or drop projects leave every other draw unchanged (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capital.projects import opening_academic_year
from placeplan.capital.simulate import ProgrammeResult, simulate_programme
from placeplan.capital.timeline import (CapacityTimeline, base_capacity_by_ncy, base_places, capacity_timeline,
                                        project_changes)
from placeplan.demand import Projection, demand_cube, demand_inputs, project
from placeplan.scenario.load import Scenario
from placeplan.scenario.schema import CapitalProject, ScenarioFile
from placeplan.sufficiency.need import SufficiencyResult, sufficiency

# Projects that happen in a run: committed ones (simulated) and complete ones (open as planned).
LIVE_STATUSES = ("committed", "complete")
# Phases judged for sufficiency and their year groups. As in DfE's place-planning estimates,
# sixth-form (and nursery) places are left out; sixth-form pupils are still projected.
YEAR_GROUPS = {"primary": range(0, 7), "secondary": range(7, 12)}


def demand_rng(seed: int) -> np.random.Generator:
    """The random stream of the demand projection."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(0,)))


def demand_step(scenario: Scenario, draws: int, seed: int) -> Projection:
    """Project pupils: the central projection plus ``draws`` Monte Carlo draws."""
    inputs = demand_inputs(scenario)
    return project(inputs, draws=draws, rng=demand_rng(seed))


def live_projects(config: ScenarioFile) -> dict[str, CapitalProject]:
    """The projects that go ahead in this scenario (committed or complete)."""
    return {k: p for k, p in config.capital_projects.items() if p.status in LIVE_STATUSES}


@dataclass(frozen=True)
class CapitalStep:
    """The simulated programme and the places it gives.

    programme : simulated opening and cost per draw and project
    timeline : places per draw (draw, area, ncy, year), specialist places per draw
    planned : the same with every project opening on its planned date (one draw)
    base_places : (area, ncy 0-13) places before any project [places]
    """

    programme: ProgrammeResult
    timeline: CapacityTimeline
    planned: CapacityTimeline
    base_places: np.ndarray


def capital_step(config: ScenarioFile, tables: dict[str, pd.DataFrame], areas: tuple[str, ...],
                 years: np.ndarray, draws: int, seed: int) -> CapitalStep:
    """Simulate the live projects ``draws`` times and build the places timeline."""
    projects = live_projects(config)
    horizon = int(years[-1]) - config.meta.programme_date.year + 2
    result = simulate_programme(projects, config.programme, config.meta.programme_date, draws, seed,
                                horizon_years=max(horizon, 1))
    base = base_capacity_by_ncy(tables["schools"], tables["capacity"])
    changes = project_changes(projects, tables["schools"], config.meta.la_code)
    timeline = capacity_timeline(base, changes, result.keys, result.opening_year, areas, years)
    planned_years = np.array([[opening_academic_year(projects[k].planned_opening) for k in result.keys]],
                             dtype=int).reshape(1, len(result.keys))
    planned = capacity_timeline(base, changes, result.keys, planned_years, areas, years)
    return CapitalStep(result, timeline, planned, base_places(base, areas))


def sufficiency_step(projection: Projection, timeline: CapacityTimeline, config: ScenarioFile) -> SufficiencyResult:
    """Compare the projected pupils with the places, draw by draw."""
    areas, demand = demand_cube(projection)
    if tuple(areas) != timeline.areas:
        raise ValueError("demand and capacity are on different planning areas")
    return sufficiency(demand, timeline.places, areas, projection.years, config.policy.operating_margin)


@dataclass(frozen=True)
class SpecialistStep:
    """Specialist demand by phase (draw, year) and central (year,), and the base specialist places."""

    demand: dict[str, np.ndarray]
    central: dict[str, np.ndarray]
    base_places: float


def specialist_step(scenario: Scenario, projection: Projection) -> SpecialistStep | None:
    """Specialist demand from the scenario's SEND history; None when the scenario has none."""
    from placeplan.sufficiency.specialist import project_specialist_demand, specialist_places_base

    send = scenario.config.send
    if send is None or "send" not in scenario.tables or scenario.tables["send"].empty:
        return None
    table = scenario.tables["send"]
    demand = project_specialist_demand(table, projection, send.window, send.damping)
    central = project_specialist_demand(table, projection, send.window, send.damping, central=True)
    base = specialist_places_base(scenario.tables["schools"], scenario.tables["capacity"])
    return SpecialistStep(demand, central, base)


def specialist_need(step: SpecialistStep, capital: CapitalStep, config: ScenarioFile) -> np.ndarray:
    """Specialist places needed per draw and year (no offsetting against mainstream) [places]."""
    from placeplan.sufficiency.need import places_needed

    demand = sum(step.demand.values())
    places = step.base_places + capital.timeline.specialist
    return np.maximum(places_needed(demand, places, config.policy.operating_margin), 0.0)


def phase_of_areas(planning_areas: pd.DataFrame) -> dict[str, str]:
    """Phase of each planning area, by code."""
    return dict(zip(planning_areas["planning_area"], planning_areas["phase"]))
