"""The SCAP return: what an officer loads into DfE's School Capacity survey (COLLECT), from a run.

``scap_return(results)`` builds the return for the round after the run's reference date
(``meta.as_at``; ``scap_window``) and checks it against the SCAP guide's checkable rules
(``scap_rules``); ``scap_workbook`` writes it as an .xlsx (``scap_workbook.py``). Pure: no I/O.

Sheets (sources in ``scap_window.GUIDE``):

* ``school_capacity``: one row per mainstream school with capacity in Reception-Year 11 at the
  capacity date (1 May): NOR from its latest census in the data (named), net capacity by phase,
  sixth-form capacity (a voluntary field), PAN, capacity by year group R-Y11, as at that date
  (base places plus projects open by then, DfE's rule: ``scap_places``);
* ``specialist_capacity``: special schools, SEN units / resourced provision (and AP, marked out of
  scope), with projects open by the capacity date;
* ``pupil_forecasts``, ``nor_by_planning_area``, ``specialist_forecasts``, ``place_planning``:
  ``scap_forecasts``;
* ``planned_places``: additional, bulge and removed places by school, year and year group, the
  round's 3 years (``scap_places``);
* ``commentary``: one row per planning area, the scenario's ``scap.commentary``;
* ``methodology``: forecast method, data sources, the rounding rule and the validation result.

Every count is a whole number (``scap_rounding``); academic years are the year their September
falls in, ``year_label`` gives the written form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from placeplan.capacity.places import PROVISION_NCYS
from placeplan.demand import demand_inputs
from placeplan.outputs.fmt import ay, is_blank
from placeplan.outputs.scap_forecasts import (NCY_LABELS, nor_by_planning_area_table, place_planning_table,
                                              pupil_forecasts_table, specialist_forecasts_table)
from placeplan.outputs.scap_places import (CapacityAtDate, capacity_at_date, combined_funded_places, date_text,
                                           housing_funded_places, planned_rows, site_funded_places)
from placeplan.outputs.scap_rounding import largest_remainder
from placeplan.outputs.scap_rules import Breach, validate_return
from placeplan.outputs.scap_window import ScapWindow, census_label, missing_forecast_years, scap_window
from placeplan.pipeline import live_projects

__all__ = ["NCY_LABELS", "SHEETS", "ScapReturn", "scap_return", "scap_tables", "scap_workbook"]

SHEETS = ("school_capacity", "specialist_capacity", "pupil_forecasts", "nor_by_planning_area", "specialist_forecasts",
          "planned_places", "place_planning", "commentary", "methodology")
SHEET_DESCRIPTIONS = {
    "school_capacity": "Mainstream school capacity as at the capacity date: one row per school: NOR (its latest "
                       "census in the data, named), net capacity by phase, sixth-form capacity, PAN, capacity by "
                       "year group R-Y11, and where each figure comes from.",
    "specialist_capacity": "Specialist provision: special schools, SEN units / resourced provision; alternative "
                           "provision listed but outside SCAP's specialist capacity.",
    "pupil_forecasts": "Mainstream pupil forecasts by planning area and academic year, one column per year group "
                       "(central projection, whole pupils), with places funded by housing developer contributions "
                       "(HDC) and the Housing Infrastructure Fund (HIF).",
    "nor_by_planning_area": "The run's base year by planning area and year group, with the census it comes from.",
    "specialist_forecasts": "Resident pupils with an EHCP needing a specialist place, LA by phase and year.",
    "planned_places": "Additional, bulge and removed mainstream places by school, year and year group over the "
                      "round's 3 academic years (committed and complete projects, all their places in the year "
                      "they open).",
    "place_planning": "DfE place-planning layout: forecast against capacity plus planned places per planning area, "
                      "year group and year, no operating margin in DfE's columns (local_* columns apply the "
                      "run's); totals are sums of the parts.",
    "commentary": "Commentary for DfE by planning area, from the scenario's scap.commentary.",
    "methodology": "Forecast methodology, data sources, rounding, approximations and the validation result.",
}
CENSUS_ORDER = {"october": 0, "january": 1, "may": 2}  # order within one academic year


@dataclass(frozen=True)
class ScapReturn:
    """A SCAP return built from a run.

    window : the round, its capacity date and years (``scap_window.ScapWindow``)
    tables : the sheets by name (``SHEETS``)
    breaches : every breach of the guide's checkable rules (``scap_rules``); empty when clean
    missing_years : forecast years the projection does not reach, by phase (also breaches)
    results : the run it was built from
    """

    window: ScapWindow
    tables: dict[str, pd.DataFrame]
    breaches: tuple[Breach, ...]
    missing_years: dict[str, tuple[int, ...]]
    results: Any = field(repr=False, default=None)

    @property
    def ok(self) -> bool:
        return not self.breaches

    def validation_table(self) -> pd.DataFrame:
        """The breaches as a table: rule, sheet, row, column, message, guide."""
        from placeplan.outputs.scap_rules import breaches_table

        return breaches_table(self.breaches)


def scap_return(results, window: ScapWindow | None = None) -> ScapReturn:
    """The SCAP return for the round after ``meta.as_at`` (or ``window``), validated (module docstring)."""
    from placeplan.outputs.scap_methodology import methodology_table

    config = results.scenario.config
    window = window or scap_window(config.meta.as_at)
    section = config.scap
    central = tuple(section.central_funding_sources)
    capacity = capacity_at_date(results, window, central)
    planned = planned_rows(results, window, central)
    hdc = combined_funded_places(housing_funded_places(results, window, section.hdc_funding_sources),
                                 site_funded_places(results, window))
    hif = housing_funded_places(results, window, section.hif_funding_sources)
    tables: dict[str, pd.DataFrame] = {}
    tables["school_capacity"] = school_capacity_table(results, window, capacity)
    tables["specialist_capacity"] = specialist_capacity_table(results, window, capacity)
    tables["pupil_forecasts"] = pupil_forecasts_table(results, window, hdc, hif)
    tables["nor_by_planning_area"] = nor_by_planning_area_table(results, base_year_nor(results),
                                                                area_census(results))
    tables["specialist_forecasts"] = specialist_forecasts_table(results, window)
    tables["planned_places"] = planned_places_table(results, planned[planned["route"] == "la"])
    tables["place_planning"] = place_planning_table(results, window, tables["pupil_forecasts"],
                                                    tables["school_capacity"], planned)
    tables["commentary"] = commentary_table(results)
    missing = missing_forecast_years(window, results.projection.years)
    breaches = tuple(validate_return(tables, window, official_areas(results), missing))
    tables["methodology"] = methodology_table(results, tables, window, breaches)
    return ScapReturn(window, tables, breaches, missing, results)


def scap_tables(results) -> dict[str, pd.DataFrame]:
    """The return's sheets by name (``scap_return(results).tables``)."""
    return scap_return(results).tables


