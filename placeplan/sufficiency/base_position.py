"""The base-year position: pupils on roll against places, planning area by planning area.

DfE's rule applies: spare places in one planning area never offset pupils over capacity in
another, so totals are sums of each area's spare places and each area's shortfall.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placeplan.capacity.base import capacity_by_area

# National curriculum years counted against each provision's places.
PROVISION_NCY = {"primary": range(0, 7), "secondary": range(7, 12), "sixth_form": range(12, 14)}
PHASE_PROVISIONS = {"primary": ("primary",), "secondary": ("secondary", "sixth_form")}


def base_position(
    planning_areas: pd.DataFrame,
    pupils: pd.DataFrame,
    schools: pd.DataFrame,
    capacity: pd.DataFrame,
    school_nor: pd.DataFrame | None,
    base_year: int,
) -> pd.DataFrame:
    """Pupils on roll in ``base_year`` against net capacity, by planning area and provision.

    Official planning areas take their pupils from the pupil history (the pupils table, or
    ``demand.rebase.history_table`` with a ``status`` column when the base year's year groups are
    estimated). Sub-areas (analysis
    groupings inside an official area) have no pupil series of their own: their roll is the
    parent area's roll shared out in proportion to the latest whole-school rolls of their
    schools (``nor_method`` says so).

    Returns
    -------
    DataFrame: planning_area, name, phase, kind, provision, nor [pupils], nor_year,
    net_capacity [places], capacity_year, spare_places [places], places_needed [places]
    (pupils beyond capacity), spare_pct [% of capacity], nor_method.
    """
    official_cap = capacity_by_area(schools, capacity)
    sub_cap = capacity_by_area(schools, capacity, area_column="sub_area")
    year_pupils = pupils[pupils["academic_year"] == base_year]
    estimated = "status" in year_pupils.columns and (year_pupils["status"] == "estimated").any()
    official_method = (f"year groups estimated to the observed totals of {base_year}/{str(base_year + 1)[-2:]}"
                       if estimated else f"January census {base_year}/{str(base_year + 1)[-2:]}")
    provision_of = {ncy: provision for provision, ncys in PROVISION_NCY.items() for ncy in ncys}
    area_nor = year_pupils.assign(provision=year_pupils["ncy"].map(provision_of)) \
        .groupby(["planning_area", "provision"])["nor"].sum().to_dict()
    places_of = {(official, code, provision): group
                 for official, cap in ((True, official_cap), (False, sub_cap))
                 for (code, provision), group in cap.groupby(["planning_area", "provision"], sort=False)}
    shares = _sub_area_shares(schools, school_nor)
    rows = []
    for area in planning_areas.itertuples(index=False):
        for provision in PHASE_PROVISIONS[area.phase]:
            if area.kind == "official":
                nor = area_nor.get((area.planning_area, provision), 0.0)
                method = official_method
            else:
                parent_nor = area_nor.get((area.parent, provision), 0.0)
                share, share_year = shares(area.planning_area, area.parent, PROVISION_NCY[provision])
                nor = parent_nor * share
                method = f"parent area's roll x share of school rolls ({share_year})"
            places = places_of.get((area.kind == "official", area.planning_area, provision))
            if places is None and nor == 0:
                continue
            rows.append({
                "planning_area": area.planning_area, "name": area.name, "phase": area.phase, "kind": area.kind,
                "provision": provision, "nor": float(nor), "nor_year": base_year,
                "net_capacity": float(places["net_capacity"].sum()) if places is not None else np.nan,
                "capacity_year": int(places["as_of_year"].max()) if places is not None else pd.NA,
                "nor_method": method,
            })
    table = pd.DataFrame(rows)
    gap = table["net_capacity"] - table["nor"]
    table["spare_places"] = gap.clip(lower=0)
    table["places_needed"] = (-gap).clip(lower=0)
    table["spare_pct"] = 100 * table["spare_places"] / table["net_capacity"].where(table["net_capacity"] > 0)
    order = ["planning_area", "name", "phase", "kind", "provision", "nor", "nor_year", "net_capacity",
             "capacity_year", "spare_places", "places_needed", "spare_pct", "nor_method"]
    return table[order]


def _sub_area_shares(schools: pd.DataFrame, school_nor: pd.DataFrame | None):
    """``share(sub_area, parent, ncys)``: a sub-area's share of its parent area's roll, from the latest
    whole-school rolls, with the year it comes from.

    Only schools that teach some of the year groups ``ncys`` count (a sub-area with no sixth
    form gets no sixth-form pupils). Each (parent, year groups) is worked out once.
    """
    in_sub = schools[schools["sub_area"].notna()]
    by_parent = dict(tuple(in_sub.groupby("secondary_planning_area", sort=False)))
    rolls_by_school = {} if school_nor is None else dict(tuple(school_nor.groupby("school_id", sort=False)))
    cache: dict = {}

    def parent_rolls(parent: str, ncys: range):
        key = (parent, min(ncys), max(ncys))
        if key not in cache:
            members = by_parent.get(parent, in_sub.iloc[:0])
            members = members[(members["ncy_low"] <= max(ncys)) & (members["ncy_high"] >= min(ncys))]
            found = [rolls_by_school[s] for s in members["school_id"] if s in rolls_by_school]
            if not found:
                cache[key] = None
            else:
                rolls = pd.concat(found)
                latest = rolls["academic_year"].max()
                rolls = rolls[rolls["academic_year"] == latest].merge(members[["school_id", "sub_area"]],
                                                                      on="school_id")
                cache[key] = (rolls.groupby("sub_area")["nor"].sum(), rolls["nor"].sum(), latest)
        return cache[key]

    def share(sub_area: str, parent: str, ncys: range) -> tuple[float, str]:
        found = parent_rolls(parent, ncys)
        if found is None:
            return np.nan, "no school rolls"
        by_sub, total, latest = found
        value = by_sub.get(sub_area, 0.0) / total if total else np.nan
        return float(value), f"{latest}/{str(latest + 1)[-2:]}"

    return share


def position_totals(position: pd.DataFrame) -> pd.DataFrame:
    """Authority totals by provision over official areas: sums of the parts, no offsetting."""
    official = position[position["kind"] == "official"]
    totals = official.groupby("provision", sort=False)[["nor", "net_capacity", "spare_places", "places_needed"]] \
        .sum(min_count=1).reset_index()
    totals["spare_pct"] = 100 * totals["spare_places"] / totals["net_capacity"]
    return totals
