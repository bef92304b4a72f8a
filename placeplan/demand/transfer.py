"""Year 6 to Year 7: the primary-to-secondary transfer.

``Y7(S, t) = sum_p T[p, S] * Y6(p, t - 1)``. With pupil counts by planning area only (no
pupil-level flows), the identifiable estimate is a county pool: ``T[p, S] = r_S`` for every
primary area ``p``, with ``r_S(t) = Y7(S, t) / sum_p Y6(p, t - 1)``. With one secondary area
(Herefordshire) ``r_S`` is the county transfer ratio, which carries the net flows into and
out of the county's secondary schools (other LAs, independent schools). An explicit matrix
built from pupil flows can be given instead.
"""

from __future__ import annotations

import numpy as np

from placeplan.demand.ratios import safe_ratio


def pooled_transfer_history(year6: np.ndarray, year7: np.ndarray) -> np.ndarray:
    """Pooled transfer ratio of each secondary area, year by year.

    Parameters
    ----------
    year6 : ndarray, shape (primary area, year)
        Year 6 pupils on roll [pupils].
    year7 : ndarray, shape (secondary area, year)
        Year 7 pupils on roll [pupils], same years.

    Returns
    -------
    ndarray, shape (secondary area, year)
        ``Y7(S, t) / sum_p Y6(p, t - 1)`` [pupils per Year 6 pupil]; NaN in the first year
        and wherever a Year 6 count is missing.
    """
    year6 = np.asarray(year6, dtype=float)
    year7 = np.asarray(year7, dtype=float)
    out = np.full(year7.shape, np.nan)
    total = year6.sum(axis=0)  # NaN when any area's Year 6 is missing
    out[:, 1:] = safe_ratio(year7[:, 1:], total[None, :-1])
    return out


def pooled_matrix(rates: np.ndarray, n_primary: int) -> np.ndarray:
    """Transfer matrix of a county pool: every primary area sends ``r_S`` to area ``S``.

    Parameters
    ----------
    rates : ndarray, shape (..., secondary area)
        Pooled transfer ratios [pupils per Year 6 pupil].
    n_primary : int
        Number of primary planning areas.

    Returns
    -------
    ndarray, shape (..., primary area, secondary area)
        ``T[p, S] = rates[S]`` [pupils per Year 6 pupil].
    """
    rates = np.asarray(rates, dtype=float)
    return np.broadcast_to(rates[..., None, :], rates.shape[:-1] + (n_primary, rates.shape[-1])).copy()


def check_matrix(matrix: np.ndarray, n_primary: int, n_secondary: int) -> np.ndarray:
    """Validate an explicit transfer matrix: shape (primary area, secondary area), no negatives."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape != (n_primary, n_secondary):
        raise ValueError(f"transfer matrix must have shape ({n_primary}, {n_secondary}) "
                         f"(primary areas x secondary areas), got {matrix.shape}")
    if np.isnan(matrix).any() or (matrix < 0).any():
        raise ValueError("transfer matrix must hold non-negative numbers")
    return matrix


def transfer_year7(year6: np.ndarray, rates: np.ndarray | None = None,
                   matrix: np.ndarray | None = None) -> np.ndarray:
    """Year 7 pupils of each secondary area from last year's Year 6.

    Parameters
    ----------
    year6 : ndarray, shape (draw, primary area)
        Year 6 pupils in academic year t - 1 [pupils].
    rates : ndarray, shape (draw, secondary area), optional
        Pooled transfer ratios [pupils per Year 6 pupil] (used when ``matrix`` is None).
    matrix : ndarray, shape (draw or 1, primary area, secondary area), optional
        Explicit transfer matrix [pupils per Year 6 pupil]. Rows that sum to 1 conserve
        pupils: every Year 6 pupil appears in exactly one Year 7.

    Returns
    -------
    ndarray, shape (draw, secondary area)
        Year 7 pupils in academic year t [pupils].
    """
    year6 = np.asarray(year6, dtype=float)
    if matrix is None:
        if rates is None:
            raise ValueError("give either pooled transfer rates or a transfer matrix")
        return np.asarray(rates, dtype=float) * year6.sum(axis=-1, keepdims=True)
    return np.einsum("dp,dps->ds", year6, np.broadcast_to(matrix, year6.shape[:1] + matrix.shape[1:]))
