"""Forecast-accuracy measures and the tables that summarise a back-test.

* **DfE forecast accuracy** [%] = (Σ forecast − Σ actual) / Σ actual × 100 over the whole
  authority, primary = R–Y6 (NCY 0–6) and secondary = Y7–Y11 (NCY 7–11); Y12–13 are left
  out, as DfE does. Positive = over-forecast. One figure per base year and horizon; the
  summary averages them over base years (and reports the mean of their absolute values).
* **MAPE** [%] = mean of |forecast − actual| / actual × 100 over planning area × NCY cells
  (and base years), cells with actual 0 or missing skipped.
* **Coverage**: share of actuals inside the Monte Carlo interval, 90% = draw quantiles 5–95%
  and 95% = 2.5–97.5%, both ends included; at planning area × NCY level and at authority ×
  phase level.

Horizons are reported one by one for 1–5 years ahead and pooled for 6 or more years ahead
(label ``"6+"``): the ``horizon`` column of the summary tables is text (``"1"`` …
``"5"``, ``"6+"``); the detail tables keep the integer horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PHASES = ("primary", "secondary", "sixth_form")
DFE_PHASES = ("primary", "secondary")  # DfE accuracy: R-Y6 and Y7-Y11
POOLED_FROM = 6  # horizons >= this are pooled into one row
INTERVALS = {"90": (0.05, 0.95), "95": (0.025, 0.975)}
QUANTILES = (0.05, 0.95, 0.025, 0.975, 0.10, 0.90)  # lo90, hi90, lo95, hi95, lo80, hi80
BOUNDS = ("lo90", "hi90", "lo95", "hi95", "lo80", "hi80")
TOLERANCE = 1e-9  # relative slack on interval ends (a degenerate interval still covers its value)


def phase_of_ncy(ncy) -> np.ndarray:
    """Phase of each NCY: primary 0-6, secondary 7-11, sixth_form 12-13."""
    ncy = np.asarray(ncy)
    return np.select([ncy <= 6, ncy <= 11], ["primary", "secondary"], "sixth_form").astype(object)


def horizon_label(horizon) -> np.ndarray:
    """Text label of each horizon: ``"1"`` ... ``"5"``, then ``"6+"``."""
    horizon = np.asarray(horizon)
    return np.where(horizon >= POOLED_FROM, f"{POOLED_FROM}+", horizon.astype(str)).astype(object)


def dfe_accuracy_pct(forecast, actual) -> float:
    """DfE forecast accuracy: ``(Σ forecast − Σ actual) / Σ actual × 100`` [%].

    Pairs with a missing actual are left out of both sums; NaN when Σ actual is 0.
    """
    forecast = np.asarray(forecast, dtype=float)
    actual = np.asarray(actual, dtype=float)
    known = ~np.isnan(actual) & ~np.isnan(forecast)
    total = actual[known].sum()
    return float((forecast[known].sum() - total) / total * 100) if total > 0 else float("nan")


def ape_pct(forecast, actual) -> np.ndarray:
    """Absolute percentage error of each cell, ``|f − a| / a × 100`` [%]; NaN where a is 0 or missing."""
    forecast = np.asarray(forecast, dtype=float)
    actual = np.asarray(actual, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(actual > 0, np.abs(forecast - actual) / actual * 100, np.nan)


def mape_pct(forecast, actual) -> float:
    """Mean absolute percentage error over cells with a positive actual [%] (NaN if none)."""
    ape = ape_pct(forecast, actual)
    return float(np.nanmean(ape)) if np.isfinite(ape).any() else float("nan")


def inside(actual, lo, hi) -> np.ndarray:
    """1.0 where ``lo <= actual <= hi`` (ends included, relative slack 1e-9), 0.0 outside, NaN if unknown."""
    actual, lo, hi = (np.asarray(x, dtype=float) for x in (actual, lo, hi))
    slack = TOLERANCE * np.maximum(1.0, np.abs(actual))
    hit = (actual >= lo - slack) & (actual <= hi + slack)
    return np.where(np.isnan(actual) | np.isnan(lo) | np.isnan(hi), np.nan, hit.astype(float))


def coverage(actual, lo, hi) -> float:
    """Share of known actuals inside their interval [fraction] (NaN if none)."""
    hit = inside(actual, lo, hi)
    return float(np.nanmean(hit)) if np.isfinite(hit).any() else float("nan")


QUANTILE_METHOD = "weibull"
"""Plotting positions ``q (n + 1)``: the range between two such sample quantiles of ``n`` draws holds a
new value from the same distribution with probability exactly ``q_high - q_low`` on average, so the
back-test's coverage is not understated by the number of draws (numpy's default, linear, would make
a 95% range from 100 draws hold about 93%)."""


def interval_bounds(draws: np.ndarray, axis: int = 0) -> np.ndarray:
    """Quantiles ``lo90, hi90, lo95, hi95, lo80, hi80`` of Monte Carlo draws along ``axis`` (stacked first;
    :data:`QUANTILE_METHOD`)."""
    return np.quantile(np.asarray(draws, dtype=float), QUANTILES, axis=axis, method=QUANTILE_METHOD)


def _cell_metrics(detail: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """n, MAPE and 90/95% coverage of planning area x NCY cells, grouped by ``keys``."""
    frame = detail.assign(
        horizon=horizon_label(detail["horizon"]),
        ape=ape_pct(detail["forecast"], detail["actual"]),
        in90=inside(detail["actual"], detail["lo90"], detail["hi90"]),
        in95=inside(detail["actual"], detail["lo95"], detail["hi95"]),
    )
    grouped = frame.groupby(keys, sort=True)
    return pd.DataFrame({
        "n": grouped["actual"].count(),
        "mape_pct": grouped["ape"].mean(),
        "coverage90": grouped["in90"].mean(),
        "coverage95": grouped["in95"].mean(),
    }).reset_index()


def authority_metrics(authority: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean DfE accuracy, mean absolute accuracy and authority-level coverage, grouped by ``keys``.

    ``authority`` has one row per (..., base_year, horizon, phase) with ``dfe_accuracy_pct``
    and the authority interval; ``horizon`` is pooled to its label here.
    """
    frame = authority.assign(
        horizon=horizon_label(authority["horizon"]),
        abs_accuracy_pct=authority["dfe_accuracy_pct"].abs(),
        in90=inside(authority["actual"], authority["lo90"], authority["hi90"]),
        in95=inside(authority["actual"], authority["lo95"], authority["hi95"]),
    )
    grouped = frame.groupby(keys, sort=True)
    return pd.DataFrame({
        "n_base": grouped["dfe_accuracy_pct"].count(),
        "dfe_accuracy_pct": grouped["dfe_accuracy_pct"].mean(),
        "abs_accuracy_pct": grouped["abs_accuracy_pct"].mean(),
        "coverage90_authority": grouped["in90"].mean(),
        "coverage95_authority": grouped["in95"].mean(),
    }).reset_index()


