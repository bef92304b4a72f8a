"""Pupils from new homes: the double-counting rule, the build-up profile and the yields."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_demand_support import hand_case

from placeplan.demand.housing import (build_up_matrix, excess_completions, extra_pupils, housing_pupils,
                                      window_mean_completions)
from placeplan.demand.project import project

YEARS = np.arange(2021, 2025)  # housing years: window 2021-2022, projection 2023-2024


def test_window_mean_uses_the_ratio_window_years():
    dwellings = np.array([[99.0, 10.0, 20.0, 43.0]])  # 2020 is outside a 2-year window
    years = np.arange(2020, 2024)
    # (10 + 20) / 2 = 15
    assert window_mean_completions(dwellings, years, 2022, 2) == pytest.approx([15.0])


def test_only_completions_above_the_window_rate_count():
    dwellings = np.array([[10.0, 20.0, 43.0, 15.0], [5.0, 5.0, 1.0, 9.0]])
    planned = np.array([[False, False, True, True]] * 2)
    excess, completion_years = excess_completions(dwellings, planned, YEARS, 2022, 2, np.array([1.0, 0.5]), 2024)
    np.testing.assert_array_equal(completion_years, [2022, 2023, 2024])
    # area A, mean 15: 2022 actual 20 -> 5; 2023 planned 43 -> 28; 2024: 15 -> 0
    np.testing.assert_allclose(excess[0, 0], [5, 28, 0])
    # area B, mean 5: 5 -> 0; 1 -> 0 (floored, not negative); 9 -> 4
    np.testing.assert_allclose(excess[0, 1], [0, 0, 4])
    # delivery 0.5 applies to planned rows only: 2022 actual 20 -> 5; 43 * 0.5 = 21.5 -> 6.5; 7.5 -> 0
    np.testing.assert_allclose(excess[1, 0], [5, 6.5, 0])


def test_build_up_is_half_then_full_and_permanent():
    matrix = build_up_matrix(np.array([2022, 2023, 2024]), np.array([2023, 2024, 2025]))
    # completed 2022: 50% in 2023, 100% after; completed 2023: 0, 50%, 100%; 2024: 0, 0, 50%
    np.testing.assert_allclose(matrix, [[0.5, 1, 1], [0, 0.5, 1], [0, 0, 0.5]])


def test_yields_are_spread_over_the_year_groups():
    stock = np.array([[[2.5, 19.0]]])  # (draw, area, year)
    primary, secondary, sixth = housing_pupils(stock, np.array([[0.28, 0.15, 0.02]]), np.array([[1.0]]))
    # primary 0.28 / 7 = 0.04 per year group: 0.1, 0.76; secondary 0.15 / 5 = 0.03: 0.075, 0.57;
    # sixth form 0.02 / 2 = 0.01: 0.025, 0.19
    np.testing.assert_allclose(primary[0, 0], [0.1, 0.76])
    np.testing.assert_allclose(secondary[0, 0], [0.075, 0.57])
    np.testing.assert_allclose(sixth[0, 0], [0.025, 0.19])


def test_secondary_pupils_follow_the_mapping():
    stock = np.array([[[10.0], [20.0]]])  # two primary areas
    share = np.array([[1.0, 0.0], [0.5, 0.5]])
    _, secondary, _ = housing_pupils(stock, np.array([[0.0, 0.5, 0.0]]), share)
    # S0: (10 + 0.5 * 20) * 0.5 / 5 = 2; S1: 0.5 * 20 * 0.5 / 5 = 1
    np.testing.assert_allclose(secondary[0, :, 0], [2.0, 1.0])


def test_hand_case_projection_with_housing():
    dwellings = np.array([[10.0, 20.0, 43.0, 15.0], [0.0, 0.0, 0.0, 0.0]])
    inputs = hand_case(dwellings=dwellings, housing_years=YEARS)
    without = project(hand_case())
    result = project(inputs)
    # stock of excess homes in A: 2023: 0.5 * 5 = 2.5; 2024: 5 + 0.5 * 28 = 19 (as above)
    extra_p = result.central_primary - without.central_primary
    np.testing.assert_allclose(extra_p[0], np.tile([0.1, 0.76], (7, 1)), atol=1e-12)
    np.testing.assert_allclose(extra_p[1], 0.0, atol=1e-12)
    extra_s = result.central_secondary - without.central_secondary
    np.testing.assert_allclose(extra_s[0], [[0.075, 0.57]] * 5 + [[0.025, 0.19]] * 2, atol=1e-12)
    np.testing.assert_allclose(result.housing_primary, extra_p, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(0.0, 500.0), window=st.integers(1, 2))
def test_a_trajectory_at_the_past_rate_adds_nothing(rate, window):
    inputs = hand_case(dwellings=np.full((2, 4), rate), housing_years=YEARS, window=window)
    primary, secondary, sixth = extra_pupils(inputs, np.array([1.0]), inputs.yields[None])
    assert np.abs(primary).max() < 1e-9 * max(rate, 1)
    assert np.abs(secondary).max() < 1e-9 * max(rate, 1)
    assert np.abs(sixth).max() < 1e-9 * max(rate, 1)
