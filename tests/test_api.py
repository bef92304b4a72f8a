"""The whole pipeline on the toy council: numbers checked by hand, determinism, options."""

import numpy as np
import pytest

import placeplan
from placeplan.api import compare


@pytest.fixture(scope="module")
def results(toy):
    return placeplan.run(toy, draws=300)


def test_central_places_needed_by_hand(results):
    # South: 62 pupils per year group against 60 places x (1 - 2% margin) = 58.8 -> 3.2 short in each
    # of 7 year groups = 22.4. The expansion (+30 per year group, phased from Reception) is planned
    # for September 2027, so from 2027/28 one more year group a year is no longer short.
    south = results.sufficiency.query("planning_area == '8881002'").set_index("academic_year")
    expected = {2023: 22.4, 2026: 22.4, 2027: 19.2, 2028: 16.0, 2030: 9.6}
    for year, value in expected.items():
        assert south.at[year, "places_needed_central"] == pytest.approx(value)
    # North: 40 per year group against 45 x 0.98 = 44.1: never short, 4.1 x 7 = 28.7 spare.
    north = results.sufficiency.query("planning_area == '8881001'")
    assert (north["places_needed_central"] == 0).all()
    assert north["spare_places_central"].iloc[0] == pytest.approx(28.7)


def test_county_totals_are_sums_of_areas(results):
    totals = results.sufficiency_totals.query("phase == 'primary'").set_index("academic_year")
    parts = results.sufficiency.query("phase == 'primary'").groupby("academic_year")["places_needed_mean"].sum()
    assert np.allclose(totals["places_needed_mean"], parts)


def test_demand_and_capacity_tables_have_quantiles(results):
    assert {"central", "p05", "p50", "p95", "mean"} <= set(results.demand.columns)
    assert {"planned", "mean", "p05", "p50", "p95"} <= set(results.capacity.columns)
    row = results.capacity.query("planning_area == '8881002' and ncy == 0 and academic_year == 2030").iloc[0]
    assert row["planned"] == 90 and row["p05"] <= row["p50"] <= row["p95"]


def test_same_seed_same_numbers(toy):
    one = placeplan.run(toy, draws=100, seed=5)
    two = placeplan.run(toy, draws=100, seed=5)
    other = placeplan.run(toy, draws=100, seed=6)
    for name in ("demand", "capacity", "sufficiency", "programme"):
        assert getattr(one, name).equals(getattr(two, name)), name
    assert not one.programme.equals(other.programme)


def test_option_that_changes_nothing_equals_the_base(toy):
    import dataclasses

    from placeplan.scenario.schema import Option

    config = toy.config.model_copy(update={"options": {
        "same": Option(description="no change"),
        "annex": Option(description="build the annex",
                        changes={"capital_projects.oak_special_annex.status": "committed"}),
        "late": Option(description="South a year late",
                       changes={"capital_projects.south_primary_expansion.start": "2027-01-01"})}})
    scenario = dataclasses.replace(toy, config=config)
    result = compare(scenario, ["same", "annex", "late"], draws=200)
    detail = result.detail.drop(columns="option")
    base = detail[result.detail["option"] == "base"].reset_index(drop=True)
    same = detail[result.detail["option"] == "same"].reset_index(drop=True)
    assert base.equals(same)
    summary = result.summary.set_index("option")
    assert summary.at["late", "unmet_place_years_primary"] > summary.at["base", "unmet_place_years_primary"]
    assert summary.at["annex", "places_added_specialist"] == 20
    # The annex has no cost in the toy; the South expansion costs the same in every option.
    assert summary.at["annex", "capital_cost_gbp_mean"] == summary.at["base", "capital_cost_gbp_mean"]


def test_a_scenario_with_no_live_projects_runs(toy):
    import dataclasses

    projects = {k: p.model_copy(update={"status": "proposed"}) for k, p in toy.config.capital_projects.items()}
    scenario = dataclasses.replace(toy, config=toy.config.model_copy(update={"capital_projects": projects}))
    results = placeplan.run(scenario, draws=20)
    assert results.programme.empty
    # Without the expansion South stays 22.4 short in every year.
    south = results.sufficiency.query("planning_area == '8881002'")
    assert np.allclose(south["places_needed_central"], 22.4)


