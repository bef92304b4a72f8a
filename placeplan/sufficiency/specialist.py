"""Specialist (SEND) sufficiency: resident pupils needing a specialist place against specialist places.

Demand = projected pupils in the phase x EHCP prevalence x specialist share, both trended from
the scenario's ``send`` table (``demand.send.specialist_demand``). Places = specialist places at
open special schools and resourced provision for R-Y11 (a setting that also teaches other year
groups counts in proportion to its R-Y11 year groups), plus specialist places the capital
programme opens. Pupils beyond the places are those likely to need an out-of-county or
independent placement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placeplan.quantiles import quantile_columns
from placeplan.demand import Projection, phase_totals, specialist_demand
from placeplan.sufficiency.need import SHORTFALL_PLACES, places_needed

SCHOOL_AGE_NCY = range(0, 12)  # R-Y11, as SCAP's specialist forecasts
SEND_PHASES = ("primary", "secondary")


def specialist_places_base(schools: pd.DataFrame, capacity: pd.DataFrame) -> float:
    """Specialist places for R-Y11 at open schools before capital projects [places]."""
    rows = capacity[capacity["provision"] == "specialist"].merge(
        schools[["school_id", "status", "ncy_low", "ncy_high"]], on="school_id")
    rows = rows[rows["status"] == "open"]
    total = 0.0
    for row in rows.itertuples(index=False):
        taught = range(int(row.ncy_low), int(row.ncy_high) + 1)
        inside = len(set(taught) & set(SCHOOL_AGE_NCY))
        total += row.net_capacity * inside / len(taught)
    return total


def project_specialist_demand(send: pd.DataFrame, projection: Projection, window: int, damping: float,
                              central: bool = False) -> dict[str, np.ndarray]:
    """Pupils needing a specialist place by phase: (draw, year) arrays, or (year,) when ``central``.

    Prevalence = ehcp / population and specialist share = specialist / ehcp, per history year;
    both trended over ``window`` years with ``damping``; applied to the projected population of
    the phase (R-Y6, Y7-Y11). Years the history already covers use the observed rates.
    """
    totals = phase_totals(projection, central=central)
    out = {}
    for phase in SEND_PHASES:
        rows = send[send["phase"] == phase].sort_values("academic_year")
        if rows.empty:
            continue
        last = int(rows["academic_year"].max())
        prevalence = (rows["ehcp"] / rows["population"]).to_numpy(float)
        share = (rows["specialist"] / rows["ehcp"]).to_numpy(float)
        pupils = totals[phase] if not central else totals[phase][None]
        steps = projection.years - last
        demand = specialist_demand(pupils, prevalence, share, steps=steps, window=min(window, len(rows)),
                                   damping=damping)
        out[phase] = demand[0] if central else demand
    return out


def specialist_table(demand: np.ndarray, central: np.ndarray, places: np.ndarray, planned: np.ndarray,
                     years: np.ndarray, margin: float, quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Specialist demand against places per year, with the gap and the chance of a shortfall.

    demand (draw, year) and central (year,) [pupils]; places (draw, year) and planned (year,) [places].
    Returns academic_year, specialist_demand_central, specialist_demand_pXX, specialist_places_planned,
    specialist_places_mean, places_needed_central, places_needed_mean, places_needed_pXX, p_shortfall.
    """
    names = quantile_columns(quantiles)
    need = np.maximum(places_needed(demand, places, margin), 0.0)
    need_central = np.maximum(places_needed(central, planned, margin), 0.0)
    dq = np.quantile(demand, quantiles, axis=0) if len(quantiles) else np.empty((0, len(years)))
    nq = np.quantile(need, quantiles, axis=0) if len(quantiles) else np.empty((0, len(years)))
    table = {"academic_year": years.astype(int), "specialist_demand_central": central}
    table.update({f"specialist_demand_{n}": dq[i] for i, n in enumerate(names)})
    table.update({"specialist_places_planned": planned, "specialist_places_mean": places.mean(axis=0),
                  "places_needed_central": need_central, "places_needed_mean": need.mean(axis=0)})
    table.update({f"places_needed_{n}": nq[i] for i, n in enumerate(names)})
    table["p_shortfall"] = (need >= SHORTFALL_PLACES).mean(axis=0)
    return pd.DataFrame(table)


def demand_by_phase_table(draws: dict[str, np.ndarray], central: dict[str, np.ndarray], years: np.ndarray,
                          quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Tidy specialist demand: academic_year, phase, central, pXX, mean [pupils]."""
    names = quantile_columns(quantiles)
    frames = []
    for phase, values in draws.items():
        frame = {"academic_year": years.astype(int), "phase": phase, "central": central[phase]}
        for i, q in enumerate(quantiles):
            frame[names[i]] = np.quantile(values, q, axis=0)
        frame["mean"] = values.mean(axis=0)
        frames.append(pd.DataFrame(frame))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