def scap_workbook(results, scap: ScapReturn | None = None) -> bytes:
    """The return as an .xlsx workbook (``scap_workbook.workbook_bytes``)."""
    from placeplan.outputs.scap_workbook import workbook_bytes

    return workbook_bytes(scap if scap is not None else scap_return(results))


def official_areas(results) -> dict[str, str]:
    """Official planning areas of the scenario and their phase (the return's planning areas)."""
    table = results.scenario.tables["planning_areas"]
    official = table[table["kind"] == "official"]
    return dict(zip(official["planning_area"], official["phase"]))


def base_year_nor(results) -> np.ndarray:
    """(area, ncy 0-13) base-year pupils the projection starts from, on the demand cube's area axis [pupils]."""
    inputs = demand_inputs(results.scenario)
    history = [int(y) for y in inputs.history_years]
    base = int(results.scenario.config.meta.base_year)
    y = history.index(base) if base in history else -1
    n_p = len(inputs.primary_areas)
    out = np.zeros((n_p + len(inputs.secondary_areas), 14))
    out[:n_p, 0:7] = np.nan_to_num(inputs.primary_nor[..., y])
    out[n_p:, 7:14] = np.nan_to_num(inputs.secondary_nor[..., y])
    return out


def area_census(results) -> str:
    """The census of the planning-area NOR: the January census of the run's base year, saying what was observed
    when its year groups are estimated to that year's totals (``demand.rebase``)."""
    base = int(results.scenario.config.meta.base_year)
    label = census_label(base, "january")
    if base not in (results.run_info.get("estimated_years") or []):
        return label
    record = results.rebase
    held = record[(record["academic_year"] == base) & (record["held"] == "exact")] if not record.empty else record
    level = "planning-area" if (not held.empty and (held["level"] == "planning_area").any()) else "county"
    return f"{label}: {level} totals observed; planning-area split and year groups estimated"


