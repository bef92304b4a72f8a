"""The SCAP-shaped tables and workbook: layout, totals against the run's own tables, hand-checked toy values."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import placeplan
from placeplan import load_scenario
from placeplan.outputs.scap import (NCY_LABELS, SHEETS, planned_places_table, planned_places_years, scap_tables,
                                    scap_workbook)

PROJECT = Path(__file__).resolve().parents[1]
TOY = PROJECT / "scenarios" / "toy_council.yaml"
HEREFORDSHIRE = PROJECT / "scenarios" / "herefordshire.yaml"

VALUES = ["pupil_forecast", "estimated_capacity", "la_planned_places", "central_programme_places", "total_places",
          "additional_need_minus_spare_places", "additional_need_only_places", "spare_places"]


@pytest.fixture(scope="module")
def toy_run():
    return placeplan.run(TOY, draws=100)


@pytest.fixture(scope="module")
def toy_tables(toy_run):
    return scap_tables(toy_run)


@pytest.fixture(scope="module")
def toy_book(toy_run, toy_tables):
    return scap_workbook(toy_run, toy_tables)


@pytest.fixture(scope="module")
def hereford_run():
    return placeplan.run(HEREFORDSHIRE, draws=30)


@pytest.fixture(scope="module")
def hereford_tables(hereford_run):
    return scap_tables(hereford_run)


def _toy_with(sets, draws=20):
    return placeplan.run(load_scenario(TOY, None, sets), draws=draws)


# ---------------------------------------------------------------------------------------------
# the workbook


def test_workbook_has_the_sheets_and_headers(toy_book, toy_tables):
    book = load_workbook(io.BytesIO(toy_book))
    assert book.sheetnames == ["README", *SHEETS]
    assert list(toy_tables) == list(SHEETS)
    for name in SHEETS:
        sheet = book[name]
        header = [c.value for c in sheet[1]]
        assert header == list(toy_tables[name].columns)
        assert all(c.font.b for c in sheet[1]), name
        assert sheet.freeze_panes == "A2"
    expected = {
        "school_capacity": ["la_code", "urn", "laestab", "school_name", "primary_planning_area_code",
                            "secondary_planning_area_code", "phase", "nor", "nor_census", "nor_academic_year",
                            "capacity_primary", "capacity_secondary", "sixth_form_capacity", "pan_primary",
                            "number_of_year_groups", *[f"capacity_{NCY_LABELS[g]}" for g in range(12)],
                            "capacity_source"],
        "specialist_capacity": ["school_name", "provision_type", "phase", "capacity", "post16_capacity"],
        "pupil_forecasts": ["planning_area_code", "academic_year", "R", "Y6", "Y7", "Y11", "Y12", "Y13",
                            "hdc_places", "hif_places", "R_p05", "R_p95"],
        "specialist_forecasts": ["la_code", "note"],
        "planned_places": ["urn", "academic_year", "nc_year_group", "additional_places", "bulge_places",
                           "removed_places", "p_open_by_year"],
        "place_planning": ["planning_area_code", "planning_area_name", "education_phase", "nc_year_group",
                           "time_period", *VALUES],
        "methodology": ["section", "item", "text"],
    }
    for name, columns in expected.items():
        assert set(columns) <= set(toy_tables[name].columns), (name, set(columns) - set(toy_tables[name].columns))
    readme = [row[0].value for row in book["README"].iter_rows()]
    assert set(SHEETS) <= set(readme)


def _same(cell, value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return cell is None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return isinstance(cell, (int, float)) and cell == pytest.approx(float(value), abs=1e-9)
    return str(cell) == str(value)


def test_workbook_values_match_the_tables(toy_book, toy_tables):
    book = load_workbook(io.BytesIO(toy_book))
    for name, table in toy_tables.items():
        rows = list(book[name].iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(table), name
        for row, record in zip(rows, table.itertuples(index=False)):
            for cell, value, column in zip(row, record, table.columns):
                assert _same(cell, value), (name, column, cell, value)
    # codes are written as text so a spreadsheet keeps them as typed
    sheet = book["school_capacity"]
    assert sheet["B2"].value == "100001" and sheet["B2"].number_format == "@"


def test_workbook_is_deterministic(toy_run, toy_tables, toy_book):
    assert scap_workbook(toy_run) == toy_book
    assert scap_workbook(placeplan.run(TOY, draws=100), toy_tables) == toy_book  # a second run, same seed
    book = load_workbook(io.BytesIO(toy_book))
    assert book.properties.created.date().isoformat() == "2026-01-01"
    assert book.properties.modified.date().isoformat() == "2026-01-01"


# ---------------------------------------------------------------------------------------------
# school capacity


def test_school_capacity_hand_checked_and_totals(toy_run, toy_tables):
    table = toy_tables["school_capacity"].set_index("school_name")
    south = table.loc["South Primary"]
    for g in range(7):
        assert south[f"capacity_{NCY_LABELS[g]}"] == 60
    for g in range(7, 12):
        assert south[f"capacity_{NCY_LABELS[g]}"] == 0
    assert south["capacity_primary"] == 420 and south["pan_primary"] == 60 and south["nor"] == 434
    assert south["number_of_year_groups"] == 7 and south["capacity_source"] == "primary=council"
    north_high = table.loc["North High"]
    assert north_high["capacity_Y7"] == 150 and north_high["sixth_form_capacity"] == 200
    assert north_high["number_of_year_groups"] == 7  # Y7-Y13: its sixth-form places sit in Y12-Y13
    assert "Oak Special" not in table.index  # special schools go to specialist_capacity
    _check_capacity_totals(toy_run, toy_tables["school_capacity"])


def _check_capacity_totals(results, table):
    capacity, schools = results.scenario.tables["capacity"], results.scenario.tables["schools"]
    open_ids = set(schools.loc[schools["status"] == "open", "school_id"])
    for provision, column in (("primary", "capacity_primary"), ("secondary", "capacity_secondary"),
                              ("sixth_form", "sixth_form_capacity")):
        rows = capacity[(capacity["provision"] == provision) & capacity["school_id"].isin(open_ids)]
        assert table[column].sum() == rows["net_capacity"].sum(), provision
    # year groups: the sufficiency model's own places, school by school
    base = results.capital.school_base
    for g in range(12):
        assert table[f"capacity_{NCY_LABELS[g]}"].sum() == pytest.approx(base[:, g].sum())
    by_year_group = table[[f"capacity_{NCY_LABELS[g]}" for g in range(12)]].sum(axis=1)
    parts = table["capacity_primary"].fillna(0) + table["capacity_secondary"].fillna(0)
    assert np.allclose(by_year_group.to_numpy(float), parts.to_numpy(float))


def test_herefordshire_capacity_totals(hereford_run, hereford_tables):
    _check_capacity_totals(hereford_run, hereford_tables["school_capacity"])
    table = hereford_tables["school_capacity"]
    assert table["urn"].is_unique
    assert set(table["capacity_source"].str.split("; ").explode().str.split("=").str[1]) <= {
        "scap2015", "published", "estimated", "council"}


def test_specialist_capacity(toy_tables, hereford_run, hereford_tables):
    toy = toy_tables["specialist_capacity"]
    assert toy[["school_name", "provision_type", "capacity"]].values.tolist() == [["Oak Special", "special school", 80]]
    table = hereford_tables["specialist_capacity"]
    assert table["capacity"].sum() == hereford_run.specialist["net_capacity"].sum()
    ap = table[table["provision_type"] == "alternative provision"]
    assert (ap["in_scap_specialist_scope"] == "no").all()
    post16 = table[table["phase"] == "post16"]
    assert (post16["post16_capacity"] == post16["capacity"]).all()


# ---------------------------------------------------------------------------------------------
# forecasts


def test_pupil_forecasts_match_the_demand_table(toy_run, toy_tables, hereford_run, hereford_tables):
    for results, tables in ((toy_run, toy_tables), (hereford_run, hereford_tables)):
        wide = tables["pupil_forecasts"]
        demand = results.demand
        first = int(results.projection.years[0])
        for phase, n in (("primary", 5), ("secondary", 7)):
            rows = wide[wide["education_phase"] == phase]
            assert sorted(rows["academic_year"].unique()) == list(range(first, first + n))
            tidy = demand[demand["planning_area"].isin(rows["planning_area_code"])
                          & demand["academic_year"].between(first, first + n - 1)]
            assert rows["total"].sum() == pytest.approx(tidy["central"].sum())
            by_year = tidy.groupby("academic_year")["central"].sum()
            assert rows.groupby("academic_year")["total"].sum().to_numpy() == pytest.approx(by_year.to_numpy())
        labels = [c for c in wide.columns if c in {NCY_LABELS[g] for g in range(14)}]
        assert np.allclose(wide[labels].sum(axis=1, min_count=1), wide["total"])
        assert wide["hdc_places"].isna().all() and wide["hif_places"].isna().all()
        primary = wide[wide["education_phase"] == "primary"]
        assert primary[["Y7", "Y11"]].isna().all().all()


def test_specialist_forecasts(toy_tables, hereford_run, hereford_tables):
    assert list(toy_tables["specialist_forecasts"].columns) == ["la_code", "note"]
    table = hereford_tables["specialist_forecasts"]
    assert not table.empty and "note" not in table.columns
    first = int(hereford_run.projection.years[0])
    assert sorted(table.loc[table["phase"] == "primary", "academic_year"]) == list(range(first, first + 5))
    assert sorted(table.loc[table["phase"] == "secondary", "academic_year"]) == list(range(first, first + 7))
    source = hereford_run.specialist_demand.merge(table, on=["academic_year", "phase"])
    assert np.allclose(source["central"], source["resident_ehcp_specialist_pupils"])


# ---------------------------------------------------------------------------------------------
# planned places


def test_planned_places_window_by_hand(toy_run, toy_tables):
    # programme date 2026-01-01 falls in 2025/26, so the next three academic years are 2026/27-2028/29
    assert planned_places_years(toy_run.scenario.config) == [2026, 2027, 2028]
    table = toy_tables["planned_places"]
    # South Primary +210 by year group, planned opening 2027-09-01 (academic year 2027): +30 R in 2027,
    # +30 Y1 in 2028; nothing in 2026, nothing after the window
    assert table[["school_name", "academic_year", "nc_year_group", "additional_places", "bulge_places",
                  "removed_places"]].values.tolist() == [["South Primary", 2027, "R", 30.0, 0.0, 0.0],
                                                         ["South Primary", 2028, "Y1", 30.0, 0.0, 0.0]]
    programme = toy_run.programme.set_index("project")
    assert table["p_open_by_year"].tolist() == [programme.at["south_primary_expansion", "p_open_by_2027"],
                                               programme.at["south_primary_expansion", "p_open_by_2028"]]
    assert (table["project_places_total"] == 210).all()


def test_planned_places_window_moves_with_the_programme_date():
    later = _toy_with([("meta.programme_date", "2028-01-01")])  # window 2028-2030: Y1, Y2, Y3
    table = planned_places_table(later)
    assert table[["academic_year", "nc_year_group", "additional_places"]].values.tolist() == [
        [2028, "Y1", 30.0], [2029, "Y2", 30.0], [2030, "Y3", 30.0]]
    earlier = _toy_with([("meta.programme_date", "2023-06-01")])  # window 2023-2025: opens after it
    assert planned_places_table(earlier).empty


def test_planned_places_bulge_and_removal():
    project = "capital_projects.south_primary_expansion.places"
    bulge = planned_places_table(_toy_with([(project, [{"provision": "primary", "net_capacity_change": 30,
                                                        "phasing": "bulge", "temporary": True}])]))
    assert bulge[["academic_year", "nc_year_group", "additional_places", "bulge_places", "removed_places"]] \
        .values.tolist() == [[2027, "R", 0.0, 30.0, 0.0], [2028, "Y1", 0.0, 30.0, 0.0]]
    removal = planned_places_table(_toy_with([(project, [{"provision": "primary", "net_capacity_change": -70}])]))
    assert removal["academic_year"].eq(2027).all() and len(removal) == 7
    assert removal["removed_places"].tolist() == [10.0] * 7 and removal["additional_places"].eq(0).all()


def test_planned_places_match_the_planned_timeline(hereford_run, hereford_tables):
    """Cumulated planned places per area and year group = the planned capacity timeline's gain over the window."""
    table = hereford_tables["planned_places"]
    window = planned_places_years(hereford_run.scenario.config)
    planned = hereford_run.capital.planned
    years = list(planned.years)
    start = (planned.places[0, :, :, years.index(window[0] - 1)] if window[0] - 1 in years
             else hereford_run.capital.base_places)  # the window starts the year after the base year
    for a, area in enumerate(planned.areas):
        for g in range(12):
            rows = table[(table["planning_area_code"] == area) & (table["ncy"] == g)]
            for year in window:
                upto = rows[rows["academic_year"] <= year]
                gain = (upto["additional_places"] + upto["bulge_places"] - upto["removed_places"]).sum()
                expected = planned.places[0, a, g, years.index(year)] - start[a, g]
                assert gain == pytest.approx(expected), (area, g, year)


