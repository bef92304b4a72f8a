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
    rows = []
    for area in planning_areas.itertuples(index=False):
        for provision in PHASE_PROVISIONS[area.phase]:
            ncys = PROVISION_NCY[provision]
            if area.kind == "official":
                nor = year_pupils.loc[(year_pupils["planning_area"] == area.planning_area)
                                      & year_pupils["ncy"].isin(ncys), "nor"].sum()
                cap = official_cap
                method = official_method
            else:
                parent_nor = year_pupils.loc[(year_pupils["planning_area"] == area.parent)
                                             & year_pupils["ncy"].isin(ncys), "nor"].sum()
                share, share_year = _sub_area_share(schools, school_nor, area.planning_area, area.parent, ncys)
                nor = parent_nor * share
                cap = sub_cap
                method = f"parent area's roll x share of school rolls ({share_year})"
            places = cap.loc[(cap["planning_area"] == area.planning_area) & (cap["provision"] == provision)]
            if places.empty and nor == 0:
                continue
            rows.append({
                "planning_area": area.planning_area, "name": area.name, "phase": area.phase, "kind": area.kind,
                "provision": provision, "nor": float(nor), "nor_year": base_year,
                "net_capacity": float(places["net_capacity"].sum()) if not places.empty else np.nan,
                "capacity_year": int(places["as_of_year"].max()) if not places.empty else pd.NA,
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


def _sub_area_share(schools: pd.DataFrame, school_nor: pd.DataFrame | None, sub_area: str,
                    parent: str, ncys: range) -> tuple[float, str]:
    """Share of the parent area's roll in one sub-area, from the latest whole-school rolls.

    Only schools that teach some of the year groups ``ncys`` count (a sub-area with no sixth
    form gets no sixth-form pupils).
    """
    teaches = (schools["ncy_low"] <= max(ncys)) & (schools["ncy_high"] >= min(ncys))
    members = schools[(schools["secondary_planning_area"] == parent) & schools["sub_area"].notna() & teaches]
    if school_nor is None or school_nor.empty:
        return np.nan, "no school rolls"
    rolls = school_nor[school_nor["school_id"].isin(members["school_id"])]
    if rolls.empty:
        return np.nan, "no school rolls"
    latest = rolls["academic_year"].max()
    rolls = rolls[rolls["academic_year"] == latest].merge(members[["school_id", "sub_area"]], on="school_id")
    total = rolls["nor"].sum()
    share = rolls.loc[rolls["sub_area"] == sub_area, "nor"].sum() / total if total else np.nan
    return float(share), f"{latest}/{str(latest + 1)[-2:]}"


def position_totals(position: pd.DataFrame) -> pd.DataFrame:
    """Authority totals by provision over official areas: sums of the parts, no offsetting."""
    official = position[position["kind"] == "official"]
    totals = official.groupby("provision", sort=False)[["nor", "net_capacity", "spare_places", "places_needed"]] \
        .sum(min_count=1).reset_index()
    totals["spare_pct"] = 100 * totals["spare_places"] / totals["net_capacity"]
    return totals
