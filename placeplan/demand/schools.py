"""Pupils by school: each school's share of its planning area, moving up with its cohorts.

The planning-area projection is the control total; schools always sum to it exactly.

* **Base shares**: from each school's latest school-level count (``pupils_by_school`` by year
  group where the scenario has it; else ``school_nor`` rows, a block of year groups such as
  R-Y6, KS3 or KS4 spread evenly over its year groups, or the whole school over the year
  groups it teaches). A school's share of year group g = its count / the area's schools'
  counts. Where any school of an area has no count, the area's shares follow places instead
  (``SchoolShares.basis`` = places).
* **Entry**: Reception shares stay at the base shares; Year 7 shares come from the transfer
  matrix (each school's Year 7 from the primary areas' Year 6, draw by draw) where there is a
  school-level matrix, else the base shares; Year 12 shares stay at the base shares of the
  schools with sixth forms.
* **Moving up**: a cohort keeps its school: the share of year group g in year t is the share
  of year group g - 1 in year t - 1, renormalised over the schools teaching g.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.places import NCYS
from placeplan.grouping import group_totals

ENTRY_NCYS = (0, 7, 12)


@dataclass(frozen=True, eq=False)
class SchoolShares:
    """Base shares of each school in its area's year groups.

    schools : school axis
    shares : (school, ncy 0-13) share of the school's planning area [fraction]
    counts : (school, ncy 0-13) the school-level counts the shares come from [pupils] (NaN: none)
    year : academic year of each school's count (-1: none)
    basis : per school, ``census`` (by year group), ``block`` (block totals) or ``places``
    """

    schools: tuple[str, ...]
    shares: np.ndarray
    counts: np.ndarray
    year: np.ndarray
    basis: tuple[str, ...]


def school_counts(schools: pd.DataFrame, school_axis: tuple[str, ...], school_nor: pd.DataFrame | None,
                  pupils_by_school: pd.DataFrame | None, up_to: int | None = None) -> tuple[np.ndarray, np.ndarray,
                                                                                         list[str]]:
    """Latest school-level pupils by year group (evenly within a block) [pupils], NaN where unknown.

    Returns counts (school, ncy), year (school,), basis per school (census / block / none).
    """
    by_id = schools.set_index("school_id")
    counts = np.full((len(school_axis), len(NCYS)), np.nan)
    year = np.full(len(school_axis), -1)
    basis = ["none"] * len(school_axis)
    index = {s: i for i, s in enumerate(school_axis)}
    if pupils_by_school is not None and not pupils_by_school.empty:
        table = pupils_by_school if up_to is None else pupils_by_school[pupils_by_school["academic_year"] <= up_to]
        for school, rows in table.groupby("school_id"):
            if school not in index:
                continue
            latest = rows[rows["academic_year"] == rows["academic_year"].max()]
            i = index[school]
            counts[i, latest["ncy"].to_numpy(dtype=int)] = latest["nor"].to_numpy(dtype=float)
            year[i], basis[i] = int(latest["academic_year"].iloc[0]), "census"
    if school_nor is not None and not school_nor.empty:
        table = school_nor if up_to is None else school_nor[school_nor["academic_year"] <= up_to]
        census_rank = {"january": 0, "may": 1, "october": 2}
        for school, rows in table.groupby("school_id"):
            if school not in index or basis[index[school]] == "census":
                continue
            i = index[school]
            rank = rows["academic_year"] * 10 + rows["census"].map(census_rank)
            latest = rows[rank == rank.max()]
            low_default, high_default = int(by_id.at[school, "ncy_low"]), int(by_id.at[school, "ncy_high"])
            for row in latest.itertuples(index=False):
                low = low_default if pd.isna(row.ncy_low) else int(row.ncy_low)
                high = high_default if pd.isna(row.ncy_high) else int(row.ncy_high)
                block = list(range(max(low, low_default), min(high, high_default) + 1)) or list(range(low, high + 1))
                block = [g for g in block if g < len(NCYS)]  # NCY 14 (and beyond) is not on the arrays
                if block:
                    counts[i, block] = float(row.nor) / len(block)
            year[i], basis[i] = int(latest["academic_year"].iloc[0]), "block"
    return counts, year, basis


def base_shares(counts: np.ndarray, places: np.ndarray, area_of: np.ndarray, basis: list[str],
                school_axis: tuple[str, ...], taught: np.ndarray | None = None) -> SchoolShares:
    """Shares of each school in its area, by year group (see the module docstring).

    Parameters
    ----------
    counts : (school, ncy) school-level pupils, NaN where unknown [pupils]
    places : (school, ncy) places [places] (the fallback, and which year groups a school teaches)
    area_of : (school, ncy) integer code of the unit the school counts in for that year group,
        -1 where it counts nowhere
    taught : (school, ncy) True where the school teaches the year group (default: its age range,
        ``area_of >= 0``; a year group with no places is still taught)
    """
    taught = area_of >= 0 if taught is None else taught
    shares = np.zeros_like(places, dtype=float)
    basis = list(basis)
    for g in range(places.shape[1]):
        for unit in np.unique(area_of[:, g]):
            if unit < 0:
                continue
            members = (area_of[:, g] == unit) & taught[:, g]
            if not members.any():
                continue
            known = counts[members, g]
            if np.isnan(known).any() or np.nansum(known) <= 0:
                weights = places[members, g]
                for s in np.flatnonzero(members):
                    basis[s] = "places" if basis[s] == "none" else basis[s]
            else:
                weights = known
            shares[members, g] = weights / weights.sum() if weights.sum() > 0 else 1.0 / members.sum()
    return SchoolShares(tuple(school_axis), shares, counts, np.zeros(len(school_axis), dtype=int), tuple(basis))


def roll_shares(base: np.ndarray, entry: np.ndarray, taught: np.ndarray, area_of: np.ndarray,
                starts: np.ndarray | None = None) -> np.ndarray:
    """Shares in every projected year: entry year groups from ``entry``, the rest moving up a year group a year.

    Parameters
    ----------
    base : (school, ncy) base-year shares
    entry : (draw, school, year) or broadcastable: Year 7 shares per projected year (Reception and
        Year 12 stay at ``base``)
    taught : (school, ncy) True where the school teaches the year group
    area_of : (school, ncy) unit code as in ``base_shares``
    starts : (school, ncy) True at a school's first year group where that is not Reception, Year 7 or
        Year 12 (a junior or middle school): it takes its base share there each year, the other
        schools' moved-up shares rescaled to the rest

    Returns
    -------
    ndarray (draw, school, ncy, year) [fraction]; within each unit and year group the shares sum to 1.
    """
    entry = np.asarray(entry, dtype=float)
    if entry.ndim == 2:
        entry = entry[None]
    draws, n_years = entry.shape[0], entry.shape[-1]
    out = np.zeros((draws, base.shape[0], base.shape[1], n_years))
    previous = np.broadcast_to(base[None], (draws,) + base.shape)
    for y in range(n_years):
        current = np.zeros_like(previous)
        current[:, :, 1:] = previous[:, :, :-1] * taught[None, :, 1:]
        current[:, :, 0] = base[None, :, 0]
        current[:, :, 12] = base[None, :, 12]
        current[:, :, 7] = entry[:, :, y]
        if starts is not None and starts.any():
            current = _admit(current, base, starts, area_of)
        out[..., y] = _normalise(current, base, area_of)
        previous = out[..., y]
    return out


def _admit(shares: np.ndarray, base: np.ndarray, starts: np.ndarray, area_of: np.ndarray) -> np.ndarray:
    """Schools whose first year group is not an entry year take their base share there; the rest scale to fit."""
    out = shares.copy()
    for s, g in zip(*np.nonzero(starts)):
        members = area_of[:, g] == area_of[s, g]
        others = members.copy()
        others[starts[:, g]] = False
        fixed = base[starts[:, g] & members, g].sum()
        total = out[:, others, g].sum(axis=1, keepdims=True)
        out[:, others, g] *= np.where(total > 0, (1.0 - fixed) / np.where(total > 0, total, 1.0), 0.0)
        out[:, s, g] = base[s, g]
    return out


def _normalise(shares: np.ndarray, base: np.ndarray, area_of: np.ndarray) -> np.ndarray:
    """Make shares sum to 1 within each unit and year group (falling back to the base where all are 0)."""
    out = shares.copy()
    for g in range(base.shape[1]):
        codes = area_of[:, g]
        total = group_totals(out[:, :, g], codes)  # (draw, school): the school's unit's total
        fallback = np.broadcast_to(base[None, :, g], total.shape)
        scaled = np.where(total > 0, out[:, :, g] / np.where(total > 0, total, 1.0), fallback)
        out[:, :, g] = np.where(codes >= 0, scaled, out[:, :, g])
    return out


def year7_shares(year7: np.ndarray, area_of7: np.ndarray) -> np.ndarray:
    """Each school's share of its secondary area's Year 7 from school Year 7 pupils (..., school)."""
    year7 = np.asarray(year7, dtype=float)
    total = group_totals(year7, area_of7)
    out = np.divide(year7, total, out=np.zeros_like(year7), where=total > 0)
    return np.where(np.asarray(area_of7) >= 0, out, 0.0)
