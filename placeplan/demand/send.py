"""Specialist (SEND) demand: population x EHCP prevalence x specialist share, by phase.

The population and the two rates are kept separate, as SEND forecasting guidance
recommends: a change in pupil numbers, in the share of pupils with an EHCP, and in the
share of those placed in specialist provision (special schools, resourced provision / SEN
units, independent special schools) are three different stories.

Each rate is trended: an ordinary least-squares line through the last ``window`` years of
its history gives a slope; the projection starts from the LAST OBSERVED value (the
jump-off) and adds ``slope * (phi + phi^2 + ... + phi^k)`` k years later (damped trend;
``phi = damping``, 1 = straight line, 0 = held flat), clipped to [lower, upper].
Years that the history already covers use the observed value.
"""

from __future__ import annotations

import numpy as np


def linear_trend(history: np.ndarray, window: int = 5) -> np.ndarray:
    """Least-squares slope over the last ``window`` years of each series.

    Parameters
    ----------
    history : ndarray, shape (..., year)
        Yearly values [rate], year axis last; NaN = missing.
    window : int
        Years used [years].

    Returns
    -------
    ndarray, shape (...)
        Slope [rate per year]; 0 for a series with fewer than 2 usable years.
    """
    recent = np.asarray(history, dtype=float)[..., -window:]
    x = np.arange(recent.shape[-1], dtype=float)
    valid = ~np.isnan(recent)
    n = valid.sum(axis=-1)
    y = np.where(valid, recent, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_mean = np.where(n > 0, (x * valid).sum(axis=-1) / n, 0.0)
        y_mean = np.where(n > 0, y.sum(axis=-1) / n, 0.0)
        dx = np.where(valid, x - x_mean[..., None], 0.0)
        sxx = (dx**2).sum(axis=-1)
        sxy = (dx * (y - y_mean[..., None])).sum(axis=-1)
        return np.where(sxx > 0, sxy / sxx, 0.0)


def trended_rate(history: np.ndarray, steps: np.ndarray, window: int = 5, damping: float = 1.0,
                 lower: float = 0.0, upper: float | None = 1.0) -> np.ndarray:
    """Project a rate by its (damped) linear trend from the last observed value.

    Parameters
    ----------
    history : ndarray, shape (..., year)
        Yearly values [rate]; the last non-missing value is the jump-off.
    steps : ndarray of int, shape (horizon,)
        Years after the last history year of each projected year [years]; steps <= 0 read
        the observed history.
    window : int
        Years of history in the trend [years].
    damping : float
        Damping factor phi [0-1] of the trend.
    lower, upper : float
        Bounds of the rate (None: no upper bound).

    Returns
    -------
    ndarray, shape (..., horizon)
        [rate].
    """
    history = np.asarray(history, dtype=float)
    steps = np.asarray(steps, dtype=int)
    if not 0 <= damping <= 1:
        raise ValueError(f"damping must lie in [0, 1], got {damping}")
    valid = ~np.isnan(history)
    last_index = history.shape[-1] - 1 - np.argmax(valid[..., ::-1], axis=-1)
    jump_off = np.take_along_axis(history, last_index[..., None], axis=-1)
    slope = linear_trend(history, window)[..., None]
    k_max = int(max(steps.max(initial=0), 0))
    cumulative = np.concatenate([[0.0], np.cumsum(damping ** np.arange(1, k_max + 1))])
    value = jump_off + slope * cumulative[np.clip(steps, 0, None)]
    position = history.shape[-1] - 1 + steps
    observed_ok = (steps <= 0) & (position >= 0)
    observed = history[..., np.clip(position, 0, history.shape[-1] - 1)]
    value = np.where(observed_ok & ~np.isnan(observed), observed, value)
    return np.clip(value, lower, upper)


def specialist_demand(pupils: np.ndarray, prevalence_history: np.ndarray, specialist_share_history: np.ndarray,
                      *, steps: np.ndarray | None = None, window: int = 5, damping: float = 1.0,
                      prevalence_cap: float = 1.0) -> np.ndarray:
    """Pupils needing a specialist place: population x prevalence x specialist share.

    Parameters
    ----------
    pupils : ndarray, shape (draw, year) or (draw, phase, year)
        Projected population of the phase(s) [pupils], on the same basis as the
        prevalence's denominator (e.g. ``project.phase_totals``).
    prevalence_history : ndarray, shape (history year,) or (phase, history year)
        Resident pupils with an EHCP per pupil of the population [fraction].
    specialist_share_history : ndarray, same shape
        Share of those pupils placed in specialist provision [fraction].
    steps : ndarray of int, shape (year,), optional
        Years after the last history year of each projected year [years]; default
        ``1, 2, ..., year``.
    window : int
        Years of history in each trend [years].
    damping : float
        Damping factor phi of both trends [0-1].
    prevalence_cap : float
        Upper bound of the prevalence [fraction].

    Returns
    -------
    ndarray, shape of ``pupils``
        Specialist demand [pupils].
    """
    pupils = np.asarray(pupils, dtype=float)
    if steps is None:
        steps = np.arange(1, pupils.shape[-1] + 1)
    if len(steps) != pupils.shape[-1]:
        raise ValueError(f"steps has {len(steps)} years but pupils has {pupils.shape[-1]}")
    prevalence = trended_rate(prevalence_history, steps, window, damping, 0.0, prevalence_cap)
    share = trended_rate(specialist_share_history, steps, window, damping, 0.0, 1.0)
    return pupils * prevalence * share
