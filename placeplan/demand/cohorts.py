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
from placeplan.demand.ratios import average_ratios, safe_ratio
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
    """
    p = inputs.policy
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
