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
    }


@pytest.mark.parametrize("name", ["herefordshire_demand_by_area.csv", "herefordshire_demand_county.csv",
                                  "herefordshire_sufficiency_totals.csv", "herefordshire_programme.csv",
                                  "herefordshire_specialist.csv", "herefordshire_entry_pressure.csv",
                                  "herefordshire_sub_area_sufficiency.csv", "herefordshire_school_sufficiency.csv",
                                  "herefordshire_transfer.csv"])
def test_matches_golden(results, name, update_golden):
    table = _tables(results)[name].reset_index(drop=True)
    path = GOLDEN / name
    if update_golden:
        table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
        pytest.skip("golden file rewritten")
    codes = {c: str for c in ("planning_area", "code", "origin", "destination")}
    expected = pd.read_csv(path, dtype=codes)
    actual = pd.read_csv(__import__("io").StringIO(table.to_csv(index=False, float_format="%.10g")), dtype=codes)
    pd.testing.assert_frame_equal(actual, expected, check_exact=False, rtol=1e-8, atol=1e-8)
