"""SCAP-shaped tables and workbook: what an officer copies into the DfE School Capacity survey.

``scap_tables(results)`` turns a run's results into the SCAP return's tables (pure: no I/O);
``scap_workbook(results)`` writes the same tables as an .xlsx (bytes), one sheet per table plus a
README sheet. Tables and their layout follow the SCAP guide as summarised in the project's
methodology notes (dfe-methodology.md s.1 and s.3):

* ``school_capacity``: one row per mainstream school: NOR, capacity, PAN, capacity by year group;
* ``specialist_capacity``: special schools, SEN units / resourced provision (and AP, marked out of scope);
* ``pupil_forecasts``: planning area x academic year, one column per year group (R ... Y13),
  primary 5 and secondary 7 years from the first projected year;
* ``specialist_forecasts``: LA x year x phase, resident EHCP pupils needing a specialist place;
* ``planned_places``: school x year x year group: additional, bulge and removed places, next 3 years;
* ``place_planning``: the DfE place-planning data set layout, need never offset by spare places;
* ``methodology``: the forecast methodology and data sources, written from the scenario.

Academic years are the year their September falls in (2026 = 2026/27); ``year_label`` columns give
the written form. Figures are unrounded (SCAP takes whole numbers).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from typing import Any

import numpy as np
import pandas as pd

from placeplan.capacity.places import PROVISION_NCYS
from placeplan.capacity.timeline import AREA_COLUMN, places_timeline, project_changes
from placeplan.capital.projects import opening_academic_year
from placeplan.demand import demand_cube
from placeplan.outputs.fmt import ay
from placeplan.pipeline import YEAR_GROUPS, live_projects
from placeplan.sufficiency.need import additional_need, places_needed, spare_places

PRIMARY_FORECAST_YEARS = 5  # SCAP: mainstream primary forecasts for the next 5 academic years
SECONDARY_FORECAST_YEARS = 7  # SCAP: mainstream secondary forecasts for the next 7 academic years
PLANNED_PLACES_YEARS = 3  # SCAP: planned places for the next 3 academic years
NCY_LABELS = {0: "R", **{g: f"Y{g}" for g in range(1, 15)}}
NCY_NAMES = {0: "Reception", **{g: f"Year {g}" for g in range(1, 15)}}
CENSUS_ORDER = {"october": 0, "january": 1, "may": 2}  # order within one academic year
SHEETS = ("school_capacity", "specialist_capacity", "pupil_forecasts", "specialist_forecasts", "planned_places",
          "place_planning", "methodology")
SHEET_DESCRIPTIONS = {
    "school_capacity": "Mainstream school capacity: one row per school: NOR (latest census), net capacity by "
                       "phase, PAN, capacity by year group R-Y11, and where each capacity figure comes from.",
    "specialist_capacity": "Specialist provision: special schools, SEN units / resourced provision; alternative "
                           "provision listed but outside SCAP's specialist capacity.",
    "pupil_forecasts": "Mainstream pupil forecasts by planning area and academic year, one column per year group "
                       "(central projection; low/high quantiles after the SCAP columns).",
    "specialist_forecasts": "Resident pupils with an EHCP needing a specialist place, LA by phase and year.",
    "planned_places": "Changes to mainstream places by school, year and year group over the next 3 academic years "
                      "(committed and complete capital projects).",
    "place_planning": "DfE place-planning layout: forecast against capacity plus planned places per planning area, "
                      "year group and year; LA totals are sums of the parts.",
    "methodology": "Forecast methodology, data sources, uncertainty and approximations.",
}


# ---------------------------------------------------------------------------------------------
# helpers


def forecast_years(results, phase: str) -> list[int]:
    """Projected academic years SCAP asks for: primary 5, secondary (and sixth form) 7, from the first."""
    years = [int(y) for y in np.asarray(results.projection.years)]
    if not years:
        return []
    n = PRIMARY_FORECAST_YEARS if phase == "primary" else SECONDARY_FORECAST_YEARS
    return [y for y in years if y < years[0] + n]


def planned_places_years(config) -> list[int]:
    """The 3 academic years after the one the programme date falls in (2026-01-01 -> 2026, 2027, 2028)."""
    first = opening_academic_year(config.meta.programme_date) + 1
    return list(range(first, first + PLANNED_PLACES_YEARS))


def _quantile_columns(table: pd.DataFrame) -> list[str]:
    """Quantile columns (p05, p50, p97.5 ...) of a table, lowest first."""
    names = [c for c in table.columns if isinstance(c, str) and c.startswith("p") and _is_number(c[1:])]
    return sorted(names, key=lambda c: float(c[1:]))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _range_quantiles(table: pd.DataFrame) -> list[str]:
    """The lowest and highest quantile columns (e.g. p05, p95)."""
    names = _quantile_columns(table)
    return [names[0], names[-1]] if len(names) >= 2 else names


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value)


# ---------------------------------------------------------------------------------------------
# 1. school capacity


def school_capacity_table(results) -> pd.DataFrame:
    """One row per open mainstream school: NOR, capacity, PAN, capacity by year group R-Y11.

    Capacity by year group is the run's own places by school and year group
    (``capacity.places.school_places``: given, from a published PAN, or an even split), read from
    the results.
    """
    tables, meta = results.scenario.tables, results.scenario.config.meta
    schools, capacity = tables["schools"], tables["capacity"]
    mainstream = capacity[capacity["provision"].isin(list(PROVISION_NCYS))]
    open_ids = set(schools.loc[schools["status"] == "open", "school_id"])
    ids = [s for s in schools["school_id"] if s in open_ids and s in set(mainstream["school_id"])]
    per_school = _capacity_by_school_ncy(results)
    nor = _latest_nor(tables.get("school_nor"))
    by_id = schools.set_index("school_id")
    rows = []
    for school_id in ids:
        school = by_id.loc[school_id]
        own = mainstream[mainstream["school_id"] == school_id].set_index("provision")
        cap = {p: (int(own.at[p, "net_capacity"]) if p in own.index else None) for p in PROVISION_NCYS}
        pan = {p: (own.at[p, "pan"] if p in own.index and not _blank(own.at[p, "pan"]) else None)
               for p in ("primary", "secondary")}
        split = per_school.get(school_id, {})
        latest = nor.get(school_id)
        row = {
            "la_code": meta.la_code,
            "urn": str(school_id),
            "laestab": _text(school["laestab"]),
            "school_name": school["name"],
            "phase": school["phase"],
            "primary_planning_area_code": _text(school["primary_planning_area"]),
            "secondary_planning_area_code": _text(school["secondary_planning_area"]),
            "nor": latest[2] if latest else None,
            "nor_census": latest[1] if latest else None,
            "nor_academic_year": ay(latest[0]) if latest else None,
            "capacity_primary": cap["primary"],
            "capacity_secondary": cap["secondary"],
            "sixth_form_capacity": cap["sixth_form"],
            "pan_primary": int(pan["primary"]) if pan["primary"] is not None else None,
            "pan_secondary": int(pan["secondary"]) if pan["secondary"] is not None else None,
            "number_of_year_groups": sum(1 for v in split.values() if v > 0),
        }
        for g in range(0, 12):
            row[f"capacity_{NCY_LABELS[g]}"] = split.get(g, 0.0)
        row["capacity_as_of_year"] = ay(own["as_of_year"].max())
        row["capacity_source"] = "; ".join(f"{p}={own.at[p, 'source']}" for p in PROVISION_NCYS if p in own.index)
        rows.append(row)
    columns = ["la_code", "urn", "laestab", "school_name", "phase", "primary_planning_area_code",
               "secondary_planning_area_code", "nor", "nor_census", "nor_academic_year", "capacity_primary",
               "capacity_secondary", "sixth_form_capacity", "pan_primary", "pan_secondary", "number_of_year_groups",
               *[f"capacity_{NCY_LABELS[g]}" for g in range(0, 12)], "capacity_as_of_year", "capacity_source"]
    table = pd.DataFrame(rows, columns=columns)
    for name in ("nor", "capacity_primary", "capacity_secondary", "sixth_form_capacity", "pan_primary",
                 "pan_secondary"):
        table[name] = table[name].astype("Int64")
    return table.sort_values(["laestab", "urn"], na_position="last", kind="stable").reset_index(drop=True)


def _capacity_by_school_ncy(results) -> dict[str, dict[int, float]]:
    """Places per school and year group before projects, from the run's places (``results.capital``)."""
    capital = results.capital
    return {school: {g: float(v) for g, v in enumerate(capital.school_base[i]) if v > 0}
            for i, school in enumerate(capital.schools.schools)}


