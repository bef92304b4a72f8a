"""Consistency checks of the ``housing_sites`` table (see :mod:`placeplan.demand.sites` for its rule).

Cell types, blanks, negative counts and duplicate site/year rows are checked with every other table
(``tables.typed_table``, ``checks.check_negative_counts``, ``checks.check_duplicate_ids``); here: where
each site is, and where its funded places go.
"""

from __future__ import annotations

import pandas as pd

from placeplan.errors import Problem
from placeplan.scenario.tables import FIRST_DATA_ROW


def _row(i) -> str:
    return f"row {i + FIRST_DATA_ROW}"


def check_site_places(inp) -> list[Problem]:
    """Each site row names one primary planning area or one school with a primary area, the same for every year.

    Secondary places it funds need a secondary area: its ``secondary_planning_area``, the school's, or the
    authority's only one.
    """
    sites = inp.tables.get("housing_sites")
    areas = inp.tables.get("planning_areas")
    if sites is None or sites.empty or areas is None:
        return []
    file = inp.files.get("housing_sites", "housing_sites")
    schools_file = inp.files.get("schools", "schools")
    official = areas[areas["kind"] == "official"]
    primary = set(official.loc[official["phase"] == "primary", "planning_area"])
    secondary = set(official.loc[official["phase"] == "secondary", "planning_area"])
    schools = inp.tables.get("schools")
    school_rows = {} if schools is None else {r.school_id: r for r in schools.itertuples()}
    problems: list[Problem] = []
    placed: dict[str, tuple[str, int]] = {}
    for i, row in sites.iterrows():
        area, school = row["planning_area"], row["school_id"]
        where = _row(i)
        resolved = None
        if pd.isna(area) and pd.isna(school):
            problems.append(Problem(file, where + ", column planning_area",
                                    f"site {row['site']!r} has neither planning_area nor school_id (expected one: "
                                    "the primary planning area, or the school whose catchment the site is in)"))
        elif not pd.isna(area) and not pd.isna(school):
            problems.append(Problem(file, where + ", column school_id",
                                    f"site {row['site']!r} gives both planning_area {area!r} and school_id "
                                    f"{school!r} (expected one of them)"))
        elif not pd.isna(area):
            if area in primary:
                resolved = area
            else:
                kind = "a secondary planning area" if area in secondary else "not an official planning area"
                problems.append(Problem(file, where + ", column planning_area",
                                        f"unknown planning area {area!r}: {kind} (expected a primary planning area "
                                        f"from {inp.files.get('planning_areas', 'planning_areas')}; homes are "
                                        "placed in primary areas)"))
        elif school not in school_rows:
            problems.append(Problem(file, where + ", column school_id",
                                    f"unknown school {school!r} (expected a school_id from {schools_file})"))
        else:
            resolved = school_rows[school].primary_planning_area
            if pd.isna(resolved):
                resolved = None
                problems.append(Problem(file, where + ", column school_id",
                                        f"school {school!r} has no primary_planning_area in {schools_file}, so the "
                                        "site's homes cannot be placed (expected a primary school's catchment, or "
                                        "give planning_area instead)"))
        if resolved is not None:
            first = placed.setdefault(row["site"], (resolved, i))
            if first[0] != resolved:
                problems.append(Problem(file, where + ", column planning_area",
                                        f"site {row['site']!r} is in {resolved!r} here but in {first[0]!r} at "
                                        f"{_row(first[1])} (expected one planning area per site)"))
        problems += _secondary_problems(row, where, file, secondary, school_rows, areas_file=inp.files.get(
            "planning_areas", "planning_areas"))
    return problems


def _secondary_problems(row, where: str, file: str, secondary: set, school_rows: dict, areas_file: str) -> list:
    given = row["secondary_planning_area"]
    if not pd.isna(given):
        if given not in secondary:
            return [Problem(file, where + ", column secondary_planning_area",
                            f"unknown secondary planning area {given!r} (expected one from {areas_file})")]
        return []
    places = row["funded_secondary_places"]
    if pd.isna(places) or places == 0:
        return []
    if funded_secondary_area(row, secondary, school_rows) is None:
        return [Problem(file, where + ", column secondary_planning_area",
                        f"site {row['site']!r} funds {int(places)} secondary places but their secondary planning "
                        "area is not known (expected secondary_planning_area, or a school_id with a "
                        "secondary_planning_area)")]
    return []


def funded_secondary_area(row, secondary: set, school_rows: dict) -> str | None:
    """Secondary area of a site row's funded secondary places: given, the school's, or the only one."""
    if not pd.isna(row["secondary_planning_area"]):
        return row["secondary_planning_area"]
    school = school_rows.get(row["school_id"])
    if school is not None and not pd.isna(school.secondary_planning_area):
        return school.secondary_planning_area
    return next(iter(secondary)) if len(secondary) == 1 else None


CHECKS = (check_site_places,)
