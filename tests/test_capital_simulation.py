"""The capital programme simulation, pinned by hand-checked cases."""

import datetime as dt

import numpy as np
import pytest

from placeplan.capital.simulate import date_of_month_number, simulate_programme
from placeplan.scenario.schema import CapitalProject, Programme

START = dt.date(2026, 1, 1)


def project(stages, start=START, **extra) -> CapitalProject:
    """A project with fixed-duration stages [(name, months), ...], or full stage dicts in extra."""
    data = dict(name="P", school_id="1", kind="expansion", status="committed", start=start,
                planned_opening=dt.date(2030, 9, 1),
                stages=[dict(name=n, min_months=m, mode_months=m, max_months=m) for n, m in stages])
    if "full_stages" in extra:
        data["stages"] = extra.pop("full_stages")
    data.update(extra)
    return CapitalProject.model_validate(data)


def opening_dates(result, j):
    return sorted({date_of_month_number(v) for v in result.opening[:, j]})


def test_fixed_durations_give_exact_opening_year():
    # Jan 2026 + 6 months design = Jul 2026, + 12 months construction = Jul 2027 -> opens Sep 2027.
    result = simulate_programme({"a": project([("design", 6), ("construction", 12)])},
                                Programme(), START, draws=5, seed=1)
    assert result.handover_month[:, 0].tolist() == [18.0] * 5
    assert opening_dates(result, 0) == [dt.date(2027, 9, 1)]
    assert result.opening_year[:, 0].tolist() == [2027] * 5


def test_one_day_late_misses_september_by_a_year():
    # 20 months from Jan 2026 = 1 Sep 2027 exactly -> opens that day; 20.1 months -> Sep 2028.
    on_time = simulate_programme({"a": project([("construction", 20)])}, Programme(), START, 1, 1)
    late = simulate_programme({"a": project([("construction", 20.1)])}, Programme(), START, 1, 1)
    assert on_time.opening_year[0, 0] == 2027 and late.opening_year[0, 0] == 2028


def test_term_openings_take_the_next_term():
    # Handover Oct 2026 (9 months): September is gone, the next listed month is January 2027.
    result = simulate_programme({"a": project([("construction", 9)], opening_months=(9, 1, 4))},
                                Programme(), START, 1, 1)
    assert opening_dates(result, 0) == [dt.date(2027, 1, 1)]
    assert result.opening_year[0, 0] == 2026  # January 2027 is in academic year 2026/27


def test_one_person_team_makes_projects_queue():
    # Both need the team for 6 months of design: the second starts design when the first finishes.
    projects = {"a": project([("design", 6), ("construction", 3)]),
                "b": project([("design", 6), ("construction", 3)])}
    result = simulate_programme(projects, Programme(team_size=1), START, 1, 1)
    assert result.handover_month[0].tolist() == [9.0, 15.0]
    together = simulate_programme(projects, Programme(team_size=2), START, 1, 1)
    assert together.handover_month[0].tolist() == [9.0, 9.0]


def test_empty_budget_waits_for_april():
    # Construction needs all the cost at its start (Jul 2026); nothing is available until the
    # April 2027 budget line, so construction runs Apr 2027 + 3 months = Jul 2027 (18 months).
    stages = [dict(name="design", min_months=6, mode_months=6, max_months=6),
              dict(name="construction", min_months=3, mode_months=3, max_months=3, spend_share=1.0)]
    p = project([], full_stages=stages, cost={"estimate_gbp": 1e6, "price_year": 2026})
    programme = Programme(funding=[{"financial_year": 2026, "amount_gbp": 0},
                                   {"financial_year": 2027, "amount_gbp": 1e6}])
    result = simulate_programme({"a": p}, programme, START, 1, 1)
    assert result.handover_month[0, 0] == pytest.approx(18.0)
    funded = simulate_programme({"a": p}, Programme(funding=[{"financial_year": 2026, "amount_gbp": 1e6}]),
                                START, 1, 1)
    assert funded.handover_month[0, 0] == pytest.approx(9.0)


def test_planning_refusal_adds_exactly_the_resubmission_time():
    # Planning 2 months from Jan 2026 -> decision at the 1 Mar committee; refusal adds 4 months
    # (Jul 2026) and the next committee (monthly) is 1 Jul; construction 6 -> Jan 2027 = 12 months.
    stages = [("planning", 2), ("construction", 6)]
    refused = project(stages, risks={"planning_refusal": {"probability": 1, "min_months": 4,
                                                          "mode_months": 4, "max_months": 4}})
    base = simulate_programme({"a": project(stages)}, Programme(), START, 3, 1)
    result = simulate_programme({"a": refused}, Programme(), START, 3, 1)
    assert base.handover_month[:, 0].tolist() == [8.0] * 3
    assert result.handover_month[:, 0].tolist() == [12.0] * 3


