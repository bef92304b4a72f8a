"""The capital programme as a discrete-event simulation (simpy).

Projects are plain generator functions that pass through their stages, sharing the council's
delivery team (a ``simpy.Resource``) and the capital budget (a ``simpy.Container`` topped up
each April). Planning decisions wait for the next committee meeting. Random quantities
(stage durations, risk events) are sampled up front for every draw with numpy, so the
simulation kernel itself is deterministic given its inputs and does no I/O.

Time is measured in months from the run's reference date ``as_at``. The simulation starts there, from
each project's delivery state (``capital.delivery``): a stage under way since a date has its duration
drawn given the time it has already lasted, and only the rest is simulated; later stages as usual;
a project not started whose start has passed starts at ``as_at``; opened and complete projects open
on their recorded date in every draw, with no draws of their own.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass

import numpy as np
import simpy

from placeplan.capital import costs
from placeplan.capital.delivery import (OPEN_STATES, StagesAhead, delivery_of, months_between, spent_to_date,
                                         stages_ahead)
from placeplan.capital.durations import pert, remaining_months, triangular
from placeplan.scenario.schema import FUNDERS, CapitalProject, Delivery, Programme


@dataclass(frozen=True)
class StagePlan:
    """A stage as the simulation needs it."""

    name: str
    needs_team: bool
    planning: bool
    construction: bool
    spend_share: float
    extra_months: float = 0.0  # a slip added to the stage in every draw (its delay_months, and the project's
    #                            delay_months when the stage is under way at as_at) [months]
    fixed_start: float | None = None  # known start [months after as_at]: the stage does not begin before it
    fixed_end: float | None = None  # known end [months after as_at]: no draw, no committee or risk delay


@dataclass(frozen=True)
class ProjectPlan:
    """A project as the simulation needs it (only stages still to do)."""

    key: str
    stages: tuple[StagePlan, ...]
    start_month: float  # months after as_at, never below 0
    under_way: bool  # the first stage began before as_at (it holds the team from the start)
    opening_months: tuple[int, ...]  # 1-12
    depends_on: tuple[int, ...]  # indices of other plans
    cost_gbp: float


@dataclass(frozen=True)
class ProgrammeDraws:
    """Sampled random inputs, one row per draw.

    durations : (draw, project, stage) [months] of the stages still to do, the one under way only its time still
        to run; NaN where a project has fewer stages
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
                     as_at: dt.date) -> list[ProjectPlan]:
    """Turn scenario projects (none open yet) into simulation plans: stages still to do, months after ``as_at``.

    The stage under way has already drawn its money (its ``spend_share`` is not drawn again). A project's
    ``delay_months`` is added to its start when it has not begun, else to the stage under way; each stage's
    ``delay_months`` to that stage; stage ``fixed_start`` / ``fixed_end`` dates become months after ``as_at``.
    """
    keys = list(projects)
    origin = month_number(as_at)
    plans = []
    for key, project in projects.items():
        ahead = stages_ahead(project, as_at)
        external = project.funding_source in programme.external_funding_sources
        stages = tuple(
            StagePlan(stage.name, stage.name in programme.team_stages, stage.name in programme.planning_stages,
                      stage.name in programme.construction_stages,
                      0.0 if external or (k == 0 and ahead.under_way) else stage.spend_share,
                      extra_months=stage.delay_months + (project.delay_months if k == 0 and ahead.under_way else 0.0),
                      fixed_start=None if stage.fixed_start is None else month_number(stage.fixed_start) - origin,
                      fixed_end=None if stage.fixed_end is None else month_number(stage.fixed_end) - origin)
            for k, stage in enumerate(ahead.stages))
        delay = 0.0 if ahead.under_way else project.delay_months
        plans.append(ProjectPlan(
            key=key, stages=stages, start_month=month_number(ahead.start) - origin + delay,
            under_way=ahead.under_way, opening_months=project.opening_months,
            depends_on=tuple(keys.index(d) for d in project.depends_on if d in keys),
            cost_gbp=project.cost.estimate_gbp if project.cost else 0.0))
    return plans