def _latest_nor(school_nor: pd.DataFrame | None) -> dict[str, tuple[int, str, int]]:
    """Latest whole-school roll per school: (academic year, census, NOR); May beats January beats October."""
    if school_nor is None or school_nor.empty:
        return {}
    table = school_nor.assign(_order=school_nor["census"].map(CENSUS_ORDER).fillna(-1))
    table = table.sort_values(["school_id", "academic_year", "_order"], kind="stable")
    last = table.groupby("school_id", sort=False).tail(1)
    return {r.school_id: (int(r.academic_year), str(r.census), int(r.nor)) for r in last.itertuples(index=False)}


# ---------------------------------------------------------------------------------------------
# 2. specialist capacity

SPECIALIST_TYPES = {"special": "special school", "resourced_provision": "SEN unit / resourced provision",
                    "alternative_provision": "alternative provision"}


def specialist_capacity_table(results) -> pd.DataFrame:
    """Specialist places by setting: special schools, SEN units / resourced provision, and AP (out of scope)."""
    tables, meta = results.scenario.tables, results.scenario.config.meta
    schools, capacity = tables["schools"], tables["capacity"]
    by_id = schools.set_index("school_id")
    sixth = capacity[capacity["provision"] == "sixth_form"].set_index("school_id")["net_capacity"]
    rows = []
    for row in results.specialist.itertuples(index=False):
        school = by_id.loc[row.school_id]
        low, high = int(school["ncy_low"]), int(school["ncy_high"])
        if low >= 12:
            phase, post16 = "post16", int(row.net_capacity)
        else:
            phase = "primary" if high <= 6 else "secondary" if low >= 7 else "all_through"
            post16 = int(sixth[row.school_id]) if row.school_id in sixth.index and high >= 12 else None
        rows.append({
            "la_code": meta.la_code,
            "urn": str(row.school_id),
            "laestab": _text(school["laestab"]),
            "school_name": row.name,
            "provision_type": SPECIALIST_TYPES.get(row.setting, str(row.setting)),
            "in_scap_specialist_scope": "no" if row.setting == "alternative_provision" else "yes",
            "phase": phase,
            "year_groups": f"{NCY_LABELS[low]}-{NCY_LABELS[high]}",
            "capacity": int(row.net_capacity),
            "post16_capacity": post16,
            "capacity_as_of_year": ay(row.as_of_year),
            "capacity_source": row.source,
        })
    columns = ["la_code", "urn", "laestab", "school_name", "provision_type", "in_scap_specialist_scope", "phase",
               "year_groups", "capacity", "post16_capacity", "capacity_as_of_year", "capacity_source"]
    table = pd.DataFrame(rows, columns=columns)
    table["post16_capacity"] = table["post16_capacity"].astype("Int64")
    return table


