"""The report as one self-contained HTML file (jinja2, autoescape on; images as data URIs, CSS inline)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
import matplotlib
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment: autoescape on for every template, whatever its extension."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False)


def _style_sheet(name: str) -> Markup:
    """One of the package's own style sheets (never scenario text), inlined into <style>."""
    css = (TEMPLATES / name).read_text(encoding="utf-8")
    if name == "pdf.css":
        fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        faces = "".join(
            f"@font-face {{ font-family: {family}; src: url('{(fonts / file).as_posix()}');{extra} }}\n"
            for family, file, extra in (
                ("DejaVuSans", "DejaVuSans.ttf", ""),
                ("DejaVuSans", "DejaVuSans-Bold.ttf", " font-weight: bold;"),
                ("DejaVuSans", "DejaVuSans-Oblique.ttf", " font-style: italic;"),
                ("DejaVuSans", "DejaVuSans-BoldOblique.ttf", " font-weight: bold; font-style: italic;"),
                ("DejaVuSansMono", "DejaVuSansMono.ttf", "")))
        css = faces + css
    return Markup(css)


def render(context: dict, pdf: bool = False) -> str:
    """Render the report template for the screen/print HTML (``pdf=False``) or for xhtml2pdf."""
    template = environment().get_template("report.html.j2")
    return template.render(**context, pdf=pdf, css=_style_sheet("pdf.css" if pdf else "report.css"))
