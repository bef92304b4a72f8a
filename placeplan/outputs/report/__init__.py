"""The report officers take into a DfE meeting: one self-contained HTML file, and the same as PDF.

    from placeplan.outputs.report import render_report_html, render_report_pdf
    html = render_report_html(results, comparison, backtest)   # str
    pdf = render_report_pdf(results, comparison, backtest)     # bytes

``render_report`` gives both from one pass (charts and maps are drawn once). These functions are
pure except that they read the map files the scenario names (``planning_areas.geometry`` and
``planning_areas.boundary``).
"""

from __future__ import annotations

from placeplan.outputs.report.context import build_context
from placeplan.outputs.report.html import render
from placeplan.outputs.report.pdf import report_pdf

__all__ = ["render_report", "render_report_html", "render_report_pdf"]


def render_report_html(results, comparison=None, backtest=None, *, map_year: int | None = None) -> str:
    """The report as one self-contained HTML document (images embedded, CSS inline, no scripts).

    Parameters
    ----------
    results : placeplan.api.Results
    comparison : placeplan.api.Comparison, optional; adds the ranked option comparison
    backtest : an object with a ``comparison`` DataFrame (from placeplan.backtest), optional
    map_year : academic year the maps show (default base year + 3)
    """
    return render(build_context(results, comparison, backtest, map_year))


def render_report_pdf(results, comparison=None, backtest=None, *, map_year: int | None = None) -> bytes:
    """The same report as PDF bytes: tagged PDF/UA-1 from WeasyPrint (xhtml2pdf, untagged, without Pango)."""
    return report_pdf(build_context(results, comparison, backtest, map_year), _as_at(results))


def render_report(results, comparison=None, backtest=None, *, map_year: int | None = None) -> tuple[str, bytes]:
    """Both: (HTML text, PDF bytes), drawing the charts and maps once."""
    context = build_context(results, comparison, backtest, map_year)
    return render(context), report_pdf(context, _as_at(results))


def _as_at(results):
    """The scenario's as-at date (the PDF's creation date), or None."""
    return getattr(results.scenario.config.meta, "as_at", None)
