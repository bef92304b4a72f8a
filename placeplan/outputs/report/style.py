"""One palette and type scale for every chart and map (colour-blind safe, print friendly)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

INK = "#1b1b1b"
MUTED = "#505a5f"
GRID = "#d9dde0"
DEMAND = "#1d4f91"        # pupils: dark blue line, light blue band
DEMAND_BAND = "#a9c6ea"
PLACES = "#b35900"        # places: dark orange dashed line, hatched light orange band
PLACES_BAND = "#f6c89f"
SHORT = "#b2182b"
PLANNED = "#505a5f"
LIKELY = "#1b1b1b"

# Diverging classes for spare (blue) and short (red) places; hatching marks the short ones.
CLASS_STYLE = {
    "short_30": {"color": "#b2182b", "hatch": "xxx", "text": "white"},
    "short_10": {"color": "#e0705a", "hatch": "///", "text": INK},
    "short_1": {"color": "#fbc4ab", "hatch": "..", "text": INK},
    "spare_0": {"color": "#f2f2f2", "hatch": "", "text": INK},
    "spare_5": {"color": "#9ecae1", "hatch": "", "text": INK},
    "spare_10": {"color": "#2f6fa8", "hatch": "", "text": "white"},
    "none": {"color": "#ffffff", "hatch": "", "text": INK},
}

CHANCE_STYLE = {  # chance of a shortfall: sequential, darker = likelier, with hatching from 50%
    "p_90": {"color": "#7f2704", "hatch": "xxx"},
    "p_50": {"color": "#d94801", "hatch": "///"},
    "p_10": {"color": "#fdae6b", "hatch": ""},
    "p_0": {"color": "#fff5eb", "hatch": ""},
}

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 8,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "none",
}

DPI = 100


def png(fig, tight: bool = False) -> bytes:
    """Save a figure as PNG bytes (no timestamp, so the same run gives the same bytes) and close it."""
    buffer = io.BytesIO()
    extra = {"bbox_inches": "tight", "pad_inches": 0.06} if tight else {}
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, **extra)
    plt.close(fig)
    return buffer.getvalue()
