"""The capital programme as a table: one row per project and provision changed."""

from __future__ import annotations

import pandas as pd

from placeplan.capital.delivery import delivery_of, delivery_text
from placeplan.capital.costs import funder_shares
from placeplan.scenario.schema import FUNDERS, CapitalProject


def opening_academic_year(date) -> int:
    """Academic year in which a date falls (September starts a new one) [academic year]."""
    return date.year if date.month >= 9 else date.year - 1


def done_before(project: CapitalProject, programme_date) -> bool:
    """A project already complete and open before the programme date, by its status. Where a project stands at
    ``as_at`` is ``capital.delivery.is_open``; what it still has to spend, ``ProgrammeResult.to_spend_gbp``."""
    return project.status == "complete" and project.planned_opening < programme_date


def projects_table(projects: dict[str, CapitalProject], schools: pd.DataFrame, as_at=None) -> pd.DataFrame:
    """Capital projects with their places, planned opening, cost and evidence.

    Returns one row per project and provision: project, name, school_id, school_name, kind,
    status, provision, places_change [places], pan_before, pan_after [pupils per year group],
    phasing, temporary, planned_opening [date], planned_opening_year [academic year],
    cost_gbp [GBP], price_year, cost_basis (cash_budget or estimate), price_date, funders (e.g.
    'council_borrowing 30%; high_needs_capital 70%'), spent_gbp [GBP, blank if not known], funding_source, evidence
    (figure=tag; ...), and with ``as_at`` given, delivery_state and delivery (the state in words).
    """
    names = dict(zip(schools["school_id"], schools["name"]))
    rows = []
    for key, project in projects.items():
        changes = project.places or (None,)
        for change in changes:
            rows.append({
                "project": key,
                "name": project.name,
                "school_id": project.school_id,
                "school_name": names.get(project.school_id) if project.school_id else None,
                "planning_area": project.planning_area,
                "kind": project.kind,
                "status": project.status,
                "provision": change.provision if change else None,
                "places_change": change.net_capacity_change if change else 0,
                "pan_before": change.pan_before if change else None,
                "pan_after": change.pan_after if change else None,
                "phasing": change.phasing if change else None,
                "temporary": change.temporary if change else False,
                "planned_opening": project.planned_opening.isoformat(),
                "planned_opening_year": opening_academic_year(project.planned_opening),
                "cost_gbp": project.cost.estimate_gbp if project.cost else None,
                "price_year": project.cost.price_base.year if project.cost else None,
                "cost_basis": project.cost.basis if project.cost else None,
                "price_date": project.cost.price_base.isoformat() if project.cost else None,
                "funders": funders_text(project),
                "spent_gbp": project.delivery.spent_gbp if project.delivery else None,
                "funding_source": project.funding_source,
                "evidence": "; ".join(f"{k}={v}" for k, v in evidence(project).items()),
                **({"delivery_state": delivery_of(project, as_at).state, "delivery": delivery_text(project, as_at)}
                   if as_at is not None else {}),
            })
    columns = ["project", "name", "school_id", "school_name", "planning_area", "kind", "status", "provision",
               "places_change", "pan_before", "pan_after", "phasing", "temporary", "planned_opening",
               "planned_opening_year", "cost_gbp", "price_year", "cost_basis", "price_date", "funders", "spent_gbp",
               "funding_source", "evidence"]
    columns += ["delivery_state", "delivery"] if as_at is not None else []
    return pd.DataFrame(rows, columns=columns)


def funders_text(project: CapitalProject) -> str | None:
    """Who pays, e.g. 'council_borrowing 30%; high_needs_capital 70%', or one funder's name when it pays all
    (``capital.costs.funder_shares``)."""
    if project.cost is None:
        return None
    paying = [(f, s) for f, s in zip(FUNDERS, funder_shares(project.cost, project.funding_source)) if s > 0]
    if len(paying) == 1:
        return paying[0][0]
    return "; ".join(f"{f} {s:.0%}" for f, s in paying)


def evidence(project: CapitalProject) -> dict[str, str]:
    """The project's evidence tags, with its delivery state's as ``delivery`` when given."""
    tags = dict(project.evidence)
    if project.delivery is not None and project.delivery.evidence is not None:
        tags.setdefault("delivery", project.delivery.evidence)
    return tags
