"""Delays and known dates in the capital simulation, hand-computed on degenerate durations."""

import datetime as dt

import numpy as np

from placeplan.capital.simulate import simulate_programme
from placeplan.scenario.overrides import apply_overrides
from placeplan.scenario.schema import CapitalProject, Programme

from test_capital_simulation import START, opening_dates
from test_capital_simulation import project as simulation_project


def project(stages, start=START, **extra) -> CapitalProject:
    """The simulation tests' fixed-duration project, planned to open in September 2027."""
    return simulation_project(stages, start, **{"planned_opening": dt.date(2027, 9, 1), **extra})


def openings(result, j=0):
    return opening_dates(result, j)


def test_a_years_delay_moves_every_opening_by_exactly_a_year():
    # Jan 2026 + 6 design + 12 construction = Jul 2027 -> Sep 2027; starting 12 months later: Jul 2028 -> Sep 2028.
    base = simulate_programme({"a": project([("design", 6), ("construction", 12)])}, Programme(), START, 20, 3)
    late = simulate_programme({"a": project([("design", 6), ("construction", 12)], delay_months=12)},
                              Programme(), START, 20, 3)
    assert np.array_equal(late.opening, base.opening + 12)
    assert openings(base) == [dt.date(2027, 9, 1)] and openings(late) == [dt.date(2028, 9, 1)]
    assert late.handover_month[:, 0].tolist() == [30.0] * 20


def test_a_years_delay_of_a_project_in_a_stage_extends_that_stage():
    # In construction (12 months) since Jul 2025: 6 months left at Jan 2026 -> handover Jul 2026, opens Sep 2026;
    # a year's delay -> Jul 2027, Sep 2027.
    in_stage = {"state": "in_stage", "stage": "construction", "since": dt.date(2025, 7, 1)}
    base = simulate_programme({"a": project([("construction", 12)], start=dt.date(2025, 7, 1), delivery=in_stage)},
                              Programme(), START, 10, 1)
    late = simulate_programme({"a": project([("construction", 12)], start=dt.date(2025, 7, 1), delivery=in_stage,
                                            delay_months=12)}, Programme(), START, 10, 1)
    assert base.handover_month[:, 0].tolist() == [6.0] * 10 and late.handover_month[:, 0].tolist() == [18.0] * 10
    assert np.array_equal(late.opening, base.opening + 12)


def test_a_terms_delay_takes_the_next_opening_month():
    # 8 months from Jan 2026 = 1 Sep 2026: opens that day. Four months later (1 Jan 2027): September only ->
    # Sep 2027; any term (9, 1, 4) -> Jan 2027.
    base = simulate_programme({"a": project([("construction", 8)])}, Programme(), START, 5, 1)
    term = simulate_programme({"a": project([("construction", 8)], delay_months=4)}, Programme(), START, 5, 1)
    terms = simulate_programme({"a": project([("construction", 8)], delay_months=4, opening_months=(9, 1, 4))},
                               Programme(), START, 5, 1)
    assert openings(base) == [dt.date(2026, 9, 1)]
    assert openings(term) == [dt.date(2027, 9, 1)]
    assert openings(terms) == [dt.date(2027, 1, 1)]


def test_a_stage_delay_lengthens_that_stage_in_every_draw():
    # Design 6 + 3 months' slip, construction 12: handover at 21 months (Oct 2027) -> Sep 2028.
    stages = [dict(name="design", min_months=6, mode_months=6, max_months=6, delay_months=3),
              dict(name="construction", min_months=12, mode_months=12, max_months=12)]
    result = simulate_programme({"a": project([], full_stages=stages)}, Programme(), START, 5, 1)
    assert result.handover_month[:, 0].tolist() == [21.0] * 5
    assert openings(result) == [dt.date(2028, 9, 1)]


