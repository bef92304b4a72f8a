"""Costs as councils budget them: price basis, inflation to each stage's spend, spend to date, who pays; by hand."""

import datetime as dt

import numpy as np
import pytest
from pydantic import ValidationError

from placeplan.capital.costs import council_share, funder_shares, inflation_factor, stage_start_months
from placeplan.capital.simulate import simulate_programme
from placeplan.capital.summary import programme_summary
from placeplan.scenario.schema import FUNDERS, CapitalProject, Cost, Programme

AS_AT = dt.date(2026, 12, 1)
NO_RISK = Programme()  # default risks are none; no capital budget, so no waits for money


def stage(name, lo, mode, hi, **extra):
    return dict(name=name, min_months=lo, mode_months=mode, max_months=hi, **extra)


def project(cost, stages=None, **extra) -> CapitalProject:
    data = dict(name="P", school_id="1", kind="expansion", status="committed", start=dt.date(2027, 3, 1),
                planned_opening=dt.date(2028, 9, 1), cost=cost,
                stages=stages or [stage("design", 6, 6, 6, spend_share=0.25),
                                  stage("construction", 12, 12, 12, spend_share=0.75)],
                delivery={"state": "not_started"})
    data.update(extra)
    return CapitalProject.model_validate(data)


def run(projects, draws=1, seed=1, programme=NO_RISK):
    return simulate_programme(projects, programme, AS_AT, draws, seed)


def test_an_estimate_is_inflated_from_its_price_date_to_each_stage_spend():
    # Priced 1 July 2026 (5 months before as_at). Design starts 1 March 2027 (3 months after as_at, 8 after the
    # price date) and spends 25%; construction starts 1 September 2027 (9 months after as_at, 14 after the price
    # date) and spends 75%; handover September 2028.
    result = run({"p": project({"estimate_gbp": 1e6, "price_date": dt.date(2026, 7, 1)})})
    expected = 1e6 * (0.25 * 1.04 ** (8 / 12) + 0.75 * 1.04 ** (14 / 12))
    assert result.cost_gbp[0, 0] == pytest.approx(expected)
    assert result.handover_month[0, 0] == pytest.approx(21.0)


def test_price_year_alone_still_works_as_1_july_of_that_year():
    by_year = run({"p": project({"estimate_gbp": 1e6, "price_year": 2026})})
    by_date = run({"p": project({"estimate_gbp": 1e6, "price_date": dt.date(2026, 7, 1)})})
    assert by_year.cost_gbp[0, 0] == by_date.cost_gbp[0, 0]
    assert Cost(estimate_gbp=1, price_year=2019).price_base == dt.date(2019, 7, 1)


def test_a_cash_budget_is_never_inflated_so_on_time_without_overrun_it_stays_within_budget():
    stages = [stage("design", 3, 6, 12, spend_share=0.1), stage("planning", 2, 4, 9),
              stage("construction", 9, 14, 24, spend_share=0.9)]
    late = {"planning_refusal": {"probability": 0.5, "min_months": 3, "mode_months": 6, "max_months": 12}}
    cash = {"estimate_gbp": 10.853e6, "basis": "cash_budget", "price_date": dt.date(2022, 10, 27)}
    result = run({"p": project(cash, stages, risks=late)}, draws=300)
    assert np.all(result.cost_gbp[:, 0] == 10.853e6)  # every draw, however late
    risky = {"cost_overrun": {"probability": 0.5, "min_share": 0.05, "mode_share": 0.1, "max_share": 0.2}}
    over = run({"p": project(cash, stages, risks=risky)}, draws=300).cost_gbp[:, 0]
    assert over.min() == 10.853e6 and 10.853e6 * 1.05 <= over.max() <= 10.853e6 * 1.2  # overrun on top


def test_open_and_complete_projects_cost_what_they_cost_and_spend_to_date_is_subtracted():
    old = {"estimate_gbp": 6e6, "price_year": 2019}  # an estimate, but complete: no inflation, no overrun
    overrun = {"cost_overrun": {"probability": 1.0, "min_share": 0.1, "mode_share": 0.1, "max_share": 0.1}}
    projects = {
        "complete": project(old, status="complete", delivery={"state": "complete", "opened": dt.date(2021, 4, 1)}),
        "opened_spent": project({"estimate_gbp": 10e6, "price_year": 2023}, risks=overrun,
                                delivery={"state": "opened", "opened": dt.date(2026, 9, 1), "spent_gbp": 4e6}),
        "overspent": project({"estimate_gbp": 10e6, "price_year": 2023},
                             delivery={"state": "opened", "opened": dt.date(2026, 9, 1), "spent_gbp": 12e6}),
        "opened_unknown": project({"estimate_gbp": 3e6, "price_year": 2023},
                                  delivery={"state": "opened", "opened": dt.date(2026, 9, 1)}),
    }
    result = run(projects, draws=5)
    assert result.cost_gbp[0].tolist() == [6e6, 10e6, 10e6, 3e6]
    assert result.to_spend_gbp[0].tolist() == [0.0, 6e6, 0.0, 3e6]  # unknown spend: the whole cost still counts