# ---------------------------------------------------------------------------------------------
# place planning


def test_place_planning_hand_checked(toy_run, toy_tables):
    table = toy_tables["place_planning"]
    south = table[(table["planning_area_code"] == "8881002") & (table["academic_year"] == 2023)]
    by_ncy = south[south["nc_year_group"] != "Total"]
    assert len(by_ncy) == 7
    # 62 pupils per year group against 60 places less the 2% operating margin: 62 - 60 x 0.98 = 3.2
    assert np.allclose(by_ncy["pupil_forecast"], 62) and np.allclose(by_ncy["estimated_capacity"], 60)
    assert np.allclose(by_ncy["additional_need_only_places"], 3.2)
    assert np.allclose(by_ncy["additional_need_minus_spare_places"], 3.2) and by_ncy["spare_places"].eq(0).all()
    total = south[south["nc_year_group"] == "Total"].iloc[0]
    assert total["additional_need_only_places"] == pytest.approx(22.4)
    # 2027: South Primary's first extra Reception class: 62 - 90 x 0.98 = -26.2 in R, +3.2 in Y1-Y6
    y2027 = table[(table["planning_area_code"] == "8881002") & (table["academic_year"] == 2027)]
    reception = y2027[y2027["nc_year_group"] == "Reception"].iloc[0]
    assert reception["la_planned_places"] == pytest.approx(30) and reception["spare_places"] == pytest.approx(26.2)
    total = y2027[y2027["nc_year_group"] == "Total"].iloc[0]
    assert total["additional_need_only_places"] == pytest.approx(6 * 3.2)  # not offset by the spare Reception places
    assert total["spare_places"] == pytest.approx(26.2)
    assert (table["operating_margin"] == 0.02).all() and (table["central_programme_places"] == 0).all()


