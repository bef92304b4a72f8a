"""Saving an openpyxl workbook as the same bytes every time (no "now" in its properties or zip entries)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile


def workbook_bytes(workbook, stamp: dt.datetime) -> bytes:
    """The ``.xlsx`` bytes of ``workbook`` with its created/modified dates and every zip entry stamped ``stamp``.

    openpyxl's own ``save`` stamps "modified" with the time now, and zipfile stamps each entry likewise.
    """
    from openpyxl.writer.excel import ExcelWriter

    props = workbook.properties
    props.created = stamp
    props.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return fixed_zip_times(buffer.getvalue(), (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0))


def fixed_zip_times(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite a zip with every entry stamped ``date_time`` (zipfile stamps the time now otherwise)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, source.read(item.filename))
    return out.getvalue()
