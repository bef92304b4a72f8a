"""Averaging projection ratios over a window of years: one code path for every ratio.

Every ratio the projection uses (births-to-reception, cohort progression, Year 7 transfer,
sixth-form staying-on) is a history array with the academic-year axis LAST. The same two
functions average it and measure how far each year strayed from that average.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METHODS = ("mean", "weighted_mean", "exp_smoothing")


def window_weights(window: int, method: str, weights: Sequence[float] | None = None,
                   alpha: float = 0.5) -> np.ndarray:
    """Weights of the last ``window`` years, OLDEST FIRST (the order of the year axis), summing to 1.

    Parameters
    ----------
    window : int
        Number of years averaged [years], at least 1.
    method : {"mean", "weighted_mean", "exp_smoothing"}
        ``mean``: equal weights. ``weighted_mean``: ``weights`` given MOST RECENT FIRST (as in
        the scenario's ``policy.ratio_weights``), normalised. ``exp_smoothing``: simple
        exponential smoothing started from the oldest year of the window, so the most recent
        year weighs ``alpha``, the one before ``alpha (1 - alpha)``, and so on, and the oldest
        year takes the remainder ``(1 - alpha) ** (window - 1)``.
    weights : sequence of float, optional
        Weights for ``weighted_mean`` [-], one per year, most recent first.
    alpha : float
        Smoothing constant for ``exp_smoothing`` [fraction, 0 < alpha <= 1].

    Returns
    -------
    ndarray, shape (window,)
        Weights [fraction], oldest year first.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1 year, got {window}")
    if method == "mean":
        w = np.ones(window)
    elif method == "weighted_mean":
        if weights is None or len(weights) != window:
            raise ValueError(f"weighted_mean needs {window} weights (most recent first), got {weights!r}")
        w = np.asarray(weights, dtype=float)[::-1]
        if np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"weights must be non-negative and not all zero, got {weights!r}")
    elif method == "exp_smoothing":
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must lie in (0, 1], got {alpha}")
        k = np.arange(window)  # 0 = most recent year
        w = alpha * (1 - alpha) ** k
        w[-1] = (1 - alpha) ** (window - 1)
        w = w[::-1]
    else:
        raise ValueError(f"unknown ratio method {method!r} (expected one of: {', '.join(METHODS)})")
    return w / w.sum()


def average_ratios(history: np.ndarray, window: int, method: str = "mean",
                   weights: Sequence[float] | None = None, alpha: float = 0.5) -> np.ndarray:
    """Average a ratio history over its last ``window`` years.

    Missing years (NaN) are skipped and the remaining weights renormalised; a series with no
    usable year in the window averages to NaN (the caller decides the fallback).

    Parameters
    ----------
    history : ndarray, shape (..., year)
        Ratio per academic year [ratio], year axis last, oldest first; NaN = missing.
    window, method, weights, alpha
        As in :func:`window_weights`. With fewer years than ``window`` the most recent
        weights are used.

    Returns
    -------
    ndarray, shape (...)
        Average ratio [ratio].
    """
    history = np.asarray(history, dtype=float)
    recent = history[..., -window:]
    w = window_weights(window, method, weights, alpha)[-recent.shape[-1]:] if recent.shape[-1] else np.ones(0)
    valid = ~np.isnan(recent)
    used = np.where(valid, w, 0.0)
    total = used.sum(axis=-1)
    weighted = np.where(valid, recent, 0.0) * used
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted.sum(axis=-1) / total, np.nan)


def ratio_residuals(history: np.ndarray, window: int, method: str = "mean",
                    weights: Sequence[float] | None = None, alpha: float = 0.5,
                    scope: str = "window") -> np.ndarray:
    """Deviations of each year's ratio from the averaged ratio, for resampling.

    Parameters
    ----------
    history, window, method, weights, alpha
        As in :func:`average_ratios`.
    scope : {"window", "history", "forecast"}
        ``window``: the deviations of the years in the averaging window only (what the
        policy deems current behaviour); ``history``: every year of the history, measured
        from the same window average (wider: it includes drift since the older years);
        ``forecast``: one-year-ahead forecast errors of the averaging rule itself, each
        year's ratio minus the average of the ``window`` years before it, for every year
        that has a full window before it (out of sample, so no rescaling is needed).

    Returns
    -------
    ndarray, shape (..., n_years)
        Ratio minus the average [ratio]; NaN where the ratio is missing.
    """
    if scope not in ("window", "history", "forecast"):
        raise ValueError(f"scope must be 'window', 'history' or 'forecast', got {scope!r}")
    history = np.asarray(history, dtype=float)
    if scope == "forecast":
        errors = np.full(history.shape, np.nan)
        for t in range(window, history.shape[-1]):
            before = average_ratios(history[..., t - window:t], window, method, weights, alpha)
            errors[..., t] = history[..., t] - before
        return errors
    average = average_ratios(history, window, method, weights, alpha)
    years = history[..., -window:] if scope == "window" else history
    return years - average[..., None]


def safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` where the denominator is positive, NaN elsewhere [ratio]."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def nan_mean(values, axis=None, keepdims: bool = False, empty: float = np.nan):
    """The mean of the numbers that are not NaN along ``axis``, and ``empty`` where there are none.

    ``np.nanmean`` without its "Mean of empty slice" warning: a slot with no history at all (e.g. a scenario
    with no sixth-form rows) is expected, not a fault, and gets ``empty`` (NaN, as nanmean gives, unless asked).
    """
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    count = present.sum(axis=axis, keepdims=keepdims)
    total = np.where(present, values, 0.0).sum(axis=axis, keepdims=keepdims)
    out = np.divide(total, count, out=np.full(np.shape(total), empty, dtype=float), where=count > 0)
    return out if np.ndim(out) else float(out)
