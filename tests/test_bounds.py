"""Every value bounded by its meaning (issue 13, item 3) and a quiet terminal (item 6): each bad value is refused
at validate (exit 2) naming the key and what was expected; every override and named scenario is checked whether or
not the run uses it; a run with no sixth-form history raises no numpy RuntimeWarning."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from placeplan.cli import main

from conftest import TOY, edit_csv

SOUTH = "capital_projects.south_primary_expansion"


def refused(capsys, *argv) -> str:
    """Run ``placeplan validate`` on the arguments; assert it exits 2 and return what it printed on stderr."""
    assert main(["validate", *map(str, argv)]) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("key, value", [
    ("housing.delivery_factor", ".nan"),
    ("programme.asset_life_years", ".inf"),
    ("programme.opening_balance_gbp", ".inf"),
    ("programme.benchmark_cost_per_place_gbp.primary", ".inf"),
    ("programme.benchmark_temporary_cost_per_place_gbp.primary", "-.inf"),
    (f"{SOUTH}.cost.estimate_gbp", ".inf"),
    (f"{SOUTH}.stages.0.max_months", ".inf"),
    (f"{SOUTH}.delay_months", ".nan"),
    (f"{SOUTH}.risks.cost_overrun.max_share", ".inf"),
])
def test_schema_numbers_are_finite(capsys, key, value):
    err = refused(capsys, TOY, "--set", f"{key}={value}")
    assert f"--set, {key}" in err and "finite" in err, err


@pytest.mark.parametrize("table, old, new, column", [
    ("births.csv", "888,2008,100.0", "888,2008,1e300", "births"),
    ("births.csv", "888,2008,100.0", "888,2008,inf", "births"),
    ("housing.csv", "8881001,2018,10.0", "8881001,2018,inf", "dwellings"),
    ("school_nor.csv", "100001,2022,january,190", "100001,2022,january,1e300", "nor"),
    ("pupils.csv", "2018,8881001,0,40", "2018,8881001,0,1e300", "nor"),
    ("capacity.csv", "100003,primary,420", "100003,primary,1e300", "net_capacity"),
])
def test_table_counts_are_finite_and_plausible(toy_copy: Path, capsys, table, old, new, column):
    edit_csv(toy_copy.parent / "toy_council" / table, old, new)
    err = refused(capsys, toy_copy)
    assert f"{table}, row 2" in err or f"{table}, row 4" in err, err
    assert f"column {column}: " in err and "is not valid (expected a " in err and "<= " in err, err


def test_negative_ncy_in_pupils_is_refused(toy_copy: Path, capsys):
    edit_csv(toy_copy.parent / "toy_council" / "pupils.csv", "2018,8881001,0,40", "2018,8881001,-1,40")
    err = refused(capsys, toy_copy)
    assert "pupils.csv, row 2, column ncy: '-1' is not valid (expected a whole number >= 0" in err, err


@pytest.mark.parametrize("key, value, words", [
    (f"{SOUTH}.opening_months", "[0]", "greater than or equal to 1"),
    (f"{SOUTH}.opening_months", "[13]", "less than or equal to 12"),
    ("programme.planning_committee_months", "[-1]", "greater than or equal to 1"),
    ("programme.planning_committee_months", "[13]", "less than or equal to 12"),
    ("programme.planning_committee_months", "[]", "at least 1 item"),
    (f"{SOUTH}.places.0.net_capacity_change", "-100000", "greater than or equal to -10000"),
    (f"{SOUTH}.places.0.net_capacity_change", "100000", "less than or equal to 10000"),
    (f"{SOUTH}.risks.planning_refusal.probability", "1.5", "less than or equal to 1"),
    (f"{SOUTH}.stages.0.mode_months", "20", "expected min_months <= mode_months <= max_months"),
    (f"{SOUTH}.places.0.pan_after", "-1", "greater than or equal to 0"),
])
def test_months_probabilities_and_ranges_are_bounded(capsys, key, value, words):
    err = refused(capsys, TOY, "--set", f"{key}={value}")
    # a whole-model rule (min <= mode <= max) is reported at the model's key, not blamed on the --set
    # a refused list item is named by its index (opening_months.0), without pydantic's follow-on "too short"
    item = value.startswith("[") and value != "[]"
    where = (f"{key.rsplit('.', 1)[0]}: " if "mode_months" in key else f"--set, {key}.0: " if item
             else f"--set, {key}: ")
    assert where in err and words in err, err


@pytest.mark.parametrize("cost, words", [
    ("{estimate_gbp: 100, low_gbp: 200, high_gbp: 150, price_year: 2025}", "low_gbp 200 is above estimate_gbp 100"),
    ("{estimate_gbp: 100, low_gbp: 50, high_gbp: 80, price_year: 2025}", "high_gbp 80 is below estimate_gbp 100"),
])
def test_cost_low_and_high_bracket_the_estimate(capsys, cost, words):
    err = refused(capsys, TOY, "--set", f"{SOUTH}.cost={cost}")
    assert f"--set, {SOUTH}.cost" in err and words in err and "low_gbp <= estimate_gbp <= high_gbp" in err, err


def test_reduction_larger_than_the_school_is_refused(capsys):
    err = refused(capsys, TOY, "--set", f"{SOUTH}.places.0.net_capacity_change=-5000")
    assert (f"{SOUTH}.places.0.net_capacity_change: removes 5,000 primary places but 100003 has 420 "
            "(420 in ") in err, err
    assert "expected a reduction no larger than the school's places" in err


def test_reduction_within_the_school_is_allowed():
    from placeplan.scenario.checks import CheckInput
    from placeplan.scenario.checks_places import check_place_reductions
    from placeplan import load_scenario

    toy = load_scenario(TOY)
    assert check_place_reductions(CheckInput(toy.config, toy.tables, {n: n for n in toy.tables}, "toy.yaml")) == []


def test_self_dependency_is_refused(capsys):
    err = refused(capsys, TOY, "--set", f"{SOUTH}.depends_on=[south_primary_expansion]")
    assert f"{SOUTH}.depends_on: depends on itself (expected no project to wait" in err, err


def test_dependency_cycle_is_refused_once(capsys):
    err = refused(capsys, TOY, "--set", f"{SOUTH}.depends_on=[oak_special_annex]",
                  "--set", "capital_projects.oak_special_annex.depends_on=[south_primary_expansion]")
    assert "depends on oak_special_annex -> south_primary_expansion -> oak_special_annex" in err, err
    assert err.count("it would never start") == 1, err


def test_dependency_cycle_in_an_option_is_refused(capsys):
    err = refused(capsys, TOY, "--set", "options.loop={description: a loop, changes: "
                                       "{capital_projects.oak_special_annex.depends_on: [oak_special_annex]}}")
    assert "options.loop.changes.capital_projects.oak_special_annex.depends_on: depends on itself" in err, err


@pytest.mark.parametrize("table", ["births.csv", "birth_shares.csv", "pupils.csv", "pupil_yields.csv",
                                   "capacity.csv", "schools.csv"])
def test_header_only_tables_are_refused_at_validate(toy_copy: Path, capsys, table):
    path = toy_copy.parent / "toy_council" / table
    path.write_text(path.read_text().splitlines()[0] + "\n")
    err = refused(capsys, toy_copy)
    assert f"{table}, rows: no data rows, only a header (expected at least one row of data)" in err, err


def test_send_with_an_unknown_authority_is_refused(toy_copy: Path, capsys):
    (toy_copy.parent / "toy_council" / "send.csv").write_text(
        "area,academic_year,phase,population,ehcp,specialist,kind,source\n"
        + "".join(f"{area},{year},{phase},1000,30,12,actual,toy\n"
                  for year in range(2018, 2023) for phase in ("primary", "secondary") for area in ("888", "999")))
    err = refused(capsys, toy_copy, "--set", "send.table=toy_council/send.csv")
    assert "column area: unknown authority code '999' (expected '888', meta.la_code" in err, err


def test_draws_beyond_the_bound_exit_2_at_once(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(TOY), "--draws", "10000000", "--out", "/nonexistent/never-written"])
    assert exit_.value.code == 2
    assert "--draws: expected between 1 and 100,000 draws (as meta.draws), got 10000000" in capsys.readouterr().err


def _with_overrides(toy_copy: Path, text: str) -> Path:
    toy_copy.write_text(toy_copy.read_text().replace("scenarios:\n", text + "\nscenarios:\n", 1))
    return toy_copy


def test_unused_override_with_an_unknown_key_is_refused(toy_copy: Path, capsys):
    _with_overrides(toy_copy, "  typo:\n    policy.operating_margn: 0.05\n")
    err = refused(capsys, toy_copy)
    assert "overrides.typo.policy.operating_margn: unknown key 'operating_margn' (expected one of:" in err, err
    assert main(["run", str(toy_copy), "--scenario", "stretched", "--out", str(toy_copy.parent / "out")]) == 2


def test_unused_override_with_a_bad_value_is_refused(toy_copy: Path, capsys):
    _with_overrides(toy_copy, "  too_wide:\n    policy.operating_margin: 0.9\n")
    err = refused(capsys, toy_copy)
    assert "overrides.too_wide.policy.operating_margin: Input should be less than or equal to 0.25" in err, err


def test_scenario_listing_a_missing_override_is_refused(toy_copy: Path, capsys):
    toy_copy.write_text(toy_copy.read_text().replace("stretched: [high_housing, late_south]",
                                                     "stretched: [high_housing, late_south]\n  lost: [high_houses]"))
    err = refused(capsys, toy_copy)
    assert "scenarios.lost: unknown override 'high_houses' (expected one of:" in err, err


def test_scenario_whose_overrides_clash_is_refused(toy_copy: Path, capsys):
    _with_overrides(toy_copy, "  margin_10pc:\n    policy.operating_margin: 0.1\n")
    toy_copy.write_text(toy_copy.read_text().replace("stretched: [high_housing, late_south]",
                                                     "stretched: [high_housing, late_south]\n"
                                                     "  both: [margin_5pc, margin_10pc]"))
    err = refused(capsys, toy_copy)
    assert "scenarios.both: overrides.margin_10pc: sets 'policy.operating_margin'" in err, err


def test_clean_overrides_and_scenarios_pass(capsys):
    assert main(["validate", str(TOY)]) == 0


def test_run_without_sixth_form_history_raises_no_runtime_warning(toy_copy: Path, capsys):
    """No numpy RuntimeWarning reaches the terminal: the toy with no Year 12-13 rows, projected by the
    national_local method (whose cohort sizes average over each year group's history)."""
    pupils = toy_copy.parent / "toy_council" / "pupils.csv"
    lines = pupils.read_text().splitlines()
    pupils.write_text("\n".join([lines[0]] + [line for line in lines[1:] if line.split(",")[2] not in ("12", "13")])
                      + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(["run", str(toy_copy), "--draws", "20", "--set", "policy.ratio_method=national_local",
                     "--out", str(toy_copy.parent / "out")]) == 0


def test_a_misspelt_provision_in_benchmark_costs_is_refused(capsys):
    err = refused(capsys, TOY, "--set", "programme.benchmark_cost_per_place_gbp={primray: 20000}")
    assert "programme.benchmark_cost_per_place_gbp.primray" in err and "'primary'" in err


def test_a_refused_month_is_one_problem_not_two(capsys):
    err = refused(capsys, TOY, "--set", "capital_projects.south_primary_expansion.opening_months=[0]")
    assert "opening_months.0" in err and "greater than or equal to 1" in err
    assert "at least 1 item" not in err  # pydantic's follow-on "too short" is left out
    err = refused(capsys, TOY, "--set", "capital_projects.south_primary_expansion.opening_months=[]")
    assert "at least 1 item" in err  # a list that is truly empty still says so
