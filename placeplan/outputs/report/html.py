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


def _fonts() -> Path:
    """matplotlib's DejaVu fonts: the same on every machine, so neither PDF depends on the system's fonts."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


FACES = (("DejaVuSans", "DejaVuSans.ttf", ""),
         ("DejaVuSans", "DejaVuSans-Bold.ttf", " font-weight: bold;"),
         ("DejaVuSans", "DejaVuSans-Oblique.ttf", " font-style: italic;"),
         ("DejaVuSans", "DejaVuSans-BoldOblique.ttf", " font-weight: bold; font-style: italic;"),
         ("DejaVuSansMono", "DejaVuSansMono.ttf", ""))


def _style_sheet(name: str) -> Markup:
    """The package's own style sheets (never scenario text), inlined into <style>.

    ``name`` is ``report.css`` (screen), ``pdf.css`` (xhtml2pdf) or ``print.css`` (WeasyPrint: report.css,
    then print.css over it).
    """
    if name == "print.css":
        css = (TEMPLATES / "report.css").read_text(encoding="utf-8") + "\n"
        css += (TEMPLATES / "print.css").read_text(encoding="utf-8")
    else:
        css = (TEMPLATES / name).read_text(encoding="utf-8")
    if name == "pdf.css":
        css = "".join(f"@font-face {{ font-family: {family}; src: url('{(_fonts() / file).as_posix()}');{extra} }}\n"
                      for family, file, extra in FACES) + css
    elif name == "print.css":
        css = "".join(f"@font-face {{ font-family: {family}; src: url('{(_fonts() / file).as_uri()}');{extra} }}\n"
                      for family, file, extra in FACES) + css
    return Markup(css)


def render(context: dict, pdf: bool | str = False) -> str:
    """Render the report template.

    ``pdf=False``: the screen/print HTML file; ``pdf=True``: the variant for xhtml2pdf (its own page
    furniture and ``pdf.css``); ``pdf="weasyprint"``: the screen HTML with the print style sheet for
    WeasyPrint (same markup as the HTML file: figures, captions, header scopes).
    """
    template = environment().get_template("report.html.j2")
    if pdf == "weasyprint":
        return template.render(**context, pdf=False, css=_style_sheet("print.css"))
    return template.render(**context, pdf=bool(pdf), css=_style_sheet("pdf.css" if pdf else "report.css"))
