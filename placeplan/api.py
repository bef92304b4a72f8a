"""The Python API: ``run`` does the whole flow in memory; saving is separate (``outputs``)."""

from __future__ import annotations

import dataclasses

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from placeplan import __version__, pipeline
from placeplan.capacity.base import specialist_capacity
from placeplan.capital.projects import done_before, projects_table
from placeplan.capital.summary import capacity_summary, programme_summary
from placeplan.demand import Projection, demand_cube, demand_inputs, to_tidy
from placeplan.demand.rebase import history_table
from placeplan.pipeline import CapitalStep
from placeplan.scenario.load import Scenario, load_scenario
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
        backtest: bool = True) -> Results:
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
    """
    timings: dict[str, float] = {}
    clock = _Clock(timings)
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
            tested = run_backtest(scenario, draws=min(draws, BACKTEST_DRAWS), seed=seed)
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


def scap(scenario: Scenario | str | Path | None = None, *, scenario_name: str | None = None,
         sets: list[tuple[str, Any]] | tuple = (), draws: int | None = None, seed: int | None = None):
    """The SCAP return for the round after the scenario's ``meta.as_at``, validated (nothing is written).

    Runs the scenario (as ``run``, without the back-test) and builds the return from the results:
    ``placeplan.outputs.scap.ScapReturn`` (its ``tables``, ``breaches`` and the ``results``).
    """
    from placeplan.outputs.scap import scap_return

    results = run(scenario, scenario_name=scenario_name, sets=sets, draws=draws, seed=seed, backtest=False)
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


class _Clock:
    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.last, 3)
        self.last = now


@dataclass(frozen=True)
class Comparison:
    """Capital-programme options compared on common random numbers.

    summary : one row per option, ranked (``placeplan.capital.appraisal``): description, expected unmet
        place-years and chance of any shortfall by phase over the horizon and over the appraisal window
        (``window_*``: years starting after the reference date), capital cost (mean and range, outturn
        prices), cost of temporary places, places added and their DfE benchmark cost, and against the
        base: place-years avoided, extra cost, cost per place and per unmet place-year avoided, rank
    detail : option x planning area x phase x year: places needed (mean, range) and P(shortfall)
    openings : option x project: places, chance of opening by each September
    run_info : seed, draws, options, timings
    """

    summary: pd.DataFrame
    detail: pd.DataFrame
    openings: pd.DataFrame
    run_info: dict[str, Any]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables to write as CSV, by file stem."""
        return {"options": self.detail, "options_summary": self.summary, "options_openings": self.openings}


