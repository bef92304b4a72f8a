"""Places by school and year group, and their timeline, checked by hand (two primary areas, two
secondary schools, one with a sixth form)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placeplan.capacity.places import pan_year_groups, places_array, school_basis, school_places
from placeplan.capacity.timeline import places_timeline, project_changes
from placeplan.capacity.units import planning_area_units, sub_area_units
from placeplan.scenario.schema import CapitalProject

SCHOOLS = pd.DataFrame({
    "school_id": ["P1", "P2", "P3", "S1", "S2"],
    "name": ["North", "Hill", "South", "North High", "South High"],
    "status": ["open"] * 5, "kind": ["mainstream"] * 5,
    "ncy_low": [0, 0, 0, 7, 7], "ncy_high": [6, 6, 6, 13, 11],
    "primary_planning_area": ["A", "A", "B", None, None],
    "secondary_planning_area": [None, None, None, "Z", "Z"],
    "sub_area": [None, None, None, "ZN", "ZS"],
})
CAPACITY = pd.DataFrame({
    "school_id": ["P1", "P2", "P3", "S1", "S1", "S2"],
    "provision": ["primary", "primary", "primary", "secondary", "sixth_form", "secondary"],
    "net_capacity": [240, 105, 420, 750, 200, 600],
    "pan": [30, 15, 60, 150, None, 120],
    "pan_source": ["published", "estimated", "council", "published", None, None],
    "as_of_year": [2024] * 6,
})


def test_pan_year_groups_by_hand():
    # 240 places, PAN 30 over 7 year groups: 30 spare places spread evenly
    assert pan_year_groups(30, 240, 7) == pytest.approx([240 / 7] * 7)
    # PAN raised to 60 ahead of the building (net capacity 300 for 7 year groups): the oldest
    # year groups, admitted at the old intake, hold the fewer places
    assert pan_year_groups(60, 300, 7).tolist() == [60, 60, 60, 60, 60, 0, 0]
    assert pan_year_groups(60, 330, 7).tolist() == [60, 60, 60, 60, 60, 30, 0]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.integers(0, 3000), st.integers(1, 7))
def test_pan_year_groups_always_sum_to_net_capacity(pan, capacity, n):
    places = pan_year_groups(pan, capacity, n)
    assert places.sum() == pytest.approx(capacity)
    assert (places >= -1e-9).all()


def test_school_places_basis_and_sixth_form_apart():
    places = school_places(SCHOOLS, CAPACITY)
    p1 = places[places["school_id"] == "P1"]
    assert p1["basis"].unique().tolist() == ["pan"] and p1["places"].sum() == pytest.approx(240)
    p2 = places[places["school_id"] == "P2"]
    assert p2["basis"].unique().tolist() == ["indicative"]  # an estimated PAN does not count
    assert p2["places"].tolist() == pytest.approx([15.0] * 7)
    s1 = places[places["school_id"] == "S1"].set_index("ncy")
    assert s1.loc[7:11, "places"].tolist() == [150.0] * 5  # Y7-Y11 from the PAN, sixth form apart
    assert s1.loc[12:13, "places"].tolist() == [100.0, 100.0]
    assert set(s1.loc[12:13, "provision"]) == {"sixth_form"}
    basis = school_basis(places)
    assert basis == {"P1": "firm", "P2": "indicative", "P3": "firm", "S1": "firm", "S2": "indicative"}


def test_year_group_capacity_given_wins():
    given = pd.DataFrame({"school_id": ["P2"] * 7, "ncy": range(7), "places": [20, 20, 15, 15, 15, 10, 10],
                          "as_of_year": [2024] * 7})
    places = school_places(SCHOOLS, CAPACITY, given)
    p2 = places[places["school_id"] == "P2"]
    assert p2["places"].tolist() == [20, 20, 15, 15, 15, 10, 10] and set(p2["basis"]) == {"given"}


def test_areas_are_sums_of_schools_exactly():
    places = school_places(SCHOOLS, CAPACITY)
    axis = ("P1", "P2", "P3", "S1", "S2")
    base = places_array(places, axis)
    units = planning_area_units(SCHOOLS, axis, ("A", "B", "Z"), ("primary", "primary", "secondary"))
    areas = units.sum(base[None, :, :, None])[0, :, :, 0]
    assert areas[0, :7].sum() == pytest.approx(345) and areas[0, 7:].sum() == 0
    assert areas[1, :7].sum() == pytest.approx(420)
    assert areas[2, 7:12].sum() == pytest.approx(1350) and areas[2, 12:].sum() == pytest.approx(200)
    subs = sub_area_units(SCHOOLS, axis, pd.DataFrame({"planning_area": ["ZN", "ZS"], "phase": ["secondary"] * 2,
                                                       "kind": ["sub_area"] * 2}))
    parts = subs.sum(base[None, :, :, None])[0, :, :, 0]
    assert parts.sum() == pytest.approx(areas[2].sum())


def _project(**places):
    return CapitalProject(name="x", school_id="S2", kind="expansion", status="committed", start="2025-01-01",
                          planned_opening="2026-09-01", places=(places,))


def test_a_pan_rise_admits_a_larger_year_7_each_september():
    places = school_places(SCHOOLS, CAPACITY)
    axis = ("P1", "P2", "P3", "S1", "S2")
    project = _project(provision="secondary", net_capacity_change=300, pan_before=120, pan_after=180,
                       phasing="by_year_group")
    changes = project_changes({"rise": project}, SCHOOLS)
    years = np.arange(2025, 2032)
    timeline = places_timeline(places_array(places, axis), axis, 2024, changes, ("rise",),
                               np.array([[2026], [2028]]), years)
    s2 = timeline.places[0, 4]  # (ncy, year), draw 0 opens in 2026
    assert s2[7].tolist() == [120, 180, 180, 180, 180, 180, 180]
    assert s2[8].tolist() == [120, 120, 180, 180, 180, 180, 180]
    assert s2[11].tolist() == [120, 120, 120, 120, 120, 180, 180]
    assert s2[7:12, -1].sum() == pytest.approx(900)  # 600 + 300 once full size
    assert timeline.places[1, 4, 7].tolist() == [120, 120, 120, 180, 180, 180, 180]  # draw 1: two years later
    assert (timeline.places[:, :4] == timeline.places[:1, :4]).all()  # other schools untouched


def test_a_bulge_class_moves_up_and_leaves():
    places = school_places(SCHOOLS, CAPACITY)
    axis = ("P1", "P2", "P3", "S1", "S2")
    project = _project(provision="secondary", net_capacity_change=30, phasing="bulge", temporary=True)
    changes = project_changes({"bulge": project}, SCHOOLS)
    years = np.arange(2026, 2033)
    timeline = places_timeline(places_array(places, axis), axis, 2024, changes, ("bulge",), np.array([[2026]]), years)
    extra = timeline.places[0, 4, 7:12] - 120  # (ncy 7-11, year)
    assert np.array_equal(extra[:, :5], 30 * np.eye(5)) and (extra[:, 5:] == 0).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 200), min_size=5, max_size=5), st.integers(0, 100))
def test_adding_places_never_increases_need(pupils, extra):
    from placeplan.sufficiency.units import judged_need

    demand = np.zeros((1, 1, 14, 1))
    demand[0, 0, 7:12, 0] = pupils
    places = np.zeros((1, 1, 14, 1))
    places[0, 0, 7:12, 0] = 100
    more = places.copy()
    more[0, 0, 7, 0] += extra
    for firm in (True, False):
        before = judged_need(demand, places, ("secondary",), np.array([firm]), 0.0)["judged"]
        after = judged_need(demand, more, ("secondary",), np.array([firm]), 0.0)["judged"]
        assert (after <= before + 1e-9).all()


def test_basis_is_judged_per_phase():
    from placeplan.capacity.places import phase_basis

    schools = pd.concat([SCHOOLS, pd.DataFrame({"school_id": ["T1"], "name": ["Through"], "status": ["open"],
                                                "kind": ["mainstream"], "ncy_low": [0], "ncy_high": [11],
                                                "primary_planning_area": ["A"], "secondary_planning_area": ["Z"],
                                                "sub_area": [None]})], ignore_index=True)
    capacity = pd.concat([CAPACITY, pd.DataFrame({"school_id": ["T1", "T1"], "provision": ["primary", "secondary"],
                                                  "net_capacity": [210, 300], "pan": [30, 60],
                                                  "pan_source": ["published", None], "as_of_year": [2024, 2024]})],
                         ignore_index=True)
    places = school_places(schools, capacity)
    basis = phase_basis(places, ("P1", "S1", "T1"))
    assert basis["primary"][0].tolist() == [True, False, True]  # the all-through school's primary PAN is published
    assert basis["secondary"][0].tolist() == [False, True, False]  # its secondary one is not
    assert basis["primary"][1].tolist() == [True, False, True] and basis["secondary"][1].tolist() == [False, True, True]
