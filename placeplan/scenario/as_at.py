"""The run's reference date: which observations were known, and the base year they give.

``resolve_dates`` runs once at load time (after the tables are read and checked) and returns the
configuration with ``meta.as_at``, ``meta.programme_date`` and ``meta.base_year`` filled in, and
the dated tables cut to what had been observed by ``as_at`` (a census taken after it is not data
yet). Downstream code only ever sees concrete dates and years.
"""

from __future__ import annotations

import pandas as pd

import datetime as dt

from placeplan.dates import CENSUSES, census_date
from placeplan.errors import Problem
from placeplan.scenario.schema import ScenarioFile

# Tables of pupil observations, and the census each row comes from (a column, or a fixed census), and the
# column holding the academic year of the count.
DATED_TABLES = {"pupils": ("january", "academic_year"), "pupils_by_school": ("january", "academic_year"),
                "observed_totals": ("census", "academic_year"), "school_nor": ("census", "academic_year"),
                "send": ("january", "academic_year"), "dfe_scorecard": ("january", "nor_year"),
                "national_ratios": ("january", "academic_year")}
# Which of them can move the base year (SEND history and published scorecards are not pupil counts). Only a
# January census moves it: a year is outturn once its January census is taken (October or May counts of a
# year only divide that year's totals, as shares).
BASE_TABLES = ("pupils", "pupils_by_school", "observed_totals", "school_nor")


def census_dates(table: pd.DataFrame, census: str, year_column: str = "academic_year") -> pd.Series:
    """Census date of each row (``census`` is a column name or a fixed census)."""
    kinds = table[census] if census in table.columns else pd.Series(census, index=table.index)
    years = pd.to_numeric(table[year_column], errors="coerce")
    known = dt.date.max
    return pd.Series([census_date(int(y), c) if pd.notna(y) and c in CENSUSES else known
                      for y, c in zip(years, kinds)], index=table.index, dtype=object)


def known_tables(tables: dict[str, pd.DataFrame], as_at) -> dict[str, pd.DataFrame]:
    """The dated tables cut to rows whose census was taken on or before ``as_at``; others unchanged."""
    out = dict(tables)
    for name, (census, year_column) in DATED_TABLES.items():
        table = tables.get(name)
        if table is None or table.empty or year_column not in table.columns:
            continue
        keep = census_dates(table, census, year_column) <= as_at
        if not keep.all():
            out[name] = table[keep.to_numpy()].reset_index(drop=True)
    return out


def latest_observed_year(tables: dict[str, pd.DataFrame]) -> int | None:
    """The latest academic year with a January census observation in any pupil table (None: none)."""
    years = []
    for name in BASE_TABLES:
        table = tables.get(name)
        if table is None or table.empty:
            continue
        if "census" in table.columns:
            table = table[table["census"] == "january"]
        year = pd.to_numeric(table["academic_year"], errors="coerce").max()
        if pd.notna(year):
            years.append(int(year))
    return max(years) if years else None


def resolve_dates(config: ScenarioFile, tables: dict[str, pd.DataFrame],
                  scenario_file: str) -> tuple[ScenarioFile, dict[str, pd.DataFrame], list[Problem]]:
    """Fill in ``as_at``, ``programme_date`` and ``base_year``; cut the dated tables to ``as_at``."""
    meta = config.meta
    as_at = meta.as_at or meta.programme_date
    programme_date = meta.programme_date or as_at
    known = known_tables(tables, as_at)
    problems: list[Problem] = []
    latest = latest_observed_year(known)
    base = meta.base_year
    if latest is None:
        problems.append(Problem(scenario_file, "meta.as_at", f"no January census observation was taken by {as_at} "
                                "(expected pupils rows whose January census falls on or before it)"))
    elif base is None:
        base = latest
    elif base > latest:
        problems.append(Problem(scenario_file, "meta.base_year", f"base year {base} is after the latest January "
                                f"census observation known at {as_at} ({latest}); leave base_year blank to use it"))
    pupils = known.get("pupils")
    if pupils is not None and not pupils.empty and base is not None:
        first_full = int(pupils["academic_year"].min())
        if base < first_full:
            problems.append(Problem(scenario_file, "meta.base_year", f"base year {base} is before the pupil "
                                    f"history starts ({first_full})"))
    update = {"as_at": as_at, "programme_date": programme_date, "base_year": base}
    config = config.model_copy(update={"meta": meta.model_copy(update=update)})
    return config, known, problems
