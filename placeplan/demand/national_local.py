"""The "national plus local" ratio method: a national part forecast flat, a local deviation smoothed.

Every projection ratio (births-to-Reception, each cohort progression including Year 6 -> Year 7,
staying-on and Year 13) is split, year by year, into

* a **national** part: the ratio pooled over every authority (sum of numerators / sum of
  denominators), forecast as its latest value, except that a year named as a national shock
  (``policy.national_shock_years``, by default 2020: academic year 2020/21, whose January 2021
  census was taken in lockdown) is passed over in favour of the latest year before it;
* a **local** deviation: the authority's ratio minus the national one, forecast by exponential
  smoothing over *every* year of its history (not the ratio window), weights
  ``alpha (1 - alpha) ** k`` for the year ``k`` years before the latest, normalised over the years
  present.

The forecast ratio of every projected year is national forecast + deviation forecast. Planning
areas stack one more level: area forecast = authority forecast + smoothed (area - authority).
Without a national reference the authority's own pooled ratio plays the national role.

Slots are indexed by the year group a ratio leads INTO: slot 0 births -> Reception, slot g
(1-13) year group g - 1 in year t - 1 -> year group g in year t (slot 7 is the Year 7 transfer,
12 the staying-on rate, 13 Year 13 / Year 12). All functions are pure; years are academic years
(the year the September falls in), the year axis is last and oldest first.
"""

from __future__ import annotations

import functools

from collections.abc import Iterable, Sequence

import numpy as np

from placeplan.demand.ratios import safe_ratio

RATIO_NAMES = ("reception",) + tuple(f"y{g}" for g in range(1, 14))
ALPHA_GRID = (0.3, 0.5, 0.7, 0.9)
SHOCK_YEARS = (2020,)


# ---------------------------------------------------------------- pooled (national) ratios
def ratio_parts(nor: np.ndarray, cohort_births: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of every ratio slot, per unit and year.

    Parameters
    ----------
    nor : ndarray, shape (unit, 14, year)
        Pupils on roll, NCY 0-13 [pupils]; NaN where unknown. Years contiguous.
    cohort_births : ndarray, shape (unit, year)
        Births of the cohort entering Reception in each year (born five academic years
        earlier) [births]; NaN where unknown.

    Returns
    -------
    numerator, denominator : ndarray, shape (unit, 14, year)
        Slot 0: Reception(t) and births; slot g >= 1: NCY g in year t and NCY g - 1 in year
        t - 1 [pupils or births]. NaN in the first year of slots 1-13.
    """
    nor = np.asarray(nor, dtype=float)
    numerator = np.full(nor.shape, np.nan)
    denominator = np.full(nor.shape, np.nan)
    numerator[:, 0] = nor[:, 0]
    denominator[:, 0] = np.asarray(cohort_births, dtype=float)
    numerator[:, 1:, 1:] = nor[:, 1:, 1:]
    denominator[:, 1:, 1:] = nor[:, :-1, :-1]
    return numerator, denominator


def pooled_ratio(numerator: np.ndarray, denominator: np.ndarray, axis: int = 0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio pooled over the units of ``axis``: sum of numerators / sum of denominators.

    A unit counts in a year only where both its numerator and a positive denominator are
    known, so a missing authority does not bias the pooled ratio.

    Returns
    -------
    ratio, numerator, denominator : ndarray
        The input shape without ``axis`` [ratio; pupils]; the ratio is NaN where no unit counts.
    """
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    valid = np.isfinite(numerator) & np.isfinite(denominator) & (denominator > 0)
    top = np.where(valid, numerator, 0.0).sum(axis=axis)
    bottom = np.where(valid, denominator, 0.0).sum(axis=axis)
    return safe_ratio(top, bottom), top, bottom


# ---------------------------------------------------------------- exponential smoothing
def smoothing_weights(present: np.ndarray, alpha: float) -> np.ndarray:
    """Weights of exponential smoothing over a whole history with gaps.

    Year ``k`` years before the last of the axis weighs ``alpha (1 - alpha) ** k``; the weights
    are normalised over the years present (missing years weigh 0). Unlike
    :func:`placeplan.demand.ratios.window_weights` (``exp_smoothing``) the oldest year gets no
    remainder: over a long history the two differ by ``(1 - alpha) ** n``.

    Parameters
    ----------
    present : ndarray of bool, shape (..., year)
        Which years hold a value.
    alpha : float
        Smoothing constant [fraction, 0 < alpha <= 1].

    Returns
    -------
    ndarray, shape (..., year)
        Weights [fraction] summing to 1 along the year axis (all 0 where nothing is present).
    """
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must lie in (0, 1], got {alpha}")
    present = np.asarray(present, dtype=bool)
    k = np.arange(present.shape[-1])[::-1]  # 0 = the last year of the axis
    raw = np.where(present, alpha * (1.0 - alpha) ** k, 0.0)
    total = raw.sum(axis=-1, keepdims=True)
    return np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)


