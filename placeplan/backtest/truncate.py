"""A scenario as it would have been known at an earlier base year (no later data).

The rule, for base year ``b`` (academic year b/b+1; the January census of that year is
taken in January b+1, and the SCAP forecast built on it is returned in July b+1):

* **Pupils** (and school rolls, SEND history, later observed totals, national ratios): rows with
  ``academic_year <= b`` only.
* **Births**: ``birth_year`` Y is the cohort born September Y to August Y+1 (DfE's
  September-August birth year). The cohort born by 31 August b is complete a year before the
  forecast is made, and ONS publishes its births (by quarter and month) in time; the cohort
  born from September b is not complete then. So rows with
  ``birth_year <= b - 1`` are kept as they are (for real tables they are ONS actuals), and
  every later birth year is replaced by the last known row (``birth_year = b - 1``, per
  area) carried flat, with ``kind = projected`` and no interval. The Reception cohorts of
  the first four projected years (``b+1 ... b+4``, born ``b-4 ... b-1``) are therefore
  known births; from ``b+5`` on they are the flat carry-forward (a deliberately naive
  births projection: an ONS subnational projection of that vintage is not in the tables).
  Where a table reads a cohort off two mid-year figures (the shifted approximation, used
  before 2016 in the real tables), cohort b - 1 takes 2/12 of the year to 1 July b+1, which was
  not yet published; it stands in for the September-August count, which was.
* **Housing**: every row is kept. Rows up to ``b`` are as recorded; later rows are the
  trajectory, which a council plans years ahead (the Core Strategy and Local Plan figures
  were published before most of the back-test's base years), and they are relabelled
  ``kind = planned`` so the delivery factor and its uncertainty apply to them. Where a
  later row records an outturn (e.g. Herefordshire's Housing Delivery Test completions
  for 2015-2017) the outturn stands in for the plan of the time: that is a small piece of
  hindsight, limited to the housing add-on.
* ``meta.base_year`` becomes ``b``. Capacity and capital projects are left alone (the
  back-test only uses the demand projection).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

# Tables whose rows are observations dated by academic year: only rows up to b were known.
OBSERVED_TABLES = ("pupils", "pupils_by_school", "school_nor", "send", "observed_totals", "national_ratios")


def known_births(births: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """The births table as known at base year ``b`` (see the module docstring).

    Parameters
    ----------
    births : DataFrame
        The ``births`` table: area, birth_year, births, births_low, births_high, kind, source.
    base_year : int
        Base year b [academic year].

    Returns
    -------
    DataFrame
        Same columns and rows (same birth years per area); rows with ``birth_year >= b``
        hold the area's births of birth year ``b - 1`` (its latest row up to ``b - 1``),
        ``kind = projected``, blank interval.
    """
    cut = int(base_year) - 1
    kept = births[births["birth_year"] <= cut]
    later = births[births["birth_year"] > cut]
    if later.empty:
        return births.reset_index(drop=True)
    last = kept.sort_values("birth_year").groupby("area")["births"].last()
    missing = sorted(set(later["area"]) - set(last.index))
    if missing:
        raise ValueError(f"no births up to birth year {cut} for area(s) {missing}: cannot back-test from {base_year}")
    flat = later.assign(
        births=later["area"].map(last).to_numpy(dtype=float),
        births_low=np.nan, births_high=np.nan, kind="projected",
        source=f"back-test at base {base_year}: births of birth year {cut} carried flat",
    )
    out = pd.concat([kept, flat], ignore_index=True)
    return out.sort_values(["area", "birth_year"], kind="stable").reset_index(drop=True)


def known_housing(housing: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """The housing table at base year ``b``: rows kept, rows after ``b`` labelled planned."""
    later = housing["academic_year"] > int(base_year)
    return housing.assign(kind=housing["kind"].where(~later, "planned")).reset_index(drop=True)


def allowed_base_years(scenario) -> list[int]:
    """The base years :func:`truncate` accepts (sorted): the academic years with pupils rows, and every later year
    up to the latest observed (an observed total or school count): its year groups are estimated then, as a run
    from it would estimate them (``demand.rebase``)."""
    from placeplan.scenario.as_at import latest_observed_year

    years = {int(y) for y in scenario.tables["pupils"]["academic_year"].unique()}
    latest = latest_observed_year(scenario.tables)
    if years and latest is not None:
        years |= set(range(max(years) + 1, latest + 1))
    return sorted(years)


def truncate(scenario, base_year: int):
    """The scenario as it would have been known at base year ``b``.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (``placeplan.load_scenario``) or one built in memory.
    base_year : int
        Base year b [academic year]; needs pupils for year b, or observations after the pupils table
        up to b (the year groups after the last census are then estimated from what was known at b).

    Returns
    -------
    Scenario
        A new scenario (the input is not changed) with pupil-type tables cut at b, births
        known at b carried flat, housing after b as the plan, and ``meta.base_year = b``.

    Raises
    ------
    ValueError
        If the pupils table has no rows for year b, or an area has no births up to b - 1.
    """
    b = int(base_year)
    tables = dict(scenario.tables)
    if b not in allowed_base_years(scenario):
        raise ValueError(f"the pupils table has no rows for base year {b}, and no later observation reaches it")
    for name in OBSERVED_TABLES:
        table = tables.get(name)
        if table is not None and "academic_year" in table.columns:
            tables[name] = table[table["academic_year"] <= b].reset_index(drop=True)
    tables["births"] = known_births(tables["births"], b)
    if "housing" in tables:
        tables["housing"] = known_housing(tables["housing"], b)
    config = scenario.config
    meta = config.meta.model_copy(update={"base_year": b})
    return dataclasses.replace(scenario, config=config.model_copy(update={"meta": meta}), tables=tables)