# ---------------------------------------------------------------------------------------------
# 3. pupil forecasts


def pupil_forecasts_table(results) -> pd.DataFrame:
    """Central forecast per planning area and year, one column per year group (SCAP's wide layout).

    Primary areas: R-Y6 for the first 5 projected years; secondary areas: Y7-Y11 (and Y12-Y13
    when the area has sixth-form pupils) for the first 7. ``hdc_places`` / ``hif_places`` are
    left blank (not modelled separately). The low/high quantile of each year group follows.
    """
    meta = results.scenario.config.meta
    areas = results.scenario.tables["planning_areas"].set_index("planning_area")
    demand = results.demand
    ranges = _range_quantiles(demand)
    labels = [NCY_LABELS[g] for g in range(0, 14)]
    rows = []
    for area in results.projection.primary_areas + results.projection.secondary_areas:
        phase = "primary" if area in results.projection.primary_areas else "secondary"
        own = demand[demand["planning_area"] == area]
        if phase == "secondary" and not (own.loc[own["ncy"] >= 12, "central"] > 0).any():
            own = own[own["ncy"] <= 11]  # no sixth form in the data: leave Y12-Y13 blank
        for year in forecast_years(results, phase):
            cells = own[own["academic_year"] == year].set_index("ncy")
            row = {"la_code": meta.la_code, "planning_area_code": area,
                   "planning_area_name": areas.at[area, "name"] if area in areas.index else area,
                   "education_phase": phase, "academic_year": year, "year_label": ay(year)}
            for g, label in enumerate(labels):
                row[label] = float(cells.at[g, "central"]) if g in cells.index else None
            row["total"] = float(cells["central"].sum())
            row["hdc_places"] = None
            row["hif_places"] = None
            for q in ranges:
                for g, label in enumerate(labels):
                    row[f"{label}_{q}"] = float(cells.at[g, q]) if g in cells.index else None
            rows.append(row)
    columns = ["la_code", "planning_area_code", "planning_area_name", "education_phase", "academic_year",
               "year_label", *labels, "total", "hdc_places", "hif_places",
               *[f"{label}_{q}" for q in ranges for label in labels]]
    table = pd.DataFrame(rows, columns=columns)
    # drop year-group columns blank in every row (Y14 is never projected)
    empty = [c for c in columns if c not in ("hdc_places", "hif_places") and table[c].isna().all() and len(table)]
    return table.drop(columns=empty)


