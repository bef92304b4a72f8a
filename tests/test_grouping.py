"""Summing schools into units, and sums within groups, against the plain dense definitions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from placeplan.capacity.units import _units, authority_units, units_by_column
from placeplan.grouping import group_totals


def test_group_totals_by_hand():
    values = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    codes = np.array([2, -1, 0, 2, 0])
    # group 2: 1 + 4 = 5; group 0: 3 + 5 = 8; code -1 belongs to no group
    assert group_totals(values, codes).tolist() == [[5.0, 0.0, 8.0, 5.0, 8.0]]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(0, 3), st.integers(0, 10_000))
def test_group_totals_match_a_loop(n, lead, seed):
    rng = np.random.default_rng(seed)
    codes = rng.integers(-1, 4, size=n)
    values = rng.random((lead + 1, 2, n))
    expected = np.zeros_like(values)
    for i in range(n):
        if codes[i] >= 0:
            expected[..., i] = values[..., codes == codes[i]].sum(axis=-1)
    np.testing.assert_allclose(group_totals(values, codes), expected, rtol=1e-12, atol=0)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 5), st.integers(0, 10_000))
def test_units_sum_matches_the_dense_matrix(n_schools, n_units, seed):
    rng = np.random.default_rng(seed)
    phases = tuple(rng.choice(["primary", "secondary"], size=n_units))
    pairs = [(u, s) for u in range(n_units) for s in range(n_schools) if rng.random() < 0.4]
    units = _units(tuple(f"U{u}" for u in range(n_units)), phases, pairs, n_schools)
    values = rng.random((3, n_schools, 14, 2))
    dense = np.zeros((n_units, n_schools))
    for u, s in pairs:
        dense[u, s] = 1.0
    expected = np.einsum("us,...sgy->...ugy", dense, values) * units.mask[:, :, None]
    np.testing.assert_allclose(units.sum(values), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(units.weights, dense)
    for u in range(n_units):
        np.testing.assert_array_equal(units.members(u), dense[u] > 0)


def test_units_by_column_reads_the_phase_column():
    import pandas as pd
    schools = pd.DataFrame({"school_id": ["a", "b", "c"], "primary_planning_area": ["P1", "P2", None],
                            "secondary_planning_area": [None, "S1", "S1"]})
    units = units_by_column(schools, ("c", "b", "a"), ("P1", "P2", "S1"), ("primary", "primary", "secondary"),
                            {"primary": "primary_planning_area", "secondary": "secondary_planning_area"})
    # school axis c, b, a: P1 = {a}, P2 = {b}, S1 = {c, b}
    assert units.weights.tolist() == [[0, 0, 1], [0, 1, 0], [1, 1, 0]]
    values = np.ones((3, 14, 1))
    summed = units.sum(values)
    assert summed[2, 7:, 0].tolist() == [2.0] * 7 and summed[2, :7, 0].tolist() == [0.0] * 7
    assert authority_units(("c", "b", "a"), "LA").sum(values)[0, :7, 0].tolist() == [3.0] * 7


def test_units_sum_in_blocks_gives_the_same(monkeypatch):
    import placeplan.capacity.units as units_module
    rng = np.random.default_rng(3)
    units = _units(("A", "B"), ("primary", "secondary"), [(0, 0), (0, 2), (1, 1), (1, 2)], 3)
    values = rng.random((5, 4, 3, 14, 2))
    whole = units.sum(values)
    monkeypatch.setattr(units_module, "SUM_BLOCK", 1)  # one leading row at a time
    np.testing.assert_array_equal(units.sum(values), whole)


def test_units_sum_with_no_schools_or_no_years_gives_zeros():
    no_schools = _units(("A",), ("primary",), [], 0).sum(np.ones((2, 0, 14, 3)))
    assert no_schools.shape == (2, 1, 14, 3) and not no_schools.any()
    assert _units(("A",), ("primary",), [(0, 0)], 1).sum(np.ones((2, 1, 14, 0))).shape == (2, 1, 14, 0)
