"""The back-test over every English local authority, each as one primary + one secondary area.

Inputs are the committed national tables (``scenarios/national/``, built by
``tools/build_national_data.py``): pupils by LA, NCY and academic year, and births by LA
and academic year of birth. Each LA becomes a two-area scenario:

* primary planning area ``<la>P`` (NCY 0-6) and secondary planning area ``<la>S`` (NCY
  7-13); Year 7 transfer is then the LA's own Y7 / Y6 ratio (the engine's county pool);
* births by LA (``area`` = the LA code) with a birth share of 1 for ``<la>P``;
* no housing rows (yields 0): the national back-test tests the trend method alone;
* the policy given (default: the engine's, a 3-year mean).

:func:`la_scenario` builds that scenario in memory (a real :class:`Scenario`, so
:func:`placeplan.backtest.backtest` runs on it unchanged). :func:`national_backtest` runs
the same rolling-origin back-test for every LA but builds the engine's
:class:`~placeplan.demand.DemandInputs` straight from arrays (:func:`la_inputs`): the same
truncation rule, about 30 times faster than going through tables, and
``tests/test_backtest_national.py`` checks that both routes give identical inputs and
forecasts. Only authority x phase figures are kept (forecast, actual, DfE accuracy,
interval).

LAs are left out, with the reason in ``NationalResult.excluded``, when they have no births
rows or a pupil history too short for one base year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from placeplan.backtest.core import METHODS, base_years, naive_policy
from placeplan.backtest.national_intervals import LEVELS, method_intervals
from placeplan.backtest.metrics import DFE_PHASES, authority_metrics, horizon_label, inside
from placeplan.backtest.record import national_record
from placeplan.backtest.reliability import RECORD_COLUMNS, record_tables
from placeplan.demand import DemandInputs
from placeplan.demand import national_local as nl
from placeplan.demand.inputs import RECEPTION_AGE
from placeplan.scenario.load import Scenario
from placeplan.scenario.schema import Policy, ScenarioFile

IN_MEMORY = "<in memory>"
NCY = tuple(range(14))
# The national comparison: the policy tested, the naive reference, and the national-plus-local method.
NATIONAL_METHODS = METHODS + ("national_local",)
INTERVAL_COLUMNS = tuple(f"{end}{level}" for level in LEVELS for end in ("lo", "hi"))


@dataclass(frozen=True)
class NationalResult:
    """The national back-test's tables.

    Attributes
    ----------
    authority : DataFrame
        One row per LA, method, base year, horizon and phase: la_code, la_name, method,
        base_year, horizon, academic_year, phase, forecast, actual, dfe_accuracy_pct,
        lo80, hi80, lo90, hi90, lo95, hi95 (the empirical ranges drawn at that base year from the
        method's own record of earlier outcomes: :mod:`~placeplan.backtest.national_intervals`).
    per_la : DataFrame
        Per LA, method, phase (primary, secondary) and horizon label (``"1"`` ... ``"5"``,
        ``"6+"``): la_code, la_name, method, phase, horizon, n_base, dfe_accuracy_pct (mean
        over base years), abs_accuracy_pct (mean of absolute values), coverage90,
        coverage95 (authority level, over base years), actual_mean [pupils].
    distribution : DataFrame
        Across LAs, per method, phase and horizon label: n_la, n, median, p10, p90 of
        dfe_accuracy_pct and of abs_accuracy_pct; coverage90, coverage95: mean over LAs of
        their authority-level interval coverage; england_pct: the accuracy of the sum over
        LAs (as DfE's national figure), averaged over base years.
    distribution_la_year : DataFrame
        The same over every LA x base year (one forecast each, as an LA's scorecard shows
        it) rather than over LAs' means: wider; ``n`` counts LA x base years.
    england : DataFrame
        Sum over the LAs included, per method, base year, horizon and phase: forecast,
        actual, dfe_accuracy_pct.
    excluded : DataFrame
        la_code, la_name, reason.
    base_years : tuple of int
    draws, seed : int
    policy, naive_policy : Policy
    cells : DataFrame
        Every LA x year group x horizon x base year scored: la_code, base_year, horizon, ncy,
        inside80, inside90, inside95 (1 if the census count lay inside that range), method.
    cell_coverage, coverage : DataFrame
        Coverage of the ranges per method, phase and horizon label: of cells (LA x year group) and
        of authority totals, at 80, 90 and 95% (n, coverage80, coverage90, coverage95).
    record : DataFrame
        The national_local method's chance of the ``growth`` event (a year group larger at ``b + h`` than at the
        base year ``b``; :mod:`~placeplan.backtest.events`) per LA x NCY x horizon and base year:
        la_code, base_year, horizon, planning_area (``<la>P`` / ``<la>S``), ncy, event, threshold
        [pupils], predicted, outcome. No ``places`` event: there are no national capacity tables.
    reliability, brier : DataFrame
        Its reliability tables and Brier scores (scope ``national``), all LAs pooled.
    alphas : DataFrame
        base_year, deviation_alpha: the national_local smoothing constant used at each base year
        (chosen from the deviations of every LA up to that year with ``deviation_alpha: auto``).
    """

    authority: pd.DataFrame = field(repr=False)
    per_la: pd.DataFrame = field(repr=False)
    distribution: pd.DataFrame = field(repr=False)
    distribution_la_year: pd.DataFrame = field(repr=False)
    england: pd.DataFrame = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    base_years: tuple[int, ...]
    draws: int
    seed: int
    policy: Policy
    naive_policy: Policy
    record: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    brier: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    alphas: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    cell_coverage: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables to write as CSV, by file stem."""
        return {"backtest_national": self.distribution, "backtest_national_la_year": self.distribution_la_year,
                "backtest_national_alpha": self.alphas,
                "backtest_national_by_la": self.per_la,
                "backtest_national_authority": self.authority, "backtest_national_england": self.england,
                "backtest_national_excluded": self.excluded, "backtest_national_reliability": self.reliability,
                "backtest_national_brier": self.brier, "backtest_national_reliability_record": self.record,
                "backtest_national_coverage": self.coverage, "backtest_national_cell_coverage": self.cell_coverage}


def default_national_folder() -> Path:
    """``scenarios/national`` in the working folder, else in the project (as the default scenario)."""
    here = Path.cwd() / "scenarios" / "national"
    if (here / "pupils_by_la.csv").is_file():
        return here
    return Path(__file__).resolve().parents[2] / "scenarios" / "national"


def read_national_tables(folder: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read ``pupils_by_la.csv`` and ``births_by_la.csv`` (codes kept as text).

    ``folder`` defaults to :func:`default_national_folder`. This is the package's only file
    reading; everything else takes DataFrames.
    """
    folder = Path(folder) if folder is not None else default_national_folder()
    codes = {"la_code": str, "gss_code": str}
    return (pd.read_csv(folder / "pupils_by_la.csv", dtype=codes),
            pd.read_csv(folder / "births_by_la.csv", dtype=codes))


# ---------------------------------------------------------------- one LA as a scenario
def la_scenario(pupils_by_la: pd.DataFrame, births_by_la: pd.DataFrame, la_code: str,
                policy: Policy | None = None, national_ratios: pd.DataFrame | None = None) -> Scenario:
    """One LA of the national tables as an in-memory two-area scenario (see the module docstring).

    ``meta.base_year`` is the last year of the LA's pupils; the horizon is 1 (the back-test
    sets its own). Capital, capacity and school tables are empty: only the demand
    projection can run on it. ``national_ratios`` (a :func:`national_ratio_table`) becomes
    the scenario's national reference.
    """
    la_code = str(la_code)
    pupils = pupils_by_la[pupils_by_la["la_code"] == la_code]
    births = births_by_la[births_by_la["la_code"] == la_code]
    if pupils.empty or births.empty:
        raise ValueError(f"LA {la_code}: no {'pupils' if pupils.empty else 'births'} rows in the national tables")
    name = str(pupils["la_name"].iloc[0])
    last = int(pupils["academic_year"].max())
    primary, secondary = f"{la_code}P", f"{la_code}S"
    config = ScenarioFile.model_validate({
        "meta": {"name": f"la_{la_code}", "title": f"{name} (national back-test)", "la_code": la_code,
                 "la_gss_code": str(pupils["gss_code"].iloc[0]), "la_name": name, "base_year": last,
                 "horizon_years": 1, "programme_date": dt.date(last + 1, 9, 1), "draws": 1},
        "planning_areas": {"table": IN_MEMORY}, "schools": {"table": IN_MEMORY, "capacity": IN_MEMORY},
        "pupils": {"table": IN_MEMORY, **({"national_ratios": IN_MEMORY} if national_ratios is not None else {})},
        "births": {"table": IN_MEMORY, "shares": IN_MEMORY},
        "housing": {"table": IN_MEMORY, "yields": IN_MEMORY},
        "policy": (policy or Policy()).model_dump(),
    })
    source = "national tables (scenarios/national)"
    tables = {
        "planning_areas": pd.DataFrame({
            "planning_area": [primary, secondary], "name": [f"{name} primary", f"{name} secondary"],
            "phase": ["primary", "secondary"], "kind": ["official", "official"], "parent": [None, None],
            "source": [source, source]}),
        "pupils": pd.DataFrame({
            "academic_year": pupils["academic_year"].astype(int).to_numpy(),
            "planning_area": np.where(pupils["ncy"].to_numpy() <= 6, primary, secondary).astype(object),
            "ncy": pupils["ncy"].astype(int).to_numpy(), "nor": pupils["nor"].astype(int).to_numpy(),
            "source": source}),
        "births": pd.DataFrame({
            "area": la_code, "birth_year": births["birth_year"].astype(int).to_numpy(),
            "births": births["births"].astype(float).to_numpy(), "births_low": np.nan, "births_high": np.nan,
            "kind": births["kind"].to_numpy(), "source": source}),
        "birth_shares": pd.DataFrame({"planning_area": [primary], "share": [1.0], "source": [source]}),
        "housing": pd.DataFrame({"planning_area": pd.Series(dtype=object), "academic_year": pd.Series(dtype=int),
                                 "dwellings": pd.Series(dtype=float), "kind": pd.Series(dtype=object),
                                 "source": pd.Series(dtype=object)}),
        "pupil_yields": pd.DataFrame({"provision": ["primary", "secondary", "sixth_form"],
                                      "yield_per_dwelling": [0.0] * 3, "low": [0.0] * 3, "high": [0.0] * 3,
                                      "source": ["no housing in the national back-test"] * 3}),
    }
    if national_ratios is not None:
        tables["national_ratios"] = national_ratios.reset_index(drop=True)
    return Scenario(config=config, tables=tables, path=Path(IN_MEMORY))


# ---------------------------------------------------------------- one LA as arrays
@dataclass(frozen=True, eq=False)
class LASeries:
    """One LA's history as arrays: pupils (14 NCY, year) and births (birth year)."""

    la_code: str
    la_name: str
    years: np.ndarray  # academic years, contiguous
    nor: np.ndarray  # (14, year) [pupils]; NaN where no row
    birth_years: np.ndarray  # contiguous
    births: np.ndarray  # (birth year,) [births]
    births_kind: tuple[str, ...]


def la_series(pupils: pd.DataFrame, births: pd.DataFrame, la_code: str, la_name: str) -> LASeries:
    """Arrays of one LA from its rows of the national tables."""
    years = np.arange(int(pupils["academic_year"].min()), int(pupils["academic_year"].max()) + 1)
    index = pd.MultiIndex.from_product([NCY, years], names=["ncy", "academic_year"])
    nor = (pupils.groupby(["ncy", "academic_year"])["nor"].sum().astype(float).reindex(index).to_numpy()
           .reshape(len(NCY), len(years)))
    births = births.sort_values("birth_year")
    birth_years = np.arange(int(births["birth_year"].min()), int(births["birth_year"].max()) + 1)
    keyed = births.set_index("birth_year")
    values = keyed["births"].astype(float).reindex(birth_years).to_numpy()
    kinds = tuple(keyed["kind"].reindex(birth_years).fillna("actual"))
    return LASeries(la_code, la_name, years, nor, birth_years, values, kinds)


def national_series(pupils_by_la: pd.DataFrame, births_by_la: pd.DataFrame, la_codes=None,
                    window: int = 3) -> tuple[list[LASeries], list[tuple[str, str, str]]]:
    """Every LA's arrays, and the LAs left out with the reason (no pupils, no births, history too short)."""
    pupils_by_la = pupils_by_la.astype({"la_code": str})
    births_by_la = births_by_la.astype({"la_code": str})
    names = pupils_by_la.drop_duplicates("la_code").set_index("la_code")["la_name"]
    wanted = list(names.index) if la_codes is None else [str(c) for c in la_codes]
    pupil_groups = dict(tuple(pupils_by_la.groupby("la_code")))
    birth_groups = dict(tuple(births_by_la.groupby("la_code")))
    series, excluded = [], []
    for la in wanted:
        name = str(names.get(la, ""))
        if la not in pupil_groups:
            excluded.append((la, name, "no pupils rows"))
        elif la not in birth_groups:
            excluded.append((la, name, "no births rows (see scenarios/national/README.md)"))
        else:
            one = la_series(pupil_groups[la], birth_groups[la], la, name)
            if base_years(one.years[0], one.years[-1], window):
                series.append(one)
            else:
                excluded.append((la, name, f"pupil history {one.years[0]}-{one.years[-1]} too short for a "
                                           f"{window}-year window"))
    return series, excluded


# ---------------------------------------------------------------- national pooled ratios
@dataclass(frozen=True, eq=False)
class NationalHistory:
    """National pooled ratio histories of the national tables, and each LA's own ratios.

    years : academic years (contiguous) of the ratios' numerators
    ratio, numerator, denominator : (14 slots, year): slot g the ratio into NCY g (slot 0 Reception /
        births five years earlier), pooled over the LAs where both parts are known [ratio; pupils]
    n_la : (14, year) LAs pooled
    la_codes : LA axis of ``la_ratio``
    la_ratio : (LA, 14, year) each LA's own ratio [ratio], NaN where not defined
    la_weight : (LA, 14, year) the pupils behind it (its denominator) [pupils], NaN where not defined

    A year's pooled ratio uses that year's and the year before's counts only, so the history
    truncated at a base year ``b`` (years <= b) is exactly what was known at ``b``.
    """

    years: np.ndarray
    ratio: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    n_la: np.ndarray
    la_codes: tuple[str, ...]
    la_ratio: np.ndarray
    la_weight: np.ndarray | None = None

    def known_at(self, base_year: int, years: np.ndarray) -> np.ndarray:
        """(14, len(years)) national ratios on ``years``, NaN after ``base_year`` and outside the tables [ratio]."""
        years = np.asarray(years, dtype=int)
        out = np.full((len(NCY), len(years)), np.nan)
        column = years - int(self.years[0])
        ok = (column >= 0) & (column < len(self.years)) & (years <= int(base_year))
        out[:, ok] = self.ratio[:, column[ok]]
        return out

    def deviations(self, base_year: int) -> np.ndarray:
        """(LA, 14, year <= base) each LA's ratio minus the national ratio, years up to ``base_year`` [ratio]."""
        keep = self.years <= int(base_year)
        return self.la_ratio[..., keep] - self.ratio[None, :, keep]

    def weights(self, base_year: int) -> np.ndarray | None:
        """(LA, 14, year <= base) the pupils behind each LA's ratio, as :meth:`deviations` [pupils]."""
        if self.la_weight is None:
            return None
        return self.la_weight[..., self.years <= int(base_year)]


def national_history(pupils_by_la: pd.DataFrame, births_by_la: pd.DataFrame) -> NationalHistory:
    """Pool every LA of the national tables into national ratio histories (see :class:`NationalHistory`).

    ``pupils_by_la`` (academic_year, la_code, ncy, nor) [pupils] and ``births_by_la`` (la_code,
    birth_year, births) [births]: Reception in year t is set against births of birth year t - 5.
    """
    pupils = pupils_by_la.astype({"la_code": str})
    births = births_by_la.astype({"la_code": str})
    codes = tuple(sorted(pupils["la_code"].unique()))
    years = np.arange(int(pupils["academic_year"].min()), int(pupils["academic_year"].max()) + 1)
    index = pd.MultiIndex.from_product([codes, NCY, years])
    nor = (pupils.groupby(["la_code", "ncy", "academic_year"])["nor"].sum().astype(float).reindex(index)
           .to_numpy().reshape(len(codes), len(NCY), len(years)))
    cohort_index = pd.MultiIndex.from_product([codes, years - RECEPTION_AGE])
    cohort = (births.groupby(["la_code", "birth_year"])["births"].sum().astype(float).reindex(cohort_index)
              .to_numpy().reshape(len(codes), len(years)))
    top, bottom = nl.ratio_parts(nor, cohort)
    ratio, numerator, denominator = nl.pooled_ratio(top, bottom)
    valid = np.isfinite(top) & np.isfinite(bottom) & (bottom > 0)
    la_ratio = np.where(valid, top / np.where(valid, bottom, 1.0), np.nan)
    return NationalHistory(years, ratio, numerator, denominator, valid.sum(axis=0), codes, la_ratio,
                           np.where(valid, bottom, np.nan))


def national_ratio_table(history: NationalHistory, source: str) -> pd.DataFrame:
    """The ``national_ratios`` scenario table of a :class:`NationalHistory`, one row per year and ratio with a value.

    Columns academic_year, ratio (reception, y1 ... y13), national_ratio, numerator, denominator,
    n_la, source.
    """
    rows = []
    for j, year in enumerate(history.years):
        for g, name in enumerate(nl.RATIO_NAMES):
            if np.isnan(history.ratio[g, j]):
                continue
            rows.append({"academic_year": int(year), "ratio": name, "national_ratio": history.ratio[g, j],
                         "numerator": history.numerator[g, j], "denominator": history.denominator[g, j],
                         "n_la": int(history.n_la[g, j]), "source": source})
    return pd.DataFrame(rows, columns=["academic_year", "ratio", "national_ratio", "numerator", "denominator",
                                       "n_la", "source"])


def chosen_alphas(history: NationalHistory, bases, grid=nl.ALPHA_GRID) -> dict[int, float]:
    """The ``auto`` deviation smoothing constant of each base year, from every LA's deviations up to it.

    Each LA's errors count by the pupils behind its ratios (:func:`placeplan.demand.national_local.choose_alpha`).
    """
    return {int(b): nl.choose_alpha(history.deviations(b), grid, history.weights(b)) for b in sorted(set(bases))}


def policy_at(policy: Policy, base_year: int, alphas: dict[int, float] | None) -> Policy:
    """The policy used at one base year: ``deviation_alpha: auto`` of national_local replaced by that year's choice."""
    if policy.ratio_method == "national_local" and policy.deviation_alpha == "auto" and alphas:
        return policy.model_copy(update={"deviation_alpha": alphas[int(base_year)]})
    return policy


def national_local_policy(policy: Policy) -> Policy:
    """The national-plus-local reference's policy: the policy's window and smoothing settings, ``national_local``."""
    return policy.model_copy(update={"ratio_method": "national_local", "ratio_weights": None})


def la_inputs(series: LASeries, base_year: int, horizon: int, policy: Policy,
              national: NationalHistory | None = None) -> DemandInputs:
    """The engine's inputs for one LA at base year ``b``, as ``demand_inputs(truncate(la_scenario, b))`` gives them.

    Same rule as :func:`placeplan.backtest.truncate.truncate`: pupils up to ``b``; births
    known up to birth year ``b - 1`` and carried flat after it (``projected``); no housing.
    With ``national``, the national pooled ratios of the years up to ``b`` go in as the
    national reference (``DemandInputs.national_primary`` / ``national_secondary``).
    """
    b = int(base_year)
    history = series.years[series.years <= b]
    if not len(history) or history[-1] != b:
        raise ValueError(f"LA {series.la_code}: no pupils for base year {b}")
    cut = len(history)
    years = np.arange(b + 1, b + horizon + 1)
    birth_years = np.arange(history[0] - RECEPTION_AGE, years[-1] - RECEPTION_AGE + 1)
    offset = birth_years - series.birth_years[0]
    inside = (offset >= 0) & (offset < len(series.birth_years))
    known = inside & (birth_years <= b - 1)
    if not known.any():
        raise ValueError(f"LA {series.la_code}: no births up to birth year {b - 1}")
    births = np.full(len(birth_years), np.nan)
    births[known] = series.births[offset[known]]
    last = np.flatnonzero(known)[-1]
    births[last + 1:] = births[last]  # known at b: carried flat (truncate's rule)
    # kinds as demand_inputs reports them: before the table "actual" (NaN births), after the cut "projected"
    kinds = tuple(series.births_kind[o] if k else ("actual" if o < 0 else "projected")
                  for o, k in zip(offset, known))
    housing_years = np.arange(b - policy.ratio_window + 1, years[-1] + 1)
    nor = series.nor[:, :cut]
    reference = national.known_at(b, history) if national is not None else None
    return DemandInputs(
        base_year=b, years=years, history_years=history, primary_areas=(f"{series.la_code}P",),
        secondary_areas=(f"{series.la_code}S",), primary_nor=nor[None, 0:7], secondary_nor=nor[None, 7:14],
        birth_years=birth_years, births=births[None], births_sd=np.zeros((1, len(birth_years))),
        births_kind=kinds, housing_years=housing_years, dwellings=np.zeros((1, len(housing_years))),
        planned=np.zeros((1, len(housing_years)), dtype=bool), yields=np.zeros(3), yields_low=np.zeros(3),
        yields_high=np.zeros(3), delivery_factor=1.0, secondary_share=np.ones((1, 1)), policy=policy,
        national_primary=None if reference is None else reference[:7],
        national_secondary=None if reference is None else reference[7:],
    )


# ---------------------------------------------------------------- the national run
def national_backtest(pupils_by_la: pd.DataFrame, births_by_la: pd.DataFrame, policy: Policy | None = None,
                      draws: int = 100, seed: int = 0, *, la_codes=None,
                      min_window: int | None = None) -> NationalResult:
    """Back-test the projection method, the naive reference and the national-plus-local method on every LA.

    Parameters
    ----------
    pupils_by_la, births_by_la : DataFrame
        The national tables (:func:`read_national_tables`).
    policy : Policy, optional
        Ratio window and method tested (default ``Policy()``: 3-year mean).
    draws : int
        Monte Carlo draws per LA, base year and method; 0 = central only.
    seed : int
        Random seed; each LA has its own streams derived from it.
    la_codes : iterable of str, optional
        Only these LAs (default all).
    min_window : int, optional
        Years of ratios required before a base year (default ``policy.ratio_window``).

    Returns
    -------
    NationalResult
    """
    policy = policy or Policy()
    window = policy.ratio_window if min_window is None else int(min_window)
    series, excluded = national_series(pupils_by_la, births_by_la, la_codes, window)
    if not series:
        raise ValueError("no LA could be back-tested")
    national = national_history(pupils_by_la, births_by_la)  # once per run: every LA in the tables
    alphas = chosen_alphas(national, base_years(national.years[0], national.years[-1], 1))
    policies = {"method": policy, "naive": naive_policy(policy), "national_local": national_local_policy(policy)}
    names = {s.la_code: s.la_name for s in series}
    authority, cells, events = [], [], []
    for name, pol in policies.items():
        record = national_record(series, pol, window, national, alphas)
        parts = method_intervals(record, draws, seed)
        authority.append(parts["authority"].assign(method=name))
        cells.append(parts["cells"].assign(method=name))
        if name == "national_local" and len(parts["events"]):
            events.append(parts["events"])
    authority = pd.concat(authority, ignore_index=True).rename(columns={"unit": "la_code"})
    authority["la_name"] = authority["la_code"].map(names)
    authority["academic_year"] = authority["base_year"].astype(int) + authority["horizon"]
    authority = authority[["la_code", "la_name", "method", "base_year", "horizon", "academic_year", "phase",
                           "forecast", "actual", "dfe_accuracy_pct", *INTERVAL_COLUMNS]]
    cells = pd.concat(cells, ignore_index=True).rename(columns={"unit": "la_code"})
    per_la = _per_la(authority)
    england = _england(authority)
    if events:
        record = pd.concat(events, ignore_index=True).rename(columns={"unit": "la_code"})
        record["planning_area"] = record["la_code"] + np.where(record["ncy"] <= 6, "P", "S")
        record = record[["la_code", *RECORD_COLUMNS]]
    else:
        record = pd.DataFrame(columns=["la_code", *RECORD_COLUMNS])
    reliability, brier = record_tables(record, "national")
    bases = sorted(authority["base_year"].unique())
    return NationalResult(
        authority=authority, per_la=per_la, distribution=_distribution(per_la, england),
        distribution_la_year=_distribution(_la_years(authority), england), england=england,
        excluded=pd.DataFrame(excluded, columns=["la_code", "la_name", "reason"]),
        base_years=tuple(int(b) for b in bases), draws=int(draws), seed=int(seed), policy=policy,
        naive_policy=policies["naive"], record=record, reliability=reliability, brier=brier,
        alphas=pd.DataFrame({"base_year": bases, "deviation_alpha": [alphas[int(b)] for b in bases]}),
        cells=cells, cell_coverage=cell_coverage(cells), coverage=authority_coverage(authority),
    )


def _per_la(authority: pd.DataFrame) -> pd.DataFrame:
    """Per LA x method x phase x horizon label: mean accuracy over base years, coverage."""
    dfe = authority[authority["phase"].isin(DFE_PHASES)]
    keys = ["la_code", "la_name", "method", "phase", "horizon"]
    out = authority_metrics(dfe, keys).rename(columns={"coverage90_authority": "coverage90",
                                                       "coverage95_authority": "coverage95"})
    size = dfe.assign(horizon=horizon_label(dfe["horizon"])).groupby(keys)["actual"].mean().rename("actual_mean")
    return out.merge(size.reset_index(), on=keys, how="left")


def _england(authority: pd.DataFrame) -> pd.DataFrame:
    """Sums over LAs per method, base year, horizon and phase, and their DfE accuracy."""
    dfe = authority[authority["phase"].isin(DFE_PHASES) & authority["actual"].notna()]
    out = dfe.groupby(["method", "base_year", "horizon", "phase"], as_index=False)[["forecast", "actual"]].sum()
    out["n_la"] = dfe.groupby(["method", "base_year", "horizon", "phase"])["la_code"].nunique().to_numpy()
    out["dfe_accuracy_pct"] = (out["forecast"] - out["actual"]) / out["actual"] * 100
    return out


def _distribution(per_la: pd.DataFrame, england: pd.DataFrame) -> pd.DataFrame:
    """Median, 10th and 90th percentiles across LAs (or LA x base years), and the England figure."""
    keys = ["method", "phase", "horizon"]
    grouped = per_la[per_la["dfe_accuracy_pct"].notna()].groupby(keys)  # e.g. no secondary pupils: no accuracy
    out = pd.DataFrame({"n_la": grouped["la_code"].nunique(), "n": grouped["dfe_accuracy_pct"].count()})
    for column in ("dfe_accuracy_pct", "abs_accuracy_pct"):
        out[f"{column}_median"] = grouped[column].median()
        out[f"{column}_p10"] = grouped[column].quantile(0.1)
        out[f"{column}_p90"] = grouped[column].quantile(0.9)
    out["coverage90"] = grouped["coverage90"].mean()
    out["coverage95"] = grouped["coverage95"].mean()
    nat = england.assign(horizon=horizon_label(england["horizon"])).groupby(keys)["dfe_accuracy_pct"].mean()
    out["england_pct"] = nat.reindex(out.index)
    out = out.reset_index()
    order = {m: i for i, m in enumerate(NATIONAL_METHODS)}
    return (out.assign(_m=out["method"].map(order)).sort_values(["_m", "phase", "horizon"]).drop(columns="_m")
            .reset_index(drop=True))


def _la_years(authority: pd.DataFrame) -> pd.DataFrame:
    """One row per LA, base year, method, DfE phase and horizon label, shaped like ``per_la``."""
    dfe = authority[authority["phase"].isin(DFE_PHASES)]
    return pd.DataFrame({
        "la_code": dfe["la_code"], "method": dfe["method"], "phase": dfe["phase"],
        "horizon": horizon_label(dfe["horizon"]), "dfe_accuracy_pct": dfe["dfe_accuracy_pct"],
        "abs_accuracy_pct": dfe["dfe_accuracy_pct"].abs(),
        "coverage90": inside(dfe["actual"], dfe["lo90"], dfe["hi90"]),
        "coverage95": inside(dfe["actual"], dfe["lo95"], dfe["hi95"]),
    })


def cell_coverage(cells: pd.DataFrame) -> pd.DataFrame:
    """Coverage of LA x year-group cells per method, phase (of the year group) and horizon label."""
    from placeplan.backtest.metrics import phase_of_ncy

    scored = cells.dropna(subset=["inside90"])
    keys = ["method", "phase", "horizon"]
    frame = scored.assign(phase=phase_of_ncy(scored["ncy"]), horizon=horizon_label(scored["horizon"]))
    out = frame.groupby(keys).agg(n=("inside90", "size"), **{f"coverage{lv}": (f"inside{lv}", "mean") for lv in LEVELS})
    return out.reset_index()


def authority_coverage(authority: pd.DataFrame) -> pd.DataFrame:
    """Coverage of authority totals per method, phase and horizon label (LA x base years with a range)."""
    scored = authority.dropna(subset=["lo90", "actual"])
    frame = scored.assign(horizon=horizon_label(scored["horizon"]),
                          **{f"inside{lv}": inside(scored["actual"], scored[f"lo{lv}"], scored[f"hi{lv}"])
                             for lv in LEVELS})
    out = frame.groupby(["method", "phase", "horizon"]).agg(
        n=("inside90", "size"), **{f"coverage{lv}": (f"inside{lv}", "mean") for lv in LEVELS})
    return out.reset_index()
