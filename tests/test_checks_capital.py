"""Delivery states checked against the stages, status, cost and reference date; notes at validate; the default."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from placeplan.cli import main
from placeplan.scenario import checks
from placeplan.scenario.checks import CheckInput
from placeplan.scenario.checks_capital import check_delivery_states, programme_notes
from placeplan.scenario.schema import CapitalProject, Option

from conftest import HEREFORDSHIRE

# The toy council's reference date is its programme date, 1 January 2026 (no meta.as_at).
ANNEX = "capital_projects.oak_special_annex"


def with_annex(toy, options=None, **changes):
    """The toy config with oak_special_annex changed (``stages`` as dicts, others as YAML values)."""
    data = toy.config.capital_projects["oak_special_annex"].model_dump()
    data.update(changes)
    projects = dict(toy.config.capital_projects, oak_special_annex=CapitalProject.model_validate(data))
    return toy.config.model_copy(update={"capital_projects": projects, "options": options or {}})


def problems(toy, config):
    tables = dict(toy.tables)
    return check_delivery_states(CheckInput(config, tables, {n: f"{n}.csv" for n in tables}, "toy.yaml"))


STAGES = [{"name": "design", "min_months": 2, "mode_months": 3, "max_months": 4, "done": True},
          {"name": "construction", "min_months": 12, "mode_months": 14, "max_months": 20},
          {"name": "handover", "min_months": 1, "mode_months": 1, "max_months": 2}]


def test_clean_states_have_no_problems(toy):
    config = with_annex(toy, start=dt.date(2025, 6, 1), stages=STAGES, cost={"estimate_gbp": 1e6, "price_year": 2025},
                        delivery={"state": "in_stage", "stage": "construction", "since": dt.date(2025, 9, 1),
                                  "spent_gbp": 4e5, "evidence": "found"})
    assert problems(toy, config) == []
    assert check_delivery_states in checks.CHECKS


@pytest.mark.parametrize("changes, where, words", [
    ({"delivery": {"state": "in_stage", "stage": "design", "since": dt.date(2025, 9, 1)}},
     "delivery.stage", "stages.0 (design) is marked done"),
    ({"delivery": {"state": "in_stage", "stage": "construction", "since": dt.date(2025, 9, 1)},
      "stages": [STAGES[0], STAGES[1], dict(STAGES[2], done=True)]},
     "delivery.stage", "the later stages.2 (handover) is marked done"),
    ({"delivery": {"state": "in_stage", "stage": "building", "since": dt.date(2025, 9, 1)}},
     "delivery.stage", "unknown stage 'building' (expected one of the project's stages: design, construction, "
                       "handover)"),
    ({"delivery": {"state": "in_stage", "stage": "construction", "since": dt.date(2026, 2, 1)}},
     "delivery.since", "since 2026-02-01 is after meta.as_at 2026-01-01"),
    ({"delivery": {"state": "in_stage", "stage": "construction", "since": dt.date(2025, 3, 1)}},
     "delivery.since", "since 2025-03-01 is before the project's start 2025-06-01"),
    ({"status": "committed", "delivery": {"state": "opened", "opened": dt.date(2026, 9, 1)}},
     "delivery.opened", "opened 2026-09-01 is after meta.as_at 2026-01-01"),
    ({"delivery": {"state": "opened", "opened": dt.date(2025, 9, 1)}},
     "delivery.state", "status proposed but delivery state opened"),
    ({"delivery": {"state": "not_started", "spent_gbp": 2e6}},
     "delivery.spent_gbp", "spent £2,000,000 is more than the cost estimate £1,000,000"),
    ({"delivery": {"state": "not_started", "spent_gbp": 1e5}, "cost": None},
     "delivery.spent_gbp", "spent £100,000 but the project has no cost"),
    ({"status": "complete", "delivery": {"state": "in_stage", "stage": "construction", "since": dt.date(2025, 9, 1)}},
     "delivery.state", "status complete but delivery state in_stage"),
    ({"status": "withdrawn", "delivery": {"state": "complete", "opened": dt.date(2025, 9, 1)}},
     "delivery.state", "status withdrawn but delivery state complete"),
])
def test_contradictions_are_refused_with_the_key_named(toy, changes, where, words):
    base = dict(start=dt.date(2025, 6, 1), stages=STAGES, cost={"estimate_gbp": 1e6, "price_year": 2025})
    found = problems(toy, with_annex(toy, **{**base, **changes}))
    assert [p.where for p in found] == [f"{ANNEX}.{where}"]
    assert words in found[0].message


def test_an_option_that_contradicts_is_named_by_the_option(toy):
    option = Option(description="annex open", changes={f"{ANNEX}.status": "committed", f"{ANNEX}.delivery": {
        "state": "opened", "opened": dt.date(2026, 9, 1)}})
    found = problems(toy, with_annex(toy, options={"annex_open": option}))
    assert [p.where for p in found] == [f"options.annex_open.changes.{ANNEX}.delivery.opened"]


def test_a_state_missing_its_date_is_a_schema_problem(toy_copy: Path, capsys):
    text = toy_copy.read_text().replace(
        "    start: 2026-04-01\n", "    start: 2026-04-01\n    delivery: {state: in_stage, stage: construction}\n")
    toy_copy.write_text(text)
    assert main(["validate", str(toy_copy)]) == 2
    err = capsys.readouterr().err
    assert f"{ANNEX}.delivery: Value error, state in_stage needs since" in err


# --- notes at validate -----------------------------------------------------------------------------------------


def test_past_start_of_a_project_not_started_is_a_note_not_a_problem(toy):
    slipped = {"start": dt.date(2025, 4, 1), "delivery": {"state": "not_started"}}
    option = Option(description="start last April", changes={f"{ANNEX}.{k}": v for k, v in slipped.items()})
    config = with_annex(toy, options={"late_annex": option})
    assert problems(toy, config) == []
    notes = programme_notes(config, "toy.yaml")
    assert [n.where for n in notes] == [f"options.late_annex.changes.{ANNEX}.start"]
    assert notes[0].message.startswith("starts 2025-04-01, before meta.as_at 2026-01-01, but has not started: it is "
                                       "taken to start on 2026-01-01 (it has slipped)")
    base = programme_notes(with_annex(toy, **slipped), "toy.yaml")
    assert [n.where for n in base] == [f"{ANNEX}.start"]


def test_validate_prints_the_notes_and_succeeds(toy_copy: Path, capsys):
    text = toy_copy.read_text().replace("overrides:\n", (
        "options:\n  annex_last_spring:\n    description: Oak annex from April 2025.\n    changes:\n"
        f"      {ANNEX}.status: committed\n      {ANNEX}.start: 2025-04-01\n"
        f"      {ANNEX}.delivery: {{state: not_started}}\n\noverrides:\n"), 1)
    toy_copy.write_text(text)
    assert main(["validate", str(toy_copy)]) == 0
    out = capsys.readouterr().out
    assert "is valid" in out and "1 note (not problems):" in out
    assert f"options.annex_last_spring.changes.{ANNEX}.start: starts 2025-04-01, before meta.as_at 2026-01-01" in out


def test_clean_toy_has_no_notes(toy):
    assert programme_notes(toy.config, "toy.yaml") == []


def test_state_taken_from_start_and_a_stage_past_its_longest_are_noted(toy):
    config = with_annex(toy, start=dt.date(2024, 6, 1), stages=STAGES)  # construction for 19 of 12-20 months
    assert [n.message.split(":")[0] for n in programme_notes(config, "toy.yaml")] == ["no delivery state given"]
    late = with_annex(toy, start=dt.date(2024, 3, 1), stages=STAGES)  # 22 months, past its 20
    assert "construction has lasted 22.0 months at meta.as_at, at least its max_months 20: it is taken to finish " \
           "within a further 2 months" in programme_notes(late, "toy.yaml")[1].message


# --- the Herefordshire default as at 1 December 2026 -------------------------------------------------------------


def test_herefordshire_states_as_at_december_2026(hereford_results):
    config = hereford_results.scenario.config
    assert config.meta.as_at == config.meta.programme_date == dt.date(2026, 12, 1)
    states = {k: (p.delivery.state, p.delivery.evidence) for k, p in config.capital_projects.items()}
    assert states == {
        "peterchurch_rebuild": ("opened", "assumed"), "aylestone_expansion": ("opened", "assumed"),
        "hampton_dene_lcc": ("in_stage", "assumed"), "brookfield_works": ("complete", "inferred"),
        "special_free_school": ("not_started", "found"), "westfield_rebuild": ("not_started", "inferred"),
        "leominster_special_school": ("not_started", "inferred"), "marlbrook_expansion": ("complete", "inferred")}
    assert all(p.start >= config.meta.as_at for p in config.capital_projects.values() if p.status == "proposed")
    # the only notes: planned openings the simulation makes nearly impossible, in options (the Aylestone slips' plan
    # of September 2026 has passed, the intakes admitted or not; both replacements share the team, which pushes Leominster past September 2031)
    notes = programme_notes(config, "herefordshire.yaml")
    assert [n.where for n in notes] == [
        f"options.{name}.changes.capital_projects.{key}.planned_opening"
        for name, key in (("both_replacements", "leominster_special_school"),
                          ("aylestone_slips_a_term", "aylestone_expansion"),
                          ("aylestone_slips_a_year", "aylestone_expansion"),
                          ("aylestone_slips_a_year_intake_admitted", "aylestone_expansion"))]
    programme = hereford_results.capital.programme
    for key in ("peterchurch_rebuild", "aylestone_expansion"):
        assert (programme.opening_year[:, programme.keys.index(key)] == 2026).all()
    table = hereford_results.programme.set_index("project")
    assert table.at["peterchurch_rebuild", "delivery"] == \
        "opened September 2026 (assumed, to be confirmed by the council)"
    assert np.isnan(table.at["peterchurch_rebuild", "p_on_time"])
    assert table.at["hampton_dene_lcc", "delivery"].startswith("in construction since January 2026")
    lcc = programme.opening[:, programme.keys.index("hampton_dene_lcc")]
    assert np.nanmin(lcc) >= 2027 * 12  # still being built at 1 December 2026: opens in 2027 at the earliest


def test_herefordshire_options_start_in_the_future():
    from placeplan import load_scenario
    from placeplan.capital.delivery import delivery_of
    from placeplan.scenario.options import apply_option

    config = load_scenario(HEREFORDSHIRE).config
    checked = 0
    for name in config.options:
        for key, project in apply_option(config, name).capital_projects.items():
            if project.status == "committed" and delivery_of(project, config.meta.as_at).state == "not_started":
                assert project.start >= config.meta.as_at, (name, key, project.start)
                checked += 1
    assert checked == 10  # westfield (3 options), leominster (2), the free school, the bulge classrooms, St Joseph's
    # bulge class, the Ashfield Park PAN reduction, Broadlands' places taken out of use


def test_report_reads_opened_projects_as_opened(hereford_report):
    import html as html_lib
    import re

    page = html_lib.unescape(re.sub(r"\s+", " ", hereford_report[1]))
    start = page.index("Capital programme in this run")
    table = page[start:page.index("</table>", start)]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr>\s*<t[dh][^>]*>([^<]+)</t[dh]>.*?</tr>", table)}
    peterchurch = re.sub(r"<[^>]+>", "|", rows["Peterchurch Primary School rebuild and expansion"])
    assert "committed: opened September 2026 (assumed, to be confirmed by the council)" in peterchurch
    assert "|opened|" in peterchurch and "%" not in peterchurch  # no chance of opening: it has opened
    lcc = re.sub(r"<[^>]+>", "|", rows["Hampton Dene Primary language and communication centre"])
    assert "in construction since January 2026 (assumed, to be confirmed by the council)" in lcc
    assert "Already open and counted in the places: Peterchurch Primary School rebuild and expansion: opened " \
           "September 2026 (assumed, to be confirmed by the council);" in page
    assert "spending to date is not known for" in page


# --- delays, places before the project, planned openings nearly impossible -------------------------------------

SOUTH = "capital_projects.south_primary_expansion"


def test_validate_refuses_a_pan_before_that_disagrees_with_the_capacity_table(toy_copy: Path, capsys):
    from conftest import edit_csv

    # South Primary's PAN is 85 in the capacity table, but the expansion says it rises from 60 (Herefordshire-like)
    edit_csv(toy_copy.parent / "toy_council" / "capacity.csv", "100003,primary,420,60,", "100003,primary,420,85,")
    text = toy_copy.read_text().replace("net_capacity_change: 210, pan_before: 60,",
                                        "net_capacity_change: 210, capacity_before: 400, pan_before: 60,")
    toy_copy.write_text(text)
    assert main(["validate", str(toy_copy)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{SOUTH}.places.0.pan_before: pan_before 60 but the capacity table (" in err
    assert "capacity.csv, school 100003, primary, 2022/23) gives PAN 85 (expected the school's PAN before" in err
    assert f"{SOUTH}.places.0.capacity_before: capacity_before 400 but the capacity table" in err
    assert "gives net capacity 420" in err


def test_pan_before_is_not_checked_on_complete_or_withdrawn_projects(toy):
    from placeplan.scenario.checks_capital import check_places_before

    def found(**changes):
        data = toy.config.capital_projects["south_primary_expansion"].model_dump()
        data["places"] = [dict(data["places"][0], pan_before=85)]
        data.update(changes)
        projects = dict(toy.config.capital_projects, south_primary_expansion=CapitalProject.model_validate(data))
        config = toy.config.model_copy(update={"capital_projects": projects})
        return check_places_before(CheckInput(config, dict(toy.tables), {"capacity": "capacity.csv"}, "toy.yaml"))

    assert [p.where for p in found()] == [f"{SOUTH}.places.0.pan_before"]
    assert found(status="withdrawn") == []
    assert found(status="complete", planned_opening=dt.date(2022, 9, 1), start=dt.date(2021, 1, 1)) == []
    assert checks.check_places_before in checks.CHECKS


def test_a_delay_on_an_opened_project_is_refused_naming_the_key(toy):
    config = with_annex(toy, status="committed", start=dt.date(2024, 6, 1), stages=STAGES, delay_months=4,
                        delivery={"state": "opened", "opened": dt.date(2025, 9, 1)})
    found = problems(toy, config)
    assert [p.where for p in found] == [f"{ANNEX}.delay_months"]
    assert "delay_months 4 on a project opened on 2025-09-01" in found[0].message
    # the same slip on a project still in construction is fine
    fine = with_annex(toy, status="committed", start=dt.date(2024, 6, 1), stages=STAGES, delay_months=4,
                      delivery={"state": "in_stage", "stage": "construction", "since": dt.date(2025, 9, 1)})
    assert problems(toy, fine) == []


def test_a_planned_opening_the_durations_make_nearly_impossible_is_a_note_with_its_chance(toy):
    # Committed annex from Jan 2026, construction 12-20 months: earliest handover Jan 2027, so September 2026 is
    # impossible (0%); planned for September 2028 it is certain (no note).
    tight = with_annex(toy, status="committed", planned_opening=dt.date(2026, 9, 1))
    notes = [n for n in programme_notes(tight, "toy.yaml") if n.where.endswith("planned_opening")]
    assert [n.where for n in notes] == [f"{ANNEX}.planned_opening"]
    assert notes[0].message.startswith("planned to open 2026-09-01 (2026/27), but its stage durations, risks and "
                                       "shared team give a 0.0% chance of opening by then (400 simulated draws)")
    assert not [n for n in programme_notes(with_annex(toy, status="committed"), "toy.yaml")
                if n.where.endswith("planned_opening")]


def test_herefordshire_aylestone_slips_move_the_simulated_opening():
    from placeplan import load_scenario
    from placeplan.capital.simulate import date_of_month_number, simulate_programme
    from placeplan.pipeline import live_projects
    from placeplan.scenario.options import apply_option

    config = load_scenario(HEREFORDSHIRE).config
    openings = {}
    for name in ("base", "aylestone_slips_a_term", "aylestone_slips_a_year"):
        changed = apply_option(config, name)
        result = simulate_programme(live_projects(changed), changed.programme, changed.meta.as_at, 200, 884)
        j = result.keys.index("aylestone_expansion")
        openings[name] = {date_of_month_number(v) for v in result.opening[:, j]}
        assert changed.capital_projects["aylestone_expansion"].planned_opening == dt.date(2026, 9, 1)  # the plan
    # opened September 2026; a term's slip of the block's last works (handover spring 2027) misses no more than the
    # next September intake; a year's slip (handover early 2028) the one after
    assert openings == {"base": {dt.date(2026, 9, 1)}, "aylestone_slips_a_term": {dt.date(2027, 9, 1)},
                        "aylestone_slips_a_year": {dt.date(2028, 9, 1)}}


def admissions(toy, options=None, **places):
    """check_admissions on the toy with South Primary's place change (PAN 60 -> 90, 210 places) changed."""
    from placeplan.scenario.checks_capital import check_admissions

    data = toy.config.capital_projects["south_primary_expansion"].model_dump()
    data["places"] = [dict(data["places"][0], **places)]
    kind = data["places"][0].pop("kind", None)
    if kind:
        data["kind"] = kind
    projects = dict(toy.config.capital_projects, south_primary_expansion=CapitalProject.model_validate(data))
    config = toy.config.model_copy(update={"capital_projects": projects, "options": options or {}})
    return check_admissions(CheckInput(config, dict(toy.tables), {}, "toy.yaml"))


