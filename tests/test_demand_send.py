"""Specialist (SEND) demand: population x prevalence x specialist share, each trended."""

from __future__ import annotations

import numpy as np
import pytest

from placeplan.demand.send import linear_trend, specialist_demand, trended_rate


def test_linear_trend():
    # slope of 1, 2, 3, 4 is 1; of 0.02, 0.025, 0.03 is 0.005
    assert linear_trend(np.array([1.0, 2.0, 3.0, 4.0]), 4) == pytest.approx(1.0)
    assert linear_trend(np.array([9.0, 0.02, 0.025, 0.03]), 3) == pytest.approx(0.005)
    # missing years are skipped: (0, 1), (2, 5) -> slope 2
    assert linear_trend(np.array([1.0, np.nan, 5.0]), 3) == pytest.approx(2.0)
    assert linear_trend(np.array([np.nan, 7.0]), 2) == 0.0


def test_trended_rate_straight_and_damped():
    history = np.array([0.02, 0.025, 0.03])
    # from the last value 0.03: +0.005 a year
    np.testing.assert_allclose(trended_rate(history, np.array([1, 2]), window=3), [0.035, 0.04])
    # damped phi = 0.5: 0.03 + 0.005 * 0.5 = 0.0325; 0.03 + 0.005 * (0.5 + 0.25) = 0.03375
    np.testing.assert_allclose(trended_rate(history, np.array([1, 2]), window=3, damping=0.5), [0.0325, 0.03375])
    # years the history covers read it: step 0 -> 0.03, step -1 -> 0.025
    np.testing.assert_allclose(trended_rate(history, np.array([-1, 0, 1]), window=3), [0.025, 0.03, 0.035])
    # bounded: a falling share stops at 0
    assert trended_rate(np.array([0.3, 0.2, 0.1]), np.array([5]), window=3)[0] == 0.0
    with pytest.raises(ValueError, match="damping"):
        trended_rate(history, np.array([1]), damping=1.5)


def test_specialist_demand_by_hand():
    pupils = np.array([[1000.0, 1000.0], [1200.0, 1100.0]])  # (draw, year)
    prevalence = np.array([0.02, 0.025, 0.03])
    share = np.array([0.4, 0.4, 0.4])
    out = specialist_demand(pupils, prevalence, share, window=3)
    # prevalence 0.035, 0.04; share 0.4: 1000 * 0.035 * 0.4 = 14, 1000 * 0.04 * 0.4 = 16;
    # 1200 * 0.035 * 0.4 = 16.8, 1100 * 0.04 * 0.4 = 17.6
    np.testing.assert_allclose(out, [[14.0, 16.0], [16.8, 17.6]])


def test_specialist_demand_by_phase():
    pupils = np.array([[[1000.0, 1000.0], [500.0, 500.0]]])  # (draw, phase, year)
    prevalence = np.array([[0.02, 0.025, 0.03], [0.04, 0.04, 0.04]])  # (phase, history year)
    share = np.array([[0.4, 0.4, 0.4], [0.5, 0.55, 0.6]])
    out = specialist_demand(pupils, prevalence, share, window=3)
    # primary as above: 14, 16; secondary: 500 * 0.04 * 0.65 = 13, 500 * 0.04 * 0.7 = 14
    np.testing.assert_allclose(out, [[[14.0, 16.0], [13.0, 14.0]]])
    with pytest.raises(ValueError, match="steps"):
        specialist_demand(pupils, prevalence, share, steps=np.array([1]))
