"""Tidy summaries of the simulated programme and the places it gives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placeplan.capital.delivery import OPEN_STATES, delivery_text
from placeplan.capital.projects import opening_academic_year
from placeplan.capital.simulate import ProgrammeResult
from placeplan.capacity.units import CapacityTimeline
from placeplan.quantiles import quantile_columns
from placeplan.scenario.schema import CapitalProject


def programme_summary(result: ProgrammeResult, projects: dict[str, CapitalProject], years: np.ndarray,
                      quantiles: tuple[float, ...]) -> pd.DataFrame:
    """One row per project: delivery state, planned and simulated opening, chance of opening by each September, cost.

    Opening years are academic years; a draw in which a project does not open within the
    simulated horizon counts as not open in every year and sets the opening-year quantiles it
    reaches to blank. Returns project, name, status, delivery_state, delivery (the state at ``as_at`` in words),
    delivery_stage, delivery_since, opened (date, for opened and complete projects), start_slipped (not started,
    and its start has passed: it starts at ``as_at``), planned_opening_year, p_on_time (chance of opening in or
    before the planned academic year), opening_year_pXX, p_open_by_YYYY for each academic year, cost_gbp_mean and
    cost_gbp_pXX [GBP, cash outturn, all funders], spent_gbp [GBP, blank if not known], cost_to_spend_gbp_mean and
    cost_to_spend_gbp_pXX [GBP, all funders], and by funder (``_cost_split``): council_share, council_cost_gbp_mean /
    _pXX, council_to_spend_gbp_mean / _pXX, and for each funder F cost_F_gbp_mean and to_spend_F_gbp_mean [GBP]. An opened or complete project opens on its recorded date: its opening years
    are that year and its chances are blank (it is not a probability).
    """
    rows = []
    names = quantile_columns(quantiles)
    for j, key in enumerate(result.keys):
        project, state = projects[key], result.delivery[j]
        opened = result.opening_year[:, j]
        never = opened < 0
        planned = opening_academic_year(project.planned_opening)
        is_open = state.state in OPEN_STATES
        row = {"project": key, "name": project.name, "status": project.status, "delivery_state": state.state,
               "delivery": delivery_text(project, result.as_at), "delivery_stage": state.stage,
               "delivery_since": state.since.isoformat() if state.since else None,
               "opened": state.opened.isoformat() if state.opened else None,
               "start_slipped": state.state == "not_started" and project.start < result.as_at,
               "planned_opening_year": planned,
               "p_on_time": np.nan if is_open else float(np.mean(~never & (opened <= planned)))}
        sortable = np.where(never, np.inf, opened.astype(float))
        for name, q in zip(names, quantiles):
            value = np.quantile(sortable, q, method="inverted_cdf")
            row[f"opening_year_{name}"] = int(value) if np.isfinite(value) else None
        for year in years:
            row[f"p_open_by_{int(year)}"] = np.nan if is_open else float(np.mean(~never & (opened <= year)))
        costs = result.cost_gbp[:, j]
        row["cost_gbp_mean"] = float(costs.mean())
        for name, q in zip(names, quantiles):
            row[f"cost_gbp_{name}"] = float(np.quantile(costs, q))
        row["spent_gbp"] = state.spent_gbp
        left = result.to_spend_gbp[:, j]
        row["cost_to_spend_gbp_mean"] = float(left.mean())
        for name, q in zip(names, quantiles):
            row[f"cost_to_spend_gbp_{name}"] = float(np.quantile(left, q))
        row.update(_cost_split(result, j, names, quantiles))
        rows.append(row)
    return pd.DataFrame(rows)


def _cost_split(result: ProgrammeResult, j: int, names: list[str], quantiles: tuple[float, ...]) -> dict:
    """Project ``j``'s cost and cost still to spend by funder: council_share [fraction], council_cost_gbp_mean /
    _pXX and council_to_spend_gbp_mean / _pXX (the council's own, ``programme.council_funders``), and for each
    funder F (``scenario.schema.FUNDERS``) cost_F_gbp_mean and to_spend_F_gbp_mean [GBP]."""
    council, council_left = result.council_cost_gbp[:, j], result.council_to_spend_gbp[:, j]
    row = {"council_share": float(result._council()[0, j]), "council_cost_gbp_mean": float(council.mean())}
    row.update({f"council_cost_gbp_{n}": float(np.quantile(council, q)) for n, q in zip(names, quantiles)})
    row["council_to_spend_gbp_mean"] = float(council_left.mean())
    row.update({f"council_to_spend_gbp_{n}": float(np.quantile(council_left, q)) for n, q in zip(names, quantiles)})
    for funder in result.funders:
        row[f"cost_{funder}_gbp_mean"] = float(result.by_funder(result.cost_gbp, funder)[:, j].mean())
        row[f"to_spend_{funder}_gbp_mean"] = float(result.by_funder(result.to_spend_gbp, funder)[:, j].mean())
    return row


def capacity_summary(timeline: CapacityTimeline, planned: CapacityTimeline, phase_of_area: dict[str, str],
                     quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Places by planning area, year group and academic year: as planned, mean and quantiles over draws.

    ``planned`` is the timeline with every project opening on its planned date (one draw).
    Year groups outside an area's phase (e.g. R-Y6 in a secondary area) are left out.
    Returns planning_area, phase, ncy, academic_year, planned, mean, pXX [places].
    """
    names = quantile_columns(quantiles)
    qs = np.quantile(timeline.places, quantiles, axis=0)  # (q, area, ncy, year)
    mean = timeline.places.mean(axis=0)
    rows = []
    for a, area in enumerate(timeline.areas):
        phase = phase_of_area.get(area, "primary")
        ncys = range(0, 7) if phase == "primary" else range(7, 14)
        for g in ncys:
            for y, year in enumerate(timeline.years):
                row = {"planning_area": area, "phase": phase, "ncy": g, "academic_year": int(year),
                       "planned": planned.places[0, a, g, y], "mean": mean[a, g, y]}
                row.update({name: qs[i, a, g, y] for i, name in enumerate(names)})
                rows.append(row)
    return pd.DataFrame(rows)
