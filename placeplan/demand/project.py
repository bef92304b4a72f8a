"""The pupil projection: central (deterministic) and Monte Carlo, vectorised over draws.

Arrays are shaped (draw, planning area, ncy, academic year): primary areas hold NCY 0-6,
secondary areas NCY 7-13. Years are the projected years ``base_year + 1 ... base_year +
horizon`` only (no history). The loop runs over projection years, never over draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.demand.cohorts import Ratios, central_ratios, step_primary, step_secondary
from placeplan.demand.housing import BUILD_UP, extra_pupils
from placeplan.demand.inputs import PRIMARY_NCY, RECEPTION_AGE, SECONDARY_NCY, DemandInputs
from placeplan.demand.national_local import residual_policy, scale_transfer_matrix
from placeplan.demand.ratios import nan_mean
from placeplan.demand.transfer import check_matrix, transfer_year7
from placeplan.quantiles import quantile_column
from placeplan.demand.intervals import ErrorInputs, projection_errors
from placeplan.demand.uncertainty import (UncertaintySettings, draw_births, draw_delivery, draw_yields,
                                          residual_pool)

@dataclass(frozen=True, eq=False)  # arrays inside: compare fields explicitly
class Projection:
    """Projected pupils on roll.

    Attributes
    ----------
    years : ndarray of int, shape (year,)
        Projected academic years.
    primary_areas, secondary_areas : tuple of str
        Planning-area codes of the area axes.
    primary : ndarray, shape (draw, primary area, 7, year)
        Pupils in NCY 0-6 [pupils], housing included.
    secondary : ndarray, shape (draw, secondary area, 7, year)
        Pupils in NCY 7-13 [pupils], housing included.
    central_primary, central_secondary : ndarray, shape (area, 7, year)
        The central projection (no noise) [pupils], housing included.
    housing_primary, housing_secondary : ndarray, shape (area, 7, year)
        The part of the central projection that comes from new homes [pupils].
    ratios : Ratios
        The averaged ratios used by the central projection.
    deterministic : bool
        True when ``primary``/``secondary`` are the central projection (one draw).
    """

    years: np.ndarray
    primary_areas: tuple[str, ...]
    secondary_areas: tuple[str, ...]
    primary: np.ndarray
    secondary: np.ndarray
    central_primary: np.ndarray
    central_secondary: np.ndarray
    housing_primary: np.ndarray
    housing_secondary: np.ndarray
    ratios: Ratios
    deterministic: bool

    @property
    def draws(self) -> int:
        """Number of draws [draws]."""
        return self.primary.shape[0]


def project(inputs: DemandInputs, draws: int = 1, rng: np.random.Generator | int | None = None, *,
            deterministic: bool | None = None, transfer: np.ndarray | None = None,
            settings: UncertaintySettings | None = None,
            build_up: Sequence[float] = BUILD_UP, errors: ErrorInputs | None = None) -> Projection:
    """Project pupils by planning area, NCY and academic year.

    Parameters
    ----------
    inputs : DemandInputs
        From :func:`placeplan.demand.demand_inputs`.
    draws : int
        Number of Monte Carlo draws [draws]; 1 for the central projection.
    rng : numpy.random.Generator or int, optional
        Random generator (or a seed for one); the caller spawns it from the scenario seed.
        Same generator state, same numbers to the last digit.
    deterministic : bool, optional
        True: the central projection only (no noise, ``draws`` must be 1). Default: True
        when ``rng`` is None.
    transfer : ndarray, shape (primary area, secondary area), optional
        Explicit Year 6 -> Year 7 transfer matrix [pupils per Year 6 pupil]. Default: the
        inputs' transfer (``inputs.transfer``, from the scenario's ``transfer`` section), or
        the county pool estimated from history (see ``transfer``) when it has none. In Monte Carlo draws each
        column is scaled by the drawn pooled ratio over the central one.
    settings : UncertaintySettings, optional
        Sizes of the uncertainty components (see ``uncertainty``).
    build_up : sequence of float
        Housing build-up profile [fraction of the yield 1, 2, ... years after completion].
    errors : ErrorInputs, optional
        Error models from the record of past forecasts (:mod:`placeplan.demand.intervals`).
        With them, and ``settings.intervals == "empirical"`` (the default), each draw is the
        central trend projection times ``1 + e`` (``e`` drawn from the record), floored at 0,
        plus the housing pupils of that draw's delivery and yields. Without them the draws
        resample the ratios' own past errors (``settings.intervals == "resample"``, the
        method before the record existed).

    Returns
    -------
    Projection

    Notes
    -----
    Random numbers are taken in a fixed order (empirical: the errors, then delivery and
    yields; resampling: persistent ratio residuals primary then secondary, births, delivery,
    yields, then each projected year's year-to-year ratio residuals), so the same generator
    state gives the same arrays to the last digit.
    """
    if deterministic is None:
        deterministic = rng is None
    if deterministic and draws != 1:
        raise ValueError(f"the central projection has one draw; got draws={draws} (give an rng for Monte Carlo)")
    if not deterministic and rng is None:
        raise ValueError("a Monte Carlo projection needs a numpy Generator (or a seed) as rng")
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    settings = settings or UncertaintySettings()
    ratios = central_ratios(inputs)
    if transfer is None and inputs.transfer is not None:
        transfer = inputs.transfer.area_matrix
    matrix = None if transfer is None else check_matrix(
        transfer, len(inputs.primary_areas), len(inputs.secondary_areas))
    if matrix is not None and inputs.policy.ratio_method == "national_local":
        # the matrix keeps its shape; its authority Year 7 / Year 6 follows the forecast ratio
        matrix = scale_transfer_matrix(matrix, inputs.primary_nor[:, 6, -1], float(ratios.secondary[:, 0].sum()))
    central = _run(inputs, ratios, ratios.primary[None], ratios.secondary[None], inputs.births[None],
                   np.array([inputs.delivery_factor]), inputs.yields[None], matrix, build_up)
    central_p, central_s = central[0][0], central[1][0]
    housing_p, housing_s = np.array(central[2][0]), np.array(central[3][0])
    if deterministic:
        primary, secondary = central[0], central[1]
    elif errors is not None and settings.intervals == "empirical":
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        trend_p, trend_s = central_p - housing_p, central_s - housing_s
        error_p, error_s = projection_errors(errors, trend_p, trend_s, draws, rng)
        delivery = draw_delivery(inputs.delivery_factor, draws, rng, settings.delivery)
        yields = draw_yields(inputs.yields, inputs.yields_low, inputs.yields_high, draws, rng)
        house_p, house_s = _housing(inputs, delivery, yields, build_up)
        primary = np.maximum(trend_p[None] * (1 + error_p), 0.0) + house_p
        secondary = np.maximum(trend_s[None] * (1 + error_s), 0.0) + house_s
    else:
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        sizes_p = nan_mean(inputs.primary_nor, axis=-1) if settings.pool_areas else None
        sizes_s = nan_mean(inputs.secondary_nor, axis=-1) if settings.pool_areas else None
        # Estimated years (year groups raked to observed totals) are not independent observations of the
        # ratios: their errors are near zero by construction, so they are left out of the residual pools.
        estimated = np.isin(np.asarray(inputs.history_years), np.asarray(inputs.estimated_years, dtype=int))
        spread_policy = residual_policy(inputs.policy)
        pool_p = residual_pool(np.where(estimated, np.nan, ratios.primary_history), spread_policy,
                               settings.residual_scope, sizes_p, settings.common)
        pool_s = residual_pool(np.where(estimated, np.nan, ratios.secondary_history), spread_policy,
                               settings.residual_scope, sizes_s, settings.common)
        shock_p = settings.spread * pool_p.sample(draws, rng)
        shock_s = settings.spread * pool_s.sample(draws, rng)
        if settings.common:  # a county-wide component, where there is more than one area to share it
            if len(inputs.primary_areas) > 1:
                shock_p = shock_p + settings.spread * pool_p.sample_years(draws, rng)
            if len(inputs.secondary_areas) > 1:
                shock_s = shock_s + settings.spread * pool_s.sample_years(draws, rng)
        ratio_p = np.maximum(ratios.primary[None] + shock_p, 0.0)
        ratio_s = np.maximum(ratios.secondary[None] + shock_s, 0.0)
        births = draw_births(inputs.births, inputs.births_sd, inputs.births_kind, draws, rng,
                             settings.births_rate, settings.births_cap)
        delivery = draw_delivery(inputs.delivery_factor, draws, rng, settings.delivery)
        yields = draw_yields(inputs.yields, inputs.yields_low, inputs.yields_high, draws, rng)

        def noise() -> tuple[np.ndarray, np.ndarray]:
            scale = settings.year_noise * settings.spread
            return scale * pool_p.sample(draws, rng), scale * pool_s.sample(draws, rng)

        primary, secondary, _, _ = _run(inputs, ratios, ratio_p, ratio_s, births, delivery, yields, matrix,
                                        build_up, noise if settings.year_noise > 0 else None)
    return Projection(
        years=np.asarray(inputs.years), primary_areas=inputs.primary_areas,
        secondary_areas=inputs.secondary_areas, primary=primary, secondary=secondary,
        central_primary=central_p, central_secondary=central_s, housing_primary=housing_p,
        housing_secondary=housing_s, ratios=ratios, deterministic=bool(deterministic),
    )


def _run(inputs: DemandInputs, ratios: Ratios, ratio_p: np.ndarray, ratio_s: np.ndarray, births: np.ndarray,
         delivery: np.ndarray, yields: np.ndarray, matrix: np.ndarray | None, build_up: Sequence[float],
         noise=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Roll the cohorts forward year by year, then add housing pupils.

    Returns primary (draw, pa, 7, year), secondary (draw, sa, 7, year) and the housing parts
    (same shapes, draw axis of ``delivery``).
    """
    draws = max(ratio_p.shape[0], ratio_s.shape[0], births.shape[0], delivery.shape[0])
    n_years = len(inputs.years)
    columns = np.asarray(inputs.years) - RECEPTION_AGE - inputs.birth_years[0]
    if columns.min() < 0 or np.isnan(births[..., columns]).any():
        raise ValueError("births are missing for a cohort entering Reception in the projection years")
    state_p = np.broadcast_to(np.nan_to_num(inputs.primary_nor[..., -1]), (draws,) + inputs.primary_nor.shape[:2])
    state_s = np.broadcast_to(np.nan_to_num(inputs.secondary_nor[..., -1]),
                              (draws,) + inputs.secondary_nor.shape[:2])
    out_p = np.empty(state_p.shape + (n_years,))
    out_s = np.empty(state_s.shape + (n_years,))
    central_transfer = ratios.secondary[:, 0]
    for i in range(n_years):
        year_p, year_s = ratio_p, ratio_s
        if noise is not None:
            shock_p, shock_s = noise()
            year_p, year_s = np.maximum(ratio_p + shock_p, 0.0), np.maximum(ratio_s + shock_s, 0.0)
        if matrix is None:
            year7 = transfer_year7(state_p[..., 6], rates=np.broadcast_to(year_s[..., 0], (draws, state_s.shape[1])))
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(central_transfer > 0, year_s[..., 0] / central_transfer, 1.0)
            year7 = transfer_year7(state_p[..., 6], matrix=matrix[None] * scale[:, None, :])
        state_s = step_secondary(state_s, year_s, year7)
        state_p = step_primary(state_p, year_p, births[..., columns[i]])
        out_p[..., i] = state_p
        out_s[..., i] = state_s
    housing_p, housing_s = _housing(inputs, delivery, yields, build_up)
    out_p += housing_p
    out_s += housing_s
    return out_p, out_s, housing_p, housing_s


def _housing(inputs: DemandInputs, delivery: np.ndarray, yields: np.ndarray,
             build_up: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Pupils from new homes per draw: primary (draw, pa, 7, year), secondary (draw, sa, 7, year) [pupils]."""
    house_p, house_s, house_6 = extra_pupils(inputs, delivery, yields, build_up)
    n_year = len(inputs.years)
    housing_p = np.broadcast_to(house_p[:, :, None, :], (house_p.shape[0], house_p.shape[1], 7, n_year))
    housing_s = np.concatenate([np.repeat(house_s[:, :, None, :], 5, axis=2),
                                np.repeat(house_6[:, :, None, :], 2, axis=2)], axis=2)
    return housing_p, housing_s


def to_tidy(projection: Projection, quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
    """The projection as a tidy table, one row per planning area, NCY and projected year.

    Parameters
    ----------
    projection : Projection
    quantiles : sequence of float
        Quantiles over draws [fractions], e.g. the scenario's ``policy.quantiles``.

    Returns
    -------
    DataFrame
        planning_area, phase (primary | secondary | sixth_form), ncy, academic_year,
        central [pupils], one column per quantile (``p05``, ``p50``, ``p95`` ...) [pupils],
        mean [pupils] (over draws), range_note (why the central figure lies outside its draws'
        5-95% range, blank where it lies inside: :func:`range_notes`).
    """
    blocks = [
        _tidy_block(projection.primary, projection.central_primary, projection.primary_areas, PRIMARY_NCY,
                    projection.years, quantiles),
        _tidy_block(projection.secondary, projection.central_secondary, projection.secondary_areas,
                    SECONDARY_NCY, projection.years, quantiles),
    ]
    table = pd.concat(blocks, ignore_index=True)
    table.insert(1, "phase", np.select([table["ncy"] <= 6, table["ncy"] <= 11], ["primary", "secondary"],
                                       "sixth_form"))
    return table


def _tidy_block(draws: np.ndarray, central: np.ndarray, areas: tuple[str, ...], ncys: tuple[int, ...],
                years: np.ndarray, quantiles: Sequence[float]) -> pd.DataFrame:
    n_area, n_ncy, n_year = central.shape
    frame = {
        "planning_area": np.repeat(np.asarray(areas, dtype=object), n_ncy * n_year),
        "ncy": np.tile(np.repeat(np.asarray(ncys), n_year), n_area),
        "academic_year": np.tile(np.asarray(years), n_area * n_ncy),
        "central": central.ravel(),
    }
    if len(quantiles):
        values = np.quantile(draws, list(quantiles), axis=0)
        for q, value in zip(quantiles, values):
            frame[quantile_column(q)] = value.ravel()
    frame["mean"] = draws.mean(axis=0).ravel()
    frame["range_note"] = range_notes(draws, central).ravel()
    return pd.DataFrame(frame)


OUTSIDE_NOTE = "central outside the draws' 5-95% range"
FLOOR_NOTE = "central outside the draws' 5-95% range: most draws are floored at 0 pupils"


def range_notes(draws: np.ndarray, central: np.ndarray) -> np.ndarray:
    """Why a central figure lies outside its draws' 5-95% range, per cell ("" where it lies inside).

    Parameters
    ----------
    draws : ndarray, shape (draw, ...) [pupils]
    central : ndarray, shape (...) [pupils]

    Returns
    -------
    ndarray of str, shape (...): ``""``, :data:`OUTSIDE_NOTE` or :data:`FLOOR_NOTE` (more than
    half the draws at 0, as when a small year group's errors push it below nothing).
    """
    central = np.asarray(central, dtype=float)
    if draws.shape[0] < 2:
        return np.full(central.shape, "", dtype=object)
    low, high = np.quantile(draws, (0.05, 0.95), axis=0)
    slack = 1e-9 * np.maximum(np.abs(central), 1.0)
    outside = (central < low - slack) | (central > high + slack)
    floored = (draws <= 0).mean(axis=0) > 0.5
    notes = np.where(outside, np.where(floored, FLOOR_NOTE, OUTSIDE_NOTE), "")
    return notes.astype(object)


def phase_totals(projection: Projection, central: bool = False) -> dict[str, np.ndarray]:
    """Authority totals by phase: primary R-Y6, secondary Y7-Y11, sixth_form Y12-13.

    Returns a dict phase -> ndarray (draw, year) [pupils] (or (year,) with ``central=True``),
    e.g. the population input of ``send.specialist_demand``.
    """
    primary = projection.central_primary[None] if central else projection.primary
    secondary = projection.central_secondary[None] if central else projection.secondary
    totals = {
        "primary": primary.sum(axis=(1, 2)),
        "secondary": secondary[:, :, 0:5].sum(axis=(1, 2)),
        "sixth_form": secondary[:, :, 5:7].sum(axis=(1, 2)),
    }
    return {k: v[0] for k, v in totals.items()} if central else totals


def demand_cube(projection: Projection, central: bool = False) -> tuple[tuple[str, ...], np.ndarray]:
    """All planning areas on one axis with NCY 0-13, as ``sufficiency`` takes demand.

    Returns
    -------
    areas : tuple of str
        Primary areas, then secondary areas.
    demand : ndarray, shape (draw, area, 14, year)
        Pupils [pupils]; a primary area's NCY 7-13 and a secondary area's NCY 0-6 are 0.
        With ``central=True`` the central projection, with a draw axis of 1.
    """
    primary = projection.central_primary[None] if central else projection.primary
    secondary = projection.central_secondary[None] if central else projection.secondary
    n_p, n_s = primary.shape[1], secondary.shape[1]
    cube = np.zeros((primary.shape[0], n_p + n_s, 14, primary.shape[-1]))
    cube[:, :n_p, 0:7] = primary
    cube[:, n_p:, 7:14] = secondary
    return projection.primary_areas + projection.secondary_areas, cube
