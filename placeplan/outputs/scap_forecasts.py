"""The SCAP return's pupil tables: forecasts, base-year NOR, specialist forecasts, and the place-planning table.

* ``pupil_forecasts``: the central projection per planning area and academic year, one column per
  year group, for the round's years (primary R-Y6 for 5 years, secondary Y7-Y11 and Y12-Y13 where
  the area has sixth-form pupils for 7; ``scap_window``), with the places funded from housing
  developer contributions and the Housing Infrastructure Fund (``hdc_places``, ``hif_places``);
* ``nor_by_planning_area``: the run's base year by planning area and year group, its census named;
* ``specialist_forecasts``: resident pupils with an EHCP needing a specialist place, by phase;
* ``place_planning``: DfE's place-planning layout (technical guidance, dfe-methodology.md s.3):
  need = forecast - (capacity + LA planned places + central programme places), **no operating
  margin** in DfE's columns; the run's own margin is in ``local_*`` columns beside them.

Whole numbers (``scap_rounding``): per phase and year, the authority's total is rounded, shared
among planning areas by largest remainders and each area's share among its year groups the same
way, so year groups add up to areas and areas to the authority. The place-planning table takes
those integers and the capacity and planned places of the other sheets, so its totals are sums.
Nothing here reads files.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from placeplan.capacity.places import PROVISION_NCYS
from placeplan.demand import demand_cube
from placeplan.outputs.fmt import ay
from placeplan.outputs.scap_rounding import largest_remainder, round_nested
from placeplan.outputs.scap_window import PHASES, ScapWindow
from placeplan.pipeline import YEAR_GROUPS

NCY_LABELS = {0: "R", **{g: f"Y{g}" for g in range(1, 15)}}
NCY_NAMES = {0: "Reception", **{g: f"Year {g}" for g in range(1, 15)}}
FORECAST_NCYS = {"primary": range(0, 7), "secondary": range(7, 14)}
LABELS = [NCY_LABELS[g] for g in range(0, 14)]


def _areas(results) -> dict[str, list[str]]:
    return {"primary": list(results.projection.primary_areas), "secondary": list(results.projection.secondary_areas)}


def _names(results) -> dict[str, str]:
    table = results.scenario.tables["planning_areas"]
    return dict(zip(table["planning_area"], table["name"]))


def _sixth_form_areas(cube: np.ndarray, areas: tuple[str, ...]) -> set[str]:
    """Secondary areas with sixth-form pupils in the projection (their Y12-Y13 are forecast)."""
    return {a for i, a in enumerate(areas) if (cube[i, 12:14] > 0).any()}


def _rounded_cells(cube: np.ndarray, area_index: list[int], ncys: list[list[int]], y: int) -> list[list[int]]:
    """Whole pupils for one phase and year: the authority total, then areas, then year groups."""
    width = max((len(n) for n in ncys), default=0)
    table = np.zeros((len(area_index), width))
    for r, (a, gs) in enumerate(zip(area_index, ncys)):
        table[r, :len(gs)] = cube[a, gs, y]
    whole = round_nested(table) if len(area_index) else np.zeros((0, width), dtype=int)
    return [list(whole[r, :len(gs)]) for r, gs in enumerate(ncys)]


def pupil_forecasts_table(results, window: ScapWindow, hdc: pd.DataFrame | None = None,
                          hif: pd.DataFrame | None = None) -> pd.DataFrame:
    """Whole-number forecasts per planning area and academic year, one column per year group [pupils].

    ``hdc`` / ``hif``: ``scap_places.housing_funded_places`` tables (planning_area, academic_year,
    places); places of an area and year not in them are 0, labelled in ``housing_places_note``.
    Years the projection does not reach have no rows (the validator names them).
    """
    meta = results.scenario.config.meta
    names = _names(results)
    areas, cube = demand_cube(results.projection, central=True)
    cube = cube[0]
    sixth = _sixth_form_areas(cube, areas)
    index = {int(y): i for i, y in enumerate(results.projection.years)}
    funded = {name: ({} if t is None or t.empty else
                     {(r.planning_area, int(r.academic_year)): (int(r.places), r.projects) for r in t.itertuples()})
              for name, t in (("hdc", hdc), ("hif", hif))}
    rows = []
    for phase in PHASES:
        codes = _areas(results)[phase]
        area_index = [areas.index(c) for c in codes]
        ncys = [[g for g in FORECAST_NCYS[phase] if g < 12 or c in sixth] for c in codes]
        for year in window.forecast_years[phase]:
            if year not in index:
                continue
            whole = _rounded_cells(cube, area_index, ncys, index[year])
            for code, gs, values in zip(codes, ncys, whole):
                row = {"la_code": meta.la_code, "planning_area_code": code, "planning_area_name": names.get(code, code),
                       "education_phase": phase, "academic_year": year, "year_label": ay(year)}
                row.update({NCY_LABELS[g]: None for g in FORECAST_NCYS[phase]})
                row.update({NCY_LABELS[g]: int(v) for g, v in zip(gs, values)})
                row["total"] = int(sum(values))
                notes = []
                for name in ("hdc", "hif"):
                    places, projects = funded[name].get((code, year), (0, None))
                    row[f"{name}_places"] = places
                    if projects:
                        notes.append(f"{name.upper()}: {projects}")
                row["housing_places_note"] = "; ".join(notes) or "none recorded"
                rows.append(row)
    columns = ["la_code", "planning_area_code", "planning_area_name", "education_phase", "academic_year",
               "year_label", *LABELS, "total", "hdc_places", "hif_places", "housing_places_note"]
    table = pd.DataFrame(rows, columns=columns)
    table = table.assign(_phase=(table["education_phase"] != "primary").astype(int)).sort_values(
        ["_phase", "planning_area_code", "academic_year"], kind="stable").drop(columns="_phase").reset_index(drop=True)
    for column in [*LABELS, "total", "hdc_places", "hif_places", "academic_year"]:
        table[column] = table[column].astype("Int64")
    return table


def nor_by_planning_area_table(results, base_nor: np.ndarray, census: str) -> pd.DataFrame:
    """The run's base year by planning area and year group, whole pupils, with the census it comes from.

    ``base_nor``: (area, ncy 0-13) pupils in the base year on the demand cube's area axis (primary
    areas, then secondary); ``census``: its label, e.g. 'January 2026 census (2025/26)'.
    """
    meta = results.scenario.config.meta
    names = _names(results)
    year = int(meta.base_year)
    areas = list(results.projection.primary_areas + results.projection.secondary_areas)
    rows = []
    for phase in PHASES:
        codes = _areas(results)[phase]
        ncys = list(FORECAST_NCYS[phase])
        table = np.array([[base_nor[areas.index(c), g] for g in ncys] for c in codes]).reshape(len(codes), len(ncys))
        whole = round_nested(np.nan_to_num(table)) if codes else table
        for code, values in zip(codes, whole):
            row = {"la_code": meta.la_code, "planning_area_code": code, "planning_area_name": names.get(code, code),
                   "education_phase": phase, "academic_year": year, "year_label": ay(year), "nor_census": census}
            row.update({NCY_LABELS[g]: int(v) for g, v in zip(ncys, values)})
            row["total"] = int(sum(values))
            rows.append(row)
    columns = ["la_code", "planning_area_code", "planning_area_name", "education_phase", "academic_year",
               "year_label", "nor_census", *LABELS, "total"]
    table = pd.DataFrame(rows, columns=columns)
    for column in [*LABELS, "total"]:
        table[column] = table[column].astype("Int64")
    return table


def specialist_forecasts_table(results, window: ScapWindow) -> pd.DataFrame:
    """Resident pupils with an EHCP needing a specialist place, LA x phase x year, whole pupils (or a note).

    Each year's phases share that year's rounded total by largest remainders.
    """
    meta = results.scenario.config.meta
    table = getattr(results, "specialist_demand", None)
    if not isinstance(table, pd.DataFrame) or table.empty:
        return pd.DataFrame({"la_code": [meta.la_code], "note": [
            "The scenario has no SEND table (send: section), so there are no specialist forecasts. Add the "
            "council's EHCP history (SEN2) as the send table to forecast resident pupils needing a specialist "
            "place."]})
    rows = []
    for year, group in table.groupby("academic_year", sort=True):
        keep = [r for r in group.itertuples(index=False)
                if int(year) in window.forecast_years["primary" if r.phase == "primary" else "secondary"]]
        whole = largest_remainder([float(r.central) for r in keep])
        for r, value in zip(keep, whole):
            rows.append({"la_code": meta.la_code, "academic_year": int(year), "year_label": ay(year),
                         "phase": str(r.phase), "resident_ehcp_specialist_pupils": int(value)})
    columns = ["la_code", "academic_year", "year_label", "phase", "resident_ehcp_specialist_pupils"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# place planning (DfE data set layout)

DFE_VALUES = ("pupil_forecast", "estimated_capacity", "la_planned_places", "central_programme_places",
              "total_places", "additional_need_minus_spare_places", "additional_need_only_places", "spare_places")
LOCAL_VALUES = ("local_places_after_margin", "local_additional_need_with_margin")


def planned_by_area(planned: pd.DataFrame, school_ncys: dict[str, tuple[int, int]], years) -> dict:
    """Planned places open by each year, by (route, planning area, ncy, year) [places].

    Additional and removed places count from their year on in their year group; a bulge class
    moves up a year group a year while the school teaches it (``school_ncys``: school id ->
    (lowest, highest) year group).
    """
    out: dict[tuple[str, str, int, int], int] = {}
    for r in planned.itertuples(index=False):
        low, high = school_ncys.get(r.school_id, (0, 13))
        top = min(high, max(PROVISION_NCYS[r.provision]))
        for year in years:
            if year < r.academic_year:
                continue
            permanent = int(r.additional_places) + int(r.removed_places)
            if permanent:
                key = (r.route, r.planning_area, int(r.ncy), int(year))
                out[key] = out.get(key, 0) + permanent
            g = int(r.ncy) + (year - int(r.academic_year))
            if int(r.bulge_places) and g <= top:
                key = (r.route, r.planning_area, g, int(year))
                out[key] = out.get(key, 0) + int(r.bulge_places)
    return out


def place_planning_table(results, window: ScapWindow, forecasts: pd.DataFrame, capacity: pd.DataFrame,
                         planned: pd.DataFrame) -> pd.DataFrame:
    """Forecast against places per planning area, year group and year, DfE's layout, whole numbers.

    ``forecasts``: the pupil_forecasts sheet; ``capacity``: the school_capacity sheet (its
    year-group capacities, summed into each school's planning area, are ``estimated_capacity``);
    ``planned``: ``scap_places.planned_rows`` (route ``la`` -> ``la_planned_places``, ``central``
    -> ``central_programme_places``, open by each year, ``planned_by_area``). DfE's columns have
    no margin: need = forecast - total places; ``additional_need_only_places`` = max(0, need),
    ``spare_places`` = max(0, -need). ``local_places_after_margin`` = total places less the
    run's operating margin (rounded up to whole places held back) and
    ``local_additional_need_with_margin`` = max(0, forecast - that). Total rows (``nc_year_group``
    Total) and local-authority rows are sums of the parts: need in one year group or area is
    never offset by spare places in another. Sixth form is left out, as in DfE's tables.
    """
    config = results.scenario.config
    meta, margin = config.meta, float(config.policy.operating_margin)
    names = _names(results)
    schools = results.capital.school_table.set_index("school_id")
    school_ncys = {s: (int(schools.at[s, "ncy_low"]), int(schools.at[s, "ncy_high"])) for s in schools.index}
    existing: dict[tuple[str, int], int] = {}
    for r in capacity.itertuples(index=False):
        for g in range(0, 12):
            value = getattr(r, f"capacity_{NCY_LABELS[g]}")
            area = r.primary_planning_area_code if g <= 6 else r.secondary_planning_area_code
            if area is not None and not pd.isna(value) and value:
                existing[(area, g)] = existing.get((area, g), 0) + int(value)
    years = sorted({int(y) for y in forecasts["academic_year"].dropna()})
    opened = planned_by_area(planned, school_ncys, years)
    cells = forecasts.set_index(["planning_area_code", "academic_year"])
    rows = []
    for (area, year), row in cells.iterrows():
        phase = row["education_phase"]
        for g in YEAR_GROUPS[phase]:
            forecast = int(row[NCY_LABELS[g]])
            base = existing.get((area, g), 0)
            la = opened.get(("la", area, g, int(year)), 0)
            central = opened.get(("central", area, g, int(year)), 0)
            total = base + la + central
            need = forecast - total
            after = total - math.ceil(round(total * margin, 9))
            rows.append({
                "time_period": int(f"{year}{(int(year) + 1) % 100:02d}"), "academic_year": int(year),
                "year_label": ay(year), "geographic_level": "Planning area", "la_code": meta.la_code,
                "new_la_code": meta.la_gss_code, "la_name": meta.la_name, "planning_area_code": area,
                "planning_area_name": names.get(area, area), "education_phase": phase.capitalize(),
                "nc_year_group": NCY_NAMES[g], "ncy": g, "pupil_forecast": forecast, "estimated_capacity": base,
                "la_planned_places": la, "central_programme_places": central, "total_places": total,
                "additional_need_minus_spare_places": need, "additional_need_only_places": max(need, 0),
                "spare_places": max(-need, 0), "local_operating_margin": margin,
                "local_places_after_margin": after, "local_additional_need_with_margin": max(forecast - after, 0),
            })
    detail = pd.DataFrame(rows)
    if detail.empty:
        return detail
    return _with_totals(detail, meta, margin)


def _with_totals(detail: pd.DataFrame, meta, margin: float) -> pd.DataFrame:
    """Area Total rows and local-authority rows (by year group and Total), each a sum of the parts."""
    keys = ["time_period", "academic_year", "year_label", "education_phase"]
    area_keys = keys + ["planning_area_code", "planning_area_name"]
    sums = {c: "sum" for c in DFE_VALUES + LOCAL_VALUES}
    area_total = detail.groupby(area_keys, sort=False, as_index=False).agg(sums).assign(
        nc_year_group="Total", ncy=None)
    la_ncy = detail.groupby(keys + ["nc_year_group", "ncy"], sort=False, as_index=False).agg(sums)
    la_total = detail.groupby(keys, sort=False, as_index=False).agg(sums).assign(nc_year_group="Total", ncy=None)
    common = {"la_code": meta.la_code, "new_la_code": meta.la_gss_code, "la_name": meta.la_name,
              "local_operating_margin": margin}
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
               "planning_area_code", "planning_area_name", "education_phase", "nc_year_group", "ncy", *DFE_VALUES,
               "local_operating_margin", *LOCAL_VALUES]
    table = table[columns].reset_index(drop=True)
    table["ncy"] = table["ncy"].astype("Int64")
    for column in DFE_VALUES + LOCAL_VALUES:
        table[column] = table[column].astype(int)
    return table