def exp_smooth(history: np.ndarray, alpha: float) -> np.ndarray:
    """Exponentially smoothed level of a history with gaps (see :func:`smoothing_weights`).

    ``history`` (..., year) [any unit], NaN = missing. Returns (...) [same unit]; NaN where no
    year is present.
    """
    history = np.asarray(history, dtype=float)
    present = ~np.isnan(history)
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must lie in (0, 1], got {alpha}")
    raw = np.where(present, _decay(history.shape[-1], float(alpha)), 0.0)  # smoothing_weights, unnormalised
    total = raw.sum(axis=-1)
    level = (np.where(present, history, 0.0) * raw).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, level / total, np.nan)


@functools.lru_cache(maxsize=256)
def _decay(n: int, alpha: float) -> np.ndarray:
    """``alpha (1 - alpha) ** k`` for k = n - 1 ... 0 (the last year of the axis has k = 0), read-only."""
    out = alpha * (1.0 - alpha) ** np.arange(n)[::-1]
    out.setflags(write=False)
    return out


def one_step_errors(history: np.ndarray, alpha: float) -> np.ndarray:
    """One-step-ahead errors of :func:`exp_smooth`: each year's value minus the smoothing of the years before it.

    Returns (..., year) [same unit as the history]; NaN where the value is missing or no earlier
    year is present (so the first year is always NaN).
    """
    history = np.asarray(history, dtype=float)
    errors = np.full(history.shape, np.nan)
    for t in range(1, history.shape[-1]):
        errors[..., t] = history[..., t] - exp_smooth(history[..., :t], alpha)
    return errors


def choose_alpha(deviation_histories: np.ndarray | Iterable[np.ndarray],
                 grid: Sequence[float] = ALPHA_GRID, weights=None) -> float:
    """The smoothing constant of ``grid`` with the smallest pooled squared one-step-ahead error.

    Parameters
    ----------
    deviation_histories : ndarray (..., year) or iterable of them
        Deviation histories [ratio] (e.g. every authority x slot), each ending at the base year:
        pass only years up to the base year, so the choice uses nothing the forecaster did not
        know. NaN = missing.
    grid : sequence of float
        Candidate constants [fraction], in order of preference on a tie.
    weights : ndarray or iterable of them, optional
        Pupils behind each ratio (its denominator: the year group below, or births), broadcastable
        to each history [pupils]. Each squared error counts by them, so the choice minimises the
        error in pupils, the unit of DfE's accuracy, rather than in ratio points (where a small
        authority's noisy ratio would weigh as much as a large one's). Default: equal weights.

    Returns
    -------
    float
        The chosen constant. Where no history has two years present every constant gives the
        same forecast, and the first of the grid is returned.
    """
    histories = [deviation_histories] if isinstance(deviation_histories, np.ndarray) else list(deviation_histories)
    if weights is None:
        weights = [None] * len(histories)
    elif isinstance(weights, np.ndarray):
        weights = [weights]
    else:
        weights = list(weights)
    best, best_error = float(grid[0]), np.inf
    for alpha in grid:
        squared = 0.0
        count = 0.0
        for history, weight in zip(histories, weights):
            errors = one_step_errors(history, float(alpha))
            w = np.ones(errors.shape) if weight is None else np.broadcast_to(np.asarray(weight, dtype=float),
                                                                             errors.shape)
            known = ~np.isnan(errors) & np.isfinite(w) & (w > 0)
            squared += float((np.square(errors[known]) * w[known]).sum())
            count += float(w[known].sum())
        if count and squared < best_error:
            best, best_error = float(alpha), squared
    return best


# ---------------------------------------------------------------- the forecast
def latest_value(history: np.ndarray, years: np.ndarray, shock_years: Sequence[int] = SHOCK_YEARS) -> np.ndarray:
    """The latest value of each series, passing over shock years (random-walk forecast).

    Parameters
    ----------
    history : ndarray, shape (..., year)
        [any unit]; NaN = missing.
    years : ndarray of int, shape (year,)
        Academic years of the axis.
    shock_years : sequence of int
        Years whose value is not carried forward (used only when a series has no other year).

    Returns
    -------
    ndarray, shape (...)
        The value of the latest year present that is not a shock year (else of the latest year
        present; NaN if none).
    """
    history = np.asarray(history, dtype=float)
    present = ~np.isnan(history)
    years = np.asarray(years)
    shock = np.zeros(years.shape, dtype=bool)
    for year in shock_years:
        shock |= years == int(year)
    index = np.arange(history.shape[-1])
    last_present = np.where(present, index, -1).max(axis=-1, initial=-1)
    last_usable = np.where(present & ~shock, index, -1).max(axis=-1, initial=-1)
    pick = np.where(last_usable >= 0, last_usable, last_present)
    value = np.take_along_axis(history, np.maximum(pick, 0)[..., None], axis=-1)[..., 0]
    return np.where(pick >= 0, value, np.nan)


