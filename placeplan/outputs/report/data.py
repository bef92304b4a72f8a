"""Numbers the report needs, taken from a ``Results`` object (no formatting, no I/O).

Bands are computed from the draws behind the tables (``results.need``), so a 5-95% range of a
phase total is a range of totals, not a sum of year-group ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capital.delivery import is_open
from placeplan.outputs.fmt import is_blank
from placeplan.pipeline import YEAR_GROUPS

LOW, HIGH = 0.05, 0.95


@dataclass(frozen=True)
class Area:
    """An official planning area and phase in the sufficiency table."""

    code: str
    name: str
    phase: str


def official_areas(results) -> list[Area]:
    """Official planning areas with sufficiency results, primary first, in the table's order."""
    table = results.sufficiency
    keys = table[["planning_area", "name", "phase"]].drop_duplicates(["planning_area", "phase"])
    order = {"primary": 0, "secondary": 1}
    rows = sorted(keys.itertuples(index=False), key=lambda r: order.get(r.phase, 2))
    return [Area(str(r.planning_area), str(r.name), str(r.phase)) for r in rows]


def area_rows(results, area: Area) -> pd.DataFrame:
    """The sufficiency rows of one area and phase, by academic year."""
    table = results.sufficiency
    rows = table[(table["planning_area"] == area.code) & (table["phase"] == area.phase)]
    return rows.sort_values("academic_year").reset_index(drop=True)


def base_row(results, area: Area) -> dict | None:
    """Base-year pupils on roll and places for an official area and phase (None if absent)."""
    table = results.base_position
    rows = table[(table["planning_area"] == area.code) & (table["provision"] == area.phase)]
    if "kind" in rows.columns:
        rows = rows[rows["kind"] == "official"]
    if rows.empty:
        return None
    return rows.iloc[0].to_dict()


OUTTURN_YEARS = 4  # outturn years shown before the forecast (the base year included)


def outturn_rows(results, area: Area) -> list[tuple[int, float, str]]:
    """The last ``OUTTURN_YEARS`` known years of an official area and phase: (academic year, pupils, status), status
    ``census`` (a year-group census) or ``estimated`` (year groups estimated to the year's observed totals)."""
    history = results.pupil_history
    if history is None or history.empty:
        return []
    rows = history[(history["planning_area"] == area.code) & (history["phase"] == area.phase)]
    sums = rows.groupby("academic_year").agg(nor=("nor", "sum"), status=("status", "first"))
    sums = sums.sort_index().tail(OUTTURN_YEARS)
    return [(int(y), float(r.nor), str(r.status)) for y, r in sums.iterrows()]


def _draw_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.quantile(values, LOW, axis=0), np.quantile(values, HIGH, axis=0)


def bands(results, area: Area, years: list[int]) -> dict[str, np.ndarray]:
    """Pupils and places in the phase's year groups: 5% and 95% of draws, per year."""
    ncys = list(YEAR_GROUPS[area.phase])
    need = results.need
    a = list(need.areas).index(area.code)
    idx = [list(need.years).index(y) for y in years]
    d_low, d_high = _draw_band(need.demand[:, a][:, ncys][:, :, idx].sum(axis=1))
    p_low, p_high = _draw_band(need.places[:, a][:, ncys][:, :, idx].sum(axis=1))
    return {"pupils_low": d_low, "pupils_high": d_high, "places_low": p_low, "places_high": p_high}


PROGRAMME_COLUMNS = ["project", "name", "status", "delivery_state", "delivery", "provision", "places_change",
                     "planned_opening_year", "p_on_time",
                     "opening_year_p05", "opening_year_p50", "opening_year_p95", "cost_gbp_mean", "cost_gbp_p05",
                     "cost_gbp_p50", "cost_gbp_p95", "council_cost_gbp_p50", "funding_source", "funders"]


def programme_table(results) -> pd.DataFrame:
    """The simulated programme table, with every column the report reads (blank when absent)."""
    table = results.programme
    missing = [c for c in PROGRAMME_COLUMNS if c not in table.columns]
    return table.reindex(columns=[*table.columns, *missing]) if missing else table