def test_admit_places_beyond_a_pan_rise_are_refused_naming_the_key(toy):
    from_2026 = dt.date(2026, 9, 1)
    assert admissions(toy, admit_from=from_2026, admit_places=30) == []  # the whole PAN rise: fine
    assert admissions(toy, admit_from=from_2026) == []  # blank: the whole change
    found = admissions(toy, admit_from=from_2026, admit_places=31)
    assert [p.where for p in found] == [f"{SOUTH}.places.0.admit_places"]
    assert found[0].message == ("admit_places 31 is more than the change's 30 places a year group (pan_after - "
                                "pan_before = 90 - 60; expected at most 30)")
    assert checks.check_admissions in checks.CHECKS


def test_admit_places_are_checked_against_the_year_groups_the_school_teaches(toy):
    # 150 places all at once at South High, which teaches Years 7-11 only: 30 a year group (not 150 / 7)
    from placeplan.scenario.checks_capital import admission_problems

    def found(admit_places):
        project = CapitalProject.model_validate(dict(
            name="South High block", school_id="200002", kind="expansion", status="committed",
            start=dt.date(2026, 1, 1), planned_opening=dt.date(2027, 9, 1),
            places=[{"provision": "secondary", "net_capacity_change": 150, "admit_from": dt.date(2026, 9, 1),
                     "admit_places": admit_places}]))
        return admission_problems("block", project, toy.tables["schools"], "toy.yaml")

    assert found(30) == []
    assert [p.where for p in found(31)] == ["capital_projects.block.places.0.admit_places"]
    assert "(net_capacity_change 150 over 5 year groups; expected at most 30)" in found(31)[0].message


