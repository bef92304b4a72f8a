"""Records of past out-of-sample forecasts, the raw material of the empirical intervals.

A record has one row per unit, origin, horizon and year group: ``unit`` (an LA code or a
planning-area code), ``base_year`` (the origin), ``horizon`` [years ahead], ``ncy``,
``forecast`` (the central projection made at the origin with only what was known then)
[pupils] and ``actual`` (the census count) [pupils]. :mod:`placeplan.demand.intervals` turns
a record into error distributions as known at any later base year.

* :func:`national_record`: every LA of the committed national tables, each one primary and
  one secondary area (the national back-test's set-up), for every origin from first year +
  window to the last year - 1.
* :func:`local_record`: the planning areas of one scenario, from origins whose year-group
  history is census (not estimated), scored against census years only.

No I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placeplan.backtest.core import base_years, with_policy
from placeplan.backtest.truncate import truncate
from placeplan.demand import demand_inputs, project
from placeplan.demand.intervals import RECORD_COLUMNS, ErrorInputs, error_inputs
from placeplan.scenario.schema import Policy


def cube_rows(unit: np.ndarray, forecast: np.ndarray, actual: np.ndarray, base_year: int,
              start: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Record columns of one origin: ``forecast`` and ``actual`` shaped (unit, 14, horizon) [pupils].

    ``start`` (unit, 14), optional: pupils in each year group at the origin, kept as column ``start``.
    """
    n_unit, n_ncy, n_h = forecast.shape
    extra = {} if start is None else {"start": np.repeat(np.asarray(start, dtype=float).ravel(), n_h)}
    return {**extra,
        "unit": np.repeat(np.asarray(unit, dtype=object), n_ncy * n_h),
        "base_year": np.full(n_unit * n_ncy * n_h, int(base_year)),
        "horizon": np.tile(np.arange(1, n_h + 1), n_unit * n_ncy),
        "ncy": np.tile(np.repeat(np.arange(n_ncy), n_h), n_unit),
        "forecast": np.asarray(forecast, dtype=float).ravel(),
        "actual": np.asarray(actual, dtype=float).ravel(),
    }


