"""The Python API: ``run`` does the whole flow in memory; saving is separate (``outputs``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from placeplan import __version__, pipeline
from placeplan.capacity.base import specialist_capacity
from placeplan.capital.projects import projects_table
from placeplan.capital.summary import capacity_summary, programme_summary
from placeplan.compare import Comparison, _Clock, compare  # noqa: F401  (compare and Comparison: part of the API)
from placeplan.demand import Projection, demand_cube, demand_inputs, to_tidy
from placeplan.demand.rebase import history_table
from placeplan.pipeline import CapitalStep
from placeplan.scenario.load import Scenario, load_scenario
from placeplan.scenario.workbook import import_workbook, write_template  # noqa: F401  (part of the API)
from placeplan.sufficiency.base_position import base_position, position_totals
from placeplan.sufficiency.entry import entry_pan, entry_pressure
from placeplan.sufficiency.need import SufficiencyResult, first_likely_shortfall
from placeplan.sufficiency.specialist import demand_by_phase_table, specialist_table

DEFAULT_SCENARIO_NAME = "herefordshire.yaml"


def default_scenario_path() -> Path:
    """The Herefordshire default: ``scenarios/herefordshire.yaml`` in the working folder, else in the project."""
    here = Path.cwd() / "scenarios" / DEFAULT_SCENARIO_NAME
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent / "scenarios" / DEFAULT_SCENARIO_NAME


@dataclass(frozen=True)
class Results:
    """Everything a run produces, as tables (and the arrays behind them); ``outputs`` writes them.

    Attributes
    ----------
    scenario : the loaded scenario
    base_position : pupils on roll against places by planning area and provision, base year
    totals : authority totals of the base position by provision (sums of the parts)
    specialist : specialist and alternative-provision places by setting
    capital_projects : the capital programme as planned, one row per project and provision
    demand : projected pupils by planning area, phase, ncy and year: central, mean, quantiles
    programme : simulated delivery per project: opening year quantiles, P(open by each September), cost
    capacity : places by planning area, ncy and year: as planned, mean and quantiles
    sufficiency : places needed / spare by planning area, phase and year, with P(shortfall)
    sufficiency_totals : authority totals by phase and year (sums of the areas' figures)
    sub_area_sufficiency, school_sufficiency : the same as ``sufficiency`` for sub-areas and schools
    school_position : base year by school, sub-area, planning area and authority: pupils, places,
        % full, existing pressure
    school_year_groups : every school by year group, base year and projected years: pupils (central), places as
        planned, % full, the year-group basis
    transfer : the Year 6 -> Year 7 matrix used (origin, destination, share)
    pupil_history : pupils by planning area, ncy and academic year up to the base year, each year
        ``census`` or ``estimated`` (year groups estimated to the year's observed totals)
    rebase : every observed total the estimated years hold, with the roll-forward before and the estimate
        after (empty when the base year has a full year-group census)
    first_shortfall : first year a shortfall is more likely than not, by planning area and phase
    entry_pressure : Reception (primary areas) and Year 7 (secondary) demand against admission
        places (PAN plus places projects add at entry), with P(over PAN)
    specialist_demand : resident pupils needing a specialist place by phase and year (empty without SEND data)
    specialist_sufficiency : specialist demand against specialist places per year: the gap is pupils
        likely to need an out-of-county or independent placement (empty without SEND data)
    projection, capital, need : the arrays behind the tables
    backtest : the method's back-test on this scenario (``placeplan.backtest.BacktestResult``), or None
    ledger : the forecast-vs-outturn ledger from the back-test's runs (``placeplan.backtest.ledger``): every
        past forecast of a later known year, with its range, against the outturn and the council's own
        forecast (empty without a back-test)
    run_info : version, seed, draws, applied overrides, timings
    """

    scenario: Scenario
    base_position: pd.DataFrame
    totals: pd.DataFrame
    specialist: pd.DataFrame
    capital_projects: pd.DataFrame
    demand: pd.DataFrame
    programme: pd.DataFrame
    capacity: pd.DataFrame
    sufficiency: pd.DataFrame
    sufficiency_totals: pd.DataFrame
    first_shortfall: pd.DataFrame
    entry_pressure: pd.DataFrame
    specialist_demand: pd.DataFrame
    specialist_sufficiency: pd.DataFrame
    sub_area_sufficiency: pd.DataFrame
    school_sufficiency: pd.DataFrame
    school_position: pd.DataFrame
    school_year_groups: pd.DataFrame
    transfer: pd.DataFrame
    pupil_history: pd.DataFrame
    rebase: pd.DataFrame
    projection: Projection = field(repr=False)
    capital: CapitalStep = field(repr=False)
    need: SufficiencyResult = field(repr=False)
    schools: Any = field(default=None, repr=False)
    levels: dict[str, Any] = field(default_factory=dict, repr=False)
    backtest: Any = field(default=None, repr=False)
    run_info: dict[str, Any] = field(default_factory=dict)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables to write as CSV, by file stem (specialist tables only when there is SEND data)."""
        tables = {
            "base_position": self.base_position,
            "demand": self.demand,
            "capacity": self.capacity,
            "capital_programme": self.programme,
            "sufficiency": self.sufficiency,
            "sufficiency_totals": self.sufficiency_totals,
            "sub_area_sufficiency": self.sub_area_sufficiency,
            "school_sufficiency": self.school_sufficiency,
            "school_position": self.school_position,
            "school_year_groups": self.school_year_groups,
            "transfer": self.transfer,
            "pupil_history": self.pupil_history,
            "rebase": self.rebase,
            "entry_pressure": self.entry_pressure,
            "specialist_capacity": self.specialist,
            "specialist_demand": self.specialist_demand,
            "specialist_sufficiency": self.specialist_sufficiency,
            "ledger": self.ledger,
            **backtest_reliability(self.backtest),
        }
        return {name: table for name, table in tables.items() if not table.empty or name == "specialist_capacity"}


def backtest_reliability(tested) -> dict[str, pd.DataFrame]:
    """The back-test's reliability and Brier tables (``reliability``, ``brier``) when it has them."""
    return {name: getattr(tested, name) for name in ("reliability", "brier")
            if isinstance(getattr(tested, name, None), pd.DataFrame)}


BACKTEST_DRAWS = 200


def run(scenario: Scenario | str | Path | None = None, *, scenario_name: str | None = None,
        sets: list[tuple[str, Any]] | tuple = (), draws: int | None = None, seed: int | None = None,
        backtest: bool = True, progress: Callable[[float, str], None] | None = None) -> Results:
    """Run placeplan on a scenario and return the results (nothing is written).

    Parameters
    ----------
    scenario : a loaded Scenario, or the path of a scenario file (default: the Herefordshire default)
    scenario_name : named scenario or overrides to apply when loading from a path
    sets : ``(dotted.key, value)`` pairs to apply when loading from a path
    draws : Monte Carlo draws; default the scenario's ``meta.draws``
    seed : random seed; default the scenario's ``meta.seed``
    backtest : also back-test the method on the scenario's history (for the report), with at
        most ``BACKTEST_DRAWS`` draws
    progress : optional ``progress(done, step)``, called after each step with the fraction of the run done
        (0 to 1, increasing, 1 at the end) and the name of the step starting; it changes nothing in the results
    """
    timings: dict[str, float] = {}
    step_done = _StepProgress(progress, backtest)
    clock = _Clock(timings, step_done)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario or default_scenario_path(), scenario_name, sets)
    clock.lap("load_s")
    config, tables = scenario.config, scenario.tables
    draws = config.meta.draws if draws is None else draws
    seed = config.meta.seed if seed is None else seed
    quantiles = config.policy.quantiles
    inputs = demand_inputs(scenario)
    pupil_history = history_table(inputs)
    position = base_position(tables["planning_areas"], pupil_history, tables["schools"], tables["capacity"],
                             tables.get("school_nor"), config.meta.base_year)
    clock.lap("base_position_s")
    projection = pipeline.demand_step(scenario, draws, seed, inputs)
    clock.lap("demand_s")
    areas = projection.primary_areas + projection.secondary_areas
    capital = pipeline.capital_step(config, tables, areas, projection.years, draws, seed,
                                    pipeline.area_phases(projection))
    clock.lap("capital_s")
    schools = pipeline.school_step(scenario, inputs, projection, capital)
    clock.lap("schools_s")
    need = pipeline.sufficiency_step(projection, capital.timeline, config)
    phases = pipeline.phase_of_areas(tables["planning_areas"])
    names = dict(zip(tables["planning_areas"]["planning_area"], tables["planning_areas"]["name"]))
    levels = pipeline.levels_step(scenario, projection, capital, schools)
    area_table = levels["planning_area"].table.rename(columns={"code": "planning_area"}).drop(columns=["level"])
    special = pipeline.specialist_step(scenario, projection)
    if special is None:
        special_demand = special_table = pd.DataFrame()
    else:
        years = projection.years
        special_demand = demand_by_phase_table(special.demand, special.central, years, quantiles)
        special_table = specialist_table(
            sum(special.demand.values()), sum(special.central.values()),
            special.base_places + capital.timeline.specialist, special.base_places + capital.planned.specialist[0],
            years, config.policy.operating_margin, quantiles)
    clock.lap("sufficiency_s")
    tested = None
    if backtest:
        from placeplan.backtest import backtest as run_backtest
        from placeplan.backtest.core import base_years

        census_years = tables["pupils"]["academic_year"]
        if base_years(census_years.min(), min(census_years.max(), config.meta.base_year), config.policy.ratio_window):
            tested = run_backtest(scenario, draws=min(draws, BACKTEST_DRAWS), seed=seed,
                                  progress=step_done.within("backtest_s"))
        clock.lap("backtest_s")
    live = pipeline.live_projects(config)
    results = Results(
        scenario=scenario,
        base_position=position,
        totals=position_totals(position),
        specialist=specialist_capacity(tables["schools"], tables["capacity"]),
        capital_projects=projects_table(config.capital_projects, tables["schools"], config.meta.as_at),
        demand=to_tidy(projection, quantiles),
        programme=_programme_table(capital, live, config, tables, projection.years, quantiles),
        capacity=capacity_summary(capital.timeline, capital.planned, phases, quantiles),
        sufficiency=area_table,
        sufficiency_totals=_authority_totals(levels["planning_area"], projection.years, quantiles),
        sub_area_sufficiency=levels["sub_area"].table,
        school_sufficiency=levels["school"].table,
        school_position=levels["base"],
        school_year_groups=pipeline.school_year_group_table(
            capital, schools, projection.years, config.meta.base_year,
            dict(zip(capital.school_table["school_id"], capital.school_table["name"]))),
        transfer=pipeline.transfer_table(inputs, capital.school_table, tables["planning_areas"]),
        pupil_history=pupil_history,
        rebase=inputs.rebase if inputs.rebase is not None else pd.DataFrame(),
        first_shortfall=first_likely_shortfall(area_table),
        entry_pressure=entry_pressure(need.demand, demand_cube(projection, central=True)[1], capital.timeline.places,
                                      capital.planned.places, capital.base_places, need.areas, projection.years,
                                      phases, names, entry_pan(tables["schools"], tables["capacity"]), quantiles),
        specialist_demand=special_demand,
        specialist_sufficiency=special_table,
        projection=projection,
        capital=capital,
        need=need,
        schools=schools,
        levels=levels,
        backtest=tested,
        ledger=tested.ledger if tested is not None else pd.DataFrame(),
        run_info={
            "placeplan_version": __version__,
            "scenario_file": str(scenario.path),
            "scenario_name": scenario.name,
            "applied_overrides": list(scenario.applied),
            "seed": seed,
            "draws": draws,
            "as_at": config.meta.as_at.isoformat(),
            "programme_date": config.meta.programme_date.isoformat(),
            "base_year": config.meta.base_year,
            "last_year_group_census": int(tables["pupils"]["academic_year"].max()),
            "estimated_years": list(inputs.estimated_years),
            "horizon_years": config.meta.horizon_years,
            "operating_margin": config.policy.operating_margin,
            "timings": timings,
        },
    )
    clock.lap("tables_s")
    timings["total_s"] = round(sum(v for k, v in timings.items() if k != "total_s"), 3)
    return results


# each step's rough share of a run's time (the default's timings), for the progress callback only
_STEP_WEIGHTS = {"load_s": 0.01, "base_position_s": 0.05, "demand_s": 0.1, "capital_s": 0.05, "schools_s": 0.15,
                 "sufficiency_s": 0.1, "backtest_s": 0.5, "tables_s": 0.04}


class _StepProgress:
    """Calls ``progress`` with the fraction of the run done after each step (weights: ``_STEP_WEIGHTS``)."""

    def __init__(self, progress, backtest: bool):
        self.progress = progress
        steps = [k for k in _STEP_WEIGHTS if backtest or k != "backtest_s"]
        total = sum(_STEP_WEIGHTS[k] for k in steps)
        self.ends, done = {}, 0.0
        for k in steps:
            done += _STEP_WEIGHTS[k] / total
            self.ends[k] = (done - _STEP_WEIGHTS[k] / total, done)
        self.ends[steps[-1]] = (self.ends[steps[-1]][0], 1.0)
        self.following = {k: nxt.removesuffix("_s").replace("_", " ") for k, nxt in zip(steps, steps[1:] + ["done"])}

    def __call__(self, step: str) -> None:
        """Step ``step`` has ended: report the fraction done and the name of the step that starts now."""
        if self.progress is not None and step in self.ends:
            self.progress(self.ends[step][1], self.following[step])

    def within(self, step: str):
        """A callback for the step's own progress, mapped onto its share of the run (None without progress)."""
        if self.progress is None:
            return None
        start, end = self.ends[step]
        name = step.removesuffix("_s")
        return lambda done, label="": self.progress(start + (end - start) * min(max(done, 0.0), 1.0),
                                                     f"{name}: {label}" if label else name)


def scap(scenario: Scenario | str | Path | None = None, *, scenario_name: str | None = None,
         sets: list[tuple[str, Any]] | tuple = (), draws: int | None = None, seed: int | None = None,
         progress: Callable[[float, str], None] | None = None):
    """The SCAP return for the round after the scenario's ``meta.as_at``, validated (nothing is written).

    Runs the scenario (as ``run``, without the back-test; ``progress`` as there) and builds the return from the
    results: ``placeplan.outputs.scap.ScapReturn`` (its ``tables``, ``breaches`` and the ``results``).
    """
    from placeplan.outputs.scap import scap_return

    results = run(scenario, scenario_name=scenario_name, sets=sets, draws=draws, seed=seed, backtest=False,
                  progress=progress)
    return scap_return(results)


def _authority_totals(areas, years, quantiles) -> pd.DataFrame:
    """Authority totals per phase and year: the sum of each planning area's judged need, draw by draw."""
    from placeplan.quantiles import quantile_columns

    rows = []
    judged, phases = areas.judged, np.asarray(areas.units.phases)
    table = areas.table
    for phase in ("primary", "secondary"):
        idx = np.flatnonzero(phases == phase)
        if not idx.size:
            continue
        short = judged[:, idx].sum(axis=1)  # (draw, year)
        qs = np.quantile(short, quantiles, axis=0)
        part = table[table["phase"] == phase].groupby("academic_year")
        for y, year in enumerate(years):
            row = {"phase": phase, "academic_year": int(year),
                   "places_needed_central": float(part["places_needed_central"].sum().get(int(year), 0.0)),
                   "places_needed_mean": float(short[:, y].mean())}
            row.update({f"places_needed_{n}": float(qs[i, y]) for i, n in enumerate(quantile_columns(quantiles))})
            row["spare_places_central"] = float(part["spare_places_central"].sum().get(int(year), 0.0))
            row["spare_places_mean"] = float(part["spare_places_mean"].sum().get(int(year), 0.0))
            row["p_any_shortfall"] = float((judged[:, idx, y] >= 1).any(axis=1).mean())
            rows.append(row)
    return pd.DataFrame(rows)


def _programme_table(capital, live, config, tables, years, quantiles) -> pd.DataFrame:
    """Simulated delivery of the live projects, with what each adds (one row per project)."""
    summary = programme_summary(capital.programme, live, years, quantiles)
    if summary.empty:
        return pd.DataFrame(columns=["project", "name", "status", "places_change", "provision"])
    plan = projects_table(live, tables["schools"])
    adds = plan.groupby("project", sort=False).agg(
        school_name=("school_name", "first"), kind=("kind", "first"),
        provision=("provision", lambda s: "+".join(str(v) for v in s.dropna())),
        places_change=("places_change", "sum"), planned_opening=("planned_opening", "first"),
        cost_estimate_gbp=("cost_gbp", "first"), price_year=("price_year", "first"),
        cost_basis=("cost_basis", "first"), price_date=("price_date", "first"), funders=("funders", "first"),
        funding_source=("funding_source", "first"), evidence=("evidence", "first")).reset_index()
    return adds.merge(summary, on="project", how="left")