def project_rng(seed: int, key: str) -> np.random.Generator:
    """The random stream of one project: fixed by the seed and the project's key alone.

    Adding, removing or reordering other projects never changes a project's draws, so
    options compared on the same seed share their random numbers (common random numbers).
    """
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(1, zlib.crc32(key.encode()))))


def sample_programme(projects: dict[str, CapitalProject], programme: Programme, draws: int,
                     seed: int, as_at: dt.date) -> ProgrammeDraws:
    """Sample stage durations and risk events for every draw, vectorised over draws.

    Durations follow each stage's triangular or PERT (min, mode, max) [months]; the stage under way at
    ``as_at`` draws only its time still to run, given the time it has lasted (``durations.remaining_months``).
    Each risk happens with its probability, independently per draw and project (a contractor failure in a
    construction stage under way only in the part still to run: ``_failure_chance``); its delay (or overrun
    share) is triangular. Only stages still to do are sampled, in the order of ``compile_projects``; each project uses
    its own stream (``project_rng``). Pass only projects not yet open.
    """
    ahead = [stages_ahead(p, as_at) for p in projects.values()]
    n_proj = len(ahead)
    n_stage = max((len(a.stages) for a in ahead), default=0)
    durations = np.full((draws, n_proj, n_stage), np.nan)
    refusal = np.zeros((draws, n_proj))
    failure = np.zeros((draws, n_proj))
    overrun = np.zeros((draws, n_proj))
    for j, ((key, project), left) in enumerate(zip(projects.items(), ahead)):
        rng = project_rng(seed, key)
        for k, stage in enumerate(left.stages):
            if k == 0 and left.under_way:
                durations[:, j, k] = remaining_months(rng.random(draws), stage, left.elapsed_months)
                continue
            sampler = pert if stage.distribution == "pert" else triangular
            durations[:, j, k] = sampler(rng, stage.min_months, stage.mode_months, stage.max_months, draws)
        risks = project.risks or programme.default_risks
        failing = risks.contractor_failure.probability
        if left.stages:
            failing = _failure_chance(failing, left, durations[:, j, 0], programme)
        for risk, out, chance in ((risks.planning_refusal, refusal, risks.planning_refusal.probability),
                                  (risks.contractor_failure, failure, failing)):
            happens = rng.random(draws) < chance
            out[:, j] = happens * triangular(rng, risk.min_months, risk.mode_months, risk.max_months, draws)
        cost = risks.cost_overrun
        happens = rng.random(draws) < cost.probability
        overrun[:, j] = happens * triangular(rng, cost.min_share, cost.mode_share, cost.max_share, draws)
    return ProgrammeDraws(durations, refusal, failure, overrun)


def _failure_chance(p: float, left: StagesAhead, remaining: np.ndarray, programme: Programme):
    """Chance of a contractor failure still ahead, per draw [fraction].

    ``p`` (the chance over a whole construction stage), unless the only construction stage ahead is the one under
    way: a failure is then taken as equally likely at any time of that stage and not to have happened in the ``e``
    months it has lasted, so with ``r`` months to run of ``T = e + r`` the chance is p (r / T) / (1 - p e / T).
    """
    names = programme.construction_stages
    if not left.under_way or left.stages[0].name not in names or any(s.name in names for s in left.stages[1:]):
        return p
    total = left.elapsed_months + remaining
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, p * (remaining / safe) / np.maximum(1 - p * left.elapsed_months / safe, 1e-12), 0.0)


def _next_month_start(absolute: float, months: tuple[int, ...]) -> float:
    """The first day of the first listed month at or after an absolute month number."""
    whole = math.ceil(absolute - 1e-9)
    for step in range(0, 24 * 12):
        if (whole + step) % 12 + 1 in months:
            return float(whole + step)
    raise ValueError("no month given")


