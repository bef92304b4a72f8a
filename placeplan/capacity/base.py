"""Places in each planning area from the schools and capacity tables (before capital projects)."""

from __future__ import annotations

import pandas as pd

# Which planning-area column of the schools table each provision is counted in.
AREA_COLUMN = {
    "primary": "primary_planning_area",
    "secondary": "secondary_planning_area",
    "sixth_form": "secondary_planning_area",
}


def capacity_by_area(schools: pd.DataFrame, capacity: pd.DataFrame, area_column: str | None = None) -> pd.DataFrame:
    """Net capacity and PAN summed by planning area and provision.

    Parameters
    ----------
    schools : schools table (school_id, primary_planning_area, secondary_planning_area, sub_area, status)
    capacity : capacity table (school_id, provision, net_capacity [places], pan [pupils], as_of_year)
    area_column : group by this schools column for every provision (e.g. ``sub_area``); by default
        primary places go to ``primary_planning_area`` and secondary / sixth-form places to
        ``secondary_planning_area``.

    Returns
    -------
    DataFrame with columns planning_area, provision, net_capacity [places], pan [pupils per year group],
    schools [count], as_of_year. Only open schools with mainstream provisions are counted.
    """
    open_schools = schools[schools["status"] == "open"]
    merged = capacity.merge(open_schools, on="school_id", how="inner")
    merged = merged[merged["provision"].isin(list(AREA_COLUMN))]
    if area_column is None:
        merged["planning_area"] = merged["primary_planning_area"].where(
            merged["provision"] == "primary", merged["secondary_planning_area"])
    else:
        merged["planning_area"] = merged[area_column]
    merged = merged[merged["planning_area"].notna()]
    grouped = merged.groupby(["planning_area", "provision"], sort=True).agg(
        net_capacity=("net_capacity", "sum"),
        pan=("pan", lambda s: s.sum(min_count=1)),
        schools=("school_id", "nunique"),
        as_of_year=("as_of_year", "max"),
    )
    return grouped.reset_index()


def specialist_capacity(schools: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """Specialist and alternative-provision places by setting.

    Returns school_id, name, setting (special / resourced_provision / alternative_provision),
    provision, net_capacity [places], as_of_year, source.
    """
    rows = capacity[capacity["provision"].isin(["specialist", "alternative_provision"])]
    merged = rows.merge(schools[["school_id", "name", "kind", "status"]], on="school_id")
    merged = merged[merged["status"] == "open"]
    setting = merged["kind"].where(merged["provision"] != "specialist", None)
    setting = setting.fillna(merged["kind"].map(
        {"mainstream": "resourced_provision", "special": "special",
         "resourced_provision": "resourced_provision", "alternative_provision": "alternative_provision"}))
    merged = merged.assign(setting=setting)
    return merged[["school_id", "name", "setting", "provision", "net_capacity", "as_of_year", "source"]] \
        .sort_values(["provision", "setting", "name"]).reset_index(drop=True)
