"""Births by academic year of birth (September to August), DfE's birth year. Pure: no I/O.

placeplan's ``birth_year`` y is the cohort born 1 September y to 31 August y+1, who start
Reception in September y+5. The GLA's births file gives births in the twelve months up to
each ``date``. The rule, for each area and cohort y:

1. **September row.** Where the series has a row dated 1 September y+1, the cohort's births
   are that row (the twelve months to 1 September y+1). ``method = september``.
2. **Shifted mid-year.** Otherwise, with M(Y) the births in the twelve months to 1 July Y,
   cohort y is taken as (10/12)·M(y+1) + (2/12)·M(y+2). The September-August year is the
   July-June year moved on by two months, and the two months are read off the next
   mid-year linearly. ``method = shifted``.
3. **Last cohort only.** If M(y+2) is missing because M(y+1) is the area's latest mid-year
   value, cohort y is M(y+1) alone. ``method = mid-year only``. A gap anywhere else stops
   the build.

``kind``: ``actual`` for GLA actuals and for its monthly interpolations between them,
``nowcast`` for its GP-registration prediction, ``projected`` for projection rows. A
shifted cohort takes the later kind of the two rows it uses. Intervals: a September row
keeps ``interval_lower``/``interval_upper``; a shifted cohort that uses a nowcast gets the
same weighted sum of the bounds (a value with no interval counts as its own bound).

Both build scripts (``build_national_data.py``, ``build_herefordshire_data.py``) use this
module, so the national and Herefordshire tables follow the same rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHIFT = (10 / 12, 2 / 12)  # weights on M(y+1) and M(y+2)
KINDS = {"actual": "actual", "interpolated": "actual", "predicted": "nowcast", "projected": "projected"}
RANK = ("actual", "nowcast", "projected")


def _prepared(series: pd.DataFrame) -> pd.DataFrame:
    """The series with year, month-day, kind and bounds (a value with no interval is its own bound)."""
    unknown = sorted(set(series["type"]) - set(KINDS))
    if unknown:
        raise ValueError(f"unexpected births type(s): {unknown}")
    value = pd.to_numeric(series["annual_births"]).astype(float)
    return pd.DataFrame({
        "area": series["area"].to_numpy(),
        "year": series["date"].str[:4].astype(int).to_numpy(),
        "md": series["date"].str[5:].to_numpy(),
        "value": value.to_numpy(),
        "low": pd.to_numeric(series["interval_lower"]).astype(float).fillna(value).to_numpy(),
        "high": pd.to_numeric(series["interval_upper"]).astype(float).fillna(value).to_numpy(),
        "kind": series["type"].map(KINDS).to_numpy(),
    })


def _later(a: pd.Series, b: pd.Series) -> pd.Series:
    """The later of two kinds, row by row (actual < nowcast < projected)."""
    rank = np.maximum(a.map(RANK.index).to_numpy(), b.map(RANK.index).to_numpy())
    return pd.Series([RANK[r] for r in rank], index=a.index)


def academic_births(series: pd.DataFrame) -> pd.DataFrame:
    """Births by area and September-August cohort, by the rule in the module docstring.

    Parameters
    ----------
    series : DataFrame
        Columns area, date (``YYYY-MM-DD``), type (a key of ``KINDS``), annual_births,
        interval_lower, interval_upper; one row per area and date. Other dates (the
        calendar-year and other monthly rows) are ignored.

    Returns
    -------
    DataFrame
        area, birth_year, births, births_low, births_high (NaN unless a nowcast is used),
        kind, method (``september`` / ``shifted`` / ``mid-year only``), exact (the September
        row, NaN where there is none) and shifted (the shifted mid-year value wherever the
        two mid-years exist): the last two let :func:`approximation_error` compare them.
        Sorted by area and birth_year. Unrounded.
    """
    s = _prepared(series)
    cols = ["value", "low", "high", "kind"]
    key = ["area", "birth_year"]
    sept = s[s["md"] == "09-01"].assign(birth_year=lambda d: d["year"] - 1).set_index(key)[cols]
    mid = s[s["md"] == "07-01"]
    m1 = mid.assign(birth_year=mid["year"] - 1).set_index(key)[cols]
    m2 = mid.assign(birth_year=mid["year"] - 2).set_index(key)[cols]
    index = sept.index.union(m1.index)
    sept, m1, m2 = sept.reindex(index), m1.reindex(index), m2.reindex(index)
    w1, w2 = SHIFT
    shifted = {c: w1 * m1[c] + w2 * m2[c] for c in ("value", "low", "high")}
    has_sept, has_shift = sept["value"].notna(), shifted["value"].notna()
    alone = ~has_sept & ~has_shift
    latest = mid.groupby("area")["year"].max() - 1
    last = pd.Series(index.get_level_values("area"), index=index).map(latest) == index.get_level_values("birth_year")
    gaps = index[alone & ~last]
    if len(gaps):
        raise ValueError(f"births: no September row and no next mid-year for {list(gaps)[:5]}")
    method = np.where(has_sept, "september", np.where(has_shift, "shifted", "mid-year only"))
    kind = sept["kind"].where(has_sept, _later(m1["kind"].fillna("actual"), m2["kind"].fillna("actual"))
                              .where(has_shift, m1["kind"]))
    out = pd.DataFrame(index=index)
    for name, col in (("births", "value"), ("births_low", "low"), ("births_high", "high")):
        out[name] = sept[col].where(has_sept, shifted[col].where(has_shift, m1[col]))
    interval = kind == "nowcast"
    out["births_low"] = out["births_low"].where(interval)
    out["births_high"] = out["births_high"].where(interval)
    out["kind"] = kind
    out["method"] = method
    out["exact"] = sept["value"]
    out["shifted"] = shifted["value"]
    return out.reset_index().sort_values(key).reset_index(drop=True)


def approximation_error(table: pd.DataFrame) -> dict[str, float]:
    """How far the shifted mid-year value is from the September row, where a cohort has both.

    Parameters
    ----------
    table : DataFrame
        Columns ``exact`` and ``shifted`` (as :func:`academic_births` returns them, or sums of
        them over districts).

    Returns
    -------
    dict
        ``n`` (cohorts compared), ``mean_pct`` and ``max_pct``: the mean and the largest of
        100·|shifted − exact| / exact [%]. NaN figures when there is nothing to compare.
    """
    both = table.dropna(subset=["exact", "shifted"])
    pct = (both["shifted"] - both["exact"]).abs() / both["exact"] * 100
    return {"n": int(len(pct)), "mean_pct": float(pct.mean()) if len(pct) else float("nan"),
            "max_pct": float(pct.max()) if len(pct) else float("nan")}


def describe(error: dict[str, float]) -> str:
    """One line for a build log: cohorts compared, mean and largest difference."""
    return f"{error['n']} cohorts, mean |difference| {error['mean_pct']:.2f}%, largest {error['max_pct']:.2f}%"