def test_planning_waits_for_the_committee():
    # Committees only in March and September: planning done Feb 2026 waits until 1 Mar (2 months),
    # planning done Apr 2026 waits until 1 Sep (8 months).
    programme = Programme(planning_committee_months=(3, 9))
    early = simulate_programme({"a": project([("planning", 1.5)])}, programme, START, 1, 1)
    late = simulate_programme({"a": project([("planning", 3.5)])}, programme, START, 1, 1)
    assert (early.handover_month[0, 0], late.handover_month[0, 0]) == (2.0, 8.0)


def test_dependencies_wait_for_the_other_project():
    projects = {"a": project([("construction", 10)]), "b": project([("construction", 2)], depends_on=("a",))}
    result = simulate_programme(projects, Programme(), START, 1, 1)
    assert result.handover_month[0].tolist() == [10.0, 12.0]


def test_project_under_way_counts_time_already_spent():
    # Construction began 1 Sep 2025 (4 months before the programme date) and lasts 12 months.
    result = simulate_programme({"a": project([("construction", 12)], start=dt.date(2025, 9, 1))},
                                Programme(), START, 1, 1)
    assert result.handover_month[0, 0] == pytest.approx(8.0)
    assert result.opening_year[0, 0] == 2026


def random_projects():
    stages = [dict(name="design", min_months=3, mode_months=6, max_months=12),
              dict(name="construction", min_months=9, mode_months=12, max_months=20, distribution="pert")]
    risky = {"contractor_failure": {"probability": 0.3, "min_months": 2, "mode_months": 4, "max_months": 9},
             "cost_overrun": {"probability": 0.5, "min_share": 0.05, "mode_share": 0.1, "max_share": 0.3}}
    cost = {"estimate_gbp": 5e6, "price_year": 2025}
    return {"a": project([], full_stages=stages, risks=risky, cost=cost),
            "b": project([], full_stages=stages, cost=cost)}


def test_same_seed_same_results_to_the_last_digit():
    one = simulate_programme(random_projects(), Programme(), START, 300, seed=7)
    two = simulate_programme(random_projects(), Programme(), START, 300, seed=7)
    other = simulate_programme(random_projects(), Programme(), START, 300, seed=8)
    assert np.array_equal(one.handover_month, two.handover_month)
    assert np.array_equal(one.cost_gbp, two.cost_gbp)
    assert not np.array_equal(one.handover_month, other.handover_month)


def test_common_random_numbers_adding_a_project_changes_no_other_draws():
    # With an ample team, project 'a' must come out identical whether or not 'c' is in the programme.
    base = simulate_programme(random_projects(), Programme(team_size=5), START, 200, seed=3)
    more = dict(random_projects(), c=project([("construction", 5)]))
    option = simulate_programme(more, Programme(team_size=5), START, 200, seed=3)
    assert np.array_equal(base.handover_month, option.handover_month[:, :2])
    assert np.array_equal(base.cost_gbp, option.cost_gbp[:, :2])


def test_risks_and_ranges_spread_the_opening_dates():
    result = simulate_programme(random_projects(), Programme(), START, 2000, seed=11)
    a, b = result.handover_month[:, 0], result.handover_month[:, 1]
    assert 12 <= a.min() and b.max() <= 32  # 3 + 9 months at least, 12 + 20 at most
    assert a.mean() > b.mean()  # contractor failures only hit 'a'
    assert (result.cost_gbp[:, 0] > result.cost_gbp[:, 1]).mean() > 0.3  # overruns only hit 'a'


def test_externally_funded_projects_do_not_wait_for_council_money():
    stages = [dict(name="construction", min_months=3, mode_months=3, max_months=3, spend_share=1.0)]
    programme = Programme(funding=[{"financial_year": 2030, "amount_gbp": 1e6}])
    council = project([], full_stages=stages, cost={"estimate_gbp": 1e6, "price_year": 2026})
    dfe = project([], full_stages=stages, cost={"estimate_gbp": 1e6, "price_year": 2026},
                  funding_source="dfe_free_schools")
    result = simulate_programme({"council": council, "dfe": dfe}, programme, START, 1, 1)
    # The council's project waits for April 2030 (51 months) + 3; DfE's starts at once.
    assert result.handover_month[0].tolist() == [54.0, 3.0]
