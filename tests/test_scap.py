"""The SCAP return: whole numbers that add up, the round's years, capacity at the capacity date, planned places
under DfE's rules (Aylestone's 300), NOR with its census, housing-funded places, commentary, the workbook."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import placeplan
from placeplan import load_scenario
from placeplan.demand import demand_cube
from placeplan.errors import ScenarioError
from placeplan.outputs.scap import NCY_LABELS, SHEETS, scap_return, scap_workbook
from placeplan.outputs.scap_rounding import round_half_away
from placeplan.outputs.scap_window import scap_window

from conftest import TOY, edit_csv

DFE_VALUES = ["pupil_forecast", "estimated_capacity", "la_planned_places", "central_programme_places", "total_places",
              "additional_need_minus_spare_places", "additional_need_only_places", "spare_places"]
COUNT_SHEETS = {
    "school_capacity": ["nor", "capacity_primary", "capacity_secondary", "sixth_form_capacity", "pan_primary",
                        *[f"capacity_{NCY_LABELS[g]}" for g in range(12)]],
    "pupil_forecasts": ["R", "Y6", "Y7", "Y11", "total", "hdc_places", "hif_places"],
    "planned_places": ["additional_places", "bulge_places", "removed_places"],
    "place_planning": DFE_VALUES,
}


@pytest.fixture(scope="module")
def toy_run():
    return placeplan.run(TOY, draws=100)


@pytest.fixture(scope="module")
def toy_scap(toy_run):
    return scap_return(toy_run)


@pytest.fixture(scope="module")
def toy_book(toy_run, toy_scap):
    return scap_workbook(toy_run, toy_scap)


@pytest.fixture(scope="module")
def hereford(hereford_results):
    return scap_return(hereford_results)  # as at 2026-12-01: SCAP 2027


@pytest.fixture(scope="module")
def hereford_2026(hereford_results):
    return scap_return(hereford_results, scap_window(dt.date(2026, 3, 1)))  # SCAP 2026, before Aylestone opens


def _toy_with(sets, draws=20):
    """The toy council with changes, projected far enough for SCAP 2026's secondary years (to 2032/33)."""
    return placeplan.run(load_scenario(TOY, None, [("meta.horizon_years", 10), *sets]), draws=draws, backtest=False)


# ---------------------------------------------------------------------------------------------
# the workbook


def test_workbook_has_the_sheets_and_headers(toy_book, toy_scap):
    book = load_workbook(io.BytesIO(toy_book))
    assert book.sheetnames == ["README", *SHEETS]
    assert list(toy_scap.tables) == list(SHEETS)
    for name in SHEETS:
        sheet = book[name]
        assert [c.value for c in sheet[1]] == list(toy_scap.tables[name].columns)
        assert all(c.font.b for c in sheet[1]), name
        assert sheet.freeze_panes == "A2"
    readme = {row[0].value: row[1].value for row in book["README"].iter_rows()}
    assert set(SHEETS) <= set(readme)
    assert readme["SCAP round"].startswith("SCAP 2026") and "1 May 2026" in readme["capacity as at"]
    assert "January 2023 census (2022/23)" in readme["NOR census used"]
    assert "January 2026 census (2025/26)" in readme["NOR census expected"]


