"""The scenario's Year 6 -> Year 7 transfer, as the projection uses it (``transfer`` section).

Returns the school-level matrix (primary area -> secondary school, where the method has one) and
its sum into secondary planning areas, which ``demand.project`` uses; the school split
(``demand.schools``) uses the school matrix for each school's Year 7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.units import planning_area_units
from placeplan.demand.ratios import nan_mean
from placeplan.demand.schools import school_counts
from placeplan.demand.transfer_matrix import OUTSIDE, area_matrix, estimate_matrix


@dataclass(frozen=True, eq=False)
class TransferSetup:
    """The transfer a run uses.

    method : estimate, own_area, pooled or table
    area_matrix : (primary area, secondary area) [pupils per Year 6 pupil], None for the county pool
    school_matrix : (primary area + outside, secondary school + outside) shares, or None
    schools : the secondary schools of ``school_matrix``'s columns (without ``outside``)
    description : one sentence for the method text
    """

    method: str
    area_matrix: np.ndarray | None
    school_matrix: np.ndarray | None
    schools: tuple[str, ...]
    description: str


def secondary_schools(schools: pd.DataFrame, secondary_areas: tuple[str, ...]) -> tuple[str, ...]:
    """Open schools that teach Year 7 in one of the secondary planning areas."""
    rows = schools[(schools["status"] == "open") & (schools["ncy_low"] <= 7) & (schools["ncy_high"] >= 7)
                   & schools["secondary_planning_area"].isin(list(secondary_areas))]
    return tuple(rows["school_id"])


def transfer_setup(scenario, primary_areas: tuple[str, ...], secondary_areas: tuple[str, ...],
                   primary_nor: np.ndarray, secondary_nor: np.ndarray) -> TransferSetup | None:
    """Build the transfer from the scenario's ``transfer`` section and tables (data up to the history's end).

    Returns None for the county pool: with ``method: pooled``, and with ``method: estimate`` when
    the scenario has no secondary schools in its secondary planning areas to estimate a matrix to.
    """
    config, tables = scenario.config, scenario.tables
    section = config.transfer
    schools = tables.get("schools")
    sec = secondary_schools(schools, secondary_areas) if schools is not None else ()
    school_area = planning_area_units(schools, sec, tuple(secondary_areas), ("secondary",) * len(secondary_areas)) \
        .weights if sec else np.zeros((len(secondary_areas), 0))  # (secondary area, school): 1 where it is in it
    if section.method == "pooled" or not primary_areas or not secondary_areas \
            or (section.method == "estimate" and not sec):
        return None
    years = section.years
    year6 = nan_mean(primary_nor[:, 6, -years - 1:-1], axis=-1, empty=0.0) if primary_nor.shape[-1] > 1 \
        else np.nan_to_num(primary_nor[:, 6, -1])
    if section.method == "own_area":
        return _own_area(tables["planning_areas"], schools, primary_areas, secondary_areas, primary_nor,
                         secondary_nor, config.policy.ratio_window)
    if section.method == "table":
        return _from_table(tables["transfer"], primary_areas, secondary_areas, sec, school_area)
    # estimate
    county7 = float(nan_mean(np.nansum(secondary_nor[:, 0, -years:], axis=0))) if secondary_nor.size else 0.0
    counts, _, _ = school_counts(schools, sec, tables.get("school_nor"), tables.get("pupils_by_school"))
    intake = counts[:, 7] if len(sec) else np.zeros(0)
    fallback = _intake_from_places(tables["capacity"], sec)
    intake = np.where(np.isnan(intake), fallback, intake)
    if intake.sum() > 0:
        intake = intake * county7 / intake.sum()
    catchment = np.zeros((len(primary_areas), len(sec)))
    areas = tables["planning_areas"].set_index("planning_area")
    if "catchment_school" in areas:
        for p, area in enumerate(primary_areas):
            school = areas["catchment_school"].get(area)
            if isinstance(school, str) and school in sec:
                catchment[p, sec.index(school)] = 1.0
    shares = estimate_matrix(year6, intake, catchment, section.background)
    return TransferSetup("estimate", area_matrix(shares, school_area), shares, sec,
                         "a matrix from each primary planning area (and from outside) to each secondary school, "
                         "fitted by iterative proportional fitting to the areas' Year 6 and the schools' latest "
                         "Year 7 intakes, starting from each area's catchment school")


def _intake_from_places(capacity: pd.DataFrame, schools: tuple[str, ...]) -> np.ndarray:
    """A school's Year 7 intake where it has no count: its secondary places / 5."""
    rows = capacity[capacity["provision"] == "secondary"].set_index("school_id")["net_capacity"]
    return np.array([float(rows.get(s, 0.0)) / 5 for s in schools])


def _own_area(planning_areas, schools, primary_areas, secondary_areas, primary_nor, secondary_nor,
              window: int) -> TransferSetup:
    """Each primary area's Year 6 go to the one secondary area it feeds, at that area's own ratio."""
    areas = planning_areas.set_index("planning_area")
    by_school = schools.set_index("school_id")["secondary_planning_area"]
    feeds = []
    for area in primary_areas:
        target = areas["feeds"].get(area) if "feeds" in areas else None
        if (target is None or pd.isna(target)) and "catchment_school" in areas:
            school = areas["catchment_school"].get(area)
            target = by_school.get(school) if school is not None else None
        if target not in secondary_areas:
            raise ValueError(f"transfer method own_area: primary planning area {area} feeds no secondary area "
                             f"(give planning_areas.feeds or catchment_school)")
        feeds.append(secondary_areas.index(target))
    feeds = np.array(feeds)
    matrix = np.zeros((len(primary_areas), len(secondary_areas)))
    for s in range(len(secondary_areas)):
        mine = feeds == s
        year6 = np.nansum(primary_nor[mine, 6, :], axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = secondary_nor[s, 0, 1:] / year6[:-1]
        ratio = ratio[np.isfinite(ratio)][-window:]
        matrix[mine, s] = float(ratio.mean()) if ratio.size else 1.0
    return TransferSetup("own_area", matrix, None, (),
                         "each primary planning area's Year 6 move to the secondary area it feeds, at that area's "
                         "own averaged Year 7 / Year 6 ratio")


def _from_table(table: pd.DataFrame, primary_areas, secondary_areas, sec, school_area) -> TransferSetup:
    """The scenario's own matrix: destinations are secondary schools or secondary planning areas."""
    origins = list(primary_areas) + [OUTSIDE]
    by_school = set(table["destination"]) & set(sec)
    if by_school:
        shares = np.zeros((len(origins), len(sec) + 1))
        for row in table.itertuples(index=False):
            col = sec.index(row.destination) if row.destination in sec else len(sec)
            if row.origin in origins:
                shares[origins.index(row.origin), col] += row.share
        return TransferSetup("table", area_matrix(shares, school_area), shares, tuple(sec),
                             "the scenario's own matrix from primary planning areas to secondary schools")
    shares = np.zeros((len(origins), len(secondary_areas) + 1))
    for row in table.itertuples(index=False):
        col = secondary_areas.index(row.destination) if row.destination in secondary_areas else len(secondary_areas)
        if row.origin in origins:
            shares[origins.index(row.origin), col] += row.share
    matrix = shares[:-1, :-1] + shares[-1:, :-1]
    return TransferSetup("table", matrix, None, (), "the scenario's own matrix from primary to secondary planning areas")
