"""Checks of a SCAP return against the rules of DfE's SCAP guide that can be checked mechanically.

``validate_return(tables, window, planning_areas)`` looks at the return's sheets only (pure: no
I/O, no run) and lists every breach by sheet, row (as in the workbook: the header is row 1) and
column. The rules, and where they come from (``scap_window.GUIDE``; the body of the current guide
could only be read in part, so each rule cites what was read):

``whole_numbers``
    Pupils and places are counts: whole numbers of at least 0 (SCAP collects numbers of places and
    pupils, 2026 guide s.1; 2019 guide parts 2-4). Net need and LA planned places may be negative.
``one_planning_area``
    Every school is listed once and lies in exactly one planning area of each phase it teaches, an
    area of the authority's structure for that phase (planning areas are separate primary and
    secondary structures agreed with DfE: pupil planning areas guidance 2026; a split-site school may
    give a row per site only from 2022, which placeplan does not do). Forecast and planned-place rows
    name a planning area of their phase.
``forecast_years``
    Forecasts for every planning area, every year the round asks for (primary 5, secondary 7 from the
    first forecast year, 2026 guide s.1) and every year group of its phase (R-Y6; Y7-Y11, with Y12
    and Y13 together where given), and no other years.
``capacity_by_year_group``
    A school's capacity by year group adds up to its net capacity: R-Y6 to ``capacity_primary``,
    Y7-Y11 to ``capacity_secondary`` (2019 guide s.2.3-2.4, capacity by year group).
``age_range``
    Schools in scope have capacity in some of Reception to Year 11 (2026 guide s.2.1); capacity and
    NOR lie within the school's age range (a year group it does not teach has no capacity; the NOR's
    year groups are the school's); NOR names its census; planned places are in year groups the school
    teaches (2019 guide s.2.2-2.4, part 4).
``planned_places``
    Planned places only for the round's 3 academic years (2026 guide s.1); additional and bulge
    places at least 0, removed places at most 0 (DfE planned-places data set: removals are
    negative); every row a change (2019 guide part 4).
``totals``
    Totals add up: a forecast row's total is the sum of its year groups; in the place-planning table
    total places = capacity + LA planned places + central programme places, need = forecast - total
    places with **no operating margin** in DfE's columns, additional need only = max(0, need), spare
    = max(0, -need), each Total row and local-authority row the sum of its parts (never offset), the
    forecast and the capacity the same as the forecast and school sheets (DfE school place planning
    technical guidance, dfe-methodology.md s.3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

NCY_LABELS = {0: "R", **{g: f"Y{g}" for g in range(1, 15)}}
LABEL_NCY = {v: k for k, v in NCY_LABELS.items()}
PHASE_NCYS = {"primary": range(0, 7), "secondary": range(7, 12)}
SIXTH = (12, 13)
FIRST_ROW = 2  # a table's first data row in the workbook (row 1 is the header)

RULES = {
    "whole_numbers": ("pupils and places are whole numbers of at least 0",
                      "SCAP 2026 guide s.1; 2019 guide parts 2-4"),
    "one_planning_area": ("each school once, in exactly one planning area of each phase it teaches",
                          "pupil planning areas guidance (2026); SCAP 2022 change (sites)"),
    "forecast_years": ("forecasts for every planning area, required year and year group",
                       "SCAP 2026 guide s.1 (primary 5, secondary 7 academic years)"),
    "capacity_by_year_group": ("capacity by year group adds up to net capacity",
                               "SCAP 2019 guide s.2.3-2.4"),
    "age_range": ("capacity, NOR and planned places within the school's age range; NOR names its census",
                  "SCAP 2026 guide s.2.1; 2019 guide s.2.2-2.4, part 4"),
    "planned_places": ("planned places only in the round's 3 years, not negative unless removed",
                       "SCAP 2026 guide s.1; 2019 guide part 4; DfE planned-places data set"),
    "totals": ("totals add up and DfE's columns carry no operating margin",
               "DfE school place planning technical guidance (dfe-methodology.md s.3)"),
}

COUNT_COLUMNS = {
    "school_capacity": ["nor", "capacity_primary", "capacity_secondary", "sixth_form_capacity", "pan_primary",
                        "pan_secondary", "number_of_year_groups", *[f"capacity_{NCY_LABELS[g]}" for g in range(12)]],
    "specialist_capacity": ["capacity", "post16_capacity"],
    "pupil_forecasts": [*[NCY_LABELS[g] for g in range(14)], "total", "hdc_places", "hif_places"],
    "nor_by_planning_area": [*[NCY_LABELS[g] for g in range(14)], "total"],
    "specialist_forecasts": ["resident_ehcp_specialist_pupils"],
    "planned_places": [],  # signs checked by the planned_places rule; integrality below
    "place_planning": ["pupil_forecast", "estimated_capacity", "total_places", "additional_need_only_places",
                       "spare_places", "local_places_after_margin", "local_additional_need_with_margin"],
}
SIGNED_COLUMNS = {"planned_places": ["additional_places", "bulge_places", "removed_places"],
                  "place_planning": ["la_planned_places", "central_programme_places",
                                     "additional_need_minus_spare_places"]}
DFE_VALUES = ("pupil_forecast", "estimated_capacity", "la_planned_places", "central_programme_places",
              "total_places", "additional_need_minus_spare_places", "additional_need_only_places", "spare_places")


@dataclass(frozen=True, order=True)
class Breach:
    """One breach of a rule: where it is in the workbook and what is wrong.

    sheet : the sheet (table) name
    row : the workbook row (the header is row 1), or None for something missing from the sheet
    column : the column name
    rule : the rule's key in ``RULES``
    message : what is wrong and what was expected
    """

    sheet: str
    row: int | None
    column: str
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{self.sheet}, {where}column {self.column}: {self.message} [{self.rule}]"


def breaches_table(breaches) -> pd.DataFrame:
    """Breaches as a table (rule, sheet, row, column, message, guide), in workbook order."""
    rows = [{"rule": b.rule, "sheet": b.sheet, "row": b.row, "column": b.column, "message": b.message,
             "guide": RULES.get(b.rule, ("", ""))[1]} for b in breaches]
    table = pd.DataFrame(rows, columns=["rule", "sheet", "row", "column", "message", "guide"])
    table["row"] = table["row"].astype("Int64")
    return table


def validate_return(tables: Mapping[str, pd.DataFrame], window, planning_areas: Mapping[str, str],
                    missing_years: Mapping[str, tuple[int, ...]] | None = None) -> list[Breach]:
    """Every breach of the checkable rules (module docstring), sorted by sheet, row and column.

    tables : the return's sheets by name (``scap.SHEETS``; methodology is not checked)
    window : the round (``scap_window.ScapWindow``): its forecast and planned years
    planning_areas : the authority's planning areas, code -> phase (primary / secondary)
    missing_years : forecast years the projection does not reach, by phase (named in the messages)
    """
    breaches: list[Breach] = []
    for check in (_whole_numbers, _one_planning_area, _capacity_by_year_group, _age_range, _planned_places,
                  _totals):
        breaches += check(tables, planning_areas)
    breaches += _forecast_years(tables, window, planning_areas, missing_years or {})
    breaches += _planned_window(tables, window)
    return sorted(set(breaches), key=lambda b: (b.sheet, b.row if b.row is not None else 0, b.column, b.message))


# ---------------------------------------------------------------------------------------------
# helpers


def _blank(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value) -> float | None:
    """A cell as a number (None: blank or not a number)."""
    if _blank(value) or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _whole(value) -> bool:
    number = _number(value)
    return number is not None and number.is_integer()


def _rows(table: pd.DataFrame):
    """(workbook row, record as a dict) for each row of a table."""
    for i, record in enumerate(table.to_dict("records")):
        yield i + FIRST_ROW, record


def _range(text) -> tuple[int, int] | None:
    """'R-Y6' -> (0, 6); None when blank or unreadable."""
    if _blank(text):
        return None
    match = re.fullmatch(r"\s*(R|Y\d{1,2})\s*-\s*(R|Y\d{1,2})\s*", str(text))
    if not match or match.group(1) not in LABEL_NCY or match.group(2) not in LABEL_NCY:
        return None
    return LABEL_NCY[match.group(1)], LABEL_NCY[match.group(2)]


def _int(value) -> int:
    number = _number(value)
    return int(round(number)) if number is not None else 0


def _ay(year: int) -> str:
    return f"{int(year)}/{(int(year) + 1) % 100:02d}"


# ---------------------------------------------------------------------------------------------
# the rules


def _whole_numbers(tables, planning_areas) -> list[Breach]:
    out = []
    for sheet, columns in COUNT_COLUMNS.items():
        table = tables.get(sheet)
        if table is None:
            continue
        for column in columns + SIGNED_COLUMNS.get(sheet, []):
            if column not in table.columns:
                continue
            signed = column in SIGNED_COLUMNS.get(sheet, [])
            for row, value in enumerate(table[column].tolist(), start=FIRST_ROW):
                if _blank(value):
                    continue
                if not _whole(value):
                    out.append(Breach(sheet, row, column, "whole_numbers", f"{value!r} is not a whole number"))
                elif not signed and _number(value) < 0:
                    out.append(Breach(sheet, row, column, "whole_numbers", f"{value:g} is negative (expected at "
                                                                             "least 0)"))
    return out


def _phases_taught(age: tuple[int, int] | None) -> set[str]:
    if age is None:
        return set()
    low, high = age
    return {p for p, ncys in PHASE_NCYS.items() if low <= max(ncys) and high >= min(ncys)}


def _one_planning_area(tables, planning_areas) -> list[Breach]:
    out = []
    schools = tables.get("school_capacity")
    if schools is not None:
        urns = schools["urn"].dropna().astype(str) if "urn" in schools else pd.Series(dtype=str)
        repeated = set(urns[urns.duplicated()])
        for row, r in _rows(schools):
            if not _blank(r.get("urn")) and str(r["urn"]) in repeated:
                out.append(Breach("school_capacity", row, "urn", "one_planning_area",
                                  f"school {r['urn']} is listed more than once"))
            taught = _phases_taught(_range(r.get("age_range")))
            for phase in ("primary", "secondary"):
                column = f"{phase}_planning_area_code"
                code = r.get(column)
                if phase in taught:
                    if _blank(code):
                        out.append(Breach("school_capacity", row, column, "one_planning_area",
                                          f"the school teaches {phase} year groups but has no {phase} planning area"))
                    elif re.search(r"[,;/\s]", str(code)):
                        out.append(Breach("school_capacity", row, column, "one_planning_area",
                                          f"{code!r} names more than one planning area (expected exactly one)"))
                    elif planning_areas.get(str(code)) != phase:
                        out.append(Breach("school_capacity", row, column, "one_planning_area",
                                          f"{code!r} is not a {phase} planning area of the authority"))
                elif not _blank(code):
                    out.append(Breach("school_capacity", row, column, "one_planning_area",
                                      f"the school teaches no {phase} year groups but has {phase} planning area "
                                      f"{code!r}"))
    for sheet, phase_of in (("pupil_forecasts", lambda r: r.get("education_phase")),
                            ("planned_places", lambda r: "primary" if _int(r.get("ncy")) <= 6 else "secondary")):
        table = tables.get(sheet)
        if table is None or "planning_area_code" not in table:
            continue
        for row, r in _rows(table):
            code, phase = r.get("planning_area_code"), phase_of(r)
            if _blank(code) or planning_areas.get(str(code)) != phase:
                out.append(Breach(sheet, row, "planning_area_code", "one_planning_area",
                                  f"{code!r} is not a {phase} planning area of the authority"))
    return out


def _forecast_years(tables, window, planning_areas, missing_years) -> list[Breach]:
    out = []
    table = tables.get("pupil_forecasts")
    if table is None:
        return [Breach("pupil_forecasts", None, "-", "forecast_years", "the sheet is missing")]
    seen: dict[tuple[str, int], int] = {}
    for row, r in _rows(table):
        phase, code = r.get("education_phase"), str(r.get("planning_area_code"))
        year = _int(r.get("academic_year"))
        if (code, year) in seen:
            out.append(Breach("pupil_forecasts", row, "academic_year", "forecast_years",
                              f"planning area {code} has a second row for {_ay(year)} (first at row "
                              f"{seen[(code, year)]})"))
        seen.setdefault((code, year), row)
        wanted = window.forecast_years.get(phase, ())
        if year not in wanted:
            out.append(Breach("pupil_forecasts", row, "academic_year", "forecast_years",
                              f"{_ay(year)} is not a year {window.name} asks for ({phase}: {_ay(wanted[0])} to "
                              f"{_ay(wanted[-1])})" if wanted else f"unknown phase {phase!r}"))
        needed = list(PHASE_NCYS.get(phase, ()))
        if phase == "secondary" and any(not _blank(r.get(NCY_LABELS[g])) for g in SIXTH):
            needed += list(SIXTH)
        for g in needed:
            if _blank(r.get(NCY_LABELS[g])):
                out.append(Breach("pupil_forecasts", row, NCY_LABELS[g], "forecast_years",
                                  f"no forecast for {NCY_LABELS[g]} (expected every year group of the phase"
                                  + ("; Y12 and Y13 together" if g in SIXTH else "") + ")"))
        others = [g for g in range(14) if g not in needed and not (phase == "secondary" and g in SIXTH)]
        for g in others:
            if not _blank(r.get(NCY_LABELS[g])):
                out.append(Breach("pupil_forecasts", row, NCY_LABELS[g], "forecast_years",
                                  f"a {phase} planning area has a forecast for {NCY_LABELS[g]}"))
    for code, phase in sorted(planning_areas.items()):
        for year in window.forecast_years.get(phase, ()):
            if (code, year) not in seen:
                short = year in missing_years.get(phase, ())
                out.append(Breach("pupil_forecasts", None, "academic_year", "forecast_years",
                                  f"no forecast for {phase} planning area {code} in {_ay(year)}"
                                  + (" (the run's projection does not reach it: raise meta.horizon_years)"
                                     if short else "")))
    return out


def _capacity_by_year_group(tables, planning_areas) -> list[Breach]:
    out = []
    schools = tables.get("school_capacity")
    if schools is None:
        return out
    for row, r in _rows(schools):
        for phase, column in (("primary", "capacity_primary"), ("secondary", "capacity_secondary")):
            parts = sum(_int(r.get(f"capacity_{NCY_LABELS[g]}")) for g in PHASE_NCYS[phase])
            whole = _number(r.get(column))
            if (whole or 0) != parts:
                first, last = NCY_LABELS[min(PHASE_NCYS[phase])], NCY_LABELS[max(PHASE_NCYS[phase])]
                out.append(Breach("school_capacity", row, column, "capacity_by_year_group",
                                  f"capacity {first}-{last} by year group adds up to {parts}, {column} is "
                                  f"{'blank' if whole is None else f'{whole:g}'}"))
    return out


def _age_range(tables, planning_areas) -> list[Breach]:
    out = []
    schools = tables.get("school_capacity")
    ages: dict[str, tuple[int, int]] = {}
    if schools is not None:
        for row, r in _rows(schools):
            age = _range(r.get("age_range"))
            if age is None:
                out.append(Breach("school_capacity", row, "age_range", "age_range",
                                  f"{r.get('age_range')!r} is not an age range such as R-Y6"))
                continue
            low, high = age
            if not _blank(r.get("urn")):
                ages[str(r["urn"])] = age
            values = {g: _int(r.get(f"capacity_{NCY_LABELS[g]}")) for g in range(12)}
            if not any(values.values()):
                out.append(Breach("school_capacity", row, "capacity_R", "age_range",
                                  "no capacity in any of Reception to Year 11 (not a school SCAP includes)"))
            for g, value in values.items():
                if value and not low <= g <= high:
                    out.append(Breach("school_capacity", row, f"capacity_{NCY_LABELS[g]}", "age_range",
                                      f"{value} places in {NCY_LABELS[g]}, outside the school's age range "
                                      f"{r['age_range']}"))
            if _int(r.get("sixth_form_capacity")) and high < 12:
                out.append(Breach("school_capacity", row, "sixth_form_capacity", "age_range",
                                  f"sixth-form capacity at a school teaching {r['age_range']}"))
            if not _blank(r.get("nor")):
                block = _range(r.get("nor_year_groups"))
                if block is None or block[0] < low or block[1] > high:
                    out.append(Breach("school_capacity", row, "nor_year_groups", "age_range",
                                      f"NOR year groups {r.get('nor_year_groups')!r} are not within the school's "
                                      f"age range {r['age_range']}"))
                if _blank(r.get("nor_census")):
                    out.append(Breach("school_capacity", row, "nor_census", "age_range",
                                      "the NOR does not name the census it comes from"))
    planned = tables.get("planned_places")
    if planned is not None:
        for row, r in _rows(planned):
            age = ages.get(str(r.get("urn")))
            g = _int(r.get("ncy"))
            if age is not None and not age[0] <= g <= age[1]:
                out.append(Breach("planned_places", row, "ncy", "age_range",
                                  f"planned places in {NCY_LABELS.get(g, g)}, outside the school's age range"))
    return out


def _planned_places(tables, planning_areas) -> list[Breach]:
    out = []
    planned = tables.get("planned_places")
    if planned is None:
        return out
    for row, r in _rows(planned):
        additional, bulge, removed = (_number(r.get(c)) for c in ("additional_places", "bulge_places",
                                                                   "removed_places"))
        for column, value, ok in (("additional_places", additional, lambda v: v >= 0),
                                  ("bulge_places", bulge, lambda v: v >= 0),
                                  ("removed_places", removed, lambda v: v <= 0)):
            if value is not None and not ok(value):
                out.append(Breach("planned_places", row, column, "planned_places",
                                  f"{value:g} {column.replace('_', ' ')} (expected "
                                  + ("at most 0: removals are negative)" if column == "removed_places"
                                     else "at least 0; places taken away are removed_places)")))
        if not any(v for v in (additional, bulge, removed)):
            out.append(Breach("planned_places", row, "additional_places", "planned_places",
                              "the row changes no places"))
        g = _int(r.get("ncy"))
        if not 0 <= g <= 14 or (not _blank(r.get("nc_year_group")) and LABEL_NCY.get(r["nc_year_group"]) != g):
            out.append(Breach("planned_places", row, "ncy", "planned_places",
                              f"year group {r.get('ncy')!r} / {r.get('nc_year_group')!r} is not one NCY (R-Y14)"))
    return out


def _planned_window(tables, window) -> list[Breach]:
    out = []
    planned = tables.get("planned_places")
    if planned is None:
        return out
    years = window.planned_years
    for row, r in _rows(planned):
        year = _int(r.get("academic_year"))
        if year not in years:
            out.append(Breach("planned_places", row, "academic_year", "planned_places",
                              f"{_ay(year)} is outside {window.name}'s planned-places years "
                              f"({_ay(years[0])} to {_ay(years[-1])})"))
    return out


def _totals(tables, planning_areas) -> list[Breach]:
    out = []
    for sheet in ("pupil_forecasts", "nor_by_planning_area"):
        table = tables.get(sheet)
        if table is None:
            continue
        for row, r in _rows(table):
            parts = sum(_int(r.get(NCY_LABELS[g])) for g in range(14))
            if _int(r.get("total")) != parts:
                out.append(Breach(sheet, row, "total", "totals",
                                  f"total {r.get('total')} is not the sum of the year groups ({parts})"))
    table = tables.get("place_planning")
    if table is None or table.empty:
        return out
    out += _place_planning_rows(table)
    out += _place_planning_sums(table)
    out += _place_planning_sources(table, tables.get("pupil_forecasts"), tables.get("school_capacity"))
    return out


def _place_planning_rows(table: pd.DataFrame) -> list[Breach]:
    out = []
    for row, r in _rows(table):
        v = {c: _int(r.get(c)) for c in DFE_VALUES}
        total = v["estimated_capacity"] + v["la_planned_places"] + v["central_programme_places"]
        need = v["pupil_forecast"] - v["total_places"]
        checks = (("total_places", v["total_places"], total, "capacity + LA planned + central programme places"),
                  ("additional_need_minus_spare_places", v["additional_need_minus_spare_places"], need,
                   "forecast - total places (DfE's columns have no operating margin)"),
                  ("additional_need_only_places", v["additional_need_only_places"], max(need, 0), "max(0, need)"),
                  ("spare_places", v["spare_places"], max(-need, 0), "max(0, -need)"))
        if r.get("nc_year_group") == "Total" or r.get("geographic_level") != "Planning area":
            checks = checks[:2]  # sums of the parts: max(0, .) of a sum is not the sum of max(0, .)
        for column, got, want, rule in checks:
            if got != want:
                out.append(Breach("place_planning", row, column, "totals", f"{got} is not {rule} = {want}"))
    return out


def _place_planning_sums(table: pd.DataFrame) -> list[Breach]:
    out = []
    rows = table.assign(_row=range(FIRST_ROW, FIRST_ROW + len(table)))
    area = rows["geographic_level"] == "Planning area"
    detail = rows[area & (rows["nc_year_group"] != "Total")]
    values = list(DFE_VALUES)
    groups = [
        (rows[area & (rows["nc_year_group"] == "Total")], ["planning_area_code", "education_phase", "academic_year"],
         "the planning area's year groups"),
        (rows[~area & (rows["nc_year_group"] != "Total")], ["education_phase", "academic_year", "nc_year_group"],
         "the planning areas' rows for that year group"),
        (rows[~area & (rows["nc_year_group"] == "Total")], ["education_phase", "academic_year"],
         "every planning area's year groups"),
    ]
    for totals, keys, parts_name in groups:
        sums = detail.groupby(keys, as_index=False)[values].sum()
        merged = totals.merge(sums, on=keys, how="left", suffixes=("", "_parts"))
        for column in values:
            want = merged[f"{column}_parts"].fillna(0).astype(int)
            got = merged[column].map(_int)
            for r_row, g, w in zip(merged["_row"][got != want], got[got != want], want[got != want]):
                out.append(Breach("place_planning", int(r_row), column, "totals",
                                  f"{g} is not the sum of {parts_name} ({w})"))
    return out


def _place_planning_sources(table, forecasts, schools) -> list[Breach]:
    """The place-planning forecast and capacity are the forecast sheet's and the schools' own."""
    out = []
    cells = {}
    if forecasts is not None:
        for r in forecasts.to_dict("records"):
            cells[(str(r["planning_area_code"]), _int(r["academic_year"]))] = r
    capacity: dict[tuple[str, int], int] = {}
    if schools is not None:
        for r in schools.to_dict("records"):
            for g in range(12):
                code = r.get("primary_planning_area_code" if g <= 6 else "secondary_planning_area_code")
                if not _blank(code):
                    capacity[(str(code), g)] = capacity.get((str(code), g), 0) + _int(r.get(f"capacity_{NCY_LABELS[g]}"))
    for row, r in _rows(table):
        if r.get("geographic_level") != "Planning area" or r.get("nc_year_group") == "Total":
            continue
        code, g = str(r.get("planning_area_code")), _int(r.get("ncy"))
        source = cells.get((code, _int(r.get("academic_year"))))
        if forecasts is not None and (source is None or _int(source.get(NCY_LABELS[g])) != _int(r["pupil_forecast"])):
            want = None if source is None else _int(source.get(NCY_LABELS[g]))
            out.append(Breach("place_planning", row, "pupil_forecast", "totals",
                              f"{_int(r['pupil_forecast'])} is not the pupil_forecasts sheet's figure ({want})"))
        if schools is not None and capacity.get((code, g), 0) != _int(r.get("estimated_capacity")):
            out.append(Breach("place_planning", row, "estimated_capacity", "totals",
                              f"{_int(r.get('estimated_capacity'))} is not the sum of the area's schools' "
                              f"{NCY_LABELS[g]} capacity ({capacity.get((code, g), 0)})"))
    return out
