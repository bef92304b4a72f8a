"""The Year 6 -> Year 7 transfer matrix: from each primary planning area to each secondary school.

``Y7(s, t) = sum_p M[p, s] * Y6(p, t - 1) + M[outside, s] * sum_p Y6(p, t - 1)``

``M[p, s]`` is the share of area ``p``'s Year 6 who start Year 7 at school ``s``; the
destination ``outside`` takes those who leave the authority's state schools (to other
authorities, independent schools), so each area's row sums to 1 and pupils are conserved.
The origin row ``outside`` brings pupils from elsewhere, per Year 6 pupil of the whole
authority.

Estimation (``method: estimate``), from counts only (no pupil-level flows):

1. Row totals: each primary area's Year 6, averaged over the latest ``years`` years of the
   history (the cohorts that fed the latest intakes).
2. Column totals: each secondary school's Year 7 intake from its latest school-level count
   (its Year 7 count where the scenario has one; else the count of the block of year groups
   holding Year 7 divided by the block's year groups, e.g. KS3 / 3), scaled so that the
   schools together take the authority's Year 7 averaged over the same years.
3. The authority's net flow closes the table: if fewer pupils start Year 7 than left Year 6,
   the difference is an ``outside`` destination column; if more, an ``outside`` origin row.
   Only the net flow can be identified from counts.
4. Start: weight 1 from each primary area to its catchment school
   (``planning_areas.catchment_school``), ``background`` to every other school and to
   ``outside``; then iterative proportional fitting (IPF) rakes it to the row and column
   totals.
"""

from __future__ import annotations

import numpy as np

OUTSIDE = "outside"


def ipf(start: np.ndarray, row_totals: np.ndarray, col_totals: np.ndarray, *, max_iter: int = 1000,
        tol: float = 1e-10) -> np.ndarray:
    """Iterative proportional fitting: scale rows and columns of ``start`` to the given totals.

    Parameters
    ----------
    start : (row, col) non-negative seed matrix; zeros stay zero
    row_totals, col_totals : target sums [any unit]; they should have the same total
    max_iter, tol : stop after ``max_iter`` sweeps or when every row and column is within
        ``tol`` (relative) of its target

    Returns
    -------
    ndarray (row, col): the fitted matrix. Rows or columns whose start is all zero cannot be
    fitted and stay zero.
    """
    flows = np.asarray(start, dtype=float).copy()
    rows = np.asarray(row_totals, dtype=float)
    cols = np.asarray(col_totals, dtype=float)
    scale = max(rows.sum(), cols.sum(), 1.0)
    for _ in range(max_iter):
        have = flows.sum(axis=1)
        flows *= np.divide(rows, have, out=np.zeros_like(rows), where=have > 0)[:, None]
        have = flows.sum(axis=0)
        flows *= np.divide(cols, have, out=np.zeros_like(cols), where=have > 0)[None, :]
        gap = max(np.abs(flows.sum(axis=1) - rows).max(initial=0.0), np.abs(flows.sum(axis=0) - cols).max(initial=0.0))
        if gap <= tol * scale:
            break
    return flows


def estimate_matrix(year6: np.ndarray, intake: np.ndarray, catchment: np.ndarray,
                    background: float = 0.05) -> np.ndarray:
    """Fit a transfer matrix to primary areas' Year 6 and schools' Year 7 (steps 3-4 of the module docstring).

    Parameters
    ----------
    year6 : (primary area,) Year 6 pupils [pupils]
    intake : (school,) Year 7 pupils [pupils], already on the authority's total
    catchment : (primary area, school) 1 where the school is the area's catchment school
    background : starting weight of every other school and of ``outside`` [fraction]

    Returns
    -------
    ndarray (primary area + 1, school + 1): shares; the last row is ``outside`` (pupils per
    authority Year 6 pupil), the last column ``outside``. Each primary area's row sums to 1.
    """
    year6 = np.asarray(year6, dtype=float)
    intake = np.asarray(intake, dtype=float)
    n_p, n_s = len(year6), len(intake)
    total6, total7 = year6.sum(), intake.sum()
    start = np.full((n_p + 1, n_s + 1), float(background))
    start[:n_p, :n_s] += np.asarray(catchment, dtype=float)
    start[n_p, n_s] = 0.0  # nobody moves from outside to outside
    rows = np.append(year6, max(total7 - total6, 0.0))
    cols = np.append(intake, max(total6 - total7, 0.0))
    if rows[-1] == 0:
        start[n_p, :] = 0.0
    if cols[-1] == 0:
        start[:, n_s] = 0.0
    flows = ipf(start, rows, cols)
    shares = np.zeros_like(flows)
    shares[:n_p] = np.divide(flows[:n_p], year6[:, None], out=np.zeros_like(flows[:n_p]), where=year6[:, None] > 0)
    if total6 > 0:
        shares[n_p] = flows[n_p] / total6
    return shares


def apply_matrix(year6: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Year 7 at each destination from last year's Year 6.

    Parameters
    ----------
    year6 : (..., primary area) Year 6 pupils [pupils]
    shares : (primary area + 1, destination) a matrix whose last row is ``outside``

    Returns
    -------
    ndarray (..., destination): pupils [pupils] (an ``outside`` column, if any, holds the leavers)
    """
    year6 = np.asarray(year6, dtype=float)
    return year6 @ shares[:-1] + year6.sum(axis=-1, keepdims=True) * shares[-1]


def area_matrix(shares: np.ndarray, school_area: np.ndarray) -> np.ndarray:
    """The school matrix summed into secondary planning areas, in ``demand.transfer`` form.

    Parameters
    ----------
    shares : (primary area + 1, school [+ outside]) matrix from ``estimate_matrix`` or a table;
        columns beyond ``school_area``'s length (``outside``) are dropped
    school_area : (secondary area, school) 1 where the school is in the area

    Returns
    -------
    ndarray (primary area, secondary area): ``T[p, S] = sum_{s in S} (M[p, s] + M[outside, s])``
    [pupils per Year 6 pupil], so that ``sum_p T[p, S] Y6(p)`` is area S's Year 7 from
    ``apply_matrix``.
    """
    n_s = school_area.shape[1]
    inner = shares[:-1, :n_s] + shares[-1:, :n_s]
    return inner @ school_area.T
