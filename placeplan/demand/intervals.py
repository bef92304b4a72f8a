"""Empirical forecast intervals: draws made from the record of past out-of-sample errors.

The ranges placeplan shows are not set by hand. They come from how far past forecasts of the
same method missed, measured on origins whose outcomes were known at the base year:

1. **The record.** Rows of past central forecasts and what happened: ``unit`` (an authority
   or planning area), ``base_year`` (the forecast's origin), ``horizon`` [years ahead],
   ``ncy``, ``forecast`` and ``actual`` [pupils]. The relative error is
   ``e = actual / forecast - 1`` [fraction]. A row counts at base year ``K`` only when
   ``base_year + horizon <= K`` (its outcome was known then): :func:`known_at`.
2. **National and local apart** (:func:`split_errors`). For each origin, horizon and year
   group, the all-unit error ``c = sum(actual) / sum(forecast) - 1`` is what every unit missed
   together (a national shift); each unit's deviation is ``d = e - c``.
3. **Size.** A small unit's deviations are wider: ``E[d^2] = a + b / forecast`` per block of
   year groups and horizon (:func:`size_model`), fitted by least squares with ``a, b >= 0``.
   Deviations are standardised by that scale and pooled over units and origins.
4. **Blocks** of year groups with one pool each: Reception (NCY 0), Years 1-6, Year 7,
   Years 8-11, Years 12-13 (:data:`BLOCKS`).
5. **Draws** (:func:`draw_errors`). Per draw: the national part ``s * z`` (``s`` the root
   mean square of the all-unit errors so far at that horizon and block, ``z`` standard normal,
   one per draw and block, shared by every unit and horizon); per draw and unit, a
   standardised deviation from the pool at the quantile ``u``, the same ``u`` at every
   horizon (errors persist: a cohort that was under-forecast stays under-forecast), with
   ``u`` of the blocks of one unit coupled through a shared normal factor (correlation
   ``rho``). Horizons beyond the longest observed one scale linearly from it.

The same functions make the national back-test's intervals (the record from its own runs)
and a single authority's (the record shipped as a scenario table, built by a script from the
committed national tables). Nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BLOCKS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("reception", (0,)), ("primary", (1, 2, 3, 4, 5, 6)), ("year7", (7,)), ("secondary", (8, 9, 10, 11)),
    ("sixth_form", (12, 13)))
BLOCK_OF_NCY = np.array([i for i, (_, ncys) in enumerate(BLOCKS) for _ in ncys])
RECORD_COLUMNS = ("unit", "base_year", "horizon", "ncy", "forecast", "actual")
def normal_cdf(x) -> np.ndarray:
    """Standard normal distribution function, to about 1e-7 (Abramowitz and Stegun 7.1.26 for erf)."""
    x = np.asarray(x, dtype=float)
    t = np.abs(x) / np.sqrt(2.0)
    k = 1.0 / (1.0 + 0.3275911 * t)
    poly = k * (0.254829592 + k * (-0.284496736 + k * (1.421413741 + k * (-1.453152027 + k * 1.061405429))))
    erf = 1.0 - poly * np.exp(-t * t)
    return 0.5 * (1.0 + np.sign(x) * erf)


def known_at(record: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows of the record whose outcome was known at base year ``year``: ``base_year + horizon <= year``."""
    return record[(record["base_year"] + record["horizon"]) <= int(year)]


def split_errors(record: pd.DataFrame) -> pd.DataFrame:
    """The record with ``error``, ``common`` and ``deviation`` [fractions] (module docstring, step 2).

    Rows with a forecast of 0 or less, or no actual, are dropped. ``common`` is per origin,
    horizon and NCY: ``sum(actual) / sum(forecast) - 1`` over the units that have both.
    """
    usable = record[(record["forecast"] > 0) & record["actual"].notna()].copy()
    usable["error"] = usable["actual"] / usable["forecast"] - 1.0
    keys = ["base_year", "horizon", "ncy"]
    sums = usable.groupby(keys)[["forecast", "actual"]].transform("sum")
    usable["common"] = sums["actual"] / sums["forecast"] - 1.0
    usable["deviation"] = usable["error"] - usable["common"]
    usable["block"] = BLOCK_OF_NCY[usable["ncy"].to_numpy(dtype=int)]
    return usable


GRID = (np.arange(1000) + 0.5) / 1000  # probabilities at which each pool's quantile function is kept


