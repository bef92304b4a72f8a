"""Places over time at each school: base places by year group plus what projects open, per draw.

The capital programme's simulation (``capital.simulate``) says when each project opens; this
module lands its places at its school and year groups:

* ``all_at_once`` (a rebuild, a new block, places removed): the net capacity change is spread
  over the year groups the school teaches in that provision, from the opening year;
* ``by_year_group`` (a PAN rise): the entry year group (Reception or Year 7) gains the PAN
  change (``pan_after - pan_before``; else change / year groups) from the opening year, and one
  more year group each September after, until the school is full size;
* ``bulge``: one extra class at the entry year group in the opening year, moving up a year
  group each year and leaving after the last.

A change with ``admit_from`` admits ``admit_places`` a year group (blank: all of it) from that
date's academic year in every draw, into existing or temporary space, with the same phasing; the
rest of it follows the simulated opening.

A new school without a row in the schools table is a school of its own (``new:<project>``) in
the project's planning area. Specialist places are counted for the whole authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.base import AREA_COLUMN
from placeplan.capacity.places import PROVISION_NCYS, taught_ncys
from placeplan.scenario.schema import CapitalProject

__all__ = ["AREA_COLUMN", "PlacesTimeline", "change_year_groups", "new_school_id", "new_schools", "places_per_year_group",
           "places_timeline", "project_changes"]


def new_school_id(project: str) -> str:
    """School id of a project's new school that is not in the schools table."""
    return f"new:{project}"


def project_changes(projects: dict[str, CapitalProject], schools: pd.DataFrame) -> pd.DataFrame:
    """Where each project's places go: one row per project, provision and year group.

    Returns project, school_id, provision, ncy, places [places, change in that year group],
    offset [years after opening the change reaches this year group], phasing, temporary, fixed_year
    [academic year the row's places open in every draw: that of the change's ``admit_from``; -1: at the
    simulated opening]. ``offset`` is 0 for ``all_at_once``; for ``by_year_group`` and ``bulge`` it is the year
    group's distance from the entry year group. Specialist rows have school_id of the project and ncy -1.
    A change with ``admit_from`` gives two rows a year group: ``admit_places`` (blank: the whole change) at
    ``fixed_year``, and the rest (if any) at the simulated opening.
    """
    by_id = schools.set_index("school_id")
    rows = []
    for key, project in projects.items():
        known = project.school_id is not None and project.school_id in by_id.index
        school_id = project.school_id if known else new_school_id(key)
        school = by_id.loc[project.school_id] if known else None
        for change in project.places:
            groups = change_year_groups(change, school)
            per = places_per_year_group(change, len(groups))
            if change.provision not in PROVISION_NCYS:
                rows += _admitted(change, [(key, school_id, change.provision, -1, per, 0, change.phasing,
                                            change.temporary)])
                continue
            offsets = [0] * len(groups) if change.phasing == "all_at_once" else range(len(groups))
            rows += _admitted(change, [(key, school_id, change.provision, g, per, i, change.phasing, change.temporary)
                                       for g, i in zip(groups, offsets)])
    return pd.DataFrame(rows, columns=["project", "school_id", "provision", "ncy", "places", "offset", "phasing",
                                       "temporary", "fixed_year"])


def change_year_groups(change, school: pd.Series | Mapping | None) -> list[int]:
    """Year groups (NCY) a change's places go to: those its school teaches in the change's provision (``school``:
    its row of the schools table, with ``ncy_low`` and ``ncy_high``; None for a school not in it: every year group
    of the provision); ``[-1]`` for specialist places, which have no year groups."""
    if change.provision not in PROVISION_NCYS:
        return [-1]
    if school is None:
        return list(PROVISION_NCYS[change.provision])
    return list(taught_ncys(change.provision, int(school["ncy_low"]), int(school["ncy_high"])))


def places_per_year_group(change, year_groups: int) -> float:
    """Places a change adds to each year group it reaches, over ``year_groups`` year groups [places]:
    ``by_year_group`` the PAN change (``pan_after - pan_before``; else ``net_capacity_change / year_groups``);
    ``all_at_once`` ``net_capacity_change / year_groups``; ``bulge`` the whole change (one class moving up);
    specialist places (no year groups) the whole change."""
    if change.provision not in PROVISION_NCYS:
        return float(change.net_capacity_change)
    if change.phasing == "by_year_group" and change.pan_after is not None and change.pan_before is not None:
        return float(change.pan_after - change.pan_before)
    if change.phasing == "bulge":
        return float(change.net_capacity_change)
    return change.net_capacity_change / year_groups


