"""Rolling-origin back-test of the pupil projection against what happened.

For every base year ``b`` the pupil history allows, the scenario is cut back to what was
known at ``b`` (:func:`~placeplan.backtest.truncate.truncate`), projected with the policy's
ratio method (central projection plus Monte Carlo draws) and with a naive reference, and
compared with the pupils table for ``b + 1 ... last year``.

* Base years: ``first + w <= b <= last - 1``, where ``first``/``last`` are the first and
  last academic years of the pupils table and ``w`` = ``policy.ratio_window`` (or
  ``min_window``): at least ``w`` years of cohort ratios before each base year.
* Naive reference: the same engine with ``ratio_window = 1``, ``ratio_method = mean``
  (last year's ratios carried forward), on the same truncated data. Both use the same
  random stream for a base year (common random numbers). With a window of one year the
  ratio residual pool is empty, so the naive intervals only carry births and housing
  uncertainty: its coverage is reported but is not a fair test of it.
* The forecast compared is the central (deterministic) projection; the intervals are
  quantiles of the draws.
* The same runs give the forecast-vs-outturn ledger (:mod:`~placeplan.backtest.ledger`): each run
  projects to the last outturn year (the year-group history, then the authority's observed
  totals), and base years after the history's last-but-one year that ``truncate`` accepts are run
  too, for the ledger only. Outturns always come from the full scenario's tables.

No I/O: give it a loaded (or in-memory) scenario, get tables back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from placeplan.backtest.events import area_places, event_columns
from placeplan.backtest.ledger import build_ledger
from placeplan.backtest.metrics import (BOUNDS, by_ncy_table, comparison_table, interval_bounds, phase_of_ncy,
                                        summary_table)
from placeplan.backtest.outturn import outturn_totals
from placeplan.backtest.reliability import RECORD_COLUMNS, record_tables
from placeplan.backtest.truncate import allowed_base_years, truncate
from placeplan.demand import DemandInputs, Projection, UncertaintySettings, demand_inputs, project
from placeplan.demand.intervals import ErrorInputs, error_inputs, split_errors
from placeplan.demand.inputs import PRIMARY_NCY, SECONDARY_NCY
from placeplan.scenario.schema import Policy

METHODS = ("method", "naive")
# Authority phases: (projection block, slice of that block's 7 year-group slots).
AUTHORITY_PHASES = (("primary", "primary", slice(0, 7)), ("secondary", "secondary", slice(0, 5)),
                    ("sixth_form", "secondary", slice(5, 7)))


def naive_policy(policy: Policy) -> Policy:
    """The naive reference's policy: last year's ratios carried forward (window 1, mean)."""
    return policy.model_copy(update={"ratio_window": 1, "ratio_method": "mean", "ratio_weights": None})


def base_years(first_year: int, last_year: int, window: int) -> list[int]:
    """Base years a history ``first_year ... last_year`` allows: ``first + window ... last - 1``."""
    if window < 1:
        raise ValueError(f"the ratio window must be at least 1 year, got {window}")
    return list(range(int(first_year) + int(window), int(last_year)))


def stream(seed: int, base_year: int) -> np.random.Generator:
    """Random stream of one base year (the method and the naive reference both start from it)."""
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(int(base_year),)))


@dataclass(frozen=True)
class BacktestResult:
    """A back-test's tables.

    Attributes
    ----------
    detail : DataFrame
        One row per method, base year, horizon, planning area and NCY: method (``method`` |
        ``naive``), base_year, horizon [years ahead], academic_year, phase (primary |
        secondary | sixth_form), planning_area, ncy, forecast (central) [pupils], actual
        [pupils], lo90, hi90, lo95, hi95 (draw quantiles 5/95% and 2.5/97.5%) [pupils].
    authority : DataFrame
        Authority totals per method, base year, horizon and phase (primary R-Y6, secondary
        Y7-Y11, sixth_form Y12-13): forecast, actual, dfe_accuracy_pct, lo90 ... hi95.
    summary : DataFrame
        Per method x phase x horizon label (``"1"`` ... ``"5"``, ``"6+"``): see
        :func:`placeplan.backtest.metrics.summary_table`.
    by_ncy : DataFrame
        MAPE and coverage per method x NCY x horizon label.
    comparison : DataFrame
        Method and naive reference side by side per phase x horizon label.
    ledger : DataFrame
        The forecast-vs-outturn ledger (:func:`placeplan.backtest.ledger.build_ledger`): every run's
        authority phase totals against each later outturn, with the council's own forecasts.
    base_years : tuple of int
        Base years of the back-test tables (the ledger may have later ones).
    draws, seed : int
    policy, naive_policy : Policy
    record : DataFrame
        The chances the method gave, cell by cell (:mod:`~placeplan.backtest.events`): base_year,
        horizon, planning_area, ncy, event (``places`` | ``growth``), threshold [places or pupils],
        predicted (share of draws above the threshold), outcome (1 if the actual was above it).
        Empty without draws.
    reliability, brier : DataFrame
        The record's reliability tables and Brier scores per event and horizon group
        (:func:`placeplan.backtest.reliability.record_tables`, scope ``herefordshire`` or the
        scenario's name).
    """

    detail: pd.DataFrame = field(repr=False)
    authority: pd.DataFrame = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    by_ncy: pd.DataFrame = field(repr=False)
    comparison: pd.DataFrame = field(repr=False)
    base_years: tuple[int, ...]
    draws: int
    seed: int
    policy: Policy
    naive_policy: Policy
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    record: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    brier: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables to write as CSV, by file stem (``backtest`` is the summary)."""
        return {"backtest": self.summary, "backtest_comparison": self.comparison,
                "backtest_authority": self.authority, "backtest_by_ncy": self.by_ncy,
                "backtest_detail": self.detail, "ledger": self.ledger,
                "reliability_record": self.record, "reliability": self.reliability, "brier": self.brier}


def with_policy(scenario, policy: Policy, horizon: int | None = None):
    """The scenario with another policy (and, if given, horizon); tables shared, nothing re-validated."""
    config = scenario.config
    update: dict = {"policy": policy}
    if horizon is not None:
        update["meta"] = config.meta.model_copy(update={"horizon_years": int(horizon)})
    return dataclasses.replace(scenario, config=config.model_copy(update=update))


def run_projection(inputs: DemandInputs, draws: int, rng: np.random.Generator | None,
                   settings: UncertaintySettings | None, errors: ErrorInputs | None = None) -> Projection:
    """Central projection plus ``draws`` Monte Carlo draws (central only when draws is 0)."""
    if draws <= 0:
        return project(inputs, settings=settings)
    return project(inputs, draws=draws, rng=rng, settings=settings, errors=errors)


def cell_columns(projection: Projection, actual_primary: np.ndarray, actual_secondary: np.ndarray,
                 horizon: int, with_draws: bool) -> dict[str, np.ndarray]:
    """Planning area x NCY x horizon rows of one projection against the actuals.

    ``actual_*`` are (area, 7, horizon) [pupils], NaN where unknown. Returns columns
    planning_area, ncy, horizon, forecast, actual, lo90, hi90, lo95, hi95.
    """
    parts = []
    for central, draws, actual, areas, ncys in (
            (projection.central_primary, projection.primary, actual_primary, projection.primary_areas, PRIMARY_NCY),
            (projection.central_secondary, projection.secondary, actual_secondary, projection.secondary_areas,
             SECONDARY_NCY)):
        n_area = len(areas)
        forecast = central[..., :horizon]
        bounds = (interval_bounds(draws[..., :horizon]) if with_draws
                  else np.full((len(BOUNDS),) + forecast.shape, np.nan))
        part = {
            "planning_area": np.repeat(np.asarray(areas, dtype=object), 7 * horizon),
            "ncy": np.tile(np.repeat(np.asarray(ncys), horizon), n_area),
            "horizon": np.tile(np.arange(1, horizon + 1), n_area * 7),
            "forecast": forecast.ravel(),
            "actual": np.asarray(actual, dtype=float).ravel(),
        }
        part.update({name: bounds[i].ravel() for i, name in enumerate(BOUNDS)})
        parts.append(part)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def authority_columns(projection: Projection, actual_primary: np.ndarray, actual_secondary: np.ndarray,
                      horizon: int, with_draws: bool) -> dict[str, np.ndarray]:
    """Authority x phase x horizon rows: forecast, actual, DfE accuracy and interval.

    Cells with an unknown actual are left out of the forecast, the actual and the draws
    alike (DfE sums forecasts and actuals over the same year groups).
    """
    rows: dict[str, list] = {k: [] for k in ("phase", "horizon", "forecast", "actual") + BOUNDS}
    blocks = {"primary": (projection.central_primary, projection.primary, actual_primary),
              "secondary": (projection.central_secondary, projection.secondary, actual_secondary)}
    for phase, block, slots in AUTHORITY_PHASES:
        central, draws, actual = blocks[block]
        actual = np.asarray(actual, dtype=float)[:, slots, :horizon]
        known = ~np.isnan(actual)
        forecast = np.where(known, central[:, slots, :horizon], 0.0).sum(axis=(0, 1))
        observed = np.where(known.any(axis=(0, 1)), np.nansum(actual, axis=(0, 1)), np.nan)
        if with_draws:
            totals = np.where(known[None], draws[:, :, slots, :horizon], 0.0).sum(axis=(1, 2))
            bounds = interval_bounds(totals)
        else:
            bounds = np.full((len(BOUNDS), horizon), np.nan)
        rows["phase"].append(np.full(horizon, phase, dtype=object))
        rows["horizon"].append(np.arange(1, horizon + 1))
        rows["forecast"].append(forecast)
        rows["actual"].append(observed)
        for i, name in enumerate(BOUNDS):
            rows[name].append(bounds[i])
    out = {k: np.concatenate(v) for k, v in rows.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        out["dfe_accuracy_pct"] = np.where(out["actual"] > 0, (out["forecast"] - out["actual"]) / out["actual"] * 100,
                                           np.nan)
    return out


def phase_totals(projection: Projection, horizon: int, with_draws: bool) -> dict[str, np.ndarray]:
    """Authority totals of every phase for horizons 1 ... ``horizon``: the whole forecast, whatever is known.

    Returns columns phase, horizon, forecast (central) [pupils], p05, p95 (quantiles of the draws'
    totals; NaN without draws) [pupils].
    """
    rows: dict[str, list] = {k: [] for k in ("phase", "horizon", "forecast", "p05", "p95")}
    blocks = {"primary": (projection.central_primary, projection.primary),
              "secondary": (projection.central_secondary, projection.secondary)}
    for phase, block, slots in AUTHORITY_PHASES:
        central, draws = blocks[block]
        rows["phase"].append(np.full(horizon, phase, dtype=object))
        rows["horizon"].append(np.arange(1, horizon + 1))
        rows["forecast"].append(central[:, slots, :horizon].sum(axis=(0, 1)))
        if with_draws:
            low, high = np.quantile(draws[:, :, slots, :horizon].sum(axis=(1, 2)), (0.05, 0.95), axis=0)
        else:
            low = high = np.full(horizon, np.nan)
        rows["p05"].append(low)
        rows["p95"].append(high)
    return {k: np.concatenate(v) for k, v in rows.items()}


def run_base_years(scenario, first_base: int, end: int) -> list[int]:
    """Base years to run: from ``first_base`` to the year before ``end`` (the last outturn), those truncate accepts."""
    return [b for b in allowed_base_years(scenario) if first_base <= b < end]


def backtest(scenario, draws: int = 200, seed: int | None = None, min_window: int | None = None, *,
             settings: UncertaintySettings | None = None,
             progress: Callable[[float, str], None] | None = None) -> BacktestResult:
    """Rolling-origin back-test of the projection method against the pupils table.

    Parameters
    ----------
    scenario : Scenario
        Loaded or in-memory scenario; its ``pupils`` table is both the history and the
        outturn (with, for the ledger, its later ``observed_totals``). Its ``policy`` is the
        method tested; its ``council_forecast_record``, if any, goes beside it in the ledger.
    draws : int
        Monte Carlo draws per base year and method [draws]; 0 = central projections only
        (intervals and coverage NaN).
    seed : int, optional
        Random seed; default ``meta.seed``. Same seed, same tables.
    min_window : int, optional
        Years of cohort ratios required before a base year; default ``policy.ratio_window``.
    settings : UncertaintySettings, optional
        Monte Carlo settings (default: the engine's). By default each base year's ranges come from
        the records of forecasts whose outcome was known then (the scenario's ``forecast_errors`` for
        the method's runs, and each method's own record of the scenario's planning areas): a base
        year with none known (the first) gets no range. ``intervals="resample"`` draws from the
        ratios' past errors instead, at every base year.
    progress : callable, optional
        ``progress(done, step)``, called after each base year with the fraction of base years done (1 after
        the last) and a label ("3 of 9 base years"); it changes nothing in the results.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ValueError
        If the history is too short for any base year.
    """
    config = scenario.config
    policy = config.policy
    seed = config.meta.seed if seed is None else int(seed)
    window = policy.ratio_window if min_window is None else int(min_window)
    years = scenario.tables["pupils"]["academic_year"]
    first, last = int(years.min()), int(years.max())
    bases = base_years(first, last, window)
    if not bases:
        raise ValueError(f"pupil history {first}-{last} is too short for a back-test with a {window}-year window "
                         f"(base years run from first year + window to last year - 1)")
    outturn = demand_inputs(with_policy(truncate_meta(scenario, last), policy, horizon=1))
    actuals = outturn_totals(scenario.tables["pupils"], scenario.tables.get("observed_totals"), config.meta.la_code)
    end = max(last, int(actuals["academic_year"].max()))
    policies = {"method": policy, "naive": naive_policy(policy)}
    # The draws at each base come from the records of forecasts whose outcomes were known by then.
    from placeplan.backtest.record import area_observed_year, local_record, national_table

    national = national_table(scenario)  # the record of the scenario's own method: for its runs only
    national = split_errors(national) if national is not None and draws > 0 else national
    resampling = settings is not None and settings.intervals == "resample"  # the old ratio-resampling draws
    records = {name: split_errors(local_record(scenario, pol)) for name, pol in policies.items()} if draws > 0 else {}
    cells, totals, ledger_totals, events = [], [], [], []
    places = area_places(scenario.tables, outturn.primary_areas, outturn.secondary_areas)
    origins = sorted(set(bases) | set(run_base_years(scenario, first + window, end)))
    for done, b in enumerate(origins, start=1):
        horizon = last - b  # years the back-test scores (the year-group history)
        known = truncate(scenario, b)
        columns = np.searchsorted(outturn.history_years, np.arange(b + 1, last + 1))
        actual_p = outturn.primary_nor[..., columns]
        actual_s = outturn.secondary_nor[..., columns]
        for name, pol in policies.items():
            inputs = demand_inputs(with_policy(known, pol, horizon=end - b))
            errors = (error_inputs(national if name == "method" else None, records[name], b,
                                   area_observed_year(scenario, b)) if draws > 0 else None)
            # no outcome known yet at this base (the first one): nothing to draw ranges from, so none
            n = draws if errors is not None or resampling else 0
            projection = run_projection(inputs, n, stream(seed, b) if n > 0 else None, settings, errors)
            keys = {"method": name, "base_year": b}
            ledger_totals.append({**keys, **phase_totals(projection, end - b, n > 0)})
            if b in bases:
                cells.append({**keys, **cell_columns(projection, actual_p, actual_s, horizon, n > 0)})
                totals.append({**keys, **authority_columns(projection, actual_p, actual_s, horizon, n > 0)})
                if name == "method" and n > 0:
                    events.append({"base_year": b, **event_columns(
                        projection, actual_p, actual_s, inputs.primary_nor[..., -1], inputs.secondary_nor[..., -1],
                        horizon, places)})
        if progress is not None:
            progress(done / len(origins), f"{done} of {len(origins)} base years")
    detail = _frame(cells, ["method", "base_year", "horizon", "academic_year", "phase", "planning_area", "ncy",
                            "forecast", "actual", *BOUNDS])
    authority = _frame(totals, ["method", "base_year", "horizon", "academic_year", "phase", "forecast", "actual",
                                "dfe_accuracy_pct", *BOUNDS])
    summary = summary_table(detail, authority)
    ledger = build_ledger(stack(ledger_totals), actuals, scenario.tables.get("council_forecast_record"),
                          config.meta.as_at)
    record = stack(events)[RECORD_COLUMNS] if events else pd.DataFrame(columns=RECORD_COLUMNS)
    reliability, brier = record_tables(record, scope_name(scenario))
    return BacktestResult(detail=detail, authority=authority, summary=summary, by_ncy=by_ncy_table(detail),
                          comparison=comparison_table(summary), base_years=tuple(bases), draws=int(draws),
                          seed=seed, policy=policy, naive_policy=policies["naive"], ledger=ledger,
                          record=record, reliability=reliability, brier=brier)


def scope_name(scenario) -> str:
    """Scope label of a scenario's reliability tables: its LA name in lower case (e.g. ``herefordshire``)."""
    return str(scenario.config.meta.la_name or scenario.config.meta.name).strip().lower()


def truncate_meta(scenario, base_year: int):
    """The scenario with ``meta.base_year`` set (tables untouched): the outturn's view of history."""
    meta = scenario.config.meta.model_copy(update={"base_year": int(base_year)})
    return dataclasses.replace(scenario, config=scenario.config.model_copy(update={"meta": meta}))


def stack(blocks: Sequence[dict]) -> pd.DataFrame:
    """Stack per-projection column blocks into one table; scalar entries (method, base_year ...) repeat."""
    sizes = [len(block["horizon"]) for block in blocks]
    columns = {}
    for key in blocks[0]:
        values = [block[key] for block in blocks]
        if isinstance(values[0], np.ndarray):
            columns[key] = np.concatenate(values)
        else:
            columns[key] = np.repeat(np.asarray(values, dtype=object if isinstance(values[0], str) else None), sizes)
    return pd.DataFrame(columns)


def _frame(blocks: Sequence[dict], order: list[str]) -> pd.DataFrame:
    """Stack the blocks, add academic_year (and phase from ncy), order the columns."""
    out = stack(blocks)
    out["base_year"] = out["base_year"].astype(int)
    out["academic_year"] = out["base_year"] + out["horizon"]
    if "ncy" in out.columns:
        out["phase"] = phase_of_ncy(out["ncy"])
    return out[order]
