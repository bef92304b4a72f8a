"""Places at each school by year group: the unit of supply.

Every mainstream place belongs to a school and a year group (NCY, R = 0). A school's places in
each year group come from its own data, in this order:

1. **given**: the scenario's ``capacity_by_ncy`` table (the SCAP "capacity by year group" a
   council reports), used as it is.
2. **pan**: a PAN from a published source (``pan_source`` published or council): every year
   group the school teaches in that provision gets PAN places, reconciled to the net capacity
   so the year groups always sum to it (SCAP reports year-group capacities that add up to the
   school's capacity):

   * net capacity above PAN x year groups (a spare classroom, a building larger than its
     intake): the extra places are spread evenly over the year groups;
   * net capacity below PAN x year groups (a PAN raised ahead of the building, or admissions
     filling up from Reception after an expansion): the oldest year groups, admitted at the
     earlier and smaller intake, have the fewer places: the shortfall is taken from the top
     year group down, each kept at no less than zero.

3. **indicative**: no published PAN and no year-group figures: net capacity / year groups
   taught. The year-group comparison of such a school is only indicative, and it is judged on
   whole-school places (``sufficiency.units``).

Sixth-form places (provision ``sixth_form``, SCAP Annex A) are held on their own and spread
over Y12-Y13; they are never part of the Y7-Y11 places or of a PAN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PROVISION_NCYS = {"primary": range(0, 7), "secondary": range(7, 12), "sixth_form": range(12, 14)}
MAINSTREAM = tuple(PROVISION_NCYS)
NCYS = np.arange(0, 14)
FIRM_BASES = ("given", "pan")
PUBLISHED_PAN = ("published", "council")


def taught_ncys(provision: str, ncy_low: int, ncy_high: int) -> list[int]:
    """Year groups of ``provision`` a school teaching ``ncy_low``-``ncy_high`` has (all of them if none)."""
    taught = [g for g in PROVISION_NCYS[provision] if ncy_low <= g <= ncy_high]
    return taught or list(PROVISION_NCYS[provision])


def pan_year_groups(pan: float, net_capacity: float, n: int) -> np.ndarray:
    """Places per year group from a PAN, reconciled to net capacity (rule 2 of the module docstring).

    Parameters
    ----------
    pan : published admission number [pupils per year group]
    net_capacity : the school's net capacity in the provision [places]
    n : year groups taught [count]

    Returns
    -------
    ndarray (n,): places by year group, youngest first, summing to ``net_capacity`` [places]

    Examples
    --------
    >>> pan_year_groups(30, 240, 7).tolist()  # 30 extra places over 7 year groups
    [34.285714285714285, 34.285714285714285, 34.285714285714285, 34.285714285714285, 34.285714285714285, 34.285714285714285, 34.285714285714285]
    >>> pan_year_groups(150, 450, 5).tolist()  # PAN 150 ahead of the building: older years smaller
    [150.0, 150.0, 150.0, 0.0, 0.0]
    """
    places = np.full(n, float(pan))
    gap = float(net_capacity) - places.sum()
    if gap >= 0:
        return places + gap / n
    short = -gap
    for g in range(n - 1, -1, -1):
        cut = min(short, places[g])
        places[g] -= cut
        short -= cut
        if short <= 0:
            break
    return places


def school_places(schools: pd.DataFrame, capacity: pd.DataFrame,
                  capacity_by_ncy: pd.DataFrame | None = None) -> pd.DataFrame:
    """Places by open school, provision and year group, before capital projects.

    Parameters
    ----------
    schools : schools table (school_id, status, ncy_low, ncy_high, ...)
    capacity : capacity table (school_id, provision, net_capacity [places], pan, pan_source, as_of_year)
    capacity_by_ncy : optional table (school_id, ncy, places [places], as_of_year)

    Returns
    -------
    DataFrame: school_id, provision, ncy, places [places], basis (given / pan / indicative),
    as_of_year. Only mainstream provisions (primary, secondary, sixth_form) of open schools.
    """
    open_schools = schools[schools["status"] == "open"].set_index("school_id")
    given = capacity_by_ncy if capacity_by_ncy is not None and not capacity_by_ncy.empty else None
    given_ids = set(given["school_id"]) if given is not None else set()
    pan_source = capacity["pan_source"] if "pan_source" in capacity else pd.Series(None, index=capacity.index)
    rows = []
    for row, source in zip(capacity.itertuples(index=False), pan_source):
        if row.provision not in PROVISION_NCYS or row.school_id not in open_schools.index:
            continue
        school = open_schools.loc[row.school_id]
        taught = taught_ncys(row.provision, int(school["ncy_low"]), int(school["ncy_high"]))
        if row.school_id in given_ids:
            mine = given[(given["school_id"] == row.school_id) & given["ncy"].isin(list(PROVISION_NCYS[row.provision]))]
            if not mine.empty:
                for g, places, year in zip(mine["ncy"], mine["places"], mine["as_of_year"]):
                    rows.append((row.school_id, row.provision, int(g), float(places), "given", int(year)))
                continue
        pan = row.pan
        published = isinstance(source, str) and source in PUBLISHED_PAN and not pd.isna(pan) and pan > 0
        if row.provision != "sixth_form" and published:
            values, basis = pan_year_groups(pan, row.net_capacity, len(taught)), "pan"
        else:
            values, basis = np.full(len(taught), row.net_capacity / len(taught)), "indicative"
        for g, places in zip(taught, values):
            rows.append((row.school_id, row.provision, g, float(places), basis, int(row.as_of_year)))
    return pd.DataFrame(rows, columns=["school_id", "provision", "ncy", "places", "basis", "as_of_year"])


def school_index(places: pd.DataFrame) -> tuple[str, ...]:
    """The schools of a ``school_places`` table, in first-seen order (the school axis of arrays)."""
    return tuple(dict.fromkeys(places["school_id"]))


def places_array(places: pd.DataFrame, schools: tuple[str, ...]) -> np.ndarray:
    """A ``school_places`` table as an (school, ncy 0-13) array in the order of ``schools`` [places]."""
    index = {s: i for i, s in enumerate(schools)}
    out = np.zeros((len(schools), len(NCYS)))
    for school, g, value in zip(places["school_id"], places["ncy"], places["places"]):
        if school in index:
            out[index[school], g] += value
    return out


def school_basis(places: pd.DataFrame) -> dict[str, str]:
    """Year-group basis of each school: ``firm`` when every provision is given or from a published PAN
    (sixth form aside), else ``indicative``."""
    main = places[places["provision"] != "sixth_form"]
    firm = main.groupby("school_id")["basis"].agg(lambda b: bool(b.isin(FIRM_BASES).all()))
    out = {s: ("firm" if f else "indicative") for s, f in firm.items()}
    for s in places["school_id"]:
        out.setdefault(s, "indicative")
    return out


def phase_basis(places: pd.DataFrame, schools: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per phase (primary R-Y6, secondary Y7-Y11), which schools of ``schools`` have firm year-group places
    there (given or from a published PAN) and which have places there at all.

    Returns {"primary": (firm, has), "secondary": (firm, has)} as boolean arrays over ``schools``.
    """
    out = {}
    for phase in ("primary", "secondary"):
        rows = places[places["provision"] == phase]
        firm = rows.groupby("school_id")["basis"].agg(lambda b: bool(b.isin(FIRM_BASES).all()))
        has = set(rows.loc[rows["places"] > 0, "school_id"])
        out[phase] = (np.array([bool(firm.get(s, False)) for s in schools]), np.array([s in has for s in schools]))
    return out
