"""The Year 6 -> Year 7 transfer matrix: IPF, estimation, conservation, and its use by the projection."""

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from placeplan.demand.transfer_matrix import apply_matrix, area_matrix, estimate_matrix, ipf


def test_ipf_meets_both_margins_by_hand():
    # 2 x 2 seed [[1, 1], [1, 1]] to rows (30, 70) and columns (40, 60): the unique answer with a
    # uniform seed is the product of the margins over the total
    flows = ipf(np.ones((2, 2)), np.array([30, 70]), np.array([40, 60]))
    assert flows == pytest.approx(np.array([[12, 18], [28, 42]]))


def test_estimate_moves_pupils_across_and_conserves_them():
    # two primary areas (100 and 50 in Year 6), two schools taking 90 and 50: 10 leave the authority
    year6 = np.array([100.0, 50.0])
    intake = np.array([90.0, 50.0])
    catchment = np.eye(2)
    shares = estimate_matrix(year6, intake, catchment, background=0.1)
    assert shares[:2].sum(axis=1) == pytest.approx([1.0, 1.0])  # every Year 6 pupil goes somewhere
    assert shares[2].sum() == pytest.approx(0.0)  # no net inflow
    year7 = apply_matrix(year6, shares)
    assert year7[:2] == pytest.approx(intake) and year7[2] == pytest.approx(10.0)
    assert shares[0, 1] > 0 and shares[1, 0] > 0  # pupils cross catchments
    assert shares[0, 0] > shares[0, 1] and shares[1, 1] > shares[1, 0]  # but mostly go to their own


def test_net_inflow_is_an_origin_row():
    shares = estimate_matrix(np.array([100.0, 50.0]), np.array([110.0, 60.0]), np.eye(2))
    assert shares[:2, -1] == pytest.approx([0.0, 0.0])
    assert (apply_matrix(np.array([100.0, 50.0]), shares)[:2]) == pytest.approx([110, 60])
    assert shares[2].sum() * 150 == pytest.approx(20)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(1, 500), min_size=1, max_size=6), st.lists(st.floats(1, 500), min_size=1, max_size=5),
       st.floats(0.01, 1))
def test_rows_sum_to_one_and_pupils_are_conserved(year6, intake, background):
    year6, intake = np.array(year6), np.array(intake)
    catchment = np.zeros((len(year6), len(intake)))
    catchment[np.arange(len(year6)), np.arange(len(year6)) % len(intake)] = 1
    shares = estimate_matrix(year6, intake, catchment, background)
    assert shares[:-1].sum(axis=1) == pytest.approx(np.ones(len(year6)), rel=1e-6)
    year7 = apply_matrix(year6, shares)
    assert year7.sum() == pytest.approx(year6.sum() + shares[-1].sum() * year6.sum(), rel=1e-6)
    assert year7[:-1] == pytest.approx(intake, rel=1e-5)


def test_area_matrix_gives_the_same_year_7_as_the_schools():
    shares = estimate_matrix(np.array([100.0, 50.0, 80.0]), np.array([90.0, 50.0, 100.0]), np.eye(3))
    school_area = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # schools 0, 1 in area 0; school 2 in area 1
    year6 = np.array([[100.0, 50.0, 80.0], [90.0, 60.0, 70.0]])
    by_school = apply_matrix(year6, shares)[:, :3]
    assert year6 @ area_matrix(shares, school_area) == pytest.approx(by_school @ school_area.T)


def _toy_with(tmp_path, toy_copy, transfer):
    raw = yaml.safe_load(toy_copy.read_text())
    raw["transfer"] = transfer
    toy_copy.write_text(yaml.safe_dump(raw, sort_keys=False))
    return toy_copy


def test_run_compare_and_backtest_use_the_scenario_matrix(tmp_path, toy_copy):
    from placeplan import load_scenario
    from placeplan.backtest import backtest
    from placeplan.demand import demand_inputs, project

    pooled = load_scenario(_toy_with(tmp_path, toy_copy, {"method": "pooled"}))
    assert demand_inputs(pooled).transfer is None
    # "each area's Year 7 from its own Year 6": a table sending every primary area to the county
    # area at twice the rate changes the projection's Year 7
    table = toy_copy.parent / "toy_council" / "transfer.csv"
    table.write_text("origin,destination,share\n8881001,8880001,2.0\n8881002,8880001,2.0\n")
    given = load_scenario(_toy_with(tmp_path, toy_copy, {"method": "table", "table": "toy_council/transfer.csv"}))
    inputs = demand_inputs(given)
    assert inputs.transfer.method == "table"
    assert inputs.transfer.area_matrix.tolist() == [[2.0], [2.0]]
    base_y6 = np.nansum(inputs.primary_nor[:, 6, -1])
    assert project(inputs).central_secondary[0, 0, 0] == pytest.approx(2 * base_y6)
    tested = backtest(given, draws=0)
    pooled_test = backtest(pooled, draws=0)
    assert not tested.authority.equals(pooled_test.authority)  # the back-test uses the matrix too


def test_own_area_method(tmp_path, toy_copy):
    from placeplan import load_scenario
    from placeplan.demand import demand_inputs

    areas = toy_copy.parent / "toy_council" / "planning_areas.csv"
    text = areas.read_text().splitlines()
    text[0] += ",feeds"
    text = [text[0]] + [line + (",8880001" if ",primary," in line else ",") for line in text[1:]]
    areas.write_text("\n".join(text) + "\n")
    inputs = demand_inputs(load_scenario(_toy_with(tmp_path, toy_copy, {"method": "own_area"})))
    assert inputs.transfer.method == "own_area"
    assert inputs.transfer.area_matrix.shape == (2, 1) and (inputs.transfer.area_matrix > 0).all()
