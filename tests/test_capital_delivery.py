"""The programme simulated from each project's delivery state at the reference date, checked by hand."""

import datetime as dt

import numpy as np
import pytest

from placeplan.capital.delivery import delivery_of, delivery_text, is_open, stages_ahead
from placeplan.capital.durations import remaining_months
from placeplan.capital.simulate import date_of_month_number, simulate_programme
from placeplan.capital.summary import programme_summary
from placeplan.scenario.schema import CapitalProject, Programme, Stage

AS_AT = dt.date(2026, 12, 1)
BEFORE = {m: dt.date(2026, 12 - m, 1) for m in range(0, 12)}  # 1st of the month m months before AS_AT


def stage(name, lo, mode, hi, **extra):
    return dict(name=name, min_months=lo, mode_months=mode, max_months=hi, **extra)


def project(stages, start=dt.date(2025, 1, 1), **extra) -> CapitalProject:
    data = dict(name="P", school_id="1", kind="expansion", status="committed", start=start,
                planned_opening=dt.date(2027, 9, 1), stages=stages)
    data.update(extra)
    return CapitalProject.model_validate(data)


def in_stage(name, since, **extra):
    return {"state": "in_stage", "stage": name, "since": since, **extra}


def run(projects, draws=1, seed=1, programme=None):
    return simulate_programme(projects, programme or Programme(), AS_AT, draws, seed)


# --- a stage under way --------------------------------------------------------------------------------------------


def test_mid_construction_draws_only_its_remaining_time():
    # Construction 10-15 months, begun 9 months before as_at: every draw has 1 to 6 months left, and the
    # design and planning before it (3-6 and 2-4 months, not marked done) add nothing.
    stages = [stage("design", 3, 4, 6), stage("planning", 2, 3, 4), stage("construction", 10, 12, 15)]
    p = project(stages, delivery=in_stage("construction", BEFORE[9]))
    result = run({"a": p}, draws=2000, seed=4)
    handover = result.handover_month[:, 0]
    assert handover.min() >= 1.0 and handover.max() <= 6.0
    assert handover.min() < 1.5 and handover.max() > 4.5  # the whole 1-6 range is used, not a fixed value


def test_the_rest_of_a_stage_is_drawn_given_the_time_already_spent():
    # Triangular(0, 6, 12) that has lasted 6 months: its density beyond 6 falls linearly to 0 at 12, so the time
    # left is triangular(0, 0, 6): mean 2, and P(left <= 3) = 1 - (3/6)^2 = 0.75.
    u = np.random.default_rng(0).random(20_000)
    left = remaining_months(u, Stage(**stage("construction", 0, 6, 12)), 6.0)
    assert left.min() >= 0 and left.max() <= 6
    assert left.mean() == pytest.approx(2.0, abs=0.05)
    assert (left <= 3).mean() == pytest.approx(0.75, abs=0.015)


def test_pert_stage_under_way_matches_the_draws_that_lasted_that_long():
    pert = Stage(**stage("construction", 8, 10, 20, distribution="pert"))
    rng = np.random.default_rng(1)
    whole = 8 + rng.beta(1 + 4 * 2 / 12, 1 + 4 * 10 / 12, 400_000) * 12
    survivors = whole[whole > 11] - 11
    left = remaining_months(np.random.default_rng(2).random(50_000), pert, 11.0)
    for q in (0.1, 0.5, 0.9):
        assert np.quantile(left, q) == pytest.approx(np.quantile(survivors, q), abs=0.08)
    assert left.max() <= 9.0


def test_a_stage_past_its_longest_duration_finishes_within_a_short_overrun():
    # Construction 10-15 months begun 16 months ago: it finishes within a tenth of 15 months (1.5) more.
    p = project([stage("construction", 10, 12, 15)], start=dt.date(2025, 8, 1),
                delivery=in_stage("construction", dt.date(2025, 8, 1)))
    handover = run({"a": p}, draws=500).handover_month[:, 0]
    assert handover.min() >= 0 and handover.max() <= 1.5 and handover.max() > 1.0


def test_later_stages_follow_the_stage_under_way():
    # Planning (fixed 5 months) begun 2 months ago: 3 left, then the committee (monthly) on 1 Mar 2027, then
    # construction 6 months: handover 1 Sep 2027, 9 months after as_at; opens that September.
    stages = [stage("design", 4, 4, 4), stage("planning", 5, 5, 5), stage("construction", 6, 6, 6)]
    p = project(stages, delivery=in_stage("planning", BEFORE[2]))
    result = run({"a": p})
    assert result.handover_month[0, 0] == pytest.approx(9.0)
    assert date_of_month_number(result.opening[0, 0]) == dt.date(2027, 9, 1)


