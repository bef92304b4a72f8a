"""Page one: one printed A4 page, data quality first, DfE's basis as the headline, one count used throughout."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from placeplan.outputs.report import page_one


@pytest.fixture(scope="module")
def pages(hereford_pdf) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(hereford_pdf)).pages]


def test_the_summary_is_one_a4_page_and_section_2_starts_page_2(pages, hereford_pdf):
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(hereford_pdf)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4
    assert "1. Summary for the DfE meeting" in pages[0]
    assert "2. Where places fall short" not in pages[0]
    assert pages[1].lstrip().startswith("2. Where places fall short")  # nothing of the summary spills over
    # page one's last parts are on page one
    assert "Chances in words: likely" in pages[0] and "Capital cost still to spend" in pages[0]


def test_page_one_states_its_data_first(pages, hereford_report):
    results, _ = hereford_report
    first = pages[0]
    data_at = first.index("What the figures rest on")
    assert data_at < first.index("Decisions this asks for") and data_at < first.index("Key figures")
    pupils = results.scenario.tables["pupils"]
    estimated = int(pupils["source"].astype(str).str.contains("estimat", case=False).sum())
    assert f"{estimated:,} of {len(pupils):,} pupil rows" in " ".join(first.split())
    assert "DfE's May 2015 codes" in first


def test_one_count_on_both_bases(pages, hereford_report):
    """The sentence and the key table give the same 'N of 14' for the same thing, on each basis."""
    results, _ = hereford_report
    suff = results.sufficiency
    year = int(re.search(r"likely by (\d{4})/\d{2}", pages[0]).group(1))
    primary = suff[suff["phase"] == "primary"]
    n = primary["planning_area"].nunique()
    dfe = len(page_one.likely_areas(suff, "primary", year, "p_shortfall_dfe"))
    local = len(page_one.likely_areas(suff, "primary", year, "p_shortfall"))
    # by hand: areas whose chance exceeds one half in some year up to the summary year
    upto = primary[primary["academic_year"] <= year]
    assert dfe == int((upto.groupby("planning_area")["p_shortfall_dfe"].max() > 0.5).sum())
    assert local == int((upto.groupby("planning_area")["p_shortfall"].max() > 0.5).sum())
    text = " ".join(pages[0].split())
    assert f"in {dfe} of {n} primary planning areas" in text and f"in {local} of {n}." in text
    key = page_one.key_table(results, year, ["primary", "secondary"])
    assert key.rows[0][1:3] == [f"{dfe} of {n}", f"{local} of {n}"]


def test_key_figures_headline_is_dfe_basis_with_the_margin_apart(toy):
    """Toy council by hand: DfE's basis counts year groups at margin 0; the local column uses the margin."""
    import placeplan

    results = placeplan.run(toy, draws=20, backtest=False)
    year = int(results.sufficiency["academic_year"].min())
    key = page_one.key_table(results, year, ["primary"])
    assert key.head == ["Measure", "Primary: DfE basis", "Primary: 2% margin"]
    at = results.sufficiency[(results.sufficiency["phase"] == "primary")
                             & (results.sufficiency["academic_year"] == year)]
    assert key.rows[1][1] == f"{at['places_needed_dfe_central'].sum():,.0f}"
    assert key.rows[1][2] == f"{at['places_needed_central'].sum():,.0f}"
    # DfE's basis never offsets year groups, so it needs at least the no-margin judged figure (whole-phase where
    # year-group places are indicative), and exactly it where they are firm
    suff = results.sufficiency
    assert (suff["places_needed_dfe_central"] >= suff["places_needed_no_margin_central"] - 1e-9).all()
    firm = suff["basis"] == "year_group"
    assert (suff.loc[firm, "places_needed_dfe_central"] - suff.loc[firm, "places_needed_no_margin_central"]).abs().max() \
        < 1e-9
    assert (suff["places_needed_dfe_p50"] >= 0).all() and suff["p_shortfall_dfe"].between(0, 1).all()


@pytest.mark.parametrize("p, word", [(0.0, "unlikely"), (0.099, "unlikely"), (0.1, "possible"), (0.5, "possible"),
                                     (0.501, "likely"), (1.0, "likely"), (float("nan"), "")])
def test_chance_words_follow_the_stated_rule(p, word):
    assert page_one.chance_word(p) == word
    assert "likely = more than 50%" in page_one.CHANCE_RULE and "possible = 10% to 50%" in page_one.CHANCE_RULE


def test_secondary_is_counted_in_sub_areas_where_there_are_some(hereford_report):
    results, _ = hereford_report
    table, unit = page_one.judged_units(results, "secondary")
    assert unit == "secondary sub-area" and isinstance(table, pd.DataFrame)
    assert table["code"].nunique() == 7


def test_value_axes_start_at_zero(monkeypatch):
    """The fan chart (specialist places) and the small multiples draw every value axis from zero."""
    from placeplan.outputs.report import charts, multiples, style

    seen = []
    real = style.png

    def record(fig, *args, **kwargs):
        seen.extend(ax.get_ylim()[0] for ax in fig.axes if ax.get_visible() and ax.has_data())
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(style, "png", record)
    charts.fan_chart(charts.Fan(years=[2026, 2027, 2028], central=[310, 320, 330], low=[300, 305, 310],
                                high=[320, 335, 350], planned=[330, 330, 330], places_low=[330] * 3,
                                places_high=[330] * 3))
    multiples.small_multiples([multiples.Panel("A", [2026, 2027], [300, 310], [290, 295], [310, 330], [320, 320])])
    assert seen and all(low == 0 for low in seen)
