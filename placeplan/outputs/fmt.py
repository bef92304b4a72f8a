"""Numbers as officers read them: thousands separators, academic years, percentages, pounds.

Every function returns plain text (never markup) and copes with blanks (None, NaN, pd.NA),
which it shows as an en dash.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

BLANK = "–"


def is_blank(value: Any) -> bool:
    """True for None, NaN and pandas' missing values."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def ay(year: Any) -> str:
    """Academic year from the year its September falls in: 2026 -> '2026/27'."""
    if is_blank(year):
        return BLANK
    year = int(year)
    return f"{year}/{(year + 1) % 100:02d}"


def ay_short(year: Any) -> str:
    """Short academic year for chart ticks: 2026 -> '26/27'."""
    if is_blank(year):
        return BLANK
    year = int(year)
    return f"{year % 100:02d}/{(year + 1) % 100:02d}"


def num(value: Any, digits: int = 0) -> str:
    """A number with thousands separators: 12345.6 -> '12,346'; -0 shows as 0."""
    if is_blank(value):
        return BLANK
    value = float(value)
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def signed(value: Any) -> str:
    """A change of places with its sign: 35 -> '+35', -20 -> '-20'."""
    if is_blank(value):
        return BLANK
    value = round(float(value))
    return f"+{value:,}" if value > 0 else (f"-{-value:,}" if value < 0 else "0")


def pct(p: Any) -> str:
    """A probability (0-1) as a percentage; keeps 'under 1%' and 'over 99%' apart from 0 and 100%."""
    if is_blank(p):
        return BLANK
    p = float(p)
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    if p < 0.005:
        return "under 1%"
    if p >= 0.995:
        return "over 99%"
    return f"{p:.0%}"


def share(value: Any, digits: int = 1) -> str:
    """A value already in percent: 8.96 -> '9.0%'."""
    if is_blank(value):
        return BLANK
    return f"{float(value):,.{digits}f}%"


def gbp(value: Any) -> str:
    """Pounds for officers: 12,696,475 -> '£12.7m', 340,268 -> '£340,000', 9,538 -> '£9,538'."""
    if is_blank(value):
        return BLANK
    value = float(value)
    if abs(value) >= 1e6:
        return f"£{value / 1e6:,.1f}m"
    if abs(value) >= 1e5:
        return f"£{round(value, -4):,.0f}"
    return f"£{value:,.0f}"


def gbp_range(low: Any, high: Any) -> str:
    """A cost range in millions when large: '£30.2m–£35.6m'."""
    if is_blank(low) or is_blank(high):
        return BLANK
    return f"{gbp(low)}–{gbp(high)}"


def num_range(low: Any, high: Any, digits: int = 0) -> str:
    """'1,050–1,120'."""
    if is_blank(low) or is_blank(high):
        return BLANK
    a, b = num(low, digits), num(high, digits)
    return a if a == b else f"{a}–{b}"


def places(value: Any) -> str:
    """Whole places, never negative zero: 22.4 -> '22'."""
    if is_blank(value):
        return BLANK
    return num(max(float(value), 0.0) if abs(float(value)) < 0.5 else float(value))


def clip(text: Any, width: int) -> str:
    """Text cut to ``width`` characters with an ellipsis where it is longer: 'Queen Elizabeth (Bromyard)', 17 ->
    'Queen Elizabeth…'."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 area', '3 areas'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def finite(value: Any) -> bool:
    """A real, finite number."""
    try:
        return not is_blank(value) and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
