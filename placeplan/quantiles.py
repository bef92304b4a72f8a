"""Names of quantile columns, shared by every table that reports a range over draws."""

from __future__ import annotations

from collections.abc import Sequence


def quantile_column(q: float) -> str:
    """Column name of a quantile: 0.05 -> ``p05``, 0.5 -> ``p50``, 0.975 -> ``p97.5``."""
    pct = round(100 * q, 6)
    return f"p{int(pct):02d}" if pct == int(pct) else f"p{pct:g}"


def quantile_columns(quantiles: Sequence[float]) -> list[str]:
    """Column names for quantiles: 0.05 -> p05, 0.5 -> p50, 0.975 -> p97.5."""
    return [quantile_column(q) for q in quantiles]