def test_funder_split_and_the_councils_own_cost_on_a_toy_programme():
    cash = {"basis": "cash_budget", "price_date": dt.date(2025, 1, 1)}
    projects = {
        "mixed": project({"estimate_gbp": 10e6, **cash, "funders": {"council_borrowing": 0.3, "basic_need_grant": 0.7}}),
        "amounts": project({"estimate_gbp": 2.4e6, **cash, "funders": {"high_needs_capital": 2.25e6, "other": 0.15e6}}),
        "free_school": project({"estimate_gbp": 16e6, **cash}, funding_source="dfe_free_schools"),
        "borrowed": project({"estimate_gbp": 1e6, **cash}, funding_source="council_capital_programme"),
    }
    result = run(projects, draws=3)
    council = result.council_cost_gbp[0]
    # the council's capital programme: its borrowing and the Basic Need and High Needs grants it allocates; not the
    # school's own contribution, nor DfE's free-schools capital (a DfE free school costs the council nothing)
    assert council.tolist() == pytest.approx([10e6, 2.25e6, 0.0, 1e6])
    assert result.by_funder(result.cost_gbp, "council_borrowing")[0].tolist() == pytest.approx([3e6, 0.0, 0.0, 1e6])
    by_funder = {f: result.by_funder(result.cost_gbp, f)[0] for f in FUNDERS}
    assert sum(by_funder.values()) == pytest.approx(result.cost_gbp[0])  # the split sums to the whole
    assert by_funder["basic_need_grant"][0] == pytest.approx(7e6)
    assert by_funder["high_needs_capital"][1] == pytest.approx(2.25e6) and by_funder["other"][1] == pytest.approx(0.15e6)
    assert by_funder["dfe_free_schools"][2] == pytest.approx(16e6)
    assert result.council_to_spend_gbp[0].sum() == pytest.approx(13.25e6)  # nothing spent yet
    table = programme_summary(result, projects, np.arange(2026, 2032), (0.05, 0.5, 0.95)).set_index("project")
    assert table.loc["mixed", "council_cost_gbp_p50"] == pytest.approx(10e6)
    assert table.loc["free_school", "council_to_spend_gbp_mean"] == 0.0
    assert table.loc["amounts", "to_spend_other_gbp_mean"] == pytest.approx(0.15e6)
    assert table.loc["mixed", "council_share"] == pytest.approx(1.0)


def test_other_council_funders_count_as_the_councils_own():
    shares = funder_shares(Cost(estimate_gbp=1, price_year=2025, funders={"council_borrowing": 0.5,
                                                                           "s106_developer": 0.5}), None)
    assert council_share(shares, ("council_borrowing",)) == 0.5
    assert council_share(shares, ("council_borrowing", "s106_developer")) == 1.0
    assert funder_shares(None, "something_else")[FUNDERS.index("other")] == 1.0


@pytest.mark.parametrize("funders, words", [
    ({"council": 1.0}, "unknown funder 'council'"),
    ({"council_borrowing": 0.5, "basic_need_grant": 0.4}, "council_borrowing 0.5, basic_need_grant 0.4 sum to 0.9"),
    ({"basic_need_grant": -0.2, "council_borrowing": 1.2}, "basic_need_grant is negative"),
    ({"high_needs_capital": 2e6, "other": 1e5}, "high_needs_capital 2e+06, other 100000 sum to 2.1e+06"),
])
def test_bad_funder_splits_are_refused_naming_the_key(funders, words):
    with pytest.raises(ValidationError, match=words.replace("+", r"\+").replace(".", r"\.")):
        Cost(estimate_gbp=2.4e6, price_year=2025, funders=funders)


def test_a_cost_needs_a_price_date_or_year_that_agree():
    with pytest.raises(ValidationError, match="price_date"):
        Cost(estimate_gbp=1)
    with pytest.raises(ValidationError, match="disagree"):
        Cost(estimate_gbp=1, price_year=2024, price_date=dt.date(2025, 1, 1))


