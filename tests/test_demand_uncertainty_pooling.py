"""Ratio uncertainty: out-of-sample forecast errors, pooling across areas, the county-wide component."""

from types import SimpleNamespace

import numpy as np
import pytest

from placeplan.demand.ratios import ratio_residuals
from placeplan.demand.uncertainty import residual_pool, split_common

POLICY = SimpleNamespace(ratio_window=2, ratio_method="mean", ratio_weights=None, smoothing_alpha=0.5)


def test_forecast_errors_are_out_of_sample():
    # Ratios 1.0, 1.2, 0.8, 1.1: with a 2-year mean, the errors are 0.8 - 1.1 = -0.3 and 1.1 - 1.0 = 0.1.
    history = np.array([[1.0, 1.2, 0.8, 1.1]])
    errors = ratio_residuals(history, 2, scope="forecast")
    assert np.isnan(errors[0, :2]).all()
    assert errors[0, 2:] == pytest.approx([-0.3, 0.1])


def test_pooling_rescales_by_cohort_size():
    # Area 0 (cohort 100) had errors -0.3, 0.1; area 1 (cohort 400) had none usable.
    history = np.full((2, 7, 4), np.nan)
    history[0, 0] = [1.0, 1.2, 0.8, 1.1]
    sizes = np.array([[100.0] * 7, [400.0] * 7])
    pool = residual_pool(history, POLICY, "forecast", sizes)
    draws = pool.sample(4000, np.random.default_rng(0))
    # Area 1 borrows area 0's errors, halved (sqrt(100 / 400)).
    assert set(np.round(np.unique(draws[:, 1, 0]), 6)) == {-0.15, 0.05}
    assert set(np.round(np.unique(draws[:, 0, 0]), 6)) == {-0.3, 0.1}


def test_county_component_keeps_each_year_together():
    # Two areas whose errors move together: year 2 both -0.2, year 3 both +0.1.
    history = np.full((2, 7, 4), 1.0)
    history[:, 0] = [1.0, 1.0, 0.8, 1.0]
    history[:, 0, 3] = 1.0 + (0.1 + 0.9)  # 2.0 - mean(1.0, 0.8) = 1.1 error, the same in both areas
    pool = residual_pool(history, POLICY, "forecast")
    shocks = pool.sample_years(500, np.random.default_rng(1))
    assert np.array_equal(shocks[:, 0, 0], shocks[:, 1, 0])  # the same past year in both areas
    assert set(np.round(np.unique(shocks[:, 0, 0]), 6)) == {-0.2, 1.1}


def test_split_common_by_hand():
    # Two areas, ratio level 1.0 and 2.0, cohorts 100 and 300. One year's errors: +0.1 and +0.4,
    # i.e. +10% and +20% of the ratio. County-wide relative error = (100 * 10% + 300 * 20%) / 400
    # = 17.5%: common part 0.175 and 0.35; own deviations -0.075 and +0.05.
    history = np.array([[[1.0, 1.0]], [[2.0, 2.0]]])  # (area, slot, year)
    residuals = np.array([[[np.nan, 0.1]], [[np.nan, 0.4]]])
    common, own = split_common(history, residuals, np.array([[100.0], [300.0]]))
    assert common[:, 0, 1] == pytest.approx([0.175, 0.35])
    assert own[:, 0, 1] == pytest.approx([-0.075, 0.05])
    assert np.isnan(common[:, 0, 0]).all() and np.isnan(own[:, 0, 0]).all()
    assert common + own == pytest.approx(residuals, nan_ok=True)


def test_pool_with_common_part_counts_no_error_twice():
    # Both areas err by exactly the same share each year: all of it is county-wide, none is the
    # areas' own, so the per-area draws are zero and the yearly draws carry the whole error.
    history = np.full((2, 7, 4), 1.0)
    history[:, 0] = [1.0, 1.0, 0.8, 1.0]
    sizes = np.full((2, 7), 100.0)
    pool = residual_pool(history, POLICY, "forecast", sizes, common=True)
    rng = np.random.default_rng(2)
    assert np.allclose(pool.sample(200, rng)[:, :, 0], 0.0)
    assert set(np.round(np.unique(pool.sample_years(500, rng)[:, 0, 0]), 6)) == {-0.2, 0.1}
