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
# Tables made by other scripts (tools/build_scorecard_table.py makes dfe_scorecard.csv,
# tools/build_forecast_record.py council_forecast_record.csv, tools/build_forecast_errors.py
# forecast_errors.csv from the committed national tables, tested below; tools/build_national_reference.py
# national_ratios.csv, from the committed national tables, tested in tests/test_national_local.py).
OTHER_SCRIPTS = {"dfe_scorecard.csv": "build_scorecard_table.py",
                 "council_forecast_record.csv": "build_forecast_record.py",
                 "forecast_errors.csv": "build_forecast_errors.py",
                 "national_ratios.csv": "build_national_reference.py"}
COMMITTED = sorted(
    [f"scenarios/herefordshire/{p.name}" for p in TABLES.glob("*.csv") if p.name not in OTHER_SCRIPTS]
    + [f"scenarios/geodata/{name}" for name in ("planning_areas.geojson", "county_boundary.geojson",
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


def test_eleven_tables_and_three_geodata_files_are_committed():
    assert len(COMMITTED) == 14
    assert all((PROJECT / rel).is_file() for rel in COMMITTED)


def test_every_committed_table_has_its_builder():
    """15 tables: 11 from the main build script, one from each other script (and nothing else)."""
    tables = sorted(p.name for p in TABLES.glob("*.csv"))
    assert len(tables) == 15
    assert set(tables) - {rel.rsplit("/", 1)[-1] for rel in COMMITTED} == set(OTHER_SCRIPTS)
    assert all((PROJECT / "tools" / script).is_file() for script in OTHER_SCRIPTS.values())


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
    # DfE's May 2025 secondary capacity counts sixth-form places, which are held in their own rows
    assert totals["primary"] == 14672 and totals["secondary"] + totals["sixth_form"] == 11632
    assert set(cap["as_of_year"]) == {"2024"}
    mainstream = cap[cap["provision"].isin(["primary", "secondary"])]
    assert (mainstream["pan"] != "").all()
    assert set(mainstream["pan_source"]) == {"published", "estimated"}
    others = cap[~cap["provision"].isin(["primary", "secondary"])]
    assert (others["pan"] == "").all() and (others["pan_source"] == "").all()


def test_published_pans_are_the_ones_found_and_peterchurch_is_estimated():
    cap = read("capacity.csv")
    published = cap[cap["pan_source"] == "published"].set_index("school_id")["pan"].to_dict()
    assert published == {"116869": "15", "116936": "90", "116991": "235", "139189": "189", "139313": "15",
                         "140868": "120", "151069": "90"}
    peterchurch = cap[(cap["school_id"] == "116718") & (cap["provision"] == "primary")].iloc[0]
    assert peterchurch["pan"] == "15" and peterchurch["pan_source"] == "estimated"


def test_sixth_forms_are_held_apart_at_the_schools_that_have_one():
    schools = read("schools.csv").astype({"ncy_high": int})
    cap = read("capacity.csv").astype({"net_capacity": int})
    with_sixth = set(schools.loc[(schools["kind"] == "mainstream") & (schools["ncy_high"] >= 12), "school_id"])
    sixth = cap[cap["provision"] == "sixth_form"]
    assert set(sixth["school_id"]) == with_sixth and len(sixth) == len(with_sixth) > 0
    assert (sixth["net_capacity"] > 0).all() and (sixth["note"] != "").all()
    secondary = cap[(cap["provision"] == "secondary") & cap["school_id"].isin(with_sixth)].astype({"pan": int})
    assert (secondary["pan_source"] == "estimated").all()
    for row in secondary.itertuples():  # PAN from the Y7-Y11 places only, to the nearest 5
        assert abs(row.pan - row.net_capacity / 5) <= 2.5


def test_october_2024_school_counts_match_the_county_sums():
    nor = read("school_nor.csv")
    assert list(nor.columns) == ["school_id", "academic_year", "census", "ncy_low", "ncy_high", "nor", "source"]
    october = nor[nor["census"] == "october"].astype({"ncy_low": int, "ncy_high": int, "nor": int})
    assert set(october["academic_year"]) == {"2024"}
    assert set(zip(october["ncy_low"], october["ncy_high"])) == {(0, 6), (7, 9), (10, 11)}
    assert october["school_id"].nunique() == 93 and (october["nor"] > 0).all()
    assert october.loc[october["ncy_low"] == 0, "nor"].sum() == 12877
    # PROVENANCE.md gives 9,297 for Y7-Y11: its KS3 funding for Aylestone implies 289.5 funded pupils,
    # while the file's derived KS3 column (and the school's total) count 290.
    assert october.loc[october["ncy_low"] >= 7, "nor"].sum() == 9298
    older = nor[nor["census"] != "october"]
    assert (older["ncy_low"] == "").all() and (older["ncy_high"] == "").all()
    schools = read("schools.csv")
    main = schools.loc[(schools["kind"] == "mainstream") & (schools["status"] == "open"), "school_id"]
    assert set(october["school_id"]) == set(main)


def test_every_primary_area_has_an_open_secondary_catchment_school():
    areas = read("planning_areas.csv")
    schools = read("schools.csv").astype({"ncy_high": int}).set_index("school_id")
    primary = areas[(areas["phase"] == "primary") & (areas["kind"] == "official")]
    for row in primary.itertuples():
        school = schools.loc[row.catchment_school]
        assert school["status"] == "open" and school["ncy_high"] >= 7 and school["kind"] == "mainstream"
        assert row.planning_area == school["laestab"]  # the 2015 code is 884 + the high school's number
        assert row.feeds == school["secondary_planning_area"] == "8840001"
    others = areas[areas["phase"] != "primary"]
    assert (others["catchment_school"] == "").all() and (others["feeds"] == "").all()


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


def _rebuilt_by(script: str, name: str, tmp_path: Path) -> str:
    """Run one of the small table builders into tmp_path; check its table byte for byte; return what it printed."""
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared not present")
    out = tmp_path / name
    done = subprocess.run([sys.executable, str(PROJECT / "tools" / script), "--shared", str(SHARED), "--out",
                           str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (TABLES / name).read_bytes()
    return done.stdout


def test_forecast_errors_are_reproduced(tmp_path):
    """forecast_errors.csv is exactly what tools/build_forecast_errors.py makes from the committed national tables."""
    out = tmp_path / "forecast_errors.csv"
    done = subprocess.run([sys.executable, str(PROJECT / "tools" / "build_forecast_errors.py"), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (TABLES / "forecast_errors.csv").read_bytes()
    assert "149 LAs" in done.stdout


def test_scorecard_table_is_reproduced(tmp_path):
    """dfe_scorecard.csv is exactly what tools/build_scorecard_table.py makes from DfE's scorecard rows."""
    _rebuilt_by("build_scorecard_table.py", "dfe_scorecard.csv", tmp_path)


def test_scorecard_rows_read_the_year_labels_right():
    card = read("dfe_scorecard.csv").set_index(["scorecard_row", "phase"])
    # a row's NOR is the January census of the year after its label; needs are three years ahead
    assert card.loc[("2024/25", "primary"), "nor"] == "12603" and card.loc[("2024/25", "primary"), "nor_year"] == "2025"
    assert card.loc[("2023/24", "secondary"), "places_needed"] == "130"
    assert card.loc[("2023/24", "secondary"), "target_year"] == "2026"
    assert card.loc[("2022/23", "secondary"), "places_needed"] == "140"
    assert card.loc[("2024/25", "secondary"), "planned_places"] == "300"


def test_forecast_record_is_reproduced(tmp_path):
    """council_forecast_record.csv is exactly what tools/build_forecast_record.py makes from the scorecard rows."""
    printed = _rebuilt_by("build_forecast_record.py", "council_forecast_record.csv", tmp_path)
    assert "wrote 20 rows" in printed and "not placed" not in printed


def test_forecast_record_places_each_release_and_keeps_the_figures():
    card = read("council_forecast_record.csv")
    assert list(card.columns) == ["outturn_year", "phase", "horizon", "accuracy_pct", "forecast", "actual",
                                  "scorecard_row", "source"]
    assert (card["outturn_year"] != "").all()  # every release placed
    # a release scores the January census of the year after its label, except the 2019 release (2018/19)
    years = dict(zip(card["scorecard_row"], card["outturn_year"]))
    assert years == {"2018/19": "2018", "2021/22": "2022", "2022/23": "2023", "2023/24": "2024", "2024/25": "2025"}
    assert "AY201819" in card.loc[card["scorecard_row"] == "2018/19", "source"].iloc[0]
    acc = card.set_index(["outturn_year", "phase", "horizon"])["accuracy_pct"].astype(float)
    assert acc[("2023", "primary", "1")] == pytest.approx(2.6914329)  # +2.7% one year ahead for 2023/24
    assert acc[("2024", "primary", "1")] == pytest.approx(6.4618726)  # +6.5% for 2024/25
    assert acc[("2018", "secondary", "3")] == pytest.approx(2.385028)
    assert set(card.loc[card["outturn_year"] == "2022", "horizon"]) == {"1", "2"}  # no SCAP in 2020
    one = card[(card["phase"] == "primary") & (card["horizon"] == "1")]["accuracy_pct"].astype(float)
    assert (round(one.min(), 1), round(one.max(), 1)) == (0.9, 6.5)  # "+0.9% to +6.5% one year ahead"
    given = card[card["forecast"] != ""].astype({"forecast": float, "actual": float, "accuracy_pct": float})
    assert len(given) == 4 and set(given["outturn_year"]) == {"2024"}
    assert ((given["forecast"] - given["actual"]) / given["actual"] * 100).to_numpy() == pytest.approx(
        given["accuracy_pct"].to_numpy(), abs=0.01)
