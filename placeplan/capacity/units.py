"""Schools summed into planning areas, sub-areas and the authority.

A planning area or sub-area is a set of schools: its pupils and places in a year group are the
sums of its schools'. A primary unit counts its schools' Reception-Y6, a secondary unit their
Y7-Y13 (an all-through school counts in both, each for its own year groups).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.places import NCYS

PHASE_NCYS = {"primary": range(0, 7), "secondary": range(7, 14)}


@dataclass(frozen=True, eq=False)
class Units:
    """Groupings of schools.

    codes : unit codes (planning-area codes, sub-area codes, school ids or the LA code)
    phases : phase of each unit (primary / secondary)
    weights : (unit, school) 1 where the school belongs to the unit
    mask : (unit, ncy 0-13) 1 for the year groups the unit counts
    """

    codes: tuple[str, ...]
    phases: tuple[str, ...]
    weights: np.ndarray
    mask: np.ndarray

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum (..., school, ncy, year) values into (..., unit, ncy, year)."""
        return np.einsum("us,...sgy->...ugy", self.weights, values) * self.mask[:, :, None]


def _mask(phases: tuple[str, ...]) -> np.ndarray:
    mask = np.zeros((len(phases), len(NCYS)))
    for i, phase in enumerate(phases):
        mask[i, list(PHASE_NCYS[phase])] = 1.0
    return mask


def units_by_column(schools: pd.DataFrame, school_axis: tuple[str, ...], codes: tuple[str, ...],
                    phases: tuple[str, ...], columns: dict[str, str]) -> Units:
    """Units whose schools are those with the unit's code in ``columns[phase]`` of the schools table.

    Parameters
    ----------
    schools : schools table (school_id and the columns named in ``columns``)
    school_axis : school ids in array order
    codes, phases : the units and their phases
    columns : schools-table column holding each phase's unit code, e.g.
        ``{"primary": "primary_planning_area", "secondary": "secondary_planning_area"}``
    """
    by_id = schools.set_index("school_id")
    weights = np.zeros((len(codes), len(school_axis)))
    for u, (code, phase) in enumerate(zip(codes, phases)):
        column = by_id[columns[phase]] if columns[phase] in by_id else pd.Series(dtype=object)
        for s, school in enumerate(school_axis):
            if school in column.index and column.loc[school] == code:
                weights[u, s] = 1.0
    return Units(tuple(codes), tuple(phases), weights, _mask(tuple(phases)))


def planning_area_units(schools: pd.DataFrame, school_axis: tuple[str, ...], areas: tuple[str, ...],
                        phases: tuple[str, ...]) -> Units:
    """Official planning areas as sums of their schools."""
    return units_by_column(schools, school_axis, areas, phases,
                           {"primary": "primary_planning_area", "secondary": "secondary_planning_area"})


def sub_area_units(schools: pd.DataFrame, school_axis: tuple[str, ...], planning_areas: pd.DataFrame) -> Units:
    """Sub-areas (``kind == sub_area`` in the planning-areas table) as sums of the schools naming them."""
    subs = planning_areas[planning_areas["kind"] == "sub_area"]
    return units_by_column(schools, school_axis, tuple(subs["planning_area"]), tuple(subs["phase"]),
                           {"primary": "sub_area", "secondary": "sub_area"})


def school_units(schools: pd.DataFrame, school_axis: tuple[str, ...]) -> Units:
    """Each school as a unit of its own, once per phase it teaches (primary R-Y6, secondary Y7-Y13)."""
    by_id = schools.set_index("school_id")
    codes, phases, rows = [], [], []
    for s, school in enumerate(school_axis):
        low, high = int(by_id.at[school, "ncy_low"]), int(by_id.at[school, "ncy_high"])
        for phase, ncys in PHASE_NCYS.items():
            if low <= max(ncys) and high >= min(ncys):
                codes.append(school)
                phases.append(phase)
                rows.append(s)
    weights = np.zeros((len(codes), len(school_axis)))
    weights[np.arange(len(codes)), rows] = 1.0
    return Units(tuple(codes), tuple(phases), weights, _mask(tuple(phases)))


def authority_units(school_axis: tuple[str, ...], la_code: str) -> Units:
    """The whole authority, primary and secondary."""
    weights = np.ones((2, len(school_axis)))
    return Units((la_code, la_code), ("primary", "secondary"), weights, _mask(("primary", "secondary")))


@dataclass(frozen=True)
class CapacityTimeline:
    """Places per draw.

    areas : planning-area codes (axis 1 of ``places``)
    years : academic years (last axis)
    places : (draw, area, ncy 0-13, year) mainstream places [places], the sums of the schools'
    specialist : (draw, year) specialist places added by projects for the authority [places]
    """

    areas: tuple[str, ...]
    years: np.ndarray
    places: np.ndarray
    specialist: np.ndarray
