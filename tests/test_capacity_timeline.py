"""Places over time from school places and project openings, checked by hand on the toy council."""

import numpy as np
import pytest

from placeplan.capacity.places import places_array, school_index, school_places
from placeplan.capacity.timeline import places_timeline, project_changes
from placeplan.capacity.units import planning_area_units

YEARS = np.arange(2023, 2031)
AREAS = ("8881001", "8881002", "8880001")
PHASES = ("primary", "primary", "secondary")


@pytest.fixture(scope="module")
def parts(toy):
    places = school_places(toy.tables["schools"], toy.tables["capacity"])
    axis = school_index(places)
    changes = project_changes(toy.config.capital_projects, toy.tables["schools"])
    units = planning_area_units(toy.tables["schools"], axis, AREAS, PHASES)
    return places, axis, places_array(places, axis), changes, units


def test_base_places_by_year_group_sum_to_the_areas(parts):
    places, axis, base, _, units = parts
    areas = units.sum(base[None, :, :, None])[0, :, :, 0]
    assert areas[0, :7].tolist() == [45.0] * 7  # North 30 + Hilltop 15 a year group (both PANs from the council)
    assert areas[2, 12:].tolist() == [100.0, 100.0]  # North High's 200 sixth-form places over Y12-Y13
    assert areas[2, 7:12].tolist() == [270.0] * 5  # 150 + 120 PAN places; sixth form never in Y7-Y11
    assert places["places"].sum() == pytest.approx(210 + 105 + 420 + 750 + 200 + 600)


def test_project_places_go_to_the_school(parts):
    _, _, _, changes, _ = parts
    south = changes[changes["project"] == "south_primary_expansion"]
    assert set(south["school_id"]) == {"100003"} and south["places"].tolist() == [30.0] * 7
    assert south["offset"].tolist() == list(range(7))
    oak = changes[changes["project"] == "oak_special_annex"]
    assert oak["ncy"].tolist() == [-1] and oak["places"].tolist() == [20.0]


def test_phased_expansion_adds_a_year_group_a_year(parts):
    _, axis, base, changes, units = parts
    keys = ("south_primary_expansion", "oak_special_annex")
    opening = np.array([[2027, 2028], [-1, -1]])  # draw 0 opens; draw 1 never does
    timeline = places_timeline(base, axis, 2022, changes, keys, opening, YEARS)
    south = units.sum(timeline.places)[0, 1]  # (ncy, year)
    # Reception: 60 until 2026, 90 from 2027; Year 1 from 2028; Year 6 from 2033 (beyond the horizon).
    assert south[0, YEARS.tolist().index(2026)] == 60 and south[0, YEARS.tolist().index(2027)] == 90
    assert south[1, YEARS.tolist().index(2027)] == 60 and south[1, YEARS.tolist().index(2028)] == 90
    assert south[6, -1] == 60
    assert np.all(units.sum(timeline.places)[1, 1, :7] == 60)  # draw 1: never opens
    assert timeline.specialist[0].tolist() == [0, 0, 0, 0, 0, 20, 20, 20]
    assert timeline.specialist[1].tolist() == [0] * 8


def test_projects_already_in_the_base_are_not_counted_twice(parts):
    _, axis, base, changes, units = parts
    keys = ("south_primary_expansion", "oak_special_annex")
    timeline = places_timeline(base, axis, 2022, changes, keys, np.array([[2022, 2022]]), YEARS)
    assert np.all(units.sum(timeline.places)[0, 1, :7] == 60)
    assert np.all(timeline.specialist == 0)


def test_already_counted_is_judged_by_each_schools_own_capacity_year(parts):
    _, axis, base, changes, units = parts
    keys = ("south_primary_expansion", "oak_special_annex")
    opening = np.array([[2024, 2024]])
    # South Primary's capacity describes 2025 (the expansion is already in it); Oak Special's 2022 (it is not)
    timeline = places_timeline(base, axis, {"100003": 2025, "300001": 2022}, changes, keys, opening, YEARS)
    assert np.all(units.sum(timeline.places)[0, 1, :7] == 60)
    assert timeline.specialist[0].tolist() == [0, 20, 20, 20, 20, 20, 20, 20]
    # a school with no capacity figures at all has nothing counted yet
    timeline = places_timeline(base, axis, {}, changes, keys, opening, YEARS)
    assert units.sum(timeline.places)[0, 1, 0, 1] == 90


def test_admitted_places_land_at_admit_from_in_every_draw_the_rest_at_the_simulated_opening(toy, parts):
    import datetime as dt

    from placeplan.capital.simulate import simulate_programme

    _, axis, base, _, units = parts
    south = toy.config.capital_projects["south_primary_expansion"]
    change = south.places[0].model_copy(update={"admit_from": dt.date(2026, 9, 1), "admit_places": 20})
    projects = {"south_primary_expansion": south.model_copy(update={"places": (change,)})}
    changes = project_changes(projects, toy.tables["schools"])
    # Reception: 20 of the 30 extra places a year group from 2026/27, fixed; 10 at the simulated opening
    reception = changes[changes["ncy"] == 0]
    assert reception["places"].tolist() == [20.0, 10.0] and reception["fixed_year"].tolist() == [2026, -1]
    result = simulate_programme(projects, toy.config.programme, dt.date(2026, 1, 1), 200, 4)
    opens = result.opening_year[:, 0]
    assert len(set(opens.tolist())) > 1  # the building's opening varies from draw to draw
    timeline = places_timeline(base, axis, 2022, changes, result.keys, result.opening_year, YEARS)
    r = units.sum(timeline.places)[:, 1, 0, :]  # (draw, year): South area's Reception places
    y = YEARS.tolist()
    assert np.all(r[:, y.index(2025)] == 60) and np.all(r[:, y.index(2026)] >= 80)
    for d in range(200):
        expected = [60 + 20 * (year >= 2026) + 10 * (opens[d] >= 0 and year >= opens[d]) for year in y]
        assert r[d].tolist() == expected
    # Year 1 gains the admitted 20 a year later (the larger Reception moves up), also in every draw
    assert np.all(units.sum(timeline.places)[:, 1, 1, y.index(2027)] >= 80)
    assert np.all(units.sum(timeline.places)[:, 1, 1, y.index(2026)] == 60)
