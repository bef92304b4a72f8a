"""Named overrides, scenarios combining them, and --set."""

import datetime as dt

import pytest

from placeplan import ScenarioError, load_scenario
from placeplan.scenario.overrides import apply_overrides, flatten, parse_set, set_key

from conftest import TOY


def test_flatten_nested_and_dotted_keys_alike():
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e.f": 3}) == {"a.b": 1, "a.c.d": [1, 2], "e.f": 3}


def test_set_key_creates_sections_and_indexes_lists():
    tree = {"a": {"stages": [{"n": 1}, {"n": 2}]}}
    set_key(tree, "a.stages.1.n", 5)
    set_key(tree, "x.y", True)
    assert tree == {"a": {"stages": [{"n": 1}, {"n": 5}]}, "x": {"y": True}}
    with pytest.raises(KeyError, match="not an item number"):
        set_key(tree, "a.stages.7.n", 1)


def test_parse_set_reads_yaml_scalars_safely():
    assert parse_set("policy.operating_margin=0.05") == ("policy.operating_margin", 0.05)
    assert parse_set("a.b=2027-09-01") == ("a.b", dt.date(2027, 9, 1))
    with pytest.raises(ValueError, match="key.path=value"):
        parse_set("no-equals-sign")


def test_python_tags_are_refused():
    with pytest.raises(ValueError, match=r"--set a: .*the tag !!python/object/apply:os.system is not allowed"):
        parse_set("a=!!python/object/apply:os.system ['echo hacked']")


def test_set_values_that_are_not_yaml_name_the_key():
    with pytest.raises(ValueError, match=r"--set meta\.title: the value '\[unclosed' cannot be used: not valid YAML"):
        parse_set("meta.title=[unclosed")
    with pytest.raises(ValueError, match=r"--set meta\.as_at: .*'2026-13-45' is not a real date"):
        parse_set("meta.as_at=2026-13-45")


def test_scenario_applies_overrides_in_order():
    scenario = load_scenario(TOY, "stretched")
    assert scenario.config.housing.delivery_factor == 1.5
    south = scenario.config.capital_projects["south_primary_expansion"]
    assert south.delay_months == 12 and south.planned_opening == dt.date(2027, 9, 1)  # a slip; the plan stays
    assert scenario.applied == ("override:high_housing", "override:late_south")
    assert scenario.name == "toy_council-stretched"


def test_set_wins_over_scenario():
    scenario = load_scenario(TOY, "stretched", [("housing.delivery_factor", 0.5)])
    assert scenario.config.housing.delivery_factor == 0.5


def test_two_overrides_setting_one_key_is_an_error():
    raw = {"overrides": {"a": {"policy.operating_margin": 0.05}, "b": {"policy": {"operating_margin": 0.0}}}}
    _, _, problems, _ = apply_overrides(raw, ["a", "b"], [], "s.yaml")
    assert len(problems) == 1
    assert "policy.operating_margin" in problems[0].message and "'a'" in problems[0].message


def test_overlapping_keys_conflict_too():
    raw = {"overrides": {"a": {"policy": {"operating_margin": 0.05}}, "b": {"policy": 1}}}
    _, _, problems, _ = apply_overrides(raw, ["a", "b"], [], "s.yaml")
    assert len(problems) == 1


def test_unknown_scenario_is_named():
    with pytest.raises(ScenarioError, match="unknown scenario or override 'nope'.*stretched"):
        load_scenario(TOY, "nope")


def test_a_single_override_can_be_used_as_scenario():
    assert load_scenario(TOY, "margin_5pc").config.policy.operating_margin == 0.05


def test_bad_values_are_blamed_on_their_override():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(TOY, sets=[("policy.operating_margin", 0.9)])
    assert str(caught.value.problems[0]).startswith("--set, policy.operating_margin: Input should be less")
    raw_problems = caught.value.problems
    assert len(raw_problems) == 1


def test_an_option_sets_a_list_item_by_number_as_an_override_does():
    from placeplan.scenario.options import apply_option
    from placeplan.scenario.schema import Option

    config = load_scenario(TOY).config
    early = Option(description="admit early", changes={
        "capital_projects.south_primary_expansion.places.0.admit_from": dt.date(2027, 9, 1),
        "capital_projects.south_primary_expansion.places.0.admit_places": 15})
    changed = apply_option(config.model_copy(update={"options": {"early": early}}), "early")
    change = changed.capital_projects["south_primary_expansion"].places[0]
    assert (change.admit_from, change.admit_places) == (dt.date(2027, 9, 1), 15)
    assert (change.pan_before, change.pan_after, change.net_capacity_change) == (60, 90, 210)  # the rest kept


def test_late_south_opens_a_year_later_than_the_base():
    from placeplan.capital.simulate import date_of_month_number, simulate_programme
    from placeplan.pipeline import live_projects

    def openings(name, sets=()):
        config = load_scenario(TOY, name, list(sets)).config
        result = simulate_programme(live_projects(config), config.programme, config.meta.programme_date, 50, 1)
        return result.opening[:, result.keys.index("south_primary_expansion")]

    # by hand, with fixed durations (design 6 months, construction 12; the toy has no risks): from 1 January 2026
    # handover July 2027, open September 2027 as planned; 12 months later to start, handover July 2028, open
    # September 2028
    fixed = [(f"capital_projects.south_primary_expansion.stages.{k}.{f}", months)
             for k, months in ((0, 6), (1, 12)) for f in ("min_months", "mode_months", "max_months")]
    assert {date_of_month_number(v) for v in openings(None, fixed)} == {dt.date(2027, 9, 1)}
    assert {date_of_month_number(v) for v in openings("late_south", fixed)} == {dt.date(2028, 9, 1)}
    # with the toy's own durations, every draw opens exactly a year later (same random numbers)
    base, late = openings(None), openings("late_south")
    assert len(set(base)) > 1 and (late - base == 12).all()
