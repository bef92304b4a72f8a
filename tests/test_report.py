"""The DfE-meeting report (HTML and PDF): content, numbers against the results, escaping, maps, structure."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest

import placeplan
from conftest import HEREFORDSHIRE, TOY, edit_csv
from placeplan import load_scenario
from placeplan.api import compare
from placeplan.outputs.report import render_report, render_report_html, render_report_pdf
from placeplan.outputs.fmt import ay, num, pct, places

SECTION_HEADINGS = ["Summary for the DfE meeting", "Where places fall short: maps",
                    "Planning areas: pupils against places", "Sub-areas and schools",
                    "Capital programme: what opens, and when",
                    "Options compared", "Forecast accuracy (back-test)", "How past forecasts did",
                    "Method, data and approximations", "Appendix A: each area, year by year"]
SCRIPT = "<script>alert(1)</script>"


# --- a small HTML reader (standard library only) -----------------------------------------------------


@dataclass
class ParsedTable:
    caption: str
    head: list[str]
    rows: list[list[str]]
    scopes: list[str]


class ReportParser(HTMLParser):
    """Collects headings, images, tables, section ids and the <html lang> of a report."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.headings: list[tuple[int, str]] = []
        self.images: list[dict] = []
        self.tables: list[ParsedTable] = []
        self.sections: list[str] = []
        self.scripts = 0
        self._text: list[str] | None = None
        self._heading: int | None = None
        self._table: ParsedTable | None = None
        self._row: list[str] | None = None
        self._in_head = False
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "script":
            self.scripts += 1
        elif tag == "section":
            self.sections.append(attrs.get("id", ""))
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "table":
            self._table = ParsedTable("", [], [], [])
        elif tag == "caption":
            self._caption = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
            if tag == "th" and self._table is not None:
                self._table.scopes.append(attrs.get("scope", ""))
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._heading:
            self.headings.append((self._heading, "".join(self._text).strip()))
            self._heading = None
        elif tag == "caption" and self._table is not None:
            self._table.caption = "".join(self._caption).strip()
            self._caption = None
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._table is not None:
            if self._in_head:
                self._table.head = self._row
            else:
                self._table.rows.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        for buffer in (self._text if self._heading else None, self._caption, self._cell):
            if buffer is not None:
                buffer.append(data)

    def table(self, starts: str) -> ParsedTable:
        found = [t for t in self.tables if t.caption.startswith(starts)]
        assert found, f"no table whose caption starts {starts!r}; captions: {[t.caption for t in self.tables]}"
        return found[0]


def parse(html: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(html)
    return parser


def png_of(src: str) -> bytes:
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix), f"image is not an embedded PNG: {src[:40]!r}"
    return base64.b64decode(src[len(prefix):], validate=True)


def assert_real_png(data: bytes, min_side: int = 100) -> None:
    """A valid PNG with a real picture: decodes, is big enough, and is not one flat colour."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    pixels = mpimg.imread(io.BytesIO(data), format="png")
    height, width = pixels.shape[:2]
    assert width >= min_side and height >= min_side // 2, f"image only {width}x{height} px"
    grey = pixels[..., :3].mean(axis=2)
    assert grey.std() > 0.05, "image is (nearly) blank"
    assert (grey < 0.6).mean() > 0.005, "image has almost no dark ink"


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy_results():
    return placeplan.run(TOY, draws=60)


@pytest.fixture(scope="module")
def toy_report(toy_results):
    return render_report_html(toy_results), render_report_pdf(toy_results)


@pytest.fixture(scope="module")
def toy_html(toy_report):
    return toy_report[0]


@pytest.fixture(scope="module")
def toy_parsed(toy_html):
    return parse(toy_html)


def write_toy_geometry(folder: Path) -> None:
    """Two squares (North above South) around the toy's schools, the county as their union; WGS84 GeoJSON."""
    import geopandas as gpd
    from shapely.geometry import box

    north = box(340_000, 250_000, 362_000, 270_000)
    south = box(340_000, 230_000, 362_000, 250_000)
    county = north.union(south)
    areas = gpd.GeoDataFrame(
        {"planning_area": ["8881001", "8881002", "8880001", "888S-N", "888S-S"]},
        geometry=[north, south, county, north, south], crs="EPSG:27700").to_crs("EPSG:4326")
    areas.to_file(folder / "areas.geojson", driver="GeoJSON")
    gpd.GeoDataFrame({"la_code": ["888"]}, geometry=[county], crs="EPSG:27700").to_crs("EPSG:4326").to_file(
        folder / "boundary.geojson", driver="GeoJSON")