def test_stage_starts_are_taken_back_from_handover_with_risk_delays():
    # Handover at 30 months. Stages: design 6, planning 4 (+3 after a refusal), construction 12 (+2 after a
    # contractor failure): construction starts at 30 - 14 = 16, planning at 16 - 7 = 9, design at 9 - 6 = 3.
    starts = stage_start_months(np.array([30.0, np.nan]), np.array([[6.0, 4.0, 12.0], [6.0, 4.0, 12.0]]),
                                np.array([3.0, 0.0]), np.array([2.0, 0.0]), (False, True, False),
                                (False, False, True), horizon=20.0)
    assert starts[0].tolist() == [3.0, 9.0, 16.0]
    assert starts[1].tolist() == [0.0, 4.0, 8.0]  # not handed over: back from the horizon (20), never before as_at
    assert inflation_factor(-5.0, 0.04) == 1.0 and inflation_factor(24.0, 0.04) == pytest.approx(1.0816)


def admitted(**extra) -> list[dict]:
    """A PAN rise 60 -> 90 admitted from September 2027, before the building, with ``extra`` fields."""
    return [dict(provision="primary", net_capacity_change=210, pan_before=60, pan_after=90, phasing="by_year_group",
                 admit_from=dt.date(2027, 9, 1), admit_places=30, **extra)]


def test_an_admit_cost_is_added_to_the_outturn_cost_in_every_draw_and_split_by_funder():
    # Cash budget £2m, 70% Basic Need, 30% council; admitting early costs £150,000 (two temporary classrooms, say).
    cash = {"estimate_gbp": 2e6, "basis": "cash_budget", "price_date": dt.date(2025, 1, 1),
            "funders": {"basic_need_grant": 0.7, "council_borrowing": 0.3}}
    plain = run({"p": project(cash, places=admitted())}, draws=4)
    assert plain.cost_gbp[:, 0].tolist() == [2e6] * 4  # no admit cost given: none
    no_risk = run({"p": project(cash, places=admitted(admit_cost_gbp=150_000))}, draws=4)
    assert no_risk.cost_gbp[:, 0].tolist() == [2_150_000.0] * 4  # budget + admit cost exactly
    assert no_risk.to_spend_gbp[:, 0].tolist() == [2_150_000.0] * 4  # nothing spent yet
    assert no_risk.by_funder(no_risk.cost_gbp, "council_borrowing")[:, 0] == pytest.approx([0.3 * 2_150_000] * 4)
    assert no_risk.by_funder(no_risk.cost_gbp, "basic_need_grant")[:, 0] == pytest.approx([0.7 * 2_150_000] * 4)
    # with overrun risk the budget overruns, the admit cost (cash at outturn) does not
    risky = {"cost_overrun": {"probability": 0.5, "min_share": 0.05, "mode_share": 0.1, "max_share": 0.2}}
    over = run({"p": project(cash, places=admitted(admit_cost_gbp=150_000), risks=risky)}, draws=50)
    bare = run({"p": project(cash, places=admitted(), risks=risky)}, draws=50)  # same draws (same key and seed)
    share = bare.cost_gbp[:, 0] / 2e6 - 1  # each draw's overrun
    assert (share > 0).any() and (share == 0).any()
    assert over.cost_gbp[:, 0] == pytest.approx(2e6 * (1 + share) + 150_000)


def test_an_admit_cost_counts_once_spent_to_date_is_subtracted():
    # Opened (the building) with £1.5m of a £2m budget spent: still to spend 2m + 0.1m - 1.5m.
    cash = {"estimate_gbp": 2e6, "basis": "cash_budget", "price_date": dt.date(2025, 1, 1)}
    result = run({"p": project(cash, places=admitted(admit_cost_gbp=100_000), start=dt.date(2025, 1, 1),
                               delivery={"state": "opened", "opened": dt.date(2026, 9, 1), "spent_gbp": 1.5e6})})
    assert result.cost_gbp[0, 0] == 2.1e6 and result.to_spend_gbp[0, 0] == pytest.approx(0.6e6)


@pytest.mark.parametrize("change, words", [
    (dict(admit_cost_gbp=5000.0), "admit_cost_gbp given without admit_from"),
    (dict(admit_from=dt.date(2027, 9, 1), admit_cost_gbp=-1.0), "greater than or equal to 0"),
    (dict(admit_from=dt.date(2027, 9, 1), admit_cost_gbp=float("inf")), "finite number"),
    (dict(admit_from=dt.date(2027, 9, 1), admit_places=-30), "greater than or equal to 0"),
])
def test_bad_admit_fields_are_refused(change, words):
    from placeplan.scenario.schema import PlaceChange

    with pytest.raises(ValidationError, match=words):
        PlaceChange(provision="primary", net_capacity_change=210, **change)
