"""The report's charts (matplotlib, Agg backend): each function takes plain numbers and returns PNG bytes.

Charts never rely on colour alone: lines differ in style and markers, bands in hatching, and
every number a chart shows is also in a table beside it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from placeplan.outputs.report import style
from placeplan.outputs.report.drawing import drawn
from placeplan.outputs.fmt import ay, ay_short

THOUSANDS = FuncFormatter(lambda v, _: f"{v:,.0f}")


@dataclass(frozen=True)
class Marker:
    """A capital project's opening on a fan chart: ``kind`` is 'planned', 'likely' or 'both'."""

    year: int
    label: str
    kind: str


@dataclass(frozen=True)
class Fan:
    """Pupils against places over time for one planning area (or the specialist total).

    years : projected academic years; central/low/high : pupils (central projection, 5% and
    95% of draws); planned : places as planned; places_low/high : places, 5% and 95% of
    draws; base_year/base_pupils/base_places : the observed starting point (may be blank).
    """

    years: list[int]
    central: list[float]
    low: list[float]
    high: list[float]
    planned: list[float]
    places_low: list[float]
    places_high: list[float]
    base_year: int | None = None
    base_pupils: float | None = None
    base_places: float | None = None
    markers: list[Marker] = field(default_factory=list)
    pupils_label: str = "Pupils, central projection"
    places_label: str = "Places as planned"
    shade_gap: bool = False
    needed: list[float] | None = None  # places needed (central) per projected year, drawn as a strip below
    outturn: list[tuple[int, float, str]] = field(default_factory=list)  # (year, pupils, census | estimated) known


def _with_base(fan: Fan, values: list[float], start: float | None) -> tuple[list[int], list[float]]:
    if fan.base_year is None or start is None or not np.isfinite(start):
        return list(fan.years), list(values)
    return [fan.base_year, *fan.years], [start, *values]


