"""Entry-year pressure: Reception and Year 7 against admission places, by hand."""

import numpy as np
import pandas as pd
import pytest

from placeplan.api import run
from placeplan.sufficiency.entry import entry_pan, entry_places, entry_pressure

from conftest import TOY


def test_entry_pan_counts_schools_that_admit_at_entry():
    schools = pd.DataFrame({
        "school_id": ["a", "b", "c", "d", "e"],
        "primary_planning_area": ["P1", "P1", "P1", "P2", None],
        "secondary_planning_area": [None, None, None, "S1", "S1"],
        "ncy_low": [0, 3, 0, 0, 7], "ncy_high": [6, 6, 6, 13, 13],
        "status": ["open", "open", "closed", "open", "open"]})
    capacity = pd.DataFrame({
        "school_id": ["a", "b", "c", "d", "d", "e"],
        "provision": ["primary", "primary", "primary", "primary", "secondary", "secondary"],
        "pan": [30, 60, 45, 15, 120, 180]})
    pans = entry_pan(schools, capacity)
    # b is a junior school (admits at Y3), c is closed; d is all-through and counts in both phases.
    assert pans == {("P1", "primary"): 30.0, ("P2", "primary"): 15.0, ("S1", "secondary"): 300.0}


def test_entry_places_add_what_projects_add_at_entry():
    places = np.array([[300.0, 360.0, 360.0]])  # Y7 places: a project adds a form of entry (60) in year 2
    assert entry_places(300.0, places, 300.0).tolist() == [[300.0, 360.0, 360.0]]


def test_entry_pressure_by_hand():
    # One primary area, PAN 30, three draws of Reception demand 25, 31, 40 in one year; central 29.
    areas, years = ("P1",), np.array([2025])
    demand = np.zeros((3, 1, 14, 1))
    demand[:, 0, 0, 0] = [25, 31, 40]
    demand[:, 0, 1, 0] = 500  # other year groups play no part
    central = np.zeros((1, 1, 14, 1))
    central[0, 0, 0, 0] = 29
    places = np.full((3, 1, 14, 1), 30.0)
    places[2, 0, 0, 0] = 60.0  # in draw 3 a bulge class is open: entry places 60
    table = entry_pressure(demand, central, places, np.full((1, 1, 14, 1), 30.0), np.full((1, 14), 30.0), areas,
                           years, {"P1": "primary"}, {"P1": "North"}, {("P1", "primary"): 30.0}, (0.5,))
    row = table.iloc[0]
    assert (row.entry_ncy, row.entry_places_planned, row.demand_central, row.demand_p50) == (0, 30.0, 29.0, 31.0)
    assert (row.over_pan_central, row.spare_at_entry_central) == (0.0, 1.0)
    assert row.p_over_pan == pytest.approx(1 / 3)  # only draw 2 (31 > 30); draw 3 has 60 places


def test_run_reports_entry_pressure_for_every_area():
    results = run(TOY, draws=20, backtest=False)
    table = results.entry_pressure
    assert set(table["planning_area"]) == set(results.sufficiency["planning_area"])
    assert set(table.loc[table.phase == "secondary", "entry_ncy"]) == {7}
    assert table["p_over_pan"].between(0, 1).all()
    assert "entry_pressure" in results.tables()
