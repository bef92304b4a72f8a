"""Entry-year pressure: Reception and Year 7 pupils against the admission places (PAN).

A planning area can have spare places overall and still turn children away at the entry year:
its schools admit at most their published admission numbers (PAN) into Reception (primary) or
Year 7 (secondary). Entry places in a year = the sum of the PANs of the area's open schools that
admit at that year group, plus the places capital projects add to that year group by then (an
expansion phased ``by_year_group`` adds its new form of entry at the entry year first; a bulge
class adds one class once). No operating margin is taken off: a PAN is a legal admission limit,
not a planning figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placeplan.quantiles import quantile_columns

ENTRY_NCY = {"primary": 0, "secondary": 7}  # national curriculum year of entry per phase (R = 0)


def entry_pan(schools: pd.DataFrame, capacity: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Admission places at entry per (planning area, phase), from open mainstream schools [pupils].

    A primary school counts when it teaches Reception (``ncy_low <= 0``; a junior school does not),
    with the PAN of its ``primary`` capacity row, in its ``primary_planning_area``. A school counts
    for Year 7 when it teaches Year 7, with the PAN of its ``secondary`` row, in its
    ``secondary_planning_area`` (an all-through school counts in both). Rows without a PAN count 0.
    """
    open_schools = schools[schools["status"] == "open"]
    merged = capacity.merge(open_schools, on="school_id", how="inner")
    out: dict[tuple[str, str], float] = {}
    for phase, ncy in ENTRY_NCY.items():
        column = "primary_planning_area" if phase == "primary" else "secondary_planning_area"
        rows = merged[(merged["provision"] == phase) & (merged["ncy_low"] <= ncy) & (merged["ncy_high"] >= ncy)
                      & merged[column].notna() & (merged[column] != "")]
        for area, pan in rows.groupby(column)["pan"].sum(min_count=1).items():
            out[(str(area), phase)] = float(0.0 if pd.isna(pan) else pan)
    return out


def entry_places(pan: float, places: np.ndarray, base_places: float) -> np.ndarray:
    """Entry places: the PAN plus what projects added to (or removed from) the entry year group [pupils].

    Parameters
    ----------
    pan : the area's admission places at entry before any project [pupils]
    places : entry-year-group places from the capacity timeline, any shape [places]
    base_places : the same year group's places before any project [places]
    """
    return pan + (places - base_places)


def entry_pressure(demand: np.ndarray, central_demand: np.ndarray, places: np.ndarray, planned_places: np.ndarray,
                   base_places: np.ndarray, areas: tuple[str, ...], years: np.ndarray,
                   phase_of_area: dict[str, str], names: dict[str, str], pans: dict[tuple[str, str], float],
                   quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Reception and Year 7 demand against admission places, per planning area and year.

    Parameters
    ----------
    demand : (draw, area, ncy 0-13, year) projected pupils [pupils]
    central_demand : (1, area, ncy, year) the central projection [pupils]
    places : (draw, area, ncy, year) simulated places (projects open when the simulation says) [places]
    planned_places : (1, area, ncy, year) places with every project on its planned date [places]
    base_places : (area, ncy) places before any project [places]
    areas, years : the axes; phase_of_area, names : per area code
    pans : ``entry_pan`` output
    quantiles : quantiles of entry demand reported [fractions]

    Returns
    -------
    DataFrame: planning_area, name, phase, entry_ncy, academic_year, entry_places_planned [pupils],
    demand_central, demand_pXX [pupils], over_pan_central (central demand above planned entry
    places), spare_at_entry_central, p_over_pan (share of draws in which entry demand exceeds the
    entry places open that year in the same draw).
    """
    qnames = quantile_columns(quantiles)
    rows = []
    for a, area in enumerate(areas):
        phase = "primary" if phase_of_area.get(area) == "primary" else "secondary"
        if (area, phase) not in pans:
            continue
        e = ENTRY_NCY[phase]
        pan = pans[(area, phase)]
        simulated = entry_places(pan, places[:, a, e, :], base_places[a, e])  # (draw, year)
        planned = entry_places(pan, planned_places[0, a, e, :], base_places[a, e])  # (year,)
        drawn = demand[:, a, e, :]
        central = central_demand[0, a, e, :]
        qs = np.quantile(drawn, quantiles, axis=0)
        over = (drawn > simulated).mean(axis=0)
        for y, year in enumerate(years):
            row = {"planning_area": area, "name": names.get(area, area), "phase": phase, "entry_ncy": e,
                   "academic_year": int(year), "entry_places_planned": planned[y], "demand_central": central[y]}
            row.update({f"demand_{n}": qs[i, y] for i, n in enumerate(qnames)})
            row["over_pan_central"] = max(central[y] - planned[y], 0.0)
            row["spare_at_entry_central"] = max(planned[y] - central[y], 0.0)
            row["p_over_pan"] = float(over[y])
            rows.append(row)
    columns = ["planning_area", "name", "phase", "entry_ncy", "academic_year", "entry_places_planned",
               "demand_central", *[f"demand_{n}" for n in qnames], "over_pan_central", "spare_at_entry_central",
               "p_over_pan"]
    return pd.DataFrame(rows, columns=columns)
