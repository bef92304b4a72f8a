"""Places over time: base capacity by year group plus the places projects open, per draw."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.base import AREA_COLUMN
from placeplan.scenario.schema import CapitalProject

PROVISION_NCYS = {"primary": range(0, 7), "secondary": range(7, 12), "sixth_form": range(12, 14)}
NCYS = np.arange(0, 14)


def base_capacity_by_ncy(schools: pd.DataFrame, capacity: pd.DataFrame,
                         capacity_by_ncy: pd.DataFrame | None = None) -> pd.DataFrame:
    """Places of each planning area by provision and year group: the sums of its schools' places
    (``capacity.places.school_places``: year-group capacity given, PAN x year groups, or indicative).

    Returns planning_area, provision, ncy, places [places], as_of_year.
    """
    from placeplan.capacity.places import school_places

    places = school_places(schools, capacity, capacity_by_ncy)
    by_id = schools.set_index("school_id")
    area = [by_id.at[s, AREA_COLUMN[p]] for s, p in zip(places["school_id"], places["provision"])]
    table = places.assign(planning_area=area)
    table = table[table["planning_area"].notna()]
    return table.groupby(["planning_area", "provision", "ncy"], as_index=False).agg(
        places=("places", "sum"), as_of_year=("as_of_year", "max"))


def project_changes(projects: dict[str, CapitalProject], schools: pd.DataFrame, la_code: str) -> pd.DataFrame:
    """Where each project's places go: one row per project and provision.

    Mainstream places go to the school's planning area for that provision (or the project's
    planning_area for a new school); specialist places are counted for the whole authority
    (``la_code``). ``per_ncy`` is the change per year group [places]: the net capacity change
    divided by the provision's year groups.

    Returns project, planning_area, provision, per_ncy, total, phasing, temporary.
    """
    by_id = schools.set_index("school_id")
    rows = []
    for key, project in projects.items():
        for change in project.places:
            if change.provision in PROVISION_NCYS:
                if project.school_id is not None and project.school_id in by_id.index:
                    area = by_id.at[project.school_id, AREA_COLUMN[change.provision]]
                else:
                    area = project.planning_area
                per_ncy = change.net_capacity_change / len(PROVISION_NCYS[change.provision])
                if change.phasing == "bulge":
                    per_ncy = change.net_capacity_change  # one class's places, moving up
            else:
                area, per_ncy = la_code, float(change.net_capacity_change)
            rows.append((key, area, change.provision, per_ncy, change.net_capacity_change, change.phasing,
                         change.temporary))
    return pd.DataFrame(rows, columns=["project", "planning_area", "provision", "per_ncy", "total", "phasing",
                                       "temporary"])


@dataclass(frozen=True)
class CapacityTimeline:
    """Places per draw.

    areas : planning-area codes (axis 1 of ``places``)
    years : academic years (last axis)
    places : (draw, area, ncy 0-13, year) mainstream places [places]
    specialist : (draw, year) specialist places added by projects for the authority [places]
    """

    areas: tuple[str, ...]
    years: np.ndarray
    places: np.ndarray
    specialist: np.ndarray


def base_places(base: pd.DataFrame, areas: tuple[str, ...]) -> np.ndarray:
    """The ``base_capacity_by_ncy`` table as an (area, ncy 0-13) array in the order of ``areas`` [places]."""
    area_index = {a: i for i, a in enumerate(areas)}
    places = np.zeros((len(areas), len(NCYS)))
    for row in base.itertuples(index=False):
        if row.planning_area in area_index:
            places[area_index[row.planning_area], row.ncy] += row.places
    return places


def capacity_timeline(base: pd.DataFrame, changes: pd.DataFrame, project_keys: tuple[str, ...],
                      opening_year: np.ndarray, areas: tuple[str, ...], years: np.ndarray) -> CapacityTimeline:
    """Base places plus the places each project opens, for every draw and year.

    Parameters
    ----------
    base : ``base_capacity_by_ncy`` table
    changes : ``project_changes`` table
    project_keys : the projects in the column order of ``opening_year``
    opening_year : (draw, project) academic year each project opens in, -1 if it never does
    areas, years : the planning areas and academic years of the result

    A project that opens in or before the base table's ``as_of_year`` is taken to be already
    counted in the base capacity and adds nothing. Phasing: ``all_at_once`` adds places to every
    year group from the opening year; ``by_year_group`` to the entry year group in the opening
    year and one more each year after; ``bulge`` to the entry year group in the opening year,
    moving up one year group a year and leaving after the last.
    """
    draws = opening_year.shape[0]
    area_index = {a: i for i, a in enumerate(areas)}
    before = base_places(base, areas)
    places = np.broadcast_to(before[None, :, :, None], (draws, *before.shape, len(years))).copy()
    specialist = np.zeros((draws, len(years)))
    as_of = int(base["as_of_year"].max()) if not base.empty else -1
    for row in changes.itertuples(index=False):
        j = project_keys.index(row.project)
        opens = opening_year[:, j]
        counted = ((opens >= 0) & (opens > as_of))[:, None]
        since = np.where(counted, years[None, :] - opens[:, None], -10_000)  # (draw, year)
        if row.provision not in PROVISION_NCYS:
            specialist += row.per_ncy * (since >= 0)
            continue
        if row.planning_area not in area_index:
            continue
        a = area_index[row.planning_area]
        for offset, g in enumerate(PROVISION_NCYS[row.provision]):
            if row.phasing == "all_at_once":
                active = since >= 0
            elif row.phasing == "by_year_group":
                active = since >= offset
            else:  # bulge
                active = since == offset
            places[:, a, g, :] += row.per_ncy * active
    return CapacityTimeline(tuple(areas), np.asarray(years), places, specialist)