def test_risks_apply_only_to_stages_still_ahead():
    refusal = {"planning_refusal": {"probability": 1, "min_months": 4, "mode_months": 4, "max_months": 4}}
    stages = [stage("planning", 2, 2, 2), stage("construction", 6, 6, 6)]
    building = project(stages, risks=refusal, delivery=in_stage("construction", BEFORE[1]))
    planning = project(stages, risks=refusal, delivery=in_stage("planning", BEFORE[1]))
    result = run({"building": building, "planning": planning})
    # In construction: 5 months left, the refusal is behind it. In planning: 1 month left (decided 1 Jan 2027),
    # refused (+4 months, next committee 1 May 2027), then 6 months of construction: 11 months.
    assert result.handover_month[0].tolist() == [5.0, 11.0]


def test_contractor_failure_only_in_the_part_of_construction_still_to_run():
    # Construction 12 months, 9 of them done; a failure over the whole stage has chance 0.5. Equally likely at any
    # time and not yet happened: 0.5 x (3/12) / (1 - 0.5 x 9/12) = 0.2. It adds 6 months.
    failure = {"contractor_failure": {"probability": 0.5, "min_months": 6, "mode_months": 6, "max_months": 6}}
    p = project([stage("construction", 12, 12, 12)], risks=failure, delivery=in_stage("construction", BEFORE[9]))
    handover = run({"a": p}, draws=20_000, seed=3).handover_month[:, 0]
    assert set(np.round(handover, 9)) == {3.0, 9.0}
    assert (handover == 9.0).mean() == pytest.approx(0.2, abs=0.01)


def test_a_project_under_way_holds_the_team_before_one_not_started():
    # One-person team. 'new' (design 6, listed first) can start at as_at; 'old' has been in design for 3 of its
    # 6 months: it keeps the team and finishes at 3, then 'new' designs from 3 to 9.
    design = [stage("design", 6, 6, 6)]
    projects = {"new": project(design, start=AS_AT, delivery={"state": "not_started"}),
                "old": project(design, delivery=in_stage("design", BEFORE[3]))}
    result = run(projects, programme=Programme(team_size=1))
    assert result.handover_month[0].tolist() == [9.0, 3.0]


# --- not started, opened, complete ----------------------------------------------------------------------------


def test_a_project_not_started_whose_start_has_passed_starts_at_as_at():
    # Start April 2026 has passed; construction 6 months from 1 Dec 2026: handover 1 Jun 2027, opens Sep 2027.
    p = project([stage("construction", 6, 6, 6)], start=dt.date(2026, 4, 1), delivery={"state": "not_started"})
    result = run({"a": p}, draws=3)
    assert result.handover_month[:, 0].tolist() == [6.0] * 3
    assert result.opening_year[:, 0].tolist() == [2027] * 3
    ahead = stages_ahead(p, AS_AT)
    assert ahead.start == AS_AT and ahead.slipped
    row = programme_summary(result, {"a": p}, np.arange(2026, 2029), (0.05, 0.5, 0.95)).iloc[0]
    assert bool(row["start_slipped"])
    assert row["delivery"] == "not started: its start, April 2026, has passed; taken as December 2026"


def test_a_future_start_is_kept():
    p = project([stage("construction", 6, 6, 6)], start=dt.date(2027, 3, 1), delivery={"state": "not_started"})
    assert run({"a": p}).handover_month[0, 0] == pytest.approx(9.0)  # Mar 2027 + 6 months = Sep 2027


def test_opened_projects_open_on_their_date_in_every_draw():
    risky = {"cost_overrun": {"probability": 1, "min_share": 0.2, "mode_share": 0.2, "max_share": 0.2}}
    cost = {"estimate_gbp": 1e6, "price_year": 2026}
    stages = [stage("construction", 10, 12, 15), stage("handover", 1, 1, 3)]
    opened = project(stages, delivery={"state": "opened", "opened": dt.date(2026, 9, 1), "evidence": "assumed"},
                     risks=risky, cost=cost)
    complete = project(stages, status="complete", delivery={"state": "complete", "opened": dt.date(2025, 4, 14)})
    result = run({"opened": opened, "complete": complete}, draws=400, seed=9)
    assert result.opening_year[:, 0].tolist() == [2026] * 400
    assert {date_of_month_number(v) for v in result.opening[:, 0]} == {dt.date(2026, 9, 1)}
    assert {date_of_month_number(v) for v in result.opening[:, 1]} == {dt.date(2025, 4, 1)}
    assert result.opening_year[:, 1].tolist() == [2024] * 400  # April 2025 is in 2024/25
    assert np.isnan(result.handover_month).all()
    assert (result.cost_gbp[:, 0] == 1e6).all()  # no draws: no overrun
    table = programme_summary(result, {"opened": opened, "complete": complete}, np.arange(2024, 2028),
                              (0.05, 0.5, 0.95)).set_index("project")
    assert table.at["opened", "delivery"] == "opened September 2026 (assumed, to be confirmed by the council)"
    assert table.loc["opened", ["opening_year_p05", "opening_year_p50", "opening_year_p95"]].tolist() == [2026] * 3
    chances = ["p_on_time"] + [f"p_open_by_{y}" for y in range(2024, 2028)]
    assert table.loc[:, chances].isna().all().all()  # opened: not a probability
    assert table.at["complete", "opened"] == "2025-04-14"


