"""Building blocks the template renders: tables and images (text only; the template escapes it)."""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass, field


@dataclass
class Table:
    """A table with a caption, column headings (scope=col) and, by default, a row heading (scope=row).

    A cell is text, or a list of text lines. ``numeric`` right-aligns columns.
    """

    caption: str
    head: list[str]
    rows: list[list]
    numeric: list[bool] = field(default_factory=list)
    row_header: bool = True
    note: str = ""
    css: str = ""
    widths: list[int] = field(default_factory=list)  # column widths in percent (optional)
    strong_first: bool = False  # first line of a row's first cell in bold (e.g. an option's name)

    def width(self, i: int) -> int | None:
        """Width of column ``i`` in percent, if set."""
        return self.widths[i] if i < len(self.widths) else None

    def align(self, i: int) -> str:
        """'num' for a right-aligned column."""
        return "num" if i < len(self.numeric) and self.numeric[i] else ""


@dataclass
class Image:
    """A PNG embedded as a data URI, with its alt text and pixel size."""

    png: bytes
    alt: str
    caption: str = ""
    css: str = ""

    @property
    def src(self) -> str:
        """data:image/png;base64,..."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    @property
    def size(self) -> tuple[int, int]:
        """Width and height in pixels, from the PNG header."""
        width, height = struct.unpack(">II", self.png[16:24])
        return int(width), int(height)

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]
