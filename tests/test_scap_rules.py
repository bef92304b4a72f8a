"""The SCAP return's validator: clean returns pass, and a broken return shows each rule's breach where it is."""

from __future__ import annotations

import datetime as dt

import pytest

import placeplan
from placeplan import load_scenario
from placeplan.cli import main
from placeplan.outputs.scap import official_areas, scap_return
from placeplan.outputs.scap_rules import RULES, breaches_table, validate_return
from placeplan.outputs.scap_window import scap_window

from conftest import HEREFORDSHIRE, TOY


@pytest.fixture(scope="module")
def toy_clean():
    """The toy council projected to 2032/33, far enough for every year SCAP 2026 asks for."""
    return scap_return(placeplan.run(load_scenario(TOY, None, [("meta.horizon_years", 10)]), draws=20,
                                     backtest=False))


@pytest.fixture(scope="module")
def hereford(hereford_results):
    return scap_return(hereford_results)


def _check(scap, tables):
    return validate_return(tables, scap.window, official_areas(scap.results))


def _copy(scap) -> dict:
    return {name: table.copy() for name, table in scap.tables.items()}


def test_clean_returns_pass(toy_clean, hereford):
    assert toy_clean.breaches == () and toy_clean.ok
    # Herefordshire: nothing breaks a rule but the years its projection does not reach (if any)
    years = set(int(y) for y in hereford.results.projection.years)
    for breach in hereford.breaches:
        assert breach.rule == "forecast_years" and "does not reach it" in breach.message, str(breach)
    assert bool(hereford.breaches) == bool(hereford.missing_years)
    assert all(y not in years for ys in hereford.missing_years.values() for y in ys)


def test_herefordshire_projected_far_enough_passes():
    results = placeplan.run(load_scenario(HEREFORDSHIRE, None, [("meta.horizon_years", 11)]), draws=20,
                            backtest=False)
    scap = scap_return(results)
    assert scap.breaches == (), "\n".join(map(str, scap.breaches))
    methodology = scap.tables["methodology"]
    assert methodology.loc[methodology["section"] == "validation", "text"].str.contains("passes every").any()


