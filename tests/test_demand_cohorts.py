"""Cohort ratios (Reception, progression, staying-on) and the one-year step, by hand and by property."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_demand_support import hand_case, make_inputs

from placeplan.demand.cohorts import (central_ratios, progression_history, reception_ratio_history,
                                      step_primary, step_secondary)
from placeplan.demand.project import project


def test_reception_ratio_uses_the_cohort_born_five_years_earlier():
    reception = np.array([[90.0, 95.0, 108.0], [50.0, 50.0, 55.0]])
    births = np.array([[100.0, 100.0, 120.0], [50.0, 0.0, 50.0]])  # birth years 2015-2017
    out = reception_ratio_history(reception, births, np.array([2020, 2021, 2022]), np.array([2015, 2016, 2017]))
    # 2020 / 2015: 90/100 = 0.9; 2021 / 2016: 95/100 = 0.95; 2022 / 2017: 108/120 = 0.9
    np.testing.assert_allclose(out[0], [0.9, 0.95, 0.9])
    # area 2: 50/50 = 1; births 0 -> undefined; 55/50 = 1.1
    assert out[1, 0] == 1.0 and np.isnan(out[1, 1]) and out[1, 2] == pytest.approx(1.1)


def test_reception_ratio_is_missing_without_births():
    out = reception_ratio_history(np.array([[10.0, 10.0]]), np.array([[20.0]]), np.array([2020, 2021]),
                                  np.array([2015]))
    # 2020 uses 2015 births: 10/20 = 0.5; 2021 needs 2016 births, which are absent
    assert out[0, 0] == 0.5 and np.isnan(out[0, 1])


def test_progression_is_next_year_group_next_year():
    nor = np.array([[[30.0, 32.0], [28.0, 33.0], [20.0, 0.0]]])  # (area, ncy 0-2, 2 years)
    out = progression_history(nor)
    # slot 1: Y1 2nd year / R 1st year = 33/30 = 1.1; slot 2: 0 / 28 = 0
    assert out[0, 1, 1] == pytest.approx(1.1)
    assert out[0, 2, 1] == 0.0
    # slot 0 and the first year are undefined
    assert np.isnan(out[0, 0]).all() and np.isnan(out[0, :, 0]).all()


def test_central_ratios_of_the_hand_case():
    ratios = central_ratios(hand_case())
    # A: Reception 1 (121/121), progression 121/110 = 1.1; B: Reception (50/50 + 50/40)/2 = 1.125, progression 1
    np.testing.assert_allclose(ratios.primary[0], [1.0] + [1.1] * 6)
    np.testing.assert_allclose(ratios.primary[1], [1.125] + [1.0] * 6)
    # secondary: transfer 0.5, Y8-Y11 1, staying-on (30/60 + 20/60)/2 = 5/12, Y13 (27/30 + 27/30)/2 = 0.9
    np.testing.assert_allclose(ratios.secondary[0], [0.5, 1, 1, 1, 1, 5 / 12, 0.9])


def test_weighted_and_smoothed_ratios_in_the_hand_case():
    # B's Reception ratios in the window are 1 (2021) and 1.25 (2022)
    weighted = central_ratios(hand_case(method="weighted_mean", weights=(3, 1)))
    # (3 * 1.25 + 1 * 1) / 4 = 1.1875
    assert weighted.primary[1, 0] == pytest.approx(1.1875)
    smoothed = central_ratios(hand_case(method="exp_smoothing", alpha=0.8))
    # 0.8 * 1.25 + 0.2 * 1 = 1.2
    assert smoothed.primary[1, 0] == pytest.approx(1.2)


def test_missing_ratios_fall_back():
    inputs = hand_case()
    primary = np.array(inputs.primary_nor)
    primary[1, 0, :] = np.nan  # B's Reception unknown -> pooled LA ratio
    secondary = np.array(inputs.secondary_nor)
    secondary[0, 5:, :] = 0.0  # no sixth form: staying-on 0, Y13 ratio undefined -> 1
    ratios = central_ratios(dataclasses.replace(inputs, primary_nor=primary, secondary_nor=secondary))
    # pooled LA ratio, Reception summed over areas / births summed over areas (B's Reception
    # missing counts as 0): 2021: 110 / (110 + 50); 2022: 121 / (121 + 40); mean of the two
    assert ratios.primary[1, 0] == pytest.approx((110 / 160 + 121 / 161) / 2)
    assert ratios.secondary[0, 5] == 0.0 and ratios.secondary[0, 6] == 1.0


def test_step_primary_and_secondary_by_hand():
    state = np.array([[[10.0, 20, 30, 40, 50, 60, 70]]])
    ratios = np.array([[[0.9, 1.0, 1.1, 1.0, 1.0, 1.0, 2.0]]])
    new = step_primary(state, ratios, np.array([[100.0]]))
    # R = 0.9 * 100 = 90; Y1 = 1.0 * 10; Y2 = 1.1 * 20 = 22; Y3-Y5 = 30, 40, 50; Y6 = 2 * 60 = 120
    np.testing.assert_allclose(new[0, 0], [90, 10, 22, 30, 40, 50, 120])
    new_s = step_secondary(state, ratios, np.array([[5.0]]))
    # Y7 from the transfer; Y8 = 1.0 * 10, Y9 = 1.1 * 20 = 22, ..., Y13 = 2 * 60 = 120
    np.testing.assert_allclose(new_s[0, 0], [5, 10, 22, 30, 40, 50, 120])


# --- properties ------------------------------------------------------------------------------

def _carried_case(cohorts: np.ndarray, window: int, method: str):
    """Histories where every ratio is exactly 1: NOR[a, g, t] = cohort[a, t - g], births = cohort."""
    n_hist, n_proj = 3, 4
    # cohort index c = year - ncy, years 0..n_hist+n_proj-1, ncy 0..13 -> c from -13 to 6
    def nor(a, ncys):  # (ncy, year) of area a
        return np.array([[cohorts[a, t - g + 13] for t in range(n_hist)] for g in ncys])
    areas = range(cohorts.shape[0])
    primary = np.stack([nor(a, range(7)) for a in areas])
    secondary = sum(nor(a, range(7, 14)) for a in areas)[None]  # one secondary area fed by all
    # births of birth year b = t - 5 enter Reception in t: cohort index t + 13
    birth_years = np.arange(2020 - 5, 2020 + n_hist + n_proj - 5)
    births = np.stack([[cohorts[a, b - 2015 + 13] for b in birth_years] for a in range(cohorts.shape[0])])
    inputs = make_inputs(primary, secondary, births, history_years=np.arange(2020, 2020 + n_hist),
                         years=np.arange(2020 + n_hist, 2020 + n_hist + n_proj), birth_years=birth_years,
                         window=window, method=method, weights=(1,) * window)
    return inputs, n_hist, n_proj


@settings(max_examples=40, deadline=None)
@given(cohorts=st.lists(st.integers(1, 500), min_size=2 * 20, max_size=2 * 20),
       window=st.integers(1, 2), method=st.sampled_from(["mean", "weighted_mean", "exp_smoothing"]))
def test_all_ratios_one_and_no_housing_carries_cohorts_unchanged(cohorts, window, method):
    cohorts = np.array(cohorts, dtype=float).reshape(2, 20)
    inputs, n_hist, n_proj = _carried_case(cohorts, window, method)
    result = project(inputs)
    for i in range(n_proj):
        t = n_hist + i
        for g in range(7):  # primary: every cohort keeps its size
            np.testing.assert_allclose(result.central_primary[:, g, i], cohorts[:, t - g + 13], rtol=1e-12)
    # secondary (one area fed by both): the county pool carries the combined cohort as well
    for i in range(n_proj):
        t = n_hist + i
        for g in range(7, 14):
            np.testing.assert_allclose(result.central_secondary[0, g - 7, i], cohorts[:, t - g + 13].sum(),
                                       rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(0.0, 3.0))
def test_zero_births_give_zero_reception_and_more_births_never_fewer_pupils(scale):
    base = hand_case()
    births = np.array(base.births)
    births[:, 3:] = 0.0  # the cohorts entering Reception in 2023 and 2024
    zero = project(dataclasses.replace(base, births=births))
    assert (zero.central_primary[:, 0, :] == 0).all()
    more = np.array(base.births)
    more[:, 3:] *= 1 + scale
    low, high = project(base), project(dataclasses.replace(base, births=more))
    assert (high.central_primary >= low.central_primary).all()
    assert (high.central_secondary >= low.central_secondary).all()
    assert (zero.central_primary <= low.central_primary).all()
