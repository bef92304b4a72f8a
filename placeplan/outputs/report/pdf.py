"""The report as PDF: a tagged PDF/UA-1 from WeasyPrint, or xhtml2pdf where WeasyPrint cannot load.

WeasyPrint (which needs the system libraries Pango and HarfBuzz) renders the screen HTML with its print
style sheet (``report.css`` then ``print.css``): headings, paragraphs, lists, tables with their header
cells, images with their alt text and the document language all reach the PDF's structure tree. Where
WeasyPrint cannot load (a machine without Pango), the report falls back to xhtml2pdf (pure Python) on
the PDF variant of the template (``pdf.css``), untagged, and says so once on stderr.

Both engines give the same bytes for the same report: no clock time is embedded (the creation and
modification dates are the scenario's ``as_at`` date when given), and the file identifier is a hash of
the content.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import sys
import threading
from functools import lru_cache

FALLBACK_WARNING = ("placeplan: WeasyPrint could not load ({reason}), so report.pdf is made with xhtml2pdf "
                    "and is NOT tagged for accessibility; install the system libraries Pango and HarfBuzz "
                    "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; "
                    "macOS: brew install pango) for a tagged PDF/UA file.")
PDF_VARIANT = "pdf/ua-1"


class PdfError(RuntimeError):
    """The PDF engine could not render the report."""


@lru_cache(maxsize=1)
def _weasyprint():
    """The weasyprint module, or the reason it cannot be imported (a string)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz missing on this machine
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
    return weasyprint


_warned = False


def engine() -> str:
    """Which engine makes the PDF here: ``"weasyprint X"`` or ``"xhtml2pdf X"`` (untagged fallback)."""
    module = _weasyprint()
    if isinstance(module, str):
        import xhtml2pdf

        return f"xhtml2pdf {xhtml2pdf.__version__}"
    return f"weasyprint {module.__version__}"


def _warn_once(reason: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        print(FALLBACK_WARNING.format(reason=reason), file=sys.stderr)


def report_pdf(context: dict, as_at: dt.date | None = None) -> bytes:
    """The report's PDF bytes from its template context (see ``html.render``).

    ``as_at`` (the scenario's as-at date) becomes the PDF's creation and modification date; without it
    the PDF carries no date.
    """
    from placeplan.outputs.report.html import render

    module = _weasyprint()
    if isinstance(module, str):
        _warn_once(module)
        return html_to_pdf(render(context, pdf=True))
    return weasy_pdf(render(context, pdf="weasyprint"), as_at, module)


def weasy_pdf(html: str, as_at: dt.date | None = None, module=None) -> bytes:
    """A tagged PDF/UA-1 document from the print HTML (WeasyPrint)."""
    weasyprint = module or _weasyprint()
    if isinstance(weasyprint, str):
        raise PdfError(f"WeasyPrint is not available: {weasyprint}")
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)  # WeasyPrint warns about every CSS property it ignores
    try:
        document = weasyprint.HTML(string=html, base_url=".").render()
        stamp = (as_at.isoformat() if hasattr(as_at, "isoformat") else str(as_at))[:10] if as_at else None
        document.metadata.created = stamp
        document.metadata.modified = stamp
        with _page_references_cached():
            return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=True)
    except RecursionError as exc:
        raise PdfError("WeasyPrint ran out of stack rendering the report") from exc
    finally:
        logger.setLevel(level)


_PATCH_LOCK = threading.Lock()
_patch_users = 0  # weasy_pdf calls inside the patch now (threads): the last one out restores pydyf


def _cached_page_references(original: property):
    def cached(pdf):
        kids = pdf.pages["Kids"]
        memo = pdf.__dict__.get("_placeplan_page_references")
        if memo is None or memo[0] is not kids or memo[1] != len(kids):
            memo = (kids, len(kids), original.fget(pdf))
            pdf.__dict__["_placeplan_page_references"] = memo
        return memo[2]

    cached.original = original
    return property(cached)


@contextlib.contextmanager
def _page_references_cached():
    """Make pydyf's ``PDF.page_references`` cost O(1) a call while WeasyPrint writes the PDF.

    pydyf (0.13) rebuilds the tuple of every page's reference each time it is read, and WeasyPrint reads it
    once for each tagged element and link, so a tagged PDF cost pages x elements: quadratic in the size of the
    report (a 201-area report's PDF spent 15 million steps there). The tuple is kept until a page is added (the
    page list's identity and length are checked), so the bytes are the same. Calls from several threads share
    one patch; the last to leave restores pydyf.
    """
    global _patch_users
    import pydyf

    with _PATCH_LOCK:
        current = getattr(pydyf.PDF, "page_references", None)
        if not isinstance(current, property):
            patched = False
        else:
            patched = True
            if _patch_users == 0:
                pydyf.PDF.page_references = _cached_page_references(current)
            _patch_users += 1
    try:
        yield
    finally:
        if patched:
            with _PATCH_LOCK:
                _patch_users -= 1
                if _patch_users == 0:
                    pydyf.PDF.page_references = pydyf.PDF.page_references.fget.original


def html_to_pdf(html: str) -> bytes:
    """Convert the xhtml2pdf variant of the report's HTML to PDF bytes (untagged)."""
    from reportlab import rl_config
    from xhtml2pdf import pisa

    out = io.BytesIO()
    logger = logging.getLogger("xhtml2pdf")
    level = logger.level
    logger.setLevel(logging.ERROR)  # xhtml2pdf warns about every CSS property it ignores
    invariant = rl_config.invariant
    rl_config.invariant = 1  # no creation date or random document id: same report, same bytes
    try:
        status = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    finally:
        rl_config.invariant = invariant
        logger.setLevel(level)
    if status.err:
        raise PdfError(f"xhtml2pdf reported {status.err} error(s) rendering the report")
    return out.getvalue()
