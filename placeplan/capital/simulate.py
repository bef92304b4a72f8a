"""The capital programme as a discrete-event simulation (simpy).

Projects are plain generator functions that pass through their stages, sharing the council's
delivery team (a ``simpy.Resource``) and the capital budget (a ``simpy.Container`` topped up
each April). Planning decisions wait for the next committee meeting. Random quantities
(stage durations, risk events) are sampled up front for every draw with numpy, so the
simulation kernel itself is deterministic given its inputs and does no I/O.

Time is measured in months from the programme date.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass

import numpy as np
import simpy

from placeplan.scenario.schema import CapitalProject, Programme


@dataclass(frozen=True)
class StagePlan:
    """A stage as the simulation needs it."""

    name: str
    needs_team: bool
    planning: bool
    construction: bool
    spend_share: float


@dataclass(frozen=True)
class ProjectPlan:
    """A project as the simulation needs it (only stages still to do)."""

    key: str
    stages: tuple[StagePlan, ...]
    start_month: float  # months after the programme date
    opening_months: tuple[int, ...]  # 1-12
    depends_on: tuple[int, ...]  # indices of other plans
    cost_gbp: float


@dataclass(frozen=True)
class ProgrammeDraws:
    """Sampled random inputs, one row per draw.

    durations : (draw, project, stage) [months], NaN where a project has fewer stages
    refusal_delay : (draw, project) [months] extra planning time after a refusal (0 if none)
    failure_delay : (draw, project) [months] re-procurement time after a contractor failure (0 if none)
    overrun : (draw, project) [fraction] cost overrun (0 if none)
    """

    durations: np.ndarray
    refusal_delay: np.ndarray
    failure_delay: np.ndarray
    overrun: np.ndarray


def month_number(date: dt.date) -> float:
    """Months since year 0 of a date (the first of a month is a whole number) [months]."""
    return date.year * 12 + (date.month - 1) + (date.day - 1) / 30.0


def date_of_month_number(number: float) -> dt.date:
    """The first day of the month a month number falls in."""
    whole = int(math.floor(number + 1e-9))
    return dt.date(whole // 12, whole % 12 + 1, 1)


def compile_projects(projects: dict[str, CapitalProject], programme: Programme,
                     programme_date: dt.date) -> list[ProjectPlan]:
    """Turn scenario projects into simulation plans (stages still to do, numeric times)."""
    keys = list(projects)
    origin = month_number(programme_date)
    plans = []
    for key, project in projects.items():
        stages = tuple(
            StagePlan(stage.name, stage.name in programme.team_stages, stage.name in programme.planning_stages,
                      stage.name in programme.construction_stages, stage.spend_share)
            for stage in project.stages if not stage.done)
        plans.append(ProjectPlan(
            key=key, stages=stages if project.funding_source not in programme.external_funding_sources
            else tuple(StagePlan(st.name, st.needs_team, st.planning, st.construction, 0.0) for st in stages),
            start_month=month_number(project.start) - origin,
            opening_months=project.opening_months,
            depends_on=tuple(keys.index(d) for d in project.depends_on if d in keys),
            cost_gbp=project.cost.estimate_gbp if project.cost else 0.0))
    return plans


def _triangular(rng: np.random.Generator, lo, mode, hi, size) -> np.ndarray:
    lo, mode, hi = (np.asarray(v, dtype=float) for v in (lo, mode, hi))
    width = hi - lo
    u = rng.random(size)
    safe = np.where(width > 0, width, 1.0)
    c = np.where(width > 0, (mode - lo) / safe, 0.5)
    left = lo + np.sqrt(u * safe * (mode - lo))
    right = hi - np.sqrt((1 - u) * safe * (hi - mode))
    return np.where(width > 0, np.where(u < c, left, right), lo)


def _pert(rng: np.random.Generator, lo, mode, hi, size) -> np.ndarray:
    lo, mode, hi = (np.asarray(v, dtype=float) for v in (lo, mode, hi))
    width = hi - lo
    safe = np.where(width > 0, width, 1.0)
    alpha = 1 + 4 * (mode - lo) / safe
    beta = 1 + 4 * (hi - mode) / safe
    return np.where(width > 0, lo + rng.beta(alpha, beta, size) * safe, lo)


def project_rng(seed: int, key: str) -> np.random.Generator:
    """The random stream of one project: fixed by the seed and the project's key alone.

    Adding, removing or reordering other projects never changes a project's draws, so
    options compared on the same seed share their random numbers (common random numbers).
    """
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(1, zlib.crc32(key.encode()))))


def sample_programme(projects: dict[str, CapitalProject], programme: Programme, draws: int,
                     seed: int) -> ProgrammeDraws:
    """Sample stage durations and risk events for every draw, vectorised over draws.

    Durations follow each stage's triangular or PERT (min, mode, max) [months]. Each risk
    happens with its probability, independently per draw and project; its delay (or overrun
    share) is triangular. Only stages not yet done are sampled, in the order of
    ``compile_projects``; each project uses its own stream (``project_rng``).
    """
    todo = [[s for s in p.stages if not s.done] for p in projects.values()]
    n_proj = len(todo)
    n_stage = max((len(t) for t in todo), default=0)
    durations = np.full((draws, n_proj, n_stage), np.nan)
    refusal = np.zeros((draws, n_proj))
    failure = np.zeros((draws, n_proj))
    overrun = np.zeros((draws, n_proj))
    for j, ((key, project), stages) in enumerate(zip(projects.items(), todo)):
        rng = project_rng(seed, key)
        for k, stage in enumerate(stages):
            sampler = _pert if stage.distribution == "pert" else _triangular
            durations[:, j, k] = sampler(rng, stage.min_months, stage.mode_months, stage.max_months, draws)
        risks = project.risks or programme.default_risks
        for risk, out in ((risks.planning_refusal, refusal), (risks.contractor_failure, failure)):
            happens = rng.random(draws) < risk.probability
            out[:, j] = happens * _triangular(rng, risk.min_months, risk.mode_months, risk.max_months, draws)
        cost = risks.cost_overrun
        happens = rng.random(draws) < cost.probability
        overrun[:, j] = happens * _triangular(rng, cost.min_share, cost.mode_share, cost.max_share, draws)
    return ProgrammeDraws(durations, refusal, failure, overrun)


def _next_month_start(absolute: float, months: tuple[int, ...]) -> float:
    """The first day of the first listed month at or after an absolute month number."""
    whole = math.ceil(absolute - 1e-9)
    for step in range(0, 24 * 12):
        if (whole + step) % 12 + 1 in months:
            return float(whole + step)
    raise ValueError("no month given")


def simulate_draw(plans: list[ProjectPlan], draws: ProgrammeDraws, d: int, programme: Programme,
                  programme_date: dt.date, horizon_months: float) -> np.ndarray:
    """Run the programme once (draw ``d``); returns each project's handover time [months], NaN if unfinished.

    Shared constraints: the delivery team (``programme.team_size`` projects at once in team
    stages), the capital budget (topped up each April from ``programme.funding``; each stage draws
    ``spend_share`` of its project's cost when it starts and waits for money if short), and the
    planning committee (a planning stage ends at the next meeting; a refusal adds the
    resubmission time and waits for another meeting).
    """
    # Projects already under way started before the programme date: time may begin below 0.
    env = simpy.Environment(initial_time=min([0.0] + [p.start_month for p in plans]))
    team = simpy.Resource(env, capacity=programme.team_size)
    origin = month_number(programme_date)
    budget = None
    if programme.funding:
        budget = simpy.Container(env, init=programme.opening_balance_gbp)
        env.process(_funding(env, budget, programme, origin))
    finished = [env.event() for _ in plans]
    handover = np.full(len(plans), np.nan)
    for j, plan in enumerate(plans):
        env.process(_project(env, j, plan, draws, d, team, budget, finished, handover, programme, origin))
    env.run(until=horizon_months)
    return handover


def _funding(env: simpy.Environment, budget: simpy.Container, programme: Programme, origin: float):
    for line in sorted(programme.funding, key=lambda f: f.financial_year):
        at = line.financial_year * 12 + 3 - origin  # 1 April
        if at > env.now:
            yield env.timeout(at - env.now)
        if line.amount_gbp > 0:
            yield budget.put(line.amount_gbp)


def _project(env, j, plan, draws, d, team, budget, finished, handover, programme, origin):
    for dep in plan.depends_on:
        yield finished[dep]
    if plan.start_month > env.now:
        yield env.timeout(plan.start_month - env.now)
    for k, stage in enumerate(plan.stages):
        amount = stage.spend_share * plan.cost_gbp
        if budget is not None and amount > 0:
            yield budget.get(amount)
        request = team.request() if stage.needs_team else None
        if request is not None:
            yield request
        yield env.timeout(draws.durations[d, j, k])
        if stage.planning:
            yield env.timeout(_next_month_start(origin + env.now, programme.planning_committee_months) - origin - env.now)
            if draws.refusal_delay[d, j] > 0:
                yield env.timeout(draws.refusal_delay[d, j])
                yield env.timeout(
                    _next_month_start(origin + env.now, programme.planning_committee_months) - origin - env.now)
        if stage.construction and draws.failure_delay[d, j] > 0:
            yield env.timeout(draws.failure_delay[d, j])
        if request is not None:
            team.release(request)
    handover[j] = env.now
    finished[j].succeed()


@dataclass(frozen=True)
class ProgrammeResult:
    """Simulated delivery of the programme.

    keys : project keys, in column order
    handover_month : (draw, project) months after the programme date, NaN if not within the horizon
    opening : (draw, project) absolute month number of opening (first of the opening month), NaN if never
    opening_year : (draw, project) academic year the places open in, -1 if never [academic year]
    cost_gbp : (draw, project) outturn cost in prices of the opening year [GBP]
    """

    keys: tuple[str, ...]
    handover_month: np.ndarray
    opening: np.ndarray
    opening_year: np.ndarray
    cost_gbp: np.ndarray


def simulate_programme(projects: dict[str, CapitalProject], programme: Programme, programme_date: dt.date,
                       draws: int, seed: int, horizon_years: int = 15) -> ProgrammeResult:
    """Simulate the delivery of ``projects`` ``draws`` times.

    Projects with status ``complete`` open at their planned date in every draw; withdrawn
    projects are left out (pass only the projects to simulate). Outturn cost = estimate ×
    (1 + overrun) × (1 + construction_inflation) ^ (opening year − price year).
    """
    live = {k: p for k, p in projects.items() if p.status != "complete"}
    plans = compile_projects(live, programme, programme_date)
    sampled = sample_programme(live, programme, draws, seed)
    horizon = horizon_years * 12.0
    handover_live = np.array([simulate_draw(plans, sampled, d, programme, programme_date, horizon)
                              for d in range(draws)]).reshape(draws, len(plans))
    keys = tuple(projects)
    origin = month_number(programme_date)
    handover = np.full((draws, len(keys)), np.nan)
    opening = np.full((draws, len(keys)), np.nan)
    overrun = np.zeros((draws, len(keys)))
    for j, key in enumerate(keys):
        project = projects[key]
        if key in live:
            i = list(live).index(key)
            handover[:, j] = handover_live[:, i]
            opening[:, j] = [np.nan if np.isnan(h) else _next_month_start(origin + h, project.opening_months)
                             for h in handover_live[:, i]]
            overrun[:, j] = sampled.overrun[:, i]
        else:
            opening[:, j] = month_number(project.planned_opening)
    opening_year = np.where(np.isnan(opening), -1,
                            np.floor((np.nan_to_num(opening) - 8) / 12)).astype(int)
    cost = np.zeros((draws, len(keys)))
    for j, key in enumerate(keys):
        project = projects[key]
        if project.cost is None:
            continue
        years = np.where(opening_year[:, j] >= 0, opening_year[:, j] - project.cost.price_year, 0).clip(min=0)
        cost[:, j] = project.cost.estimate_gbp * (1 + overrun[:, j]) * (1 + programme.construction_inflation) ** years
    return ProgrammeResult(keys, handover, opening, opening_year, cost)