def _admitted(change, rows: list[tuple]) -> list[tuple]:
    """Rows of one change with their ``fixed_year``: all at the simulated opening (-1), or, with ``admit_from``,
    ``admit_places`` a year group from its academic year and the rest (if any) at the simulated opening."""
    if change.admit_from is None:
        return [(*row, -1) for row in rows]
    date = change.admit_from
    year = date.year if date.month >= 9 else date.year - 1
    out = []
    for row in rows:
        per = row[4]
        admitted = per if change.admit_places is None else float(change.admit_places)
        out.append((*row[:4], admitted, *row[5:], year))
        if per - admitted != 0:
            out.append((*row[:4], per - admitted, *row[5:], -1))
    return out


def new_schools(projects: dict[str, CapitalProject], schools: pd.DataFrame) -> pd.DataFrame:
    """Rows for the schools table standing for projects' new schools not in it (may be empty)."""
    known = set(schools["school_id"])
    rows = []
    for key, project in projects.items():
        if project.school_id is not None and project.school_id in known:
            continue
        provisions = [c.provision for c in project.places if c.provision in PROVISION_NCYS]
        if not provisions:
            continue
        ncys = [g for p in provisions for g in PROVISION_NCYS[p]]
        primary = "primary" in provisions
        rows.append({"school_id": new_school_id(key), "name": project.name, "status": "proposed",
                     "kind": "mainstream", "ncy_low": min(ncys), "ncy_high": max(ncys),
                     "primary_planning_area": project.planning_area if primary else None,
                     "secondary_planning_area": project.planning_area if not primary else None,
                     "sub_area": None})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PlacesTimeline:
    """Places per draw, school by school.

    schools : school ids (axis 1 of ``places``)
    years : academic years (last axis)
    places : (draw, school, ncy 0-13, year) mainstream places [places]
    specialist : (draw, year) specialist places added by projects for the authority [places]
    """

    schools: tuple[str, ...]
    years: np.ndarray
    places: np.ndarray
    specialist: np.ndarray


def places_timeline(base: np.ndarray, schools: tuple[str, ...], as_of: int | Mapping[str, int], changes: pd.DataFrame,
                    project_keys: tuple[str, ...], opening_year: np.ndarray, years: np.ndarray) -> PlacesTimeline:
    """Base places plus the places each project opens, for every draw, school and year.

    Parameters
    ----------
    base : (school, ncy 0-13) places before any project, in the order of ``schools`` [places]
    schools : the school axis (must hold every school ``changes`` names)
    as_of : academic year the base places describe, one for every school or per school (a mapping;
        a school not in it has no base places yet, -1): a project opening in or before its school's
        year is already counted in them and adds nothing
    changes : ``project_changes`` table (a row with ``fixed_year`` opens then in every draw)
    project_keys : the projects in the column order of ``opening_year``
    opening_year : (draw, project) academic year each project opens in, -1 if it never does
    years : academic years of the result
    """
    draws = opening_year.shape[0]
    years = np.asarray(years)
    index = {s: i for i, s in enumerate(schools)}
    places = np.broadcast_to(base[None, :, :, None], (draws, *base.shape, len(years))).copy()
    specialist = np.zeros((draws, len(years)))
    fixed = changes["fixed_year"] if "fixed_year" in changes else pd.Series(-1, index=changes.index)
    for row, fixed_year in zip(changes.itertuples(index=False), fixed):
        opens = (opening_year[:, project_keys.index(row.project)] if fixed_year < 0
                 else np.full(draws, int(fixed_year)))
        year = as_of.get(row.school_id, -1) if isinstance(as_of, Mapping) else as_of
        counted = ((opens >= 0) & (opens > year))[:, None]
        since = np.where(counted, years[None, :] - opens[:, None], -10_000)  # (draw, year)
        if row.ncy < 0:
            specialist += row.places * (since >= 0)
            continue
        if row.school_id not in index:
            continue
        if row.phasing == "bulge":
            active = since == row.offset
        else:
            active = since >= row.offset
        places[:, index[row.school_id], row.ncy, :] += row.places * active
    return PlacesTimeline(tuple(schools), years, np.maximum(places, 0.0), specialist)