def carry_national(national: np.ndarray, years: np.ndarray, shock_years: Sequence[int] = SHOCK_YEARS) -> np.ndarray:
    """The national series with the years after its last known year filled by its forecast.

    A national reference may end before the authority's history does (the committed national
    tables end at 2022/23; Herefordshire's history runs to 2025/26). Those later years take the
    national forecast made at the reference's last year (:func:`latest_value` up to it), so the
    authority's latest years still feed its deviation. Gaps inside the series stay NaN.

    ``national`` (..., year) [ratio], ``years`` (year,). Returns the same shape [ratio].
    """
    national = np.asarray(national, dtype=float)
    if national.shape[-1] == 0 or not np.isnan(national[..., -1]).any():
        return national  # known to the last year: nothing to carry
    out = national.copy()
    present = ~np.isnan(national)
    n = national.shape[-1]
    last = np.where(present.any(axis=-1), n - 1 - np.argmax(present[..., ::-1], axis=-1), -1)
    forecast = latest_value(national, years, shock_years)
    after = np.arange(n) > last[..., None]
    return np.where(after & (last[..., None] >= 0), forecast[..., None], out)


def national_local_forecast(local: np.ndarray, national: np.ndarray | None, years: np.ndarray, alpha: float,
                            shock_years: Sequence[int] = SHOCK_YEARS) -> np.ndarray:
    """Forecast ratio = national forecast + exponentially smoothed deviation from the national ratio.

    Parameters
    ----------
    local : ndarray, shape (..., year)
        The authority's (or area's) ratio history [ratio], years up to the base year.
    national : ndarray, shape (..., year) or None
        The reference ratio history on the same years [ratio] (NaN where unknown; years after
        its last known year are carried, :func:`carry_national`). None: no reference, the
        local series' own latest value (shock years passed over) is the forecast.
    years : ndarray of int, shape (year,)
    alpha : float
        Smoothing constant of the deviation [fraction].
    shock_years : sequence of int

    Returns
    -------
    ndarray, shape (...)
        [ratio]. A deviation with no year present counts as 0; where the reference has no
        value at all the local series' latest value is used; NaN where neither has any.
    """
    local = np.asarray(local, dtype=float)
    if national is None:
        return latest_value(local, years, shock_years)
    filled = carry_national(np.broadcast_to(np.asarray(national, dtype=float), local.shape), years, shock_years)
    reference = latest_value(filled, years, shock_years)
    smoothed = exp_smooth(local - filled, alpha)
    deviation = np.where(np.isnan(smoothed), 0.0, smoothed)
    out = reference + deviation
    missing = np.isnan(reference)
    if missing.any():  # no reference value at all: the local series' own latest value
        out = np.where(missing, latest_value(local, years, shock_years), out)
    return out


def area_forecast(area_history: np.ndarray, authority_history: np.ndarray, authority_forecast: np.ndarray,
                  alpha: float) -> np.ndarray:
    """Planning-area ratios: the authority's forecast + smoothed (area ratio - authority ratio).

    ``area_history`` (area, slot, year) and ``authority_history`` (slot, year) [ratio];
    ``authority_forecast`` (slot,) [ratio]. Returns (area, slot) [ratio]; an area with no
    overlapping year takes the authority's forecast.
    """
    deviation = np.asarray(area_history, dtype=float) - np.asarray(authority_history, dtype=float)[None]
    smoothed = exp_smooth(deviation, alpha)
    return np.asarray(authority_forecast, dtype=float)[None] + np.where(np.isnan(smoothed), 0.0, smoothed)


def scale_transfer_matrix(matrix: np.ndarray, year6: np.ndarray, ratio: float) -> np.ndarray:
    """Scale a Year 6 -> Year 7 matrix so the authority's Year 7 / Year 6 equals ``ratio``.

    ``matrix`` (primary area, secondary area) [pupils per Year 6 pupil], ``year6`` (primary
    area,) the Year 6 the ratio is measured at (the base year's, who transfer first) [pupils],
    ``ratio`` the forecast authority ratio [pupils per Year 6 pupil]. The matrix keeps its shape
    (every entry times one factor); returned unchanged where it sends nobody.
    """
    matrix = np.asarray(matrix, dtype=float)
    year6 = np.nan_to_num(np.asarray(year6, dtype=float))
    implied = float(safe_ratio((year6 @ matrix).sum(), year6.sum()))
    if not np.isfinite(implied) or implied <= 0 or not np.isfinite(ratio):
        return matrix
    return matrix * (float(ratio) / implied)


def residual_policy(policy):
    """The policy the Monte Carlo residual pools are measured under.

    ``national_local`` has no window average of its own; its residuals are measured as the
    window mean's (same window), so its draws spread like the mean method's around its own
    central ratios. Other policies are returned unchanged.
    """
    if policy.ratio_method != "national_local":
        return policy
    return policy.model_copy(update={"ratio_method": "mean", "ratio_weights": None})