# ---------------------------------------------------------------------------------------------
# 4. specialist forecasts


def specialist_forecasts_table(results) -> pd.DataFrame:
    """Resident EHCP pupils needing a specialist place, LA x year x phase (or a one-row note)."""
    meta = results.scenario.config.meta
    table = getattr(results, "specialist_demand", None)
    if not isinstance(table, pd.DataFrame) or table.empty:
        return pd.DataFrame({"la_code": [meta.la_code], "note": [
            "The scenario has no SEND table (send: section), so there are no specialist forecasts. Add the "
            "council's EHCP history (SEN2) as the send table to forecast resident pupils needing a specialist "
            "place."]})
    rows = []
    extra = [c for c in table.columns if c not in ("academic_year", "phase", "central")]
    for row in table.itertuples(index=False):
        year, phase = int(row.academic_year), str(row.phase)
        if year not in forecast_years(results, "primary" if phase == "primary" else "secondary"):
            continue
        out = {"la_code": meta.la_code, "academic_year": year, "year_label": ay(year), "phase": phase,
               "resident_ehcp_specialist_pupils": float(row.central)}
        out.update({c: float(getattr(row, c)) for c in extra})
        rows.append(out)
    columns = ["la_code", "academic_year", "year_label", "phase", "resident_ehcp_specialist_pupils", *extra]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# 5. planned places


