"""The command line end to end: validate and run, exit codes, messages, nothing half-written."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from placeplan.cli import main

from conftest import PROJECT, TOY, edit_csv


def test_validate_clean_toy(capsys):
    assert main(["validate", str(TOY)]) == 0
    assert "is valid" in capsys.readouterr().out


def test_validate_reports_every_problem_at_once(toy_copy: Path, capsys):
    """A misspelt key, a missing column, an unknown planning area and a negative capacity."""
    yaml_text = toy_copy.read_text().replace("horizon_years: 8", "horizn_years: 8")
    toy_copy.write_text(yaml_text)
    folder = toy_copy.parent / "toy_council"
    pupils = pd.read_csv(folder / "pupils.csv", dtype=str)
    pupils.drop(columns="nor").to_csv(folder / "pupils.csv", index=False)
    edit_csv(folder / "schools.csv", "North Primary,primary,mainstream,8881001", "North Primary,primary,mainstream,8887777")
    edit_csv(folder / "capacity.csv", "100003,primary,420", "100003,primary,-420")
    assert main(["validate", str(toy_copy)]) == 2
    err = capsys.readouterr().err
    assert "meta.horizn_years: unknown key 'horizn_years' (expected one of: name, title" in err
    assert "pupils.csv, header: missing column nor" in err
    assert "schools.csv, row 2, column primary_planning_area: unknown planning area '8887777'" in err
    assert "capacity.csv, row 4, column net_capacity: negative count -420" in err
    assert err.startswith("4 problems in the scenario:"), err


def test_run_writes_nothing_when_the_scenario_is_broken(toy_copy: Path, tmp_path: Path):
    edit_csv(toy_copy.parent / "toy_council" / "capacity.csv", "100003,primary,420", "100003,primary,-420")
    out = tmp_path / "out"
    assert main(["run", str(toy_copy), "--out", str(out)]) == 2
    assert not out.exists() or not any(out.iterdir())


def test_missing_scenario_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "scenario file not found" in capsys.readouterr().err


def test_bad_yaml_names_the_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta:\n  name: x\n  title: [unclosed\n")
    assert main(["validate", str(bad)]) == 2
    assert "bad.yaml, line " in capsys.readouterr().err


def test_yaml_cannot_execute_code(tmp_path, capsys):
    evil = tmp_path / "evil.yaml"
    marker = tmp_path / "hacked"
    evil.write_text(f"meta: !!python/object/apply:os.system ['touch {marker}']\n")
    assert main(["validate", str(evil)]) == 2
    assert not marker.exists()
    assert "not valid YAML" in capsys.readouterr().err


def test_bad_set_value(capsys):
    assert main(["validate", str(TOY), "--set", "policy.operating_margin=lots"]) == 2
    assert "--set, policy.operating_margin" in capsys.readouterr().err


def test_run_writes_outputs_and_run_json(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(TOY), "--scenario", "stretched", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    scap = ["scap_commentary.csv", "scap_methodology.csv", "scap_nor_by_planning_area.csv", "scap_place_planning.csv",
            "scap_planned_places.csv", "scap_pupil_forecasts.csv", "scap_return.xlsx", "scap_school_capacity.csv",
            "scap_specialist_capacity.csv", "scap_specialist_forecasts.csv", "scap_validation.csv"]
    assert names == sorted(["backtest.csv", "base_position.csv", "capacity.csv", "capital_programme.csv", "data", "demand.csv",
                            "ledger.csv",  # no reliability.csv / brier.csv: the toy's one base year scores no chance
                            "entry_pressure.csv", "school_position.csv", "school_sufficiency.csv", "school_year_groups.csv",
                            "sub_area_sufficiency.csv", "transfer.csv", "pupil_history.csv",
                            "report.html", "report.pdf", "run.json", "specialist_capacity.csv", "sufficiency.csv",
                            "sufficiency_totals.csv", *scap])
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "South Primary expansion" in (out / "report.html").read_text()
    info = json.loads((out / "run.json").read_text())
    assert info["applied_overrides"] == ["override:high_housing", "override:late_south"]
    assert info["seed"] == 1 and info["placeplan_version"]
    printed = capsys.readouterr().out
    assert "South Primary expansion" in printed and "Wrote" in printed
    assert "Entry years" in printed and "8881002" in printed.split("Entry years")[1]
    # the run checks its SCAP return too, and reports the breaches without failing
    assert "SCAP 2026 return" in printed and "no forecast for secondary planning area 8880001" in printed


def test_default_out_dir_is_a_run_folder_under_reports_scenario_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(TOY), "--draws", "10"]) == 0
    runs = tmp_path / "reports" / "toy_council"
    latest = (runs / "latest.txt").read_text().strip()
    assert latest.startswith("run-base-") and (runs / latest / "base_position.csv").is_file()


def test_console_script_runs_as_a_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "placeplan.cli", "validate", str(TOY)],
                          capture_output=True, text=True, cwd=PROJECT)
    assert done.returncode == 0, done.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(TOY.read_text().replace("toy_council/", str(PROJECT / "scenarios" / "toy_council") + "/"))
    done = subprocess.run([sys.executable, "-m", "placeplan.cli", "validate", str(broken)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "is absolute, so outside the scenario's folder" in done.stderr


def test_compare_writes_options_and_report(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "--options", "no_replacement,westfield_rebuild", "--draws", "20", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["compare.json", "data", "options.csv", "options_openings.csv", "options_summary.csv",
                     "report.html", "report.pdf"]
    summary = pd.read_csv(out / "options_summary.csv")
    assert set(summary["option"]) >= {"no_replacement", "westfield_rebuild"}
    html = (out / "report.html").read_text()
    assert "Options compared" in html and "westfield_rebuild" in html


def test_compare_unknown_option_exits_2(tmp_path, capsys):
    assert main(["compare", "--options", "no_such_option", "--draws", "5", "--out", str(tmp_path / "x")]) == 2
    assert "no_such_option" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_backtest_writes_the_ledger_and_prints_it(tmp_path, capsys):
    out = tmp_path / "bt"
    assert main(["backtest", str(TOY), "--draws", "10", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Forecast vs outturn" in printed and "primary    2022/23" in printed
    ledger = pd.read_csv(out / "ledger.csv")
    assert [c for c in ledger.columns if not c.endswith("_label")][:4] == ["phase", "base_year", "outturn_year", "horizon"]
    assert set(ledger["base_year"]) == {2021} and (ledger["accuracy_pct"].abs() < 1e-9).all()  # flat toy history
    assert (out / "backtest.csv").is_file()
