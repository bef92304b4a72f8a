"""The scenario schema: frozen, strict, documented, and round-trips."""

import datetime as dt

import pytest
import yaml
from pydantic import ValidationError

from placeplan.scenario.load import read_yaml
from placeplan.scenario.schema import CapitalProject, Policy, ScenarioFile, Stage

from conftest import HEREFORDSHIRE, TOY


@pytest.mark.parametrize("path", [TOY, HEREFORDSHIRE], ids=["toy", "herefordshire"])
def test_scenario_file_round_trips_through_yaml(path):
    config = ScenarioFile.model_validate(read_yaml(path))
    dumped = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    again = ScenarioFile.model_validate(yaml.safe_load(dumped))
    assert again.model_dump(mode="json") == config.model_dump(mode="json")
    assert again.model_dump(exclude={"overrides", "options"}) == config.model_dump(exclude={"overrides", "options"})


def test_models_are_frozen():
    policy = Policy()
    with pytest.raises(ValidationError):
        policy.operating_margin = 0.5


def test_unknown_keys_are_rejected():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Policy(operating_margn=0.05)


def test_every_field_is_documented():
    from placeplan.scenario.reference import _models

    for model in _models(ScenarioFile, []):
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no docstring"


def test_stage_durations_must_be_ordered():
    with pytest.raises(ValidationError, match="min_months <= mode_months <= max_months"):
        Stage(name="design", min_months=6, mode_months=3, max_months=9)


def test_weighted_mean_needs_one_weight_per_year():
    with pytest.raises(ValidationError, match="one weight per year"):
        Policy(ratio_method="weighted_mean", ratio_window=3, ratio_weights=(3, 2))
    assert Policy(ratio_method="weighted_mean", ratio_window=3, ratio_weights=(3, 2, 1)).ratio_weights == (3, 2, 1)


def test_project_dates_parse_from_yaml_dates():
    project = CapitalProject.model_validate(
        yaml.safe_load("{name: X, school_id: '1', kind: expansion, status: proposed, "
                       "start: 2026-01-01, planned_opening: 2027-09-01}"))
    assert project.planned_opening == dt.date(2027, 9, 1)