@dataclass(frozen=True, eq=False)  # arrays inside
class ErrorModel:
    """The error distributions as known at one base year (module docstring, steps 2-4).

    Attributes
    ----------
    year : int
        Base year the model is known at (rows with ``base_year + horizon <= year``).
    common_rms : ndarray, shape (block, horizon)
        ``s``: root mean square of the all-unit errors per block and horizon 1 ... H [fraction].
    size_a, size_b : ndarray, shape (block, horizon)
        Scale of a unit's deviation: ``sqrt(size_a + size_b / forecast)`` [fraction; pupils].
    quantiles : ndarray, shape (block, horizon, len(GRID))
        Standardised deviations at the probabilities ``GRID`` [-].
    rho : float
        Correlation of the standardised deviations of one unit's blocks [-].
    counts : ndarray of int, shape (block, horizon)
        Deviations behind each pool.
    """

    year: int
    common_rms: np.ndarray
    size_a: np.ndarray
    size_b: np.ndarray
    quantiles: np.ndarray
    rho: float
    counts: np.ndarray

    @property
    def horizons(self) -> int:
        """Longest horizon observed [years]."""
        return self.common_rms.shape[1]

    def scale(self, forecast: np.ndarray, block: np.ndarray, horizon: np.ndarray) -> np.ndarray:
        """Deviation scale of cells of a given size [fraction]; horizons past the record scale linearly."""
        h = np.asarray(horizon, dtype=int)
        column = np.minimum(h, self.horizons) - 1
        stretch = np.maximum(h / self.horizons, 1.0)
        with np.errstate(divide="ignore"):
            size = np.where(forecast > 0, 1.0 / np.maximum(forecast, 1e-9), 0.0)
        return np.sqrt(self.size_a[block, column] + self.size_b[block, column] * size) * stretch


SIZE_BINS = 10  # size classes for the scale fit (deciles of the forecast)


