"""The national back-test's ranges: empirical intervals from each method's own record, origin by origin.

For every method the national back-test first makes its record (:func:`placeplan.backtest.record.
national_record`: every LA's central forecast from every origin against the census). Then, at each
base year ``b``, the error model known at ``b`` (:func:`placeplan.demand.intervals.fit_error_model`:
only forecasts whose outcome was in by ``b``) draws errors for every LA's forecast from ``b`` at once
(:func:`placeplan.demand.intervals.draw_errors`): the national part shared by all LAs, each LA's own
deviation. A range is never set from the outcome it is scored against.

Coverage is scored for authority totals (primary R-Y6, secondary Y7-Y11, sixth form Y12-13) and for
cells (LA x year group), at 80, 90 and 95%. The first base year has no earlier outcome: no range.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placeplan.backtest.metrics import QUANTILE_METHOD
from placeplan.backtest.reliability import exceedance_probability
from placeplan.demand.intervals import draw_errors, fit_error_model, split_errors

LEVELS = {"80": (0.10, 0.90), "90": (0.05, 0.95), "95": (0.025, 0.975)}
PHASE_NCY = {"primary": slice(0, 7), "secondary": slice(7, 12), "sixth_form": slice(12, 14)}


def base_stream(seed: int, base_year: int) -> np.random.Generator:
    """Random stream of one base year, the same for every method (common random numbers)."""
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(7, int(base_year))))


def cubes(rows: pd.DataFrame, units: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Forecast and actual of one origin's record rows as (unit, 14, horizon) arrays [pupils]; NaN where absent."""
    n_h = int(rows["horizon"].max())
    index = {u: i for i, u in enumerate(units)}
    forecast = np.full((len(units), 14, n_h), np.nan)
    actual = np.full_like(forecast, np.nan)
    i = rows["unit"].map(index).to_numpy()
    g = rows["ncy"].to_numpy(dtype=int)
    h = rows["horizon"].to_numpy(dtype=int) - 1
    forecast[i, g, h] = rows["forecast"].to_numpy(dtype=float)
    actual[i, g, h] = rows["actual"].to_numpy(dtype=float)
    return forecast, actual


def method_intervals(record: pd.DataFrame, draws: int, seed: int) -> dict[str, pd.DataFrame]:
    """Authority totals with their ranges, cell coverage and the growth-event record of one method.

    Returns
    -------
    dict with
        ``authority``: unit, base_year, horizon, phase, forecast, actual, lo80, hi80, lo90, hi90, lo95,
        hi95 [pupils] (ranges NaN at a base year with no earlier outcome, or without draws);
        ``cells``: unit, base_year, horizon, ncy, inside80, inside90, inside95 (1/0; NaN without a range);
        ``events``: the growth event per cell (:mod:`placeplan.backtest.events`): unit, base_year,
        horizon, ncy, threshold (pupils at the base year), predicted (share of draws above it), outcome.
    """
    totals, cells, events = [], [], []
    split = split_errors(record) if draws > 0 else None  # once: each origin's split does not depend on the base
    for base, rows in record.groupby("base_year", sort=True):
        units = sorted(rows["unit"].unique())
        forecast, actual = cubes(rows, units)
        known = ~np.isnan(actual)
        forecast0 = np.nan_to_num(forecast)
        n_h = forecast.shape[-1]
        model = fit_error_model(split, int(base)) if draws > 0 else None
        drawn = None
        if model is not None:
            errors = draw_errors(model, forecast0, np.arange(1, n_h + 1), draws, base_stream(seed, int(base)))
            drawn = np.maximum(forecast0[None] * (1 + errors), 0.0)
        for phase, ncy in PHASE_NCY.items():
            mask = known[:, ncy]
            block = {"unit": np.repeat(np.asarray(units, dtype=object), n_h), "base_year": int(base),
                     "horizon": np.tile(np.arange(1, n_h + 1), len(units)), "phase": phase,
                     "forecast": np.where(mask, forecast0[:, ncy], 0).sum(axis=1).ravel(),
                     "actual": np.where(mask.any(axis=1), np.nansum(actual[:, ncy], axis=1), np.nan).ravel()}
            total_draws = None if drawn is None else np.where(mask[None], drawn[:, :, ncy], 0).sum(axis=2)
            for level, (lo, hi) in LEVELS.items():
                if total_draws is None:
                    low = high = np.full(len(units) * n_h, np.nan)
                else:
                    low, high = (q.ravel() for q in np.quantile(total_draws, (lo, hi), axis=0, method=QUANTILE_METHOD))
                block[f"lo{level}"], block[f"hi{level}"] = low, high
            totals.append(pd.DataFrame(block))
        cell = {"unit": np.repeat(np.asarray(units, dtype=object), 14 * n_h), "base_year": int(base),
                "horizon": np.tile(np.arange(1, n_h + 1), len(units) * 14),
                "ncy": np.tile(np.repeat(np.arange(14), n_h), len(units))}
        keep = (known & (forecast0 > 0)).ravel()
        for level, (lo, hi) in LEVELS.items():
            if drawn is None:
                cell[f"inside{level}"] = np.full(keep.shape, np.nan)
            else:
                low, high = np.quantile(drawn, (lo, hi), axis=0, method=QUANTILE_METHOD)
                cell[f"inside{level}"] = ((actual >= low - 1e-9) & (actual <= high + 1e-9)).ravel().astype(float)
        cells.append(pd.DataFrame(cell)[keep])
        if drawn is not None:
            events.append(_growth(rows, units, forecast0, actual, drawn, int(base)))
    authority = pd.concat(totals, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        authority["dfe_accuracy_pct"] = np.where(authority["actual"] > 0, (authority["forecast"] - authority["actual"])
                                                 / authority["actual"] * 100, np.nan)
    return {"authority": authority, "cells": pd.concat(cells, ignore_index=True),
            "events": pd.concat(events, ignore_index=True) if events else pd.DataFrame()}


def _growth(rows: pd.DataFrame, units, forecast, actual, drawn, base: int) -> pd.DataFrame:
    """Growth-event rows of one origin: P(year group at b + h > the same year group at b), and whether it was.

    The base-year pupils are the record's ``start`` column (:func:`placeplan.backtest.record.national_record`).
    """
    start = rows.drop_duplicates(["unit", "ncy"])
    threshold = np.full(forecast.shape[:2], np.nan)
    index = {u: i for i, u in enumerate(units)}
    threshold[start["unit"].map(index).to_numpy(), start["ncy"].to_numpy(dtype=int)] = start["start"].to_numpy()
    threshold = np.broadcast_to(threshold[..., None], forecast.shape)
    predicted = exceedance_probability(drawn, threshold)
    keep = ~np.isnan(actual) & (threshold > 0)
    grid = np.indices(forecast.shape)
    return pd.DataFrame({
        "unit": np.asarray(units, dtype=object)[grid[0][keep]], "base_year": base, "horizon": grid[2][keep] + 1,
        "ncy": grid[1][keep], "event": "growth", "threshold": threshold[keep], "predicted": predicted[keep],
        "outcome": (actual[keep] > threshold[keep]).astype(int),
    })
