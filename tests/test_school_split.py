"""Pupils by school: shares of the area projection, cohorts keeping their school, schools summing to areas."""

import numpy as np
import pandas as pd
import pytest

import placeplan
from placeplan.demand.schools import base_shares, roll_shares, school_counts


@pytest.fixture(scope="module")
def toy_results(toy):
    return placeplan.run(toy, draws=50, backtest=False)


def _check_sum_to_areas(results):
    step, capital = results.schools, results.capital
    units = results.levels["planning_area"].units
    for pupils, area in ((step.pupils, results.need.demand), (step.central, None)):
        summed = units.sum(pupils)
        if area is not None:
            np.testing.assert_allclose(summed, area, rtol=1e-9, atol=1e-6)
    _, central = placeplan.demand.demand_cube(results.projection, central=True)
    np.testing.assert_allclose(units.sum(step.central), central, rtol=1e-9, atol=1e-6)
    assert capital.timeline.places.shape == results.need.demand.shape


def test_schools_sum_to_their_areas_exactly(toy_results):
    _check_sum_to_areas(toy_results)


def test_herefordshire_schools_sum_to_their_areas(hereford_results):
    _check_sum_to_areas(hereford_results)


def test_shares_from_block_counts_by_hand():
    schools = pd.DataFrame({"school_id": ["A", "B"], "ncy_low": [0, 0], "ncy_high": [6, 6]})
    nor = pd.DataFrame({"school_id": ["A", "A", "B"], "academic_year": [2018, 2024, 2024],
                        "census": ["january", "october", "october"], "ncy_low": [pd.NA, 0, 0],
                        "ncy_high": [pd.NA, 6, 6], "nor": [70, 140, 70]})
    counts, year, basis = school_counts(schools, ("A", "B"), nor, None)
    assert counts[0, :7].tolist() == [20.0] * 7 and counts[1, :7].tolist() == [10.0] * 7  # latest, R-Y6 block
    assert year.tolist() == [2024, 2024] and basis == ["block", "block"]
    places = np.zeros((2, 14))
    places[:, :7] = 30
    area_of = np.full((2, 14), -1)
    area_of[:, :7] = 0
    shares = base_shares(counts, places, area_of, basis, ("A", "B"))
    assert shares.shares[:, 0].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_a_cohort_keeps_its_school():
    base = np.zeros((2, 14))
    base[:, :7] = [[0.5] * 7, [0.5] * 7]
    base[:, 7:12] = [[0.8] * 5, [0.2] * 5]
    taught = base > 0
    area_of = np.where(taught, np.where(np.arange(14) < 7, 0, 1), -1)
    entry = np.array([[[0.6, 0.6, 0.6]], [[0.4, 0.4, 0.4]]]).transpose(1, 0, 2)  # (draw 1, school, year)
    shares = roll_shares(base, entry, taught, area_of)[0]  # (school, ncy, year)
    assert shares[:, 7, 0].tolist() == pytest.approx([0.6, 0.4])  # the new Year 7
    assert shares[:, 8, 0].tolist() == pytest.approx([0.8, 0.2])  # last year's Year 7 moved up
    assert shares[:, 8, 1].tolist() == pytest.approx([0.6, 0.4])  # and the new cohort a year later
    assert shares[:, 11, 2].tolist() == pytest.approx([0.8, 0.2])


def test_base_year_need_is_not_an_artefact(hereford_results):
    """No planning area is short in its base year unless its real pupils exceed its real places:
    where year-group places are only indicative, the area is judged on the whole phase."""
    base = hereford_results.school_position
    areas = base[base["level"] == "planning_area"]
    short = areas[areas["existing_pressure"] > 0]
    for row in short.itertuples(index=False):
        if row.basis.startswith("whole_phase"):
            margin = hereford_results.scenario.config.policy.operating_margin
            assert row.nor_estimated > row.places * (1 - margin)
    # the even split of capacity over year groups would have called more areas short
    by_ncy = areas[areas["places_needed_by_ncy"] > 0]
    assert len(short) < len(by_ncy)
    # secondary is the sum of its schools, and sixth-form places are never Y7-Y11 places
    sixth = hereford_results.scenario.tables["capacity"].query("provision == 'sixth_form'")["net_capacity"].sum()
    county = areas[areas["phase"] == "secondary"]["places"].sum()
    main = hereford_results.scenario.tables["capacity"].query("provision == 'secondary'")["net_capacity"].sum()
    assert county == pytest.approx(main)  # Y7-Y11 places are exactly the secondary rows
    assert sixth == pytest.approx(375)  # John Kyrle 250 + John Masefield 125, held apart


def test_year_group_table_sums_to_the_school_table(toy_results):
    table = toy_results.school_year_groups
    projected = table[(table["kind"] == "projected") & (table["ncy"] <= 11)]
    per_school = projected.assign(phase=np.where(projected["ncy"] <= 6, "primary", "secondary")) \
        .groupby(["school_id", "phase", "academic_year"])[["pupils", "places"]].sum().rename_axis(["code", "phase", "academic_year"])
    schools = toy_results.school_sufficiency.set_index(["code", "phase", "academic_year"])
    joined = per_school.join(schools[["demand_central", "places_planned"]], how="inner")
    assert len(joined) == len(schools)
    np.testing.assert_allclose(joined["pupils"], joined["demand_central"], rtol=1e-9)
    np.testing.assert_allclose(joined["places"], joined["places_planned"], rtol=1e-9)
    base = table[table["kind"] == "base"]
    assert base["academic_year"].unique().tolist() == [toy_results.scenario.config.meta.base_year]


def _edit_csv(path, edit):
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(table)
    table.to_csv(path, index=False, lineterminator="\n")


def test_year_groups_without_places_and_junior_schools_keep_their_pupils(toy_copy):
    """A year group with no places still has pupils; a junior school (Y3-Y6) keeps its share of Year 3 on."""
    folder = toy_copy.parent / "toy_council"

    def capacity(t):  # North High: PAN 150 above a 450-place building, so Y10-Y11 get no places
        t.loc[(t["school_id"] == "200001") & (t["provision"] == "secondary"), "net_capacity"] = "450"

    def schools(t):
        t.loc[t["school_id"] == "100002", "ncy_low"] = "3"  # Hilltop becomes a junior school

    _edit_csv(folder / "capacity.csv", capacity)
    _edit_csv(folder / "schools.csv", schools)
    results = placeplan.run(placeplan.load_scenario(toy_copy), draws=20, backtest=False)
    _check_sum_to_areas(results)
    axis = results.schools.schools
    north_high, hilltop = axis.index("200001"), axis.index("100002")
    assert (results.schools.central[0, north_high, 10:12] > 0).all()
    assert (results.schools.central[0, hilltop, 3:7, -1] > 0).all()  # its cohorts never empty out
    assert (results.schools.central[0, hilltop, 0:3] == 0).all()


def test_a_project_at_a_school_not_yet_open_adds_its_places(toy_copy):
    folder = toy_copy.parent / "toy_council"

    def schools(t):
        t.loc[t["school_id"] == "100003", "status"] = "proposed"

    _edit_csv(folder / "schools.csv", schools)
    results = placeplan.run(placeplan.load_scenario(toy_copy), draws=10, backtest=False)
    axis = results.capital.schools.schools
    assert "100003" in axis
    south = results.sufficiency.query("planning_area == '8881002'").set_index("academic_year")
    assert south["places_planned"].iloc[-1] > south["places_planned"].iloc[0]  # the expansion's places arrive
    from placeplan.outputs.scap import scap_tables

    assert not scap_tables(results)["planned_places"].empty