def test_fixed_stage_dates_replace_the_draw():
    # Design drawn 1-6 months, then construction on contract: starts 1 Oct 2026 (month 9) and ends 1 Jun 2027
    # (month 17) in every draw, whatever its own wide durations: opens Sep 2027.
    stages = [dict(name="design", min_months=1, mode_months=3, max_months=6),
              dict(name="construction", min_months=2, mode_months=12, max_months=40,
                   fixed_start=dt.date(2026, 10, 1), fixed_end=dt.date(2027, 6, 1))]
    risky = {"contractor_failure": {"probability": 1.0, "min_months": 5, "mode_months": 6, "max_months": 9}}
    result = simulate_programme({"a": project([], full_stages=stages, risks=risky)}, Programme(), START, 50, 2)
    assert result.handover_month[:, 0].tolist() == [17.0] * 50
    assert openings(result) == [dt.date(2027, 9, 1)]
    # a fixed end and a slip of the stage: the end moves by the slip (month 21, Oct 2027 -> Sep 2028)
    slipped = [stages[0], {**stages[1], "delay_months": 4}]
    late = simulate_programme({"a": project([], full_stages=slipped)}, Programme(), START, 10, 2)
    assert late.handover_month[:, 0].tolist() == [21.0] * 10


def _raw(projects: dict) -> dict:
    return {"capital_projects": {k: p.model_dump(mode="json") for k, p in projects.items()}}


def _overridden(projects: dict, changes: dict) -> dict:
    raw = {**_raw(projects), "overrides": {"o": changes}}
    tree, _, problems, _ = apply_overrides(raw, ["o"], [], "test")
    assert problems == []
    return {k: CapitalProject.model_validate(v) for k, v in tree["capital_projects"].items()}


def test_an_override_of_depends_on_moves_the_dependent():
    # b (2 months) waits for a (10 months) once the override says so: handover 2 -> 12 months.
    projects = {"a": project([("construction", 10)]), "b": project([("construction", 2)])}
    base = simulate_programme(projects, Programme(), START, 1, 1)
    changed = _overridden(projects, {"capital_projects.b.depends_on": ["a"]})
    after = simulate_programme(changed, Programme(), START, 1, 1)
    assert base.handover_month[0].tolist() == [10.0, 2.0]
    assert after.handover_month[0].tolist() == [10.0, 12.0]


def test_an_override_of_opening_months_moves_the_opening():
    # Handover Oct 2026 (9 months): September only -> Sep 2027; overridden to (9, 1, 4) -> Jan 2027.
    projects = {"a": project([("construction", 9)])}
    changed = _overridden(projects, {"capital_projects.a.opening_months": [9, 1, 4]})
    assert openings(simulate_programme(projects, Programme(), START, 3, 1)) == [dt.date(2027, 9, 1)]
    assert openings(simulate_programme(changed, Programme(), START, 3, 1)) == [dt.date(2027, 1, 1)]


def test_an_override_with_no_delay_reproduces_the_base_exactly():
    stages = [dict(name="design", min_months=3, mode_months=6, max_months=12),
              dict(name="planning", min_months=1, mode_months=2, max_months=5),
              dict(name="construction", min_months=9, mode_months=12, max_months=20, distribution="pert")]
    risky = {"planning_refusal": {"probability": 0.3, "min_months": 2, "mode_months": 3, "max_months": 6},
             "contractor_failure": {"probability": 0.3, "min_months": 2, "mode_months": 4, "max_months": 9},
             "cost_overrun": {"probability": 0.5, "min_share": 0.05, "mode_share": 0.1, "max_share": 0.3}}
    cost = {"estimate_gbp": 5e6, "price_year": 2025}
    projects = {"a": project([], full_stages=stages, risks=risky, cost=cost),
                "b": project([], full_stages=stages, cost=cost, depends_on=("a",))}
    changed = _overridden(projects, {"capital_projects.a.delay_months": 0, "capital_projects.b.stages.2.delay_months": 0})
    one = simulate_programme(projects, Programme(team_size=1), START, 200, 5)
    two = simulate_programme(changed, Programme(team_size=1), START, 200, 5)
    for field in ("handover_month", "opening", "opening_year", "cost_gbp", "to_spend_gbp"):
        assert np.array_equal(getattr(one, field), getattr(two, field), equal_nan=True), field
    # a real slip of 6 months keeps a's own draws: a (first in the team's queue, b waits for it) hands over exactly
    # 6 months later in every draw
    later = simulate_programme(_overridden(projects, {"capital_projects.a.delay_months": 6}), Programme(team_size=1),
                               START, 200, 5)
    assert np.allclose(later.handover_month[:, 0], one.handover_month[:, 0] + 6)