def summary_table(detail: pd.DataFrame, authority: pd.DataFrame) -> pd.DataFrame:
    """One row per method x phase x horizon label (see the module docstring).

    Columns: method, phase, horizon, n (planning area x NCY cells), dfe_accuracy_pct (mean
    over base years; NaN for sixth_form), mape_pct, coverage90, coverage95 (cells),
    n_base, abs_accuracy_pct, coverage90_authority, coverage95_authority.
    """
    keys = ["method", "phase", "horizon"]
    cells = _cell_metrics(detail, keys)
    la = authority_metrics(authority, keys)
    out = cells.merge(la, on=keys, how="outer")
    out.loc[~out["phase"].isin(DFE_PHASES), ["dfe_accuracy_pct", "abs_accuracy_pct"]] = np.nan
    order = {m: i for i, m in enumerate(("method", "naive"))}
    out = out.assign(_m=out["method"].map(order), _p=out["phase"].map({p: i for i, p in enumerate(PHASES)}))
    out = out.sort_values(["_m", "_p", "horizon"]).drop(columns=["_m", "_p"]).reset_index(drop=True)
    return out[["method", "phase", "horizon", "n", "dfe_accuracy_pct", "mape_pct", "coverage90", "coverage95",
                "n_base", "abs_accuracy_pct", "coverage90_authority", "coverage95_authority"]]


def by_ncy_table(detail: pd.DataFrame) -> pd.DataFrame:
    """MAPE and coverage by method x NCY x horizon label, over planning areas and base years."""
    return _cell_metrics(detail, ["method", "ncy", "horizon"])


def comparison_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The method and the naive reference side by side, by phase and horizon label.

    Columns: phase, horizon, n_base, then ``<measure>_method`` and ``<measure>_naive`` for
    dfe_accuracy_pct, abs_accuracy_pct, mape_pct, coverage90, coverage95, and the ratios
    ``mape_ratio`` = MAPE method / MAPE naive and ``abs_accuracy_ratio`` (below 1: the
    method beats carrying last year's ratios forward).
    """
    measures = ["dfe_accuracy_pct", "abs_accuracy_pct", "mape_pct", "coverage90", "coverage95"]
    method = summary[summary["method"] == "method"].set_index(["phase", "horizon"])
    naive = summary[summary["method"] == "naive"].set_index(["phase", "horizon"])
    out = pd.DataFrame(index=method.index)
    out["n_base"] = method["n_base"]
    for m in measures:
        out[f"{m}_method"] = method[m]
        out[f"{m}_naive"] = naive[m].reindex(method.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["mape_ratio"] = out["mape_pct_method"] / out["mape_pct_naive"]
        out["abs_accuracy_ratio"] = out["abs_accuracy_pct_method"] / out["abs_accuracy_pct_naive"]
    return out.reset_index()
