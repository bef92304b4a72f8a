"""Named housing sites (the ``housing_sites`` table): summed into the area trajectories without double counting,
validated, reported in two sentences, and filling the SCAP return's developer-contribution places."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from placeplan import load_scenario
from placeplan.demand import extra_pupils
from placeplan.demand.inputs import demand_inputs
from placeplan.errors import ScenarioError

from conftest import TOY

HEADER = ("site,name,planning_area,school_id,academic_year,dwellings,tenure,dwelling_type,contribution,"
          "contribution_gbp,funded_primary_places,funded_secondary_places,secondary_planning_area,source\n")
NORTH, SOUTH = "8881001", "8881002"  # toy: North has 10 homes a year (actual to 2022, planned after); South none
PRIMARY_YIELD = 0.25  # toy_council/pupil_yields.csv [pupils per dwelling]


def _sites(toy_copy: Path, rows: str) -> Path:
    path = toy_copy.parent / "toy_council" / "sites_test.csv"
    path.write_text(HEADER + rows)
    return path


def _housing_pupils(path: Path, sites: bool, factor: float) -> tuple[np.ndarray, object]:
    sets = [("housing.delivery_factor", factor)] + ([("housing.sites", "toy_council/sites_test.csv")] if sites else [])
    inputs = demand_inputs(load_scenario(path, sets=sets))
    primary, _, _ = extra_pupils(inputs, np.array([inputs.delivery_factor]), inputs.yields[None])
    return primary[0], inputs  # (primary area, year): pupils in EACH of NCY 0-6


def test_a_site_adds_homes_times_delivery_factor_times_yield(toy_copy: Path):
    """N homes in year Y add N x factor x yield pupils from Y+2 (half in Y+1), above what the area had.

    South has no trajectory (past rate 0), so all 40 homes count. North's 2023 row is planned at its past
    rate (10 a year): with a factor of 1.5 the background already counts 15 - 10 = 5, and the site's 20 homes
    add exactly 20 x 1.5 more. A North site row in 2022, an actual year, adds nothing (already counted).
    """
    _sites(toy_copy, "H1,Hill Farm,8881002,,2024,40,,,,,,,,test\n"
                     "H2,Mill Lane,,100001,2023,20,,,,,,,,test\n"
                     "H2,Mill Lane,,100001,2022,7,,,,,,,,test\n")
    factor = 1.5
    with_sites, inputs = _housing_pupils(toy_copy, True, factor)
    without, _ = _housing_pupils(toy_copy, False, factor)
    added = (with_sites - without) * 7  # all primary year groups [pupils]
    years = list(inputs.years)
    south, north = inputs.primary_areas.index(SOUTH), inputs.primary_areas.index(NORTH)
    assert added[south, years.index(2024)] == pytest.approx(0.0)
    assert added[south, years.index(2025)] == pytest.approx(40 * factor * PRIMARY_YIELD * 0.5)  # 7.5 pupils
    assert added[south, years.index(2030)] == pytest.approx(40 * factor * PRIMARY_YIELD)  # 15 pupils
    assert added[north, years.index(2024)] == pytest.approx(20 * factor * PRIMARY_YIELD * 0.5)
    assert added[north, years.index(2030)] == pytest.approx(20 * factor * PRIMARY_YIELD)  # not 27 homes' worth
    hy = list(inputs.housing_years)
    assert inputs.dwellings[north, hy.index(2022)] == 10.0 and not inputs.planned[north, hy.index(2022)]
    assert inputs.dwellings[north, hy.index(2023)] == 30.0 and inputs.planned[south, hy.index(2024)]


def test_site_problems_are_named_by_file_and_row(toy_copy: Path):
    _sites(toy_copy, "A,,9999999,,2024,10,,,,,,,,x\n"        # row 2: unknown area
                     "B,,8880001,,2024,10,,,,,,,,x\n"        # row 3: a secondary area
                     "C,,,999999,2024,10,,,,,,,,x\n"         # row 4: unknown school
                     "D,,,200001,2024,10,,,,,,,,x\n"         # row 5: a school without a primary area
                     "E,,8881001,100001,2024,10,,,,,,,,x\n"  # row 6: both
                     "F,,,,2024,10,,,,,,,,x\n"               # row 7: neither
                     "G,,8881001,,2024,-5,,,,,,,,x\n"        # row 8: negative dwellings
                     "G,,8881002,,2025,5,,,,,,,,x\n"         # row 9: G in a second area
                     "H,,8881001,,2024,5,,,,,,,,x\n"         # rows 10-11: duplicate site/year
                     "H,,8881001,,2024,6,,,,,,,,x\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(toy_copy, sets=[("housing.sites", "toy_council/sites_test.csv")])
    found = {(p.where, p.message.split(" (")[0]) for p in caught.value.problems
             if p.file.endswith("sites_test.csv")}
    text = "\n".join(f"{w}: {m}" for w, m in sorted(found))
    for where, start in [("row 2, column planning_area", "unknown planning area '9999999'"),
                         ("row 3, column planning_area", "unknown planning area '8880001': a secondary planning area"),
                         ("row 4, column school_id", "unknown school '999999'"),
                         ("row 5, column school_id", "school '200001' has no primary_planning_area"),
                         ("row 6, column school_id", "site 'E' gives both planning_area"),
                         ("row 7, column planning_area", "site 'F' has neither planning_area nor school_id"),
                         ("row 8, column dwellings", "negative count -5"),
                         ("row 9, column planning_area", "site 'G' is in '8881002' here but in '8881001' at row 8"),
                         ("rows 10, 11", "duplicate site=H, academic_year=2024")]:
        assert any(w == where and m.startswith(start) for w, m in found), f"{where}: {start}\n{text}"


@pytest.fixture(scope="module")
def site_run():
    """The toy council with its two named sites (override with_sites), a short run."""
    import placeplan

    return placeplan.run(TOY, scenario_name="with_sites", draws=20, backtest=False)


def test_scap_hdc_places_come_from_the_sites_contributions(site_run):
    from placeplan.outputs.scap import scap_return

    forecasts = scap_return(site_run).tables["pupil_forecasts"].set_index(
        ["planning_area_code", "academic_year"])
    years = sorted(set(forecasts.index.get_level_values(1)))
    # TS-1 (South) funds 30 primary places from 2024/25; TS-2 (Mill Lane, North Primary's catchment) funds 10
    # secondary places from 2023/24, in the only secondary area: every forecast year is later than both.
    assert [int(forecasts.at[(SOUTH, y), "hdc_places"]) for y in years if (SOUTH, y) in forecasts.index] == [30] * 5
    assert all(int(forecasts.at[(NORTH, y), "hdc_places"]) == 0 for y in years if (NORTH, y) in forecasts.index)
    secondary = forecasts.loc["8880001"]
    assert set(secondary["hdc_places"].astype(int)) == {10}
    assert "site TS-1 Meadow Farm (S106 £600,000)" in forecasts.at[(SOUTH, years[0]), "housing_places_note"]
    assert "site TS-2 Mill Lane (CIL £150,000)" in secondary["housing_places_note"].iloc[0]


def test_the_two_sentences_state_the_run_s_numbers(site_run):
    from placeplan.outputs.housing_text import housing_account, housing_sentences

    account = housing_account(site_run)
    # Past rate 10 a year (North only). 2022/23-2030/31: actual 10 (North 2022; TS-2's 5 that year not added);
    # planned North 8 x 10 + TS-2's 20, South TS-1's 30 + 30 = 160. Above each area's rate: North 2023 +20,
    # South 60 -> 80 homes; 80 x (0.25 + 0.15 + 0.02) = 33.6 pupils once built up (by 2030/31).
    assert (account.past_rate, account.planned, account.actual, account.counted) == (10.0, 160.0, 10.0, 80.0)
    assert (account.site_dwellings, account.sites, account.site_actual) == (80.0, 2, 5.0)
    assert account.pupils == pytest.approx(80 * (0.25 + 0.15 + 0.02))
    netting, delivery = housing_sentences(site_run)
    assert netting.startswith("Trend growth is netted out") and "80 of the 170 homes" in netting
    assert "(these include 80 on 2 named sites; 5 site homes in years of recorded actual" in netting and "34 more pupils by 2030/31" in netting
    assert delivery.startswith("A delivery factor of 1 scales the planned trajectory")
    assert "160 planned homes in 2022/23 to 2030/31 count as 160" in delivery


def test_the_sentences_are_in_the_console_summary_and_the_report(site_run):
    from placeplan.outputs.console import print_sufficiency
    from placeplan.outputs.housing_text import housing_sentences
    from placeplan.outputs.report import render_report_html

    console = Console(record=True, width=200)
    print_sufficiency(console, site_run)
    printed = " ".join(console.export_text().split())
    page = html.unescape(" ".join(render_report_html(site_run).split()))
    for sentence in housing_sentences(site_run):
        assert sentence in printed
        assert sentence in page
    assert "Meadow Farm (TS-1, 8881002): 60 homes, £600,000 education contribution" in page
    assert "Mill Lane (TS-2, 8881001): 25 homes (20 added), £150,000 education contribution" in page