def size_model(deviation: np.ndarray, forecast: np.ndarray, bins: int = SIZE_BINS,
               iterations: int = 3) -> tuple[float, float]:
    """Scale of deviations by cell size: ``E[d^2] = a + b / forecast``, ``a, b >= 0`` [fraction^2; x pupils].

    Robust to the few very small authorities: the cells are put in ``bins`` classes of equal count
    by forecast; each class gives a robust variance (the normal-consistent median absolute
    deviation about 0, squared) at its mean ``1 / forecast``, and ``a``, ``b`` are the
    non-negative least-squares line through those points. The fit is then refined
    ``iterations`` times on the deviations standardised by it (a class spans a range of sizes,
    which a median of raw deviations understates).
    """
    d = np.asarray(deviation, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if len(d) == 0:
        return 0.0, 0.0
    order = np.argsort(f, kind="stable")
    groups = [g for g in np.array_split(order, min(bins, len(d))) if len(g)]
    x = np.array([np.mean(1.0 / f[g]) for g in groups])
    y = np.array([(1.4826 * np.median(np.abs(d[g]))) ** 2 for g in groups])
    a, b = _line(x, y)
    for _ in range(iterations):
        scale = np.sqrt(a + b / f)
        if not np.all(scale > 0):
            break
        z = d / scale
        y = np.array([(1.4826 * np.median(np.abs(z[g]))) ** 2 * np.mean(a + b / f[g]) for g in groups])
        a, b = _line(x, y)
    return a, b


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Non-negative least squares ``y = a + b x``: the two-term line, else the better one-term fit."""
    if len(x) >= 2 and np.ptp(x) > 0:
        b, a = np.polyfit(x, y, 1)
        if a >= 0 and b >= 0:
            return float(a), float(b)
    a_only = float(y.mean())
    b_only = float(max((x * y).sum() / max((x * x).sum(), 1e-300), 0.0))
    if ((y - a_only) ** 2).sum() <= ((y - b_only * x) ** 2).sum():
        return a_only, 0.0
    return 0.0, b_only


def fit_error_model(record: pd.DataFrame, year: int, rho: float | None = None) -> ErrorModel | None:
    """The error model as known at base year ``year`` from a record (see the module docstring).

    ``record`` may already be split (:func:`split_errors`, done once for many base years: an origin's
    split uses only that origin's rows, so splitting then keeping the rows known at ``year`` is the
    same as the other way round). Returns None when no outcome of the record was known at ``year``.
    ``rho`` defaults to the correlation measured in the record (:func:`block_correlation`).
    """
    errors = known_at(record if "deviation" in record else split_errors(record), year)
    if errors.empty:
        return None
    n_block, horizons = len(BLOCKS), int(errors["horizon"].max())
    rms = np.zeros((n_block, horizons))
    a = np.zeros((n_block, horizons))
    b = np.zeros((n_block, horizons))
    quant = np.zeros((n_block, horizons, len(GRID)))
    counts = np.zeros((n_block, horizons), dtype=int)
    for (k, h), group in errors.groupby(["block", "horizon"]):
        k, h = int(k), int(h)
        common = group.drop_duplicates(["base_year", "ncy"])["common"].to_numpy()
        rms[k, h - 1] = np.sqrt(np.mean(common ** 2))
        a[k, h - 1], b[k, h - 1] = size_model(group["deviation"], group["forecast"])
        scale = np.sqrt(a[k, h - 1] + b[k, h - 1] / group["forecast"].to_numpy())
        z = np.divide(group["deviation"].to_numpy(), scale, out=np.zeros(len(group)), where=scale > 0)
        quant[k, h - 1] = np.quantile(z, GRID)
        counts[k, h - 1] = len(z)
    _fill_gaps(rms, a, b, quant, counts)
    rho = block_correlation(errors) if rho is None else float(rho)
    return ErrorModel(int(year), rms, a, b, quant, rho, counts)


def _fill_gaps(rms, a, b, quant, counts) -> None:
    """Pools with no deviations take a neighbour's (in place).

    A block with no deviations at a horizon takes the nearest shorter horizon's pool, or, at the
    first horizons, the nearest longer one's. (Forcing the scales to grow with the horizon, a running
    maximum, was tried: it widened the national secondary ranges past 97% coverage, so it is not done.)
    """
    for k in range(rms.shape[0]):
        filled = np.flatnonzero(counts[k] > 0)
        if not len(filled):
            continue
        for h in range(rms.shape[1]):
            if counts[k, h] == 0:
                earlier = filled[filled < h]
                src = earlier[-1] if len(earlier) else filled[0]
                rms[k, h], a[k, h], b[k, h], quant[k, h] = rms[k, src], a[k, src], b[k, src], quant[k, src]


def block_correlation(errors: pd.DataFrame) -> float:
    """Mean correlation between a unit's block-mean deviations at the same origin and horizon [-].

    Measured on the relative deviations averaged within each block (unit x origin x horizon),
    over every pair of blocks of the same phase, clipped to [0, 1].
    """
    means = errors.groupby(["unit", "base_year", "horizon", "block"])["deviation"].mean().unstack("block")
    values = []
    for pair in ((0, 1), (2, 3), (3, 4), (2, 4)):
        if all(p in means.columns for p in pair):
            both = means[list(pair)].dropna()
            if len(both) > 2 and both.std().gt(0).all():
                values.append(float(np.corrcoef(both[pair[0]], both[pair[1]])[0, 1]))
    return float(np.clip(np.mean(values), 0.0, 1.0)) if values else 0.5


def draw_errors(model: ErrorModel, forecast: np.ndarray, horizons: np.ndarray, draws: int,
                rng: np.random.Generator, *, common: bool = True) -> np.ndarray:
    """Relative errors per draw, unit, NCY and year (module docstring, step 5).

    Parameters
    ----------
    model : ErrorModel
    forecast : ndarray, shape (unit, 14, year)
        Central forecast [pupils]: each cell's size sets its deviation scale.
    horizons : ndarray of int, shape (year,)
        Years ahead of the base of each year column (1, 2, ...).
    draws : int
    rng : numpy.random.Generator
        Random numbers are taken in a fixed order: national normals (draw, block), then the
        shared factor (draw, unit), then the block factors (draw, unit, block).
    common : bool
        Include the national part (False when another model carries it, e.g. an authority's
        areas around the authority's own draw).

    Returns
    -------
    ndarray, shape (draw, unit, 14, year)
        ``e``: the draw is ``forecast * (1 + e)`` [fraction].
    """
    forecast = np.asarray(forecast, dtype=float)
    n_unit, n_ncy, n_year = forecast.shape
    h = np.asarray(horizons, dtype=int)
    column = np.minimum(h, model.horizons) - 1
    stretch = np.maximum(h / model.horizons, 1.0)
    z_common = rng.standard_normal((draws, len(BLOCKS)))
    shared = rng.standard_normal((draws, n_unit, 1))
    own = rng.standard_normal((draws, n_unit, len(BLOCKS)))
    u = normal_cdf(np.sqrt(model.rho) * shared + np.sqrt(1.0 - model.rho) * own)  # (draw, unit, block)
    block = BLOCK_OF_NCY[:n_ncy]
    # standardised deviation per (draw, unit, block, year): the pool's quantile at u, the same u every year
    position = np.clip(u * len(GRID) - 0.5, 0, len(GRID) - 1)
    low = np.floor(position).astype(np.intp)
    high = np.minimum(low + 1, len(GRID) - 1)
    frac = position - low
    q = model.quantiles[:, column, :]  # (block, year, grid)
    blocks = np.arange(len(BLOCKS))[None, None, :, None]
    years = np.arange(n_year)[None, None, None, :]
    z = (q[blocks, years, low[..., None]] * (1 - frac[..., None]) + q[blocks, years, high[..., None]] * frac[..., None])
    deviation = z[:, :, block, :] * model.scale(forecast, block[None, :, None], h[None, None, :])[None]
    if common:
        national = z_common[:, block, None] * model.common_rms[block][:, column] * stretch  # (draw, ncy, year)
        deviation = deviation + national[:, None]
    return deviation


@dataclass(frozen=True, eq=False)
class ErrorInputs:
    """What a projection's draws are made from (module docstring).

    Attributes
    ----------
    authority : ErrorModel or None
        From the national record: the national part and an authority's deviation, applied to
        the authority's year groups as a whole (every planning area shares the draw).
    local : ErrorModel or None
        From the scenario's own record: each planning area's deviation from the authority.
        Without an authority model it carries the authority-wide part too (its ``common``).
    local_lag : int
        Years from the last observation of the planning areas' pupils to the base year [years]:
        an area's pupils after it are estimated, so its horizon counts from it.
    """

    authority: ErrorModel | None
    local: ErrorModel | None
    local_lag: int = 0


def error_inputs(national: pd.DataFrame | None, local: pd.DataFrame | None, base_year: int,
                 last_census: int | None = None) -> ErrorInputs | None:
    """Error models known at ``base_year`` from a national and a local record (either may be None).

    Returns None when neither gives a model (no outcome known yet): the projection then has no
    empirical draws.
    """
    authority = fit_error_model(national, base_year) if national is not None and len(national) else None
    own = fit_error_model(local, base_year) if local is not None and len(local) else None
    if authority is None and own is None:
        return None
    lag = max(int(base_year) - int(last_census), 0) if last_census is not None else 0
    return ErrorInputs(authority, own, lag)


def projection_errors(errors: ErrorInputs, primary: np.ndarray, secondary: np.ndarray, draws: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Relative errors of every projected cell, per draw (authority draw plus each area's own).

    Parameters
    ----------
    errors : ErrorInputs
    primary, secondary : ndarray, shape (area, 7, year)
        Central trend projection (housing left out) [pupils]; year ``i`` is ``i + 1`` years
        after the base.
    draws : int
    rng : numpy.random.Generator

    Returns
    -------
    (ndarray, ndarray)
        Shapes (draw, primary area, 7, year) and (draw, secondary area, 7, year) [fraction].
    """
    n_p, n_s, n_year = primary.shape[0], secondary.shape[0], primary.shape[-1]
    cube = np.zeros((n_p + n_s, 14, n_year))
    cube[:n_p, 0:7] = primary
    cube[n_p:, 7:14] = secondary
    horizons = np.arange(1, n_year + 1)
    total = np.zeros((draws, n_p + n_s, 14, n_year))
    if errors.authority is not None:
        total += draw_errors(errors.authority, cube.sum(axis=0, keepdims=True), horizons, draws, rng)
    if errors.local is not None:
        local = draw_errors(errors.local, cube, horizons + errors.local_lag, draws, rng,
                            common=errors.authority is None)
        if errors.authority is not None:  # deviations from the authority: they add nothing to its total
            weight = cube.sum(axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = np.where(weight > 0, (local * cube[None]).sum(axis=1) / weight, 0.0)
            local = local - mean[:, None]
        total += local
    return total[:, :n_p, 0:7], total[:, n_p:, 7:14]
