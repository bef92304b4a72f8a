"""Roll the pupil history forward to the base year through the years with only partial observations.

``roll_forward`` is called by ``demand_inputs`` when the base year is after the last full year-group
census; the method is in ``demand.rebase``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placeplan.demand.project import project
from placeplan.errors import Problem, ScenarioError
from placeplan.demand.rebase import observed_cells, rake, record, school_cells, share_targets


def roll_forward(assemble, scenario, primary_nor: np.ndarray, secondary_nor: np.ndarray, history_years: np.ndarray,
                 base_year: int):
    """Extend the history (area, ncy, year) year by year to ``base_year``, each year raked to its observations.

    Two chains run side by side. Chain A is raked to the totals held exact only; chain B to every target
    (exact totals and the shares of school counts). B is the estimate (the history shown and the base
    state); the ratios are measured on A rescaled, cell by cell, by B / A of the latest year, so that a
    corrected split between areas (or key stages) moves the level of every year alike and is not read as
    a trend (a one-year jump in a cohort ratio).

    ``assemble(primary_nor, secondary_nor, history_years, years, ratio_nor)`` builds the DemandInputs of a
    history projecting ``years`` (``ratio_nor``: the (primary, secondary) histories ratios are measured on,
    or None). Returns primary and secondary histories (B), their years, the ratio histories, and the record
    of every total held (``demand.rebase.record``), one block per estimated year.
    """
    tables, meta = scenario.tables, scenario.config.meta
    records = []
    n_primary = primary_nor.shape[0]
    a_p, a_s = primary_nor, secondary_nor  # chain A: exact totals only
    b_p, b_s = primary_nor, secondary_nor  # chain B: every target
    factor_p, factor_s = np.ones(primary_nor.shape[:2]), np.ones(secondary_nor.shape[:2])
    for year in range(int(history_years[-1]) + 1, int(base_year) + 1):
        one = np.array([year])
        inputs_a = assemble(a_p, a_s, history_years, one, None)
        inputs_b = assemble(b_p, b_s, history_years, one, (a_p * factor_p[..., None], a_s * factor_s[..., None]))
        areas = inputs_a.primary_areas + inputs_a.secondary_areas
        cells_a, cells_b = _cells(project(inputs_a), n_primary), _cells(project(inputs_b), n_primary)
        exact, shares = observed_cells(tables.get("observed_totals"), year, areas, n_primary, meta.la_code)
        shares += school_cells(tables.get("school_nor"), tables["schools"], year, areas, n_primary)
        try:
            estimated_a = rake(cells_a, share_targets(exact, [], cells_a))
            targets = share_targets(exact, shares, cells_b)
            estimated_b = rake(cells_b, targets)
        except ValueError as exc:
            file = scenario.config.pupils.observed or "pupils.observed"
            raise ScenarioError([Problem(file, f"academic_year {year}", f"{exc} (expected totals that can all hold: "
                                         "an exact total no larger than the one that encloses it, shares that "
                                         "do not repeat one another)")]) from None
        records.append(record(year, targets, cells_b, estimated_b))
        a_p, a_s = _append(a_p, a_s, estimated_a, n_primary)
        b_p, b_s = _append(b_p, b_s, estimated_b, n_primary)
        history_years = np.append(history_years, year)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor_p = np.where(a_p[..., -1] > 0, b_p[..., -1] / a_p[..., -1], 1.0)
            factor_s = np.where(a_s[..., -1] > 0, b_s[..., -1] / a_s[..., -1], 1.0)
    ratio_nor = (a_p * factor_p[..., None], a_s * factor_s[..., None])
    return b_p, b_s, history_years, ratio_nor, pd.concat(records, ignore_index=True)


def _cells(step, n_primary: int) -> np.ndarray:
    """The first projected year of a central projection as (area, 14) cells [pupils]."""
    cells = np.zeros((n_primary + step.central_secondary.shape[0], 14))
    cells[:n_primary, 0:7] = step.central_primary[:, :, 0]
    cells[n_primary:, 7:14] = step.central_secondary[:, :, 0]
    return cells


def _append(primary: np.ndarray, secondary: np.ndarray, cells: np.ndarray, n_primary: int):
    return (np.concatenate([primary, cells[:n_primary, 0:7, None]], axis=-1),
            np.concatenate([secondary, cells[n_primary:, 7:14, None]], axis=-1))