def simulate_draw(plans: list[ProjectPlan], draws: ProgrammeDraws, d: int, programme: Programme,
                  as_at: dt.date, horizon_months: float) -> np.ndarray:
    """Run the programme once (draw ``d``) from ``as_at``; returns each project's handover [months after
    ``as_at``], NaN if unfinished.

    Shared constraints: the delivery team (``programme.team_size`` projects at once in team
    stages), the capital budget (topped up each April from ``programme.funding``; each stage draws
    ``spend_share`` of its project's cost when it starts and waits for money if short), and the
    planning committee (a planning stage ends at the next meeting; a refusal adds the
    resubmission time and waits for another meeting). Projects under way at ``as_at`` claim the team first.
    """
    env = simpy.Environment(initial_time=0.0)
    team = simpy.Resource(env, capacity=programme.team_size)
    origin = month_number(as_at)
    budget = None
    if programme.funding:
        budget = simpy.Container(env, init=programme.opening_balance_gbp)
        env.process(_funding(env, budget, programme, origin))
    finished = [env.event() for _ in plans]
    handover = np.full(len(plans), np.nan)
    order = sorted(range(len(plans)), key=lambda j: not plans[j].under_way)  # stable: under way first
    for j in order:
        env.process(_project(env, j, plans[j], draws, d, team, budget, finished, handover, programme, origin))
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
        if stage.fixed_start is not None and stage.fixed_start > env.now:
            yield env.timeout(stage.fixed_start - env.now)
        amount = stage.spend_share * plan.cost_gbp
        if budget is not None and amount > 0:
            yield budget.get(amount)
        request = team.request() if stage.needs_team else None
        if request is not None:
            yield request
        if stage.fixed_end is not None:
            yield env.timeout(max(stage.fixed_end - env.now, 0.0) + stage.extra_months)
            if request is not None:
                team.release(request)
            continue
        yield env.timeout(draws.durations[d, j, k] + stage.extra_months)
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
    as_at : the reference date the simulation starts from
    delivery : each project's delivery state at ``as_at`` (``capital.delivery.delivery_of``)
    handover_month : (draw, project) months after ``as_at``, NaN if not within the horizon (and for projects
        already open, which are not simulated)
    opening : (draw, project) absolute month number of opening (first of the opening month), NaN if never
    opening_year : (draw, project) academic year the places open in, -1 if never [academic year]
    cost_gbp : (draw, project) outturn cost, all funders, any admit cost included [GBP, cash: ``capital.costs``]
    to_spend_gbp : (draw, project) cost still to spend: outturn cost - spent to date, at least 0; a complete
        project whose spending is not known has nothing left to spend [GBP]
    funders : funder names, in column order of ``funder_share`` (``scenario.schema.FUNDERS``)
    funder_share : (project, funder) share of each project's cost each funder pays [fraction; rows sum to 1]
    council_share : (project,) the council's own share (``programme.council_funders``) [fraction]
    """

    keys: tuple[str, ...]
    as_at: dt.date
    delivery: tuple[Delivery, ...]
    handover_month: np.ndarray
    opening: np.ndarray
    opening_year: np.ndarray
    cost_gbp: np.ndarray
    to_spend_gbp: np.ndarray
    funders: tuple[str, ...] = FUNDERS
    funder_share: np.ndarray | None = None
    council_share: np.ndarray | None = None

    @property
    def council_cost_gbp(self) -> np.ndarray:
        """(draw, project) the council's own outturn cost [GBP]."""
        return self.cost_gbp * self._council()

    @property
    def council_to_spend_gbp(self) -> np.ndarray:
        """(draw, project) the council's own cost still to spend [GBP]."""
        return self.to_spend_gbp * self._council()

    def by_funder(self, values: np.ndarray, funder: str) -> np.ndarray:
        """(draw, project) one funder's part of ``cost_gbp`` or ``to_spend_gbp`` [GBP]."""
        if self.funder_share is None:
            return values * (1.0 if funder == "other" else 0.0)
        return values * self.funder_share[:, self.funders.index(funder)][None, :]

    def _council(self) -> np.ndarray:
        return np.ones(len(self.keys))[None, :] if self.council_share is None else self.council_share[None, :]


