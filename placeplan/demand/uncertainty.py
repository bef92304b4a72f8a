"""Monte Carlo inputs of the pupil projection, drawn for all draws at once (no loop per draw).

Components (defaults in :class:`UncertaintySettings`):

1. **Ratios.** Every ratio (Reception, progression, transfer, staying-on) gets, per
   (draw, area, slot), one residual resampled from that ratio's own deviations from its
   average (``ratio_residuals``; scope ``window`` by default). The draw is PERSISTENT over
   the projection years: ratio errors in practice are level shifts (a new estate, a
   school's changing reputation, a shift in out-county flows) that last, and cohort
   projections compound them. Residuals are scaled by ``sqrt(n / (n - 1))`` (n = the
   ratio's usable years), the usual correction for deviations measured from a mean
   fitted to the same years, so the persistent part has about the year-to-year variance
   ``sigma^2`` of the ratio. A smaller YEAR-TO-YEAR part, another resampled residual times
   ``year_noise = 0.5`` drawn afresh each projected year, adds ``0.25 sigma^2``: in total
   about ``1.25 sigma^2``, close to the predictive variance ``sigma^2 (1 + 1/n)`` of a
   mean of n = 3-5 years. A ratio with fewer than 2 usable years has no spread. Ratios
   are floored at 0.
2. **Births.** Rows with ``births_low``/``births_high`` (nowcasts): normal with
   ``sd = (high - low) / (2 * 1.96)``. Projected births without an interval: relative error
   ``e_k`` with ``sd = min(births_rate * k, births_cap)`` (2.5% per year, capped at 15%),
   k = birth years beyond the last actual or nowcast year. ``e_k`` is a random walk with
   increments of sd ``rate * sqrt(2k - 1)`` (so sd(e_k) = rate * k exactly), then shrunk to
   the cap, so consecutive cohorts' errors are correlated (k / (k + 1) between years k and
   k + 1), as an error in a fertility trend would be. Both use ONE factor per (draw, birth year), shared by all
   areas (correlated across areas). Births are floored at 0.
3. **Housing delivery.** Per draw, the scenario's delivery factor times a triangular
   multiplier (low 0.6, mode 1.0, high 1.1): delivery is skewed low (Herefordshire
   delivered about 74% of its requirement in the Housing Delivery Test 2018).
4. **Yields.** Per draw and provision, triangular between the yield table's low, central
   and high (shared by all areas: a yield is a county-wide estimate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from placeplan.demand.ratios import ratio_residuals


@dataclass(frozen=True)
class UncertaintySettings:
    """Sizes of the Monte Carlo components (see the module docstring).

    Attributes
    ----------
    residual_scope : {"window", "history"}
        Which yearly deviations are resampled for ratio uncertainty.
    year_noise : float
        Scale of the year-to-year ratio component relative to the persistent one [-].
    births_rate : float
        Relative sd of projected births per year beyond the last actual/nowcast [fraction/year].
    births_cap : float
        Cap on that relative sd [fraction].
    delivery : tuple of float
        Triangular (low, mode, high) multiplier of the scenario delivery factor [-].
    """

    residual_scope: str = "window"
    year_noise: float = 0.5
    births_rate: float = 0.025
    births_cap: float = 0.15
    delivery: tuple[float, float, float] = (0.6, 1.0, 1.1)


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields explicitly
class ResidualPool:
    """Resampling pool of one family of ratios.

    Attributes
    ----------
    values : ndarray, shape (area, 7, n)
        Scaled residuals [ratio], usable ones first, padded with 0.
    counts : ndarray of int, shape (area, 7)
        Usable residuals per ratio.
    """

    values: np.ndarray
    counts: np.ndarray

    def sample(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """One resampled residual per (draw, area, slot) [ratio], shape (draw, area, 7)."""
        u = rng.random((draws,) + self.counts.shape)
        pick = np.minimum((u * self.counts).astype(np.intp), np.maximum(self.counts - 1, 0))
        flat = self.values.reshape(-1, self.values.shape[-1])
        series = np.arange(flat.shape[0]).reshape(self.counts.shape)
        return flat[series[None], pick]


def residual_pool(history: np.ndarray, policy, scope: str = "window") -> ResidualPool:
    """Build the resampling pool of a ratio history (area, 7, year) under a scenario policy."""
    residuals = ratio_residuals(history, policy.ratio_window, policy.ratio_method, policy.ratio_weights,
                                policy.smoothing_alpha, scope)
    valid = ~np.isnan(residuals)
    counts = valid.sum(axis=-1)
    order = np.argsort(~valid, axis=-1, kind="stable")
    packed = np.nan_to_num(np.take_along_axis(residuals, order, axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(counts >= 2, np.sqrt(counts / np.maximum(counts - 1, 1)), 0.0)
    return ResidualPool(packed * scale[..., None], counts)


def triangular(u: np.ndarray, low, mode, high) -> np.ndarray:
    """Inverse CDF of the triangular distribution (handles low == high) [units of the bounds]."""
    low, mode, high = (np.asarray(x, dtype=float) for x in (low, mode, high))
    width = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(width > 0, (mode - low) / width, 0.5)
        left = low + np.sqrt(u * width * (mode - low))
        right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(width > 0, np.where(u < cut, left, right), low)


def draw_births(births: np.ndarray, births_sd: np.ndarray, births_kind: tuple[str, ...], draws: int,
                rng: np.random.Generator, rate: float = 0.025, cap: float = 0.15) -> np.ndarray:
    """Births per draw (component 2 of the module docstring).

    Parameters
    ----------
    births, births_sd : ndarray, shape (area, birth year)
        Central births and interval sd [births].
    births_kind : tuple of str, one per birth year
        ``actual``, ``nowcast`` or ``projected``.
    draws : int
    rng : numpy.random.Generator
    rate, cap : float
        Widening relative sd per year and its cap [fraction].

    Returns
    -------
    ndarray, shape (draw, area, birth year)
        [births], floored at 0.
    """
    n_years = births.shape[-1]
    z = rng.standard_normal((draws, n_years))
    known = [i for i, kind in enumerate(births_kind) if kind != "projected"]
    k = np.arange(n_years) - (known[-1] if known else -1)
    steps = np.where(k >= 1, rate * np.sqrt(np.maximum(2 * k - 1, 0)), 0.0)
    walk = np.cumsum(rng.standard_normal((draws, n_years)) * steps, axis=1)
    if rate > 0:
        shrink = np.where(k >= 1, np.minimum(1.0, cap / (rate * np.maximum(k, 1))), 0.0)
    else:
        shrink = np.zeros(n_years)
    widening = np.array([kind == "projected" for kind in births_kind])[None, :] & (births_sd == 0)
    relative = np.where(widening[None], (walk * shrink)[:, None, :], 0.0)
    drawn = births[None] * (1 + relative) + births_sd[None] * z[:, None, :]
    return np.maximum(drawn, 0.0)


def draw_delivery(delivery_factor: float, draws: int, rng: np.random.Generator,
                  multiplier: tuple[float, float, float] = (0.6, 1.0, 1.1)) -> np.ndarray:
    """Delivery factor per draw [fraction of the planned trajectory], shape (draw,)."""
    low, mode, high = multiplier
    return delivery_factor * triangular(rng.random(draws), low, mode, high)


def draw_yields(central: np.ndarray, low: np.ndarray, high: np.ndarray, draws: int,
                rng: np.random.Generator) -> np.ndarray:
    """Yields per draw and provision, triangular(low, central, high) [pupils per dwelling], (draw, 3)."""
    return triangular(rng.random((draws, len(central))), low[None], central[None], high[None])
