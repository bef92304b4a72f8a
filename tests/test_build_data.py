"""The committed Herefordshire tables are exactly what tools/build_herefordshire_data.py makes.

The rebuild tests need the public source data in ../shared and skip without it; the sanity
tests read only the committed tables.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SCRIPT = PROJECT / "tools" / "build_herefordshire_data.py"
TABLES = PROJECT / "scenarios" / "herefordshire"
COMMITTED = sorted(
    [f"scenarios/herefordshire/{p.name}" for p in TABLES.glob("*.csv")]
    + [f"geodata/{name}" for name in ("planning_areas.geojson", "county_boundary.geojson",
                                       "lsoa_planning_areas.csv")]
)


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(TABLES / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    """Run the build script into a temporary out-root and return that root."""
    if not (SHARED / "data").is_dir():
        pytest.skip(f"../shared not present: the rebuild needs the public source data in {SHARED / 'data'}")
    out = tmp_path_factory.mktemp("rebuild")
    done = subprocess.run([sys.executable, str(SCRIPT), "--shared", str(SHARED), "--out-root", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "residual" in done.stdout  # the reconciliation summary is printed
    return out


def test_ten_tables_and_three_geodata_files_are_committed():
    assert len(COMMITTED) == 13
    assert all((PROJECT / rel).is_file() for rel in COMMITTED)


def test_rebuild_writes_exactly_the_committed_files(rebuilt):
    made = sorted(str(p.relative_to(rebuilt)) for p in rebuilt.rglob("*") if p.is_file())
    assert made == COMMITTED


@pytest.mark.parametrize("rel", COMMITTED)
def test_committed_file_is_reproduced(rebuilt, rel):
    """Tables byte for byte; polygons up to a sliver, since GEOS versions may simplify differently."""
    if not rel.endswith(".geojson"):
        assert (rebuilt / rel).read_bytes() == (PROJECT / rel).read_bytes(), (
            f"{rel} differs from a fresh build: rerun python tools/build_herefordshire_data.py")
        return
    from shapely.geometry import shape

    made = json.loads((rebuilt / rel).read_text())["features"]
    committed = json.loads((PROJECT / rel).read_text())["features"]
    assert [f["properties"] for f in made] == [f["properties"] for f in committed]
    for a, b in zip(made, committed):
        ga, gb = shape(a["geometry"]), shape(b["geometry"])
        assert ga.symmetric_difference(gb).area <= 1e-4 * gb.area, a["properties"]


def test_pupils_equal_dfe_county_figures_for_every_year_and_ncy(rebuilt):
    raw = pd.read_csv(SHARED / "data/dfe/pupils_by_ncy_la_2011-12_to_2022-23.csv", dtype=str)
    raw = raw[(raw["new_la_code"] == "E06000019") & (raw["nc_year"] != "year_group_14")]
    dfe = {(int(r.time_period[:4]), 0 if r.nc_year == "reception" else int(r.nc_year.split("_")[-1])): int(r.headcount)
           for r in raw.itertuples()}
    pupils = read("pupils.csv").astype({"academic_year": int, "ncy": int, "nor": int})
    ours = pupils.groupby(["academic_year", "ncy"])["nor"].sum().to_dict()
    assert ours == dfe


def test_planning_areas_are_14_primary_and_1_secondary_plus_sub_areas():
    areas = read("planning_areas.csv")
    official = areas[areas["kind"] == "official"]
    assert (official["phase"] == "primary").sum() == 14
    assert official.loc[official["phase"] == "secondary", "planning_area"].tolist() == ["8840001"]
    subs = areas[areas["kind"] == "sub_area"]
    assert set(subs["parent"]) == {"8840001"} and len(subs) == 7


def test_schools_have_the_planning_areas_their_year_groups_need():
    schools = read("schools.csv").astype({"ncy_low": int, "ncy_high": int})
    assert len(schools) == 99 and schools["school_id"].is_unique
    assert "Hereford Sixth Form College" not in set(schools["name"])
    main = schools[schools["kind"] == "mainstream"]
    assert (main.loc[main["ncy_low"] <= 6, "primary_planning_area"] != "").all()
    assert (main.loc[main["ncy_high"] >= 7, "secondary_planning_area"] == "8840001").all()
    assert (main.loc[main["ncy_high"] >= 7, "sub_area"].str.startswith("884S-")).all()
    assert (schools.loc[schools["kind"] != "mainstream", "primary_planning_area"] == "").all()


def test_capacity_totals_equal_the_published_2024_25_county_totals():
    cap = read("capacity.csv").astype({"net_capacity": int})
    totals = cap.groupby("provision")["net_capacity"].sum()
    assert totals["primary"] == 14672 and totals["secondary"] == 11632
    assert set(cap["as_of_year"]) == {"2024"}
    mainstream = cap[cap["provision"].isin(["primary", "secondary"])]
    assert (mainstream["pan"] != "").all()
    assert (cap.loc[~cap["provision"].isin(["primary", "secondary"]), "pan"] == "").all()


def test_pupils_match_known_dfe_county_figures():
    pupils = read("pupils.csv").astype({"academic_year": int, "ncy": int, "nor": int})
    by = pupils.groupby(["academic_year", "ncy"])["nor"].sum()
    assert by[(2011, 0)] == 1796 and by[(2022, 11)] == 1790
    # January 2019 primary roll (R-Y6) = the scorecard's PRI_NoR19
    assert by.loc[2018].loc[0:6].sum() == 13468
    primary_areas = pupils.loc[pupils["ncy"] <= 6, "planning_area"].unique()
    assert len(primary_areas) == 14


def test_shares_births_and_housing_are_consistent():
    shares = read("birth_shares.csv")
    assert len(shares) == 14 and sum(round(float(s) * 1e6) for s in shares["share"]) == 1_000_000
    births = read("births.csv").astype({"birth_year": int})
    assert births["birth_year"].tolist() == list(range(births["birth_year"].min(), 2047))
    housing = read("housing.csv").astype({"academic_year": int, "dwellings": float})
    per_year = housing.groupby("academic_year")["dwellings"].sum().round(1)
    assert per_year[2015] == 374 and per_year[2020] == 850 and per_year[2040] == 805
    assert "8844601" not in set(housing["planning_area"])
