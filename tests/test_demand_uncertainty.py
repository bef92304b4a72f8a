"""Monte Carlo components: residual bootstrap, births, delivery and yields."""

from __future__ import annotations

import numpy as np
import pytest

from placeplan.demand.uncertainty import draw_births, draw_delivery, draw_yields, residual_pool, triangular
from placeplan.scenario.schema import Policy


def test_residual_pool_resamples_only_usable_years_and_rescales():
    history = np.full((1, 7, 3), np.nan)
    history[0, 1] = [1.0, 2.0, 3.0]  # mean 2, deviations -1, 0, 1
    history[0, 2] = [np.nan, 4.0, 4.0]  # deviations 0, 0
    history[0, 3] = [np.nan, np.nan, 5.0]  # one year: no spread
    pool = residual_pool(history, Policy(ratio_window=3))
    np.testing.assert_array_equal(pool.counts[0, :4], [0, 3, 2, 1])
    sample = pool.sample(5000, np.random.default_rng(0))
    assert sample.shape == (5000, 1, 7)
    # slot 1: residuals x sqrt(3 / 2)
    scale = np.sqrt(3 / 2)
    assert set(np.round(sample[:, 0, 1] / scale, 12)) == {-1.0, 0.0, 1.0}
    assert (sample[:, 0, [0, 2, 3, 4, 5, 6]] == 0).all()


def test_triangular_inverse_cdf():
    # u = 0 -> low, u = 1 -> high, u at the mode's probability -> mode; degenerate -> the point
    assert triangular(np.array(0.0), 0.6, 1.0, 1.1) == pytest.approx(0.6)
    assert triangular(np.array(1.0), 0.6, 1.0, 1.1) == pytest.approx(1.1)
    assert triangular(np.array(0.4 / 0.5), 0.6, 1.0, 1.1) == pytest.approx(1.0)
    assert triangular(np.array(0.3), 0.2, 0.2, 0.2) == 0.2
    values = triangular(np.random.default_rng(0).random(200_000), 0.6, 1.0, 1.1)
    assert values.mean() == pytest.approx((0.6 + 1.0 + 1.1) / 3, abs=2e-3)


def test_births_draws():
    births = np.array([[100.0] * 5, [300.0] * 5])
    sd = np.zeros_like(births)
    sd[:, 1] = [5.0, 15.0]  # a nowcast interval
    kinds = ("actual", "nowcast", "projected", "projected", "projected")
    drawn = draw_births(births, sd, kinds, 40_000, np.random.default_rng(2), rate=0.025, cap=0.04)
    assert drawn.shape == (40_000, 2, 5)
    assert (drawn[:, :, 0] == births[:, 0]).all()  # actual: exact
    assert drawn[:, 0, 1].std() == pytest.approx(5.0, rel=0.03)
    # one factor per draw and birth year: the areas move together
    assert np.corrcoef(drawn[:, 0, 1], drawn[:, 1, 1])[0, 1] > 0.999
    # projected: relative sd 2.5% one year beyond the nowcast, 5% two years -> capped at 4%, 4%
    relative = drawn[:, 0, 2:] / 100 - 1
    np.testing.assert_allclose(relative.std(axis=0), [0.025, 0.04, 0.04], rtol=0.03)
    # random walk: consecutive projected cohorts k, k + 1 correlate k / (k + 1): 1/2, then 2/3
    assert np.corrcoef(relative[:, 0], relative[:, 1])[0, 1] == pytest.approx(1 / 2, abs=0.02)
    assert np.corrcoef(relative[:, 1], relative[:, 2])[0, 1] == pytest.approx(2 / 3, abs=0.02)


def test_delivery_and_yield_draws():
    rng = np.random.default_rng(4)
    delivery = draw_delivery(0.74, 10_000, rng)
    assert delivery.min() >= 0.74 * 0.75 and delivery.max() <= 0.74 * 1.3
    assert delivery.mean() == pytest.approx(0.74 * (0.75 + 1.0 + 1.3) / 3, rel=0.01)
    yields = draw_yields(np.array([0.25, 0.15, 0.02]), np.array([0.2, 0.1, 0.01]), np.array([0.3, 0.2, 0.04]),
                         10_000, rng)
    assert yields.shape == (10_000, 3)
    assert (yields >= [0.2, 0.1, 0.01]).all() and (yields <= [0.3, 0.2, 0.04]).all()


def test_same_generator_state_same_draws():
    births = np.full((2, 4), 100.0)
    args = (births, np.zeros_like(births), ("actual", "projected", "projected", "projected"), 100)
    first = draw_births(*args, np.random.default_rng(11))
    assert np.array_equal(first, draw_births(*args, np.random.default_rng(11)))
    assert not np.array_equal(first, draw_births(*args, np.random.default_rng(12)))
