"""Options and named scenarios compared with the base on common random numbers (``placeplan compare``).

Each variant is the whole scenario with an option's changes applied, or a named scenario of the same file; every
variant runs the whole pipeline on the same seed. Its row of the summary says, over the appraisal window (the
academic years that start after the reference date, to the end of a projection long enough to hold every option's
openings: :func:`placeplan.capital.appraisal.appraisal_horizon`): expected unmet place-years and the chance of any
shortfall by phase, in planning areas and, where the scenario has them, sub-areas; spare place-years; capital cost
still to spend, the council's part of it and its borrowing; the value left in the places at the window's end
(residual value); places added and their DfE benchmark cost. :func:`placeplan.capital.appraisal.appraise` then sets
each against the base and ranks the choices.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from placeplan import __version__, pipeline
from placeplan.capital.appraisal import appraisal_horizon, appraise, residual_value
from placeplan.capital.delivery import is_open
from placeplan.capital.projects import done_before
from placeplan.capital.summary import programme_summary
from placeplan.demand import demand_inputs
from placeplan.scenario.load import Scenario, load_scenario

LEVELS = ("planning_area", "sub_area")


class _Clock:
    """Times steps into ``timings`` [s]; ``on_lap(name)``, if given, is told when each step ends."""

    def __init__(self, timings: dict[str, float], on_lap: Callable[[str], None] | None = None):
        self.timings = timings
        self.on_lap = on_lap
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.last, 3)
        self.last = now
        if self.on_lap is not None:
            self.on_lap(name)


@dataclass(frozen=True)
class Comparison:
    """Capital-programme options compared on common random numbers.

    summary : one row per option or named scenario (``placeplan.capital.appraisal.appraise``): kind (choice or
        what_if), description, expected unmet place-years and chance of any shortfall by phase over the horizon and
        over the appraisal window (``window_*``), in planning areas and sub-areas (``*_sub_areas``), spare
        place-years, capital cost still to spend (mean and range, outturn prices), the council's part and its
        borrowing, residual value, cost of temporary places, places added and their DfE benchmark cost, and against
        the base: place-years avoided, extra cost, cost per place and per unmet place-year avoided, rank (choices)
    detail : option x level (planning area, sub-area) x unit x phase x year: places needed (mean, range),
        P(shortfall)
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
            draws: int | None = None, seed: int | None = None, scenarios: list[str] | None = None,
            progress: Callable[[float, str], None] | None = None) -> Comparison:
    """Compare options, and named scenarios, with the base on common random numbers.

    Each option is the whole scenario with its ``changes`` applied (:func:`placeplan.scenario.options.
    option_scenario`: it may change housing, yields, births, the ratio policy, capacities, PANs or
    projects); each name in ``scenarios`` is that named scenario of the same file (row
    ``scenario:<name>``, a what-if); ``base`` is the scenario as it is. Every variant runs the whole pipeline
    with the same seed, so the same random streams: demand draws come from one stream (an option that
    changes nothing reproduces the base exactly), and each project's delivery draws depend only on the
    seed and the project's key (an option that changes only demand keeps every capital draw). A
    variant whose settings differ from the base only in capital sections shares the base's demand.
    ``progress(done, step)``, if given, is called after each variant with the fraction done (1 after the last);
    it changes nothing in the results.
    """
    from placeplan.api import default_scenario_path
    from placeplan.scenario.options import (BASE_OPTION, SCENARIO_PREFIX, apply_option, named_scenario,
                                            option_scenario, same_demand, same_history)

    timings: dict[str, float] = {}
    clock = _Clock(timings)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario or default_scenario_path(), scenario_name, sets)
    config = scenario.config
    draws = config.meta.draws if draws is None else draws
    seed = config.meta.seed if seed is None else seed
    names = [BASE_OPTION] + [o for o in (options if options is not None else list(config.options)) if o != BASE_OPTION]
    # the appraisal window must hold every option's openings: extend the projection where it does not
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
        capital = pipeline.capital_step(variant.config, variant.tables, areas, projection.years, draws, seed,
                                        pipeline.area_phases(projection))
        schools = pipeline.school_step(variant, inputs, projection, capital)
        levels = pipeline.levels_step(variant, projection, capital, schools, LEVELS)
        row = {"option": name, "kind": _variant_kind(name, config), "description": _variant_description(name, config),
               "demand": "base" if shared else "own"}
        row.update(_option_row(variant.config, projection, levels, capital, special, first_future))
        summary_rows.append(row)
        for level in LEVELS:
            detail = levels[level].table.rename(columns={"code": "unit"})
            detail.insert(0, "option", name)
            details.append(detail)
        table = programme_summary(capital.programme, pipeline.live_projects(variant.config), projection.years,
                                  config.policy.quantiles)
        table.insert(0, "option", name)
        openings.append(table)
        if progress is not None:
            progress(len(summary_rows) / len(variants), f"{len(summary_rows)} of {len(variants)} variants")
    clock.lap("options_s")
    return Comparison(
        summary=appraise(pd.DataFrame(summary_rows)),
        detail=pd.concat(details, ignore_index=True),
        openings=pd.concat(openings, ignore_index=True),
        run_info={"placeplan_version": __version__, "scenario_file": str(scenario.path),
                  "scenario_name": scenario.name, "applied_overrides": list(scenario.applied), "seed": seed,
                  "draws": draws, "options": [name for name, _ in variants], "horizon_years": horizon,
                  "council_funders": list(config.programme.council_funders),
                  "asset_life_years": config.programme.asset_life_years,
                  "temporary_asset_life_years": config.programme.temporary_asset_life_years, "timings": timings},
    )


