"""Averaging ratios over the window: the one code path every projection ratio uses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placeplan.demand.ratios import average_ratios, ratio_residuals, safe_ratio, window_weights


def test_mean_of_last_window_years():
    history = np.array([[9.0, 1.0, 2.0, 6.0]])
    # last 3 years: (1 + 2 + 6) / 3 = 3
    assert average_ratios(history, 3, "mean") == pytest.approx([3.0])


def test_weighted_mean_weights_are_most_recent_first():
    history = np.array([1.0, 2.0, 6.0])  # oldest first
    # weights 3, 2, 1 most recent first: (3*6 + 2*2 + 1*1) / 6 = 23 / 6
    assert average_ratios(history, 3, "weighted_mean", weights=(3, 2, 1)) == pytest.approx(23 / 6)
    # oldest-first weights as stored: 1/6, 2/6, 3/6
    assert window_weights(3, "weighted_mean", (3, 2, 1)) == pytest.approx([1 / 6, 2 / 6, 3 / 6])


def test_exp_smoothing_puts_alpha_on_the_most_recent_year():
    history = np.array([1.0, 2.0, 6.0])
    # level: start 1; then 0.5*2 + 0.5*1 = 1.5; then 0.5*6 + 0.5*1.5 = 3.75
    assert average_ratios(history, 3, "exp_smoothing", alpha=0.5) == pytest.approx(3.75)
    # weights oldest first: (1-a)^2 = 0.25, a(1-a) = 0.25, a = 0.5
    assert window_weights(3, "exp_smoothing", alpha=0.5) == pytest.approx([0.25, 0.25, 0.5])
    # alpha = 0.8: 0.04, 0.16, 0.8
    assert window_weights(3, "exp_smoothing", alpha=0.8) == pytest.approx([0.04, 0.16, 0.8])


def test_missing_years_are_skipped_and_weights_renormalised():
    history = np.array([[4.0, np.nan, 2.0], [np.nan, np.nan, np.nan]])
    # mean of 4 and 2 = 3; a series with nothing usable is NaN
    out = average_ratios(history, 3, "mean")
    assert out[0] == pytest.approx(3.0)
    assert np.isnan(out[1])
    # weighted 3, 2, 1 (recent first) without the middle year: (3*2 + 1*4) / 4 = 2.5
    assert average_ratios(history[0], 3, "weighted_mean", weights=(3, 2, 1)) == pytest.approx(2.5)


def test_short_history_uses_the_most_recent_weights():
    # window 3 but 2 years: weights 3, 2 (recent first): (3*4 + 2*1) / 5 = 2.8
    assert average_ratios(np.array([1.0, 4.0]), 3, "weighted_mean", weights=(3, 2, 1)) == pytest.approx(2.8)


def test_residuals_in_window_and_over_history():
    history = np.array([10.0, 1.0, 2.0, 6.0])
    # window 3 mean = 3; deviations -2, -1, 3
    assert ratio_residuals(history, 3) == pytest.approx([-2.0, -1.0, 3.0])
    # full history, from the same window mean: 7, -2, -1, 3
    assert ratio_residuals(history, 3, scope="history") == pytest.approx([7.0, -2.0, -1.0, 3.0])
    with pytest.raises(ValueError, match="scope"):
        ratio_residuals(history, 3, scope="all")


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="weights"):
        window_weights(3, "weighted_mean", (1, 1))
    with pytest.raises(ValueError, match="unknown ratio method"):
        window_weights(3, "median")
    with pytest.raises(ValueError, match="at least 1"):
        window_weights(0, "mean")


def test_safe_ratio_is_nan_for_zero_or_missing_denominators():
    out = safe_ratio(np.array([1.0, 1.0, 0.0, 3.0]), np.array([2.0, 0.0, 0.0, np.nan]))
    assert out[0] == 0.5
    assert np.isnan(out[1:]).all()


@settings(max_examples=60, deadline=None)
@given(value=st.floats(0.01, 5.0), window=st.integers(1, 6), years=st.integers(1, 8),
       alpha=st.floats(0.05, 1.0), seed=st.integers(0, 1000))
def test_all_methods_agree_on_a_constant_series(value, window, years, alpha, seed):
    history = np.full((2, years), value)
    weights = tuple(np.random.default_rng(seed).uniform(0.1, 3.0, window))
    results = [
        average_ratios(history, window, "mean"),
        average_ratios(history, window, "weighted_mean", weights=weights),
        average_ratios(history, window, "exp_smoothing", alpha=alpha),
    ]
    for result in results:
        np.testing.assert_allclose(result, value, rtol=1e-12)
    np.testing.assert_allclose(ratio_residuals(history, window), 0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(window=st.integers(1, 6), alpha=st.floats(0.05, 1.0))
def test_weights_sum_to_one(window, alpha):
    assert window_weights(window, "exp_smoothing", alpha=alpha).sum() == pytest.approx(1.0)
    assert window_weights(window, "mean").sum() == pytest.approx(1.0)