@drawn
def fan_chart(fan: Fan, width: float = 6.0, height: float = 3.1) -> bytes:
    """Demand fan (central line, 5-95% band) against places (planned line, simulated band).

    With ``fan.needed``, a strip below shows the places needed each year (central), which can be
    positive while total places exceed total pupils: need is counted year group by year group.
    """
    with plt.rc_context(style.RC):
        if fan.needed is not None:
            fig, (ax, strip) = plt.subplots(2, 1, figsize=(width, height + 0.55), sharex=True,
                                            gridspec_kw={"height_ratios": [4.2, 1], "hspace": 0.12})
        else:
            fig, ax = plt.subplots(figsize=(width, height))
            strip = None
        xs, central = _with_base(fan, fan.central, fan.base_pupils)
        _, low = _with_base(fan, fan.low, fan.base_pupils)
        _, high = _with_base(fan, fan.high, fan.base_pupils)
        _, planned = _with_base(fan, fan.planned, fan.base_places)
        _, p_low = _with_base(fan, fan.places_low, fan.base_places)
        _, p_high = _with_base(fan, fan.places_high, fan.base_places)
        handles = []
        band = ax.fill_between(xs, low, high, color=style.DEMAND_BAND, alpha=0.75, linewidth=0, zorder=1)
        handles.append((band, "Pupils, 90% of simulations"))
        if np.nanmax(np.abs(np.subtract(p_high, p_low))) >= 0.5:
            pband = ax.fill_between(xs, p_low, p_high, facecolor="none", edgecolor=style.PLACES, hatch="////",
                                    linewidth=0, zorder=2)
            handles.append((pband, "Places, 90% of simulations"))
        if fan.shade_gap:
            gap = np.array(central) > np.array(planned)
            if gap.any():
                g = ax.fill_between(xs, planned, central, where=gap, interpolate=True, facecolor=style.SHORT,
                                    alpha=0.18, edgecolor=style.SHORT, hatch="\\\\\\", linewidth=0, zorder=2)
                handles.append((g, "Gap: pupils without a place in county"))
        (pl,) = ax.plot(xs, planned, color=style.PLACES, linestyle="--", linewidth=1.8, marker="s", markersize=3,
                        zorder=4)
        handles.append((pl, fan.places_label))
        (dl,) = ax.plot(xs, central, color=style.DEMAND, linewidth=2.0, marker="o", markersize=3.2, zorder=5)
        handles.append((dl, fan.pupils_label))
        known = [(y, v, k) for y, v, k in fan.outturn if np.isfinite(v)]
        if known:
            ax.plot([y for y, _, _ in known], [v for _, v, _ in known], color=style.INK, linewidth=1.2, zorder=5)
            for status, face, label in (("census", style.INK, "On roll (January census)"),
                                        ("estimated", "white", "On roll (county total observed, year groups "
                                                               "estimated)")):
                points = [(y, v) for y, v, k in known if k == status]
                if points:
                    (h,) = ax.plot([y for y, _ in points], [v for _, v in points], linestyle="none", marker="D",
                                   markersize=5.5, markerfacecolor=face, markeredgecolor=style.INK, zorder=6)
                    handles.append((h, label))
        elif fan.base_year is not None and fan.base_pupils is not None and np.isfinite(fan.base_pupils):
            (bp,) = ax.plot([fan.base_year], [fan.base_pupils], linestyle="none", marker="D", markersize=5.5,
                            color=style.INK, zorder=6)
            handles.append((bp, f"On roll, {fan.base_year}/{(fan.base_year + 1) % 100:02d} (actual)"))
        values = np.array([*low, *high, *p_low, *p_high, *central, *planned, *[v for _, v, _ in known]], dtype=float)
        values = values[np.isfinite(values)]
        lo, hi = (values.min(), values.max()) if values.size else (0.0, 1.0)
        pad = max((hi - lo) * 0.12, max(abs(hi), 1.0) * 0.02)
        ax.set_ylim(0, hi + pad * (2.6 if fan.markers else 1.0))  # value axis from zero: gaps at their true size
        _project_markers(ax, fan.markers, handles)
        if known:
            xs = sorted({*xs, *[y for y, _, _ in known]})
        ax.set_xlim(xs[0] - 0.4, xs[-1] + 0.4)
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.set_ylabel("Pupils or places")
        ax.grid(axis="y", color=style.GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        bottom_ax = ax
        if strip is not None:
            _needed_strip(strip, fan.years, fan.needed)
            bottom_ax = strip
            handles.append((Patch(facecolor=style.PLACES_BAND, edgecolor=style.SHORT, hatch="////", linewidth=0.6),
                            "Places needed (central)"))
        bottom_ax.set_xticks(xs)
        bottom_ax.set_xticklabels([ay_short(x) for x in xs])
        bottom_ax.set_xlabel("Academic year")
        ncol = 3 if max(len(t) for _, t in handles) <= 28 else 2
        fig.legend([h for h, _ in handles], [t for _, t in handles], loc="lower center", bbox_to_anchor=(0.5, 0.0),
                   ncol=ncol, handlelength=2.2, columnspacing=1.0)
        rows = (len(handles) + ncol - 1) // ncol
        legend_in = 0.17 * rows + 0.5
        fig.subplots_adjust(left=0.1, right=0.98, top=0.97, bottom=legend_in / fig.get_figheight())
        return style.png(fig)


def _needed_strip(ax, years: list[int], needed: list[float]) -> None:
    """Bars of places needed (central) per year, each labelled with its number."""
    values = np.nan_to_num(np.asarray(needed, dtype=float))
    top = max(float(values.max()), 1.0)
    ax.bar(years, values, width=0.6, facecolor=style.PLACES_BAND, edgecolor=style.SHORT, hatch="////",
           linewidth=0.6)
    for year, value in zip(years, values):
        if value >= 0.5:
            ax.text(year, value + top * 0.06, f"{value:,.0f}", ha="center", va="bottom", fontsize=6.8,
                    color=style.INK)
    if not (values >= 0.5).any():
        ax.text(0.5, 0.45, "No places needed in any year (central projection)", transform=ax.transAxes,
                ha="center", va="center", fontsize=7, color=style.MUTED)
    ax.set_ylim(0, top * 1.55)
    ax.set_yticks([])
    ax.set_ylabel("Places\nneeded", rotation=0, ha="right", va="center", labelpad=4, fontsize=7)
    ax.spines["left"].set_visible(False)


def _project_markers(ax, markers: list[Marker], handles: list) -> None:
    """Vertical lines at project openings, labelled at the top; close labels are stacked, not overlapped."""
    if not markers:
        return
    by_year: dict[int, list[Marker]] = {}
    for m in markers:
        by_year.setdefault(m.year, []).append(m)
    transform = ax.get_xaxis_transform()  # x in data, y in axes fraction
    placed: list[tuple[float, float]] = []  # (year, lowest y used)
    for year, group in sorted(by_year.items()):
        solid = any(m.kind in ("likely", "both") for m in group)
        ax.axvline(year, color=style.LIKELY if solid else style.PLANNED, linestyle="-" if solid else ":",
                   linewidth=1.0 if solid else 1.3, zorder=3)
        lines = [line for m in group for line in textwrap.wrap(m.label, 30)]
        y = 0.985
        for other_year, bottom in placed:
            if year - other_year < 2.6:
                y = min(y, bottom - 0.02)
        ax.text(year + 0.08, y, "\n".join(lines), transform=transform, fontsize=6.3, va="top", ha="left",
                color=style.INK, zorder=7, linespacing=1.1,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 0.8})
        placed.append((year, y - 0.075 * len(lines)))
    handles.append((plt.Line2D([], [], color=style.PLANNED, linestyle=":", linewidth=1.3), "Project: planned opening"))
    handles.append((plt.Line2D([], [], color=style.LIKELY, linestyle="-", linewidth=1.0),
                    "Project: most likely opening"))