def test_admitting_early_into_places_taken_out_is_refused(toy):
    from_2026 = dt.date(2026, 9, 1)
    found = admissions(toy, admit_from=from_2026, kind="reduction")
    assert [p.where for p in found] == [f"{SOUTH}.places.0.admit_from"]
    assert "on a reduction" in found[0].message and "expected no admit_from" in found[0].message
    found = admissions(toy, admit_from=from_2026, net_capacity_change=-210, pan_before=90, pan_after=60)
    assert [p.where for p in found] == [f"{SOUTH}.places.0.admit_from"]
    assert "removes places (net_capacity_change -210" in found[0].message


def test_an_option_admitting_too_many_is_named_by_the_option(toy):
    over = Option(description="admit early", changes={
        f"{SOUTH}.places.0.admit_from": dt.date(2026, 9, 1), f"{SOUTH}.places.0.admit_places": 45})
    found = admissions(toy, options={"early": over})
    assert [p.where for p in found] == [f"options.early.changes.{SOUTH}.places.0.admit_places"]
    assert "admit_places 45" in found[0].message and "expected at most 30" in found[0].message


def test_herefordshire_aylestone_slip_with_the_intake_admitted_keeps_the_places_and_adds_the_admit_cost():
    from placeplan import load_scenario
    from placeplan.capacity.timeline import project_changes
    from placeplan.capital.simulate import date_of_month_number, simulate_programme
    from placeplan.pipeline import live_projects
    from placeplan.scenario.options import apply_option

    scenario = load_scenario(HEREFORDSHIRE)
    results = {}
    for name in ("aylestone_slips_a_year", "aylestone_slips_a_year_intake_admitted"):
        changed = apply_option(scenario.config, name)
        results[name] = simulate_programme(live_projects(changed), changed.programme, changed.meta.as_at, 200, 884)
    late, admitted = results.values()
    j = late.keys.index("aylestone_expansion")
    # the block still opens in September 2028 in every draw; the intakes do not wait for it
    assert {date_of_month_number(v) for v in admitted.opening[:, j]} == {dt.date(2028, 9, 1)}
    assert (admitted.opening[:, j] == late.opening[:, j]).all()
    # two temporary classrooms' worth (60 x £10,707) on top of the block's cash budget (with its overrun) in each
    # draw, all paid by Basic Need
    assert admitted.cost_gbp[:, j] == pytest.approx(late.cost_gbp[:, j] + 642_420)
    assert admitted.by_funder(admitted.cost_gbp, "basic_need_grant")[:, j] == pytest.approx(admitted.cost_gbp[:, j])
    project = apply_option(scenario.config, "aylestone_slips_a_year_intake_admitted").capital_projects
    rows = project_changes({"aylestone_expansion": project["aylestone_expansion"]}, scenario.tables["schools"])
    assert set(rows["fixed_year"]) == {2026} and set(rows["places"]) == {60.0}  # the whole PAN rise from 2026/27
