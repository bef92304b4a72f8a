"""Places needed and spare places per planning area, year group, year and draw (DfE's definition).

``need = demand - places x (1 - operating_margin)``: positive is places needed, negative spare.
A surplus in one planning area or year group never offsets a shortfall in another: every
total here is a sum of the parts' positive (or negative) values, taken draw by draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.quantiles import quantile_columns

SHORTFALL_PLACES = 1.0  # a planning area and year is "short" when at least one place is needed


def places_needed(demand: np.ndarray, places: np.ndarray, operating_margin: float = 0.0) -> np.ndarray:
    """Places needed (positive) or spare (negative) [places].

    Parameters
    ----------
    demand : pupils, any shape [pupils]
    places : places, broadcastable to ``demand`` [places]
    operating_margin : share of places kept spare on purpose [fraction]; 0 reproduces DfE's
        place-planning tables, 0.02 the Basic Need convention.
    """
    return demand - places * (1.0 - operating_margin)


def additional_need(need: np.ndarray) -> np.ndarray:
    """Places needed only: max(0, need) [places]."""
    return np.maximum(need, 0.0)


def spare_places(need: np.ndarray) -> np.ndarray:
    """Spare places only: max(0, -need) [places]."""
    return np.maximum(-need, 0.0)


@dataclass(frozen=True)
class SufficiencyResult:
    """Sufficiency for every draw.

    areas : planning areas (axis 1); years : academic years (last axis); ncys : year groups (axis 2)
    need : (draw, area, ncy, year) places needed (+) or spare (-) [places]
    demand, places : the inputs, broadcast to ``need``'s shape [pupils], [places]
    margin : the operating margin used [fraction]
    """

    areas: tuple[str, ...]
    years: np.ndarray
    ncys: np.ndarray
    need: np.ndarray
    demand: np.ndarray
    places: np.ndarray
    margin: float


def sufficiency(demand: np.ndarray, places: np.ndarray, areas: tuple[str, ...], years: np.ndarray,
                operating_margin: float) -> SufficiencyResult:
    """Compare demand and places draw by draw (both (draw, area, ncy 0-13, year))."""
    places = np.broadcast_to(places, demand.shape)
    need = places_needed(demand, places, operating_margin)
    return SufficiencyResult(tuple(areas), np.asarray(years), np.arange(demand.shape[2]), need, demand, places,
                             operating_margin)


def area_year_table(result: SufficiencyResult, phase_of_area: dict[str, str], names: dict[str, str],
                    quantiles: tuple[float, ...], year_groups: dict[str, range]) -> pd.DataFrame:
    """Per planning area, phase and academic year: places needed with its range and P(shortfall).

    ``year_groups`` maps a reported phase (``primary``, ``secondary``, ``sixth_form``) to its
    NCYs; an area reports the phases whose year groups it holds. For each draw, places needed in
    an area and year = sum over its year groups of max(0, need) (no offsetting), spare = sum of
    max(0, -need). Returns planning_area, name, phase, academic_year, demand_mean, places_mean,
    places_needed_mean, places_needed_pXX, spare_places_mean, spare_pct_mean, p_shortfall.
    """
    qnames = quantile_columns(quantiles)
    rows = []
    for a, area in enumerate(result.areas):
        for phase, ncys in year_groups.items():
            if (phase == "primary") != (phase_of_area.get(area) == "primary"):
                continue
            g = list(ncys)
            if not result.places[:, a, g, :].any() and not result.demand[:, a, g, :].any():
                continue
            need = result.need[:, a, g, :]  # (draw, ncy, year)
            short = additional_need(need).sum(axis=1)  # (draw, year)
            spare = spare_places(need).sum(axis=1)
            places = result.places[:, a, g, :].sum(axis=1)
            demand = result.demand[:, a, g, :].sum(axis=1)
            qs = np.quantile(short, quantiles, axis=0)
            for y, year in enumerate(result.years):
                row = {"planning_area": area, "name": names.get(area, area), "phase": phase,
                       "academic_year": int(year), "demand_mean": demand[:, y].mean(),
                       "places_mean": places[:, y].mean(), "places_needed_mean": short[:, y].mean()}
                row.update({f"places_needed_{n}": qs[i, y] for i, n in enumerate(qnames)})
                row["spare_places_mean"] = spare[:, y].mean()
                row["spare_pct_mean"] = 100 * spare[:, y].mean() / places[:, y].mean() if places[:, y].mean() else np.nan
                row["p_shortfall"] = float((short[:, y] >= SHORTFALL_PLACES).mean())
                rows.append(row)
    columns = ["planning_area", "name", "phase", "academic_year", "demand_mean", "places_mean",
               "places_needed_mean", *[f"places_needed_{n}" for n in qnames], "spare_places_mean",
               "spare_pct_mean", "p_shortfall"]
    return pd.DataFrame(rows, columns=columns)


def first_likely_shortfall(table: pd.DataFrame) -> pd.DataFrame:
    """The first academic year in which a shortfall is more likely than not, per area and phase.

    Returns planning_area, phase, first_year_p_over_half (blank if never within the horizon).
    """
    likely = table[table["p_shortfall"] > 0.5]
    first = likely.groupby(["planning_area", "phase"])["academic_year"].min()
    keys = table[["planning_area", "phase"]].drop_duplicates()
    return keys.merge(first.rename("first_year_p_over_half").reset_index(), how="left",
                      on=["planning_area", "phase"])


def authority_totals(result: SufficiencyResult, phase_of_area: dict[str, str], quantiles: tuple[float, ...],
                     year_groups: dict[str, range]) -> pd.DataFrame:
    """Authority totals per phase and year: sums of each area and year group's need, no offsetting.

    Returns phase, academic_year, places_needed_mean, places_needed_pXX, spare_places_mean,
    p_any_shortfall (chance that at least one area is short somewhere in the phase).
    """
    qnames = quantile_columns(quantiles)
    rows = []
    for phase, ncys in year_groups.items():
        idx = [a for a, area in enumerate(result.areas)
               if (phase == "primary") == (phase_of_area.get(area) == "primary")]
        if not idx:
            continue
        need = result.need[:, idx][:, :, list(ncys), :]  # (draw, area, ncy, year)
        short = additional_need(need).sum(axis=(1, 2))
        spare = spare_places(need).sum(axis=(1, 2))
        area_short = additional_need(need).sum(axis=2) >= SHORTFALL_PLACES  # (draw, area, year)
        qs = np.quantile(short, quantiles, axis=0)
        for y, year in enumerate(result.years):
            row = {"phase": phase, "academic_year": int(year), "places_needed_mean": short[:, y].mean()}
            row.update({f"places_needed_{n}": qs[i, y] for i, n in enumerate(qnames)})
            row["spare_places_mean"] = spare[:, y].mean()
            row["p_any_shortfall"] = float(area_short[:, :, y].any(axis=1).mean())
            rows.append(row)
    return pd.DataFrame(rows)
