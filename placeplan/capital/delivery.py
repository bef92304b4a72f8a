"""Where each capital project stands at the run's reference date (``meta.as_at``).

A project's ``delivery`` block says it directly (not started; in a stage since a date; opened; complete).
Scenarios written before it existed still work: with no block, the state is taken from ``status``
(complete: opened on its planned opening), the stages marked ``done`` and ``start`` (a start before
``as_at`` means the first stage not done has been under way since then). Everything here is a pure
function of the project and the date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from placeplan.scenario.schema import CapitalProject, Delivery, Stage

OPEN_STATES = ("opened", "complete")


def delivery_of(project: CapitalProject, as_at: dt.date) -> Delivery:
    """The project's delivery state at ``as_at``: its ``delivery`` block, or one taken from status, done and start."""
    if project.delivery is not None:
        return project.delivery
    if project.status == "complete":
        return Delivery(state="complete", opened=project.planned_opening)
    todo = [stage for stage in project.stages if not stage.done]
    if todo and project.start < as_at:
        return Delivery(state="in_stage", stage=todo[0].name, since=project.start)
    return Delivery(state="not_started")


def is_open(project: CapitalProject, as_at: dt.date) -> bool:
    """True when the project's places are open at ``as_at`` (state opened or complete)."""
    return delivery_of(project, as_at).state in OPEN_STATES


@dataclass(frozen=True)
class StagesAhead:
    """What is left of a project to simulate from ``as_at``.

    stages : the stages still to do, in order (the one under way first)
    elapsed_months : how long the first of them has already lasted at ``as_at`` [months]; 0 when not begun
    start : when the first of them begins [date, never before ``as_at``]
    slipped : True when a project not started had a start before ``as_at`` (it starts at ``as_at`` instead)
    """

    stages: tuple[Stage, ...]
    elapsed_months: float
    start: dt.date
    slipped: bool

    @property
    def under_way(self) -> bool:
        """True when the first stage ahead had begun before ``as_at``."""
        return self.elapsed_months > 0


def months_between(earlier: dt.date, later: dt.date) -> float:
    """Months from one date to another, counting a day as 1/30 of a month [months]."""
    return (later.year - earlier.year) * 12 + (later.month - earlier.month) + (later.day - earlier.day) / 30.0


def stages_ahead(project: CapitalProject, as_at: dt.date) -> StagesAhead:
    """The stages a project not yet open still has to pass through, from ``as_at``.

    In a stage since a date: that stage (already lasted ``as_at - since``) and the later ones not marked done; the
    earlier stages are done. Not started: every stage not marked done, from ``start`` or, if that has passed, from
    ``as_at``.
    """
    state = delivery_of(project, as_at)
    if state.state in OPEN_STATES:
        return StagesAhead((), 0.0, as_at, False)
    if state.state == "in_stage":
        names = [stage.name for stage in project.stages]
        first = names.index(state.stage)
        rest = tuple(s for s in project.stages[first + 1:] if not s.done)
        return StagesAhead((project.stages[first], *rest), max(months_between(state.since, as_at), 0.0), as_at, False)
    todo = tuple(s for s in project.stages if not s.done)
    return StagesAhead(todo, 0.0, max(project.start, as_at), project.start < as_at)


def spent_to_date(project: CapitalProject, as_at: dt.date) -> float | None:
    """Money spent to date [GBP]: the delivery block's ``spent_gbp``; None when not known."""
    return delivery_of(project, as_at).spent_gbp


def month_year(date: dt.date) -> str:
    """'September 2026'."""
    return date.strftime("%B %Y")


EVIDENCE_WORDS = {"assumed": "assumed, to be confirmed by the council", "inferred": "inferred", "found": None}


def delivery_text(project: CapitalProject, as_at: dt.date) -> str:
    """The state in an officer's words, e.g. 'opened September 2026 (assumed, to be confirmed by the council)',
    'in construction since September 2025', 'not started: its start, April 2026, has passed; taken as December
    2026' (a withdrawn project not started is just 'not started')."""
    state = delivery_of(project, as_at)
    if state.state == "opened":
        text = f"opened {month_year(state.opened)}"
    elif state.state == "complete":
        text = f"complete, opened {month_year(state.opened)}"
    elif state.state == "in_stage":
        text = f"in {state.stage.replace('_', ' ')} since {month_year(state.since)}"
    elif project.status == "withdrawn":
        text = "not started"
    elif project.start < as_at:
        text = f"not started: its start, {month_year(project.start)}, has passed; taken as {month_year(as_at)}"
    else:
        text = f"not started; starts {month_year(project.start)}"
    words = EVIDENCE_WORDS.get(state.evidence or "")
    return f"{text} ({words})" if words else text
