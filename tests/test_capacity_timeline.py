"""Places over time from base capacity and project openings, checked by hand on the toy council."""

import numpy as np
import pytest

from placeplan.capital.timeline import base_capacity_by_ncy, capacity_timeline, project_changes

YEARS = np.arange(2023, 2031)


@pytest.fixture(scope="module")
def parts(toy):
    base = base_capacity_by_ncy(toy.tables["schools"], toy.tables["capacity"])
    changes = project_changes(toy.config.capital_projects, toy.tables["schools"], "888")
    return base, changes


def test_base_capacity_is_split_over_year_groups(parts):
    base, _ = parts
    north = base[base["planning_area"] == "8881001"]
    assert north["places"].tolist() == [45.0] * 7  # (210 + 105) / 7
    sixth = base[(base["planning_area"] == "8880001") & (base["provision"] == "sixth_form")]
    assert sixth["places"].tolist() == [100.0, 100.0]  # 200 over Y12-Y13
    assert base["places"].sum() == pytest.approx(210 + 105 + 420 + 750 + 200 + 600)


def test_project_places_go_to_the_schools_area(parts):
    _, changes = parts
    south = changes.set_index("project").loc["south_primary_expansion"]
    assert (south.planning_area, south.per_ncy, south.phasing) == ("8881002", 30.0, "by_year_group")
    oak = changes.set_index("project").loc["oak_special_annex"]
    assert (oak.planning_area, oak.per_ncy) == ("888", 20.0)


def test_phased_expansion_adds_a_year_group_a_year(parts):
    base, changes = parts
    keys = ("south_primary_expansion", "oak_special_annex")
    opening = np.array([[2027, 2028], [-1, -1]])  # draw 0 opens; draw 1 never does
    timeline = capacity_timeline(base, changes, keys, opening, ("8881001", "8881002", "8880001"), YEARS)
    south = timeline.places[0, 1]  # (ncy, year)
    # Reception: 60 until 2026, 90 from 2027; Year 1 from 2028; Year 6 from 2033 (beyond the horizon).
    assert south[0, YEARS.tolist().index(2026)] == 60 and south[0, YEARS.tolist().index(2027)] == 90
    assert south[1, YEARS.tolist().index(2027)] == 60 and south[1, YEARS.tolist().index(2028)] == 90
    assert south[6, -1] == 60
    assert np.all(timeline.places[1, 1, :7] == 60)  # draw 1: never opens
    assert timeline.specialist[0].tolist() == [0, 0, 0, 0, 0, 20, 20, 20]
    assert timeline.specialist[1].tolist() == [0] * 8


def test_bulge_class_moves_up_and_leaves(parts, toy):
    import pandas as pd

    base, _ = parts
    changes = pd.DataFrame([("bulge", "8881001", "primary", 30.0, 30, "bulge", True)],
                           columns=["project", "planning_area", "provision", "per_ncy", "total", "phasing",
                                    "temporary"])
    timeline = capacity_timeline(base, changes, ("bulge",), np.array([[2023]]), ("8881001",), YEARS)
    extra = timeline.places[0, 0, :7] - 45  # (ncy, year)
    for k, year in enumerate(YEARS):
        expected = np.zeros(7)
        if k < 7:
            expected[k] = 30
        assert extra[:, k].tolist() == expected.tolist(), year


def test_projects_already_in_the_base_are_not_counted_twice(parts):
    base, changes = parts
    keys = ("south_primary_expansion", "oak_special_annex")
    as_of = int(base["as_of_year"].max())
    timeline = capacity_timeline(base, changes, keys, np.array([[as_of, as_of]]), ("8881002",), YEARS)
    assert np.all(timeline.places[0, 0, :7] == 60)
