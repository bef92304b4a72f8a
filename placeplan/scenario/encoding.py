"""Decode a scenario file's bytes: UTF-8 (with or without BOM), UTF-16/32 with a BOM, else cp1252.

Notepad and Excel on Windows save UTF-16 (with a BOM) or cp1252 ("ANSI"); both are read. A file
that is neither UTF-8 nor marked by a BOM is read as cp1252 and a note says so, because a
character outside plain English letters may then be shown differently from what was meant.
"""

from __future__ import annotations

import codecs

_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


class DecodeError(ValueError):
    """The bytes are not text in any encoding read here; the message says what to do."""


def decode_bytes(data: bytes) -> tuple[str, str | None]:
    """The text of a file and a note (None when the encoding is certain).

    Raises DecodeError for a file that is not text (NUL bytes without a BOM, or a BOM-marked
    file whose bytes do not decode).
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), None
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {label} byte-order mark but byte {exc.start + len(bom)} is not "
                                  f"{label} (expected the file saved as UTF-8)") from None
    if b"\x00" in data:
        raise DecodeError("contains NUL bytes: not a text file (or UTF-16 without a byte-order mark; expected "
                          "the file saved as UTF-8)")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        first = exc.start
    try:
        text = data.decode("cp1252")
        label = "Windows-1252 (ANSI)"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        label = "Latin-1"
    line = data.count(b"\n", 0, first) + 1
    return text, (f"not UTF-8 (byte {data[first]:#04x} on line {line}); read as {label}, the Windows default: "
                  "check accented letters and symbols, or save the file as UTF-8")