def test_a_project_depending_on_an_opened_one_does_not_wait():
    first = project([stage("construction", 9, 9, 9)], delivery={"state": "opened", "opened": dt.date(2026, 9, 1)})
    second = project([stage("construction", 3, 3, 3)], start=AS_AT, depends_on=("first",))
    assert run({"first": first, "second": second}).handover_month[0, 1] == pytest.approx(3.0)


def test_without_a_delivery_block_the_state_comes_from_status_done_and_start():
    stages = [stage("design", 2, 2, 2, done=True), stage("construction", 6, 6, 6)]
    under_way = project(stages, start=BEFORE[2])
    assert delivery_of(under_way, AS_AT).model_dump(exclude_none=True) == {
        "state": "in_stage", "stage": "construction", "since": BEFORE[2]}
    assert delivery_of(project(stages, start=AS_AT), AS_AT).state == "not_started"
    complete = project(stages, status="complete", planned_opening=dt.date(2025, 9, 1))
    assert delivery_of(complete, AS_AT).opened == dt.date(2025, 9, 1)
    assert run({"a": under_way}).handover_month[0, 0] == pytest.approx(4.0)


def test_open_follows_the_delivery_state():
    stages = [stage("construction", 6, 6, 6)]
    assert is_open(project(stages, delivery={"state": "opened", "opened": dt.date(2026, 9, 1)}), AS_AT)
    assert not is_open(project(stages, delivery=in_stage("construction", BEFORE[2])), AS_AT)
    assert is_open(project(stages, status="complete", planned_opening=dt.date(2025, 9, 1)), AS_AT)
    assert not is_open(project(stages, start=dt.date(2027, 1, 1)), AS_AT)


def test_delivery_in_words():
    stages = [stage("site_and_design", 6, 6, 6)]
    p = project(stages, delivery=in_stage("site_and_design", dt.date(2026, 2, 3), evidence="inferred"))
    assert delivery_text(p, AS_AT) == "in site and design since February 2026 (inferred)"
    done = project(stages, delivery={"state": "complete", "opened": dt.date(2025, 9, 1), "evidence": "found"})
    assert delivery_text(done, AS_AT) == "complete, opened September 2025"


# --- money, determinism ---------------------------------------------------------------------------------------


def test_cost_still_to_spend_is_cost_less_spent_to_date():
    cost = {"estimate_gbp": 5e6, "price_year": 2026}
    # 2026 prices are taken at 1 July 2026. Construction (no spend shares) hands over in April 2027 (6 months from
    # October 2026); with no shares the money is spent midway between the stage's start (taken back from handover
    # to October 2026, clipped at as_at, December 2026) and handover: February 2027, 7 months of 4% a year.
    stages = [stage("construction", 6, 6, 6)]
    spent = project(stages, cost=cost, delivery=in_stage("construction", BEFORE[2], spent_gbp=2e6))
    unknown = project(stages, cost=cost, delivery=in_stage("construction", BEFORE[2]))
    complete = project(stages, cost=cost, status="complete", planned_opening=dt.date(2025, 9, 1))
    result = run({"spent": spent, "unknown": unknown, "complete": complete})
    outturn = 5e6 * 1.04 ** (7 / 12)
    assert result.cost_gbp[0, 0] == pytest.approx(outturn)
    assert result.to_spend_gbp[0].tolist() == pytest.approx([outturn - 2e6, outturn, 0.0])
    assert result.cost_gbp[0, 2] == 5e6  # complete: what it cost, not inflated


def random_programme():
    stages = [stage("design", 3, 6, 12), stage("construction", 9, 12, 20, distribution="pert")]
    risky = {"contractor_failure": {"probability": 0.3, "min_months": 2, "mode_months": 4, "max_months": 9},
             "cost_overrun": {"probability": 0.5, "min_share": 0.05, "mode_share": 0.1, "max_share": 0.3}}
    cost = {"estimate_gbp": 5e6, "price_year": 2025}
    return {"building": project(stages, risks=risky, cost=cost, delivery=in_stage("construction", BEFORE[10])),
            "designing": project(stages, cost=cost, delivery=in_stage("design", BEFORE[4])),
            "later": project(stages, cost=cost, start=dt.date(2027, 4, 1), delivery={"state": "not_started"})}


def test_same_seed_same_draws_from_the_delivery_states():
    one, two = run(random_programme(), 300, seed=7), run(random_programme(), 300, seed=7)
    other = run(random_programme(), 300, seed=8)
    for name in ("handover_month", "opening", "opening_year", "cost_gbp", "to_spend_gbp"):
        assert np.array_equal(getattr(one, name), getattr(two, name), equal_nan=True), name
    assert not np.array_equal(one.handover_month, other.handover_month)


def test_common_random_numbers_with_projects_under_way():
    base = run(random_programme(), 200, seed=3, programme=Programme(team_size=5))
    more = dict(random_programme(), extra=project([stage("construction", 5, 5, 5)], start=AS_AT))
    option = run(more, 200, seed=3, programme=Programme(team_size=5))
    assert np.array_equal(base.handover_month, option.handover_month[:, :3])
    assert np.array_equal(base.cost_gbp, option.cost_gbp[:, :3])