# ---------------------------------------------------------------------------------------------
# school capacity


def _age_range(low: int, high: int) -> str:
    return f"{NCY_LABELS[int(low)]}-{NCY_LABELS[int(high)]}"


def latest_nor(school_nor: pd.DataFrame | None) -> dict[str, tuple[int, str, int, int | None, int | None]]:
    """Each school's latest census in the data: (academic year, census, NOR, lowest, highest year group).

    The latest census is the latest academic year and, within it, May over January over October;
    its rows (a whole school, or blocks such as R-Y6, KS3 and KS4) are added up. A blank year-group
    range means the whole school as taught (None).
    """
    if school_nor is None or school_nor.empty:
        return {}
    table = school_nor.assign(_order=school_nor["census"].map(CENSUS_ORDER).fillna(-1),
                              school_id=school_nor["school_id"].astype(str))
    for column in ("ncy_low", "ncy_high"):
        if column not in table:
            table[column] = np.nan
    table["_rank"] = table["academic_year"] * 10 + table["_order"]
    table = table[table["_rank"] == table.groupby("school_id")["_rank"].transform("max")]
    grouped = table.groupby("school_id", sort=False).agg(
        academic_year=("academic_year", "first"), census=("census", "first"), nor=("nor", "sum"),
        low=("ncy_low", "min"), high=("ncy_high", "max"), blank=("ncy_low", lambda v: bool(v.isna().any())))
    return {school: (int(r.academic_year), str(r.census), int(r.nor), None if r.blank else int(r.low),
                     None if r.blank or pd.isna(r.high) else int(r.high))
            for school, r in grouped.iterrows()}


def school_capacity_row_values(places: np.ndarray) -> dict[str, int]:
    """Whole places by year group for one school (ncy 0-13), each provision's year groups sharing its total.

    Primary (R-Y6), secondary (Y7-Y11) and sixth form (Y12-Y13) are rounded apart by largest
    remainders, each to its rounded total, so the year groups add up to the school's net capacity.
    """
    out = {}
    for provision, ncys in PROVISION_NCYS.items():
        whole = largest_remainder(places[list(ncys)])
        out.update({g: int(v) for g, v in zip(ncys, whole)})
    return out