def compare(scenario: Scenario | str | Path | None = None, options: list[str] | None = None, *,
            scenario_name: str | None = None, sets: list[tuple[str, Any]] | tuple = (),
            draws: int | None = None, seed: int | None = None, scenarios: list[str] | None = None) -> Comparison:
    """Compare options, and named scenarios, with the base on common random numbers.

    Each option is the whole scenario with its ``changes`` applied (:func:`placeplan.scenario.options.
    option_scenario`: it may change housing, yields, births, the ratio policy, capacities, PANs or
    projects); each name in ``scenarios`` is that named scenario of the same file (row
    ``scenario:<name>``); ``base`` is the scenario as it is. Every variant runs the whole pipeline
    with the same seed, so the same random streams: demand draws come from one stream (an option that
    changes nothing reproduces the base exactly), and each project's delivery draws depend only on the
    seed and the project's key (an option that changes only demand keeps every capital draw). A
    variant whose settings differ from the base only in capital sections shares the base's demand.
    """
    from placeplan.quantiles import quantile_columns
    from placeplan.scenario.options import (BASE_OPTION, SCENARIO_PREFIX, named_scenario, option_scenario,
                                            same_demand, same_history)

    timings: dict[str, float] = {}
    clock = _Clock(timings)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario or default_scenario_path(), scenario_name, sets)
    config = scenario.config
    draws = config.meta.draws if draws is None else draws
    seed = config.meta.seed if seed is None else seed
    names = [BASE_OPTION] + [o for o in (options if options is not None else list(config.options)) if o != BASE_OPTION]
    # the appraisal window must hold every option's openings: extend the projection where it does not
    from placeplan.capital.appraisal import appraisal_horizon
    from placeplan.scenario.options import apply_option

    births = scenario.tables.get("births")
    last_birth = int(births["birth_year"].max()) if births is not None and len(births) else None
    named = [(f"{SCENARIO_PREFIX}{n}", named_scenario(scenario, n)) for n in (scenarios or [])]
    horizon = appraisal_horizon([apply_option(config, n, str(scenario.path)) for n in names]
                                + [v.config for _, v in named],
                                config.meta.base_year, config.meta.horizon_years, last_birth)

    def with_horizon(variant):
        if variant.config.meta.horizon_years == horizon:
            return variant
        meta = variant.config.meta.model_copy(update={"horizon_years": horizon})
        return dataclasses.replace(variant, config=variant.config.model_copy(update={"meta": meta}))

    scenario = with_horizon(scenario)
    config = scenario.config
    variants = [(name, option_scenario(scenario, name)) for name in names]
    variants += [(name, with_horizon(v)) for name, v in named]
    clock.lap("load_s")
    base_inputs = demand_inputs(scenario)
    base_errors = pipeline.error_step(scenario, base_inputs.base_year)
    base_projection = pipeline.demand_step(scenario, draws, seed, base_inputs, base_errors)
    base_special = pipeline.specialist_step(scenario, base_projection)
    clock.lap("demand_s")
    quantiles = config.policy.quantiles
    qnames = quantile_columns(quantiles)
    as_at = config.meta.as_at
    first_future = (as_at.year if as_at.month >= 9 else as_at.year - 1) + 1  # the first year not yet begun
    summary_rows, details, openings = [], [], []
    for name, variant in variants:
        shared = variant.tables is scenario.tables and same_demand(variant.config, config)
        if shared:
            inputs, projection, special = base_inputs, base_projection, base_special
        else:
            inputs = demand_inputs(variant)
            # the record of past errors is history: the base's, unless the variant changes the method or the
            # history itself (then its own record is made)
            errors = base_errors if same_history(variant, scenario) else None
            projection = pipeline.demand_step(variant, draws, seed, inputs, errors)
            special = pipeline.specialist_step(variant, projection)
        areas = projection.primary_areas + projection.secondary_areas
        option_config = variant.config
        capital = pipeline.capital_step(option_config, variant.tables, areas, projection.years, draws, seed,
                                        pipeline.area_phases(projection))
        schools = pipeline.school_step(variant, inputs, projection, capital)
        judged = pipeline.levels_step(variant, projection, capital, schools, ("planning_area",))["planning_area"]
        detail = judged.table.rename(columns={"code": "planning_area"}).drop(columns=["level"])
        detail.insert(0, "option", name)
        details.append(detail)
        live = pipeline.live_projects(option_config)
        programme = capital.programme
        cost = programme.to_spend_gbp.sum(axis=1)  # (draw,) cost still to spend: outturn cost - spent to date
        temporary = [j for j, k in enumerate(programme.keys) if any(c.temporary for c in live[k].places)]
        row = {"option": name, "description": _variant_description(name, config),
               "demand": "base" if shared else "own"}
        future = np.asarray(projection.years) >= first_future  # the appraisal window: years a decision can change
        row["window_first_year"], row["window_last_year"] = int(first_future), int(projection.years[-1])
        for phase in pipeline.YEAR_GROUPS:
            idx = [a for a, p in enumerate(judged.units.phases) if p == phase]
            short = judged.judged[:, idx]  # (draw, area, year): places needed on the judged rule
            row[f"unmet_place_years_{phase}"] = float(short.sum(axis=(1, 2)).mean())
            row[f"p_any_shortfall_{phase}"] = float((short >= 1).any(axis=(1, 2)).mean())
            row[f"window_unmet_{phase}"] = float(short[..., future].sum(axis=(1, 2)).mean())
            row[f"window_p_any_shortfall_{phase}"] = float((short[..., future] >= 1).any(axis=(1, 2)).mean())
            # bridging the gap meanwhile: temporary places for each area's peak shortfall in the window, at DfE's
            # temporary benchmark per place (no benchmark, no figure)
            rate = option_config.programme.benchmark_temporary_cost_per_place_gbp.get(phase)
            if rate is not None:
                peak = short[..., future].max(axis=-1, initial=0.0) if future.any() else np.zeros(short.shape[:2])
                row[f"window_temporary_cost_gbp_{phase}"] = float((np.ceil(peak - 1e-9) * rate).sum(axis=1).mean())
        if special is not None:
            gap = pipeline.specialist_need(special, capital, option_config)  # (draw, year)
            row["unmet_place_years_specialist"] = float(gap.sum(axis=1).mean())
            row["p_any_shortfall_specialist"] = float((gap >= 1).any(axis=1).mean())
            row["window_unmet_specialist"] = float(gap[:, future].sum(axis=1).mean())
            row["window_p_any_shortfall_specialist"] = float((gap[:, future] >= 1).any(axis=1).mean())
        in_window = detail[detail["academic_year"] >= first_future]
        for phase, spare in in_window.groupby("phase")["spare_places_mean"].sum().items():
            row[f"window_spare_place_years_{phase}"] = float(spare)  # surplus: places x years left empty
        late = (programme.opening_year < 0) | (programme.opening_year > int(projection.years[-1]))
        row["p_opens_after_window"] = float(late.any(axis=1).mean()) if late.size else 0.0
        row["capital_cost_gbp_mean"] = float(cost.mean())
        for n, q in zip(qnames, quantiles):
            row[f"capital_cost_gbp_{n}"] = float(np.quantile(cost, q))
        council = programme.council_to_spend_gbp.sum(axis=1)  # (draw,) the council's own part of it
        row["council_capital_cost_gbp_mean"] = float(council.mean())
        for n, q in zip(qnames, quantiles):
            row[f"council_capital_cost_gbp_{n}"] = float(np.quantile(council, q))
        row["temporary_cost_gbp_mean"] = float(programme.cost_gbp[:, temporary].sum(axis=1).mean()) if temporary else 0.0
        added = _places_added(live, option_config)
        row.update(added)
        summary_rows.append(row)
        table = programme_summary(programme, live, projection.years, quantiles)
        table.insert(0, "option", name)
        openings.append(table)
    clock.lap("options_s")
    from placeplan.capital.appraisal import appraise

    return Comparison(
        summary=appraise(pd.DataFrame(summary_rows)),
        detail=pd.concat(details, ignore_index=True),
        openings=pd.concat(openings, ignore_index=True),
        run_info={"placeplan_version": __version__, "scenario_file": str(scenario.path),
                  "scenario_name": scenario.name, "applied_overrides": list(scenario.applied), "seed": seed,
                  "draws": draws, "options": [name for name, _ in variants], "horizon_years": horizon,
                  "timings": timings},
    )


