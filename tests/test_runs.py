"""Run folders never overwrite each other; the latest pointer names a complete run; ``placeplan diff``."""

from __future__ import annotations

import json
import os
import shutil

import pandas as pd
import pytest

from placeplan import load_scenario
from placeplan.cli import main
from placeplan.outputs import files
from placeplan.outputs.diff import diff_figures, diff_inputs
from placeplan.outputs.runs import resolve_run, run_folder_name, run_inputs, run_label

from conftest import SCENARIOS, TOY


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The toy council run twice from an empty working folder: as written, then with a 5% margin."""
    here = tmp_path_factory.mktemp("runs")
    cwd = os.getcwd()
    os.chdir(here)
    try:
        assert main(["run", str(TOY), "--draws", "20"]) == 0
        first = (here / "reports" / "toy_council" / "latest.txt").read_text().strip()
        assert main(["run", str(TOY), "--draws", "20", "--set", "policy.operating_margin=0.05"]) == 0
        second = (here / "reports" / "toy_council" / "latest.txt").read_text().strip()
    finally:
        os.chdir(cwd)
    return here / "reports" / "toy_council", first, second


def test_runs_with_different_overrides_land_in_different_folders(two_runs):
    root, first, second = two_runs
    assert first.startswith("run-base-") and second.startswith("run-set-policy.operating_margin=0.05-")
    assert first != second
    for name in (first, second):
        assert (root / name / "report.html").is_file() and (root / name / "sufficiency.csv").is_file()
    margins = [json.loads((root / n / "run.json").read_text())["inputs"]["settings"]["policy.operating_margin"]
               for n in (first, second)]
    assert margins == [0.02, 0.05]
    # the pointer is a plain file (no symlink), and its page opens the latest report
    assert not (root / "latest.txt").is_symlink()
    assert f'url={second}/report.html' in (root / "latest.html").read_text()
    assert resolve_run(root) == root / second
    assert resolve_run(root / "latest.txt") == root / second
    assert resolve_run(root / first) == root / first


def test_the_folder_name_is_the_inputs_not_the_place_or_the_moment(toy, tmp_path):
    record = run_inputs(toy, "run", draws=20, seed=7)
    assert record == run_inputs(toy, "run", draws=20, seed=7)
    shutil.copytree(SCENARIOS / "toy_council", tmp_path / "toy_council")
    shutil.copy(TOY, tmp_path / "toy_council.yaml")
    moved = run_inputs(load_scenario(tmp_path / "toy_council.yaml"), "run", draws=20, seed=7)
    assert moved["input_hash"] == record["input_hash"]  # the same files elsewhere: the same run
    for changed in (run_inputs(toy, "run", draws=21, seed=7), run_inputs(toy, "run", draws=20, seed=8),
                    run_inputs(toy, "compare", draws=20, seed=7)):
        assert changed["input_hash"] != record["input_hash"]
    # a one-cell change in a table changes the hash
    edited = tmp_path / "toy_council" / "births.csv"
    lines = edited.read_text().splitlines()
    head, row = lines[0].split(","), lines[1].split(",")
    column = head.index("births")
    row[column] = str(float(row[column]) + 1)
    edited.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    assert run_inputs(load_scenario(tmp_path / "toy_council.yaml"), "run", draws=20, seed=7)["input_hash"] \
        != record["input_hash"]
    label = run_label(load_scenario(TOY, "stretched", [("meta.seed", 3)]), {"options": ["a", "b"]})
    assert label == "stretched-set-meta.seed=3-options-a+b"
    assert run_folder_name("run", "base", "0123456789abcdef") == "run-base-01234567"


def test_diff_lists_changed_inputs_then_figures(two_runs, capsys):
    root, first, second = two_runs
    assert main(["diff", str(root / first), str(root / second)]) == 0
    printed = capsys.readouterr().out
    assert "setting policy.operating_margin: 0.02 -> 0.05" in printed
    assert printed.index("Inputs:") < printed.index("Headline figures:")
    a, b = (json.loads((root / n / "run.json").read_text())["inputs"] for n in (first, second))
    inputs = diff_inputs(a, b)
    assert set(inputs["key"]) == {"sets", "policy.operating_margin"}
    # a larger margin lowers the spare places (spare = capacity x (1 - margin) - pupils) and leaves pupils alone
    sa, sb = (pd.read_csv(root / n / "sufficiency.csv", dtype={"planning_area": str}) for n in (first, second))
    figures = diff_figures({"sufficiency": sa}, {"sufficiency": sb})
    assert not figures.empty and "demand_central" not in set(figures["figure"])
    spare = figures[figures["figure"] == "spare_places_central"]
    assert (spare["change"] < 0).all()
    one = spare.iloc[0]
    expected = sb.set_index(["planning_area", "phase", "academic_year"]).loc[
        (one["unit"], one["phase"], one["academic_year"]), "spare_places_central"]
    assert one["b"] == pytest.approx(expected)


def test_diff_of_a_run_with_itself_and_of_a_missing_run(two_runs, capsys, tmp_path):
    root, first, _ = two_runs
    assert main(["diff", str(root / first), str(root / first)]) == 0
    printed = capsys.readouterr().out
    assert "Inputs: the same" in printed and "Headline figures: none changed" in printed
    assert main(["diff", str(root / first), str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such run folder" in capsys.readouterr().err


def test_a_failed_publish_leaves_the_pointer_on_the_last_complete_run(two_runs, tmp_path, monkeypatch):
    root, _, second = two_runs
    work = tmp_path / "w"
    shutil.copytree(root.parent.parent, work)
    monkeypatch.chdir(work)

    def fail(step):
        if step == "staged":
            raise KeyboardInterrupt

    monkeypatch.setattr(files, "STEP_HOOK", fail)
    with pytest.raises(KeyboardInterrupt):
        main(["run", str(TOY), "--draws", "20", "--seed", "99"])
    runs = work / "reports" / "toy_council"
    assert (runs / "latest.txt").read_text().strip() == second
    assert sorted(p.name for p in runs.iterdir() if p.name.startswith("run-")) == sorted(
        p.name for p in root.iterdir() if p.name.startswith("run-"))  # nothing new, nothing half-written
    assert not [p for p in runs.iterdir() if ".staging-" in p.name]
