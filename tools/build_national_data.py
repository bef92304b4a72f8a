"""Build placeplan's committed national tables (every English LA) from the public data in ../shared.

Usage::

    python tools/build_national_data.py [--shared PATH] [--out-root PATH]

Writes ``<out-root>/scenarios/national/pupils_by_la.csv`` and ``births_by_la.csv``, the
inputs of the national back-test (``placeplan.backtest.national_backtest``). Sources,
method, licence and coverage are in ``scenarios/national/README.md``; each function's
docstring states its own rule. The output is deterministic (sorted rows, fixed number
formats, LF line ends), so two runs give identical bytes.

Geography
---------
* Pupils are by upper-tier LA as DfE published them each year (``old_la_code``, the
  3-digit DfE LA number, is the key; GSS codes changed for some LAs without a boundary
  change: Buckinghamshire, Northumberland, Gateshead). Each LA's row carries its latest
  GSS code and name.
* Births are by 2021 local authority district (LAD21). A unitary, metropolitan or London
  LA is one LAD21 code. A county council (E10) is the sum of its districts; the
  district -> county lookup is read from the hierarchical layout of ONS's births table for
  2021 (each district row follows its county's row; checked: every county's births equal
  the sum of its districts' births, and every LAD21 district is assigned exactly once).
* Northamptonshire (928) split into North (940) and West (941) Northamptonshire in April
  2021 with no change of outer boundary: the two are summed back into 928 for 2021/22 and
  2022/23, so 928 has a continuous 2011/12-2022/23 history; births are E06000061 + E06000062.
* Dorset (835), Poole (836) and Bournemouth (837) until 2018/19, and Dorset (838) and
  Bournemouth, Christchurch and Poole (839) from 2019/20: Christchurch moved from Dorset
  county to BCP in April 2019, and LAD21 births cannot be split back to the old areas.
  835-837 keep their pupil rows but get no births; 838-839 get births, but only four
  years of pupils (too few for a back-test).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from academic_births import academic_births, approximation_error, describe  # tools/ is on the path as a script

ROOT = Path(__file__).resolve().parents[1]
PUPILS = "data/dfe/pupils_by_ncy_la_2011-12_to_2022-23.csv"
BIRTHS = "data/ons/births_lad_mid_year_1992_2023_actual_and_predicted.csv"
BIRTHS_TABLE3 = "data/ons/ons_live_births_by_area_of_usual_residence_2014_2022_EW.csv"
LOOKUP_YEAR = "2021"  # the ONS table-3 block whose districts are LAD21
MERGED = {"940": "928", "941": "928"}  # successor LA -> the LA whose series it continues
MERGED_BIRTHS = {"928": ("E06000061", "E06000062")}  # North + West Northamptonshire
TINY = ("201", "420")  # City of London, Isles of Scilly: under 100 births a year, left out of one check figure
NO_BIRTHS = {"835": "Dorset county before April 2019: Christchurch moved to BCP, LAD21 births cannot be split",
             "836": "Poole before April 2019: merged into BCP with Christchurch, LAD21 births cannot be split",
             "837": "Bournemouth before April 2019: merged into BCP with Christchurch, LAD21 births cannot be split"}


def ncy_of(nc_year: pd.Series) -> pd.Series:
    """DfE ``nc_year`` labels to NCY numbers: reception -> 0, year_group_N -> N."""
    return nc_year.map(lambda s: 0 if s == "reception" else int(s.rsplit("_", 1)[-1]))


def derive_pupils(shared: Path) -> pd.DataFrame:
    """Pupils on roll (January census headcount) by LA, NCY 0-13 and academic year.

    ``time_period`` 201112 -> academic_year 2011. Year 14 is dropped. Rows are keyed by the
    DfE LA number (``old_la_code``) with the LA's latest GSS code and name; 940 and 941 are
    summed into 928 (see the module docstring).
    """
    raw = pd.read_csv(shared / PUPILS, dtype=str)
    raw = raw[raw["nc_year"] != "year_group_14"].copy()
    raw["academic_year"] = raw["time_period"].str[:4].astype(int)
    raw["ncy"] = ncy_of(raw["nc_year"])
    raw["nor"] = raw["headcount"].astype(int)
    raw["la_code"] = raw["old_la_code"].replace(MERGED)
    latest = (raw[~raw["old_la_code"].isin(MERGED)].sort_values("time_period")
              .groupby("la_code")[["new_la_code", "la_name"]].last())
    out = raw.groupby(["la_code", "academic_year", "ncy"], as_index=False)["nor"].sum()
    out["gss_code"] = out["la_code"].map(latest["new_la_code"])
    out["la_name"] = out["la_code"].map(latest["la_name"])
    out = out.sort_values(["la_code", "academic_year", "ncy"]).reset_index(drop=True)
    return out[["academic_year", "la_code", "gss_code", "la_name", "ncy", "nor"]]


def district_counties(shared: Path) -> dict[str, str]:
    """LAD21 district (E07) -> county (E10), from the order of ONS's 2021 births table.

    In ONS table 3 each county row is followed by its districts. The lookup is checked: the
    county's births equal the sum of its districts' births that year.
    """
    t = pd.read_csv(shared / BIRTHS_TABLE3, dtype=str)
    t = t[t["year"] == LOOKUP_YEAR].reset_index(drop=True)
    lookup: dict[str, str] = {}
    county = None
    for code in t["area_code"]:
        if code.startswith("E10"):
            county = code
        elif code.startswith("E07"):
            if county is None:
                raise ValueError(f"district {code} precedes any county in the {LOOKUP_YEAR} births table")
            lookup[code] = county
        else:
            county = None
    births = t.set_index("area_code")["live_births"].astype(int)
    summed = pd.Series(lookup).to_frame("county").assign(n=lambda d: births.reindex(d.index).to_numpy())
    check = summed.groupby("county")["n"].sum()
    bad = check[check != births.reindex(check.index)]
    if len(bad):
        raise ValueError(f"county births differ from the sum of their districts: {sorted(bad.index)}")
    return lookup


def derive_births(shared: Path, pupils: pd.DataFrame) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """Births by LA and academic year of birth; returns the table, the LAs left without births,
    and the per-LA ``exact``/``shifted`` columns for the approximation check.

    Each LAD21 area's cohorts follow ``academic_births``: the twelve months to 1 September
    y+1 where the GLA file has that row (cohorts 2016-2022), else (10/12)·M(y+1) + (2/12)·M(y+2)
    from the twelve months to 1 July. ``kind`` is ``actual``, or ``nowcast`` where the
    GP-registration prediction is used. Counties sum their LAD21 districts; Northamptonshire
    sums its two 2021 unitaries. The table has no source column, so a cohort that would need
    the mid-year-only fallback stops the build. Rounded to 1 decimal when written.
    """
    b = pd.read_csv(shared / BIRTHS, dtype={"gss_code": str, "date": str, "type": str})
    b = b[b["geography"] == "LAD21"].rename(columns={"gss_code": "area"})
    b = academic_births(b)
    fallback = b[b["method"] == "mid-year only"]
    if len(fallback):
        raise ValueError(f"births: no September row and no next mid-year for {sorted(set(fallback['area']))}")
    lookup = district_counties(shared)
    parts = {gss: (gss,) for gss in b["area"].unique()}
    for district, county in lookup.items():
        parts.setdefault(county, ())
        parts[county] += (district,)
    las = pupils.drop_duplicates("la_code")[["la_code", "gss_code"]]
    rows, missing = [], []
    for la, gss in las.itertuples(index=False):
        codes = MERGED_BIRTHS.get(la, parts.get(gss))
        if la in NO_BIRTHS or codes is None:
            missing.append(la)
            continue
        sub = b[b["area"].isin(codes)]
        if sub["area"].nunique() != len(codes):
            raise ValueError(f"LA {la}: births missing for part of {codes}")
        summed = sub.groupby("birth_year").agg(
            births=("births", "sum"), exact=("exact", lambda v: v.sum(min_count=len(v))),
            shifted=("shifted", lambda v: v.sum(min_count=len(v))),
            kind=("kind", lambda k: "nowcast" if (k == "nowcast").any() else "actual"))
        rows.append(summed.reset_index().assign(la_code=la, gss_code=gss))
    out = pd.concat(rows, ignore_index=True).sort_values(["la_code", "birth_year"]).reset_index(drop=True)
    return out[["la_code", "gss_code", "birth_year", "births", "kind"]], missing, out


def write_csv(df: pd.DataFrame, path: Path, decimals: dict[str, int] | None = None) -> None:
    """Write UTF-8 CSV with LF line ends; columns in ``decimals`` get that many decimals."""
    decimals = decimals or {}
    out = df.copy()
    for column, places in decimals.items():
        out[column] = [f"{x:.{places}f}" for x in out[column]]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def build(shared: Path, out_root: Path) -> list[str]:
    """Build both tables under ``out_root/scenarios/national``; return a short log."""
    pupils = derive_pupils(shared)
    births, missing, check = derive_births(shared, pupils)
    out = out_root / "scenarios" / "national"
    write_csv(pupils, out / "pupils_by_la.csv")
    write_csv(births, out / "births_by_la.csv", {"births": 1})
    years = pupils.groupby("la_code")["academic_year"].agg(["min", "max"])
    return [
        f"pupils: {pupils['la_code'].nunique()} LAs, academic years {pupils['academic_year'].min()}-"
        f"{pupils['academic_year'].max()}, {len(pupils)} rows",
        f"births: {births['la_code'].nunique()} LAs, birth years {births['birth_year'].min()}-"
        f"{births['birth_year'].max()}, {len(births)} rows",
        "births: 12 months to 1 September where the file has it, else 10/12 + 2/12 of two mid-years; "
        f"the shifted mid-years against the September rows: all LAs {describe(approximation_error(check))}; "
        f"without {', '.join(TINY)} {describe(approximation_error(check[~check['la_code'].isin(TINY)]))}; "
        f"Herefordshire (884) {describe(approximation_error(check[check['la_code'] == '884']))}",
        "no births (boundary change): " + ", ".join(f"{la} {NO_BIRTHS.get(la, 'not mapped')}" for la in missing),
        "short pupil history: " + ", ".join(f"{la} ({r['min']}-{r['max']})" for la, r in years.iterrows()
                                            if r["max"] - r["min"] < 11),
    ]


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: parse arguments, build, print the log."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared data folder")
    ap.add_argument("--out-root", type=Path, default=ROOT, help="where scenarios/national/ is written")
    args = ap.parse_args(argv)
    if not (args.shared / "data").is_dir():
        raise SystemExit(f"shared data folder not found: {args.shared / 'data'}")
    print("National data build")
    for line in build(args.shared, args.out_root):
        print("  " + line)


if __name__ == "__main__":
    main()