def _option_row(config, projection, levels: dict, capital, special, first_future: int) -> dict:
    """One variant's figures: unmet and spare place-years, chances, costs, residual value, places added."""
    from placeplan.quantiles import quantile_columns

    quantiles = config.policy.quantiles
    qnames = quantile_columns(quantiles)
    years = np.asarray(projection.years)
    future = years >= first_future  # the appraisal window: years a decision can change
    row: dict[str, Any] = {"window_first_year": int(first_future), "window_last_year": int(years[-1])}
    for level, suffix in (("planning_area", ""), ("sub_area", "_sub_areas")):
        judged = levels[level]
        for phase in pipeline.YEAR_GROUPS:
            idx = [a for a, p in enumerate(judged.units.phases) if p == phase]
            if not idx:
                continue
            short = judged.judged[:, idx]  # (draw, unit, year): places needed on the judged rule
            key = f"{phase}{suffix}"
            if not suffix:
                row[f"unmet_place_years_{key}"] = float(short.sum(axis=(1, 2)).mean())
                row[f"p_any_shortfall_{key}"] = float((short >= 1).any(axis=(1, 2)).mean())
            row[f"window_unmet_{key}"] = float(short[..., future].sum(axis=(1, 2)).mean())
            row[f"window_p_any_shortfall_{key}"] = float((short[..., future] >= 1).any(axis=(1, 2)).mean())
            # bridging the gap meanwhile: temporary places for each unit's peak shortfall in the window, at DfE's
            # temporary benchmark per place (no benchmark, no figure)
            rate = config.programme.benchmark_temporary_cost_per_place_gbp.get(phase)
            if rate is not None:
                peak = short[..., future].max(axis=-1, initial=0.0) if future.any() else np.zeros(short.shape[:2])
                row[f"window_temporary_cost_gbp_{key}"] = float((np.ceil(peak - 1e-9) * rate).sum(axis=1).mean())
        table = levels[level].table
        in_window = table[table["academic_year"] >= first_future]
        for phase, spare in in_window.groupby("phase")["spare_places_mean"].sum().items():
            if phase in pipeline.YEAR_GROUPS:
                row[f"window_spare_place_years_{phase}{suffix}"] = float(spare)  # surplus: places x years left empty
    if special is not None:
        gap = pipeline.specialist_need(special, capital, config)  # (draw, year)
        row["unmet_place_years_specialist"] = float(gap.sum(axis=1).mean())
        row["p_any_shortfall_specialist"] = float((gap >= 1).any(axis=1).mean())
        row["window_unmet_specialist"] = float(gap[:, future].sum(axis=1).mean())
        row["window_p_any_shortfall_specialist"] = float((gap[:, future] >= 1).any(axis=1).mean())
    programme = capital.programme
    live = pipeline.live_projects(config)
    late = (programme.opening_year < 0) | (programme.opening_year > int(years[-1]))
    row["p_opens_after_window"] = float(late.any(axis=1).mean()) if late.size else 0.0
    temporary = np.array([any(c.temporary for c in live[k].places) for k in programme.keys], dtype=bool)
    life = np.where(temporary, config.programme.temporary_asset_life_years, config.programme.asset_life_years)
    council = programme.council_to_spend_gbp
    figures = {"capital_cost_gbp": programme.to_spend_gbp,  # outturn cost still to spend, all funders
               "council_capital_cost_gbp": council,
               "borrowing_cost_gbp": programme.by_funder(programme.to_spend_gbp, "council_borrowing"),
               "council_residual_gbp": residual_value(council, programme.opening_year, int(years[-1]), life)}
    for stem, values in figures.items():
        total = values.sum(axis=1)  # (draw,)
        row[f"{stem}_mean"] = float(total.mean())
        if stem != "council_residual_gbp":
            for n, q in zip(qnames, quantiles):
                row[f"{stem}_{n}"] = float(np.quantile(total, q))
    row["council_net_cost_gbp_mean"] = row["council_capital_cost_gbp_mean"] - row["council_residual_gbp_mean"]
    row["temporary_cost_gbp_mean"] = float(programme.cost_gbp[:, temporary].sum(axis=1).mean()) if temporary.any() else 0.0
    row.update(_places_added(live, config))
    return row


def _variant_kind(name: str, config) -> str:
    """choice (ranked) or what_if (shown, not ranked): the base is the reference choice; named scenarios are what-ifs."""
    from placeplan.scenario.options import BASE_OPTION, SCENARIO_PREFIX

    if name == BASE_OPTION:
        return "base"
    if name.startswith(SCENARIO_PREFIX):
        return "what_if"
    return config.options[name].kind


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


def _places_added(live: dict, config) -> dict[str, Any]:
    """Places that live projects not yet open at the reference date add, and their DfE benchmark cost.

    The benchmark counts only provisions it has a rate for (DfE's cost-per-place benchmarks are for mainstream
    places); ``benchmark_excludes`` names the provisions an option adds places in that it leaves out.
    """
    added: dict[str, float] = {}
    benchmark = 0.0
    excluded: set[str] = set()
    for project in live.values():
        if done_before(project, config.meta.programme_date) or is_open(project, config.meta.as_at):
            continue
        for change in project.places:
            added[change.provision] = added.get(change.provision, 0) + change.net_capacity_change
            rates = (config.programme.benchmark_temporary_cost_per_place_gbp if change.temporary
                     else config.programme.benchmark_cost_per_place_gbp)
            if change.provision in rates:
                benchmark += rates[change.provision] * max(change.net_capacity_change, 0)
            elif change.net_capacity_change > 0:
                excluded.add(change.provision)
    row: dict[str, Any] = {f"places_added_{p}": v for p, v in sorted(added.items())}
    row["benchmark_cost_gbp"] = benchmark
    row["benchmark_excludes"] = ", ".join(sorted(excluded))
    return row