def frame(blocks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Stack record blocks into a record table (empty with the right columns when there are none)."""
    if not blocks:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "unit" else float) for c in RECORD_COLUMNS})
    columns = list(RECORD_COLUMNS) + [c for c in blocks[0] if c not in RECORD_COLUMNS]
    out = pd.DataFrame({c: np.concatenate([b[c] for b in blocks]) for c in columns})
    return out[out["actual"].notna()].reset_index(drop=True)


def national_record(series: list, policy: Policy, window: int | None = None, national=None,
                    alphas: dict[int, float] | None = None) -> pd.DataFrame:
    """Central forecasts of every LA at every origin against what happened.

    Parameters
    ----------
    series : list of :class:`placeplan.backtest.national.LASeries`
    policy : Policy
        The method whose errors are recorded.
    window : int, optional
        Years of ratios required before an origin (default ``policy.ratio_window``).
    national : NationalHistory, optional
        The national pooled ratios (needed by ``national_local``; :func:`~placeplan.backtest.national.national_history`).
    alphas : dict, optional
        Base year -> deviation smoothing constant, for ``deviation_alpha: auto``.
    """
    from placeplan.backtest.national import la_inputs, policy_at

    window = policy.ratio_window if window is None else int(window)
    blocks = []
    for s in series:
        last = int(s.years[-1])
        for b in base_years(int(s.years[0]), last, window):
            projection = project(la_inputs(s, b, last - b, policy_at(policy, b, alphas), national))
            forecast = np.concatenate([projection.central_primary, projection.central_secondary], axis=1)
            actual = s.nor[None, :, np.arange(b + 1, last + 1) - int(s.years[0])]
            blocks.append(cube_rows(np.array([s.la_code]), forecast, actual, b, s.nor[None, :, b - int(s.years[0])]))
    return frame(blocks)


def local_record(scenario, policy: Policy | None = None, window: int | None = None) -> pd.DataFrame:
    """Central forecasts of a scenario's planning areas at every census origin against census years.

    Origins run from the pupils table's first year + window to its last year - 1 (the
    year-group census; later estimated years are neither origins nor outturns). Primary
    areas carry NCY 0-6, secondary areas NCY 7-13 (the other year groups are left out).
    """
    policy = policy or scenario.config.policy
    window = policy.ratio_window if window is None else int(window)
    years = scenario.tables["pupils"]["academic_year"]
    first, last = int(years.min()), int(years.max())
    blocks = []
    outturn = None
    for b in base_years(first, last, window):
        inputs = demand_inputs(with_policy(truncate(scenario, b), policy, horizon=last - b))
        projection = project(inputs)
        if outturn is None:
            outturn = _census(scenario, inputs, first, last)
        columns = np.arange(b + 1, last + 1) - first
        n_p = len(projection.primary_areas)
        forecast = np.zeros((n_p + len(projection.secondary_areas), 14, last - b))
        forecast[:n_p, 0:7] = projection.central_primary
        forecast[n_p:, 7:14] = projection.central_secondary
        actual = outturn[..., columns]
        blocks.append(cube_rows(np.array(projection.primary_areas + projection.secondary_areas), forecast,
                                actual, b))
    record = frame(blocks)
    return record[record["forecast"] > 0].reset_index(drop=True) if len(record) else record


def _census(scenario, inputs, first: int, last: int) -> np.ndarray:
    """Census pupils (area, 14, year first ... last) on the inputs' area axes; NaN where not a census cell."""
    pupils = scenario.tables["pupils"]
    areas = inputs.primary_areas + inputs.secondary_areas
    n_p = len(inputs.primary_areas)
    index = {a: i for i, a in enumerate(areas)}
    out = np.full((len(areas), 14, last - first + 1), np.nan)
    rows = pupils[pupils["planning_area"].isin(index)]
    grouped = rows.groupby(["planning_area", "ncy", "academic_year"])["nor"].sum()
    for (area, ncy, year), nor in grouped.items():
        i = index[area]
        if (i < n_p) == (int(ncy) <= 6):
            out[i, int(ncy), int(year) - first] = nor
    return out


def national_table(scenario) -> pd.DataFrame | None:
    """The scenario's ``forecast_errors`` table as a record (``unit`` as text), or None."""
    table = scenario.tables.get("forecast_errors")
    if table is None or table.empty:
        return None
    return table.assign(unit=table["unit"].astype(str))[list(RECORD_COLUMNS)]


def scenario_errors(scenario, base_year: int | None = None, policy: Policy | None = None,
                    local: pd.DataFrame | None = None) -> ErrorInputs | None:
    """The error models a scenario's projection draws from, as known at its base year.

    The national record (``forecast_errors`` table) gives the authority's draw; the scenario's own
    record (:func:`local_record`, computed here unless given) each planning area's deviation. The
    local horizon counts from the last year-group census (later year groups are estimated).
    """
    base = int(scenario.config.meta.base_year if base_year is None else base_year)
    if local is None:
        local = local_record(scenario, policy)
    return error_inputs(national_table(scenario), local, base, area_observed_year(scenario, base))


def area_observed_year(scenario, base_year: int) -> int:
    """Latest year up to ``base_year`` whose planning-area pupils were observed [academic year].

    The year-group census (``pupils``), or a later year whose school counts by block of year groups
    (``school_nor`` with ``ncy_low``) or planning-area totals (``observed_totals``) pin down each
    area's pupils, though not its year groups: a planning area's horizon counts from that year.
    """
    years = scenario.tables["pupils"]["academic_year"].astype(int).unique().tolist()  # every census year, not only the last
    nor = scenario.tables.get("school_nor")
    if nor is not None and len(nor):
        years += nor.loc[nor["ncy_low"].notna(), "academic_year"].astype(int).tolist()
    totals = scenario.tables.get("observed_totals")
    if totals is not None and len(totals):
        years += totals.loc[totals["level"] == "planning_area", "academic_year"].astype(int).tolist()
    return max(y for y in years if y <= int(base_year)) if min(years) <= int(base_year) else int(base_year)