def project_places(results) -> pd.DataFrame:
    """Live projects with where their places go: project, name, short, provision, places, planning_area,
    planned_year, likely_year, p05_year, p95_year, p_on_time, status, delivery_state, delivery."""
    programme = programme_table(results)
    plan = results.capital_projects
    schools = results.scenario.tables["schools"].set_index("school_id")
    rows = []
    for row in plan.itertuples(index=False):
        live = programme[programme["project"] == row.project]
        if live.empty or is_blank(row.provision):
            continue
        sim = live.iloc[0]
        area = row.planning_area if not is_blank(row.planning_area) else None
        if not is_blank(row.school_id) and row.school_id in schools.index:
            school = schools.loc[row.school_id]
            column = "primary_planning_area" if row.provision == "primary" else "secondary_planning_area"
            if column in school.index and not is_blank(school[column]):
                area = str(school[column])
        short = row.school_name if not is_blank(row.school_name) else row.name
        rows.append({"project": row.project, "name": row.name, "short": str(short), "provision": row.provision,
                     "places": row.places_change, "planning_area": area, "status": row.status,
                     "planned_year": int(sim["planned_opening_year"]),
                     "likely_year": sim.get("opening_year_p50"), "p05_year": sim.get("opening_year_p05"),
                     "p95_year": sim.get("opening_year_p95"), "p_on_time": sim.get("p_on_time"),
                     "delivery_state": sim.get("delivery_state"), "delivery": sim.get("delivery")})
    return pd.DataFrame(rows, columns=["project", "name", "short", "provision", "places", "planning_area", "status",
                                       "planned_year", "likely_year", "p05_year", "p95_year", "p_on_time",
                                       "delivery_state", "delivery"])


def in_delivery(results) -> pd.DataFrame:
    """Programme rows not yet open at the reference date (``capital.delivery.is_open``)."""
    table = programme_table(results)
    config = results.scenario.config
    done = table["project"].map(lambda key: is_open(config.capital_projects[key], config.meta.as_at))
    return table[~done.astype(bool)].reset_index(drop=True)


def programme_cost(results) -> dict | None:
    """Cost still to spend on the live projects (outturn cost - spent to date), all funders: mean and 5-95% of the
    total over draws; ``council_mean``, ``council_low``, ``council_high``: the council's own part of it
    (``ProgrammeResult.council_to_spend_gbp``: ``programme.council_funders``); ``borrowing_mean``: the council's
    borrowing in it; and ``unknown``: names of projects with money still to spend whose
    spending to date is not known (their whole cost is counted). None when nothing is left to spend."""
    programme = results.capital.programme
    left = programme.to_spend_gbp
    keep = [j for j in range(len(programme.keys)) if left[:, j].max() > 0]
    if not keep:
        return None
    total = left[:, keep].sum(axis=1)
    council = programme.council_to_spend_gbp[:, keep].sum(axis=1)
    borrowing = programme.by_funder(left, "council_borrowing")[:, keep].sum(axis=1)
    projects = results.scenario.config.capital_projects
    unknown = [projects[programme.keys[j]].name for j in keep if programme.delivery[j].spent_gbp is None]
    return {"mean": float(total.mean()), "low": float(np.quantile(total, LOW)), "high": float(np.quantile(total, HIGH)),
            "council_mean": float(council.mean()), "council_low": float(np.quantile(council, LOW)),
            "council_high": float(np.quantile(council, HIGH)), "borrowing_mean": float(borrowing.mean()),
            "unknown": unknown}


def map_class(needed: float, spare_pct: float) -> str:
    """Class of an area-year: short by 30+, 10-29 or 1-9 places, else spare under 5%, 5-10% or 10%+."""
    if not is_blank(needed) and needed >= 29.5:
        return "short_30"
    if not is_blank(needed) and needed >= 9.5:
        return "short_10"
    if not is_blank(needed) and needed >= 0.5:
        return "short_1"
    if is_blank(spare_pct):
        return "none"
    if spare_pct >= 10:
        return "spare_10"
    if spare_pct >= 5:
        return "spare_5"
    return "spare_0"


def chance_class(p: float) -> str:
    """Class of a chance of shortfall: 90%+, 50-90%, 10-50%, under 10%."""
    if is_blank(p):
        return "none"
    return "p_90" if p >= 0.9 else "p_50" if p > 0.5 else "p_10" if p >= 0.1 else "p_0"


def school_points(results) -> pd.DataFrame:
    """Open schools with coordinates and their total places: easting, northing, places, phase, name."""
    schools = results.scenario.tables["schools"]
    capacity = results.scenario.tables["capacity"]
    places = capacity.groupby("school_id")["net_capacity"].sum()
    frame = schools.copy()
    if "status" in frame.columns:
        frame = frame[frame["status"] == "open"]
    frame["places"] = frame["school_id"].map(places).fillna(0.0)
    for column in ("easting", "northing"):
        if column not in frame.columns:
            frame[column] = np.nan
    return frame[["easting", "northing", "places", "phase", "name"]].reset_index(drop=True)
