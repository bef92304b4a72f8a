"""Sums within groups along an axis, in time proportional to the elements (not groups x elements)."""

from __future__ import annotations

import numpy as np


def segment_starts(sorted_ids: np.ndarray) -> np.ndarray:
    """Positions where a new run of equal ids begins in ``sorted_ids`` (non-empty, grouped): the ``indices``
    ``np.add.reduceat`` takes to sum each run."""
    sorted_ids = np.asarray(sorted_ids)
    return np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])


def group_totals(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each element's group total along the last axis.

    Parameters
    ----------
    values : (..., n) numbers
    codes : (n,) integer group of each element; elements with a negative code belong to no group

    Returns
    -------
    ndarray (..., n): for each element the sum of ``values`` over the elements with its code (0 where the
    code is negative). Within a group, elements are added in axis order.
    """
    values = np.asarray(values, dtype=float)
    codes = np.asarray(codes)
    out = np.zeros(values.shape)
    keep = np.flatnonzero(codes >= 0)
    if not keep.size:
        return out
    order = keep[np.argsort(codes[keep], kind="stable")]
    starts = segment_starts(codes[order])
    sums = np.add.reduceat(values[..., order], starts, axis=-1)  # (..., groups)
    out[..., order] = np.repeat(sums, np.diff(np.r_[starts, order.size]), axis=-1)
    return out
