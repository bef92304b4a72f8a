"""Sums within groups along the last axis, in time proportional to the elements (not groups x elements)."""

from __future__ import annotations

import numpy as np


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
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sums = np.add.reduceat(values[..., order], starts, axis=-1)  # (..., groups)
    group = np.cumsum(np.r_[0, (sorted_codes[1:] != sorted_codes[:-1]).astype(int)])  # group of each sorted element
    out[..., order] = sums[..., group]
    return out
