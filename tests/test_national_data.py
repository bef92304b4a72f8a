"""The committed national tables are exactly what tools/build_national_data.py makes.

The rebuild test needs the public source data in ../shared and skips without it; the sanity
tests read only the committed tables (the project never reads ../shared at run time).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SCRIPT = PROJECT / "tools" / "build_national_data.py"
NATIONAL = PROJECT / "scenarios" / "national"
FILES = ("births_by_la.csv", "pupils_by_la.csv")


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(NATIONAL / name, dtype={"la_code": str, "gss_code": str})


def test_rebuild_gives_the_committed_files_byte_for_byte(tmp_path):
    if not (SHARED / "data").is_dir():
        pytest.skip(f"../shared not present: the rebuild needs the public source data in {SHARED / 'data'}")
    done = subprocess.run([sys.executable, str(SCRIPT), "--shared", str(SHARED), "--out-root", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    made = sorted(p.name for p in (tmp_path / "scenarios" / "national").iterdir())
    assert made == sorted(FILES)
    for name in FILES:
        assert (tmp_path / "scenarios" / "national" / name).read_bytes() == (NATIONAL / name).read_bytes(), (
            f"{name} differs from a fresh build: rerun python tools/build_national_data.py")


def test_pupils_table_shape():
    pupils = read("pupils_by_la.csv")
    assert list(pupils.columns) == ["academic_year", "la_code", "gss_code", "la_name", "ncy", "nor"]
    assert pupils["la_code"].str.fullmatch(r"\d{3}").all()
    assert set(pupils["ncy"]) == set(range(14)) and (pupils["nor"] >= 0).all()
    assert pupils["academic_year"].min() == 2011 and pupils["academic_year"].max() == 2022
    assert not pupils.duplicated(["la_code", "academic_year", "ncy"]).any()
    assert pupils["la_code"].nunique() == 154 and not {"940", "941"} & set(pupils["la_code"])
    # one code and name per LA; every year is a partition of England (152 or 151 LAs)
    assert (pupils.groupby("la_code")[["gss_code", "la_name"]].nunique() == 1).all().all()
    per_year = pupils.groupby("academic_year")["la_code"].nunique()
    assert per_year.between(150, 152).all()


def test_births_table_shape():
    births = read("births_by_la.csv")
    assert list(births.columns) == ["la_code", "gss_code", "birth_year", "births", "kind"]
    assert births["la_code"].nunique() == 151
    assert (births.groupby("la_code")["birth_year"].agg(["min", "max", "count"]).eq([1991, 2022, 32])).all().all()
    assert set(births["kind"]) == {"actual", "nowcast"}
    assert (births.loc[births["kind"] == "nowcast", "birth_year"] == 2022).all()
    assert not {"835", "836", "837"} & set(births["la_code"])


def test_herefordshire_matches_the_scenario_tables():
    pupils = read("pupils_by_la.csv")
    county = pupils[pupils["la_code"] == "884"].set_index(["academic_year", "ncy"])["nor"].sort_index()
    scenario = pd.read_csv(PROJECT / "scenarios/herefordshire/pupils.csv")
    pd.testing.assert_series_equal(county, scenario.groupby(["academic_year", "ncy"])["nor"].sum(),
                                   check_names=False)
    births = read("births_by_la.csv")
    ours = births[births["la_code"] == "884"].set_index("birth_year")["births"]
    theirs = pd.read_csv(PROJECT / "scenarios/herefordshire/births.csv").query("kind != 'projected'")
    pd.testing.assert_series_equal(ours, theirs.set_index("birth_year")["births"], check_names=False)


def test_county_and_merged_las():
    births = read("births_by_la.csv").set_index(["la_code", "birth_year"])["births"]
    assert births[("850", 2020)] > 10_000  # Hampshire: its eleven districts summed
    pupils = read("pupils_by_la.csv")
    north = pupils[pupils["la_code"] == "928"]
    assert north["academic_year"].nunique() == 12 and north["gss_code"].iloc[0] == "E10000021"
