"""Capital costs as councils budget them: price basis, inflation to when money is spent, who pays.

A project's ``Cost`` is either a **cash budget** (an approved budget in cash terms, fees, contingency and inflation
to completion included: never inflated) or an **estimate** in prices of its price date (inflated at the programme's
construction inflation from that date to when each stage's money is spent). Overrun risk sits on top of either.
Projects already opened or complete cost what they cost: no inflation, no overrun.

When is money spent? Each stage draws its ``spend_share`` of the cost when it starts. The simulation returns each
project's handover; a stage's start is taken back from it by the stage durations and risk delays drawn for that
draw (``stage_start_months``): the waits for the delivery team, the capital budget and the planning committee are
before a stage starts, so they are counted, except a committee wait inside a later planning stage (at most a month
or so a stage, which makes the stage start a little later than simulated, so its inflation a little higher).
Stages already begun at ``as_at`` spent their money at the start of the stage under way (``since``), or at
``as_at`` when none is (an upper bound). Spend shares that do not sum to 1 are rescaled to; with none given, the
whole cost is spent midway between the first stage's start and handover (a stated approximation).

Admitting pupils early (a place change's ``admit_from``) may have its own cost, ``admit_cost_gbp``: the temporary or
existing space used until the building opens, in cash at outturn. It is added to the project's outturn cost as it
is in every draw (``admit_cost``: no inflation, no overrun) and paid by the project's funders.

Who pays: ``Cost.funders`` (shares or amounts), else the project's ``funding_source`` pays all
(``FUNDING_SOURCE_FUNDERS``). Every cost figure is split by funder in the same proportions (an overrun too: a
simplification, since a grant is often fixed and the council meets the overrun). The council's own cost is the share
of ``programme.council_funders`` (council borrowing by default). Everything here is a pure function.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from placeplan.capital.delivery import months_between
from placeplan.scenario.schema import FUNDERS, Cost

FUNDING_SOURCE_FUNDERS = {
    "council_borrowing": "council_borrowing",
    "council_capital_programme": "council_borrowing",
    "basic_need": "basic_need_grant",
    "basic_need_grant": "basic_need_grant",
    "dfe_free_schools": "dfe_free_schools",
    "developer_contribution": "s106_developer",
    "s106": "s106_developer",
    "s106_developer": "s106_developer",
    "high_needs_capital": "high_needs_capital",
}
"""The funder of a project's whole cost, by its ``funding_source``, when its cost gives no ``funders``; any other
source (or none) is ``other``."""


def funder_shares(cost: Cost | None, funding_source: str | None) -> np.ndarray:
    """Share of the cost each funder pays, in the order of ``FUNDERS`` [fraction; sums to 1].

    ``cost.funders`` as shares (summing to 1) or amounts (summing to ``estimate_gbp``, divided by it); blank:
    all from the funder of ``funding_source``.
    """
    shares = np.zeros(len(FUNDERS))
    if cost is not None and cost.funders:
        total = sum(cost.funders.values())
        for key, value in cost.funders.items():
            shares[FUNDERS.index(key)] = value / total if total > 0 else 0.0
        if total > 0:
            return shares
    shares[FUNDERS.index(FUNDING_SOURCE_FUNDERS.get(funding_source or "", "other"))] = 1.0
    return shares


def council_share(shares: np.ndarray, council_funders: tuple[str, ...]) -> float:
    """The council's own share of a cost: the shares of ``council_funders`` [fraction]."""
    return float(sum(shares[FUNDERS.index(f)] for f in council_funders if f in FUNDERS))


def inflation_factor(months: np.ndarray | float, rate: float) -> np.ndarray:
    """Price growth over ``months`` months at ``rate`` a year: (1 + rate) ^ (months / 12); none for months < 0 (money
    spent before the price date is taken at that date's prices) [ratio]."""
    return (1.0 + rate) ** (np.maximum(np.asarray(months, dtype=float), 0.0) / 12.0)


