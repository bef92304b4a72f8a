"""Places for the SCAP return under DfE's rules: capacity at the capacity date, and planned places.

The run's own places model (``capacity.timeline``) fills a phased expansion one year group a year,
because that is when the places can take pupils. DfE's return counts places differently (sources in
``scap_window.GUIDE``):

* **the total places of new provision count from the year it opens**, even where it fills one
  year group at a time (DfE planned-places data set; DfE's scorecard counts Aylestone's expansion
  as 300 secondary places, not 60 a year): a ``by_year_group`` change spreads its whole net change
  over the school's year groups in its opening year (``dfe_changes``);
* **capacity** is as at the capacity date (1 May of the collection year, SCAP 2026 guide s.2.1):
  a school's places before projects plus every project open by then (``capacity_at_date``);
  such a project is in capacity and is not a planned place;
* **planned places** (2019 guide part 4; planned-places data set) are firm plans only (committed
  or complete projects), by school, year and year group, for the 3 academic years from the first
  forecast year; a project opening after the capacity date but before the window counts in its
  first year. ``additional_places`` are permanent, ``bulge_places`` temporary (a bulge class, in the
  year group it is admitted to), ``removed_places`` negative. Sixth-form places are included;
  specialist places are not (they are specialist capacity). Places of centrally funded projects
  (``scap.central_funding_sources``, e.g. DfE free schools) are not LA planned places: they are
  the place-planning table's ``central_programme_places``;
* **housing-funded places**: places of projects funded by housing developer contributions
  (``scap.hdc_funding_sources``) or the Housing Infrastructure Fund (``scap.hif_funding_sources``)
  that open after the capacity date, counted from their first forecast year in the planning area
  of the school (``housing_funded_places``); and places a named housing site's S106 or CIL
  contribution funds (``housing_sites.funded_primary_places`` / ``funded_secondary_places``), from the
  academic year of the row that gives them, in the site's primary area or its secondary area
  (``site_funded_places``).

Every figure here is in places; the integers of planned places share each change's whole net
change by largest remainders (``scap_rounding``). Nothing reads files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.base import AREA_COLUMN
from placeplan.capacity.places import PROVISION_NCYS
from placeplan.capacity.timeline import new_school_id, places_timeline, project_changes
from placeplan.capital.projects import opening_academic_year
from placeplan.outputs.scap_rounding import largest_remainder
from placeplan.outputs.scap_window import ScapWindow
from placeplan.pipeline import live_projects, school_as_of

PLANNED_COLUMNS = ["project", "school_id", "provision", "planning_area", "academic_year", "ncy", "additional_places",
                   "bulge_places", "removed_places", "route"]


@dataclass(frozen=True)
class ProjectTiming:
    """When a live project's places count in the return.

    opening_year : academic year of its planned opening
    in_capacity : open by the capacity date, so in the capacity figures
    reported_year : academic year its places are reported in (its opening year, or the first forecast
        year for one opening between the capacity date and then); None when in capacity
    route : ``la`` (LA planned places) or ``central`` (a central programme's places)
    """

    opening_year: int
    in_capacity: bool
    reported_year: int | None
    route: str


def project_timings(projects, window: ScapWindow, central_sources=()) -> dict[str, ProjectTiming]:
    """The timing of every project in ``projects`` (the live ones) for this round."""
    out = {}
    first = window.planned_years[0]
    for key, project in projects.items():
        year = opening_academic_year(project.planned_opening)
        in_capacity = project.planned_opening <= window.capacity_date
        reported = None if in_capacity else max(year, first)
        route = "central" if project.funding_source in set(central_sources) else "la"
        out[key] = ProjectTiming(year, in_capacity, reported, route)
    return out


def dfe_changes(projects, schools: pd.DataFrame) -> pd.DataFrame:
    """``project_changes`` under DfE's rule: a ``by_year_group`` change gives all its places at opening.

    Its net change is spread evenly over the year groups it reaches, all from the opening year
    (offset 0), so its places add up to the project's stated net change; ``all_at_once`` and
    ``bulge`` rows are as the run models them. Same columns as ``project_changes``.
    """
    changes = project_changes(projects, schools)
    if changes.empty:
        return changes
    phased = changes["phasing"] == "by_year_group"
    for (key, provision), rows in changes[phased].groupby(["project", "provision"], sort=False):
        total = sum(c.net_capacity_change for c in projects[key].places
                    if c.provision == provision and c.phasing == "by_year_group")
        changes.loc[rows.index, "places"] = total / len(rows)
        changes.loc[rows.index, "offset"] = 0
    return changes


@dataclass(frozen=True)
class CapacityAtDate:
    """Places at each school as at the capacity date, under DfE's rule.

    schools : school ids (the run's school axis)
    places : (school, ncy 0-13) mainstream places [places, unrounded]
    specialist : specialist places each project open by then adds, by school id [places]
    projects : projects added since each school's capacity figures, by school id: (project, provision, places)
    pan : admission numbers after projects open by then, by (school id, provision) [pupils per year group]
    """

    schools: tuple[str, ...]
    places: np.ndarray
    specialist: dict[str, float]
    projects: dict[str, list[tuple[str, str, int]]]
    pan: dict[tuple[str, str], int]


def capacity_at_date(results, window: ScapWindow, central_sources=()) -> CapacityAtDate:
    """Base places plus every live project open by the capacity date, school by school (DfE's rule)."""
    config, tables = results.scenario.config, results.scenario.tables
    capital = results.capital
    live = live_projects(config)
    timings = project_timings(live, window, central_sources)
    keys = tuple(live)
    axis = capital.schools.schools
    as_of = school_as_of(tables["capacity"])
    changes = dfe_changes(live, tables["schools"])
    opening = np.array([[timings[k].opening_year if timings[k].in_capacity else -1 for k in keys]], dtype=int)
    opening = opening.reshape(1, len(keys))
    if keys and not changes.empty:
        timeline = places_timeline(capital.school_base, axis, as_of, changes, keys, opening,
                                   np.array([window.capacity_year]))
        places = timeline.places[0, :, :, 0]
    else:
        places = capital.school_base.copy()
    specialist: dict[str, float] = {}
    added: dict[str, list[tuple[str, str, int]]] = {}
    pan: dict[tuple[str, str], int] = {}
    known = set(tables["schools"]["school_id"])
    for key in keys:
        timing, project = timings[key], live[key]
        school = project.school_id if project.school_id in known else new_school_id(key)
        if not timing.in_capacity or timing.opening_year <= as_of.get(school, -1):
            continue  # not open yet, or already in the school's capacity figures
        for change in project.places:
            if change.provision in PROVISION_NCYS:
                added.setdefault(school, []).append((key, change.provision, int(change.net_capacity_change)))
                if change.pan_after is not None:
                    pan[(school, change.provision)] = int(change.pan_after)
            elif change.provision == "specialist":
                specialist[school] = specialist.get(school, 0.0) + change.net_capacity_change
    return CapacityAtDate(tuple(axis), places, specialist, added, pan)


def school_area(results, school_id: str, provision: str, project=None) -> str | None:
    """Planning area a school's places of ``provision`` count in (a new school: its project's area)."""
    schools = results.capital.school_table.set_index("school_id")
    if school_id in schools.index:
        value = schools.at[school_id, AREA_COLUMN[provision]]
        if isinstance(value, str) and value:
            return value
    return project.planning_area if project is not None else None


def planned_rows(results, window: ScapWindow, central_sources=()) -> pd.DataFrame:
    """Planned places by project, school, year and year group, whole numbers (rules in the module docstring).

    Returns the columns of ``PLANNED_COLUMNS``: additional_places >= 0, bulge_places >= 0,
    removed_places <= 0 [places]; ``route`` is ``la`` or ``central``. Each change's year groups
    share its whole net change by largest remainders.
    """
    config, tables = results.scenario.config, results.scenario.tables
    live = live_projects(config)
    timings = project_timings(live, window, central_sources)
    changes = dfe_changes(live, tables["schools"])
    rows = []
    for key, project in live.items():
        timing = timings[key]
        year = timing.reported_year
        if year is None or year > window.planned_years[-1] or changes.empty:
            continue
        mine = changes[(changes["project"] == key) & (changes["ncy"] >= 0)]
        for (provision, phasing, temporary), group in mine.groupby(["provision", "phasing", "temporary"], sort=False):
            total = sum(c.net_capacity_change for c in project.places
                        if c.provision == provision and c.phasing == phasing and c.temporary == temporary)
            if phasing == "bulge":
                group = group[group["offset"] == 0]  # a bulge class is reported where it is admitted
            by_ncy = group.groupby("ncy", sort=True)["places"].sum()
            whole = largest_remainder(by_ncy.to_numpy(), int(total))
            kind = "bulge_places" if (phasing == "bulge" or temporary) else (
                "additional_places" if total >= 0 else "removed_places")
            school = str(group["school_id"].iloc[0])
            area = school_area(results, school, provision, project)
            for g, places in zip(by_ncy.index, whole):
                if places == 0:
                    continue
                row = {"project": key, "school_id": school, "provision": provision, "planning_area": area,
                       "academic_year": int(year), "ncy": int(g), "additional_places": 0, "bulge_places": 0,
                       "removed_places": 0, "route": timing.route}
                row[kind] = int(places)
                rows.append(row)
    table = pd.DataFrame(rows, columns=PLANNED_COLUMNS)
    for column in ("academic_year", "ncy", "additional_places", "bulge_places", "removed_places"):
        table[column] = table[column].astype(int)
    return table


def housing_funded_places(results, window: ScapWindow, sources) -> pd.DataFrame:
    """Places funded from housing sources (``sources``: funding_source names) open by each forecast year.

    Live projects with such funding that open after the capacity date count from the year they are
    reported in (DfE's rule: all their places then), in the planning area of their school by phase
    (primary places in its primary area; secondary and sixth-form places in its secondary area).
    Returns planning_area, academic_year, places [places, whole], projects (keys, comma-separated).
    """
    config = results.scenario.config
    live = {k: p for k, p in live_projects(config).items() if p.funding_source in set(sources)}
    timings = project_timings(live, window)
    years = sorted(set(window.forecast_years["primary"]) | set(window.forecast_years["secondary"]))
    known = set(results.scenario.tables["schools"]["school_id"])
    rows = []
    for key, project in live.items():
        timing = timings[key]
        if timing.reported_year is None:
            continue
        school = project.school_id if project.school_id in known else new_school_id(key)
        for change in project.places:
            if change.provision not in PROVISION_NCYS:
                continue
            area = school_area(results, school, change.provision, project)
            for year in years:
                if year >= timing.reported_year:
                    rows.append((area, year, int(change.net_capacity_change), key))
    table = pd.DataFrame(rows, columns=["planning_area", "academic_year", "places", "project"])
    if table.empty:
        return pd.DataFrame(columns=["planning_area", "academic_year", "places", "projects"])
    return table.groupby(["planning_area", "academic_year"], as_index=False).agg(
        places=("places", "sum"), projects=("project", lambda s: ", ".join(dict.fromkeys(s))))


def date_text(date: dt.date) -> str:
    """'1 May 2027'."""
    return f"{date.day} {date:%B %Y}"


def site_funded_places(results, window: ScapWindow) -> pd.DataFrame:
    """Places funded by named housing sites' developer contributions, by planning area and forecast year.

    A ``housing_sites`` row's ``funded_primary_places`` count in the site's primary planning area, its
    ``funded_secondary_places`` in its secondary area (``checks_sites.funded_secondary_area``), in every
    forecast year from the row's academic year on. Returns the ``housing_funded_places`` columns
    (planning_area, academic_year, places [places, whole], projects: the sites and the contribution
    secured [GBP], e.g. ``site TS-1 Meadow Farm (S106 £600,000)``).
    """
    from placeplan.demand.sites import site_areas
    from placeplan.scenario.checks_sites import funded_secondary_area

    tables = results.scenario.tables
    sites = tables.get("housing_sites")
    empty = pd.DataFrame(columns=["planning_area", "academic_year", "places", "projects"])
    if sites is None or sites.empty:
        return empty
    areas = tables["planning_areas"]
    official = areas[areas["kind"] == "official"]
    secondary = set(official.loc[official["phase"] == "secondary", "planning_area"])
    school_rows = {r.school_id: r for r in tables["schools"].itertuples()}
    money = sites.groupby("site")["contribution_gbp"].sum(min_count=1)
    kinds = sites.dropna(subset=["contribution"]).groupby("site")["contribution"].agg(
        lambda k: "/".join(dict.fromkeys(k)))
    primary_area = site_areas(sites, tables["schools"])
    rows = []
    for i, row in sites.iterrows():
        label = f"site {row['site']}" + ("" if pd.isna(row["name"]) else f" {row['name']}")
        gbp = money.get(row["site"])
        if gbp is not None and not pd.isna(gbp) and gbp > 0:
            label += f" ({kinds.get(row['site'], 'contribution').upper()} £{gbp:,.0f})"
        for phase, column, area in (("primary", "funded_primary_places", primary_area[i]),
                                    ("secondary", "funded_secondary_places",
                                     funded_secondary_area(row, secondary, school_rows))):
            places = row[column]
            if pd.isna(places) or int(places) == 0 or area is None or pd.isna(area):
                continue
            for year in window.forecast_years[phase]:
                if year >= int(row["academic_year"]):
                    rows.append((area, int(year), int(places), label))
    if not rows:
        return empty
    table = pd.DataFrame(rows, columns=["planning_area", "academic_year", "places", "project"])
    return table.groupby(["planning_area", "academic_year"], as_index=False).agg(
        places=("places", "sum"), projects=("project", lambda s: ", ".join(dict.fromkeys(s))))


def combined_funded_places(*tables: pd.DataFrame) -> pd.DataFrame:
    """``housing_funded_places``-shaped tables summed by planning area and year (projects joined)."""
    parts = [t for t in tables if t is not None and not t.empty]
    if not parts:
        return pd.DataFrame(columns=["planning_area", "academic_year", "places", "projects"])
    joined = pd.concat(parts, ignore_index=True)
    return joined.groupby(["planning_area", "academic_year"], as_index=False, sort=True).agg(
        places=("places", "sum"), projects=("projects", lambda s: ", ".join(dict.fromkeys(s))))