def test_options_can_change_demand_on_common_random_numbers(toy):
    """An option changing only housing reprojects demand but keeps every capital draw; a named scenario runs too."""
    import dataclasses

    from placeplan.scenario.schema import Option

    config = toy.config.model_copy(update={"options": {
        "more_homes": Option(description="homes delivered in full", changes={"housing.delivery_factor": 1.5}),
        "annex": Option(description="build the annex",
                        changes={"capital_projects.oak_special_annex.status": "committed"})}})
    scenario = dataclasses.replace(toy, config=config)
    result = compare(scenario, ["more_homes", "annex"], draws=100, scenarios=["stretched"])
    summary = result.summary.set_index("option")
    assert set(summary.index) == {"base", "more_homes", "annex", "scenario:stretched"}
    assert summary.at["more_homes", "demand"] == "own" and summary.at["annex", "demand"] == "base"
    detail = result.detail[result.detail["level"] == "planning_area"].set_index(["option", "unit", "phase",
                                                                                 "academic_year"])
    more = detail.loc["more_homes"]["demand_central"]
    base = detail.loc["base"]["demand_central"]
    assert (more >= base - 1e-9).all() and (more > base + 1e-9).any()  # more homes, more pupils
    openings = result.openings.drop(columns="option")
    same = openings[result.openings["option"] == "more_homes"].reset_index(drop=True)
    assert same.equals(openings[result.openings["option"] == "base"].reset_index(drop=True))  # capital untouched
    # the named scenario (more homes and South late) is the file's own, loaded as placeplan run would load it
    assert summary.at["scenario:stretched", "description"] == "named scenario stretched: high_housing, late_south"
    # the same homes, South's expansion a year late: more unmet primary place-years, and South opens a year later
    assert summary.at["scenario:stretched", "unmet_place_years_primary"] > summary.at["more_homes",
                                                                                     "unmet_place_years_primary"]
    south = result.openings[result.openings["project"] == "south_primary_expansion"].set_index("option")
    for column in ("opening_year_p05", "opening_year_p50", "opening_year_p95"):
        assert south.at["scenario:stretched", column] == south.at["more_homes", column] + 1


def test_an_option_that_points_at_another_table_reads_it(toy_copy):
    """An option may swap a table file: the scenario is loaded again with the change, and the new table used."""
    import shutil

    folder = toy_copy.parent
    housing = next(folder.rglob("housing.csv"))
    shutil.copy(housing, housing.with_name("housing_many.csv"))
    text = housing.with_name("housing_many.csv").read_text().splitlines()
    header, rows = text[0], text[1:]
    column = header.split(",").index("dwellings")
    # ten times the planned homes (past completions as they were: the trend already in the ratios)
    zeroed = [",".join(str(float(v) * 10) if i == column and ",planned," in r else v
                       for i, v in enumerate(r.split(","))) for r in rows]
    housing.with_name("housing_many.csv").write_text("\n".join([header, *zeroed]) + "\n")
    rel = housing.with_name("housing_many.csv").relative_to(folder).as_posix()
    raw = toy_copy.read_text()
    raw += f"\noptions:\n  many_homes:\n    description: ten times the homes\n    changes:\n      housing.table: {rel}\n"
    toy_copy.write_text(raw)
    result = compare(toy_copy, ["many_homes"], draws=50)
    summary = result.summary.set_index("option")
    assert summary.at["many_homes", "demand"] == "own"
    areas = result.detail[result.detail["level"] == "planning_area"]
    detail = areas.set_index(["option", "unit", "phase", "academic_year"])["demand_central"]
    assert (detail.loc["many_homes"] >= detail.loc["base"] - 1e-9).all()
    assert (detail.loc["many_homes"] > detail.loc["base"] + 1e-9).any()  # ten times the homes: more pupils