def _variant_description(name: str, config) -> str:
    """The option's description, or for a named scenario the overrides it applies."""
    from placeplan.scenario.options import BASE_OPTION, SCENARIO_PREFIX

    if name == BASE_OPTION:
        return "as the scenario stands"
    if name.startswith(SCENARIO_PREFIX):
        label = name[len(SCENARIO_PREFIX):]
        parts = config.scenarios.get(label, tuple(p.strip() for p in label.split(",")))
        return f"named scenario {label}: " + ", ".join(parts)
    return config.options[name].description


def _places_added(live: dict, config) -> dict[str, float]:
    """Places that live projects add after the programme date, and their DfE benchmark cost."""
    added: dict[str, float] = {}
    benchmark = 0.0
    for project in live.values():
        if done_before(project, config.meta.programme_date):
            continue
        for change in project.places:
            added[change.provision] = added.get(change.provision, 0) + change.net_capacity_change
            rates = (config.programme.benchmark_temporary_cost_per_place_gbp if change.temporary
                     else config.programme.benchmark_cost_per_place_gbp)
            benchmark += rates.get(change.provision, 0.0) * max(change.net_capacity_change, 0)
    row = {f"places_added_{p}": v for p, v in sorted(added.items())}
    row["benchmark_cost_gbp"] = benchmark
    return row
