"""Golden outputs of the Herefordshire default with a fixed seed: any change to the numbers shows here.

After an intended change of method, rewrite them with ``python -m pytest tests/test_golden.py
--update-golden`` and explain the change in the commit message.
"""

from pathlib import Path

import pandas as pd
import pytest

import placeplan

GOLDEN = Path(__file__).parent / "golden"
DRAWS, SEED = 200, 884


@pytest.fixture(scope="module")
def results():
    return placeplan.run(draws=DRAWS, seed=SEED)


@pytest.fixture(scope="module")
def tables(results):
    return _tables(results)


def _tables(results) -> dict[str, pd.DataFrame]:
    import numpy as np

    from placeplan.demand import phase_totals

    demand = results.demand
    draws, central = phase_totals(results.projection), phase_totals(results.projection, central=True)
    county = pd.concat([pd.DataFrame({"phase": phase, "academic_year": results.projection.years,
                                      "central": central[phase],
                                      **{f"p{int(q * 100):02d}": np.quantile(draws[phase], q, axis=0)
                                         for q in (0.05, 0.5, 0.95)}})
                        for phase in draws], ignore_index=True)
    return {
        "herefordshire_demand_by_area.csv": demand[["planning_area", "phase", "ncy", "academic_year", "central"]],
        "herefordshire_demand_county.csv": county,
        "herefordshire_sufficiency_totals.csv": results.sufficiency_totals,
        "herefordshire_programme.csv": results.programme.drop(columns=["evidence"]),
        "herefordshire_specialist.csv": results.specialist_sufficiency,
        "herefordshire_entry_pressure.csv": results.entry_pressure,
        "herefordshire_sub_area_sufficiency.csv": results.sub_area_sufficiency,
        "herefordshire_school_sufficiency.csv": results.school_sufficiency[
            ["code", "phase", "academic_year", "basis", "demand_central", "places_planned", "places_needed_central",
             "places_needed_without_programme_central", "existing_pressure"]],
        "herefordshire_transfer.csv": results.transfer,
        **_scap_tables(results),
    }


def _scap_tables(results) -> dict[str, pd.DataFrame]:
    """The SCAP return's figures (whole numbers, no simulated columns): schools, forecasts, totals, breaches."""
    from placeplan.outputs.scap import NCY_LABELS, scap_return

    scap = scap_return(results)
    labels = [NCY_LABELS[g] for g in range(14)]
    schools = scap.tables["school_capacity"][
        ["urn", "nor", "nor_census", "capacity_primary", "capacity_secondary", "sixth_form_capacity", "pan_primary",
         "pan_secondary", *[f"capacity_{NCY_LABELS[g]}" for g in range(12)], "projects_in_capacity"]]
    forecasts = scap.tables["pupil_forecasts"][["planning_area_code", "academic_year", *labels, "total", "hdc_places",
                                                "hif_places"]]
    pp = scap.tables["place_planning"]
    totals = pp[pp["nc_year_group"] == "Total"][["geographic_level", "planning_area_code", "education_phase",
                                                 "academic_year", "pupil_forecast", "estimated_capacity",
                                                 "la_planned_places", "total_places", "additional_need_only_places",
                                                 "spare_places", "local_additional_need_with_margin"]]
    planned = scap.tables["planned_places"][["urn", "academic_year", "ncy", "additional_places", "bulge_places",
                                             "removed_places", "project"]]
    return {"herefordshire_scap_school_capacity.csv": schools, "herefordshire_scap_pupil_forecasts.csv": forecasts,
            "herefordshire_scap_place_planning.csv": totals, "herefordshire_scap_planned_places.csv": planned,
            "herefordshire_scap_validation.csv": scap.validation_table()}


@pytest.mark.parametrize("name", ["herefordshire_demand_by_area.csv", "herefordshire_demand_county.csv",
                                  "herefordshire_sufficiency_totals.csv", "herefordshire_programme.csv",
                                  "herefordshire_specialist.csv", "herefordshire_entry_pressure.csv",
                                  "herefordshire_sub_area_sufficiency.csv", "herefordshire_school_sufficiency.csv",
                                  "herefordshire_transfer.csv", "herefordshire_scap_school_capacity.csv",
                                  "herefordshire_scap_pupil_forecasts.csv", "herefordshire_scap_place_planning.csv",
                                  "herefordshire_scap_planned_places.csv", "herefordshire_scap_validation.csv"])
def test_matches_golden(tables, name, update_golden):
    table = tables[name].reset_index(drop=True)
    path = GOLDEN / name
    if update_golden:
        table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
        pytest.skip("golden file rewritten")
    codes = {c: str for c in ("planning_area", "code", "origin", "destination", "urn", "planning_area_code")}
    expected = pd.read_csv(path, dtype=codes)
    actual = pd.read_csv(__import__("io").StringIO(table.to_csv(index=False, float_format="%.10g")), dtype=codes)
    pd.testing.assert_frame_equal(actual, expected, check_exact=False, rtol=1e-8, atol=1e-8)