def simulate_programme(projects: dict[str, CapitalProject], programme: Programme, as_at: dt.date,
                       draws: int, seed: int, horizon_years: int = 15) -> ProgrammeResult:
    """Simulate the delivery of ``projects`` ``draws`` times, from their delivery states at ``as_at``.

    Projects opened or complete at ``as_at`` open on their recorded date in every draw, with no draws (nor
    cost overrun); the others are simulated from ``as_at``. Withdrawn projects are left out (pass only the
    projects to simulate). Outturn cost (``capital.costs``): a cash budget × (1 + overrun); an estimate × (1 + overrun)
    inflated from its price date to each stage's spend; an opened or complete project what it cost; plus, in every
    draw, the place changes' ``admit_cost_gbp`` (the temporary or existing space used from ``admit_from`` until the
    building opens: cash at outturn, never inflated, no overrun; ``costs.admit_cost``). Cost still to spend: outturn
    cost (the admit cost included) − spent to date, when recorded (``costs.to_spend``, as for the building alone).
    Both split by funder (``funder_share``: the admit cost is paid by the project's funders in the same shares).
    """
    states = {k: delivery_of(p, as_at) for k, p in projects.items()}
    live = {k: p for k, p in projects.items() if states[k].state not in OPEN_STATES}
    plans = compile_projects(live, programme, as_at)
    sampled = sample_programme(live, programme, draws, seed, as_at)
    horizon = horizon_years * 12.0
    handover_live = np.array([simulate_draw(plans, sampled, d, programme, as_at, horizon)
                              for d in range(draws)]).reshape(draws, len(plans))
    keys = tuple(projects)
    origin = month_number(as_at)
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
            opening[:, j] = math.floor(month_number(states[key].opened) + 1e-9)
    opening_year = np.where(np.isnan(opening), -1,
                            np.floor((np.nan_to_num(opening) - 8) / 12)).astype(int)
    cost = np.zeros((draws, len(keys)))
    left = np.zeros((draws, len(keys)))
    for j, key in enumerate(keys):
        project = projects[key]
        admit = costs.admit_cost(project.places)
        if project.cost is None and admit == 0:
            continue
        if project.cost is None:
            pass  # only the admit cost
        elif key in live:
            i = list(live).index(key)
            cost[:, j] = _live_cost(project, plans[i], sampled, i, handover_live[:, i], programme, as_at, horizon)
        else:
            cost[:, j] = project.cost.estimate_gbp  # what it cost: no inflation, no overrun
        cost[:, j] += admit  # cash at outturn, the same in every draw
        left[:, j] = costs.to_spend(cost[:, j], spent_to_date(project, as_at), states[key].state == "complete")
    shares = np.array([costs.funder_shares(p.cost, p.funding_source) for p in projects.values()]).reshape(
        len(keys), len(FUNDERS))
    council = np.array([costs.council_share(row, programme.council_funders) for row in shares])
    return ProgrammeResult(keys, as_at, tuple(states.values()), handover, opening, opening_year, cost, left,
                           FUNDERS, shares, council)


def _live_cost(project: CapitalProject, plan: ProjectPlan, sampled: ProgrammeDraws, i: int, handover: np.ndarray,
               programme: Programme, as_at: dt.date, horizon: float) -> np.ndarray:
    """Outturn cost of a project not yet open, per draw [GBP, cash]: ``capital.costs.live_cost``, its stages' money
    spent at their starts taken back from the simulated handover (``capital.costs.stage_start_months``)."""
    ahead = stages_ahead(project, as_at)
    n = len(ahead.stages)
    starts = costs.stage_start_months(handover, sampled.durations[:, i, :n], sampled.refusal_delay[:, i],
                                      sampled.failure_delay[:, i], tuple(s.planning for s in plan.stages),
                                      tuple(s.construction for s in plan.stages), horizon)
    weights, begun = costs.spend_weights(tuple(s.spend_share for s in project.stages),
                                         tuple(s.spend_share for s in ahead.stages), ahead.under_way)
    state = delivery_of(project, as_at)
    begun_month = -months_between(state.since, as_at) if state.state == "in_stage" and state.since else 0.0
    return costs.live_cost(project.cost, as_at, programme.construction_inflation, sampled.overrun[:, i], starts,
                           weights, begun, min(begun_month, 0.0), handover, horizon)