def test_workbook_values_match_the_tables_and_are_whole(toy_book, toy_scap):
    book = load_workbook(io.BytesIO(toy_book))
    for name, table in toy_scap.tables.items():
        rows = list(book[name].iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(table), name
        for row, record in zip(rows, table.itertuples(index=False)):
            for cell, value, column in zip(row, record, table.columns):
                if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                    assert cell is None, (name, column)
                elif column in COUNT_SHEETS.get(name, ()):
                    assert isinstance(cell, int) and cell == value, (name, column, cell, value)
                else:
                    assert str(cell) == str(value) or cell == pytest.approx(value), (name, column, cell, value)
    sheet = book["school_capacity"]
    assert sheet["B2"].value == "100001" and sheet["B2"].number_format == "@"


def test_workbook_is_deterministic(toy_run, toy_scap, toy_book):
    assert scap_workbook(toy_run) == toy_book
    assert scap_workbook(placeplan.run(TOY, draws=100), toy_scap) == toy_book  # a second run, same seed
    book = load_workbook(io.BytesIO(toy_book))
    assert book.properties.created.date().isoformat() == "2026-01-01"


def test_no_cell_is_a_formula(toy_copy: Path):
    """A school called '=SUM(A1)' and commentary starting with '=' reach Excel as text, not formulas."""
    edit_csv(toy_copy.parent / "toy_council" / "schools.csv", "North Primary", "=SUM(A1)")
    text = toy_copy.read_text().replace("policy:\n", "scap:\n  commentary:\n    \"8881001\": \"=HYPERLINK(1)\"\n"
                                                  "policy:\n", 1)
    toy_copy.write_text(text)
    results = placeplan.run(toy_copy, draws=10, backtest=False)
    book = load_workbook(io.BytesIO(scap_workbook(results)))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value in ("=SUM(A1)", "=HYPERLINK(1)"):
                    found.append((sheet.title, cell.data_type))
    assert ("school_capacity", "s") in found and ("commentary", "s") in found


# ---------------------------------------------------------------------------------------------
# whole numbers that add up


@pytest.mark.parametrize("which", ["toy", "hereford"])
def test_every_count_is_a_whole_number(which, toy_scap, hereford):
    scap = toy_scap if which == "toy" else hereford
    for name, columns in COUNT_SHEETS.items():
        table = scap.tables[name]
        for column in columns:
            assert pd.api.types.is_integer_dtype(table[column]), (name, column, table[column].dtype)


@pytest.mark.parametrize("which", ["toy", "hereford"])
def test_forecast_integers_add_up_to_the_rounded_totals(which, toy_run, toy_scap, hereford_results, hereford):
    results, scap = (toy_run, toy_scap) if which == "toy" else (hereford_results, hereford)
    wide = scap.tables["pupil_forecasts"]
    areas, cube = demand_cube(results.projection, central=True)
    years = [int(y) for y in results.projection.years]
    labels = [NCY_LABELS[g] for g in range(14)]
    assert (wide[labels].sum(axis=1) == wide["total"]).all()
    for (phase, year), rows in wide.groupby(["education_phase", "academic_year"]):
        exact = {a: cube[0, areas.index(a), :, years.index(year)] for a in rows["planning_area_code"]}
        sixth = rows["Y12"].notna().to_numpy()
        cells = {a: v if phase == "primary" or s else v[:12] for (a, v), s in zip(exact.items(), sixth)}
        # the authority's total is the rounded exact total, each area within 1 of its exact figure
        assert rows["total"].sum() == round_half_away(sum(v.sum() for v in cells.values()))
        for row in rows.itertuples(index=False):
            assert abs(row.total - cells[row.planning_area_code].sum()) < 1
            for g, label in enumerate(labels):
                value = getattr(row, label)
                if value is not pd.NA:
                    assert abs(value - exact[row.planning_area_code][g]) < 1, (row.planning_area_code, label)


@pytest.mark.parametrize("which", ["toy", "hereford"])
def test_place_planning_totals_are_sums_of_parts_with_no_margin(which, toy_scap, hereford):
    table = (toy_scap if which == "toy" else hereford).tables["place_planning"]
    detail = table[(table["geographic_level"] == "Planning area") & (table["nc_year_group"] != "Total")]
    area_total = table[(table["geographic_level"] == "Planning area") & (table["nc_year_group"] == "Total")]
    la = table[table["geographic_level"] == "Local authority"]
    keys = ["education_phase", "academic_year"]
    sums = detail.groupby(["planning_area_code", *keys])[DFE_VALUES].sum()
    assert (area_total.set_index(["planning_area_code", *keys])[DFE_VALUES].loc[sums.index] == sums).all().all()
    whole = detail.groupby(keys)[DFE_VALUES].sum()
    la_total = la[la["nc_year_group"] == "Total"].set_index(keys)[DFE_VALUES]
    assert (la_total.loc[whole.index] == whole).all().all()
    # DfE's columns carry no margin; the run's margin is only in the local_* columns
    assert (detail["additional_need_minus_spare_places"] == detail["pupil_forecast"] - detail["total_places"]).all()
    assert (detail["additional_need_only_places"] == detail["additional_need_minus_spare_places"].clip(lower=0)).all()
    assert (detail["spare_places"] == (-detail["additional_need_minus_spare_places"]).clip(lower=0)).all()
    assert "operating_margin" not in table.columns and (table["local_operating_margin"] == 0.02).all()
    assert (detail["local_places_after_margin"] <= detail["total_places"]).all()
    # the same pupils as the forecast sheet, the same places as the schools
    wide = (toy_scap if which == "toy" else hereford).tables["pupil_forecasts"].set_index(
        ["planning_area_code", "academic_year"])
    for row in detail.sample(n=min(len(detail), 40), random_state=0).itertuples(index=False):
        assert wide.at[(row.planning_area_code, row.academic_year), NCY_LABELS[int(row.ncy)]] == row.pupil_forecast


def test_place_planning_hand_checked(toy_scap):
    table = toy_scap.tables["place_planning"]
    south = table[table["planning_area_code"] == "8881002"]
    y2026 = south[(south["academic_year"] == 2026) & (south["nc_year_group"] != "Total")]
    # 62 pupils a year group against 60 places, no margin: 2 places needed in each of 7 year groups
    assert (y2026["pupil_forecast"] == 62).all() and (y2026["estimated_capacity"] == 60).all()
    assert (y2026["additional_need_only_places"] == 2).all() and (y2026["spare_places"] == 0).all()
    # the 2% margin only in the local columns: 60 places less 2 held back -> 58, 4 needed
    assert (y2026["local_places_after_margin"] == 58).all() and (y2026["local_additional_need_with_margin"] == 4).all()
    # 2027/28: South Primary's expansion, all 210 places in the year it opens (30 in every year group)
    y2027 = south[(south["academic_year"] == 2027)]
    assert (y2027.loc[y2027["nc_year_group"] != "Total", "la_planned_places"] == 30).all()
    total = y2027[y2027["nc_year_group"] == "Total"].iloc[0]
    assert total["la_planned_places"] == 210 and total["spare_places"] == 7 * 28


# ---------------------------------------------------------------------------------------------
# the round, the censuses


def test_the_round_follows_the_reference_date(hereford, toy_scap):
    assert hereford.window.name == "SCAP 2027" and hereford.window.capacity_date == dt.date(2027, 5, 1)
    assert toy_scap.window.name == "SCAP 2026"  # toy: as_at blank -> the programme date 2026-01-01
    wide = hereford.tables["pupil_forecasts"]
    have = hereford.results.projection.years
    for phase, n in (("primary", 5), ("secondary", 7)):
        wanted = [y for y in range(2027, 2027 + n) if y in have]
        assert sorted(wide.loc[wide["education_phase"] == phase, "academic_year"].unique()) == wanted
    methodology = "\n".join(hereford.tables["methodology"]["text"])
    assert "SCAP 2027: the next SCAP collection after the run's reference date 2026-12-01" in methodology
    assert "January 2027 census (2026/27)" in methodology


def test_school_nor_is_the_latest_census_named(hereford):
    table = hereford.tables["school_capacity"].set_index("school_name")
    aylestone = table.loc["Aylestone School"]
    assert aylestone["nor"] == 290 + 179  # October 2024 KS3 + KS4 blocks, added up
    assert aylestone["nor_census"] == "October 2024 census (2024/25)" and aylestone["nor_year_groups"] == "Y7-Y11"
    assert table["nor_census"].notna().all()


def test_planning_area_nor_is_the_base_year(hereford_results, hereford):
    table = hereford.tables["nor_by_planning_area"]
    base = hereford_results.scenario.config.meta.base_year
    assert (table["academic_year"] == base).all()
    assert base == 2025  # as at December 2026: January 2026 county totals, year groups estimated
    assert (table["nor_census"] == "January 2026 census (2025/26): county totals observed; planning-area split "
                                   "and year groups estimated").all()
    totals = table.groupby("education_phase")["total"].sum()
    assert totals["primary"] == 12603  # DfE's January 2026 county NOR, R-Y6, kept whole by the rounding
    secondary = table[table["education_phase"] == "secondary"][["Y7", "Y8", "Y9", "Y10", "Y11"]].sum().sum()
    assert secondary == 9237


# ---------------------------------------------------------------------------------------------
# capacity as at the capacity date


def test_herefordshire_capacity_at_may_2027(hereford_results, hereford):
    table = hereford.tables["school_capacity"]
    capacity, schools = hereford_results.scenario.tables["capacity"], hereford_results.scenario.tables["schools"]
    open_ids = set(schools.loc[schools["status"] == "open", "school_id"])
    data = {p: int(capacity.loc[(capacity["provision"] == p) & capacity["school_id"].isin(open_ids),
                                "net_capacity"].sum()) for p in ("primary", "secondary", "sixth_form")}
    assert data["primary"] == 14_672 and data["secondary"] + data["sixth_form"] == 11_632  # DfE, May 2025
    # by May 2027 Peterchurch (+35) and all of Aylestone's expansion (+300) are open: in capacity
    assert table["capacity_primary"].sum() == data["primary"] + 35
    assert table["capacity_secondary"].sum() == data["secondary"] + 300
    assert table["sixth_form_capacity"].sum() == data["sixth_form"]
    by_name = table.set_index("school_name")
    aylestone = by_name.loc["Aylestone School"]
    assert aylestone["capacity_secondary"] == 750 and aylestone["pan_secondary"] == 150
    assert [aylestone[f"capacity_Y{g}"] for g in range(7, 12)] == [150] * 5
    assert aylestone["projects_in_capacity"] == "aylestone_expansion +300 secondary"
    assert by_name.loc["Peterchurch Primary School", "capacity_primary"] == 140
    assert table["urn"].is_unique and hereford.tables["planned_places"].empty  # nothing opens in 2027/28-2029/30


@pytest.mark.parametrize("which", ["toy", "hereford"])
def test_capacity_by_year_group_adds_up(which, toy_scap, hereford):
    table = (toy_scap if which == "toy" else hereford).tables["school_capacity"]
    primary = table[[f"capacity_{NCY_LABELS[g]}" for g in range(7)]].sum(axis=1)
    secondary = table[[f"capacity_{NCY_LABELS[g]}" for g in range(7, 12)]].sum(axis=1)
    assert (primary == table["capacity_primary"].fillna(0)).all()
    assert (secondary == table["capacity_secondary"].fillna(0)).all()


def test_specialist_capacity_adds_projects_open_by_the_capacity_date(hereford):
    table = hereford.tables["specialist_capacity"].set_index("school_name")
    assert table.at["Hampton Dene Primary School", "capacity"] == 32 + 16  # language centre, September 2026
    assert table.at["The Brookfield School", "capacity"] == 84 + 8  # teaching block, September 2025
    assert (table.loc[table["provision_type"] == "alternative provision", "in_scap_specialist_scope"] == "no").all()


# ---------------------------------------------------------------------------------------------
# planned places under DfE's rules


def test_aylestone_counts_300_places_in_2026_27(hereford_2026):
    """SCAP 2026 (capacity at 1 May 2026): Aylestone's 300 places in the year it opens, not 60 a year."""
    table = hereford_2026.tables["planned_places"]
    aylestone = table[table["project"] == "aylestone_expansion"]
    assert (aylestone["academic_year"] == 2026).all()
    assert aylestone["additional_places"].sum() == 300
    assert aylestone[["nc_year_group", "additional_places"]].values.tolist() == [[f"Y{g}", 60] for g in range(7, 12)]
    peterchurch = table[table["project"] == "peterchurch_rebuild"]
    assert peterchurch["additional_places"].sum() == 35 and (peterchurch["academic_year"] == 2026).all()
    # DfE's SCAP 2025 scorecard row: planned places primary 35, secondary 300
    by_phase = table.assign(phase=np.where(table["ncy"] <= 6, "primary", "secondary")).groupby("phase")
    assert by_phase["additional_places"].sum().to_dict() == {"primary": 35, "secondary": 300}
    assert (table["removed_places"] == 0).all() and (table["bulge_places"] == 0).all()
    pp = hereford_2026.tables["place_planning"]
    row = pp[(pp["planning_area_code"] == "8840001") & (pp["academic_year"] == 2032) & (pp["nc_year_group"] == "Total")]
    assert row["la_planned_places"].iloc[0] == 300  # still there at the end of the forecast


def test_toy_planned_places_by_hand(toy_run, toy_scap):
    table = toy_scap.tables["planned_places"]
    # SCAP 2026: planned places 2026/27-2028/29; South Primary +210 by year group, opening September 2027:
    # DfE's rule puts all 210 in 2027/28, 30 in each of R-Y6
    assert table[["school_name", "academic_year", "nc_year_group", "additional_places"]].values.tolist() == [
        ["South Primary", 2027, NCY_LABELS[g], 30] for g in range(7)]
    programme = toy_run.programme.set_index("project")
    assert (table["p_open_by_year"] == programme.at["south_primary_expansion", "p_open_by_2027"]).all()
    assert (table["project_places_total"] == 210).all()


def test_planned_places_follow_the_round():
    # as at January 2028 (SCAP 2028): South Primary opened in September 2027, so it is in capacity
    later = scap_return(_toy_with([("meta.as_at", "2028-01-01")]))
    assert later.tables["planned_places"].empty
    south = later.tables["school_capacity"].set_index("school_name").loc["South Primary"]
    assert south["capacity_primary"] == 630 and south["pan_primary"] == 90
    # opening September 2028: planned in 2028/29; September 2029: after SCAP 2026's window
    late = scap_return(_toy_with([("capital_projects.south_primary_expansion.planned_opening", "2028-09-01")]))
    assert set(late.tables["planned_places"]["academic_year"]) == {2028}
    later_still = scap_return(_toy_with([("capital_projects.south_primary_expansion.planned_opening", "2029-09-01")]))
    assert later_still.tables["planned_places"].empty


def test_bulge_removal_and_central_programmes():
    project = "capital_projects.south_primary_expansion"
    bulge = scap_return(_toy_with([(f"{project}.places", [{"provision": "primary", "net_capacity_change": 30,
                                                           "phasing": "bulge", "temporary": True}])]))
    table = bulge.tables["planned_places"]
    assert table[["academic_year", "nc_year_group", "additional_places", "bulge_places", "removed_places"]] \
        .values.tolist() == [[2027, "R", 0, 30, 0]]  # once, where the bulge class is admitted
    pp = bulge.tables["place_planning"]
    south = pp[(pp["planning_area_code"] == "8881002") & (pp["academic_year"] == 2028)].set_index("nc_year_group")
    assert south.at["Year 1", "la_planned_places"] == 30  # the class moves up a year group
    assert south.at["Reception", "la_planned_places"] == 0
    removal = scap_return(_toy_with([(f"{project}.places", [{"provision": "primary", "net_capacity_change": -70}])]))
    table = removal.tables["planned_places"]
    assert table["removed_places"].tolist() == [-10] * 7 and (table["additional_places"] == 0).all()
    assert removal.ok
    central = scap_return(_toy_with([(f"{project}.funding_source", "dfe_free_schools")]))
    assert central.tables["planned_places"].empty
    pp = central.tables["place_planning"]
    total = pp[(pp["planning_area_code"] == "8881002") & (pp["academic_year"] == 2027) & (pp["nc_year_group"] == "Total")]
    assert total["central_programme_places"].iloc[0] == 210 and total["la_planned_places"].iloc[0] == 0


# ---------------------------------------------------------------------------------------------
# housing-funded places, commentary, methodology


def test_housing_developer_contribution_places():
    funded = scap_return(_toy_with([("capital_projects.south_primary_expansion.funding_source",
                                     "developer_contribution")]))
    wide = funded.tables["pupil_forecasts"].set_index(["planning_area_code", "academic_year"])
    assert wide.at[("8881002", 2026), "hdc_places"] == 0 and wide.at[("8881002", 2027), "hdc_places"] == 210
    assert wide.at[("8881002", 2030), "hdc_places"] == 210 and wide.at[("8881001", 2027), "hdc_places"] == 0
    assert wide.at[("8881002", 2027), "housing_places_note"] == "HDC: south_primary_expansion"
    assert (wide["hif_places"] == 0).all()


def test_herefordshire_records_no_housing_funded_places(hereford):
    wide = hereford.tables["pupil_forecasts"]
    assert (wide["hdc_places"] == 0).all() and (wide["hif_places"] == 0).all()
    assert (wide["housing_places_note"] == "none recorded").all()


def test_commentary_from_the_scenario(hereford):
    table = hereford.tables["commentary"].set_index("planning_area_code", drop=False)
    official = hereford.results.scenario.tables["planning_areas"]
    assert set(table["planning_area_code"].dropna()) == set(official.loc[official["kind"] == "official",
                                                                         "planning_area"])
    assert "Aylestone" in table.at["8840001", "commentary"] and "Peterchurch" in table.at["8844032", "commentary"]
    authority = hereford.tables["commentary"].iloc[0]
    assert pd.isna(authority["planning_area_code"]) and "May 2015" in authority["commentary"]


def test_commentary_for_an_unknown_planning_area_is_a_problem():
    with pytest.raises(ScenarioError) as raised:
        load_scenario(TOY, None, [("scap.commentary", {"8881001": "fine", "8889999": "no such area"})])
    assert "toy_council.yaml, scap.commentary.8889999: unknown planning area '8889999'" in str(raised.value)


def test_methodology_states_the_rules(toy_scap, hereford):
    text = "\n".join(toy_scap.tables["methodology"]["text"])
    assert "Toyshire" in text and "largest remainders" in text and "no operating margin" in text
    assert "SCAP 2026" in text and "labelled 'none recorded'" in text
    hereford_text = hereford.tables["methodology"]
    projects = "\n".join(hereford_text.loc[hereford_text["section"] == "capital projects", "text"])
    assert "in this return: in capacity at 1 May 2027" in projects and "Evidence: places=found" in projects
    assert (hereford_text["section"] == "validation").any()
