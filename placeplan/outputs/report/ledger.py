"""Section "How past forecasts did": placeplan's past forecasts against the outturn, beside the council's.

Reads the run's forecast-vs-outturn ledger (``Results.ledger``, from the back-test's runs; see
``placeplan.backtest.ledger``). Every figure in the text is computed here from the ledger; nothing
is typed in. Returns plain text, ``blocks.Table`` and ``blocks.Image`` (the template escapes text).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from placeplan.backtest.ledger import ledger_view
from placeplan.backtest.outturn import OBSERVED
from placeplan.outputs.fmt import ay, ay_short, is_blank, join_words, num, num_range, plural
from placeplan.outputs.report import style
from placeplan.outputs.report.blocks import Image, Table

HORIZONS = (1, 3)
PHASES = {"primary": "primary (Reception to Year 6)", "secondary": "secondary (Years 7 to 11)"}
AHEAD = {1: "one year ahead", 2: "two years ahead", 3: "three years ahead"}
SERIES = (  # (column, label, line style, marker) — told apart by line and marker, not colour alone
    ("accuracy_pct_1", "placeplan, 1 year ahead (bar: 90% range)", "-", "o", style.DEMAND),
    ("council_accuracy_pct_1", "Council SCAP, 1 year ahead", ":", "^", style.PLACES),
    ("accuracy_pct_3", "placeplan, 3 years ahead", "--", "s", style.DEMAND),
    ("council_accuracy_pct_3", "Council SCAP, 3 years ahead", "-.", "D", style.PLACES),
)


def signed_pct(value, digits: int = 1) -> str:
    """An accuracy in percent with its sign: 0.93 -> '+0.9%', -1.16 -> '-1.2%', -0.04 -> '0.0%' (blank: en dash)."""
    if is_blank(value):
        return "–"
    value = round(float(value), digits)
    return f"{0:.{digits}f}%" if value == 0 else f"{value:+.{digits}f}%"


def _ledger(results, backtest) -> pd.DataFrame | None:
    for frame in (getattr(results, "ledger", None), getattr(backtest, "ledger", None)):
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            return frame
    return None


def _years(values) -> str:
    """'2015/16 to 2023/24' (or the one year)."""
    years = sorted(int(y) for y in values)
    return ay(years[0]) if len(years) == 1 else f"{ay(years[0])} to {ay(years[-1])}"


def year_runs(values) -> str:
    """Years as runs: [2018, 2022, 2023, 2024, 2025] -> '2018/19 and 2022/23 to 2025/26'."""
    years = sorted({int(y) for y in values})
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return join_words([ay(r[0]) if len(r) == 1 else f"{ay(r[0])} to {ay(r[-1])}" for r in runs])


def spread_text(values, who: str = "") -> str:
    """'over-forecast primary by +0.9% to +6.5%' when all one sign, else 'were within 1.2% (from -1.2% to +1.0%)'."""
    lo, hi = round(float(np.min(values)), 1), round(float(np.max(values)), 1)
    span = signed_pct(lo) if lo == hi else f"{signed_pct(lo)} to {signed_pct(hi)}"
    who = f" {who}" if who else ""
    if lo > 0:
        return f"over-forecast{who} by {span}"
    if hi < 0:
        return f"under-forecast{who} by {span}"
    return f"were within {max(abs(lo), abs(hi)):.1f}% of the outturn (from {signed_pct(lo)} to {signed_pct(hi)})"


def phase_sentence(view: pd.DataFrame, phase: str, horizon: int = 1) -> str:
    """placeplan's and the council's accuracy for one phase and horizon, and which was closer where both forecast."""
    rows = view[view["phase"] == phase]
    ours = rows[rows[f"accuracy_pct_{horizon}"].notna()]
    theirs = rows[rows[f"council_accuracy_pct_{horizon}"].notna()]
    ahead = AHEAD.get(horizon, f"{horizon} years ahead")
    if ours.empty and theirs.empty:
        return ""
    text = f"{phase.capitalize()}, {ahead}: "
    if len(ours):
        acc = ours[f"accuracy_pct_{horizon}"].to_numpy(dtype=float)
        text += (f"placeplan's forecasts {spread_text(acc)} in {'each of ' if len(acc) > 1 else ''}"
                 f"{plural(len(acc), 'year')} ({_years(ours['outturn_year'])})")
        hits = ours[f"in_range_{horizon}"].dropna()
        if len(hits):
            text += f", and the outturn fell inside their 90% range in {int(hits.astype(bool).sum())} of {len(hits)}"
        text += ". "
    if len(theirs):
        acc = theirs[f"council_accuracy_pct_{horizon}"].to_numpy(dtype=float)
        text += (f"The council's SCAP forecasts {spread_text(acc)} ({plural(len(acc), 'year')}: "
                 f"{year_runs(theirs['outturn_year'])}). ")
    both = rows[rows[f"accuracy_pct_{horizon}"].notna() & rows[f"council_accuracy_pct_{horizon}"].notna()]
    if len(both):
        closer = both[f"accuracy_pct_{horizon}"].abs() < both[f"council_accuracy_pct_{horizon}"].abs()
        text += (f"In the {plural(len(both), 'year')} both forecast, placeplan's was the closer in {int(closer.sum())}."
                 if len(both) > 1 else
                 f"In {ay(both['outturn_year'].iloc[0])}, the one year both forecast, placeplan's was "
                 f"{'the closer' if closer.iloc[0] else 'not the closer'}.")
    return text.strip()


def _forecast_cell(r: dict, h: int) -> list[str]:
    if is_blank(r.get(f"forecast_{h}")):
        return ["–"]
    lines = [num(r[f"forecast_{h}"])]
    if not is_blank(r.get(f"p05_{h}")):
        lines.append(f"({num_range(r[f'p05_{h}'], r[f'p95_{h}'])})")
    return lines


def _accuracy_cell(r: dict, h: int) -> list[str]:
    lines = [signed_pct(r.get(f"accuracy_pct_{h}"))]
    hit = r.get(f"in_range_{h}")
    if not is_blank(hit) and not bool(hit):
        lines.append("outside range")
    return lines


def _council_cell(r: dict, h: int) -> list[str]:
    lines = [signed_pct(r.get(f"council_accuracy_pct_{h}"))]
    if not is_blank(r.get(f"council_forecast_{h}")):
        lines.append(f"(forecast {num(r[f'council_forecast_{h}'])})")
    return lines


def phase_table(view: pd.DataFrame, phase: str, with_council: bool) -> Table | None:
    """One row per outturn year: the actual, placeplan's 1- and 3-year forecasts (range, accuracy), the council's."""
    rows = view[view["phase"] == phase]
    if rows.empty:
        return None
    body = []
    for r in rows.to_dict("records"):
        actual = ["–"] if is_blank(r["actual"]) else [num(r["actual"])]
        if r.get("actual_source") == OBSERVED:
            actual.append("county total")
        row = [ay(r["outturn_year"]), actual]
        for h in HORIZONS:
            row += [_forecast_cell(r, h), _accuracy_cell(r, h)] + ([_council_cell(r, h)] if with_council else [])
        body.append(row)
    head = ["Outturn year", "Pupils on roll (January census)"]
    for h in HORIZONS:
        ahead = AHEAD[h]
        head += [f"placeplan {ahead}: forecast (90% range)", f"placeplan accuracy, {ahead}"]
        head += [f"Council SCAP accuracy, {ahead}"] if with_council else []
    width = [10, 12] + ([14, 10, 11] if with_council else [19, 19]) * len(HORIZONS)
    return Table(f"How past forecasts did, {PHASES[phase]}: placeplan's forecasts of each year one and three years "
                 f"before, against the pupils on roll that year"
                 + (", beside the council's own SCAP forecasts of the same year from the same distance"
                    if with_council else ""),
                 head, body, [False, True] + [True] * (len(head) - 2), css="ledger", widths=width)


def accuracy_chart(view: pd.DataFrame, phases: list[str], width: float = 7.2) -> bytes:
    """Accuracy by outturn year, one panel per phase: placeplan and the council, 1 and 3 years ahead."""
    years = sorted(int(y) for y in view["outturn_year"].unique())
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, len(phases), figsize=(width, 2.9), sharey=True, squeeze=False)
        for ax, phase in zip(axes[0], phases):
            rows = view[view["phase"] == phase].set_index("outturn_year").reindex(years)
            ax.axhline(0, color=style.MUTED, linewidth=0.8)
            for column, label, line, marker, colour in SERIES:
                values = rows[column].astype(float)
                if values.notna().any():
                    ax.plot(years, values, linestyle=line, marker=marker, color=colour, linewidth=1.2,
                            markersize=4, label=label)
            actual = rows["actual"].astype(float)
            low = (rows["p05_1"].astype(float) - actual) / actual * 100
            high = (rows["p95_1"].astype(float) - actual) / actual * 100
            ok = (low.notna() & high.notna()).to_numpy()
            if ok.any():  # the range as a bar (the central forecast need not lie inside its draws' range)
                ax.vlines(np.array(years)[ok], low[ok], high[ok], color=style.DEMAND, linewidth=0.9, alpha=0.7)
            ax.set_title(phase.capitalize())
            ax.set_xticks(years)
            ax.set_xticklabels([ay_short(y) for y in years], rotation=90)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}%" if v else "0%"))
            ax.grid(axis="y", color=style.GRID, linewidth=0.6)
            ax.set_axisbelow(True)
        axes[0][0].set_ylabel("Forecast − actual, % of actual")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=2, bbox_to_anchor=(0.5, -0.02))
        fig.subplots_adjust(left=0.1, right=0.99, top=0.9, bottom=0.42, wspace=0.08)
        return style.png(fig, tight=True)


def _alt(view: pd.DataFrame, phases: list[str]) -> str:
    years = view["outturn_year"]
    parts = []
    for phase in phases:
        rows = view[view["phase"] == phase]
        for column, label, *_ in SERIES:
            values = rows[column].dropna()
            if len(values):
                parts.append(f"{phase}, {label.split(' (')[0]}: {signed_pct(values.min())} to "
                             f"{signed_pct(values.max())}")
    return (f"Chart of forecast accuracy (forecast minus actual, as a percentage of actual) by outturn year, "
            f"{_years(years)}: " + "; ".join(parts) + ".")


def ledger_section(results, backtest=None) -> dict:
    """Sentences, the tables by phase and the accuracy chart (``available`` False without a ledger)."""
    ledger = _ledger(results, backtest)
    if ledger is None:
        return {"available": False}
    view = ledger_view(ledger, HORIZONS, tuple(PHASES))
    if view.empty:
        return {"available": False}
    record = results.scenario.tables.get("council_forecast_record")
    with_council = view[[f"council_accuracy_pct_{h}" for h in HORIZONS]].notna().any().any()
    phases = [p for p in PHASES if (view["phase"] == p).any()]
    lead = [s for s in (phase_sentence(view, p, 1) for p in phases) if s]
    three = [s for s in (phase_sentence(view, p, 3) for p in phases) if s]
    observed = view.loc[view["actual_source"] == OBSERVED, "outturn_year"]
    notes = ["Accuracy is DfE's measure: (forecast − actual) ÷ actual, the authority's total for the phase, so a "
             "positive figure is an over-forecast. placeplan's forecasts are re-made from each past base year with "
             "only the data known then (the back-test's runs); the range is the middle 90% of its simulations."]
    if len(observed):
        notes.append(f"Pupils on roll for {_years(observed)} are the county totals from DfE's January census "
                     f"(shown as 'county total'), which came after the year-group history; their basis (mainstream "
                     f"pupils on roll) can differ slightly from the year-group census placeplan projects.")
    two = ledger[(ledger["horizon"] == 2) & ledger["council_accuracy_pct"].notna() & ledger["phase"].isin(phases)]
    if len(two):
        notes.append("For " + join_words(sorted({ay(y) for y in two["outturn_year"]})) + " DfE scored the council's "
                     "forecasts two years ahead instead of three: " + join_words(
                         [f"{r.phase} {signed_pct(r.council_accuracy_pct)}" for r in two.itertuples()]) + ".")
    if record is None or record.empty:
        notes.append("The scenario has no council forecast record (published.forecast_record), so only placeplan's "
                     "forecasts are shown.")
    else:
        unplaced = record[record["outturn_year"].isna()]
        if len(unplaced):
            notes.append("Council record rows not placed in an outturn year, left out: "
                         + join_words(sorted(set(unplaced["scorecard_row"].astype(str)))) + ".")
    image = Image(accuracy_chart(view, phases), _alt(view, phases),
                  "Forecast accuracy by outturn year: zero is a perfect forecast; above zero, an over-forecast.")
    tables = [t for t in (phase_table(view, p, bool(with_council)) for p in phases) if t]
    return {"available": True, "lead": lead, "three": three, "notes": notes, "tables": tables, "image": image}
