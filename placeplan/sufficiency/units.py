"""Sufficiency at every level (school, sub-area, planning area, authority), with no offsetting.

For a unit (a set of schools) in one phase and year, draw by draw:

* **by year group** (DfE's rule): ``sum_g max(0, pupils_g - places_g x (1 - margin))``: spare
  places in one year group never offset a shortfall in another;
* **whole phase**: ``max(0, sum_g pupils_g - sum_g places_g x (1 - margin))``, beside it.

The **judged** figure (``places_needed_*``) is the year-group rule where the unit's year-group
places are firm (every school's places by year group given, or from a published PAN), and the
whole-phase comparison where they are only indicative (``basis``): an even split of a school's
capacity over its year groups says nothing about which year group is short. Units never offset
each other: a planning area's figure is its own, and an authority total adds its areas' figures.

``existing_pressure`` is the judged figure in the base year (pupils already on roll): a shortfall
that is already there, reported as such; ``new_need_central`` is the part of a later year's
central figure above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.units import Units
from placeplan.quantiles import quantile_column

# Year groups judged in each phase (as in DfE's place-planning estimates, sixth form is left out).
JUDGED_NCYS = {"primary": range(0, 7), "secondary": range(7, 12)}
SHORTFALL_PLACES = 1.0


def judged_need(pupils: np.ndarray, places: np.ndarray, phases: Sequence[str], firm: np.ndarray,
                margin: float) -> dict[str, np.ndarray]:
    """Places needed and spare per unit and year (see the module docstring).

    Parameters
    ----------
    pupils, places : (draw, unit, ncy 0-13, year) [pupils], [places]
    phases : phase of each unit
    firm : (unit,) True where the year-group places are firm
    margin : operating margin [fraction]

    Returns
    -------
    dict of (draw, unit, year) arrays: ``by_ncy``, ``phase``, ``judged`` (places needed),
    ``spare`` (spare places on the same basis), ``pupils``, ``places`` (phase sums).
    """
    shape = pupils.shape[:2] + pupils.shape[-1:]
    out = {k: np.zeros(shape) for k in ("by_ncy", "phase", "judged", "spare", "pupils", "places")}
    places = np.broadcast_to(places, pupils.shape)
    for u, phase in enumerate(phases):
        g = list(JUDGED_NCYS[phase])
        gap = pupils[:, u, g, :] - places[:, u, g, :] * (1.0 - margin)  # (draw, ncy, year)
        total = gap.sum(axis=1)
        out["by_ncy"][:, u] = np.maximum(gap, 0).sum(axis=1)
        out["phase"][:, u] = np.maximum(total, 0)
        out["judged"][:, u] = out["by_ncy"][:, u] if firm[u] else out["phase"][:, u]
        out["spare"][:, u] = np.maximum(-gap, 0).sum(axis=1) if firm[u] else np.maximum(-total, 0)
        out["pupils"][:, u] = pupils[:, u, g, :].sum(axis=1)
        out["places"][:, u] = places[:, u, g, :].sum(axis=1)
    return out


@dataclass(frozen=True, eq=False)
class UnitSufficiency:
    """Sufficiency of one level's units: the table and the judged need per draw.

    table : one row per unit, phase and year (see ``unit_table``)
    judged : (draw, unit, year) places needed [places]
    units : the units (codes, phases)
    """

    table: pd.DataFrame
    judged: np.ndarray
    units: Units


def unit_sufficiency(level: str, units: Units, names: dict[str, str], firm: np.ndarray,
                     pupils: np.ndarray, places: np.ndarray, central_pupils: np.ndarray, planned_places: np.ndarray,
                     base_pupils: np.ndarray, base_places: np.ndarray, no_programme_places: np.ndarray,
                     years: np.ndarray, margin: float, quantiles: Sequence[float]) -> UnitSufficiency:
    """Sufficiency table for one level.

    Parameters
    ----------
    level : ``school``, ``sub_area``, ``planning_area`` or ``authority``
    units : the level's units; ``names`` their display names
    firm : (unit,) year-group places firm
    pupils, places : (draw, school, ncy, year) school pupils and places per draw
    central_pupils, planned_places : (1, school, ncy, year) central pupils, places as planned
    base_pupils, base_places : (school, ncy) base year [pupils], [places]
    no_programme_places : (school, ncy) places without any capital project [places]
    years : projected academic years

    Returns
    -------
    UnitSufficiency whose table has: level, code, name, phase, academic_year, basis,
    demand_central, demand_mean, places_planned, places_mean, pct_full_central,
    places_needed_central, places_needed_mean, places_needed_pXX, p_shortfall,
    places_needed_by_ncy_central, places_needed_phase_central, spare_places_central,
    spare_places_mean, spare_pct_central, spare_pct_mean, existing_pressure, new_need_central,
    places_needed_without_programme_central, places_needed_dfe_central and spare_places_dfe_central
    (DfE's place-planning rule: by year group, margin 0), places_needed_dfe_p50 and p_shortfall_dfe (the
    same rule over the simulations: median places needed, chance of at least one), places_needed_no_margin_central (the judged
    figure with no margin), demand_low / demand_high (the lowest and
    highest of ``quantiles`` over draws).
    """
    central = units.sum(central_pupils)  # summed once, compared four ways
    planned = units.sum(planned_places)
    sim_pupils, sim_places = units.sum(pupils), units.sum(places)
    sim = judged_need(sim_pupils, sim_places, units.phases, firm, margin)
    every_ncy = np.ones(len(units.codes), dtype=bool)
    sim_dfe = judged_need(sim_pupils, sim_places, units.phases, every_ncy, 0.0)["judged"]  # DfE's rule, simulated
    cen = judged_need(central, planned, units.phases, firm, margin)
    base = judged_need(units.sum(base_pupils[None, :, :, None]), units.sum(base_places[None, :, :, None]),
                       units.phases, firm, margin)
    bare = judged_need(central, units.sum(no_programme_places[None, :, :, None]), units.phases, firm, margin)
    dfe = judged_need(central, planned, units.phases, every_ncy, 0.0)  # DfE: by year group, margin 0
    judged0 = judged_need(central, planned, units.phases, firm, 0.0)
    qs = np.quantile(sim["judged"], list(quantiles), axis=0) if len(quantiles) else np.zeros((0,) + sim["judged"].shape[1:])
    n_units, n_years = len(units.codes), len(years)
    frame = {
        "level": level,
        "code": np.repeat(np.asarray(units.codes, dtype=object), n_years),
        "name": np.repeat(np.asarray([names.get(c, c) for c in units.codes], dtype=object), n_years),
        "phase": np.repeat(np.asarray(units.phases, dtype=object), n_years),
        "academic_year": np.tile(np.asarray(years, dtype=int), n_units),
        "basis": np.repeat(np.where(firm, "year_group", "whole_phase (year groups indicative)"), n_years),
        "demand_central": cen["pupils"][0].ravel(),
        "demand_mean": sim["pupils"].mean(axis=0).ravel(),
        "places_planned": cen["places"][0].ravel(),
        "places_mean": sim["places"].mean(axis=0).ravel(),
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["pct_full_central"] = np.where(frame["places_planned"] > 0,
                                             100 * frame["demand_central"] / frame["places_planned"], np.nan)
        frame["places_needed_central"] = cen["judged"][0].ravel()
        frame["places_needed_mean"] = sim["judged"].mean(axis=0).ravel()
        for i, q in enumerate(quantiles):
            frame[f"places_needed_{quantile_column(q)}"] = qs[i].ravel()
        frame["p_shortfall"] = (sim["judged"] >= SHORTFALL_PLACES).mean(axis=0).ravel()
        frame["places_needed_by_ncy_central"] = cen["by_ncy"][0].ravel()
        frame["places_needed_phase_central"] = cen["phase"][0].ravel()
        frame["spare_places_central"] = cen["spare"][0].ravel()
        frame["spare_places_mean"] = sim["spare"].mean(axis=0).ravel()
        frame["spare_pct_central"] = np.where(frame["places_planned"] > 0,
                                              100 * frame["spare_places_central"] / frame["places_planned"], np.nan)
        places_mean = frame["places_mean"]
        frame["spare_pct_mean"] = np.where(places_mean > 0, 100 * frame["spare_places_mean"] / places_mean, np.nan)
    existing = np.repeat(base["judged"][0, :, 0], n_years)
    frame["existing_pressure"] = existing
    frame["new_need_central"] = np.maximum(frame["places_needed_central"] - existing, 0.0)
    frame["places_needed_without_programme_central"] = bare["judged"][0].ravel()
    frame["places_needed_dfe_central"] = dfe["judged"][0].ravel()
    frame["spare_places_dfe_central"] = dfe["spare"][0].ravel()
    frame["places_needed_no_margin_central"] = judged0["judged"][0].ravel()
    frame["places_needed_dfe_p50"] = np.median(sim_dfe, axis=0).ravel()
    frame["p_shortfall_dfe"] = (sim_dfe >= SHORTFALL_PLACES).mean(axis=0).ravel()
    if len(quantiles):
        pupils_q = np.quantile(sim["pupils"], [min(quantiles), max(quantiles)], axis=0)
        frame["demand_low"], frame["demand_high"] = pupils_q[0].ravel(), pupils_q[1].ravel()
    table = pd.DataFrame(frame)
    keep = (table["places_planned"] > 0) | (table["demand_central"] > 0)
    return UnitSufficiency(table[keep].reset_index(drop=True), sim["judged"], units)


def base_year_table(level: str, units: Units, names: dict[str, str], firm: np.ndarray, base_pupils: np.ndarray,
                    base_places: np.ndarray, base_year: int, margin: float) -> pd.DataFrame:
    """How full each unit is in the base year: pupils, places, % full, existing pressure (by the judged rule)."""
    base = judged_need(units.sum(base_pupils[None, :, :, None]), units.sum(base_places[None, :, :, None]),
                       units.phases, firm, margin)
    table = pd.DataFrame({
        "level": level, "code": list(units.codes), "name": [names.get(c, c) for c in units.codes],
        "phase": list(units.phases), "academic_year": base_year,
        "basis": np.where(firm, "year_group", "whole_phase (year groups indicative)"),
        "nor_estimated": base["pupils"][0, :, 0], "places": base["places"][0, :, 0],
        "existing_pressure": base["judged"][0, :, 0], "places_needed_by_ncy": base["by_ncy"][0, :, 0],
        "places_needed_phase": base["phase"][0, :, 0], "spare_places": base["spare"][0, :, 0],
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pct_full"] = np.where(table["places"] > 0, 100 * table["nor_estimated"] / table["places"], np.nan)
    return table[(table["places"] > 0) | (table["nor_estimated"] > 0)].reset_index(drop=True)
