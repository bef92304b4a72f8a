"""Containment: every path a scenario names resolves inside the scenario's own folder (or its narrower data root)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from placeplan import load_scenario
from placeplan.errors import ScenarioError
from placeplan.scenario.paths import Containment, OutsideError, containment

from conftest import HEREFORDSHIRE


def problems_of(path: Path, sets=()) -> dict[str, tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, sets=list(sets))
    return {p.where: (p.file, p.message) for p in caught.value.problems}


def test_set_data_root_and_absolute_table_are_refused_naming_the_key(toy_copy: Path):
    found = problems_of(toy_copy, [("meta.data_root", "/"), ("planning_areas.table", "/etc/passwd")])
    folder = toy_copy.parent.resolve()
    assert found["planning_areas.table"] == (
        "--set", f"path '/etc/passwd' is absolute, so outside the scenario's folder {folder} "
                 "(expected a path relative to the scenario file, inside that folder)")
    file, message = found["meta.data_root"]
    assert file == "--set" and "never widen it" in message and str(folder) in message


def test_dotdot_escapes_are_refused_even_when_data_root_points_up(toy_copy: Path):
    found = problems_of(toy_copy, [("meta.data_root", "../../.."), ("schools.table", "../../../../etc/passwd")])
    assert "is outside the scenario's folder" in found["schools.table"][1]
    assert "meta.data_root" in found
    # a .. that stays inside is fine; one that climbs past the folder is not
    yaml_text = toy_copy.read_text().replace("table: toy_council/schools.csv",
                                             "table: toy_council/../toy_council/schools.csv")
    toy_copy.write_text(yaml_text)
    assert load_scenario(toy_copy).tables["schools"].shape[0] == 6
    toy_copy.write_text(yaml_text.replace("toy_council/../toy_council/schools.csv", "toy_council/../../schools.csv"))
    assert "is outside the scenario's folder" in problems_of(toy_copy)["schools.table"][1]


def test_a_symlink_pointing_out_is_refused_and_not_opened(toy_copy: Path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.csv"
    outside.write_text("SECRET-CONTENT\n")
    link = toy_copy.parent / "toy_council" / "linked.csv"
    os.symlink(outside, link)
    os.chmod(outside, 0)  # were it opened, reading would fail with a different message
    try:
        found = problems_of(toy_copy, [("housing.table", "toy_council/linked.csv")])
    finally:
        os.chmod(outside, 0o600)
    file, message = found["housing.table"]
    assert message == (f"path 'toy_council/linked.csv' is outside the scenario's folder "
                       f"{toy_copy.parent.resolve()} (expected a path inside it)")
    assert not any("SECRET" in m or "ermission" in m for _, m in found.values())


def test_a_symlink_staying_inside_is_allowed(toy_copy: Path):
    folder = toy_copy.parent / "toy_council"
    os.symlink(folder / "housing.csv", folder / "housing_link.csv")
    scenario = load_scenario(toy_copy, sets=[("housing.table", "toy_council/housing_link.csv")])
    assert not scenario.tables["housing"].empty


def test_data_root_narrows_the_folder(toy_copy: Path):
    (toy_copy.parent / "other.csv").write_text("x\n")
    assert load_scenario(toy_copy, sets=[("meta.data_root", "toy_council")]).config.meta.data_root == "toy_council"
    found = problems_of(toy_copy, [("meta.data_root", "toy_council"), ("housing.yields", "other.csv")])
    assert "is outside the scenario's data root" in found["housing.yields"][1]
    assert "meta.data_root" not in found


def test_overrides_cannot_widen_either(toy_copy: Path):
    # into the file's own overrides section (a second `overrides:` would be refused as a duplicate key)
    text = toy_copy.read_text().replace("\noverrides:\n", "\noverrides:\n  sneaky:\n    planning_areas:\n"
                                        "      geometry: /etc/passwd\n", 1)
    toy_copy.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(toy_copy, scenario="sneaky")
    found = {p.where: p for p in caught.value.problems}
    assert found["planning_areas.geometry"].file.endswith("(set by overrides.sneaky)")
    assert "is absolute" in found["planning_areas.geometry"].message


def test_scenario_file_refuses_a_changed_reference(toy):
    import dataclasses

    config = toy.config.model_copy(update={"planning_areas": toy.config.planning_areas.model_copy(
        update={"geometry": "../../etc/passwd"})})
    with pytest.raises(ScenarioError, match="planning_areas.geometry"):
        dataclasses.replace(toy, config=config).file("planning_areas.geometry")


def test_the_default_keeps_every_file_inside_its_folder():
    scenario = load_scenario(HEREFORDSHIRE)
    folder = HEREFORDSHIRE.parent.resolve()
    for key in scenario.config.referenced_files():
        assert folder in scenario.file(key).parents, key
    assert scenario.file("planning_areas.geometry").is_file()


def test_containment_unit(tmp_path: Path):
    (tmp_path / "data").mkdir()
    box, refused = containment(tmp_path / "s.yaml", "data")
    assert refused is None and box == Containment(tmp_path.resolve(), (tmp_path / "data").resolve())
    assert box.resolve("data/a.csv") == (tmp_path / "data" / "a.csv").resolve()
    for bad in ("a.csv", "../x", "/data/a.csv", "data/../../x"):
        with pytest.raises(OutsideError):
            box.resolve(bad)
    assert containment(tmp_path / "s.yaml", "..")[1] is not None
