"""Everything the pupil projection needs, as arrays: built once from a loaded scenario.

Index conventions used throughout ``placeplan.demand``:

* primary areas hold NCY 0-6 (Reception R = 0 ... Year 6), index ``ncy``;
* secondary areas hold NCY 7-13 (Year 7 ... Year 13), index ``ncy - 7``;
* year axes are academic years (the year the September falls in), oldest first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from placeplan.scenario.schema import Policy

PRIMARY_NCY = tuple(range(0, 7))
SECONDARY_NCY = tuple(range(7, 14))
YIELD_PROVISIONS = ("primary", "secondary", "sixth_form")
RECEPTION_AGE = 5  # Reception in academic year t is the cohort born in academic year t - 5
BIRTH_KINDS = ("actual", "nowcast", "projected")


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields explicitly
class DemandInputs:
    """Inputs of the pupil projection, as read-only arrays with their index labels.

    Attributes
    ----------
    base_year : int
        Last academic year with observed pupils [academic year].
    years : ndarray of int, shape (year,)
        Projected academic years, ``base_year + 1 ... base_year + horizon``.
    history_years : ndarray of int, shape (hist,)
        Academic years of the pupil history, contiguous, ending at ``base_year``.
    primary_areas, secondary_areas : tuple of str
        Official planning-area codes.
    primary_nor : ndarray, shape (primary area, 7, hist)
        Pupils on roll, NCY 0-6 [pupils]; NaN where the census row is missing.
    secondary_nor : ndarray, shape (secondary area, 7, hist)
        Pupils on roll, NCY 7-13 [pupils]; NaN where missing.
    birth_years : ndarray of int, shape (birth,)
        Academic years of birth covering the history and the projection (contiguous).
    births : ndarray, shape (primary area, birth)
        Births living in each primary area [births]; NaN before the first births row;
        after the last row the last value is carried forward (counted as projected).
    births_sd : ndarray, shape (primary area, birth)
        Standard deviation of births where the table gives an interval [births]
        (``(births_high - births_low) / (2 * 1.96)``), else 0.
    births_kind : tuple of str, one per birth year
        ``actual``, ``nowcast`` or ``projected``.
    housing_years : ndarray of int, shape (hy,)
        Academic years of completion covering the ratio window and the projection.
    dwellings : ndarray, shape (primary area, hy)
        Completions [dwellings per year]; 0 where the table has no row.
    planned : ndarray of bool, shape (primary area, hy)
        True for planned (trajectory) rows, to which the delivery factor applies.
    yields, yields_low, yields_high : ndarray, shape (3,)
        Pupils per dwelling for primary, secondary, sixth_form [pupils per dwelling].
    delivery_factor : float
        Share of the planned trajectory expected to be built [fraction].
    secondary_share : ndarray, shape (primary area, secondary area)
        Where the secondary-age pupils of a primary area's new homes go [fraction]; rows
        sum to 1.
    policy : Policy
        Ratio window, averaging method, weights, smoothing constant, quantiles.
    transfer : TransferSetup or None
        The Year 6 -> Year 7 transfer (``demand.transfer_setup``); None for the county pool.
    estimated_years : tuple of int
        History years whose year groups are estimated (rolled forward and raked to observed totals,
        ``demand.rebase``); empty when the base year has a full year-group census.
    rebase : DataFrame or None
        Every total the estimated years hold (``demand.rebase.record``).
    ratio_primary_nor, ratio_secondary_nor : ndarray or None
        The histories the cohort ratios are measured on where they differ from ``primary_nor`` /
        ``secondary_nor`` (after a rebase: see ``demand.rebase_run.roll_forward``); None: the same.
    national_primary, national_secondary : ndarray, shape (7, hist), or None
        National pooled ratios aligned with ``history_years`` (the ``national_ratios`` table, or
        the national back-test's pooled histories up to the base year): primary slots as
        ``cohorts.Ratios.primary`` (births-to-Reception, Years 1-6), secondary slots as
        ``Ratios.secondary`` (Year 7 / Year 6 of the whole authority, Years 8-13) [ratio]; NaN
        where unknown. None: no national reference (``national_local`` then uses the
        authority's own pooled ratios).
    """

    base_year: int
    years: np.ndarray
    history_years: np.ndarray
    primary_areas: tuple[str, ...]
    secondary_areas: tuple[str, ...]
    primary_nor: np.ndarray
    secondary_nor: np.ndarray
    birth_years: np.ndarray
    births: np.ndarray
    births_sd: np.ndarray
    births_kind: tuple[str, ...]
    housing_years: np.ndarray
    dwellings: np.ndarray
    planned: np.ndarray
    yields: np.ndarray
    yields_low: np.ndarray
    yields_high: np.ndarray
    delivery_factor: float
    secondary_share: np.ndarray
    policy: Policy
    transfer: Any = None
    estimated_years: tuple[int, ...] = ()
    rebase: Any = None
    ratio_primary_nor: np.ndarray | None = None
    ratio_secondary_nor: np.ndarray | None = None
    national_primary: np.ndarray | None = None
    national_secondary: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name, value in list(vars(self).items()):
            if isinstance(value, np.ndarray):  # own, read-only copies: the inputs never change
                owned = np.array(value, copy=True)
                owned.flags.writeable = False
                object.__setattr__(self, name, owned)

    def ratio_basis(self) -> tuple[np.ndarray, np.ndarray]:
        """The (primary, secondary) pupil histories the cohort ratios are measured on [pupils]."""
        return (self.primary_nor if self.ratio_primary_nor is None else self.ratio_primary_nor,
                self.secondary_nor if self.ratio_secondary_nor is None else self.ratio_secondary_nor)

    @property
    def horizon(self) -> int:
        """Number of projected years [years]."""
        return len(self.years)


def demand_inputs(scenario, secondary_of: Mapping[str, str] | None = None) -> DemandInputs:
    """Build the projection inputs from a loaded scenario (``placeplan.load_scenario``).

    Parameters
    ----------
    scenario : Scenario
        Uses ``config.meta`` (base year, horizon, LA code), ``config.policy``,
        ``config.housing.delivery_factor`` and the tables planning_areas, pupils, births,
        birth_shares, housing and pupil_yields (and observed_totals, school_nor, schools when the
        base year is after the last full year-group census).
    secondary_of : mapping of str to str, optional
        Secondary planning area of each primary planning area, for the secondary and
        sixth-form pupils of new homes. Default: with one secondary area, that area;
        otherwise each secondary area's share of the authority's Year 7 in the base year.

    Returns
    -------
    DemandInputs

    Notes
    -----
    Births per primary area are the rows given for that planning area when every primary
    area has rows; otherwise the authority's rows (``area == meta.la_code``) times the
    area's ``birth_shares.share``. Years after the last full year-group census up to the base
    year are estimated (``demand.rebase``): rolled forward one year at a time and raked to the
    year's observed totals; ``DemandInputs.estimated_years`` lists them and ``rebase`` records
    every total held.
    """
    config, tables = scenario.config, scenario.tables
    meta = config.meta
    base = meta.base_year
    areas = tables["planning_areas"]
    official = areas[areas["kind"] == "official"]
    primary_areas = tuple(official.loc[official["phase"] == "primary", "planning_area"])
    secondary_areas = tuple(official.loc[official["phase"] == "secondary", "planning_area"])
    pupils = tables["pupils"]
    pupils = pupils[pupils["academic_year"] <= base]
    if pupils.empty:
        raise ValueError(f"the pupils table has no rows up to the base year {base}")
    last_full = int(pupils["academic_year"].max())
    history_years = np.arange(pupils["academic_year"].min(), last_full + 1)
    primary_nor = _nor_cube(pupils, primary_areas, PRIMARY_NCY, history_years)
    secondary_nor = _nor_cube(pupils, secondary_areas, SECONDARY_NCY, history_years)
    record = None
    if base > last_full:
        from placeplan.demand.rebase_run import roll_forward

        primary_nor, secondary_nor, history_years, ratio_nor, record = roll_forward(
            lambda p, s, h, years, r: _assemble(scenario, primary_areas, secondary_areas, p, s, h, years,
                                                secondary_of, r),
            scenario, primary_nor, secondary_nor, history_years, base)
    years = np.arange(base + 1, base + meta.horizon_years + 1)
    if record is None:
        return _assemble(scenario, primary_areas, secondary_areas, primary_nor, secondary_nor, history_years, years,
                         secondary_of)
    inputs = _assemble(scenario, primary_areas, secondary_areas, primary_nor, secondary_nor, history_years, years,
                       secondary_of, ratio_nor)
    estimated = tuple(int(y) for y in range(last_full + 1, base + 1))
    return dataclasses.replace(inputs, estimated_years=estimated, rebase=record)


def _assemble(scenario, primary_areas: tuple[str, ...], secondary_areas: tuple[str, ...], primary_nor: np.ndarray,
              secondary_nor: np.ndarray, history_years: np.ndarray, years: np.ndarray,
              secondary_of: Mapping[str, str] | None, ratio_nor: tuple | None = None) -> DemandInputs:
    """DemandInputs from a pupil history (area, ncy, year) ending at the base year, projecting ``years``."""
    config, tables = scenario.config, scenario.tables
    meta, policy = config.meta, config.policy
    base = int(history_years[-1])
    birth_years = np.arange(history_years[0] - RECEPTION_AGE, years[-1] - RECEPTION_AGE + 1)
    births, births_sd, kinds = _births(tables["births"], tables.get("birth_shares"), meta.la_code,
                                       primary_areas, birth_years)
    from placeplan.demand.sites import scenario_housing  # housing + named sites (no-double-counting rule there)

    housing_years, dwellings, planned = _housing(scenario_housing(tables), primary_areas,
                                                 base - policy.ratio_window + 1, years[-1])
    central, low, high = _yields(tables["pupil_yields"])
    share = _secondary_share(primary_areas, secondary_areas, secondary_of, secondary_nor)
    from placeplan.demand.transfer_setup import transfer_setup

    transfer = transfer_setup(scenario, primary_areas, secondary_areas, primary_nor, secondary_nor)
    national = national_histories(tables.get("national_ratios"), history_years)
    return DemandInputs(
        base_year=base, years=years, history_years=history_years, primary_areas=primary_areas,
        secondary_areas=secondary_areas, primary_nor=primary_nor, secondary_nor=secondary_nor,
        birth_years=birth_years, births=births, births_sd=births_sd, births_kind=kinds,
        housing_years=housing_years, dwellings=dwellings, planned=planned, yields=central,
        yields_low=low, yields_high=high, delivery_factor=float(config.housing.delivery_factor),
        secondary_share=share, policy=policy, transfer=transfer,
        ratio_primary_nor=None if ratio_nor is None else ratio_nor[0],
        ratio_secondary_nor=None if ratio_nor is None else ratio_nor[1],
        national_primary=None if national is None else national[:7],
        national_secondary=None if national is None else national[7:],
    )


def national_histories(table: pd.DataFrame | None, history_years: np.ndarray) -> np.ndarray | None:
    """The ``national_ratios`` table as (14 ratio slots, history year) [ratio], NaN where it has no row.

    Slot g is the ratio into NCY g (slot 0 births-to-Reception); None without a table (or an
    empty one).
    """
    if table is None or table.empty:
        return None
    from placeplan.demand.national_local import RATIO_NAMES

    keyed = table.set_index(["ratio", "academic_year"])["national_ratio"].astype(float)
    index = pd.MultiIndex.from_product([list(RATIO_NAMES), [int(y) for y in history_years]])
    return keyed.reindex(index).to_numpy().reshape(len(RATIO_NAMES), len(history_years))


def _nor_cube(pupils: pd.DataFrame, areas: tuple[str, ...], ncys: tuple[int, ...],
              years: np.ndarray) -> np.ndarray:
    """Pupils as (area, ncy, year) [pupils], NaN where no row."""
    index = pd.MultiIndex.from_product([areas, ncys, years], names=["planning_area", "ncy", "academic_year"])
    series = pupils.groupby(["planning_area", "ncy", "academic_year"])["nor"].sum().astype(float)
    return series.reindex(index).to_numpy().reshape(len(areas), len(ncys), len(years))


def _births(births: pd.DataFrame, shares: pd.DataFrame | None, la_code: str, areas: tuple[str, ...],
            birth_years: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Births, their standard deviation and kind by primary area and birth year."""
    direct = births[births["area"].isin(areas)]
    if len(areas) and set(direct["area"]) == set(areas):
        rows = direct
        factor = pd.Series(1.0, index=list(areas))
    else:
        rows = births[births["area"] == la_code]
        if rows.empty:
            raise ValueError(f"no births rows for the authority ({la_code}) or for every primary planning area")
        if shares is None:
            raise ValueError("births are by authority, so a birth_shares table is needed")
        factor = shares.set_index("planning_area")["share"].reindex(list(areas)).fillna(0.0)
        rows = pd.concat([rows.assign(area=a) for a in areas])
    table = rows.assign(
        births=rows["births"] * rows["area"].map(factor),
        sd=(rows["births_high"] - rows["births_low"]).fillna(0.0) / (2 * 1.96) * rows["area"].map(factor),
    )
    index = pd.MultiIndex.from_product([areas, birth_years], names=["area", "birth_year"])
    keyed = table.set_index(["area", "birth_year"])
    shape = (len(areas), len(birth_years))
    values = keyed["births"].reindex(index).to_numpy(dtype=float, copy=True).reshape(shape)
    sd = keyed["sd"].reindex(index).fillna(0.0).to_numpy(dtype=float, copy=True).reshape(shape)
    rank = rows.groupby("birth_year")["kind"].agg(lambda k: max(BIRTH_KINDS.index(x) for x in k))
    last = int(rows["birth_year"].max())
    kinds = []
    for j, year in enumerate(birth_years):
        if year > last:  # beyond the table: hold the last cohort, as a projection
            values[:, j] = values[:, j - 1] if j else np.nan
            kinds.append("projected")
        else:
            kinds.append(BIRTH_KINDS[int(rank.get(year, 0))])
    return values, sd, tuple(kinds)


def _housing(housing: pd.DataFrame, areas: tuple[str, ...], first: int,
             last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Completions and planned flags by primary area and year of completion."""
    years = np.arange(min(first, int(housing["academic_year"].min()) if len(housing) else first),
                      max(last, int(housing["academic_year"].max()) if len(housing) else last) + 1)
    index = pd.MultiIndex.from_product([areas, years], names=["planning_area", "academic_year"])
    keyed = housing.set_index(["planning_area", "academic_year"])
    shape = (len(areas), len(years))
    dwellings = keyed["dwellings"].reindex(index).fillna(0.0).to_numpy(dtype=float).reshape(shape)
    planned = (keyed["kind"].reindex(index) == "planned").to_numpy().reshape(shape)
    return years, dwellings, planned


def _yields(yields: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central, low and high yields for primary, secondary, sixth_form (0 when absent)."""
    keyed = yields.set_index("provision").reindex(list(YIELD_PROVISIONS))
    central = keyed["yield_per_dwelling"].fillna(0.0).to_numpy(dtype=float)
    low = keyed["low"].astype(float).fillna(pd.Series(central, index=keyed.index)).to_numpy(dtype=float)
    high = keyed["high"].astype(float).fillna(pd.Series(central, index=keyed.index)).to_numpy(dtype=float)
    return central, np.minimum(low, central), np.maximum(high, central)


def _secondary_share(primary_areas: tuple[str, ...], secondary_areas: tuple[str, ...],
                     secondary_of: Mapping[str, str] | None, secondary_nor: np.ndarray) -> np.ndarray:
    """Primary area -> secondary area allocation matrix [fraction], rows summing to 1."""
    share = np.zeros((len(primary_areas), len(secondary_areas)))
    if not secondary_areas:
        return share
    if secondary_of is not None:
        for i, area in enumerate(primary_areas):
            if secondary_of.get(area) not in secondary_areas:
                raise ValueError(f"secondary_of has no secondary planning area for primary area {area!r}")
            share[i, secondary_areas.index(secondary_of[area])] = 1.0
        return share
    year7 = np.nan_to_num(secondary_nor[:, 0, -1]) if secondary_nor.size else np.zeros(len(secondary_areas))
    weights = year7 / year7.sum() if year7.sum() > 0 else np.full(len(secondary_areas), 1 / len(secondary_areas))
    share[:] = weights
    return share