def stage_start_months(handover: np.ndarray, durations: np.ndarray, refusal: np.ndarray, failure: np.ndarray,
                       planning: tuple[bool, ...], construction: tuple[bool, ...], horizon: float) -> np.ndarray:
    """When each stage still to do starts, taken back from handover [months after ``as_at``], (draw, stage).

    handover : (draw,) [months after ``as_at``]; NaN (not handed over within the horizon) is taken as ``horizon``
    durations : (draw, stage) [months] drawn for the stages still to do (NaN beyond the project's stages)
    refusal, failure : (draw,) [months] delay after a planning refusal (added to each planning stage) and after a
        contractor failure (added to each construction stage)
    Stage k starts at handover - the sum over stages k.. of duration + its risk delay, never before ``as_at`` (0).
    """
    n = len(planning)
    end = np.where(np.isnan(handover), horizon, handover)
    own = np.nan_to_num(durations[:, :n]) + np.outer(refusal, np.array(planning, dtype=float)) \
        + np.outer(failure, np.array(construction, dtype=float))  # (draw, stage) [months]
    after = np.cumsum(own[:, ::-1], axis=1)[:, ::-1]  # months from each stage's start to handover
    return np.maximum(end[:, None] - after, 0.0)


def spend_weights(all_shares: tuple[float, ...], ahead_shares: tuple[float, ...],
                  under_way: bool) -> tuple[np.ndarray, float]:
    """Shares of the cost the stages still to do will spend, and the share already spent [fractions; together 1].

    all_shares : every stage's ``spend_share``, in order; ahead_shares : those of the stages still to do (the first
    under way when ``under_way``: its money is already spent). Shares not summing to 1 are rescaled; all zero gives
    ``(zeros, nan)``: the caller spends the whole cost midway instead.
    """
    total = float(sum(all_shares))
    if total <= 0:
        return np.zeros(len(ahead_shares)), float("nan")
    ahead = np.array(ahead_shares, dtype=float) / total
    if under_way and len(ahead):
        ahead[0] = 0.0
    return ahead, float(max(1.0 - ahead.sum(), 0.0))


def live_cost(cost: Cost, as_at: dt.date, rate: float, overrun: np.ndarray, starts: np.ndarray,
              ahead_weights: np.ndarray, begun_weight: float, begun_month: float,
              handover: np.ndarray, horizon: float) -> np.ndarray:
    """Outturn cost of a project not yet open, per draw [GBP, cash].

    cash_budget: estimate × (1 + overrun). estimate: estimate × (1 + overrun) × Σ_k w_k (1 + rate) ^ (months from
    the price date to stage k's spend / 12), with ``starts`` (draw, stage) [months after ``as_at``] the stages'
    starts, ``ahead_weights`` their shares, ``begun_weight`` the share already spent at ``begun_month`` [months after
    ``as_at``, ≤ 0]. With no shares (``begun_weight`` NaN) the whole estimate is spent midway between the first
    stage's start and handover.
    """
    base = cost.estimate_gbp * (1.0 + overrun)
    if cost.basis == "cash_budget":
        return base
    offset = months_between(cost.price_base, as_at)  # months from the price date to as_at
    if np.isnan(begun_weight):
        first = starts[:, 0] if starts.shape[1] else np.zeros(len(overrun))
        end = np.where(np.isnan(handover), horizon, handover)
        return base * inflation_factor(offset + (first + end) / 2.0, rate)
    factor = begun_weight * inflation_factor(offset + begun_month, rate)
    if len(ahead_weights):
        factor = factor + (ahead_weights[None, :] * inflation_factor(offset + starts, rate)).sum(axis=1)
    return base * factor


def admit_cost(places) -> float:
    """Cost of admitting pupils early, into temporary or existing space until the building opens: the sum of the
    place changes' ``admit_cost_gbp`` [GBP, cash, at outturn: never inflated, no overrun; 0 if none]."""
    return float(sum(change.admit_cost_gbp or 0.0 for change in places))


def to_spend(cost: np.ndarray, spent: float | None, complete: bool) -> np.ndarray:
    """Cost still to spend per draw: cost - spent to date, at least 0 [GBP]; spent not known: the whole cost, or
    nothing on a complete project (taken as fully spent)."""
    if spent is None:
        return np.zeros_like(cost) if complete else cost.copy()
    return np.maximum(cost - spent, 0.0)
