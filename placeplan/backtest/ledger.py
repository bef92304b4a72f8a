"""The forecast-vs-outturn ledger: every past forecast of a later known year, beside the council's own.

For each base year ``b`` of the back-test's runs and each later academic year ``y`` with an
outturn (:func:`~placeplan.backtest.outturn.outturn_totals`: the year-group census, or, after it,
the authority's observed January totals), one row per phase: placeplan's central forecast of the
authority's phase total made at ``b`` for ``y`` (``horizon = y - b`` years ahead), its Monte Carlo
5-95% range, the actual, DfE's accuracy measure ((forecast - actual) / actual x 100, positive =
over-forecast), whether the actual fell in the range, the naive reference's forecast (last year's
ratios carried forward, same run), and the council's own SCAP forecast of the same year from the
same distance (``council_forecast_record``, matched on outturn year, phase and horizon).

Rows the council record has but placeplan has not (a base year without a year-group census, so no
placeplan forecast) are kept with the placeplan columns blank: the ledger is the whole record of both.
A council row is left out when its outturn year is not placed, or its January census falls after
``as_at`` (it could not have been scored yet).

Pure: tables in, tables out. The back-test (:func:`placeplan.backtest.backtest`) computes the phase
totals from the same projections it scores, and calls :func:`build_ledger`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from placeplan.backtest.metrics import inside
from placeplan.backtest.outturn import PHASE_ORDER
from placeplan.dates import census_date

KEYS = ["phase", "outturn_year", "horizon"]
COLUMNS = ["phase", "base_year", "outturn_year", "horizon", "forecast", "p05", "p95", "actual", "actual_source",
           "accuracy_pct", "in_range", "naive_forecast", "naive_accuracy_pct", "council_forecast",
           "council_accuracy_pct", "council_scorecard_row"]
COUNCIL = {"accuracy_pct": "council_accuracy_pct", "forecast": "council_forecast",
           "scorecard_row": "council_scorecard_row"}


def accuracy_pct(forecast, actual) -> np.ndarray:
    """DfE's accuracy of each forecast, ``(forecast - actual) / actual x 100`` [%]; NaN where actual is 0 or blank."""
    forecast = np.asarray(forecast, dtype=float)
    actual = np.asarray(actual, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(actual > 0, (forecast - actual) / actual * 100, np.nan)


def council_rows(record: pd.DataFrame | None, as_at: dt.date | None = None) -> pd.DataFrame:
    """The council record's placed rows, keyed for the ledger.

    Parameters
    ----------
    record : DataFrame, optional
        The ``council_forecast_record`` table (outturn_year, phase, horizon, accuracy_pct [%],
        forecast [pupils], scorecard_row ...).
    as_at : date, optional
        Rows whose outturn year's January census falls after it are left out.

    Returns
    -------
    DataFrame
        phase, outturn_year, horizon, council_accuracy_pct [%], council_forecast [pupils],
        council_scorecard_row; rows without an outturn year left out.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=float if c != "phase" and c != "council_scorecard_row" else object)
                          for c in KEYS + list(COUNCIL.values())})
    if record is None or record.empty:
        return empty
    placed = record[record["outturn_year"].notna()]
    if as_at is not None:
        known = [census_date(int(y), "january") <= as_at for y in placed["outturn_year"]]
        placed = placed[known]
    if placed.empty:
        return empty
    out = placed[KEYS + list(COUNCIL)].rename(columns=COUNCIL)
    return out.astype({"outturn_year": int, "horizon": int}).reset_index(drop=True)


def build_ledger(totals: pd.DataFrame, outturn: pd.DataFrame, record: pd.DataFrame | None = None,
                 as_at: dt.date | None = None) -> pd.DataFrame:
    """The ledger (see the module docstring).

    Parameters
    ----------
    totals : DataFrame
        Authority phase totals of each run: method (``method`` | ``naive``), base_year, horizon
        [years ahead], phase, forecast (central) [pupils], p05, p95 (5% and 95% of the draws;
        NaN without draws) [pupils].
    outturn : DataFrame
        :func:`~placeplan.backtest.outturn.outturn_totals` of the full (untruncated) scenario.
    record : DataFrame, optional
        The ``council_forecast_record`` table.
    as_at : date, optional
        The run's reference date (council rows scored after it are left out).

    Returns
    -------
    DataFrame
        One row per phase, base year and outturn year: phase, base_year, outturn_year, horizon,
        forecast, p05, p95, actual [pupils], actual_source, accuracy_pct [%], in_range (actual in
        [p05, p95]; blank without draws), naive_forecast [pupils], naive_accuracy_pct [%],
        council_forecast [pupils], council_accuracy_pct [%], council_scorecard_row. Sorted by
        phase (primary, secondary, sixth_form), base year and horizon.
    """
    keys = ["phase", "base_year", "horizon"]
    method = totals[totals["method"] == "method"].drop(columns="method")
    naive = (totals.loc[totals["method"] == "naive", keys + ["forecast"]]
             .rename(columns={"forecast": "naive_forecast"}))
    rows = method.merge(naive, on=keys, how="left")
    rows["outturn_year"] = rows["base_year"].astype(int) + rows["horizon"].astype(int)
    actual = outturn.rename(columns={"academic_year": "outturn_year", "source": "actual_source"})
    rows = rows.merge(actual, on=["outturn_year", "phase"], how="inner")
    council = council_rows(record, as_at)
    out = rows.merge(council, on=KEYS, how="outer")
    only = out["base_year"].isna()
    if only.any():  # council forecasts placeplan has no run for: the outturn where known
        filled = out.loc[only, KEYS].merge(actual, on=["outturn_year", "phase"], how="left")
        out.loc[only, "actual"] = filled["actual"].to_numpy()
        out.loc[only, "actual_source"] = filled["actual_source"].to_numpy()
        out.loc[only, "base_year"] = out.loc[only, "outturn_year"] - out.loc[only, "horizon"]
    for column in COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    out = out.astype({"base_year": int, "outturn_year": int, "horizon": int})
    out["accuracy_pct"] = accuracy_pct(out["forecast"], out["actual"])
    out["naive_accuracy_pct"] = accuracy_pct(out["naive_forecast"], out["actual"])
    hit = inside(out["actual"], out["p05"], out["p95"])
    out["in_range"] = pd.array([pd.NA if np.isnan(h) else bool(h) for h in hit], dtype="boolean")
    out = out.assign(_p=out["phase"].map(PHASE_ORDER)).sort_values(["_p", "base_year", "horizon"], kind="stable")
    return out.drop(columns="_p").reset_index(drop=True)[COLUMNS]


def ledger_view(ledger: pd.DataFrame, horizons: tuple[int, ...] = (1, 3),
                phases: tuple[str, ...] = ("primary", "secondary")) -> pd.DataFrame:
    """The ledger by phase and outturn year, with the chosen horizons side by side.

    Returns
    -------
    DataFrame
        One row per phase and outturn year that has a placeplan or council forecast at one of
        ``horizons``: phase, outturn_year, actual, actual_source, then for each horizon ``h``:
        ``forecast_h``, ``p05_h``, ``p95_h``, ``accuracy_pct_h``, ``in_range_h``,
        ``council_accuracy_pct_h``, ``council_forecast_h``. Sorted by phase, then year.
    """
    part = ledger[ledger["phase"].isin(phases) & ledger["horizon"].isin(horizons)]
    wide = part.groupby(["phase", "outturn_year"], as_index=False).agg(
        actual=("actual", "first"), actual_source=("actual_source", "first"))
    for h in horizons:
        at = part.loc[part["horizon"] == h, ["phase", "outturn_year", "forecast", "p05", "p95", "accuracy_pct",
                                             "in_range", "council_accuracy_pct", "council_forecast"]]
        wide = wide.merge(at.rename(columns={c: f"{c}_{h}" for c in at.columns[2:]}),
                          on=["phase", "outturn_year"], how="left")
    order = {p: i for i, p in enumerate(phases)}
    wide = wide.assign(_p=wide["phase"].map(order)).sort_values(["_p", "outturn_year"])
    return wide.drop(columns="_p").reset_index(drop=True)