@dataclass(frozen=True)
class ProgrammeRow:
    """One project on the delivery chart: chance its places are open in or before each academic year."""

    label: str
    planned_year: int
    p_open_by: dict[int, float]


@drawn
def programme_chart(rows: list[ProgrammeRow], years: list[int], width: float = 7.2) -> bytes:
    """Each project a row; each academic year a cell showing the chance its places are open by then."""
    with plt.rc_context(style.RC):
        height = 0.9 + 0.52 * len(rows)
        fig, ax = plt.subplots(figsize=(width, height))
        cmap = plt.get_cmap("Blues")
        for i, row in enumerate(rows):
            y = len(rows) - 1 - i
            for j, year in enumerate(years):
                p = float(row.p_open_by.get(year, 0.0))
                colour = cmap(0.08 + 0.8 * p)
                ax.add_patch(Rectangle((j, y + 0.08), 1, 0.84, facecolor=colour, edgecolor="white", linewidth=1.5))
                likely = p >= 0.5 and (j == 0 or float(row.p_open_by.get(years[j - 1], 0.0)) < 0.5)
                text = f"{p:.0%}" if 0.005 <= p < 0.995 or p in (0.0, 1.0) else ("<1%" if p < 0.5 else ">99%")
                ax.text(j + 0.5, y + 0.5, text, ha="center", va="center", fontsize=7.5,
                        fontweight="bold" if likely else "normal", color="white" if p > 0.55 else style.INK)
            if row.planned_year in years:
                j = years.index(row.planned_year)
                ax.add_patch(Rectangle((j + 0.04, y + 0.1), 0.92, 0.8, facecolor="none", edgecolor=style.INK,
                                       linewidth=2.0))
        ax.set_xlim(0, len(years))
        ax.set_ylim(0, len(rows))
        ax.set_xticks([j + 0.5 for j in range(len(years))])
        ax.set_xticklabels([ay(y) for y in years])
        ax.xaxis.tick_top()
        ax.set_yticks([len(rows) - 1 - i + 0.5 for i in range(len(rows))])
        ax.set_yticklabels(["\n".join(textwrap.wrap(r.label, 34)) for r in rows])
        ax.tick_params(length=0)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        legend = [Patch(facecolor="none", edgecolor=style.INK, linewidth=2.0, label="Planned opening year"),
                  Patch(facecolor=cmap(0.88),
                        label="Chance places are open in or before that academic year (bold: first year above 50%)")]
        ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(0, -0.02), ncol=1, handlelength=1.6)
        fig.subplots_adjust(left=0.36, right=0.99, top=1 - 0.55 / height, bottom=0.62 / height)
        return style.png(fig, tight=True)


