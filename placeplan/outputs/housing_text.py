"""The housing step in two sentences: how trend growth is netted out, and the delivery factor.

``housing_sentences(results)`` is what the console summary, the report's method section and the summary
page print; ``housing_account`` gives the numbers behind them. Both are pure (no I/O) and read only the
loaded scenario and the projection. The rule itself is :mod:`placeplan.demand.housing`'s (netting-out,
delivery factor) and :mod:`placeplan.demand.sites`'s (named sites added to the trajectory).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from placeplan.demand.sites import housing_with_sites
from placeplan.demand.uncertainty import UncertaintySettings
from placeplan.outputs.fmt import ay, num, plural


@dataclass(frozen=True)
class HousingAccount:
    """The housing step's totals over the primary planning areas, for one run (central delivery).

    base_year, last_year : first and last completion years counted [academic years]
    window : ratio-window years the past rate is the mean of [years]
    delivery_factor : scenario's factor on planned rows [fraction]; delivery_range: the simulation's [fraction]
    past_rate : sum over areas of the window-mean completions [dwellings per year]
    planned, actual : completions in base_year ... last_year as recorded, by kind [dwellings]
    expected : actual + delivery_factor x planned [dwellings]
    counted : sum over areas and years of max(0, expected - past rate) [dwellings]
    site_dwellings, sites : named sites' homes added in base_year ... last_year [dwellings], and how many sites
    site_actual : named sites' homes left out as already in actual completions [dwellings]
    pupils : pupils from new homes in the last projected year, all year groups, central [pupils]
    """

    base_year: int
    last_year: int
    window: int
    delivery_factor: float
    delivery_range: tuple[float, float]
    past_rate: float
    planned: float
    actual: float
    expected: float
    counted: float
    site_dwellings: float
    sites: int
    site_actual: float
    pupils: float


def housing_account(results) -> HousingAccount:
    """The numbers behind :func:`housing_sentences` (see :class:`HousingAccount`)."""
    scenario = results.scenario
    config, tables = scenario.config, scenario.tables
    projection = results.projection
    base, last = int(projection.years[0]) - 1, int(projection.years[-1])
    window, factor = int(config.policy.ratio_window), float(config.housing.delivery_factor)
    areas = tables["planning_areas"]
    primary = set(areas.loc[(areas["kind"] == "official") & (areas["phase"] == "primary"), "planning_area"])
    housing, ledger = housing_with_sites(tables["housing"], tables.get("housing_sites"), tables.get("schools"))
    housing = housing[housing["planning_area"].isin(primary)]
    year = housing["academic_year"]
    in_window = housing[(year > base - window) & (year <= base)]
    rate = in_window.groupby("planning_area")["dwellings"].sum() / window
    ahead = housing[(year >= base) & (year <= last)]
    planned_rows = ahead["kind"] == "planned"
    expected = ahead["dwellings"].where(~planned_rows, ahead["dwellings"] * factor)
    counted = np.maximum(expected - ahead["planning_area"].map(rate).fillna(0.0), 0.0)
    in_years = ledger[(ledger["academic_year"] >= base) & (ledger["academic_year"] <= last)]
    added = in_years[in_years["counted"].astype(bool)]
    low, _, high = UncertaintySettings().delivery
    pupils = float(projection.housing_primary[..., -1].sum() + projection.housing_secondary[..., -1].sum())
    return HousingAccount(
        base_year=base, last_year=last, window=window, delivery_factor=factor,
        delivery_range=(factor * low, factor * high), past_rate=float(rate.sum()),
        planned=float(ahead.loc[planned_rows, "dwellings"].sum()),
        actual=float(ahead.loc[~planned_rows, "dwellings"].sum()), expected=float(expected.sum()),
        counted=float(counted.sum()), site_dwellings=float(added["dwellings"].sum()),
        sites=int(added["site"].nunique()),
        site_actual=float(ledger.loc[~ledger["counted"].astype(bool), "dwellings"].sum()), pupils=pupils)


def housing_sentences(results) -> tuple[str, str]:
    """Two plain sentences: the netting-out of trend growth, then the delivery factor (with this run's numbers)."""
    a = housing_account(results)
    years = f"{ay(a.base_year)} to {ay(a.last_year)}"
    parts = [f"these include {num(a.site_dwellings)} on {plural(a.sites, 'named site')}"] if a.sites else []
    if a.site_actual:
        parts.append(f"{num(a.site_actual)} site homes in years of recorded actual completions are not added "
                     "again")
    sites = f" ({'; '.join(parts)})" if parts else ""
    netting = (f"Trend growth is netted out: the cohort ratios already carry homes built at the rate of the "
               f"{plural(a.window, 'year')} to {ay(a.base_year)} ({num(a.past_rate)} a year across the primary "
               f"areas), so only completions above each area's own rate add pupils: {num(a.counted)} of the "
               f"{num(a.expected)} homes expected in {years}{sites}, giving {num(a.pupils)} more pupils by "
               f"{ay(a.last_year)}.")
    delivery = (f"A delivery factor of {a.delivery_factor:g} scales the planned trajectory (1 = built as "
                f"planned; actual completions count as recorded), so its {num(a.planned)} planned homes in "
                f"{years} count as {num(a.planned * a.delivery_factor)}, and the simulations vary it from "
                f"{a.delivery_range[0]:.2g} to {a.delivery_range[1]:.2g}.")
    return netting, delivery