@pytest.fixture(scope="module")
def mapped_toy(tmp_path_factory):
    """The toy council with planning-area polygons and an outline (the toy itself has none)."""
    root = tmp_path_factory.mktemp("mapped")
    shutil.copytree(TOY.parent / "toy_council", root / "toy_council")
    write_toy_geometry(root / "toy_council")
    text = TOY.read_text().replace(
        "  table: toy_council/planning_areas.csv\n",
        "  table: toy_council/planning_areas.csv\n  geometry: toy_council/areas.geojson\n"
        "  boundary: toy_council/boundary.geojson\n", 1)
    (root / "toy_council.yaml").write_text(text)
    return placeplan.run(root / "toy_council.yaml", draws=40)


# --- structure and accessibility ----------------------------------------------------------------------


def test_html_is_one_self_contained_accessible_document(toy_html, toy_parsed):
    assert toy_html.startswith("<!DOCTYPE html>")
    assert toy_parsed.lang and toy_parsed.lang.startswith("en")
    assert toy_parsed.scripts == 0, "the report needs no JavaScript"
    assert not re.search(r"""(src|href)=["'](https?:)?//""", toy_html), "no network resources"
    assert "<link" not in toy_html and "@import" not in toy_html
    assert "@media print" in toy_html and "break-before: page" in toy_html
    levels = [level for level, _ in toy_parsed.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"


def test_sections_appear_in_order(toy_parsed):
    h2 = [text for level, text in toy_parsed.headings if level == 2 and text != "Contents"]
    titles = [re.sub(r"^\d+\. ", "", t) for t in h2]
    assert titles == SECTION_HEADINGS  # the toy has no SEND table, so no specialist section
    assert toy_parsed.sections[:2] == ["summary", "maps"]


def test_every_image_is_an_embedded_png_with_alt_text(toy_parsed):
    # three planning areas, two sub-areas, the programme, past forecasts (the toy's one base year has no
    # earlier outcome, so no chance is scored and there is no reliability diagram: the report says so)
    assert len(toy_parsed.images) == 4  # two small-multiple figures, the programme, past forecasts
    for image in toy_parsed.images:
        assert_real_png(png_of(image["src"]))
        assert len(image.get("alt", "")) >= 40, f"alt text too thin: {image.get('alt')!r}"
        assert image.get("width") and image.get("height")


def test_every_table_has_a_caption_and_scoped_headings(toy_parsed):
    assert len(toy_parsed.tables) >= 8
    for table in toy_parsed.tables:
        assert table.caption, f"table without caption: {table.head}"
        assert table.scopes and all(scope in ("col", "row") for scope in table.scopes)
        assert all(len(row) == len(table.head) for row in table.rows), table.caption


# --- content and numbers --------------------------------------------------------------------------------


def summary_text(html: str) -> str:
    start = html.index('id="summary"')
    return html[start:html.index('id="maps"')]


def test_summary_names_the_short_area_and_the_committed_project(toy_html, toy_results):
    summary = summary_text(toy_html)
    assert "8881002 South" in summary
    assert "South Primary expansion to 3 forms of entry" in summary
    assert "Decisions this asks for" in summary
    soon = ay(toy_results.scenario.config.meta.base_year + 3)
    assert ("Agree how to provide primary places in 8881002 South, which is short in the central projection, "
            f"with a shortfall more likely than not by {soon}") in summary
    decisions = summary.split("Decisions this asks for")[1].split("Key figures")[0]
    asked = [d for d in decisions.split("<li>") if d.startswith("Agree how to provide")]
    assert asked and all("8881001 North" not in d for d in asked)  # North is not short: no places asked for it
    surplus = [d for d in decisions.split("<li>") if d.startswith("Review surplus primary places")]
    assert len(surplus) == 1 and "most in 8881001 North" in surplus[0]  # ... but its spare places are named


def test_area_table_numbers_match_the_sufficiency_table(toy_parsed, toy_results):
    table = toy_parsed.table("8881002 South, primary")
    assert table.head == ["Year", "Pupils (central)", "Pupils, 90% range", "Places (planned)",
                          "Places needed (central)", "Chance of a shortfall"]
    rows = {row[0]: row for row in table.rows}
    south = toy_results.sufficiency.query("planning_area == '8881002'")
    known = [k for k in rows if k.endswith("(census)") or k.endswith("(est.)")]
    assert len(south) == len(rows) - len(known)  # plus the outturn years' rows
    assert known == ["2019/20 (census)", "2020/21 (census)", "2021/22 (census)", "2022/23 (census)"]
    assert all(rows[k][2] == "–" and rows[k][5] == "–" for k in known)  # no range or chance for a known year
    for r in south.itertuples():
        row = rows[ay(r.academic_year)]
        assert row[1] == num(r.demand_central)
        assert row[3] == num(r.places_planned)
        assert row[4] == places(r.places_needed_central)
        assert row[5] == pct(r.p_shortfall)
    # hand-checked in test_api: 62 pupils per year group against 60 x 0.98 places -> 22.4 short
    assert rows["2023/24"][4] == "22"
    base = toy_results.base_position.query("planning_area == '8881002' and provision == 'primary'").iloc[0]
    assert rows["2022/23 (census)"][1] == num(base["nor"])


def test_map_table_and_programme_table_match_results(toy_parsed, toy_results):
    year = toy_results.scenario.config.meta.base_year + 3
    table = toy_parsed.table(f"Spare and short places by planning area, {ay(year)}")
    south = toy_results.sufficiency.query("planning_area == '8881002' and academic_year == @year").iloc[0]
    row = next(r for r in table.rows if r[0] == "8881002 South")
    assert row[2] == "Short of 10 to 29 places"
    assert row[3] == num(south["places_needed_central"])
    assert row[6] == pct(south["p_shortfall"])
    programme = toy_parsed.table("Capital programme in this run")
    project = toy_results.programme.iloc[0]
    row = next(r for r in programme.rows if r[0] == project["name"])
    assert row[4] == pct(project["p_on_time"]) and row[3] == ay(project["planned_opening_year"])


def test_entry_pressure_table_matches_results(toy_parsed, toy_results):
    year = toy_results.scenario.config.meta.base_year + 3
    table = toy_parsed.table(f"Entry-year pressure, {ay(year)}")
    entry = toy_results.entry_pressure.query("academic_year == @year")
    assert len(table.rows) == len(entry)
    for r in entry.itertuples(index=False):
        row = next(x for x in table.rows if x[0] == f"{r.planning_area} {r.name}")
        assert row[1] == ("Reception" if r.phase == "primary" else "Year 7")
        assert row[2] == num(r.entry_places_planned) and row[3] == num(r.demand_central)
        assert row[6] == pct(r.p_over_pan)


def test_missing_pieces_say_how_to_get_them(toy_html):
    assert "names no planning-area polygons" in toy_html
    assert "placeplan compare" in toy_html and "placeplan backtest" in toy_html
    assert "Specialist (SEND) demand is not in this run" in toy_html


def test_method_section_states_settings_and_sources(toy_parsed, toy_results):
    settings = {row[0]: row[1] for row in toy_parsed.table("Run settings").rows}
    assert settings["Simulations (draws) and random seed"] == f"{toy_results.run_info['draws']}, seed 1"
    assert settings["Operating margin"].startswith("2%")
    data = {row[0]: row for row in toy_parsed.table("Data used").rows}
    assert data["capacity"][1] == num(len(toy_results.scenario.tables["capacity"]))


def test_options_and_backtest_sections(toy_results):
    comparison = compare(TOY, draws=30, sets=[])
    backtest = type("Backtest", (), {"comparison": pd.DataFrame({
        "phase": ["primary", "primary"], "horizon": ["1", "3"], "n_base": [4, 2],
        "dfe_accuracy_pct_method": [0.51, -1.25], "dfe_accuracy_pct_naive": [0.9, 2.0],
        "mape_pct_method": [2.5, 4.0], "coverage90_method": [0.88, 0.8]})})()
    parsed = parse(render_report_html(toy_results, comparison, backtest))
    ranked = parsed.table("Choices ranked")
    assert ranked.rows[0][0].startswith("1. ")
    assert any("unmet" in img["alt"] for img in parsed.images)
    bt = parsed.table("Back-test")
    assert bt.head[:3] == ["Phase", "Horizon", "Number of base years"]
    assert bt.rows[0][3] == "0.51" and bt.rows[1][-1] == "80%"


def test_options_section_ranks_choices_and_sets_what_ifs_apart(toy_results):
    import dataclasses

    from placeplan.scenario.schema import Option

    toy = toy_results.scenario
    config = toy.config.model_copy(update={"options": {
        "annex": Option(description="build the annex", changes={"capital_projects.oak_special_annex.status": "committed"}),
        "late": Option(description="what if South slips a year", kind="what_if",
                       changes={"capital_projects.south_primary_expansion.delay_months": 12})}})
    comparison = compare(dataclasses.replace(toy, config=config), draws=30)
    parsed = parse(render_report_html(toy_results, comparison, None))
    ranked = parsed.table("Choices ranked")
    names = [row[0] for row in ranked.rows]
    assert any(n.startswith("1. ") for n in names) and not any("late" in n for n in names)
    what_if = parsed.table("What-ifs against the base")
    assert [row[0].split()[0] for row in what_if.rows] == ["late"]
    summary = comparison.summary.set_index("option")
    change = summary.at["late", "window_unmet_primary"] - summary.at["base", "window_unmet_primary"]
    assert what_if.rows[0][1].startswith(f"primary {round(change):+,d}")
    where = parsed.table("Where each option makes a difference")
    assert any(row[0] == "late" and "South" in row[1] for row in where.rows)  # the slip shows where it bites


# --- escaping -------------------------------------------------------------------------------------------


def test_scenario_text_is_escaped(toy_copy):
    folder = toy_copy.parent / "toy_council"
    edit_csv(folder / "planning_areas.csv", "8881002,South,", f"8881002,{SCRIPT},")
    edit_csv(folder / "schools.csv", "South Primary,", f"{SCRIPT},")
    text = toy_copy.read_text()
    text = text.replace("title: Toyshire Council (example)", 'title: "Toy & <b>Co</b>"')
    text = text.replace("name: South Primary expansion to 3 forms of entry", 'name: "<img src=x onerror=alert(1)>"')
    toy_copy.write_text(text)
    results = placeplan.run(load_scenario(toy_copy), draws=20)
    html, pdf = render_report(results)
    assert "<script>alert" not in html and "<b>Co</b>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Toy &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    parsed = parse(html)
    assert parsed.scripts == 0
    assert all(img["src"].startswith("data:image/png;base64,") for img in parsed.images)
    assert any(SCRIPT in text for _, text in parsed.headings)  # shown as text, in the area's heading
    assert pdf.startswith(b"%PDF")


# --- maps -----------------------------------------------------------------------------------------------


def test_maps_from_the_scenario_geometry(mapped_toy):
    parsed = parse(render_report_html(mapped_toy))
    maps = [img for img in parsed.images if img["alt"].startswith("Map of")]
    assert len(maps) == 3  # the main map, primary chance of shortfall, secondary sub-areas
    for image in maps:
        assert_real_png(png_of(image["src"]), min_side=300)
    main = maps[0]["alt"]
    assert "2 primary planning areas" in main and "8881002 South (short 22)" in main
    assert "names no planning-area polygons" not in "".join(t.caption for t in parsed.tables)


def test_a_broken_map_file_omits_the_maps_not_the_report(toy_copy):
    (toy_copy.parent / "toy_council" / "areas.geojson").write_text("{ not json")
    text = toy_copy.read_text().replace(
        "  table: toy_council/planning_areas.csv\n",
        "  table: toy_council/planning_areas.csv\n  geometry: toy_council/areas.geojson\n")
    toy_copy.write_text(text)
    html = render_report_html(placeplan.run(load_scenario(toy_copy), draws=10))
    assert "could not be read" in html
    assert not [img for img in parse(html).images if img["alt"].startswith("Map of")]


# --- PDF ------------------------------------------------------------------------------------------------


def test_pdf_has_every_section(toy_report):
    from pypdf import PdfReader

    pdf = toy_report[1]
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 7  # summary, maps, areas, programme, options, back-test, past forecasts, method
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    for number, heading in enumerate(SECTION_HEADINGS, start=1):
        assert (heading if heading.startswith("Appendix") else f"{number}. {heading}") in text
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "1. Summary for the DfE meeting" in first and "Decisions this asks for" in first
    assert "8881002 South" in first and "Capital programme in delivery: 1 project adding +210 primary" in first
    assert "How reliable the chances have been" in text and "No chance could be scored yet" in text
    images = {image.name for page in reader.pages for image in page.images}  # WeasyPrint shares one
    assert len(images) == 4  # resource dictionary between pages: count distinct images


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pdf_first_page_renders(toy_report, tmp_path):
    (tmp_path / "report.pdf").write_bytes(toy_report[1])
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "report.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = next(tmp_path.glob("page*.png")).read_bytes()
    assert_real_png(page)


def test_same_results_give_the_same_report(toy_results, toy_report):
    html, pdf = render_report(toy_results)  # both from one pass
    assert html == toy_report[0]
    assert pdf == toy_report[1]


def test_herefordshire_smoke(hereford_report):
    """The default: every official area and sub-area is in a small-multiple figure and the appendix, the maps are
    drawn, SEND is in, sizes stay small."""
    results, html = hereford_report
    parsed = parse(html)
    areas = results.sufficiency[["planning_area", "phase"]].drop_duplicates()
    multiples = [img for img in parsed.images if img["alt"].startswith("Small multiples")]
    subs = results.sub_area_sufficiency["code"].unique()
    assert len(multiples) == 2 and len(subs) == 7
    described = " ".join(img["alt"] for img in multiples)
    for code in [*areas["planning_area"], *subs]:  # every planning area and every sub-area has its panel
        assert f"{code} " in described, code
        assert f'id="area-{code}-' in html or f'id="sub-{code}"' in html  # and its table in Appendix A
    assert "Hereford city: " in html and "School by school" in html
    assert "Against DfE&#39;s published figures" in html or "Against DfE's published figures" in html
    assert len([img for img in parsed.images if img["alt"].startswith("Map of")]) == 3
    assert "specialist" in parsed.sections
    assert "DfE&#39;s May 2015 structure" in html or "DfE's May 2015 structure" in html
    assert len(html) < 8_000_000
    json.dumps([img["alt"] for img in parsed.images])  # alt texts are plain strings
    # past forecasts: the run's ledger (from its back-test) against the council's record, in the report
    assert "ledger" in results.tables() and "ledger" in parsed.sections
    past = {row[0]: row for row in parsed.table("How past forecasts did, primary").rows}
    assert past["2024/25"][1] == "12,891\ncounty total" and past["2024/25"][4] == "+6.5%\n(forecast 13,724)"
    mine = results.ledger.set_index(["phase", "outturn_year", "horizon"]).loc[("primary", 2018, 1)]
    assert past["2018/19"][2].split("\n")[0] == num(mine["forecast"]) and past["2018/19"][4] == "+1.0%"
    assert "over-forecast by +0.9% to +6.5%" in html


def test_herefordshire_reliability_subsection_matches_its_csv(hereford_report):
    """'How reliable the chances have been': the places table and the plain sentence, from reliability.csv."""
    results, html = hereford_report
    parsed = parse(html)
    assert "How reliable the chances have been" in [text for _, text in parsed.headings]
    csv = pd.read_csv(io.StringIO(results.tables()["reliability"].to_csv(index=False)))
    places = csv[(csv["event"] == "places") & (csv["horizon"] == "1-5")].set_index("band")
    table = parsed.table("How reliable the chances have been: the chance that pupils")
    assert [row[0] for row in table.rows] == list(places.index)
    for row in table.rows:
        r = places.loc[row[0]]
        assert row[1] == num(r["n"]) and row[3] == num(r["happened"])
        assert row[4] == f"{r['observed']:.1%}\n({r['lo90']:.1%} to {r['hi90']:.1%})"
    band = places.loc["20-40%"]
    assert (f"When placeplan gave a 20-40% chance that pupils in a year group of a planning area would exceed the "
            f"area&#39;s places in it, it happened in {num(band['happened'])} of {num(band['n'])} cases "
            f"({pct(band['observed'])};") in html
    brier = pd.read_csv(io.StringIO(results.tables()["brier"].to_csv(index=False)))
    score = brier[(brier["event"] == "places") & (brier["horizon"] == "1-5")].iloc[0]
    assert f"Its Brier score was {score['brier']:.3f} over {num(score['n'])} forecasts" in html
    assert f"a skill of {score['skill']:+.2f}" in html
    assert parsed.table("How reliable the chances have been: the chance that a year group")
    assert [img for img in parsed.images if img["alt"].startswith("Reliability diagram")]


def test_a_run_without_live_projects_still_reports():
    scenario = load_scenario(TOY, None, [("capital_projects.south_primary_expansion.status", "proposed")])
    html = render_report_html(placeplan.run(scenario, draws=10))
    assert "No committed or complete capital projects in this run." in html
    assert "South Primary expansion to 3 forms of entry" in html  # listed as an option, not in the programme
    assert not [img for img in parse(html).images if img["alt"].startswith("Chart of the chance each project")]


def test_an_opening_beyond_the_projection_is_said_in_words():
    from types import SimpleNamespace

    from placeplan.outputs.report.sections import likely_opening

    row = lambda p05, p50, p95: SimpleNamespace(opening_year_p05=p05, opening_year_p50=p50, opening_year_p95=p95)  # noqa: E731
    assert likely_opening(row(2027, 2028, 2029)) == "2028/29 (2027/28 to 2029/30)"
    assert likely_opening(row(2027, 2028, None)) == "2028/29 (2027/28 to after the projection)"
    assert likely_opening(row(None, None, None)) == "not within the projection"  # no draw opens: no crash, no dashes