@dataclass(frozen=True)
class OptionPoint:
    """One choice on the cost-against-risk chart: net extra council cost over the base [GBP], unmet place-years
    avoided against the base [place-years]."""

    label: str
    extra_cost: float
    avoided: float
    rank: int


@drawn
def options_tradeoff_chart(points: list[OptionPoint], width: float = 7.2) -> bytes:
    """Net extra cost over the base against unmet place-years avoided over the appraisal window, one point per choice;
    both axes from zero. Points that (nearly) coincide share one label listing them."""
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(width, 3.6))
        xs = np.array([p.extra_cost for p in points]) / 1e6
        ys = np.array([p.avoided for p in points])
        ax.scatter(xs, ys, s=36, color=style.DEMAND, zorder=3)
        x_span = max(float(np.ptp(np.append(xs, 0.0))), 0.1)
        y_span = max(float(np.ptp(np.append(ys, 0.0))), 1.0)
        groups: list[list[int]] = []
        for i in sorted(range(len(points)), key=lambda k: points[k].rank):
            for group in groups:
                j = group[0]
                if abs(xs[j] - xs[i]) < 0.03 * x_span and abs(ys[j] - ys[i]) < 0.04 * y_span:
                    group.append(i)
                    break
            else:
                groups.append([i])
        low_x = min(0.0, float(xs.min()) if len(xs) else 0.0)
        x_lim = (low_x - 0.03 * x_span, max(float(xs.max()) if len(xs) else 0.0, 0.0) + 0.6 * x_span)
        per_point = (x_lim[1] - x_lim[0]) / (width * 0.84 * 72)  # data units per typographic point, roughly
        boxes: list[tuple[float, float, float]] = []  # (x from, x to, y) of labels placed, in data units
        for group in groups:
            names = textwrap.shorten(", ".join(f"{points[k].rank}. {points[k].label}" for k in group), 70,
                                     placeholder="…")
            x, y = xs[group[0]], ys[group[0]]
            start, end = x + 6 * per_point, x + (6 + 3.9 * len(names)) * per_point
            # a label that would run into one already placed at about the same height goes below it
            below = sum(1 for a, b, by in boxes if abs(by - y) < 0.05 * y_span and a < end and start < b)
            boxes.append((start, end, y))
            ax.annotate(names, (x, y), xytext=(6, 4 - 9 * below), textcoords="offset points", fontsize=7.2)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v:,.1f}m"))
        ax.set_xlabel("Net extra council cost over the base, after residual value (£m, mean of simulations)")
        ax.set_ylabel("Unmet place-years avoided\n(expected, appraisal window)")
        ax.grid(color=style.GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlim(*x_lim)
        low_y = min(0.0, float(ys.min()) if len(ys) else 0.0)
        ax.set_ylim(low_y - 0.12 * y_span, max(float(ys.max()) if len(ys) else 0.0, 0.0) + 0.12 * y_span)
        ax.axhline(0, color=style.GRID, linewidth=0.8)
        ax.axvline(0, color=style.GRID, linewidth=0.8)
        fig.subplots_adjust(left=0.14, right=0.98, top=0.96, bottom=0.16)
        return style.png(fig, tight=True)
