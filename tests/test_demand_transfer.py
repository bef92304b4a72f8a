"""Year 6 -> Year 7 transfer: county pool and explicit matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_demand_support import hand_case

from placeplan.demand.project import project
from placeplan.demand.transfer import check_matrix, pooled_matrix, pooled_transfer_history, transfer_year7


def test_pooled_transfer_history_by_hand():
    year6 = np.array([[100.0, 110.0, 121.0], [50.0, 50.0, 50.0]])
    year7 = np.array([[70.0, 75.0, 80.0], [10.0, 32.0, 16.0]])
    out = pooled_transfer_history(year6, year7)
    # 2021: 75 / (100 + 50) = 0.5, 32 / 150; 2022: 80 / (110 + 50) = 0.5, 16 / 160 = 0.1
    np.testing.assert_allclose(out[:, 1:], [[0.5, 0.5], [32 / 150, 0.1]])
    assert np.isnan(out[:, 0]).all()


def test_pooled_transfer_and_matrix_agree():
    year6 = np.array([[121.0, 50.0]])  # (draw, primary area)
    rates = np.array([[0.5, 0.25]])  # two secondary areas
    # pool: 0.5 * 171 = 85.5 and 0.25 * 171 = 42.75
    np.testing.assert_allclose(transfer_year7(year6, rates=rates), [[85.5, 42.75]])
    matrix = pooled_matrix(rates, 2)
    assert matrix.shape == (1, 2, 2)
    np.testing.assert_allclose(transfer_year7(year6, matrix=matrix), [[85.5, 42.75]])


def test_explicit_matrix_by_hand():
    matrix = np.array([[0.9, 0.1], [0.2, 0.8]])
    # S0: 0.9 * 121 + 0.2 * 50 = 118.9; S1: 0.1 * 121 + 0.8 * 50 = 52.1
    out = transfer_year7(np.array([[121.0, 50.0]]), matrix=matrix[None])
    np.testing.assert_allclose(out, [[118.9, 52.1]])


def test_matrix_checks():
    with pytest.raises(ValueError, match="shape"):
        check_matrix(np.ones((2, 3)), 2, 1)
    with pytest.raises(ValueError, match="non-negative"):
        check_matrix(np.array([[-0.1]]), 1, 1)
    with pytest.raises(ValueError, match="either"):
        transfer_year7(np.ones((1, 2)))


@st.composite
def stochastic_rows(draw, n_primary, n_secondary):
    raw = draw(st.lists(st.floats(0.0, 1.0), min_size=n_primary * n_secondary, max_size=n_primary * n_secondary))
    matrix = np.array(raw).reshape(n_primary, n_secondary) + 1e-3
    return matrix / matrix.sum(axis=1, keepdims=True)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), n_primary=st.integers(1, 5), n_secondary=st.integers(1, 4))
def test_rows_summing_to_one_conserve_pupils(data, n_primary, n_secondary):
    matrix = data.draw(stochastic_rows(n_primary, n_secondary))
    year6 = np.array(data.draw(st.lists(st.floats(0.0, 500.0), min_size=n_primary, max_size=n_primary)))[None]
    year7 = transfer_year7(year6, matrix=matrix[None])
    assert year7.sum() == pytest.approx(year6.sum(), rel=1e-12, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(share=st.floats(0.0, 1.0))
def test_projection_with_a_conserving_matrix_moves_every_year6_pupil_to_year7(share):
    inputs = hand_case()
    result = project(inputs, transfer=np.array([[1.0], [1.0]]))
    # Y7 2023 = all Year 6 of 2022 = 121 + 50; Y7 2024 = Y6 2023 = 1.1 * 121 + 50
    assert result.central_secondary[0, 0, 0] == pytest.approx(171.0)
    assert result.central_secondary[0, 0, 1] == pytest.approx(133.1 + 50)
    # two secondary areas splitting each primary area's pupils: the total is conserved
    two = hand_case(secondary_nor=np.concatenate([inputs.secondary_nor, inputs.secondary_nor]),
                    secondary_share=np.full((2, 2), 0.5))
    split = np.array([[share, 1 - share], [1 - share, share]])
    result = project(two, transfer=split)
    assert result.central_secondary[:, 0, 0].sum() == pytest.approx(171.0)
