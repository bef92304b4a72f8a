"""Stage durations: triangular and PERT draws, and the rest of a stage already under way.

A stage in progress since ``elapsed`` months is drawn from its own distribution given that it has
lasted that long: by the inverse of its distribution function on the range above ``elapsed``
(``u`` uniform on (F(elapsed), 1)), minus the time already spent. A stage that has already lasted
its longest plausible duration (``max_months``) is running late beyond the plan; it is taken to
finish within a short overrun, uniform between 0 and ``overrun_months(stage)`` (a tenth of its
longest duration, at least a month). All draws are vectorised over draws.
"""

from __future__ import annotations

import numpy as np

from placeplan.scenario.schema import Stage

OVERRUN_SHARE = 0.1  # a stage past its longest duration finishes within this share of it more ...
OVERRUN_MIN_MONTHS = 1.0  # ... or within this many months, whichever is longer
PERT_GRID = 4097  # points of the tabulated PERT distribution function


def triangular(rng: np.random.Generator, lo, mode, hi, size) -> np.ndarray:
    """Triangular draws [same unit as lo, mode, hi] by the inverse distribution function."""
    return triangular_quantile(rng.random(size), lo, mode, hi)


def triangular_quantile(u, lo, mode, hi) -> np.ndarray:
    """The triangular(lo, mode, hi) value below which a share ``u`` of draws falls."""
    lo, mode, hi, u = (np.asarray(v, dtype=float) for v in (lo, mode, hi, u))
    width = hi - lo
    safe = np.where(width > 0, width, 1.0)
    c = np.where(width > 0, (mode - lo) / safe, 0.5)
    left = lo + np.sqrt(u * safe * (mode - lo))
    right = hi - np.sqrt((1 - u) * safe * (hi - mode))
    return np.where(width > 0, np.where(u < c, left, right), lo)


def triangular_cdf(t: float, lo: float, mode: float, hi: float) -> float:
    """Share of triangular(lo, mode, hi) draws at or below ``t``."""
    if t <= lo:
        return 0.0
    if t >= hi:
        return 1.0
    if t <= mode:
        return (t - lo) ** 2 / ((hi - lo) * (mode - lo))
    return 1.0 - (hi - t) ** 2 / ((hi - lo) * (hi - mode))


def pert(rng: np.random.Generator, lo, mode, hi, size) -> np.ndarray:
    """PERT draws: lo + (hi - lo) x Beta(1 + 4 (mode - lo) / width, 1 + 4 (hi - mode) / width)."""
    lo, mode, hi = (np.asarray(v, dtype=float) for v in (lo, mode, hi))
    width = hi - lo
    safe = np.where(width > 0, width, 1.0)
    alpha = 1 + 4 * (mode - lo) / safe
    beta = 1 + 4 * (hi - mode) / safe
    return np.where(width > 0, lo + rng.beta(alpha, beta, size) * safe, lo)


def _pert_table(lo: float, mode: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """The PERT distribution function tabulated: (durations, shares at or below them)."""
    width = hi - lo
    alpha, beta = 1 + 4 * (mode - lo) / width, 1 + 4 * (hi - mode) / width
    x = np.linspace(0.0, 1.0, PERT_GRID)
    density = x ** (alpha - 1) * (1 - x) ** (beta - 1)
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
    return lo + x * width, cdf / cdf[-1]


def overrun_months(stage: Stage) -> float:
    """Longest further time of a stage already past its longest plausible duration [months]."""
    return max(OVERRUN_SHARE * stage.max_months, OVERRUN_MIN_MONTHS)


def remaining_months(u: np.ndarray, stage: Stage, elapsed: float) -> np.ndarray:
    """Time still to run of a stage that has lasted ``elapsed`` months, for uniform draws ``u`` [months].

    Its duration is drawn given that it exceeds ``elapsed``: u -> F(elapsed) + u (1 - F(elapsed)) -> F^-1, minus
    ``elapsed``; a stage not yet begun (elapsed 0) is an ordinary draw. Past ``max_months``: u x ``overrun_months``.
    """
    u = np.asarray(u, dtype=float)
    lo, mode, hi = stage.min_months, stage.mode_months, stage.max_months
    if elapsed >= hi:
        return u * overrun_months(stage)
    if stage.distribution == "pert" and hi > lo:
        grid, cdf = _pert_table(lo, mode, hi)
        floor = float(np.interp(elapsed, grid, cdf))
        total = np.interp(floor + u * (1 - floor), cdf, grid)
    else:
        floor = triangular_cdf(elapsed, lo, mode, hi)
        total = triangular_quantile(floor + u * (1 - floor), lo, mode, hi)
    return np.maximum(total - elapsed, 0.0)