def school_capacity_table(results, window: ScapWindow, cap: CapacityAtDate) -> pd.DataFrame:
    """One row per mainstream school with places in Reception-Year 11 at the capacity date (module docstring)."""
    tables, meta = results.scenario.tables, results.scenario.config.meta
    own_rows = {s: rows.set_index("provision") for s, rows in tables["capacity"].groupby("school_id", sort=False)}
    schools = {r["school_id"]: r for r in results.capital.school_table.to_dict("records")}
    nor = latest_nor(tables.get("school_nor"))
    basis = results.capital.basis
    rows = []
    for i, school_id in enumerate(cap.schools):
        places = cap.places[i]
        if not (places[0:12] > 1e-9).any() or school_id not in schools:
            continue
        school = schools[school_id]
        low, high = int(school["ncy_low"]), int(school["ncy_high"])
        whole = school_capacity_row_values(places)
        own = own_rows.get(school_id, pd.DataFrame(columns=["pan", "source"]))
        pan = {p: (int(own.at[p, "pan"]) if p in own.index and not is_blank(own.at[p, "pan"]) else None)
               for p in ("primary", "secondary")}
        pan.update({p: v for (s, p), v in cap.pan.items() if s == school_id and p in pan})
        latest = nor.get(str(school_id))
        primary = sum(whole[g] for g in PROVISION_NCYS["primary"])
        secondary = sum(whole[g] for g in PROVISION_NCYS["secondary"])
        sixth = sum(whole[g] for g in PROVISION_NCYS["sixth_form"])
        row = {
            "la_code": meta.la_code,
            "urn": None if str(school_id).startswith("new:") else str(school_id),
            "laestab": None if is_blank(school.get("laestab")) else str(school["laestab"]),
            "school_name": school["name"],
            "phase": school.get("phase") if not is_blank(school.get("phase")) else None,
            "age_range": _age_range(low, high),
            "primary_planning_area_code": _code(school["primary_planning_area"]),
            "secondary_planning_area_code": _code(school["secondary_planning_area"]),
            "nor": latest[2] if latest else None,
            "nor_census": census_label(latest[0], latest[1]) if latest else None,
            "nor_year_groups": (_age_range(latest[3], latest[4]) if latest and latest[3] is not None
                                else _age_range(low, high) if latest else None),
            "capacity_primary": primary if low <= 6 or primary else None,
            "capacity_secondary": secondary if (low <= 11 and high >= 7) or secondary else None,
            "sixth_form_capacity": sixth if sixth else None,
            "pan_primary": pan["primary"],
            "pan_secondary": pan["secondary"],
            "number_of_year_groups": int(sum(1 for g in range(14) if whole[g] > 0)),
        }
        for g in range(0, 12):
            row[f"capacity_{NCY_LABELS[g]}"] = whole[g]
        row["capacity_as_at"] = date_text(window.capacity_date)
        row["capacity_basis"] = basis.get(school_id, "indicative")
        row["capacity_source"] = "; ".join(f"{p}={own.at[p, 'source']}" for p in PROVISION_NCYS if p in own.index) \
            or "capital project"
        row["projects_in_capacity"] = "; ".join(f"{k} {n:+d} {p}" for k, p, n in cap.projects.get(school_id, [])) \
            or None
        rows.append(row)
    columns = ["la_code", "urn", "laestab", "school_name", "phase", "age_range", "primary_planning_area_code",
               "secondary_planning_area_code", "nor", "nor_census", "nor_year_groups", "capacity_primary",
               "capacity_secondary", "sixth_form_capacity", "pan_primary", "pan_secondary", "number_of_year_groups",
               *[f"capacity_{NCY_LABELS[g]}" for g in range(0, 12)], "capacity_as_at", "capacity_basis",
               "capacity_source", "projects_in_capacity"]
    table = pd.DataFrame(rows, columns=columns)
    for name in ("nor", "capacity_primary", "capacity_secondary", "sixth_form_capacity", "pan_primary",
                 "pan_secondary", "number_of_year_groups", *[f"capacity_{NCY_LABELS[g]}" for g in range(0, 12)]):
        table[name] = table[name].astype("Int64")
    return table.sort_values(["laestab", "urn"], na_position="last", kind="stable").reset_index(drop=True)


def _code(value) -> str | None:
    return None if is_blank(value) or value == "" else str(value)


# ---------------------------------------------------------------------------------------------
# specialist capacity

SPECIALIST_TYPES = {"special": "special school", "resourced_provision": "SEN unit / resourced provision",
                    "alternative_provision": "alternative provision"}


def specialist_capacity_table(results, window: ScapWindow, cap: CapacityAtDate) -> pd.DataFrame:
    """Specialist places by setting as at the capacity date: base places plus projects open by then."""
    tables, meta = results.scenario.tables, results.scenario.config.meta
    schools, capacity = tables["schools"], tables["capacity"]
    by_id = schools.set_index("school_id")
    sixth = capacity[capacity["provision"] == "sixth_form"].set_index("school_id")["net_capacity"]
    rows = []
    for row in results.specialist.itertuples(index=False):
        school = by_id.loc[row.school_id]
        low, high = int(school["ncy_low"]), int(school["ncy_high"])
        added = cap.specialist.get(row.school_id, 0.0) if row.provision == "specialist" else 0.0
        places = int(round(row.net_capacity + added))
        if low >= 12:
            phase, post16 = "post16", places
        else:
            phase = "primary" if high <= 6 else "secondary" if low >= 7 else "all_through"
            post16 = int(sixth[row.school_id]) if row.school_id in sixth.index and high >= 12 else None
        rows.append({
            "la_code": meta.la_code, "urn": str(row.school_id), "laestab": _code(school["laestab"]),
            "school_name": row.name, "provision_type": SPECIALIST_TYPES.get(row.setting, str(row.setting)),
            "in_scap_specialist_scope": "no" if row.setting == "alternative_provision" else "yes", "phase": phase,
            "year_groups": _age_range(low, high), "capacity": places, "post16_capacity": post16,
            "capacity_as_at": date_text(window.capacity_date), "capacity_source": row.source,
            "projects_in_capacity": f"{added:+.0f} specialist from capital projects" if added else None,
        })
    columns = ["la_code", "urn", "laestab", "school_name", "provision_type", "in_scap_specialist_scope", "phase",
               "year_groups", "capacity", "post16_capacity", "capacity_as_at", "capacity_source",
               "projects_in_capacity"]
    table = pd.DataFrame(rows, columns=columns)
    table["post16_capacity"] = table["post16_capacity"].astype("Int64")
    return table


