"""The report as PDF, rendered from the same template with xhtml2pdf (pure Python, no browser)."""

from __future__ import annotations

import io
import logging

from reportlab import rl_config
from xhtml2pdf import pisa


class PdfError(RuntimeError):
    """xhtml2pdf could not render the report."""


def html_to_pdf(html: str) -> bytes:
    """Convert the PDF variant of the report's HTML to PDF bytes."""
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
