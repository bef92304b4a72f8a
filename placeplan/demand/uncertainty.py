"""Monte Carlo inputs of the pupil projection, drawn for all draws at once (no loop per draw).

Components (defaults in :class:`UncertaintySettings`):

1. **Ratios.** Every ratio (Reception, progression, transfer, staying-on) gets, per
   (draw, area, slot), one residual resampled from that ratio's record of errors
   (``ratio_residuals``). By default (:class:`UncertaintySettings`) these are the
   one-year-ahead errors of the averaging rule (out of sample), pooled across areas by
   cohort size, plus a county-wide block bootstrap by year, all times a ``spread`` set from
   the back-test; the rest of this paragraph describes the ``window`` scope. The draw is PERSISTENT over
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
   multiplier (low 0.75, mode 1.0, high 1.3). The scenario's factor carries the evidence
   (Herefordshire built about 74% of its requirement in the Housing Delivery Test 2018, so
   its default scenario uses 0.74); the multiplier is the spread around it.
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
    intervals : {"empirical", "resample"}
        How draws are made. ``empirical`` (default): from the record of past out-of-sample
        forecast errors (:mod:`placeplan.demand.intervals`), when the projection is given
        one; ``resample``: the ratio residuals below (also the fallback without a record).
    residual_scope : {"window", "history", "forecast"}
        Which yearly deviations are resampled for ratio uncertainty (``forecast``: the
        one-year-ahead errors of the averaging rule, out of sample).
    pool_areas : bool
        Pool the size-standardised residuals of all areas for each ratio slot.
    common : bool
        Split each year's errors into a county-wide part (the cohort-weighted mean relative
        error of all areas) and each area's deviation from it; each draw replays one past
        year's county-wide part in every area at once (block bootstrap by year) and resamples
        the deviations per area, so errors shared by all areas stay together and none is
        counted twice.
    spread : float
        Multiplier of the resampled ratio residuals [-]. 1.5 is set from the Herefordshire
        back-test (base years 2014-2021, 200 draws): the primary 90% intervals held 86-92% of
        outcomes at planning area x year group level over horizons 1 to 6+ years (Reception
        more, 94-100%). Secondary intervals still under-cover (40-70%), mostly because of a
        bias that resampling cannot show (see ``placeplan backtest``).
    year_noise : float
        Scale of the year-to-year ratio component relative to the persistent one [-].
    births_rate : float
        Relative sd of projected births per year beyond the last actual/nowcast [fraction/year].
    births_cap : float
        Cap on that relative sd [fraction].
    delivery : tuple of float
        Triangular (low, mode, high) multiplier of the scenario delivery factor [-].
    """

    intervals: str = "empirical"
    residual_scope: str = "forecast"
    pool_areas: bool = True
    spread: float = 1.5
    common: bool = True
    year_noise: float = 0.5
    births_rate: float = 0.025
    births_cap: float = 0.15
    delivery: tuple[float, float, float] = (0.75, 1.0, 1.3)


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
    by_year: np.ndarray | None = None  # (area, 7, year) residuals in year order, NaN where missing

    def sample_years(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Block bootstrap by year: one past year per (draw, slot), the same for every area.

        Each area takes that year's county-wide error (``by_year``: the cohort-weighted mean
        error of all areas that year, as a share of the ratio, times the area's own ratio level;
        0 where it has none), so errors that hit every area at once stay together. The areas'
        own deviations from that shared error are in ``values`` (``sample``), so no error is
        counted twice. Shape (draw, area, 7) [ratio].
        """
        values = np.nan_to_num(self.by_year)
        usable = (~np.isnan(self.by_year)).any(axis=0)  # (7, year)
        counts = usable.sum(axis=-1)  # (7,)
        order = np.argsort(~usable, axis=-1, kind="stable")  # usable years first, per slot
        u = rng.random((draws, values.shape[1]))
        pick = np.minimum((u * counts).astype(np.intp), np.maximum(counts - 1, 0))  # (draw, 7)
        years = np.take_along_axis(np.broadcast_to(order, (draws,) + order.shape), pick[..., None], -1)[..., 0]
        slots = np.arange(values.shape[1])
        out = values[:, slots[None, :], years]  # (area, draw, 7)
        return np.moveaxis(out, 0, 1) * (counts > 0)

    def sample(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """One resampled residual per (draw, area, slot) [ratio], shape (draw, area, 7)."""
        u = rng.random((draws,) + self.counts.shape)
        pick = np.minimum((u * self.counts).astype(np.intp), np.maximum(self.counts - 1, 0))
        flat = self.values.reshape(-1, self.values.shape[-1])
        series = np.arange(flat.shape[0]).reshape(self.counts.shape)
        return flat[series[None], pick]


def residual_pool(history: np.ndarray, policy, scope: str = "window",
                  sizes: np.ndarray | None = None, common: bool = False) -> ResidualPool:
    """Build the resampling pool of a ratio history (area, 7, year) under a scenario policy.

    With ``sizes`` (area, 7) [pupils: the typical cohort behind each ratio], residuals are
    pooled across areas for each ratio slot: each is standardised by ``sqrt(size)`` (a ratio of
    counts varies about as ``1 / sqrt(cohort)``), every area's pool holds all areas'
    standardised residuals, rescaled to its own size. Small areas with few usable years then
    borrow the county's experience instead of resampling from two or three values. With
    ``common`` (and sizes, and more than one area) the county-wide part of each year's errors is
    taken out of the pool and kept in ``by_year`` for ``sample_years`` (:func:`split_common`).
    """
    residuals = ratio_residuals(history, policy.ratio_window, policy.ratio_method, policy.ratio_weights,
                                policy.smoothing_alpha, scope)
    by_year = residuals.copy()
    if common and sizes is not None and residuals.shape[0] > 1:
        by_year, residuals = split_common(history, residuals, np.asarray(sizes, dtype=float))
    if sizes is not None:
        root = np.sqrt(np.maximum(np.asarray(sizes, dtype=float), 1.0))  # (area, 7)
        z = residuals * root[..., None]  # (area, 7, year)
        pooled = np.moveaxis(z, 0, -2).reshape(z.shape[1], -1)  # (7, area * year)
        residuals = pooled[None] / root[..., None]  # (area, 7, area * year)
    valid = ~np.isnan(residuals)
    counts = valid.sum(axis=-1)
    order = np.argsort(~valid, axis=-1, kind="stable")
    packed = np.nan_to_num(np.take_along_axis(residuals, order, axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        in_sample = np.sqrt(counts / np.maximum(counts - 1, 1)) if scope != "forecast" else np.ones(counts.shape)
        scale = np.where(counts >= 2, in_sample, 0.0)
    return ResidualPool(packed * scale[..., None], counts, by_year)


def split_common(history: np.ndarray, residuals: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split ratio errors into a county-wide part per year and each area's deviation from it.

    Parameters
    ----------
    history : (area, 7, year) ratios [ratio]
    residuals : (area, 7, year) their errors, NaN where missing [ratio]
    sizes : (area, 7) typical cohort behind each ratio [pupils], the weights

    Returns
    -------
    common : (area, 7, year) the year's cohort-weighted mean relative error times the area's mean
        ratio (NaN where the area has no error that year) [ratio]
    own : (area, 7, year) residuals minus ``common`` [ratio]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.nanmean(np.where(np.isnan(residuals), np.nan, history), axis=-1)  # (area, 7)
        relative = residuals / level[..., None]
        weight = np.where(np.isnan(relative), 0.0, np.maximum(sizes, 1.0)[..., None])
        shared = np.nansum(np.nan_to_num(relative) * weight, axis=0) / weight.sum(axis=0)  # (7, year)
    common = np.where(np.isnan(residuals), np.nan, np.nan_to_num(shared)[None] * level[..., None])
    return common, residuals - common


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
                  multiplier: tuple[float, float, float] = (0.75, 1.0, 1.3)) -> np.ndarray:
    """Delivery factor per draw [fraction of the planned trajectory], shape (draw,)."""
    low, mode, high = multiplier
    return delivery_factor * triangular(rng.random(draws), low, mode, high)


def draw_yields(central: np.ndarray, low: np.ndarray, high: np.ndarray, draws: int,
                rng: np.random.Generator) -> np.ndarray:
    """Yields per draw and provision, triangular(low, central, high) [pupils per dwelling], (draw, 3)."""
    return triangular(rng.random((draws, len(central))), low[None], central[None], high[None])
