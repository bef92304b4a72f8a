"""What is known and what is estimated: the outturn years the projection starts from (report, method section)."""

from __future__ import annotations

from placeplan.outputs.fmt import ay, num
from placeplan.outputs.report.blocks import Table

PHASE_NAMES = {"primary": "Primary (R-Y6)", "secondary": "Secondary (Y7-11)", "sixth_form": "Sixth form (Y12-13)"}
SHOWN_YEARS = 4


def outturn_section(results) -> dict | None:
    """The last known years by phase (census or estimated), and every total the estimated years hold.

    Returns None when the run's base year has a full year-group census (nothing estimated).
    """
    history, record = results.pupil_history, results.rebase
    if history is None or history.empty:
        return None
    years = sorted(int(y) for y in history["academic_year"].unique())[-SHOWN_YEARS:]
    recent = history[history["academic_year"].isin(years)]
    sums = recent.groupby(["academic_year", "phase"])["nor"].sum()
    status = recent.groupby("academic_year")["status"].first()
    rows = []
    for year in years:
        kind = "January census by year group" if status[year] == "census" else "observed totals; year groups estimated"
        rows.append([ay(year), *[num(sums.get((year, p), float("nan"))) for p in PHASE_NAMES], kind])
    known = Table("Outturn: pupils on roll in the years the projection starts from",
                  ["Year", *PHASE_NAMES.values(), "Basis"], rows, [False, True, True, True, False],
                  note=_known_note(record))
    if record is None or record.empty:
        return {"known": known, "held": None, "text": []}
    held_rows = []
    authority = record[(record["level"] == "authority") & (record["held"] == "exact")]
    for r in authority.itertuples(index=False):
        phase = "primary" if r.ncy_high <= 6 else "secondary" if r.ncy_high <= 11 else "sixth form"
        gap = r.rolled_forward - r.target
        held_rows.append([ay(r.academic_year), phase, num(r.target), num(r.rolled_forward),
                          f"{gap:+,.0f} ({100 * gap / r.target:+.1f}%)" if r.target else "–"])
    held = Table("The county totals held exact, against the year rolled forward from the year before",
                 ["Year", "Phase", "Observed (held exact)", "Rolled forward", "Roll-forward minus observed"], held_rows,
                 [False, False, True, True, True],
                 note="Each year is rolled forward from the year before (itself already held to its totals), so the "
                      "first row is placeplan's one-year-ahead forecast from the last year-group census and later "
                      "rows are one-year-ahead forecasts from an estimated base.")
    schools = record[record["level"] == "school counts"]
    estimated = results.run_info.get("estimated_years") or []
    span = (f"Year {ay(estimated[0])} has" if len(estimated) == 1
            else f"Years {ay(estimated[0])} to {ay(estimated[-1])} have")
    text = [f"{span} no year-group census in the data. Each is rolled forward one year from the year before with the "
            "projection's own ratios, then raked (iterative proportional fitting) so that every total observed for "
            "that year is met: the totals held exact (observed_totals rows held exact) exactly, and counts held as "
            "shares (school counts from another census) only in how they divide the total that encloses them. Year "
            "groups keep the proportions the roll-forward gave them inside every total. Cohort ratios are measured "
            "on the history rescaled to the school-count split, so a corrected split between planning areas is not "
            "read as a trend. Every total held is in rebase.csv."]
    if not schools.empty:
        years_s = sorted({int(y) for y in schools["academic_year"]})
        text.append(f"School counts used as shares: {', '.join(ay(y) for y in years_s)} ({len(schools)} planning-area "
                    "and key-stage totals summed from the schools; an area is used only where every one of its "
                    "schools is counted). Where the history's planning-area split was itself estimated (as in a "
                    "county-level pupil history split by residence), an area's line can step where the school "
                    "counts (by attendance) first apply: that step is a corrected split, not a change in pupils.")
    return {"known": known, "held": held, "text": text}


def _known_note(record) -> str:
    """Which phases an estimated year observed, for the outturn table's note."""
    if record is None or record.empty:
        return ""
    held = record[record["held"] == "exact"]
    observed = {("primary" if r.ncy_high <= 6 else "secondary" if r.ncy_high <= 11 else "sixth form")
                for r in held.itertuples(index=False)}
    missing = [p for p in ("primary", "secondary", "sixth form") if p not in observed]
    text = "In an estimated year only the totals observed are known (see below)."
    if missing:
        text += f" No total was observed for the {' or '.join(missing)}: there it is the roll-forward alone."
    return text