def project_places_by_ncy(results, project: str, provision: str, opening_year: int,
                          years: list[int]) -> tuple[str, np.ndarray]:
    """Places one project gives at its school, per year group and year, by the run's own timeline rule.

    Runs ``capacity.timeline.places_timeline`` for the project's ``provision`` changes opening in
    ``opening_year`` and subtracts the school's places before it, so phasing and the rule that a
    project opening by the base places' year is already counted are the sufficiency model's.
    Returns (school_id, (ncy 0-13, year) [places]).
    """
    config = results.scenario.config
    capital = results.capital
    live = live_projects(config)
    changes = project_changes({project: live[project]}, results.scenario.tables["schools"])
    changes = changes[changes["provision"] == provision]
    school = str(changes["school_id"].iloc[0])
    axis = capital.schools.schools
    i = axis.index(school)
    base = capital.school_base[i:i + 1]
    from placeplan.pipeline import school_as_of

    as_of = school_as_of(results.scenario.tables["capacity"])
    with_it = places_timeline(base, (school,), as_of, changes, (project,), np.array([[opening_year]], dtype=int),
                              np.asarray(years))
    return school, with_it.places[0, 0] - base[0][:, None]


def planned_places_table(results) -> pd.DataFrame:
    """Additional, bulge and removed places per school, year and year group over the next 3 years.

    Places are counted in the year group and year they first become available (a
    by_year_group expansion: the entry year group in the opening year, the next year group
    the year after ...; a bulge class: each year group it reaches). ``p_open_by_year`` is the
    simulated chance the project has opened by September of that year.
    """
    config, tables = results.scenario.config, results.scenario.tables
    schools = tables["schools"]
    by_id = schools.set_index("school_id")
    live = live_projects(config)
    changes = project_changes(live, schools).drop_duplicates(["project", "provision"])
    window = planned_places_years(config)
    years = [window[0] - 1] + window
    programme = results.programme.set_index("project") if "project" in results.programme else pd.DataFrame()
    rows = []
    for i in range(len(changes)):
        change = changes.iloc[[i]]
        key, provision = change["project"].iloc[0], change["provision"].iloc[0]
        if provision not in PROVISION_NCYS:
            continue  # specialist places: not SCAP planned places
        project = live[key]
        opens = opening_academic_year(project.planned_opening)
        _, places = project_places_by_ncy(results, key, provision, opens, years)
        step = np.diff(places, axis=1)  # (ncy, window year): change on the year before
        temporary = change["phasing"].iloc[0] == "bulge" or bool(change["temporary"].iloc[0])
        school = by_id.loc[project.school_id] if project.school_id in by_id.index else None
        for y, year in enumerate(window):
            for g in PROVISION_NCYS[provision]:
                gained, lost = max(step[g, y], 0.0), max(-step[g, y], 0.0)
                additional = 0.0 if temporary else gained
                bulge = gained if temporary else 0.0
                removed = 0.0 if temporary else lost  # a bulge class moving up is not a removal
                if not (additional or bulge or removed):
                    continue
                p_open = programme.at[key, f"p_open_by_{year}"] if (
                    key in programme.index and f"p_open_by_{year}" in programme.columns) else None
                rows.append({
                    "la_code": config.meta.la_code,
                    "urn": _text(project.school_id),
                    "laestab": _text(school["laestab"]) if school is not None else None,
                    "school_name": school["name"] if school is not None else project.name,
                    "planning_area_code": _text(school[AREA_COLUMN[provision]]) if school is not None
                    else _text(project.planning_area),
                    "academic_year": year,
                    "year_label": ay(year),
                    "ncy": g,
                    "nc_year_group": NCY_LABELS[g],
                    "additional_places": additional,
                    "bulge_places": bulge,
                    "removed_places": removed,
                    "project": key,
                    "project_name": project.name,
                    "status": project.status,
                    "provision": provision,
                    "phasing": change["phasing"].iloc[0],
                    "project_places_total": int(sum(c.net_capacity_change for c in project.places
                                                    if c.provision == provision)),
                    "planned_opening": project.planned_opening.isoformat(),
                    "p_open_by_year": None if _blank(p_open) else float(p_open),
                    "evidence": "; ".join(f"{k}={v}" for k, v in project.evidence.items()) or None,
                })
    columns = ["la_code", "urn", "laestab", "school_name", "planning_area_code", "academic_year", "year_label",
               "ncy", "nc_year_group", "additional_places", "bulge_places", "removed_places", "project",
               "project_name", "status", "provision", "phasing", "project_places_total", "planned_opening",
               "p_open_by_year", "evidence"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# 6. place planning (DfE data set layout)

PLACE_PLANNING_VALUES = ("pupil_forecast", "estimated_capacity", "la_planned_places", "central_programme_places",
                         "total_places", "additional_need_minus_spare_places", "additional_need_only_places",
                         "spare_places")


def place_planning_table(results) -> pd.DataFrame:
    """Central forecast against places per planning area, year group and year (DfE place-planning layout).

    ``estimated_capacity`` is existing capacity by year group (``base_capacity_by_ncy``);
    ``la_planned_places`` the places the live projects add by that year when they open as
    planned (the ``capital.planned`` timeline less existing capacity); central programme places
    are 0. Need per row = forecast - total places x (1 - operating margin)
    (``sufficiency.need.places_needed``); ``additional_need_only_places`` = max(0, need),
    ``spare_places`` = max(0, -need). Total rows (``nc_year_group`` = Total) and the local
    authority rows are sums of the parts: need in one year group or area is never offset by
    spare places in another. Sixth form is left out, as in DfE's tables.
    """
    config, tables = results.scenario.config, results.scenario.tables
    meta, margin = config.meta, float(config.policy.operating_margin)
    names = dict(zip(tables["planning_areas"]["planning_area"], tables["planning_areas"]["name"]))
    planned = results.capital.planned
    areas, demand = demand_cube(results.projection, central=True)
    if tuple(areas) != tuple(planned.areas):
        raise ValueError("demand and planned places are on different planning areas")
    places = planned.places[0]  # (area, ncy, year)
    demand = demand[0]
    need = places_needed(demand, places, margin)
    base_array = results.capital.base_places  # (area, ncy), the run's places before projects
    base = {(area, g): float(base_array[a, g]) for a, area in enumerate(planned.areas) for g in range(14)}
    year_index = {int(y): i for i, y in enumerate(planned.years)}
    primary = set(results.projection.primary_areas)
    rows = []
    for a, area in enumerate(areas):
        phase = "primary" if area in primary else "secondary"
        for year in forecast_years(results, phase):
            y = year_index[year]
            for g in YEAR_GROUPS[phase]:
                existing = float(base.get((area, g), 0.0))
                total = float(places[a, g, y])
                rows.append({
                    "time_period": int(f"{year}{(year + 1) % 100:02d}"), "academic_year": year,
                    "year_label": ay(year), "geographic_level": "Planning area", "la_code": meta.la_code,
                    "new_la_code": meta.la_gss_code, "la_name": meta.la_name, "planning_area_code": area,
                    "planning_area_name": names.get(area, area), "education_phase": phase.capitalize(),
                    "nc_year_group": NCY_NAMES[g], "ncy": g,
                    "pupil_forecast": float(demand[a, g, y]), "estimated_capacity": existing,
                    "la_planned_places": total - existing, "central_programme_places": 0.0, "total_places": total,
                    "operating_margin": margin,
                    "additional_need_minus_spare_places": float(need[a, g, y]),
                    "additional_need_only_places": float(additional_need(need[a, g, y])),
                    "spare_places": float(spare_places(need[a, g, y])),
                })
    detail = pd.DataFrame(rows)
    if detail.empty:
        return detail
    keys = ["time_period", "academic_year", "year_label", "education_phase"]
    area_keys = keys + ["planning_area_code", "planning_area_name"]
    sums = {c: "sum" for c in PLACE_PLANNING_VALUES}
    area_total = detail.groupby(area_keys, sort=False, as_index=False).agg(sums).assign(
        nc_year_group="Total", ncy=None)
    la_ncy = detail.groupby(keys + ["nc_year_group", "ncy"], sort=False, as_index=False).agg(sums)
    la_total = detail.groupby(keys, sort=False, as_index=False).agg(sums).assign(nc_year_group="Total", ncy=None)
    common = {"la_code": meta.la_code, "new_la_code": meta.la_gss_code, "la_name": meta.la_name,
              "operating_margin": margin}
    area_total = area_total.assign(geographic_level="Planning area", **common)
    la_rows = pd.concat([la_ncy, la_total], ignore_index=True).assign(
        geographic_level="Local authority", planning_area_code=None, planning_area_name=None, **common)
    table = pd.concat([detail, area_total, la_rows], ignore_index=True)
    table["_level"] = (table["geographic_level"] == "Local authority").astype(int)
    table["_phase"] = (table["education_phase"] != "Primary").astype(int)
    table["_ncy"] = table["ncy"].fillna(99).astype(int)
    table["_area"] = table["planning_area_code"].fillna("")
    table = table.sort_values(["_level", "_phase", "_area", "academic_year", "_ncy"], kind="stable")
    columns = ["time_period", "academic_year", "year_label", "geographic_level", "la_code", "new_la_code", "la_name",
               "planning_area_code", "planning_area_name", "education_phase", "nc_year_group", "ncy",
               *PLACE_PLANNING_VALUES[:5], "operating_margin", *PLACE_PLANNING_VALUES[5:]]
    table = table[columns].reset_index(drop=True)
    table["ncy"] = table["ncy"].astype("Int64")
    return table


# ---------------------------------------------------------------------------------------------
# all tables, and the workbook


def scap_tables(results) -> dict[str, pd.DataFrame]:
    """The SCAP return's tables from a run's results, by sheet name (no I/O).

    Returns school_capacity, specialist_capacity, pupil_forecasts, specialist_forecasts,
    planned_places, place_planning and methodology (see the module docstring).
    """
    from placeplan.outputs.scap_methodology import methodology_table

    tables = {
        "school_capacity": school_capacity_table(results),
        "specialist_capacity": specialist_capacity_table(results),
        "pupil_forecasts": pupil_forecasts_table(results),
        "specialist_forecasts": specialist_forecasts_table(results),
        "planned_places": planned_places_table(results),
        "place_planning": place_planning_table(results),
    }
    tables["methodology"] = methodology_table(results, tables)
    return tables


# Columns written as text (codes) and number formats by column.
CODE_COLUMNS = {"la_code", "new_la_code", "urn", "laestab", "planning_area_code", "primary_planning_area_code",
                "secondary_planning_area_code"}
INTEGER_COLUMNS = {"nor", "capacity_primary", "capacity_secondary", "sixth_form_capacity", "pan_primary",
                   "pan_secondary", "number_of_year_groups", "capacity", "post16_capacity", "academic_year", "ncy",
                   "time_period", "project_places_total"}
PERCENT_COLUMNS = {"p_open_by_year", "operating_margin"}
NUMBER_FORMAT = "#,##0.0"
TEXT_WIDTHS = {"methodology": {"text": 110}}


def scap_workbook(results, tables: dict[str, pd.DataFrame] | None = None) -> bytes:
    """The SCAP tables as an .xlsx workbook: a README sheet, then one sheet per table.

    Bold frozen header rows, column widths from the contents, number formats (codes as text).
    Deterministic: the workbook's created/modified dates are the scenario's programme date and
    the zip entries carry the same fixed timestamp, so the same results give the same bytes.
    ``tables`` may pass ``scap_tables(results)`` already computed.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.writer.excel import ExcelWriter

    tables = scap_tables(results) if tables is None else tables
    meta = results.scenario.config.meta
    stamp = dt.datetime.combine(meta.programme_date, dt.time())
    workbook = Workbook()
    cover = workbook.active
    cover.title = "README"
    _write_rows(cover, _cover_rows(results, tables), bold_first=True)
    cover.column_dimensions["A"].width = 24
    cover.column_dimensions["B"].width = 110
    for row in cover.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")
    cover.freeze_panes = "A2"
    for name, table in tables.items():
        sheet = workbook.create_sheet(name[:31])
        sheet.append([str(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for record in table.itertuples(index=False):
            sheet.append([_cell_value(v, c) for v, c in zip(record, table.columns)])
        for j, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=j).column_letter
            fmt = _number_format(column, table[column])
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
            width = TEXT_WIDTHS.get(name, {}).get(column)
            if width:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.column_dimensions[letter].width = width or _width(column, table[column])
        sheet.freeze_panes = "A2"
        if len(table.columns):
            sheet.auto_filter.ref = sheet.dimensions
    props = workbook.properties
    props.creator = "placeplan"
    props.lastModifiedBy = "placeplan"
    props.title = f"SCAP return: {meta.title}"
    props.created = stamp
    props.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()  # not save_workbook: it stamps "modified" with the time now
    return _fixed_zip_times(buffer.getvalue(), (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0))


def _cover_rows(results, tables: dict[str, pd.DataFrame]) -> list[list[Any]]:
    config, info = results.scenario.config, results.run_info
    meta = config.meta
    rows: list[list[Any]] = [["item", "value"],
                             ["workbook", "SCAP-shaped return prepared by placeplan: copy each sheet into the "
                                          "matching part of the DfE SCAP template (COLLECT)."],
                             ["scenario", f"{meta.title} ({results.scenario.name})"],
                             ["local authority", f"{meta.la_name}, LA {meta.la_code}"
                                                 + (f", {meta.la_gss_code}" if meta.la_gss_code else "")],
                             ["scenario file", results.scenario.path.name],
                             ["overrides applied", ", ".join(results.scenario.applied) or "none"],
                             ["base year", f"{ay(meta.base_year)} (last January census in the pupil history)"],
                             ["programme date", meta.programme_date.isoformat()],
                             ["planned places years", ", ".join(ay(y) for y in planned_places_years(config))],
                             ["operating margin", f"{config.policy.operating_margin:.1%}"],
                             ["draws, seed", f"{info.get('draws')}, {info.get('seed')}"],
                             ["placeplan version", str(info.get("placeplan_version", ""))],
                             ["", ""], ["sheet", "contents"]]
    for name, table in tables.items():
        rows.append([name, f"{SHEET_DESCRIPTIONS.get(name, '')} ({len(table)} rows)"])
    return rows


def _write_rows(sheet, rows: list[list[Any]], bold_first: bool) -> None:
    from openpyxl.styles import Font

    for row in rows:
        sheet.append(row)
    if bold_first:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for i, row in enumerate(rows, start=1):
        if row and row[0] == "sheet":
            for cell in sheet[i]:
                cell.font = Font(bold=True)


def _cell_value(value: Any, column: str) -> Any:
    if _blank(value):
        return None
    if column in CODE_COLUMNS:
        return str(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def _number_format(column: str, values: pd.Series) -> str | None:
    if column in CODE_COLUMNS:
        return "@"
    if column in PERCENT_COLUMNS:
        return "0%" if column == "p_open_by_year" else "0.0%"
    if column in INTEGER_COLUMNS:
        return "0"
    if pd.api.types.is_float_dtype(values):
        return NUMBER_FORMAT
    return None


def _width(column: str, values: pd.Series) -> float:
    longest = len(str(column))
    for value in values:
        if _blank(value):
            continue
        text = f"{value:,.1f}" if isinstance(value, (float, np.floating)) else str(value)
        longest = max(longest, len(text))
    return float(min(max(longest + 2, 8), 60))


def _fixed_zip_times(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite a zip with every entry stamped ``date_time`` (zipfile stamps the time now otherwise)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, source.read(item.filename))
    return out.getvalue()
