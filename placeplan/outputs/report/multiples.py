"""Small multiples: every planning area (or sub-area) of a phase in one figure, pupils against places.

One panel per area, on the same years: the central projection of pupils (line), the 90% band of the
simulations (shaded), and places as planned (dashed). Each panel's value axis starts at zero, so the gap
between pupils and places reads at its true size; panels have their own scales (areas differ tenfold),
each labelled. A panel whose area is likely to be short (more than half the simulations, on DfE's basis)
is framed in red and titled "likely short". The numbers are in the appendix tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from placeplan.outputs.fmt import ay, ay_short, clip, num
from placeplan.outputs.report import style
from placeplan.outputs.report.drawing import drawn
from placeplan.outputs.report.blocks import Image
from placeplan.outputs.report.page_one import LIKELY

THOUSANDS = FuncFormatter(lambda v, _: f"{v:,.0f}")
COLUMNS = 4


@dataclass(frozen=True)
class Panel:
    """One area: ``years``; ``central``, ``low``, ``high`` pupils [pupils]; ``planned`` places [places];
    ``likely_short``: a shortfall is likely in some year."""

    title: str
    years: list[int]
    central: list[float]
    low: list[float]
    high: list[float]
    planned: list[float]
    likely_short: bool = False


def panels(table: pd.DataFrame, code: str, chance: str = "p_shortfall_dfe") -> list[Panel]:
    """Panels from a sufficiency table (one row per area and year: ``demand_central``, ``demand_low``,
    ``demand_high``, ``places_planned``, ``chance``), one per area, by code."""
    out = []
    for key, rows in table.sort_values([code, "academic_year"]).groupby(code, sort=True):
        name = str(rows["name"].iloc[0]) if "name" in rows else ""
        low = rows["demand_low"] if "demand_low" in rows else rows["demand_central"]
        high = rows["demand_high"] if "demand_high" in rows else rows["demand_central"]
        out.append(Panel(f"{key} {name}".strip(), [int(y) for y in rows["academic_year"]],
                         rows["demand_central"].astype(float).tolist(), low.astype(float).tolist(),
                         high.astype(float).tolist(), rows["places_planned"].astype(float).tolist(),
                         bool((rows[chance] > LIKELY).any()) if chance in rows else False))
    return out


@drawn
def small_multiples(items: list[Panel], columns: int = COLUMNS, panel_width: float = 1.85,
                    panel_height: float = 1.4) -> bytes:
    """The panels on a grid, ``columns`` wide, with one legend on top; PNG bytes (100 dpi)."""
    rows = max(1, math.ceil(len(items) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * panel_width, rows * panel_height + 0.45),
                             squeeze=False)
    for ax, panel in zip(axes.flat, items):
        years = panel.years
        ax.fill_between(years, panel.low, panel.high, color=style.DEMAND_BAND, alpha=0.55, linewidth=0)
        ax.plot(years, panel.central, color=style.DEMAND, linewidth=1.3)
        ax.plot(years, panel.planned, color=style.PLACES, linewidth=1.2, linestyle=(0, (4, 2)))
        top = max(max(panel.high, default=0), max(panel.planned, default=0), 1.0)
        ax.set_ylim(0, top * 1.08)
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.set_xticks([years[0], years[-1]] if years else [])
        ax.set_xticklabels([ay_short(y) for y in ([years[0], years[-1]] if years else [])])
        ax.tick_params(labelsize=6, length=2, pad=1)
        title = clip(panel.title, 27) + ("\nlikely short" if panel.likely_short else "\n")
        ax.set_title(title, fontsize=6.3, loc="left", pad=2, linespacing=1.1,
                     color=style.SHORT if panel.likely_short else "#0b0c0c",
                     fontweight="bold" if panel.likely_short else "normal")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if panel.likely_short:
            for side in ("left", "bottom"):
                ax.spines[side].set_color(style.SHORT)
                ax.spines[side].set_linewidth(1.4)
    for ax in list(axes.flat)[len(items):]:
        ax.set_visible(False)
    fig.legend(handles=[Line2D([], [], color=style.DEMAND, linewidth=1.3, label="Pupils, central projection"),
                        Patch(color=style.DEMAND_BAND, alpha=0.55, label="90% of simulations"),
                        Line2D([], [], color=style.PLACES, linewidth=1.2, linestyle=(0, (4, 2)),
                               label="Places as planned")],
               loc="upper center", ncol=3, fontsize=6.5, frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / (rows * panel_height + 0.45)), h_pad=0.5, w_pad=0.6)
    return style.png(fig)


def multiples_section(results) -> list[dict]:
    """The section's figures: primary planning areas; secondary planning areas with the sub-areas."""
    suff = results.sufficiency
    out = []
    primary = suff[suff["phase"] == "primary"]
    if len(primary):
        out.append(_figure(panels(primary, "planning_area"), "primary planning areas"))
    secondary = panels(suff[suff["phase"] == "secondary"], "planning_area")
    subs = results.sub_area_sufficiency
    if isinstance(subs, pd.DataFrame) and len(subs) and (subs["phase"] == "secondary").any():
        secondary += panels(subs[subs["phase"] == "secondary"], "code")
        what = "secondary planning area and its sub-areas" if len(secondary) > 1 else "secondary planning areas"
    else:
        what = "secondary planning areas"
    if secondary:
        out.append(_figure(secondary, what))
    return out


def _figure(items: list[Panel], what: str) -> dict:
    png = small_multiples(items)
    first, last = (items[0].years[0], items[0].years[-1]) if items and items[0].years else (None, None)
    described = "; ".join(f"{p.title}: pupils {num(p.central[0])} to {num(p.central[-1])}, places "
                          f"{num(p.planned[-1])} by the end{', likely short' if p.likely_short else ''}"
                          for p in items if p.years)
    span = f" {ay(first)} to {ay(last)}" if first is not None else ""
    alt = f"Small multiples of the {what},{span}, one panel each, value axes from zero. {described}."
    caption = (f"The {what}: pupils (central line, 90% band) against places as planned (dashed), each panel's "
               "axis from zero; red frames: a shortfall is likely on DfE's basis. Numbers: Appendix A.")
    return {"image": Image(png, alt, caption), "what": what, "count": len(items)}
