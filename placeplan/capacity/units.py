"""Schools summed into planning areas, sub-areas and the authority.

A planning area or sub-area is a set of schools: its pupils and places in a year group are the
sums of its schools'. A primary unit counts its schools' Reception-Y6, a secondary unit their
Y7-Y13 (an all-through school counts in both, each for its own year groups).

Membership is kept as (unit, school) pairs, not a dense unit x school matrix, so that summing costs
time in proportion to the schools (each belongs to one unit per phase and level), not to units x schools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.places import NCYS
from placeplan.grouping import segment_starts

PHASE_NCYS = {"primary": range(0, 7), "secondary": range(7, 14)}
SUM_BLOCK = 2 ** 22  # values gathered at once when summing (about 32 MB of float64)


@dataclass(frozen=True, eq=False)
class Units:
    """Groupings of schools.

    codes : unit codes (planning-area codes, sub-area codes, school ids or the LA code)
    phases : phase of each unit (primary / secondary)
    unit_index, school_index : the (unit, school) membership pairs, sorted by unit then school
    n_schools : length of the school axis
    mask : (unit, ncy 0-13) 1 for the year groups the unit counts
    """

    codes: tuple[str, ...]
    phases: tuple[str, ...]
    unit_index: np.ndarray
    school_index: np.ndarray
    n_schools: int
    mask: np.ndarray

    def members(self, u: int) -> np.ndarray:
        """Boolean (school,) array: the schools in unit ``u``."""
        out = np.zeros(self.n_schools, dtype=bool)
        lo, hi = np.searchsorted(self.unit_index, [u, u + 1])
        out[self.school_index[lo:hi]] = True
        return out

    @property
    def weights(self) -> np.ndarray:
        """Dense (unit, school) array, 1 where the school belongs to the unit (for small cases and tests)."""
        out = np.zeros((len(self.codes), self.n_schools))
        out[self.unit_index, self.school_index] = 1.0
        return out

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum (..., school, ncy, year) values into (..., unit, ncy, year), each unit over its year groups.

        The schools of a unit are added in school-axis order, one after another.
        """
        values = np.asarray(values, dtype=float)
        lead, (n_school, n_ncy, n_year) = values.shape[:-3], values.shape[-3:]
        if n_school != self.n_schools:
            raise ValueError(f"values have {n_school} schools on their school axis, the units {self.n_schools}")
        flat = values.reshape((math.prod(lead), n_school, n_ncy * n_year))  # explicit: an empty axis is allowed
        out = np.zeros((flat.shape[0], len(self.codes), n_ncy * n_year))
        if len(self.unit_index):
            starts = segment_starts(self.unit_index)
            targets = self.unit_index[starts]
            step = max(1, SUM_BLOCK // max(1, len(self.school_index) * n_ncy * n_year))
            for lo in range(0, flat.shape[0], step):
                gathered = flat[lo:lo + step][:, self.school_index, :]
                out[lo:lo + step][:, targets, :] = np.add.reduceat(gathered, starts, axis=1)
        out = out.reshape(lead + (len(self.codes), n_ncy, n_year))
        return out * self.mask[:, :, None]


def _mask(phases: tuple[str, ...]) -> np.ndarray:
    mask = np.zeros((len(phases), len(NCYS)))
    for i, phase in enumerate(phases):
        mask[i, list(PHASE_NCYS[phase])] = 1.0
    return mask


def _units(codes, phases, pairs: list[tuple[int, int]], n_schools: int) -> Units:
    pairs = sorted(set(pairs))
    unit_index = np.array([p[0] for p in pairs], dtype=np.intp)
    school_index = np.array([p[1] for p in pairs], dtype=np.intp)
    return Units(tuple(codes), tuple(phases), unit_index, school_index, n_schools, _mask(tuple(phases)))


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
    pairs: list[tuple[int, int]] = []
    for phase in dict.fromkeys(phases):
        column = columns[phase]
        if column not in by_id:
            continue
        units_of: dict[str, list[int]] = {}
        for u, (code, unit_phase) in enumerate(zip(codes, phases)):
            if unit_phase == phase:
                units_of.setdefault(code, []).append(u)
        school_codes = by_id[column].reindex(list(school_axis))
        for s, code in enumerate(school_codes):
            if not pd.isna(code):
                pairs.extend((u, s) for u in units_of.get(code, ()))
    return _units(codes, phases, pairs, len(school_axis))


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
    return _units(codes, phases, list(enumerate(rows)), len(school_axis))


def authority_units(school_axis: tuple[str, ...], la_code: str) -> Units:
    """The whole authority, primary and secondary."""
    pairs = [(u, s) for u in range(2) for s in range(len(school_axis))]
    return _units((la_code, la_code), ("primary", "secondary"), pairs, len(school_axis))


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