def test_each_rule_finds_its_breach(toy_clean):
    tables = _copy(toy_clean)
    schools, forecasts = tables["school_capacity"], tables["pupil_forecasts"]
    planned, pp = tables["planned_places"], tables["place_planning"]
    north = schools.index[schools["school_name"] == "North Primary"][0]
    hilltop = schools.index[schools["school_name"] == "Hilltop Primary"][0]
    south_high = schools.index[schools["school_name"] == "South High"][0]
    # whole_numbers: a fractional NOR and a negative forecast
    schools["nor"] = schools["nor"].astype(object)
    schools.at[north, "nor"] = 190.5
    forecasts.loc[0, "Y6"] = -3
    forecasts.loc[0, "total"] = forecasts.loc[0, ["R", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6"]].sum()
    # one_planning_area: a primary school in the secondary area, and a school listed twice
    schools.at[hilltop, "primary_planning_area_code"] = "8880001"
    schools.at[south_high, "urn"] = schools.at[north, "urn"]
    # forecast_years: a required year missing for one area, and a year group left blank
    missing = forecasts.index[(forecasts["planning_area_code"] == "8881002") & (forecasts["academic_year"] == 2030)]
    forecasts = forecasts.drop(index=missing).reset_index(drop=True)
    forecasts.loc[1, "Y3"] = None
    forecasts.loc[1, "total"] = forecasts.loc[1, ["R", "Y1", "Y2", "Y4", "Y5", "Y6"]].sum()
    tables["pupil_forecasts"] = forecasts
    # capacity_by_year_group: Reception one place larger than the school's capacity allows
    schools.at[north, "capacity_R"] += 1
    schools.at[north, "capacity_primary"] = schools.at[north, "capacity_primary"]  # unchanged: 1 short
    # age_range: places in Year 7 at a primary school (its secondary total kept in step)
    schools.at[hilltop, "capacity_Y7"] = 30
    schools.at[hilltop, "capacity_secondary"] = 30
    # planned_places: a year outside the round's three, a positive removal
    planned.loc[0, "academic_year"] = 2031
    planned.loc[1, "removed_places"] = 5
    # totals: need worked out with a 2% margin in DfE's column
    row = pp.index[(pp["planning_area_code"] == "8881001") & (pp["academic_year"] == 2026)
                   & (pp["nc_year_group"] == "Reception")][0]
    pp.at[row, "additional_need_minus_spare_places"] = int(pp.at[row, "pupil_forecast"]
                                                           - round(pp.at[row, "total_places"] * 0.98))
    found = _check(toy_clean, tables)
    by_rule = {rule: [b for b in found if b.rule == rule] for rule in RULES}
    assert all(by_rule.values()), {r: len(b) for r, b in by_rule.items()}

    def has(rule, sheet, row, column, text):
        assert any(b.sheet == sheet and b.row == row and b.column == column and text in b.message
                   for b in by_rule[rule]), (rule, sheet, row, column, [str(b) for b in by_rule[rule]])

    has("whole_numbers", "school_capacity", north + 2, "nor", "190.5 is not a whole number")
    has("whole_numbers", "pupil_forecasts", 2, "Y6", "-3 is negative")
    has("one_planning_area", "school_capacity", hilltop + 2, "primary_planning_area_code",
        "'8880001' is not a primary planning area")
    has("one_planning_area", "school_capacity", south_high + 2, "urn", "listed more than once")
    has("forecast_years", "pupil_forecasts", None, "academic_year",
        "no forecast for primary planning area 8881002 in 2030/31")
    has("forecast_years", "pupil_forecasts", 3, "Y3", "no forecast for Y3")
    has("capacity_by_year_group", "school_capacity", north + 2, "capacity_primary", "adds up to 211")
    has("age_range", "school_capacity", hilltop + 2, "capacity_Y7", "outside the school's age range R-Y6")
    has("planned_places", "planned_places", 2, "academic_year", "2031/32 is outside SCAP 2026's planned-places years")
    has("planned_places", "planned_places", 3, "removed_places", "expected at most 0")
    has("totals", "place_planning", row + 2, "additional_need_minus_spare_places", "no operating margin")
    # the Total rows that sum the broken cell say so too
    assert any(b.sheet == "place_planning" and "is not the sum of" in b.message for b in by_rule["totals"])
    # every breach names its place, and the table carries the guide
    table = breaches_table(found)
    assert list(table.columns) == ["rule", "sheet", "row", "column", "message", "guide"]
    assert table["guide"].str.len().gt(0).all()


def test_nor_year_groups_and_scope(toy_clean):
    tables = _copy(toy_clean)
    schools = tables["school_capacity"]
    schools.loc[0, "nor_year_groups"] = "R-Y11"
    schools.loc[1, "nor_census"] = None
    found = _check(toy_clean, tables)
    assert any(b.row == 2 and b.column == "nor_year_groups" and b.rule == "age_range" for b in found)
    assert any(b.row == 3 and b.column == "nor_census" and b.rule == "age_range" for b in found)


def test_a_year_outside_the_round_is_a_breach(toy_clean):
    later = scap_window(dt.date(2027, 3, 1))  # SCAP 2027: the toy return's 2026/27 rows are not asked for
    found = validate_return(toy_clean.tables, later, official_areas(toy_clean.results))
    assert any(b.rule == "forecast_years" and "2026/27 is not a year SCAP 2027 asks for" in b.message for b in found)


def test_scap_command_writes_the_return_and_exits_2_on_breaches(tmp_path, capsys):
    out = tmp_path / "scap"
    code = main(["scap", str(TOY), "--draws", "10", "--out", str(out)])  # toy projects to 2030/31 only
    assert code == 2
    assert sorted(p.name for p in out.iterdir()) == ["data", "scap.json", "scap_return.xlsx", "scap_validation.csv"]
    captured = capsys.readouterr()
    assert "SCAP 2026 return" in captured.out
    assert "no forecast for secondary planning area 8880001 in 2031/32" in captured.err
    clean = tmp_path / "clean"
    assert main(["scap", str(TOY), "--set", "meta.horizon_years=10", "--draws", "10", "--out", str(clean)]) == 0
    assert "passes every checkable rule" in capsys.readouterr().out
