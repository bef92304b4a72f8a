"""The back-test's record of chances: for each cell, what placeplan said the chance of an event was, and
whether it happened.

A cell is a planning area x year group (NCY) x horizon at one base year of the rolling-origin
back-test (method runs only). Two events:

* ``places``: pupils in the cell's year group exceed the area's places in it, P(pupils > places). The
  places are the area's places in that year group as the model builds them
  (:func:`placeplan.capacity.places.school_places`, summed over the area's schools), from the
  scenario's **current** capacity tables and without the capital programme: past capacities are not in
  the data, so every base year is tested against today's places. Year groups R-Y11 only (sixth form
  is not judged for sufficiency), and only cells with places. This is the year-group comparison,
  without the operating margin; the report's "chance of a shortfall" sums need over the year groups
  of a phase (the two differ, but both are the share of draws beyond a threshold).
* ``growth``: the year group at ``base + h`` has more pupils than the same year group at the base
  year, P(pupils(b + h) > pupils(b)). Cells with no pupils at the base year are left out.

Cells whose actual is unknown (beyond the history) are left out. Chances are shares of the
projection's draws (``Projection.primary`` / ``secondary``) strictly above the threshold
(:func:`placeplan.backtest.reliability.exceedance_probability`). Pure functions, no I/O.
"""

from __future__ import annotations

import numpy as np

from placeplan.backtest.reliability import exceedance_probability
from placeplan.capacity.places import places_array, school_index, school_places
from placeplan.capacity.units import planning_area_units
from placeplan.demand import Projection
from placeplan.demand.inputs import PRIMARY_NCY, SECONDARY_NCY

JUDGED_NCY_MAX = 11  # Year 11: the last year group judged for sufficiency
EVENTS = ("places", "growth")


def area_places(tables: dict, primary_areas: tuple[str, ...],
                secondary_areas: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """Places by planning area and year group from the current capacity tables, before capital projects.

    Returns (primary (area, 7) for NCY 0-6, secondary (area, 7) for NCY 7-13) [places], the areas in
    the given order; None when the scenario has no schools or capacity table (e.g. the national
    back-test's in-memory LAs).
    """
    schools, capacity = tables.get("schools"), tables.get("capacity")
    if schools is None or capacity is None or schools.empty or capacity.empty:
        return None
    places = school_places(schools, capacity, tables.get("capacity_by_ncy"))
    axis = school_index(places)
    areas = tuple(primary_areas) + tuple(secondary_areas)
    units = planning_area_units(schools, axis, areas, ("primary",) * len(primary_areas)
                                + ("secondary",) * len(secondary_areas))
    by_area = units.sum(places_array(places, axis)[None, :, :, None])[0, :, :, 0]  # (area, ncy 0-13)
    n = len(primary_areas)
    return by_area[:n, 0:7], by_area[n:, 7:14]


def _cells(areas, ncys, horizon: int, event: str, threshold, predicted, outcome, keep) -> dict[str, np.ndarray]:
    """Flatten (area, 7, horizon) arrays into record columns, the cells where ``keep``."""
    shape = (len(areas), 7, horizon)
    keep = np.broadcast_to(keep, shape).ravel()
    grid = {
        "horizon": np.broadcast_to(np.arange(1, horizon + 1), shape),
        "planning_area": np.broadcast_to(np.asarray(areas, dtype=object)[:, None, None], shape),
        "ncy": np.broadcast_to(np.asarray(ncys)[None, :, None], shape),
        "threshold": np.broadcast_to(threshold, shape),
        "predicted": predicted,
        "outcome": np.broadcast_to(outcome, shape),
    }
    out = {k: np.asarray(v).ravel()[keep] for k, v in grid.items()}
    out["event"] = np.full(int(keep.sum()), event, dtype=object)
    out["outcome"] = out["outcome"].astype(int)
    return out


def event_columns(projection: Projection, actual_primary: np.ndarray, actual_secondary: np.ndarray,
                  base_primary: np.ndarray, base_secondary: np.ndarray, horizon: int,
                  places: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Record columns of one projection (one base year): every cell's chance of each event and its outcome.

    Parameters
    ----------
    projection : the method's projection with its Monte Carlo draws
    actual_primary, actual_secondary : (area, 7, horizon) pupils [pupils], NaN where unknown
    base_primary, base_secondary : (area, 7) pupils at the base year [pupils]
    horizon : years scored (the projection may run further)
    places : from :func:`area_places`, or None (then no ``places`` event)

    Returns
    -------
    dict of arrays: horizon, planning_area, ncy, event, threshold [pupils or places], predicted
    (share of draws above the threshold), outcome (1 if the actual was above it, else 0).
    """
    parts = []
    blocks = ((projection.primary, actual_primary, base_primary, projection.primary_areas, PRIMARY_NCY, 0),
              (projection.secondary, actual_secondary, base_secondary, projection.secondary_areas, SECONDARY_NCY, 1))
    for draws, actual, base, areas, ncys, block in blocks:
        if not len(areas):
            continue
        draws = draws[..., :horizon]
        actual = np.asarray(actual, dtype=float)[..., :horizon]
        known = ~np.isnan(actual)
        if places is not None:
            cap = places[block][:, :, None]
            judged = (np.asarray(ncys) <= JUDGED_NCY_MAX)[None, :, None]
            parts.append(_cells(areas, ncys, horizon, "places", cap, exceedance_probability(draws, cap),
                                actual > cap, known & judged & (cap > 0)))
        start = np.asarray(base, dtype=float)[:, :, None]
        parts.append(_cells(areas, ncys, horizon, "growth", start, exceedance_probability(draws, start),
                            actual > start, known & (start > 0)))
    if not parts:
        return {k: np.array([]) for k in ("horizon", "planning_area", "ncy", "threshold", "predicted", "outcome",
                                           "event")}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