def test_appraisal_window_and_late_openings_are_stated(toy):
    """The window starts with the first academic year after the reference date; a project opening past it is flagged."""
    import dataclasses

    from placeplan.scenario.schema import Option

    config = toy.config.model_copy(update={"options": {
        "very_late": Option(description="South starts in 2040",
                            changes={"capital_projects.south_primary_expansion.start": "2040-01-01",
                                     "capital_projects.south_primary_expansion.planned_opening": "2041-09-01"})}})
    scenario = dataclasses.replace(toy, config=config)
    result = compare(scenario, ["very_late"], draws=50)
    summary = result.summary.set_index("option")
    as_at = toy.config.meta.as_at
    first = (as_at.year if as_at.month >= 9 else as_at.year - 1) + 1
    assert (summary["window_first_year"] == first).all()
    assert summary.at["very_late", "p_opens_after_window"] == 1.0
    assert summary.at["base", "p_opens_after_window"] < 1.0
    # its places never come within the window: it avoids nothing and ranks after the base (no cost saved either)
    assert summary.at["very_late", "window_unmet_primary"] >= summary.at["base", "window_unmet_primary"]
    assert summary.at["very_late", "rank"] > summary.at["base", "rank"] or summary.at["very_late", "avoided"] < 1


def test_temporary_places_meanwhile_are_costed_at_the_benchmark(toy):
    """Bridging each area's peak shortfall with temporary places, at DfE's temporary benchmark per place."""
    import dataclasses

    assert "window_temporary_cost_gbp_primary" not in compare(toy, [], draws=20).summary  # no benchmark, no figure
    rate = 10_000.0
    programme = toy.config.programme.model_copy(update={"benchmark_temporary_cost_per_place_gbp": {"primary": rate}})
    scenario = dataclasses.replace(toy, config=toy.config.model_copy(update={"programme": programme}))
    result = compare(scenario, [], draws=60)
    row = result.summary.set_index("option").loc["base"]
    detail = result.detail[(result.detail["phase"] == "primary") & (result.detail["level"] == "planning_area")
                           & (result.detail["academic_year"] >= row["window_first_year"])]
    peak_low = detail.groupby("unit")["places_needed_mean"].max().sum() * rate  # E[max] >= max E
    peak_high = np.ceil(detail.groupby("unit")["places_needed_p95"].max()).sum() * rate + 1e-6
    assert row["window_unmet_primary"] > 0
    assert peak_low - 1e-6 <= row["window_temporary_cost_gbp_primary"]
    assert row["temporary_places_cost_gbp"] == row["window_temporary_cost_gbp_primary"] + \
        row.get("window_temporary_cost_gbp_secondary", 0.0)
    assert row["window_temporary_cost_gbp_primary"] > 0 and peak_high > 0


def test_compare_counts_sub_areas_costs_and_residual_value(toy):
    """Sub-areas are judged beside planning areas; council cost, borrowing and residual value come per option; a
    what-if is set against the base, not ranked."""
    import dataclasses

    from placeplan.scenario.schema import Option

    config = toy.config.model_copy(update={"options": {
        "annex": Option(description="build the annex", changes={"capital_projects.oak_special_annex.status": "committed"}),
        "late": Option(description="what if South slips a year", kind="what_if",
                       changes={"capital_projects.south_primary_expansion.delay_months": 12})}})
    result = compare(dataclasses.replace(toy, config=config), draws=40)
    summary = result.summary.set_index("option")
    assert set(result.detail["level"]) == {"planning_area", "sub_area"}
    subs = result.detail[(result.detail["level"] == "sub_area") & (result.detail["option"] == "base")]
    window = subs[(subs["academic_year"] >= summary.at["base", "window_first_year"]) & (subs["phase"] == "secondary")]
    assert summary.at["base", "window_spare_place_years_secondary_sub_areas"] == pytest.approx(
        window["spare_places_mean"].sum())
    assert "window_unmet_secondary_sub_areas" in summary
    assert summary.at["late", "kind"] == "what_if" and np.isnan(summary.at["late", "rank"])
    assert summary.at["annex", "rank"] >= 1
    for option in summary.index:
        row = summary.loc[option]
        assert 0 <= row["council_residual_gbp_mean"] <= row["council_capital_cost_gbp_mean"] + 1e-6
        assert row["council_net_cost_gbp_mean"] == pytest.approx(row["council_capital_cost_gbp_mean"]
                                                                 - row["council_residual_gbp_mean"])
        assert row["borrowing_cost_gbp_mean"] <= row["council_capital_cost_gbp_mean"] + 1e-6
    # a year's slip opens South a year later, so more of its cost is still held at the window's end
    assert summary.at["late", "council_residual_gbp_mean"] >= summary.at["base", "council_residual_gbp_mean"]
    # the annex adds specialist places, which DfE's mainstream benchmarks do not cover: named, not costed at £0
    assert "specialist" in summary.at["annex", "benchmark_excludes"]
