"""Are placeplan's chances calibrated? Reliability tables and Brier scores of probabilistic forecasts.

A probabilistic forecast here is a chance ``predicted`` in [0, 1] that an event happens (e.g. "pupils
in this planning area and year group exceed its places"), read from the Monte Carlo draws as the share
of draws in which it happens (:func:`exceedance_probability`); its ``outcome`` is 1 if the event
happened, else 0. Calibrated chances mean that, of the forecasts that said about 30%, about 30%
happened.

* :func:`reliability_table`: forecasts grouped into probability bands (:data:`BANDS`; exactly 0 and
  exactly 1 are bands of their own, because with a few hundred draws many chances are exactly 0 or
  1), with the number of forecasts, their mean chance, the share that happened and a Wilson score
  interval for that share.
* :func:`brier_score`: mean squared difference between chance and outcome (0 is perfect; always
  saying 50% scores 0.25).
* :func:`climatology`: an out-of-sample reference forecast for each record row, the share of the
  same event at the same horizon among the cells whose outcome was already known at the row's base
  year (see its docstring for the fallback); :func:`brier_table` scores the forecasts against it
  (Brier skill score ``1 - BS / BS_reference``: above 0, better than the reference).

Everything is a pure function of arrays or DataFrames; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

# (label, low, high): a chance p is in the band when low <= p < high; the "0%" and "100%" bands hold
# exactly 0 and exactly 1 (low == high).
BANDS: tuple[tuple[str, float, float], ...] = (
    ("0%", 0.0, 0.0),
    ("under 5%", 0.0, 0.05),
    ("5-20%", 0.05, 0.20),
    ("20-40%", 0.20, 0.40),
    ("40-60%", 0.40, 0.60),
    ("60-80%", 0.60, 0.80),
    ("80-95%", 0.80, 0.95),
    ("95% or more", 0.95, 1.0),
    ("100%", 1.0, 1.0),
)
# (label, first horizon, last horizon) [years ahead]; "1-5" pools the first five years (SCAP's primary horizon).
HORIZON_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("1", 1, 1), ("2-3", 2, 3), ("4-5", 4, 5), ("6+", 6, 10**6), ("1-5", 1, 5),
)
RECORD_COLUMNS = ["base_year", "horizon", "planning_area", "ncy", "event", "threshold", "predicted", "outcome"]


def exceedance_probability(draws, threshold, axis: int = 0) -> np.ndarray:
    """Share of draws strictly above ``threshold`` along the draw axis.

    Parameters
    ----------
    draws : array (..., draw, ...) [pupils], the draw axis at ``axis``
    threshold : array broadcastable to ``draws`` with the draw axis removed (e.g. places) [pupils]
    axis : the draw axis

    Returns
    -------
    ndarray, the shape of ``draws`` without ``axis``: P(draw > threshold) in [0, 1]; NaN where the
    threshold is NaN.

    >>> exceedance_probability(np.array([[1.0, 5.0], [2.0, 6.0], [3.0, 7.0], [4.0, 8.0]]), [2.0, 7.0]).tolist()
    [0.5, 0.25]
    """
    draws = np.asarray(draws, dtype=float)
    axis = axis % draws.ndim
    threshold = np.asarray(threshold, dtype=float)
    share = (draws > np.expand_dims(threshold, axis) if threshold.ndim else draws > threshold).mean(axis=axis)
    return np.where(np.isnan(np.broadcast_to(threshold, share.shape)), np.nan, share)


def probability_band(predicted, bands: Sequence[tuple[str, float, float]] = BANDS) -> np.ndarray:
    """The band label of each chance (``bands`` as :data:`BANDS`); None outside every band (e.g. NaN)."""
    p = np.asarray(predicted, dtype=float)
    out = np.full(p.shape, None, dtype=object)
    for label, low, high in bands:
        if low < high:
            out[(p >= low) & (p < high)] = label
    for label, low, high in bands:  # the exact bands (0, 1) win over a range that holds them
        if low == high:
            out[p == low] = label
    return out


def wilson_interval(successes, n, level: float = 0.90) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``successes / n`` at confidence ``level``.

    ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``, z the normal quantile at
    ``0.5 + level / 2`` (1.645 for 90%). NaN where ``n`` is 0.

    >>> [round(float(v), 4) for v in np.ravel(wilson_interval(0, 10))]
    [0.0, 0.2129]
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def reliability_table(predicted, outcome, bands: Sequence[tuple[str, float, float]] = BANDS,
                      level: float = 0.90) -> pd.DataFrame:
    """Forecasts grouped by predicted chance: how often the event happened in each band.

    Parameters
    ----------
    predicted : chances in [0, 1]; outcome : 1 / True if the event happened, else 0 / False.
        Pairs with a NaN in either are left out.
    bands : (label, low, high) as :data:`BANDS`
    level : confidence of the interval for the observed share (default 90%)

    Returns
    -------
    DataFrame, one row per band with at least one forecast, in band order: band, n [forecasts],
    happened [forecasts whose event happened], mean_predicted (mean chance in the band),
    observed (happened / n), lo90, hi90 (Wilson interval for observed at ``level``).
    Calibrated forecasts have observed close to mean_predicted, mostly inside [lo90, hi90].
    """
    p = np.asarray(predicted, dtype=float)
    o = np.asarray(outcome, dtype=float)
    ok = ~np.isnan(p) & ~np.isnan(o)
    p, o = p[ok], o[ok]
    labels = probability_band(p, bands)
    rows = []
    for label, *_ in bands:
        mine = labels == label
        n = int(mine.sum())
        if not n:
            continue
        k = float(o[mine].sum())
        lo, hi = wilson_interval(k, n, level)
        rows.append({"band": label, "n": n, "happened": int(k), "mean_predicted": float(p[mine].mean()),
                     "observed": k / n, "lo90": float(lo), "hi90": float(hi)})
    return pd.DataFrame(rows, columns=["band", "n", "happened", "mean_predicted", "observed", "lo90", "hi90"])


def brier_score(predicted, outcome) -> float:
    """Mean of (predicted - outcome)² over the pairs without NaN; NaN when there are none.

    >>> brier_score([0.0, 0.5, 1.0], [0, 1, 1])
    0.08333333333333333
    """
    p = np.asarray(predicted, dtype=float)
    o = np.asarray(outcome, dtype=float)
    ok = ~np.isnan(p) & ~np.isnan(o)
    return float(np.mean((p[ok] - o[ok]) ** 2)) if ok.any() else float("nan")


def skill_score(brier: float, reference: float) -> float:
    """Brier skill score ``1 - brier / reference`` (NaN when the reference is 0 or NaN)."""
    return float(1 - brier / reference) if reference and not np.isnan(reference) else float("nan")


def climatology(record: pd.DataFrame, keys: Sequence[str] = ("event",)) -> pd.Series:
    """Out-of-sample reference chance for each record row: how often the event had happened so far.

    For a row with base year ``b`` and horizon ``h``, the reference is the share of outcomes that
    happened among the record's rows of the same ``keys`` (the event; and the scope, if a column)
    and the same horizon ``h`` whose outcome was known at ``b`` (an earlier base year ``e`` with
    ``e + h <= b``): all planning areas and year groups pooled. Where no such row exists (the first
    base years of a long horizon), it falls back to the share among the rows of the same keys at any
    horizon known at ``b`` (``e + h' <= b``). Where none is known either (the first base year of the record), the
    reference is NaN and the row has no out-of-sample comparison (:func:`brier_table` leaves it out
    of the skill score).

    Parameters
    ----------
    record : base_year, horizon, outcome (0/1) and the ``keys`` columns (see :data:`RECORD_COLUMNS`)

    Returns
    -------
    Series aligned with ``record``: the reference chance in [0, 1], NaN where none is known.
    """
    keys = [k for k in keys if k in record.columns]
    frame = record.assign(known_year=record["base_year"] + record["horizon"], outcome=record["outcome"].astype(float))
    out = pd.Series(np.nan, index=record.index)
    groups = frame.groupby(keys, sort=False) if keys else [((), frame)]
    for _, rows in groups:
        # happened / n by (horizon, year the outcome was known), then cumulated over known years
        counts = rows.groupby(["horizon", "known_year"])["outcome"].agg(["sum", "count"])
        pooled = rows.groupby("known_year")["outcome"].agg(["sum", "count"]).sort_index().cumsum()
        for (base, h), cell in rows.groupby(["base_year", "horizon"]):
            same = counts.loc[h] if h in counts.index.get_level_values(0) else None
            same = same[same.index <= base] if same is not None else None
            if same is not None and same["count"].sum() > 0:
                value = same["sum"].sum() / same["count"].sum()
            else:
                known = pooled[pooled.index <= base]
                value = known["sum"].iloc[-1] / known["count"].iloc[-1] if len(known) else np.nan
            out.loc[cell.index] = value
    return out


def horizon_groups(horizon, groups: Sequence[tuple[str, int, int]] = HORIZON_GROUPS):
    """(label, boolean mask of ``horizon`` inside the group) for each group of :data:`HORIZON_GROUPS`."""
    h = np.asarray(horizon)
    return [(label, (h >= low) & (h <= high)) for label, low, high in groups]


def reliability_by_horizon(record: pd.DataFrame, scope: str, bands=BANDS,
                           groups: Sequence[tuple[str, int, int]] = HORIZON_GROUPS) -> pd.DataFrame:
    """Reliability tables of a record per event and horizon group.

    Returns scope, event, horizon (group label, e.g. ``"1"``, ``"2-3"``, ``"1-5"``), band, n, happened,
    mean_predicted, observed, lo90, hi90 (see :func:`reliability_table`).
    """
    columns = ["scope", "event", "horizon", "band", "n", "happened", "mean_predicted", "observed", "lo90", "hi90"]
    parts = []
    for event, rows in record.groupby("event", sort=False):
        for label, mask in horizon_groups(rows["horizon"], groups):
            if mask.any():
                table = reliability_table(rows["predicted"][mask], rows["outcome"][mask], bands)
                parts.append(table.assign(scope=scope, event=event, horizon=label))
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def brier_table(record: pd.DataFrame, scope: str,
                groups: Sequence[tuple[str, int, int]] = HORIZON_GROUPS) -> pd.DataFrame:
    """Brier scores of a record per event and horizon group, against climatology.

    Returns scope, event, horizon (group label), n [forecasts], brier (all n forecasts),
    n_reference (forecasts with an out-of-sample climatology, :func:`climatology`),
    brier_reference_rows (placeplan's Brier score on those rows), brier_climatology (the
    climatology's, same rows), skill (1 - brier_reference_rows / brier_climatology), and for
    comparison the in-sample climatology (the share of the event at the same horizon over the whole
    record, hindsight included): brier_in_sample (its Brier score on the n rows), skill_in_sample
    (1 - brier / brier_in_sample).
    """
    columns = ["scope", "event", "horizon", "n", "brier", "n_reference", "brier_reference_rows",
               "brier_climatology", "skill", "brier_in_sample", "skill_in_sample"]
    rows = []
    for event, frame in record.groupby("event", sort=False):
        reference = climatology(frame).to_numpy()
        outcome = frame["outcome"].astype(float)
        in_sample = outcome.groupby(frame["horizon"]).transform("mean").to_numpy()
        for label, mask in horizon_groups(frame["horizon"], groups):
            if not mask.any():
                continue
            p = frame["predicted"].to_numpy(dtype=float)[mask]
            o = outcome.to_numpy()[mask]
            ref = reference[mask]
            has = ~np.isnan(ref)
            bs, bs_rows, bs_ref = brier_score(p, o), brier_score(p[has], o[has]), brier_score(ref[has], o[has])
            bs_in = brier_score(in_sample[mask], o)
            rows.append({"scope": scope, "event": event, "horizon": label, "n": int(mask.sum()), "brier": bs,
                         "n_reference": int(has.sum()), "brier_reference_rows": bs_rows,
                         "brier_climatology": bs_ref, "skill": skill_score(bs_rows, bs_ref),
                         "brier_in_sample": bs_in, "skill_in_sample": skill_score(bs, bs_in)})
    return pd.DataFrame(rows, columns=columns)


def record_tables(record: pd.DataFrame, scope: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reliability by event and horizon group, Brier scores by event and horizon group) of a record."""
    return reliability_by_horizon(record, scope), brier_table(record, scope)