@pytest.mark.parametrize("which", ["toy", "hereford"])
def test_place_planning_totals_are_sums_of_parts(which, toy_run, toy_tables, hereford_run, hereford_tables):
    results, tables = (toy_run, toy_tables) if which == "toy" else (hereford_run, hereford_tables)
    table = tables["place_planning"]
    detail = table[(table["geographic_level"] == "Planning area") & (table["nc_year_group"] != "Total")]
    area_total = table[(table["geographic_level"] == "Planning area") & (table["nc_year_group"] == "Total")]
    la = table[table["geographic_level"] == "Local authority"]
    keys = ["education_phase", "academic_year"]
    sums = detail.groupby(["planning_area_code", *keys])[VALUES].sum()
    assert np.allclose(area_total.set_index(["planning_area_code", *keys])[VALUES].loc[sums.index], sums)
    la_ncy = la[la["nc_year_group"] != "Total"].set_index([*keys, "nc_year_group"])[VALUES]
    parts = detail.groupby([*keys, "nc_year_group"])[VALUES].sum()
    assert np.allclose(la_ncy.loc[parts.index], parts)
    la_total = la[la["nc_year_group"] == "Total"].set_index(keys)[VALUES]
    whole = detail.groupby(keys)[VALUES].sum()
    assert np.allclose(la_total.loc[whole.index], whole)
    # not offset: the LA's need is more than max(0, forecast - places) wherever some cells are spare
    assert (la_total["additional_need_only_places"] >= la_total["additional_need_minus_spare_places"] - 1e-9).all()
    # need is never offset by spare places: the LA figure is the sum of each cell's max(0, need)
    assert (table["additional_need_only_places"] >= 0).all() and (table["spare_places"] >= 0).all()
    net = detail["additional_need_minus_spare_places"]
    assert np.allclose(detail["additional_need_only_places"], net.clip(lower=0))
    assert np.allclose(table["additional_need_only_places"] - table["spare_places"],
                       table["additional_need_minus_spare_places"])
    # and it agrees with the run's own central sufficiency table (same margin, places as planned)
    suff = results.sufficiency.assign(education_phase=results.sufficiency["phase"].str.capitalize())
    merged = area_total.merge(suff, left_on=["planning_area_code", *keys],
                              right_on=["planning_area", *keys], how="left")
    assert len(merged) == len(area_total) and merged["demand_central"].notna().all()
    assert np.allclose(merged["pupil_forecast"], merged["demand_central"])
    assert np.allclose(merged["total_places"], merged["places_planned"])
    # DfE's sheet is the year-group rule everywhere; the run's judged figure is that rule where the
    # year-group places are firm, and the whole-phase comparison where they are indicative
    assert np.allclose(merged["additional_need_only_places"], merged["places_needed_by_ncy_central"])
    firm = merged["basis"] == "year_group"
    assert np.allclose(merged.loc[firm, "additional_need_only_places"], merged.loc[firm, "places_needed_central"])
    assert np.allclose(merged.loc[firm, "spare_places"], merged.loc[firm, "spare_places_central"])
    # the forecast sheet and the place-planning sheet show the same pupils
    wide = tables["pupil_forecasts"].set_index(["planning_area_code", "academic_year"])
    for row in detail.sample(n=min(len(detail), 40), random_state=0).itertuples(index=False):
        label = NCY_LABELS[int(row.ncy)]
        assert wide.at[(row.planning_area_code, row.academic_year), label] == pytest.approx(row.pupil_forecast)


# ---------------------------------------------------------------------------------------------
# methodology


def test_methodology_is_written_from_the_scenario(toy_run, toy_tables, hereford_tables):
    text = "\n".join(toy_tables["methodology"]["text"])
    assert "Toyshire" in text and "2022/23" in text and "Operating margin 2.0%" in text
    assert "simple mean of the last 3 years" in text and "100 Monte Carlo draws, seed 1" in text
    assert "hdc_places and hif_places are blank" in text and "14 actual, 9 projected" in text
    assert "south_primary_expansion" in set(toy_tables["methodology"]["item"])
    hereford = hereford_tables["methodology"]
    assert "Evidence: places=found" in "\n".join(hereford.loc[hereford["section"] == "capital projects", "text"])
    assert (hereford["item"] == "specialist forecasts").any()
