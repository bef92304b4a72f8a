"""What actually happened: the authority's pupils on roll by phase and academic year.

The outturn a forecast is scored against (DfE's forecast accuracy uses the January census):

* **census by year group**: the year-group history (the ``pupils`` table), summed over planning
  areas: primary = R-Y6 (NCY 0-6), secondary = Y7-Y11 (NCY 7-11), sixth_form = Y12-13 (NCY 12-13);
* **observed total**: for a year and phase the history does not cover, an ``observed_totals`` row
  of the whole authority (``level`` authority, ``code`` the LA number), January census, held
  ``exact``, counting exactly the phase's year groups (NCY 0-6, 7-11 or 12-13). Rows of other
  blocks (a key stage, one year group), other censuses or held as ``shares`` are not outturns.

Pure: tables in, a table out.
"""

from __future__ import annotations

import pandas as pd

CENSUS = "census by year group"
OBSERVED = "observed total"
PHASE_NCY = {"primary": (0, 6), "secondary": (7, 11), "sixth_form": (12, 13)}
PHASE_ORDER = {phase: i for i, phase in enumerate(PHASE_NCY)}
COLUMNS = ["academic_year", "phase", "actual", "source"]


def _phase(ncy: pd.Series) -> pd.Series:
    """Phase of each NCY (NaN outside R-Y13)."""
    out = pd.Series(pd.NA, index=ncy.index, dtype=object)
    for phase, (low, high) in PHASE_NCY.items():
        out[(ncy >= low) & (ncy <= high)] = phase
    return out


def outturn_totals(pupils: pd.DataFrame, observed: pd.DataFrame | None = None,
                   la_code: str | None = None) -> pd.DataFrame:
    """Authority pupils on roll by academic year and phase, from the census, else from observed totals.

    Parameters
    ----------
    pupils : DataFrame
        The ``pupils`` table: academic_year, planning_area, ncy, nor [pupils].
    observed : DataFrame, optional
        The ``observed_totals`` table (academic_year, census, level, code, ncy_low, ncy_high, nor, held).
    la_code : str, optional
        The authority's DfE number: only observed rows with this ``code`` count (default: any
        authority-level row).

    Returns
    -------
    DataFrame
        academic_year [academic year], phase (primary | secondary | sixth_form), actual [pupils],
        source (``census by year group`` | ``observed total``); one row per year and phase, a
        census total taking precedence over an observed total of the same year and phase. Sorted
        by year, then phase.
    """
    frame = pupils.assign(phase=_phase(pupils["ncy"]))
    frame = frame[frame["phase"].notna()]
    census = (frame.groupby(["academic_year", "phase"], as_index=False)["nor"].sum()
              .rename(columns={"nor": "actual"}).assign(source=CENSUS))
    parts = [census]
    if observed is not None and not observed.empty:
        rows = observed[(observed["level"] == "authority") & (observed["census"] == "january")
                        & (observed["held"] == "exact")]
        if la_code is not None:
            rows = rows[rows["code"].astype(str) == str(la_code)]
        blocks = {bounds: phase for phase, bounds in PHASE_NCY.items()}
        phase = [blocks.get((int(lo), int(hi))) for lo, hi in zip(rows["ncy_low"], rows["ncy_high"])]
        rows = rows.assign(phase=phase)
        rows = rows[rows["phase"].notna()]
        have = set(zip(census["academic_year"].astype(int), census["phase"]))
        later = [(int(y), p) not in have for y, p in zip(rows["academic_year"], rows["phase"])]
        rows = rows[later]
        parts.append(pd.DataFrame({"academic_year": rows["academic_year"], "phase": rows["phase"],
                                   "actual": rows["nor"], "source": OBSERVED}))
    parts = [part for part in parts if not part.empty]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    out = out.astype({"academic_year": int, "actual": float})
    out = out.assign(_p=out["phase"].map(PHASE_ORDER)).sort_values(["academic_year", "_p"])
    return out.drop(columns="_p").reset_index(drop=True)[COLUMNS]
