"""Subsection "How reliable the chances have been" of "How past forecasts did".

Reads the back-test's reliability and Brier tables (``BacktestResult.reliability`` / ``.brier``, see
``placeplan.backtest.reliability``): forecasts 1-5 years ahead pooled. Every figure is computed here
from those tables; returns plain text, ``blocks.Table`` and ``blocks.Image`` (the template escapes
text).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from placeplan.outputs.fmt import is_blank, num, pct
from placeplan.outputs.report import style
from placeplan.outputs.report.blocks import Image, Table

HORIZON = "1-5"  # the horizon group shown: 1 to 5 years ahead pooled
EVENTS = {  # event: (what the chance was of, short name for the chart)
    "places": ("pupils in a year group of a planning area would exceed the area's places in it", "pupils > places"),
    "growth": ("a year group would have more pupils than the same year group in the base year", "year group grows"),
}
SENTENCE_BANDS = ("20-40%", "40-60%", "5-20%", "60-80%")  # the band quoted in the lead sentence, first present


def _tables(results, backtest) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    for source in (backtest, getattr(results, "backtest", None)):
        table = getattr(source, "reliability", None)
        if isinstance(table, pd.DataFrame) and not table.empty:
            brier = getattr(source, "brier", None)
            return table, brier if isinstance(brier, pd.DataFrame) else pd.DataFrame()
    return None


def happened_sentence(rows: pd.DataFrame, event: str) -> str:
    """'When placeplan gave a 20-40% chance that ..., it happened in 67 of 428 cases (16%).'"""
    by_band = rows.set_index("band")
    band = next((b for b in SENTENCE_BANDS if b in by_band.index), None)
    if band is None:
        return ""
    r = by_band.loc[band]
    return (f"When placeplan gave a {band} chance that {EVENTS[event][0]}, it happened in {num(r['happened'])} of "
            f"{num(r['n'])} cases ({pct(r['observed'])}; 90% interval {pct(r['lo90'])} to {pct(r['hi90'])}), "
            f"against an average chance of {pct(r['mean_predicted'])}.")


def brier_sentence(brier: pd.DataFrame, event: str) -> str:
    """The Brier score of an event (horizons pooled) and its skill against the out-of-sample climatology."""
    rows = brier[(brier["event"] == event) & (brier["horizon"] == HORIZON)]
    if rows.empty:
        return ""
    r = rows.iloc[0]
    text = f"Its Brier score was {r['brier']:.3f} over {num(r['n'])} forecasts (0 is perfect; always saying 50% scores 0.250)"
    if not is_blank(r["brier_climatology"]) and not is_blank(r["skill"]):
        text += (f"; on the {num(r['n_reference'])} forecasts made when earlier outcomes were known, "
                 f"{r['brier_reference_rows']:.3f} against {r['brier_climatology']:.3f} for the climatology "
                 f"(the share of such cells where it had happened so far), a skill of {r['skill']:+.2f} "
                 f"(above 0: better than the climatology)")
    return text + "."


def pct1(p) -> str:
    """A share (0-1) in percent with one decimal: 0.0009 -> '0.1%' (blank: en dash)."""
    return "–" if is_blank(p) else f"{float(p):.1%}"


def band_table(rows: pd.DataFrame, event: str) -> Table:
    """One row per band of predicted chance: forecasts, the mean chance, how many happened and the share."""
    body = [[r.band, num(r.n), pct1(r.mean_predicted), num(r.happened),
             [pct1(r.observed), f"({pct1(r.lo90)} to {pct1(r.hi90)})"]] for r in rows.itertuples()]
    return Table(f"How reliable the chances have been: the chance that {EVENTS[event][0]}, forecasts one to five "
                 f"years ahead from every base year of the back-test",
                 ["Chance placeplan gave", "Forecasts", "Average chance given", "Happened",
                  "Share that happened (90% interval)"], body, [False, True, True, True, True], css="reliability")


def reliability_chart(table: pd.DataFrame, width: float = 4.2) -> bytes:
    """Reliability diagram: share that happened against the chance given, per band and event; the diagonal is perfect."""
    markers = {"places": ("o", "-", style.PLACES), "growth": ("s", "--", style.DEMAND)}
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(width, width * 0.85))
        ax.plot([0, 1], [0, 1], color=style.MUTED, linewidth=0.8, label="perfectly reliable")
        for event, rows in table.groupby("event", sort=False):
            marker, line, colour = markers.get(event, ("^", ":", style.MUTED))
            x, y = rows["mean_predicted"].to_numpy(float), rows["observed"].to_numpy(float)
            err = np.vstack([y - rows["lo90"].to_numpy(float), rows["hi90"].to_numpy(float) - y])
            ax.errorbar(x, y, yerr=np.clip(err, 0, None), marker=marker, linestyle=line, color=colour, markersize=4,
                        linewidth=1.0, capsize=2, label=EVENTS.get(event, (event, event))[1])
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("Chance placeplan gave")
        ax.set_ylabel("Share that happened")
        ax.grid(color=style.GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", fontsize=7)
        fig.subplots_adjust(left=0.16, right=0.97, top=0.97, bottom=0.15)
        return style.png(fig, tight=True)


def _alt(table: pd.DataFrame) -> str:
    parts = []
    for event, rows in table.groupby("event", sort=False):
        points = ", ".join(f"{r.band}: said {pct(r.mean_predicted)}, happened {pct(r.observed)}"
                           for r in rows.itertuples())
        parts.append(f"{EVENTS.get(event, (event, event))[1]}: {points}")
    return ("Reliability diagram: the share of forecasts whose event happened against the chance placeplan gave, "
            "by band, one to five years ahead; points on the diagonal are perfectly reliable. " + "; ".join(parts)
            + ".")


def near_places_bias(backtest, low: float = 0.2, high: float = 0.6) -> str | None:
    """A sentence on the places chances given ``low``-``high``: how far the census came under the central forecast.

    Cells whose forecast is close to their places were over-forecast more than others: a year group
    near its places rarely grows past them, as a full school admits no more pupils and the census
    counts the pupils admitted, not those who wanted a place there. None without the tables.
    """
    record = getattr(backtest, "record", None)
    detail = getattr(backtest, "detail", None)
    if record is None or detail is None or record.empty or detail.empty:
        return None
    keys = ["base_year", "horizon", "planning_area", "ncy"]
    cells = record[(record["event"] == "places") & (record["horizon"] <= 5)].merge(
        detail[detail["method"] == "method"][keys + ["forecast", "actual"]], on=keys)
    cells = cells[cells["forecast"] > 0]
    if cells.empty:
        return None
    error = (cells["actual"] - cells["forecast"]) / cells["forecast"]
    middle = cells["predicted"].between(low, high, inclusive="left")
    if middle.sum() < 20:
        return None
    def side(x: float) -> str:
        return f"{abs(x):.1%} {'below' if x < 0 else 'above'}"

    return (f"Where placeplan gave a {low:.0%}-{high:.0%} chance of pupils exceeding places ({int(middle.sum())} "
            f"forecasts), the census came in {side(error[middle].mean())} the central forecast on average, "
            f"against {side(error[~middle].mean())} it elsewhere: a year group near its places rarely grows past them, "
            "because a full school admits no more pupils and the census counts the pupils admitted, not those "
            "who wanted a place. The places chances near capacity therefore run high; the growth chances do not "
            "have this limit.")


def reliability_section(results, backtest=None) -> dict:
    """Sentences, a table per event and the reliability diagram (``available`` False without a record)."""
    found = _tables(results, backtest)
    if found is None:
        return {"available": False}
    table, brier = found
    table = table[(table["horizon"] == HORIZON) & table["event"].isin(list(EVENTS))]
    if table.empty:
        return {"available": False}
    events = [e for e in EVENTS if (table["event"] == e).any()]
    lead, tables = [], []
    for event in events:
        rows = table[table["event"] == event]
        text = " ".join(s for s in (happened_sentence(rows, event),
                                    brier_sentence(brier, event) if not brier.empty else "") if s)
        lead.append(text)
        tables.append(band_table(rows, event))
    notes = ["For every planning area, year group (Reception to Year 11 for places; every year group for growth) and "
             "base year of the back-test, the chance is the share of placeplan's simulations in which the event "
             "happened, made with only the data known at the base year; the outcome is what the census showed.",
             "Places are today's places by year group, without the capital programme: past capacities are not in "
             "the data, so the places chance is tested against the current places in every year.",
             "Exactly 0% and exactly 100% are bands of their own: with a few hundred simulations, many chances are one "
             "or the other. The 90% interval is Wilson's for the share that happened."]
    near = near_places_bias(backtest if backtest is not None else getattr(results, "backtest", None))
    if near is not None:
        notes.insert(0, near)
    image = Image(reliability_chart(table), _alt(table),
                  "Reliability diagram: on the diagonal, the chances meant what they said; below it, the event "
                  "happened less often than placeplan said.")
    return {"available": True, "lead": [s for s in lead if s], "tables": tables, "notes": notes, "image": image}
