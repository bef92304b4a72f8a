"""The whole projection: hand-made case, the toy council by hand, Monte Carlo determinism, tidy output."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import HEREFORDSHIRE
from hypothesis import given, settings
from hypothesis import strategies as st
from test_demand_support import hand_case, replace_table

from placeplan.demand import demand_cube, demand_inputs, phase_totals, project, to_tidy
from placeplan.demand.project import quantile_column

EXACT = dict(rtol=1e-12, atol=1e-9)  # "exactly", up to floating-point rounding


def test_hand_case_central_projection():
    result = project(hand_case())
    a, b = result.central_primary
    # A: R = 1 * births 2018 = 130, then 140; Y1-Y6 2023 = 1.1 * 121 = 133.1;
    #    2024: Y1 = 1.1 * 130 = 143, Y2-Y6 = 1.1 * 133.1 = 146.41
    np.testing.assert_allclose(a[:, 0], [130] + [133.1] * 6, **EXACT)
    np.testing.assert_allclose(a[:, 1], [140, 143] + [146.41] * 5, **EXACT)
    # B: R = 1.125 * 40 = 45, then 1.125 * 60 = 67.5; Y1-Y6 stay 50 (2024 Y1 = 45)
    np.testing.assert_allclose(b[:, 0], [45] + [50] * 6, **EXACT)
    np.testing.assert_allclose(b[:, 1], [67.5, 45] + [50] * 5, **EXACT)
    s = result.central_secondary[0]
    # 2023: Y7 = 0.5 * (121 + 50) = 85.5; Y8-Y11 carry 80, 75, 70, 60; Y12 = 5/12 * 60 = 25; Y13 = 0.9 * 20 = 18
    np.testing.assert_allclose(s[:, 0], [85.5, 80, 75, 70, 60, 25, 18], **EXACT)
    # 2024: Y7 = 0.5 * (133.1 + 50) = 91.55; Y8-Y11 = 85.5, 80, 75, 70; Y12 = 5/12 * 60 = 25; Y13 = 0.9 * 25
    np.testing.assert_allclose(s[:, 1], [91.55, 85.5, 80, 75, 70, 25, 22.5], **EXACT)
    assert result.deterministic and result.draws == 1
    np.testing.assert_array_equal(result.primary[0], result.central_primary)


def test_toy_council_central_projection_by_hand(toy):
    inputs = demand_inputs(toy)
    result = project(inputs)
    np.testing.assert_array_equal(result.years, np.arange(2023, 2031))
    # Reception ratios: 40 / (0.4 * 100) = 1 and 62 / (0.6 * 100) = 62/60; progression 40/40 = 62/62 = 1.
    # Births stay 100, so Reception = 1 * 40 = 40 and 62/60 * 60 = 62, and every year group stays.
    np.testing.assert_allclose(result.central_primary[0], 40.0, **EXACT)
    np.testing.assert_allclose(result.central_primary[1], 62.0, **EXACT)
    # Y7 = (230 / (40 + 62)) * (40 + 62) = 230; Y8-Y11 230; Y12 = (80/230) * 230 = 80; Y13 = 80/80 * 80
    expected = np.array([230, 230, 230, 230, 230, 80, 80], dtype=float)[:, None]
    np.testing.assert_allclose(result.central_secondary[0], np.broadcast_to(expected, (7, 8)), **EXACT)
    # housing: 10 homes a year in 8881001 in the window (2020-2022) and after -> no extra pupils
    assert np.abs(result.housing_primary).max() == 0 and np.abs(result.housing_secondary).max() == 0


def test_toy_council_with_a_housing_jump(toy):
    housing = toy.tables["housing"].copy()
    housing.loc[(housing["planning_area"] == "8881001") & (housing["academic_year"] == 2025), "dwellings"] = 30.0
    result = project(demand_inputs(replace_table(toy, "housing", housing)))
    # 20 homes above the window rate of 10, completed 2025: 10 counted in 2026, 20 from 2027 on.
    # Primary 0.25 / 7 per year group per home; secondary 0.15 / 5; sixth form 0.02 / 2.
    stock = np.array([0, 0, 0, 10, 20, 20, 20, 20])  # 2023 ... 2030
    np.testing.assert_allclose(result.central_primary[0], 40 + np.tile(stock * 0.25 / 7, (7, 1)), **EXACT)
    np.testing.assert_allclose(result.central_primary[1], 62.0, **EXACT)
    base = np.array([230, 230, 230, 230, 230, 80, 80], dtype=float)[:, None]
    per_home = np.array([0.03] * 5 + [0.01] * 2)[:, None]  # 0.15 / 5 and 0.02 / 2
    np.testing.assert_allclose(result.central_secondary[0], base + per_home * stock, **EXACT)


def test_toy_council_with_a_birth_bulge(toy):
    births = toy.tables["births"].copy()
    births.loc[births["birth_year"] == 2020, "births"] = 150.0  # enters Reception in 2025
    result = project(demand_inputs(replace_table(toy, "births", births)))
    # 2025 Reception: 1 * 0.4 * 150 = 60 and 62/60 * 0.6 * 150 = 93; the cohort then moves up a
    # year group a year (ratios 1) and reaches Year 5 in 2030 (no secondary effect by 2030).
    expected_1 = np.full((7, 8), 40.0)
    expected_2 = np.full((7, 8), 62.0)
    for g in range(6):
        expected_1[g, 2 + g] = 60.0
        expected_2[g, 2 + g] = 93.0
    np.testing.assert_allclose(result.central_primary[0], expected_1, **EXACT)
    np.testing.assert_allclose(result.central_primary[1], expected_2, **EXACT)
    np.testing.assert_allclose(result.central_secondary[0, 0], 230.0, **EXACT)


def test_same_seed_same_numbers_different_seed_different(toy):
    inputs = demand_inputs(toy)
    first = project(inputs, draws=300, rng=np.random.default_rng(7))
    again = project(inputs, draws=300, rng=np.random.default_rng(7))
    other = project(inputs, draws=300, rng=np.random.default_rng(8))
    assert np.array_equal(first.primary, again.primary) and np.array_equal(first.secondary, again.secondary)
    assert not np.array_equal(first.primary, other.primary)
    assert first.primary.shape == (300, 2, 7, 8) and first.secondary.shape == (300, 1, 7, 8)
    # an int seed is accepted too, and gives the same numbers as default_rng(seed)
    assert np.array_equal(project(inputs, draws=300, rng=7).primary, first.primary)


def test_monte_carlo_has_no_spread_where_nothing_is_uncertain(toy):
    housing = toy.tables["housing"].iloc[:0]  # no homes at all
    result = project(demand_inputs(replace_table(toy, "housing", housing)), draws=200, rng=np.random.default_rng(1))
    # constant history: every ratio residual is 0; births 2018-2021 are actual -> Reception 2023-2026 exact
    early = result.primary[:, :, :, :4]
    np.testing.assert_allclose(early, np.broadcast_to(result.central_primary[..., :4], early.shape), **EXACT)
    # births from 2022 on are projected: the Reception fan widens (2.5% a year beyond 2021)
    reception_2030 = result.primary[:, 0, 0, 7]  # born 2025: 4 years beyond 2021 -> sd 10%
    assert 0.07 < reception_2030.std() / 40 < 0.13
    assert result.central_primary[0, 0, 7] == pytest.approx(40.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), bump=st.floats(0.0, 2.0))
def test_draws_are_finite_non_negative_and_rise_with_births(seed, bump):
    rng = np.random.default_rng(seed)
    base = hand_case()
    primary = base.primary_nor * rng.uniform(0.5, 1.5, base.primary_nor.shape)
    secondary = base.secondary_nor * rng.uniform(0.5, 1.5, base.secondary_nor.shape)
    dwellings = rng.uniform(0, 40, (2, 4))
    noisy = hand_case(primary_nor=primary, secondary_nor=secondary, dwellings=dwellings,
                      housing_years=np.arange(2021, 2025), yields_low=(0.2, 0.1, 0.01), yields_high=(0.3, 0.2, 0.04),
                      births_kind=("actual",) * 3 + ("projected",) * 2)
    more_births = np.array(noisy.births)
    more_births[:, 3:] *= 1 + bump
    low = project(noisy, draws=64, rng=np.random.default_rng(seed))
    high = project(dataclasses.replace(noisy, births=more_births), draws=64, rng=np.random.default_rng(seed))
    for array in (low.primary, low.secondary):
        assert np.isfinite(array).all() and (array >= 0).all()
    # same seed, more births: never fewer pupils in any draw, cell or year
    assert (high.primary >= low.primary).all() and (high.secondary >= low.secondary).all()


def test_central_projection_refuses_draws_without_a_generator(toy):
    inputs = demand_inputs(toy)
    with pytest.raises(ValueError, match="one draw"):
        project(inputs, draws=10)
    with pytest.raises(ValueError, match="Generator"):
        project(inputs, deterministic=False)


def test_tidy_table(toy):
    result = project(demand_inputs(toy), draws=50, rng=np.random.default_rng(3))
    table = to_tidy(result, (0.05, 0.5, 0.95))
    assert list(table.columns) == ["planning_area", "phase", "ncy", "academic_year", "central", "p05", "p50",
                                   "p95", "mean", "range_note"]
    assert len(table) == (2 * 7 + 1 * 7) * 8  # (primary areas x NCY 0-6 + secondary x NCY 7-13) x years
    assert set(table.loc[table["ncy"] >= 12, "phase"]) == {"sixth_form"}
    assert set(table.loc[table["ncy"].between(7, 11), "phase"]) == {"secondary"}
    assert table["academic_year"].min() == 2023 and table["academic_year"].max() == 2030
    row = table[(table["planning_area"] == "8881002") & (table["ncy"] == 3) & (table["academic_year"] == 2024)]
    assert row["central"].item() == pytest.approx(62.0)
    assert (table["p05"] <= table["p50"]).all() and (table["p50"] <= table["p95"]).all()
    central_only = to_tidy(project(demand_inputs(toy)), (0.1,))
    assert list(central_only.columns)[-3:] == ["p10", "mean", "range_note"]
    pd.testing.assert_series_equal(central_only["p10"], central_only["central"], check_names=False)


def test_quantile_column_names():
    assert [quantile_column(q) for q in (0.05, 0.5, 0.95, 0.975, 0.1)] == ["p05", "p50", "p95", "p97.5", "p10"]


def test_phase_totals(toy):
    totals = phase_totals(project(demand_inputs(toy)), central=True)
    # primary 7 * (40 + 62) = 714; secondary 5 * 230 = 1150; sixth form 2 * 80 = 160
    np.testing.assert_allclose(totals["primary"], 714.0)
    np.testing.assert_allclose(totals["secondary"], 1150.0)
    np.testing.assert_allclose(totals["sixth_form"], 160.0)


def test_demand_cube_puts_every_area_on_one_axis(toy):
    result = project(demand_inputs(toy), draws=20, rng=np.random.default_rng(0))
    areas, cube = demand_cube(result)
    assert areas == ("8881001", "8881002", "8880001")
    assert cube.shape == (20, 3, 14, 8)
    np.testing.assert_array_equal(cube[:, :2, :7], result.primary)
    np.testing.assert_array_equal(cube[:, 2:, 7:], result.secondary)
    assert (cube[:, :2, 7:] == 0).all() and (cube[:, 2:, :7] == 0).all()
    _, central = demand_cube(result, central=True)
    # toy central: 40 and 62 in every primary year group, 230 / 80 in the secondary area
    assert central.shape == (1, 3, 14, 8)
    assert central[0, 1, 3, 5] == pytest.approx(62.0) and central[0, 2, 12, 0] == pytest.approx(80.0)


@pytest.mark.skipif(not (HEREFORDSHIRE.parent / "herefordshire" / "pupils.csv").is_file(),
                    reason="Herefordshire tables not built")
def test_herefordshire_projects():
    from placeplan import load_scenario

    scenario = load_scenario(HEREFORDSHIRE)
    inputs = demand_inputs(scenario)
    result = project(inputs, draws=500, rng=np.random.default_rng(scenario.config.meta.seed))
    for array in (result.primary, result.secondary, result.central_primary, result.central_secondary):
        assert np.isfinite(array).all() and (array >= 0).all()
    totals = phase_totals(result)
    central = phase_totals(result, central=True)
    # the central projection lies inside the 5-95% band of the draws in every year
    for phase in ("primary", "secondary"):
        low, high = np.quantile(totals[phase], [0.05, 0.95], axis=0)
        assert (low <= central[phase]).all() and (central[phase] <= high).all()
