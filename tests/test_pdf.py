"""The report's PDF: tagged (PDF/UA-1 structure, language, alt text, table headers), no overprinted or
clipped text, the same bytes for the same run, and a clear fallback where WeasyPrint cannot load."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

import placeplan
from placeplan.outputs.report import pdf as pdfmod
from placeplan.outputs.report import render_report_pdf

from conftest import TOY

pdfplumber = pytest.importorskip("pdfplumber")
pypdf = pytest.importorskip("pypdf")
needs_weasyprint = pytest.mark.skipif(isinstance(pdfmod._weasyprint(), str),
                                      reason="WeasyPrint cannot load here (no Pango): the untagged fallback is used")

MARGIN_PT = 12 / 25.4 * 72  # print.css: 12 mm left and right


@pytest.fixture(scope="module")
def toy_results():
    return placeplan.run(TOY, draws=20)


@pytest.fixture(scope="module")
def toy_pdf(toy_results) -> bytes:
    return render_report_pdf(toy_results)


def overprints(pdf: bytes, tolerance: float = 1.0) -> list[str]:
    """Words (pdfplumber, in content-stream order, so text drawn over other text is its own word) whose boxes
    overlap another word's by more than ``tolerance`` points both ways, or that reach into the side margins."""
    problems = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            words = sorted(page.extract_words(use_text_flow=True, x_tolerance=1.5, y_tolerance=1),
                           key=lambda w: w["x0"])
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    if b["x0"] >= a["x1"] - tolerance:
                        break
                    across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                    down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                    if across > tolerance and down > tolerance:
                        problems.append(f"page {number}: {a['text']!r} overlaps {b['text']!r}")
            for w in words:
                if w["x0"] < MARGIN_PT - 2 or w["x1"] > page.width - MARGIN_PT + 2:
                    problems.append(f"page {number}: {w['text']!r} runs into the margin ({w['x0']:.0f}-{w['x1']:.0f} pt)")
    return problems


def structure(pdf: bytes) -> tuple[dict, list[str], list[str]]:
    """The catalog, every structure element's type (/H1, /Table, ...) and every /Figure's alt text."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    types, alts = [], []
    stack = [catalog["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, pypdf.generic.ArrayObject):
            stack.extend(node)
            continue
        if not isinstance(node, pypdf.generic.DictionaryObject):
            continue  # a marked-content id
        if "/S" in node:
            types.append(str(node["/S"]))
            if node["/S"] == "/Figure":
                alts.append(str(node.get("/Alt", "")))
        if "/K" in node:
            stack.append(node["/K"])
    return catalog, types, alts


def test_the_toy_pdf_has_no_overprinted_or_clipped_text(toy_pdf):
    assert overprints(toy_pdf) == []


def test_the_overprint_check_finds_overprint():
    """The check itself: two cells drawn over each other are found (the xhtml2pdf fault it guards against)."""
    html = ("<html lang='en-GB'><body><div style='position: relative; font-size: 9pt'>"
            "<span style='position: absolute; left: 40mm'>£12.7m</span>"
            "<span style='position: absolute; left: 42mm'>£12.7m–£15.5m</span></div></body></html>")
    if isinstance(pdfmod._weasyprint(), str):
        pytest.skip("WeasyPrint cannot load here")
    assert any("overlaps" in p for p in overprints(pdfmod.weasy_pdf(html)))


@needs_weasyprint
def test_the_pdf_is_tagged_with_language_title_headings_tables_and_alt_text(toy_pdf):
    catalog, types, alts = structure(toy_pdf)
    assert catalog["/MarkInfo"]["/Marked"] == pypdf.generic.BooleanObject(True)
    assert str(catalog["/Lang"]) == "en-GB"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == pypdf.generic.BooleanObject(True)
    info = pypdf.PdfReader(io.BytesIO(toy_pdf)).metadata
    assert info.title.startswith("Toyshire Council")
    for tag in ("/H1", "/H2", "/H3", "/H4", "/P", "/L", "/LI", "/Table", "/TH", "/TD", "/Caption", "/Figure"):
        assert tag in types, tag
    assert types.count("/H2") >= 8  # one per section
    assert len(alts) == 4 and all(len(a) > 20 for a in alts)  # every chart and map has its alt text
    assert any(a.startswith("Small multiples") for a in alts)
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", "-"], input=toy_pdf, capture_output=True, check=True, timeout=60).stdout
        assert b"Tagged:          yes" in out
        assert b"CreationDate:" in out


@needs_weasyprint
def test_the_same_run_gives_the_same_pdf_bytes_dated_as_at(toy_results, toy_pdf):
    again = render_report_pdf(toy_results)
    assert again == toy_pdf
    info = pypdf.PdfReader(io.BytesIO(toy_pdf)).metadata
    as_at = toy_results.scenario.config.meta.as_at
    assert info["/CreationDate"].startswith(f"D:{as_at:%Y%m%d}")
    assert info["/ModDate"] == info["/CreationDate"]


def test_without_weasyprint_the_pdf_falls_back_with_one_warning(toy_results, monkeypatch, capsys):
    monkeypatch.setattr(pdfmod, "_weasyprint", lambda: "OSError: cannot load library 'libpango-1.0-0'")
    monkeypatch.setattr(pdfmod, "_warned", False)
    first = render_report_pdf(toy_results)
    second = render_report_pdf(toy_results)
    assert first == second and first.startswith(b"%PDF")
    assert b"xhtml2pdf" in first  # the producer
    err = capsys.readouterr().err
    assert err.count("placeplan: WeasyPrint could not load") == 1  # once, not per PDF
    assert "NOT tagged" in err and "libpango-1.0-0" in err
    assert pdfmod.engine().startswith("xhtml2pdf")


@needs_weasyprint
def test_the_herefordshire_pdf_has_no_overprint(hereford_pdf):
    pdf = hereford_pdf
    assert overprints(pdf) == []
    _, types, alts = structure(pdf)
    assert types.count("/Figure") == len(alts) and all(alts)


def test_page_references_are_cached_until_a_page_is_added():
    """WeasyPrint reads pydyf's page_references once per tagged element; placeplan keeps the tuple between
    added pages (so the PDF costs pages + elements, not pages x elements) and restores pydyf afterwards."""
    pydyf = pytest.importorskip("pydyf")
    original = pydyf.PDF.page_references
    document = pydyf.PDF()
    with pdfmod._page_references_cached():
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
        first = document.page_references
        assert document.page_references is first  # the same tuple, not rebuilt
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
        second = document.page_references
        assert second is not first and len(second) == 2
        assert second == original.fget(document)  # what pydyf itself gives
    assert pydyf.PDF.page_references is original


def test_page_references_patch_is_restored_by_the_last_call_out():
    """Two overlapping PDF writes (threads) leaving in either order: pydyf is restored only when both are out."""
    pydyf = pytest.importorskip("pydyf")
    original = pydyf.PDF.page_references
    first, second = pdfmod._page_references_cached(), pdfmod._page_references_cached()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert pydyf.PDF.page_references is not original  # the second write is still inside
    second.__exit__(None, None, None)
    assert pydyf.PDF.page_references is original
