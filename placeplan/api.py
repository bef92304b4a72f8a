"""The Python API: ``run`` does the whole flow in memory; saving is separate (``outputs``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from placeplan import __version__
from placeplan.capacity.base import specialist_capacity
from placeplan.capital.projects import projects_table
from placeplan.scenario.load import Scenario, load_scenario
from placeplan.sufficiency.base_position import base_position, position_totals

DEFAULT_SCENARIO_NAME = "herefordshire.yaml"


def default_scenario_path() -> Path:
    """The Herefordshire default: ``scenarios/herefordshire.yaml`` in the working folder, else in the project."""
    here = Path.cwd() / "scenarios" / DEFAULT_SCENARIO_NAME
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent / "scenarios" / DEFAULT_SCENARIO_NAME


@dataclass(frozen=True)
class Results:
    """Everything a run produces, as tables; ``outputs.save_results`` writes them.

    Attributes
    ----------
    scenario : the loaded scenario
    base_position : pupils on roll against places by planning area and provision, base year
    totals : authority totals of the base position by provision (sums of the parts)
    specialist : specialist and alternative-provision places by setting
    capital_projects : the capital programme, one row per project and provision
    run_info : version, seed, applied overrides, timings
    """

    scenario: Scenario
    base_position: pd.DataFrame
    totals: pd.DataFrame
    specialist: pd.DataFrame
    capital_projects: pd.DataFrame
    run_info: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables to write, by file stem."""
        return {
            "base_position": self.base_position,
            "specialist_capacity": self.specialist,
            "capital_programme": self.capital_projects,
        }


def run(scenario: Scenario | str | Path | None = None, *, scenario_name: str | None = None,
        sets: list[tuple[str, Any]] | tuple = (), seed: int | None = None) -> Results:
    """Run placeplan on a scenario and return the results (nothing is written).

    Parameters
    ----------
    scenario : a loaded Scenario, or the path of a scenario file (default: the Herefordshire default)
    scenario_name : named scenario or overrides to apply when loading from a path
    sets : ``(dotted.key, value)`` pairs to apply when loading from a path
    seed : random seed; default the scenario's ``meta.seed``
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario or default_scenario_path(), scenario_name, sets)
    timings["load_s"] = round(time.perf_counter() - start, 3)
    config, tables = scenario.config, scenario.tables
    step = time.perf_counter()
    position = base_position(tables["planning_areas"], tables["pupils"], tables["schools"], tables["capacity"],
                             tables.get("school_nor"), config.meta.base_year)
    timings["base_position_s"] = round(time.perf_counter() - step, 3)
    run_info = {
        "placeplan_version": __version__,
        "scenario_file": str(scenario.path),
        "scenario_name": scenario.name,
        "applied_overrides": list(scenario.applied),
        "seed": config.meta.seed if seed is None else seed,
        "base_year": config.meta.base_year,
        "horizon_years": config.meta.horizon_years,
        "timings": timings,
    }
    results = Results(
        scenario=scenario,
        base_position=position,
        totals=position_totals(position),
        specialist=specialist_capacity(tables["schools"], tables["capacity"]),
        capital_projects=projects_table(config.capital_projects, tables["schools"]),
        run_info=run_info,
    )
    timings["total_s"] = round(time.perf_counter() - start, 3)
    return results
