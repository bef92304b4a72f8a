"""Cohort ratios and the one-year cohort step (births -> Reception -> ... -> Year 13).

Every ratio lives in a (area, 7) slot array, so one averaging and one resampling code path
serves all of them:

* primary areas: slot 0 = births-to-Reception ratio ``R(t) / births(t - 5)`` [pupils per
  birth]; slots 1-6 = cohort progression ``N(g, t) / N(g - 1, t - 1)`` for Years 1-6
  [pupils per pupil];
* secondary areas: slot 0 = pooled Year 7 transfer ratio (see ``transfer``); slots 1-4 =
  progression Years 8-11; slot 5 = sixth-form staying-on ``Y12(t) / Y11(t - 1)``;
  slot 6 = ``Y13(t) / Y12(t - 1)``.

Reception in academic year t is the cohort born in academic year t - 5 (September t - 5 to
August t - 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from placeplan.demand.inputs import RECEPTION_AGE, DemandInputs
from placeplan.demand import national_local as nl
from placeplan.demand.ratios import average_ratios, nan_mean, safe_ratio
from placeplan.demand.transfer import pooled_transfer_history

PROGRESSION_FILL = 1.0  # a year group with no usable history moves up unchanged
TRANSFER_FILL = 0.0  # a secondary area with no Year 7 history receives nobody


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields explicitly
class Ratios:
    """Averaged (central) projection ratios and the histories they come from.

    Attributes
    ----------
    primary : ndarray, shape (primary area, 7)
        Slot 0 births-to-Reception [pupils per birth], slots 1-6 progression [ratio].
    secondary : ndarray, shape (secondary area, 7)
        Slot 0 pooled transfer [pupils per Year 6 pupil], slots 1-6 progression to
        Years 8-13 [ratio] (slot 5 is the staying-on rate).
    primary_history, secondary_history : ndarray, shape (area, 7, history year)
        The yearly ratios [ratio]; NaN where not defined.
    """

    primary: np.ndarray
    secondary: np.ndarray
    primary_history: np.ndarray
    secondary_history: np.ndarray
    alpha: float | None = None  # the deviation smoothing constant used by national_local (None: other methods)


def reception_ratio_history(reception: np.ndarray, births: np.ndarray, history_years: np.ndarray,
                            birth_years: np.ndarray) -> np.ndarray:
    """Births-to-Reception ratio per year: ``R(t) / births(t - 5)``.

    Parameters
    ----------
    reception : ndarray, shape (area, year)
        Reception pupils [pupils] in ``history_years``.
    births : ndarray, shape (area, birth year)
        Births [births] in ``birth_years`` (contiguous).
    history_years, birth_years : ndarray of int
        Academic years of the two axes.

    Returns
    -------
    ndarray, shape (area, year)
        [pupils per birth]; NaN where births are missing or zero.
    """
    column = np.asarray(history_years) - RECEPTION_AGE - birth_years[0]
    inside = (column >= 0) & (column < len(birth_years))
    cohort = np.where(inside, np.asarray(births, dtype=float)[:, np.clip(column, 0, len(birth_years) - 1)],
                      np.nan)
    return safe_ratio(reception, cohort)


def progression_history(nor: np.ndarray) -> np.ndarray:
    """Cohort progression per year: ``N(g, t) / N(g - 1, t - 1)``, in slots 1-6.

    Parameters
    ----------
    nor : ndarray, shape (area, 7, year)
        Pupils on roll by year group [pupils].

    Returns
    -------
    ndarray, shape (area, 7, year)
        [ratio]; slot 0 and the first year are NaN, as is any ratio with a zero or missing
        denominator.
    """
    nor = np.asarray(nor, dtype=float)
    out = np.full(nor.shape, np.nan)
    out[:, 1:, 1:] = safe_ratio(nor[:, 1:, 1:], nor[:, :-1, :-1])
    return out


def ratio_histories(inputs: DemandInputs) -> tuple[np.ndarray, np.ndarray]:
    """Yearly ratio histories (primary, secondary), each shaped (area, 7, history year)."""
    primary_nor, secondary_nor = inputs.ratio_basis()
    primary = progression_history(primary_nor)
    primary[:, 0, :] = reception_ratio_history(primary_nor[:, 0, :], inputs.births,
                                               inputs.history_years, inputs.birth_years)
    secondary = progression_history(secondary_nor)
    secondary[:, 0, :] = pooled_transfer_history(primary_nor[:, 6, :], secondary_nor[:, 0, :])
    return primary, secondary


def central_ratios(inputs: DemandInputs) -> Ratios:
    """Average every ratio over the policy's window and method, with documented fallbacks.

    A ratio with no usable year in the window falls back to: for Reception, the authority's
    pooled births-to-Reception ratio (sum of Reception / sum of births, averaged the same
    way); for progression, 1 (the cohort moves up unchanged); for Year 7 transfer, 0.
    ``ratio_method: national_local`` is :func:`national_local_ratios`.
    """
    p = inputs.policy
    if p.ratio_method == "national_local":
        return national_local_ratios(inputs)
    primary_history, secondary_history = ratio_histories(inputs)
    args = (p.ratio_window, p.ratio_method, p.ratio_weights, p.smoothing_alpha)
    primary = average_ratios(primary_history, *args)
    secondary = average_ratios(secondary_history, *args)
    pooled_history = reception_ratio_history(
        np.nansum(inputs.ratio_basis()[0][:, 0, :], axis=0, keepdims=True),
        np.nansum(inputs.births, axis=0, keepdims=True), inputs.history_years, inputs.birth_years)
    pooled = float(np.nan_to_num(average_ratios(pooled_history, *args)[0], nan=0.0))
    primary[:, 0] = np.where(np.isnan(primary[:, 0]), pooled, primary[:, 0])
    primary[:, 1:] = np.where(np.isnan(primary[:, 1:]), PROGRESSION_FILL, primary[:, 1:])
    secondary[:, 0] = np.where(np.isnan(secondary[:, 0]), TRANSFER_FILL, secondary[:, 0])
    secondary[:, 1:] = np.where(np.isnan(secondary[:, 1:]), PROGRESSION_FILL, secondary[:, 1:])
    return Ratios(primary, secondary, primary_history, secondary_history)


def authority_histories(inputs: DemandInputs) -> tuple[np.ndarray, np.ndarray]:
    """The authority's pooled ratio histories (primary (7, hist), secondary (7, hist)) [ratio].

    Each slot pools the planning areas (sum of numerators / sum of denominators over the areas
    where both are known); secondary slot 0 is the authority's Year 7 over its Year 6 a year
    earlier (NaN where any area's count is missing).
    """
    primary_nor, secondary_nor = inputs.ratio_basis()
    column = np.asarray(inputs.history_years) - RECEPTION_AGE - inputs.birth_years[0]
    inside = (column >= 0) & (column < len(inputs.birth_years))
    cohort = np.where(inside, np.asarray(inputs.births, dtype=float)[:, np.clip(column, 0, len(inputs.birth_years) - 1)],
                      np.nan)
    n_p = len(inputs.primary_areas)
    pad_p = np.concatenate([primary_nor, np.full((n_p, 7) + primary_nor.shape[2:], np.nan)], axis=1)
    top, bottom = nl.ratio_parts(pad_p, cohort)
    primary = nl.pooled_ratio(top[:, :7], bottom[:, :7])[0]
    n_s = len(inputs.secondary_areas)
    pad_s = np.concatenate([np.full((n_s, 7) + secondary_nor.shape[2:], np.nan), secondary_nor], axis=1)
    top, bottom = nl.ratio_parts(pad_s, np.full((n_s, secondary_nor.shape[-1]), np.nan))
    secondary = nl.pooled_ratio(top[:, 7:], bottom[:, 7:])[0]
    secondary[0] = pooled_transfer_history(primary_nor[:, 6, :], np.sum(secondary_nor[:, 0, :], axis=0,
                                                                         keepdims=True)
                                           if n_s else np.full((1, secondary_nor.shape[-1]), np.nan))[0]
    return primary, secondary


def resolved_alpha(policy, histories, weights=None) -> float:
    """``policy.deviation_alpha``, or with ``auto`` the grid's best on these deviation histories (years up to the base),
    each error counted by ``weights`` (the pupils behind it; equal without)."""
    if policy.deviation_alpha != "auto":
        return float(policy.deviation_alpha)
    return nl.choose_alpha(histories, weights=weights)


def national_local_ratios(inputs: DemandInputs) -> Ratios:
    """Central ratios by the national-plus-local method (``demand.national_local``).

    1. The authority's pooled ratios (:func:`authority_histories`) are forecast as the national
       forecast (the latest national ratio, skipping shock years; national years after the
       reference's last year carry that forecast) + the authority's deviation from the national
       ratio, exponentially smoothed over its whole history. Without a national reference the
       authority's latest pooled ratio (skipping shock years) is the forecast.
    2. Each planning area adds its smoothed deviation from the authority's ratio. The Year 7
       transfer (secondary slot 0) is the authority's forecast Year 7 / Year 6 split between
       secondary areas by their smoothed shares of it (a transfer matrix, if any, is scaled to
       the authority's forecast in ``demand.project``).
    3. ``deviation_alpha: auto`` picks the constant from the grid that best forecast, one year
       ahead, every deviation history here (authority from national, areas from authority).
    4. Fallbacks as :func:`central_ratios`: Reception with no history takes the authority's
       forecast, progression 1, transfer 0.
    """
    p = inputs.policy
    years = np.asarray(inputs.history_years)
    shocks = tuple(p.national_shock_years)
    primary_history, secondary_history = ratio_histories(inputs)
    single = len(inputs.primary_areas) == 1 and len(inputs.secondary_areas) == 1
    # one area per phase (an authority as its own areas, as in the national back-test): the authority is the area
    auth_p, auth_s = (primary_history[0], secondary_history[0]) if single else authority_histories(inputs)
    national_p = inputs.national_primary
    national_s = inputs.national_secondary
    if p.deviation_alpha == "auto":
        deviations = [primary_history - auth_p[None], secondary_history[:, 1:] - auth_s[None, 1:]]
        # each history's errors count by its typical cohort [pupils] (as the national choice does)
        basis_p, basis_s = inputs.ratio_basis()
        size_p = nan_mean(basis_p, axis=-1, keepdims=True, empty=0.0) if basis_p.size else basis_p
        size_s = nan_mean(basis_s, axis=-1, keepdims=True, empty=0.0)[:, 1:] if basis_s.size else basis_s
        weights = [size_p, size_s]
        if national_p is not None:
            deviations += [auth_p - nl.carry_national(national_p, years, shocks),
                           auth_s - nl.carry_national(national_s, years, shocks)]
            weights += [size_p.sum(axis=0), nan_mean(basis_s, axis=-1, keepdims=True, empty=0.0).sum(axis=0)]
        alpha = resolved_alpha(p, deviations, weights)
    else:
        alpha = float(p.deviation_alpha)
    both = nl.national_local_forecast(  # primary and secondary slots in one call
        np.concatenate([auth_p, auth_s]), None if national_p is None else np.concatenate([national_p, national_s]),
        years, alpha, shocks)
    forecast_p, forecast_s = both[:7], both[7:]
    if single:  # no deviation from itself
        primary, secondary, shares = forecast_p[None].copy(), forecast_s[None].copy(), np.ones(1)
    else:
        primary = nl.area_forecast(primary_history, auth_p, forecast_p, alpha)
        secondary = nl.area_forecast(secondary_history, auth_s, forecast_s, alpha)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = nl.exp_smooth(secondary_history[:, 0] / auth_s[None, 0], alpha)
        shares = np.nan_to_num(shares, nan=0.0)
        shares = shares / shares.sum() if shares.sum() > 0 else np.full(len(shares), 1.0 / max(len(shares), 1))
    secondary[:, 0] = forecast_s[0] * shares
    primary[:, 0] = np.where(np.isnan(primary[:, 0]), np.nan_to_num(forecast_p[0], nan=0.0), primary[:, 0])
    primary[:, 1:] = np.where(np.isnan(primary[:, 1:]), PROGRESSION_FILL, primary[:, 1:])
    secondary[:, 0] = np.where(np.isnan(secondary[:, 0]), TRANSFER_FILL, secondary[:, 0])
    secondary[:, 1:] = np.where(np.isnan(secondary[:, 1:]), PROGRESSION_FILL, secondary[:, 1:])
    return Ratios(np.maximum(primary, 0.0), np.maximum(secondary, 0.0), primary_history, secondary_history,
                  alpha=alpha)


def step_primary(state: np.ndarray, ratios: np.ndarray, births: np.ndarray) -> np.ndarray:
    """One academic year forward for primary areas.

    Parameters
    ----------
    state : ndarray, shape (draw, area, 7)
        Pupils in NCY 0-6 in year t - 1 [pupils].
    ratios : ndarray, shape (draw or 1, area, 7)
        Slot 0 births-to-Reception [pupils per birth], slots 1-6 progression [ratio].
    births : ndarray, shape (draw or 1, area)
        Births of the cohort entering Reception in year t (born in t - 5) [births].

    Returns
    -------
    ndarray, shape (draw, area, 7)
        Pupils in year t [pupils]: ``R = rho * births``, ``N(g) = s_g * N(g - 1, t - 1)``.
    """
    new = np.empty(np.broadcast_shapes(state.shape, ratios.shape))
    new[..., 0] = ratios[..., 0] * births
    new[..., 1:] = ratios[..., 1:] * state[..., :-1]
    return new


def step_secondary(state: np.ndarray, ratios: np.ndarray, year7: np.ndarray) -> np.ndarray:
    """One academic year forward for secondary areas.

    Parameters
    ----------
    state : ndarray, shape (draw, area, 7)
        Pupils in NCY 7-13 in year t - 1 [pupils].
    ratios : ndarray, shape (draw or 1, area, 7)
        Slots 1-6 progression to Years 8-13 [ratio] (slot 0 unused here).
    year7 : ndarray, shape (draw, area)
        Year 7 in year t from the transfer step [pupils].

    Returns
    -------
    ndarray, shape (draw, area, 7)
        Pupils in year t [pupils].
    """
    new = np.empty(np.broadcast_shapes(state.shape, ratios.shape))
    new[..., 0] = year7
    new[..., 1:] = ratios[..., 1:] * state[..., :-1]
    return new
