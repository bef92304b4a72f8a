"""The base-year position, checked by hand on the toy council."""

import pytest

import placeplan
from placeplan.sufficiency.base_position import position_totals


@pytest.fixture(scope="module")
def position(toy):
    return placeplan.run(toy).base_position.set_index(["planning_area", "provision"])


def test_official_areas_by_hand(position):
    # North: 40 pupils x 7 year groups = 280 against 210 + 105 = 315 places -> 35 spare (11.1%).
    north = position.loc[("8881001", "primary")]
    assert (north.nor, north.net_capacity, north.spare_places, north.places_needed) == (280, 315, 35, 0)
    assert north.spare_pct == pytest.approx(100 * 35 / 315)
    # South: 62 x 7 = 434 against 420 -> 14 short, none spare.
    south = position.loc[("8881002", "primary")]
    assert (south.nor, south.net_capacity, south.spare_places, south.places_needed) == (434, 420, 0, 14)
    # Secondary Y7-11: 230 x 5 = 1150 against 750 + 600; sixth form 80 x 2 against 200.
    assert position.loc[("8880001", "secondary"), "spare_places"] == 200
    assert position.loc[("8880001", "sixth_form"), "spare_places"] == 40


def test_no_offsetting_between_areas(toy):
    totals = position_totals(placeplan.run(toy).base_position).set_index("provision")
    # North's 35 spare places do not cancel South's 14-place shortfall.
    assert totals.loc["primary", "spare_places"] == 35
    assert totals.loc["primary", "places_needed"] == 14
    assert totals.loc["primary", "nor"] == 714


def test_sub_areas_share_the_parent_roll(position):
    # Whole-school rolls: North High 800, South High 510 -> North's share 800 / 1310 of 1150.
    assert position.loc[("888S-N", "secondary"), "nor"] == pytest.approx(1150 * 800 / 1310)
    # Only North High has a sixth form, so it takes all 160 sixth-formers.
    assert position.loc[("888S-N", "sixth_form"), "nor"] == pytest.approx(160)
    assert ("888S-S", "sixth_form") not in position.index


def test_specialist_places_listed(toy):
    specialist = placeplan.run(toy).specialist
    assert specialist[["name", "setting", "net_capacity"]].values.tolist() == [["Oak Special", "special", 80]]
