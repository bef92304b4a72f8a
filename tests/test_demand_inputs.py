"""Building the projection inputs from a scenario's tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_demand_support import replace_table

from placeplan.demand import demand_inputs


def test_toy_council_inputs(toy):
    inputs = demand_inputs(toy)
    assert inputs.primary_areas == ("8881001", "8881002")
    assert inputs.secondary_areas == ("8880001",)
    np.testing.assert_array_equal(inputs.history_years, np.arange(2018, 2023))
    np.testing.assert_array_equal(inputs.years, np.arange(2023, 2031))
    # births needed: history 2018 - 5 = 2013 ... last projected year 2030 - 5 = 2025
    np.testing.assert_array_equal(inputs.birth_years, np.arange(2013, 2026))
    # 100 LA births x shares 0.4 / 0.6
    np.testing.assert_allclose(inputs.births[:, 0], [40.0, 60.0])
    assert inputs.births_kind[:9] == ("actual",) * 9 and inputs.births_kind[9:] == ("projected",) * 4
    assert inputs.primary_nor.shape == (2, 7, 5) and inputs.secondary_nor.shape == (1, 7, 5)
    assert inputs.primary_nor[1, 3, -1] == 62 and inputs.secondary_nor[0, 5, 0] == 80
    # housing: 8881001 10 a year, 8881002 none; rows after the base year are planned
    window = (inputs.housing_years >= 2020) & (inputs.housing_years <= 2022)
    np.testing.assert_allclose(inputs.dwellings[0, window], 10.0)
    assert (inputs.dwellings[1] == 0).all()
    assert inputs.planned[0, inputs.housing_years == 2023].item()
    assert not inputs.planned[0, inputs.housing_years == 2022].item()
    np.testing.assert_allclose(inputs.yields, [0.25, 0.15, 0.02])
    np.testing.assert_allclose(inputs.yields_low, [0.2, 0.1, 0.01])
    np.testing.assert_allclose(inputs.secondary_share, [[1.0], [1.0]])
    assert inputs.horizon == 8 and inputs.delivery_factor == 1.0


def test_inputs_are_read_only(toy):
    inputs = demand_inputs(toy)
    with pytest.raises(ValueError):
        inputs.births[0, 0] = 1.0


def test_births_given_per_planning_area(toy):
    rows = []
    for area, births in (("8881001", 30.0), ("8881002", 70.0)):
        rows += [{"area": area, "birth_year": y, "births": births, "births_low": np.nan, "births_high": np.nan,
                  "kind": "actual", "source": "test"} for y in range(2008, 2031)]
    inputs = demand_inputs(replace_table(toy, "births", pd.DataFrame(rows)))
    np.testing.assert_allclose(inputs.births[:, 0], [30.0, 70.0])


def test_nowcast_interval_and_births_beyond_the_table(toy):
    births = toy.tables["births"].copy()
    births = births[births["birth_year"] <= 2021]
    births.loc[births["birth_year"] == 2021, ["births_low", "births_high", "kind"]] = [90.2, 109.8, "nowcast"]
    inputs = demand_inputs(replace_table(toy, "births", births))
    j = list(inputs.birth_years).index(2021)
    # sd = (109.8 - 90.2) / (2 * 1.96) = 5 LA births; x share 0.4 = 2
    assert inputs.births_sd[0, j] == pytest.approx(2.0)
    assert inputs.births_kind[j] == "nowcast"
    # 2022-2025 are absent: the last cohort is held, as a projection
    np.testing.assert_allclose(inputs.births[:, j + 1:], np.array([[40.0], [60.0]]) * np.ones(4))
    assert inputs.births_kind[j + 1:] == ("projected",) * 4


def test_secondary_mapping(toy):
    inputs = demand_inputs(toy, secondary_of={"8881001": "8880001", "8881002": "8880001"})
    np.testing.assert_allclose(inputs.secondary_share, [[1.0], [1.0]])
    with pytest.raises(ValueError, match="8881002"):
        demand_inputs(toy, secondary_of={"8881001": "8880001"})


def test_base_year_after_the_history_is_rolled_forward(toy):
    """With no year-group census for the base year, the base year's year groups are estimated."""
    pupils = toy.tables["pupils"]
    inputs = demand_inputs(replace_table(toy, "pupils", pupils[pupils["academic_year"] < 2022]))
    assert inputs.base_year == 2022 and inputs.estimated_years == (2022,)
    assert inputs.history_years[-1] == 2022 and not np.isnan(inputs.primary_nor[..., -1]).any()


def test_base_year_before_the_history_is_refused(toy):
    pupils = toy.tables["pupils"]
    with pytest.raises(ValueError, match="no rows up to the base year 2022"):
        demand_inputs(replace_table(toy, "pupils", pupils[pupils["academic_year"] > 2022]))
