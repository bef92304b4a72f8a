"""Whole numbers for the SCAP return: largest-remainder rounding whose totals still add up.

SCAP takes whole pupils and places. Rounding each cell on its own would leave totals that differ
from the rounded sum of the exact figures (and from each other); the return uses the
**largest-remainder rule** instead, top down:

1. the whole (the authority's total for a phase and year, or one school's net capacity) is rounded
   to the nearest whole number (halves away from zero);
2. each part (a planning area's total, or a year group's places) starts from the whole number
   below it (its floor); the units still missing to reach the whole go, one each, to the parts with
   the largest fractional remainders (ties: the part listed first);
3. the same is repeated inside each part (a planning area's year groups share the area's whole).

Every part then lies within one of its exact figure (it is its floor or its ceiling), the parts add
up exactly to the whole, and the same figures always give the same integers. Nothing here reads
files; figures are in the units of the caller [pupils or places].
"""

from __future__ import annotations

import numpy as np

EPS = 1e-6  # floating noise: 59.9999999 counts as 60 before rounding


def round_half_away(value: float) -> int:
    """Nearest whole number, halves away from zero (2.5 -> 3, -2.5 -> -3) [same units]."""
    value = float(value)
    return int(np.sign(value) * np.floor(abs(value) + 0.5 + EPS))


def largest_remainder(values, total: int | None = None) -> np.ndarray:
    """Integers that add up to ``total``, each the floor or ceiling of its value (rule 2 above).

    Parameters
    ----------
    values : 1-d sequence of exact figures (may be negative) [pupils or places]
    total : the whole they must add up to; default the rounded sum of ``values``. It must lie
        between the sum of the floors and that sum plus the number of values.

    Returns
    -------
    ndarray of int, the same length as ``values``

    Examples
    --------
    >>> largest_remainder([240 / 7] * 7).tolist()  # a 240-place school over 7 year groups
    [35, 35, 34, 34, 34, 34, 34]
    >>> largest_remainder([0.5, 0.5, 0.5], total=1).tolist()
    [1, 0, 0]
    """
    exact = np.asarray(values, dtype=float).reshape(-1)
    if exact.size == 0:
        return np.zeros(0, dtype=int)
    snapped = np.where(np.abs(exact - np.round(exact)) < EPS, np.round(exact), exact)
    floors = np.floor(snapped)
    whole = round_half_away(snapped.sum()) if total is None else int(total)
    missing = whole - int(floors.sum())
    if not 0 <= missing <= exact.size:
        raise ValueError(f"cannot share {whole} among {exact.size} values summing to {snapped.sum():g} "
                         "(each must stay the floor or ceiling of its value)")
    remainders = snapped - floors
    order = sorted(range(exact.size), key=lambda i: (-round(remainders[i], 9), i))
    out = floors.astype(int)
    for i in order[:missing]:
        out[i] += 1
    return out


def round_nested(cells, total: int | None = None) -> np.ndarray:
    """Two-level largest-remainder rounding of a (group, item) table, e.g. (planning area, year group).

    The whole (``total``, default the rounded sum of every cell) is shared among the groups by their
    exact sums, then each group's share among its items (rules 1-3 of the module docstring): items
    add up to their group's integer, groups to the whole.

    Returns ndarray of int, the shape of ``cells``.

    Examples
    --------
    >>> round_nested([[10.4, 10.4], [10.4, 0.0]]).tolist()  # 31.2 -> 31: the groups get 21 and 10
    [[11, 10], [10, 0]]
    """
    table = np.asarray(cells, dtype=float)
    if table.ndim != 2:
        raise ValueError("round_nested takes a (group, item) table")
    if table.size == 0:
        return np.zeros(table.shape, dtype=int)
    groups = largest_remainder(table.sum(axis=1), total)
    return np.stack([largest_remainder(row, g) for row, g in zip(table, groups)])
