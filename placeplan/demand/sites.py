"""Named housing sites summed into the area completion trajectories (the ``housing_sites`` table).

No-double-counting rule
-----------------------
The ``housing`` table is the background trajectory WITHOUT the named sites. A site's homes are added to
the ``housing`` row of its primary planning area and academic year; a year with no row gets a new
``planned`` row. A year whose ``housing`` row is ``actual`` takes nothing from the sites: recorded
completions already count every home built, the sites' among them (the homes left out are listed in the
ledger). Site homes are planned, so the delivery factor and the netting-out of trend growth
(:mod:`placeplan.demand.housing`) apply to them exactly as to the rest of the trajectory.

A site is placed by ``planning_area`` or, for a catchment, by ``school_id``: the school's
``primary_planning_area``. Pure functions of tables; nothing reads files.
"""

from __future__ import annotations

import pandas as pd

LEDGER_COLUMNS = ["site", "name", "planning_area", "academic_year", "dwellings", "counted", "note"]


def site_areas(sites: pd.DataFrame, schools: pd.DataFrame | None) -> pd.Series:
    """Primary planning area of each site row: its ``planning_area``, else its school's primary area.

    Returns a Series aligned with ``sites`` (NA where neither resolves; the checks report those rows).
    """
    by_school = ({} if schools is None else
                 dict(zip(schools["school_id"], schools["primary_planning_area"])))
    from_school = sites["school_id"].map(by_school)
    return sites["planning_area"].where(sites["planning_area"].notna(), from_school)


def housing_with_sites(housing: pd.DataFrame, sites: pd.DataFrame | None,
                       schools: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``housing`` table with the sites' homes added (module docstring's rule).

    Parameters
    ----------
    housing : DataFrame
        The ``housing`` table (planning_area, academic_year, dwellings [dwellings], kind, source).
    sites : DataFrame or None
        The ``housing_sites`` table; None or empty: ``housing`` unchanged.
    schools : DataFrame or None
        The ``schools`` table, to place sites given by school_id.

    Returns
    -------
    combined : DataFrame
        One row per planning area and year, the ``housing`` columns [dwellings].
    ledger : DataFrame
        One row per site row: site, name, planning_area, academic_year, dwellings, counted (False in an
        ``actual`` year), note.
    """
    if sites is None or sites.empty:
        return housing, pd.DataFrame(columns=LEDGER_COLUMNS)
    placed = sites.assign(planning_area=site_areas(sites, schools))
    placed = placed[placed["planning_area"].notna()]
    kinds = housing.set_index(["planning_area", "academic_year"])["kind"]
    kinds = kinds[~kinds.index.duplicated()]
    keys = pd.MultiIndex.from_arrays([placed["planning_area"], placed["academic_year"]])
    actual = (kinds.reindex(keys) == "actual").to_numpy()
    ledger = pd.DataFrame({
        "site": placed["site"].to_numpy(), "name": placed["name"].fillna(placed["site"]).to_numpy(),
        "planning_area": placed["planning_area"].to_numpy(), "academic_year": placed["academic_year"].to_numpy(),
        "dwellings": placed["dwellings"].astype(float).to_numpy(), "counted": ~actual,
        "note": ["already in the actual completions" if a else "added to the trajectory (planned)" for a in actual],
    })
    added = ledger[ledger["counted"]].groupby(["planning_area", "academic_year"], as_index=False).agg(
        site_dwellings=("dwellings", "sum"), sites=("site", lambda s: ", ".join(dict.fromkeys(s))))
    merged = housing.merge(added, on=["planning_area", "academic_year"], how="outer", sort=False)
    fresh = merged["kind"].isna()
    merged["dwellings"] = merged["dwellings"].fillna(0.0) + merged["site_dwellings"].fillna(0.0)
    merged["kind"] = merged["kind"].where(~fresh, "planned")
    with_sites = merged["sites"].notna()
    tagged = (merged["source"].fillna("") + "; sites: " + merged["sites"].fillna("")).str.lstrip("; ")
    merged["source"] = merged["source"].where(~with_sites, tagged)
    combined = merged[list(housing.columns)].sort_values(["planning_area", "academic_year"], kind="stable")
    return combined.reset_index(drop=True), ledger.reset_index(drop=True)


def scenario_housing(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The completions the projection uses: ``housing`` plus ``housing_sites`` (:func:`housing_with_sites`)."""
    return housing_with_sites(tables["housing"], tables.get("housing_sites"), tables.get("schools"))[0]


def site_ledger(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every site row and whether its homes were added (:func:`housing_with_sites`)."""
    return housing_with_sites(tables["housing"], tables.get("housing_sites"), tables.get("schools"))[1]