# ---------------------------------------------------------------------------------------------
# planned places and commentary


def planned_places_table(results, planned: pd.DataFrame) -> pd.DataFrame:
    """The planned-places sheet: ``scap_places.planned_rows`` (LA route) with school and project details."""
    config = results.scenario.config
    schools = results.capital.school_table.set_index("school_id")
    live = live_projects(config)
    programme = results.programme.set_index("project") if "project" in results.programme else pd.DataFrame()
    rows = []
    for r in planned.itertuples(index=False):
        project = live[r.project]
        school = schools.loc[r.school_id] if r.school_id in schools.index else None
        column = f"p_open_by_{r.academic_year}"
        p_open = programme.at[r.project, column] if r.project in programme.index and column in programme else None
        rows.append({
            "la_code": config.meta.la_code,
            "urn": None if str(r.school_id).startswith("new:") else str(r.school_id),
            "laestab": _code(school["laestab"]) if school is not None and "laestab" in school else None,
            "school_name": school["name"] if school is not None else project.name,
            "planning_area_code": r.planning_area, "academic_year": int(r.academic_year),
            "year_label": ay(r.academic_year), "ncy": int(r.ncy), "nc_year_group": NCY_LABELS[int(r.ncy)],
            "additional_places": int(r.additional_places), "bulge_places": int(r.bulge_places),
            "removed_places": int(r.removed_places), "project": r.project, "project_name": project.name,
            "status": project.status, "provision": r.provision,
            "project_places_total": int(sum(c.net_capacity_change for c in project.places
                                            if c.provision == r.provision)),
            "planned_opening": project.planned_opening.isoformat(),
            "p_open_by_year": None if is_blank(p_open) else float(p_open),
            "evidence": "; ".join(f"{k}={v}" for k, v in project.evidence.items()) or None,
        })
    columns = ["la_code", "urn", "laestab", "school_name", "planning_area_code", "academic_year", "year_label",
               "ncy", "nc_year_group", "additional_places", "bulge_places", "removed_places", "project",
               "project_name", "status", "provision", "project_places_total", "planned_opening", "p_open_by_year",
               "evidence"]
    table = pd.DataFrame(rows, columns=columns)
    for column in ("academic_year", "ncy", "additional_places", "bulge_places", "removed_places",
                   "project_places_total"):
        table[column] = table[column].astype(int)
    table["p_open_by_year"] = table["p_open_by_year"].astype(float)
    return table


def commentary_table(results) -> pd.DataFrame:
    """One row per official planning area (and the authority, when given): the scenario's commentary."""
    meta = results.scenario.config.meta
    text = results.scenario.config.scap.commentary
    areas = results.scenario.tables["planning_areas"]
    official = areas[areas["kind"] == "official"]
    rows = []
    if meta.la_code in text:
        rows.append({"la_code": meta.la_code, "planning_area_code": None, "planning_area_name": meta.la_name,
                     "education_phase": "all", "commentary": text[meta.la_code]})
    for r in official.itertuples(index=False):
        rows.append({"la_code": meta.la_code, "planning_area_code": r.planning_area, "planning_area_name": r.name,
                     "education_phase": r.phase, "commentary": text.get(r.planning_area)})
    return pd.DataFrame(rows, columns=["la_code", "planning_area_code", "planning_area_name", "education_phase",
                                       "commentary"])
