"""Build placeplan's committed Herefordshire tables from the public data in ../shared.

Usage::

    python tools/build_herefordshire_data.py [--shared PATH] [--out-root PATH]

Reads public statistics (DfE SCAP May 2015 and scorecards, DfE pupil numbers, ONS
births, small-area populations and projections, OS Code-Point Open school
locations, housing requirements) and writes compact tables under
``<out-root>/scenarios/herefordshire/`` and ``<out-root>/scenarios/geodata/``. The output is
deterministic: sorted rows, fixed number formats and GeoJSON coordinates rounded
to 5 decimals, so two runs give identical bytes. ``scenarios/README.md`` and
``scenarios/geodata/README.md`` describe sources and methods; each function's docstring
states its own method. Needs shapely >= 2.1 (coverage_simplify).
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from academic_births import academic_births, approximation_error, describe  # tools/ is on the path as a script

ROOT = Path(__file__).resolve().parents[1]
LA, ONS, CAPACITY_YEAR = "884", "E06000019", 2024
COUNTY_PA, FAITH_PA = "8840001", "8844601"
FAITH_SECONDARY = "8844601"  # LAESTAB of St Mary's RC High School (draws Catholic pupils county-wide)
PRIMARY_NCY = range(0, 7)

# Short names for the 2015 codes (DfE's file has none; they follow the lookup's inferred catchments).
PA_NAMES = {
    "8844004": "Queen Elizabeth (Bromyard)", "8844014": "Whitecross (Hereford)",
    "8844015": "Aylestone (Hereford)", "8844021": "Kingstone", "8844022": "Lady Hawkins (Kington)",
    "8844027": "Earl Mortimer (Leominster)", "8844032": "Fairfield (Peterchurch / Golden Valley)",
    "8844045": "Weobley", "8844046": "Wigmore", "8844058": "John Masefield (Ledbury)",
    "8844428": "John Kyrle (Ross-on-Wye)", "8844600": "Bluecoat (Hereford)",
    "8844601": "St Mary's RC (Catholic primaries)", "8846905": "Hereford Academy (Hereford)",
    "8840001": "County (all secondary)",
}
SUB_AREAS = {
    "884S-HFD": "Hereford city", "884S-LEO": "Leominster", "884S-ROS": "Ross-on-Wye", "884S-LED": "Ledbury",
    "884S-BRO": "Bromyard", "884S-KIN": "Kington",
    "884S-RUR": "Rural high schools (Fairfield, Kingstone, Weobley, Wigmore)",
}
# Secondary schools (2015 LAESTAB) grouped by town; the Steiner Academy sits in the Kingstone catchment.
SECONDARY_SUB_AREA = {
    "8844014": "884S-HFD", "8844015": "884S-HFD", "8844600": "884S-HFD", "8844601": "884S-HFD",
    "8846905": "884S-HFD", "8844027": "884S-LEO", "8844428": "884S-ROS", "8844058": "884S-LED",
    "8844004": "884S-BRO", "8844022": "884S-KIN", "8844021": "884S-RUR", "8844032": "884S-RUR",
    "8844045": "884S-RUR", "8844046": "884S-RUR", "8846906": "884S-RUR",
}
HEREFORD_PAS = ("8844014", "8844015", "8844600", "8846905")
TOWN_PA = {"Leominster": "8844027", "Ross-on-Wye": "8844428", "Ledbury": "8844058", "Bromyard": "8844004",
           "Kington": "8844022"}
# Core Strategy 2011-31 settlement split and the 2022 preferred option for 2021-41.
SPLIT_2011 = {"Hereford": 6500, "Leominster": 2300, "Ross-on-Wye": 900, "Ledbury": 800, "Bromyard": 500,
              "Kington": 200, "rural": 5300}
SPLIT_2021 = {"Hereford": 3900, "Leominster": 1700, "Ross-on-Wye": 1500, "Bromyard": 650, "Ledbury": 600,
              "Kington": 250, "rural": 2500}
RURAL_DENSITY = 5.0  # persons per hectare; LSOAs below it are rural (the 2017-20 data has a gap at 4.4-7.3)
# Published 2024/25 mainstream figures: school_id -> (capacity, PAN or None, pan_source, note).
PUBLISHED = {
    "151069": (630, 90, "published", "expanded 420 → 630, PAN 60 → 90 (council decision 6457; new block 2021)"),
    "116936": (450, 90, "published", "450 since 2017 (Hereford Times 23332987), PAN 90 (the 2026 expansion takes "
                                     "it 90 → 150); 750 only from Sept 2026"),
    "116718": (105, 15, "estimated", "105 places until its rebuild to 140 (a capital project, due autumn 2026); "
                                     "PAN 15 inferred as 105 ÷ 7, no source states it"),
    "137073": (680, None, None, "capacity 680 quoted in the 2023 Aylestone options appraisal (Hereford Times "
                                "23349335)"),
}
# Sixth forms in 2024/25 where the school's name (current or 2015) does not settle it:
# school_id -> (has a sixth form, evidence). Found in stored public pages, not in ../shared.
SIXTH_FORM = {
    "136803": (True, "sixth form: the school's sixth-form pages (jmhs.hereford.sch.uk/sixth-form); Ofsted 2004 "
                     "report: ages 11-18"),
    "116941": (False, "sixth form closed in 2023, none on roll from August 2023 (Hereford Times 23742437); "
                      "the 2015 name had 'and Sixth Form Centre'"),
}
# Specialist and AP places: (school_id, provision, places, note); all source "published".
SPECIALIST = [
    ("149855", "specialist", 84, "84 commissioned places, ages 5-16 (brookfield.hereford.sch.uk admissions)"),
    ("117055", "specialist", 60, "about 60 pupils (Hereford Times 24635217, 2024), taken as places"),
    ("148636", "specialist", 60, "post-16 special free school built for about 60 (originally 50 places)"),
    ("116680", "specialist", 32, "Language and Communication Centre: 32 resourced places before the 32 → 48 "
                                 "expansion (BBC 66881651)"),
    ("130991", "alternative_provision", 65, "65 places, Years 7-11 (hprs.hereford.sch.uk admissions)"),
]
SPECIAL_AGES = {"117055": (2, 19, "Hereford Times 24635217"), "149855": (5, 16, "school admissions page"),
                "148636": (16, 19, "Years 12-14, council local offer page")}
YIELDS = [
    ("primary", 0.25, 0.18, 0.30, "assumption: Devon 25 and Northumberland 18.4 pupils per 100 dwellings; "
                                  "glossary range 0.2-0.3 (dfe-methodology.md s.5)"),
    ("secondary", 0.13, 0.10, 0.18, "assumption: Northumberland 11 per 100 dwellings; glossary range 0.1-0.2 "
                                    "(dfe-methodology.md s.5)"),
    ("sixth_form", 0.02, 0.01, 0.04, "assumption: no example found; small because few Herefordshire schools "
                                     "have sixth forms (county Y12-13 ≈ 3% of Y7-13 on roll in 2022/23)"),
]

# SEND: EHCPs and statements of all ages (0-25) found in council sources, by academic year of the
# January count: 660 in 2017 (factsandfigures; academic year 2016/17), about 1,700 in December 2025
# (BBC; taken as 2025/26). Years between are interpolated at a constant growth rate.
EHCP_FOUND = {2016: 660, 2025: 1700}
# Assumed shares of all EHCPs by the phase's ages (national SEN2 pattern: about a third each at 5-10
# and 11-15), and the assumed share of EHCP pupils placed in specialist settings (special schools,
# resourced provision, independent special schools): Herefordshire's special-school rolls (c. 340 in
# 2019) plus independent placements (81-105 in 2021-24) are about 45% of its school-age EHCPs.
EHCP_PHASE_SHARE = {"primary": 0.32, "secondary": 0.33}
SPECIALIST_SHARE = 0.45


# ---------------------------------------------------------------- helpers
def largest_remainder(values, total: int) -> np.ndarray:
    """Round non-negative ``values`` to integers summing exactly to ``total``.

    Method: scale to the total, floor, then give the missing units to the largest fractional
    parts; ties go to the earlier position, so callers sort their rows first.
    """
    v = np.asarray(values, dtype=float)
    exact = v / v.sum() * total
    out = np.floor(exact + 1e-9).astype(int)
    order = sorted(range(len(v)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[: total - out.sum()]:
        out[i] += 1
    return out


def norm_name(name: str) -> str:
    """Normalise a school name for matching: lower case, CofE/CE unified, filler words dropped."""
    s = re.sub(r"[^a-z0-9 ]", " ", name.lower().replace("'", ""))
    s = re.sub(r"\b(church of england|cofe|ce)\b", "ce", s)
    drop = {"the", "school", "primary", "academy", "and", "nursery", "pre", "community", "endowed"}
    return " ".join(w for w in s.split() if w not in drop)


def cell(x, decimals: int | None = None) -> str:
    """Format one value: blank for missing, fixed decimals if asked, whole numbers without '.0'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if decimals is not None:
        return f"{float(x):.{decimals}f}"
    if isinstance(x, (int, np.integer)) or (isinstance(x, float) and x.is_integer()):
        return str(int(x))
    return str(x)


def pa_population(pop: pd.DataFrame, lsoa_pa: pd.DataFrame) -> pd.DataFrame:
    """Sum an LSOA population table by the LSOA's primary planning area."""
    m = lsoa_pa.set_index("lsoa11_code")["primary_planning_area"]
    return pop.groupby(m.reindex(pop.index).to_numpy()).sum()


# ---------------------------------------------------------------- read_*
def read_scap(shared: Path) -> pd.DataFrame:
    """SCAP May 2015 rows for LA 884: LAESTAB, name, phase, May NOR, capacities, planning-area codes."""
    df = pd.read_csv(shared / "data/dfe/scap2015/scap2015_school_level_UD1_herefordshire_884.csv", dtype=str)
    df.columns = ["laestab", "la", "estab", "la_name", "name", "phase", "nor", "net", "pri", "sec", "pri_pa",
                  "sec_pa", "main_phase"]
    df[["nor", "net", "pri", "sec"]] = df[["nor", "net", "pri", "sec"]].apply(pd.to_numeric)
    return df


def read_schools(shared: Path) -> pd.DataFrame:
    """The 98 schools of the July 2025 list plus The Beacon College; predecessor LAESTABs from notes."""
    base = shared / "data/schools"
    other = pd.read_csv(base / "herefordshire_other_institutions.csv", dtype=str)
    df = pd.concat([pd.read_csv(base / "herefordshire_schools.csv", dtype=str),
                    other[other["urn"] == "148636"].assign(phase="post16")], ignore_index=True)
    df["nor"] = pd.to_numeric(df["nor"])
    pred = df["notes"].fillna("").str.extract(r"predecessor URN \d+ \(LAESTAB (\d{7})")[0]
    df["match_laestab"] = df["laestab"].fillna(pred)
    df["via_pred"] = df["laestab"].isna() & pred.notna()
    return df


def read_page_facts(shared: Path) -> dict[str, dict[str, int]]:
    """PAN and capacity figures read from school web pages, keyed by URN."""
    out: dict[str, dict[str, int]] = {}
    for _, r in pd.read_csv(shared / "data/schools/page_facts.csv", dtype=str).iterrows():
        out.setdefault(r["urn"], {})["capacity" if r["fact"] == "capacity" else "pan"] = int(r["value"])
    return out


def read_dfe_totals(shared: Path) -> dict[int, dict[str, int]]:
    """DfE scorecard county capacity and NOR by SCAP year (2024 = 2024/25)."""
    df = pd.read_csv(shared / "data/dfe/herefordshire_scorecard_2022-23_to_2024-25.csv", dtype=str)
    return {int(r["Year"][:4]): {k: int(float(r[k])) for k in ("PriCap", "SecCap") if pd.notna(r[k])}
            for _, r in df.iterrows()}


def read_scorecard_nor(shared: Path) -> dict[int, dict[str, int]]:
    """DfE scorecard county primary (R-Y6) and secondary (Y7-Y11) NOR by academic year.

    A scorecard row's NOR is for the academic year AFTER its ``Year`` label (DfE's technical guidance:
    row "2024/25" holds the January 2026 census, academic year 2025/26).
    """
    df = pd.read_csv(shared / "data/dfe/herefordshire_scorecard_2022-23_to_2024-25.csv", dtype=str)
    return {int(r["Year"][:4]) + 1: {"primary": int(float(r["PriNOR"])), "secondary": int(float(r["SecNOR"])),
                                     "row": r["Year"]}
            for _, r in df.iterrows()}


def derive_observed_totals(scorecard: dict[int, dict[str, int]]) -> pd.DataFrame:
    """The county's January census NOR after the year-group history, by phase, held exact."""
    rows = []
    for year, nor in sorted(scorecard.items()):
        census = f"January {year + 1} census"
        for phase, (low, high), column in (("primary", (0, 6), "PriNOR"), ("secondary", (7, 11), "SecNOR")):
            rows.append((year, "january", "authority", LA, low, high, nor[phase], "exact",
                         f"DfE school places scorecard, row {nor['row']} ({column}): {census}, mainstream {phase}"))
    return pd.DataFrame(rows, columns=["academic_year", "census", "level", "code", "ncy_low", "ncy_high", "nor",
                                       "held", "source"])


def read_county_pupils(shared: Path) -> pd.DataFrame:
    """Herefordshire January-census headcount by academic year and NCY 0-13 (Year 14 dropped)."""
    df = pd.read_csv(shared / "data/dfe/pupils_by_ncy_la_2011-12_to_2022-23.csv", dtype=str)
    df = df[df["new_la_code"] == ONS].copy()
    df["ncy"] = df["nc_year"].str.replace("reception", "0").str.replace("year_group_", "").astype(int)
    df["academic_year"] = df["time_period"].str[:4].astype(int)
    df["nor"] = pd.to_numeric(df["headcount"]).astype(int)
    return df[df["ncy"] <= 13][["academic_year", "ncy", "nor"]]


def read_funding_pupils(shared: Path) -> pd.DataFrame:
    """October 2024 census pupils by school (DfE school funding statistics 2025-26): R-Y6, KS3, KS4."""
    df = pd.read_csv(shared / "data/dfe/herefordshire_school_pupils_oct2024_funding_2025-26.csv", dtype=str)
    df = df.rename(columns={"school_laestab": "laestab", "school_urn": "urn", "school_name": "name",
                            "primary_pupils_derived": "primary", "ks3_pupils_derived": "ks3",
                            "ks4_pupils_derived": "ks4"})
    df[["primary", "ks3", "ks4"]] = df[["primary", "ks3", "ks4"]].apply(pd.to_numeric).astype(int)
    return df[["laestab", "urn", "name", "primary", "ks3", "ks4"]]


def read_lsoa_population(shared: Path) -> dict[int, pd.DataFrame]:
    """ONS LSOA persons by single year of age 0-19 plus total, mid-2017/2019/2020, indexed by LSOA code."""
    out = {}
    for year in (2017, 2019, 2020):
        df = pd.read_csv(shared / f"data/ons/herefordshire_lsoa11_mid{year}_persons_syoa.csv")
        ages = df[[str(a) for a in range(20)]].astype(float).set_axis(range(20), axis=1)
        ages["total"] = df["total_population"].astype(float)
        out[year] = ages.set_index(df["lsoa11_code"]).sort_index()
    return out


def read_geo(shared: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """2011 LSOA polygons and the 2024 county outline, reprojected to EPSG:27700."""
    lsoa = gpd.read_file(shared / "data/geo/herefordshire_lsoa11.geojson").to_crs(27700)
    county = gpd.read_file(shared / "data/geo/herefordshire_ltla24_boundary.geojson").to_crs(27700)
    return lsoa.sort_values("lsoa11_code").reset_index(drop=True), county


def read_housing_numbers(shared: Path) -> tuple[dict[int, float], dict[int, float]]:
    """Core Strategy stepped requirement and draft Local Plan rate (per year), plus HDT completions.

    The stepped rates ("600 dpa for 2011-2016" ...) and the draft plan's "805 dwellings per year"
    are parsed from the plan-data notes; 2011-2016 means financial years 2011/12 to 2015/16.
    """
    plans = pd.read_csv(shared / "data/housing/herefordshire_local_plan_housing_numbers.csv", dtype=str)
    rate: dict[int, float] = {}
    for dpa, start, end in re.findall(r"(\d+) dpa for (\d{4})-(\d{4})", " ".join(plans["notes"])):
        rate.update({y: float(dpa) for y in range(int(start), int(end))})
    new = float(re.search(r"around (\d+) dwellings per year", " ".join(plans["notes"])).group(1))
    rate.update({y: new for y in range(2021, 2041)})
    hdt = pd.read_csv(shared / "data/housing/housing_delivery_test_2018_all_LPAs.csv", dtype=str)
    hdt = hdt[hdt["ons-code"] == ONS].iloc[0]
    actual = {y: float(hdt[f"delivered-{y}-{str(y + 1)[2:]}"]) for y in (2015, 2016, 2017)}
    return rate, actual


# ---------------------------------------------------------------- derive_*
def derive_schools(schools: pd.DataFrame, scap: pd.DataFrame) -> pd.DataFrame:
    """Schools table: match to SCAP 2015, set planning areas, sub-area and NCY range.

    Matching: LAESTAB, else the predecessor LAESTAB named in the schools file's notes (academy
    re-registrations), else normalised name. Mainstream schools with no match take the primary
    planning area of the nearest matched primary. Special schools, the PRU and Beacon College get
    no planning area (county-wide provision). NCY: primary 0-6; secondary 7-11, or 7-13 when a
    current or 2015 name says "Sixth Form"; PRU 7-11; others from the age range (NCY = age - 4 at
    entry, age - 5 at leaving; nursery not counted), else 0-13. SIXTH_FORM overrides the name rule
    where a source says a sixth form opened or closed.
    """
    by_laestab = scap.set_index("laestab")
    by_name = {norm_name(n): le for n, le in zip(scap["name"], scap["laestab"])}
    rows = []
    for _, s in schools.iterrows():
        phase = {"all-through": "all_through", "pru": "alternative_provision"}.get(s["phase"], s["phase"])
        kind = ("special" if phase in ("special", "post16") else
                "alternative_provision" if phase == "alternative_provision" else "mainstream")
        le, how = s["match_laestab"], ("predecessor LAESTAB" if s["via_pred"] else "LAESTAB")
        if le not in by_laestab.index and kind == "mainstream":
            le, how = by_name.get(norm_name(s["name"])), "name"
        m = by_laestab.loc[le] if le in by_laestab.index and kind == "mainstream" else None
        src = "GIAS list Jul 2025 via " + ("other-institutions file" if phase == "post16" else "schools file")
        src += f"; planning areas: SCAP May 2015 by {how} {le}" if m is not None else ""
        ages = SPECIAL_AGES.get(s["urn"]) or ((int(s["age_low"]), int(s["age_high"]), "schools file")
                                             if pd.notna(s["age_low"]) else None)
        if phase == "primary":
            lo, hi = 0, 6
        elif phase == "secondary":
            sixth = [n for n in (s["name"], m["name"] if m is not None else "") if "sixth form" in n.lower()]
            by_name = (bool(sixth), f"sixth form (name '{sixth[0]}')" if sixth else "")
            has_sixth, why = SIXTH_FORM.get(s["urn"], by_name)
            lo, hi = 7, (13 if has_sixth else 11)
            src += f"; {why}" if why else ""
        elif phase == "alternative_provision":
            lo, hi = 7, 11
        elif ages:
            lo, hi = max(0, ages[0] - 4), ages[1] - 5
            src += f"; ages {ages[0]}-{ages[1]} ({ages[2]})"
        else:
            lo, hi = 0, 13
            src += "; age range not found, Reception-Y13 assumed"
        has = m is not None
        rows.append(dict(school_id=s["urn"], laestab=s["laestab"] if pd.notna(s["laestab"]) else "",
                         name=s["name"], phase=phase, kind=kind,
                         primary_planning_area=m["pri_pa"] if has and pd.notna(m["pri_pa"]) else "",
                         secondary_planning_area=m["sec_pa"] if has and pd.notna(m["sec_pa"]) else "",
                         sub_area=SECONDARY_SUB_AREA.get(le, "") if has and pd.notna(m["sec_pa"]) else "",
                         ncy_low=lo, ncy_high=hi, status="open", postcode=s["postcode"],
                         easting=int(s["easting"]), northing=int(s["northing"]), source=src,
                         scap_laestab=le if has else "", nor2019=s["nor"]))
    df = pd.DataFrame(rows)
    matched = df[(df["primary_planning_area"] != "") & (df["primary_planning_area"] != FAITH_PA)]
    for i in df.index[(df["kind"] == "mainstream") & (df["scap_laestab"] == "")]:
        d = np.hypot(matched["easting"] - df.at[i, "easting"], matched["northing"] - df.at[i, "northing"])
        near = matched.loc[d.idxmin()]
        if df.at[i, "ncy_low"] <= 6:
            df.at[i, "primary_planning_area"] = near["primary_planning_area"]
        if df.at[i, "ncy_high"] >= 7:
            df.at[i, "secondary_planning_area"] = COUNTY_PA
        df.at[i, "source"] += f"; not in SCAP 2015: planning area of nearest matched primary {near['school_id']}"
    return df.sort_values("school_id").reset_index(drop=True)


def match_funding_pupils(schools: pd.DataFrame, funding: pd.DataFrame, log: list[str]) -> pd.DataFrame:
    """The October 2024 counts keyed by school_id: URN first, else LAESTAB (current, then the SCAP one).

    Logs file rows with no school and open mainstream schools with no file row.
    """
    main = schools[(schools["kind"] == "mainstream") & (schools["status"] == "open")]
    ids = set(schools["school_id"])
    by_le = {le: sid for col in ("scap_laestab", "laestab")
             for le, sid in zip(schools[col], schools["school_id"]) if le}
    sid = [u if u in ids else by_le.get(le, "") for u, le in zip(funding["urn"], funding["laestab"])]
    out = funding.assign(school_id=sid)
    lost = out[out["school_id"] == ""]
    missing = sorted(set(main["school_id"]) - set(out["school_id"]))
    log.append(f"October 2024 school counts: {len(out) - len(lost)} of {len(out)} file rows matched; not matched: "
               + (", ".join(lost["laestab"] + " " + lost["name"]) or "none") + "; open mainstream schools missing "
               "from the file: " + (", ".join(missing) or "none"))
    return out[out["school_id"] != ""].set_index("school_id")


def split_sixth_forms(cap: pd.DataFrame, schools: pd.DataFrame, funding: pd.DataFrame, county: pd.DataFrame,
                      log: list[str]) -> pd.DataFrame:
    """Hold the sixth-form places of 11-18 schools (ncy_high 13) apart from their Y7-Y11 places.

    The school's net capacity (SCAP, scaled) counts Y7-Y13. Sixth-form pupils: the county's Y12-Y13
    on roll in the latest census year, split between the sixth-form schools by their January 2019
    whole-school roll minus their October 2024 Y7-Y11 (floored at 0). Sixth-form places = net
    capacity x sixth-form pupils / (sixth-form pupils + October 2024 Y7-Y11), rounded; the
    secondary row keeps the rest, so the school's total (and the county's) is unchanged.
    """
    latest = int(county["academic_year"].max())
    y1213 = int(county.loc[(county["academic_year"] == latest) & county["ncy"].isin([12, 13]), "nor"].sum())
    sixth = schools[(schools["kind"] == "mainstream") & (schools["ncy_high"] >= 12)].set_index("school_id")
    y711 = {i: int(funding.at[i, "ks3"] + funding.at[i, "ks4"]) for i in sixth.index}
    gap = {i: max(0, int(sixth.at[i, "nor2019"]) - y711[i]) for i in sixth.index}
    pupils = dict(zip(sixth.index, largest_remainder([gap[i] for i in sixth.index], y1213)))
    label = f"January {latest + 1}"
    rows = []
    for i in sixth.index:
        j = cap.index[(cap["school_id"] == i) & (cap["provision"] == "secondary")][0]
        whole, share = int(cap.at[j, "net_capacity"]), pupils[i] / (pupils[i] + y711[i])
        places = int(round(whole * share))
        rule = (f"sixth-form pupils {pupils[i]} = county Y12-Y13 {label} ({y1213}) × this school's share of "
                f"(Jan 2019 roll − Oct 2024 Y7-Y11) = {gap[i]} of {sum(gap.values())}")
        cap.at[j, "net_capacity"] = whole - places
        cap.at[j, "note"] += (f"; Y7-Y11 places = {whole} − {places} held as sixth_form")
        rows.append(dict(school_id=i, provision="sixth_form", net_capacity=places, pan=np.nan, ygs=2,
                         source="estimated", fixed=True, base=0,
                         note=f"{places} of the school's {whole} places, in proportion to sixth-form pupils in "
                              f"the whole roll ({pupils[i]} of {pupils[i] + y711[i]}, {share:.1%}): {rule}"))
        log.append(f"sixth form {i} {sixth.at[i, 'name']}: {whole} places -> {whole - places} Y7-Y11 + {places} "
                   f"sixth form ({pupils[i]} est. sixth-form pupils, {y711[i]} Y7-Y11 Oct 2024)")
    return pd.concat([cap, pd.DataFrame(rows)], ignore_index=True)


def derive_capacity(schools: pd.DataFrame, scap: pd.DataFrame, facts: dict, totals: dict[str, int],
                    funding: pd.DataFrame, county: pd.DataFrame, log: list[str]) -> pd.DataFrame:
    """Places as at 2024/25: SCAP 2015 base, published changes, pro-rata reconciliation, sixth forms apart.

    1. Base: SCAP May 2015 net capacity (the all-through school split by its phase columns).
    2. Published figures replace it (PUBLISHED; capacities on school pages). A published PAN whose
       PAN x year groups differs from the base gives an estimated capacity of PAN x year groups;
       where it agrees, the base is corroborated and not rescaled.
    3. Schools missing from SCAP 2015: PAN x year groups, else January 2019 NOR rounded up to a
       multiple of the year-group count (estimated).
    4. The remaining plain SCAP rows of each phase are scaled pro rata and integerised by largest
       remainder so the phase total equals DfE's 2024/25 county capacity exactly (DfE's secondary
       figure counts sixth-form places).
    5. Schools with a sixth form: their places are split into secondary (Y7-Y11) and sixth_form
       (Y12-Y13) rows (``split_sixth_forms``); the county total is unchanged.
    PAN: published where known (pan_source published; PUBLISHED may mark an inferred one estimated),
    else the Y7-Y11 or R-Y6 places / year groups rounded to the nearest 5, at least 5 (estimated).
    Sixth-form, specialist and AP rows have no PAN. Specialist/AP places: SPECIALIST, else January
    2019 NOR rounded up to a multiple of 5.
    """
    scap_by = scap.set_index("laestab")
    rows = []
    for _, s in schools[schools["kind"] == "mainstream"].iterrows():
        m = scap_by.loc[s["scap_laestab"]] if s["scap_laestab"] else None
        fact = facts.get(s["school_id"], {})
        for prov, ygs, has in (("primary", 7, s["ncy_low"] <= 6), ("secondary", 5, s["ncy_high"] >= 7)):
            if not has:
                continue
            pan, fixed, base = fact.get("pan"), False, 0
            pan_source = "published" if pan else None
            if m is not None:
                base = int(m["pri" if prov == "primary" else "sec"] if s["phase"] == "all_through" else m["net"])
                cap, source, note = base, "scap2015", f"SCAP May 2015 net capacity {base}"
            elif pan:
                cap, source, note = pan * ygs, "estimated", f"not in SCAP 2015: PAN {pan} × {ygs} year groups"
            else:
                cap = int(math.ceil(s["nor2019"] / ygs) * ygs)
                source, note = "estimated", f"not in SCAP 2015: Jan 2019 NOR rounded up to a multiple of {ygs}"
            if s["school_id"] in PUBLISHED:
                cap, pan_pub, pub_source, note = PUBLISHED[s["school_id"]]
                source, fixed = "published", True
                if pan_pub:
                    pan, pan_source = pan_pub, pub_source
            elif "capacity" in fact:
                cap, source, fixed = fact["capacity"], "published", True
                note = f"capacity {cap} and PAN {pan} from the school's admissions page"
            elif pan and source == "scap2015":
                fixed = True
                if pan * ygs != cap:
                    source, note = "estimated", f"PAN {pan} (school page) × {ygs} year groups; SCAP May 2015 had {cap}"
                    cap = pan * ygs
                else:
                    note += f" = published PAN {pan} × {ygs}; corroborated, not rescaled"
            rows.append(dict(school_id=s["school_id"], provision=prov, net_capacity=cap, pan=pan, ygs=ygs,
                             pan_source=pan_source, source=source, note=note, fixed=fixed, base=base))
    cap = pd.DataFrame(rows)
    for prov, key in (("primary", "PriCap"), ("secondary", "SecCap")):
        sel = cap["provision"] == prov
        pool = sel & (cap["source"] == "scap2015") & ~cap["fixed"]
        before, target = int(cap.loc[sel, "net_capacity"].sum()), totals[key]
        pool_before = int(cap.loc[pool, "net_capacity"].sum())
        pool_target = target - (before - pool_before)
        factor, idx = pool_target / pool_before, cap.index[pool]
        for i, v in zip(idx, largest_remainder(cap.loc[idx, "net_capacity"].to_numpy(), pool_target)):
            cap.at[i, "note"] = (f"scap2015 {cap.at[i, 'net_capacity']} scaled ×{factor:.3f} to match DfE 2024/25 "
                                 "county total")
            cap.at[i, "net_capacity"], cap.at[i, "source"] = int(v), "estimated"
        log.append(f"{prov} capacity: SCAP 2015 base {int(cap.loc[sel, 'base'].sum())} -> {before} after published/"
                   f"PAN changes; DfE 2024/25 {target}; residual {target - before:+d} ({(target - before) / target:+.1%})"
                   f" spread over {len(idx)} plain SCAP rows {pool_before} -> {pool_target} (factor {factor:.4f})")
    cap = split_sixth_forms(cap, schools, funding, county, log)
    closed = [k for k, (has, _) in SIXTH_FORM.items() if not has]
    closed = cap["school_id"].isin(closed) & (cap["provision"] == "secondary")
    cap.loc[closed, "note"] += "; sixth form closed in 2023: all its places counted as Y7-Y11"
    est = cap["pan"].isna() & (cap["provision"] != "sixth_form")
    cap.loc[est, "pan"] = [max(5, 5 * int(c / y / 5 + 0.5)) for c, y in zip(cap.loc[est, "net_capacity"],
                                                                            cap.loc[est, "ygs"])]
    cap.loc[est, "pan_source"] = "estimated"
    cap.loc[est, "note"] += [f"; PAN estimated from {'Y7-Y11' if p == 'secondary' else 'R-Y6'} places ÷ {y}"
                             for p, y in zip(cap.loc[est, "provision"], cap.loc[est, "ygs"])]
    extra = [dict(school_id=a, provision=b, net_capacity=c, source="published", note=d) for a, b, c, d in SPECIALIST]
    for _, s in schools[schools["kind"] == "special"].iterrows():
        if s["school_id"] not in {e["school_id"] for e in extra}:
            extra.append(dict(school_id=s["school_id"], provision="specialist", source="estimated",
                              net_capacity=int(math.ceil(s["nor2019"] / 5) * 5),
                              note=f"no published figure: Jan 2019 NOR {int(s['nor2019'])} rounded up to a multiple of 5"))
    cap = pd.concat([cap, pd.DataFrame(extra)], ignore_index=True).assign(as_of_year=CAPACITY_YEAR)
    cols = ["school_id", "provision", "net_capacity", "pan", "pan_source", "as_of_year", "source", "note"]
    return cap[cols].sort_values(["school_id", "provision"]).reset_index(drop=True)


def derive_school_nor(schools: pd.DataFrame, scap: pd.DataFrame, funding: pd.DataFrame) -> pd.DataFrame:
    """School rolls: SCAP May 2015 NOR (academic year 2014) and the January 2019 census NOR (2018),
    whole school (ncy_low/ncy_high blank); October 2024 census (2024) by block: R-Y6 (0-6), KS3
    (7-9), KS4 (10-11), one row per block the school has pupils in (sixth form not counted)."""
    scap_nor = scap.set_index("laestab")["nor"]
    src = ("DfE school funding statistics 2025-26, school-level file: October 2024 census funded pupils "
           "(sixth form not counted)")
    rows = []
    for _, s in schools.iterrows():
        if s["scap_laestab"]:
            rows.append((s["school_id"], 2014, "may", np.nan, np.nan, int(scap_nor[s["scap_laestab"]]),
                         f"DfE SCAP May 2015 (LAESTAB {s['scap_laestab']})"))
        if pd.notna(s["nor2019"]):
            rows.append((s["school_id"], 2018, "january", np.nan, np.nan, int(s["nor2019"]),
                         "DfE performance tables, January 2019"))
        if s["school_id"] in funding.index:
            f = funding.loc[s["school_id"]]
            for col, lo, hi, what in (("primary", 0, 6, "R-Y6"), ("ks3", 7, 9, "KS3"), ("ks4", 10, 11, "KS4")):
                if f[col] > 0:
                    rows.append((s["school_id"], 2024, "october", lo, hi, int(f[col]), f"{src}; {what}"))
    df = pd.DataFrame(rows, columns=["school_id", "academic_year", "census", "ncy_low", "ncy_high", "nor", "source"])
    return df.sort_values(["school_id", "academic_year", "census", "ncy_low"]).reset_index(drop=True)


def nearest(points: np.ndarray, targets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row position in ``targets`` and distance (m) of the nearest target to each point; ties -> first."""
    d = np.hypot(points[:, :1] - targets["easting"].to_numpy()[None, :],
                 points[:, 1:] - targets["northing"].to_numpy()[None, :])
    j = d.argmin(axis=1)
    return j, d[np.arange(len(points)), j]


def derive_lsoa_areas(lsoa: gpd.GeoDataFrame, schools: pd.DataFrame, log: list[str]) -> pd.DataFrame:
    """Map each 2011 LSOA to a primary planning area and a secondary sub-area.

    Method: the nearest school (straight line, EPSG:27700) to the LSOA's representative point.
    Primary: open mainstream schools with primary places, except the Catholic grouping 8844601
    and the Steiner Academy, which both draw county-wide. Secondary: schools with secondary
    places except St Mary's RC High and the Steiner Academy. A primary area left with no LSOA
    would be given the LSOA containing its first school (logged).
    """
    pts = np.array([(p.x, p.y) for p in lsoa.representative_point()])
    main = schools[(schools["kind"] == "mainstream") & (schools["phase"] != "all_through")]
    pri = main[(main["primary_planning_area"] != "") & (main["primary_planning_area"] != FAITH_PA)]
    sec = main[(main["secondary_planning_area"] != "") & (main["scap_laestab"] != FAITH_SECONDARY)]
    pri, sec = pri.reset_index(drop=True), sec.reset_index(drop=True)
    (jp, dp), (js, ds) = nearest(pts, pri), nearest(pts, sec)
    df = pd.DataFrame({
        "lsoa11_code": lsoa["lsoa11_code"], "lsoa11_name": lsoa["lsoa11_name"],
        "primary_planning_area": pri.loc[jp, "primary_planning_area"].to_numpy(),
        "sub_area": sec.loc[js, "sub_area"].to_numpy(),
        "method": [f"nearest primary {a} ({x / 1000:.1f} km); nearest secondary {b} ({y / 1000:.1f} km)"
                   for a, x, b, y in zip(pri.loc[jp, "school_id"], dp, sec.loc[js, "school_id"], ds)],
    })
    for pa in sorted(set(pri["primary_planning_area"]) - set(df["primary_planning_area"])):
        s = pri[pri["primary_planning_area"] == pa].iloc[0]
        i = int(np.flatnonzero(lsoa.contains(shapely.Point(s["easting"], s["northing"])))[0])
        df.loc[i, ["primary_planning_area", "method"]] = [pa, f"fallback: LSOA containing school {s['school_id']}"]
        log.append(f"planning area {pa} had no nearest LSOA; given {df.at[i, 'lsoa11_code']}")
    log.append(f"LSOAs: {len(df)} mapped to {df['primary_planning_area'].nunique()} primary areas "
               f"and {df['sub_area'].nunique()} secondary sub-areas")
    return df


def derive_pupils(county: pd.DataFrame, schools: pd.DataFrame, scap: pd.DataFrame, pops: dict,
                  lsoa_pa: pd.DataFrame) -> pd.DataFrame:
    """Pupils by planning area, NCY and year: county figures, with R-Y6 split over 14 areas.

    share[pa, ncy, y] is proportional to attendance[pa, y] x profile[pa, ncy, y]. Attendance is
    the area's share of primary NOR at its schools (SCAP May 2015 for 2014, January 2019 for 2018,
    linear in between, flat outside; the all-through school counts with its primary share of
    capacity). Profile follows the birth cohort: for the cohort born in mid-year ``c = year -
    ncy - 4``, the area's share of that cohort's resident children, averaged over the LSOA
    estimates (mid-2017, 2019, 2020; at whatever age the cohort had then, 0-19), divided by the
    area's average share of children aged 4-10; 1 for the faith grouping, which has no residents
    of its own. Following the cohort keeps the split consistent as a cohort moves up a year: a
    profile taken from one estimate year per calendar year made spurious jumps in the areas'
    progression ratios whenever the estimate year changed. Each (ncy, year) is integerised by
    largest remainder to the county figure. Y7-Y13 all go to the county area 8840001.
    """
    pri = schools[schools["primary_planning_area"] != ""]
    m = scap.set_index("laestab").reindex(pri["scap_laestab"])
    frac = np.where(pri["phase"] == "all_through", m["pri"] / (m["pri"] + m["sec"]), 1.0)
    att = {}
    for year, nor in ((2014, m["nor"].to_numpy()), (2018, pri["nor2019"].to_numpy())):
        t = pd.Series(np.nan_to_num(nor * frac), index=pri["primary_planning_area"].to_numpy()).groupby(level=0).sum()
        att[year] = t / t.sum()
    areas = sorted(att[2014].index)
    by_year = {year: pa_population(pop, lsoa_pa).reindex(areas) for year, pop in pops.items()}
    base = sum(b[list(range(4, 11))].sum(axis=1) / b[list(range(4, 11))].sum().sum()
               for b in by_year.values()) / len(by_year)

    def cohort_profile(cohort: int) -> np.ndarray:
        shares = [b[ly - cohort] / b[ly - cohort].sum() for ly, b in sorted(by_year.items()) if 0 <= ly - cohort <= 19]
        return (sum(shares) / len(shares) / base).fillna(1.0).to_numpy()
    rows = []
    for (year, ncy), grp in county.groupby(["academic_year", "ncy"], sort=True):
        total = int(grp["nor"].sum())
        if ncy not in PRIMARY_NCY:
            rows.append((year, COUNTY_PA, ncy, total, "DfE January census headcount, county (one secondary area)"))
            continue
        w = min(max((year - 2014) / 4, 0.0), 1.0)
        a = (1 - w) * att[2014].reindex(areas) + w * att[2018].reindex(areas)
        cohort = year - ncy - 4
        for pa, v in zip(areas, largest_remainder(a.to_numpy() * cohort_profile(cohort), total)):
            rows.append((year, pa, ncy, int(v), "DfE January census county headcount split by attendance × "
                                                 "LSOA residence profile of the birth cohort (estimate)"))
    df = pd.DataFrame(rows, columns=["academic_year", "planning_area", "ncy", "nor", "source"])
    return df.sort_values(["academic_year", "planning_area", "ncy"]).reset_index(drop=True)


def _births_source(birth_year: int, method: str, kind: str) -> str:
    """The ``source`` text of one births row: which GLA rows or SNPP years gave it."""
    y = birth_year
    if kind == "projected":
        if method == "mid-year only":
            return (f"ONS 2022-based SNPP (migration category), age 0 at mid-{y + 1} taken as births "
                    f"(last projection year: no mid-{y + 2} to shift by two months)")
        return (f"ONS 2022-based SNPP (migration category), age 0 at mid-{y + 1} and mid-{y + 2} taken as "
                f"births, shifted two months: 10/12 and 2/12")
    if method == "september":
        return (f"ONS births via GLA, 12 months to 1 September {y + 1}"
                + (" (GP-registration nowcast)" if kind == "nowcast" else " (GLA monthly estimate)"))
    if method == "shifted":
        return (f"ONS births via GLA, 10/12 of the year to 1 July {y + 1} + 2/12 of the year to 1 July {y + 2}"
                + (" (uses the GP-registration nowcast)" if kind == "nowcast" else ""))
    return f"ONS births via GLA, year to 1 July {y + 1} only (no later mid-year)"


def derive_births(shared: Path, log: list[str] | None = None) -> pd.DataFrame:
    """Births by academic birth year (September to August) for the whole LA.

    The rule is ``academic_births``'s: births in the twelve months to 1 September y+1 where the
    GLA file has that row (cohorts 2016-2022; 2022 is the GP-registration nowcast, with its
    interval), else (10/12)·M(y+1) + (2/12)·M(y+2) from the twelve months to 1 July. After the
    last of these, the ONS 2022-based SNPP age-0 population at mid-year Y stands for the births
    of the twelve months to 1 July Y, shifted by the same two-month rule (projected); the last
    projection year has no later mid-year and is used alone, as its ``source`` says. Appends the
    approximation check to ``log`` when given.
    """
    b = pd.read_csv(shared / "data/ons/births_lad_mid_year_1992_2023_actual_and_predicted.csv", dtype=str)
    b = b[(b["gss_code"] == ONS) & (b["geography"] == "LAD21")].rename(columns={"gss_code": "area"})
    known = academic_births(b)
    snpp = pd.read_csv(shared / "data/ons/herefordshire_snpp2022_migcat_persons_age0_19.csv", dtype=str)
    age0 = snpp[snpp["AGE_GROUP"] == "0"].iloc[0]
    years = [int(c) for c in snpp.columns if c.isdigit()]
    projected = academic_births(pd.DataFrame({
        "area": ONS, "date": [f"{y}-07-01" for y in years], "type": "projected",
        "annual_births": [age0[str(y)] for y in years], "interval_lower": None, "interval_upper": None}))
    projected = projected[projected["birth_year"] > known["birth_year"].max()]
    df = pd.concat([known, projected], ignore_index=True)
    if log is not None:
        log.append(f"births: shifted mid-years against the 1 September rows: {describe(approximation_error(known))}")
    df = df.assign(area=LA, source=[_births_source(y, m, k) for y, m, k in
                                    zip(df["birth_year"], df["method"], df["kind"])])
    cols = ["area", "birth_year", "births", "births_low", "births_high", "kind", "source"]
    return df[cols].sort_values("birth_year").reset_index(drop=True)


def derive_birth_shares(pops: dict, lsoa_pa: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Share of LA births per primary planning area, 6 decimals summing exactly to 1.

    Residence areas: mean LSOA age-0 count over mid-2017/2019/2020, summed by planning area.
    The faith grouping 8844601 has no residents of its own: its share is its share of county
    primary-school NOR in January 2019, and the 13 residence shares are scaled to the rest.
    Rounded in millionths; the rounding difference goes to the largest share.
    """
    age0 = sum(pa_population(pops[y][[0]], lsoa_pa)[0] for y in sorted(pops)) / len(pops)
    nor = schools[(schools["phase"] == "primary") & (schools["primary_planning_area"] != "")]
    faith = nor.loc[nor["primary_planning_area"] == FAITH_PA, "nor2019"].sum() / nor["nor2019"].sum()
    shares = age0 / age0.sum() * (1 - faith)
    shares[FAITH_PA] = faith
    micro = (shares.sort_index() * 1e6).round().astype(int)
    micro[micro.idxmax()] += 1_000_000 - micro.sum()
    src = ["faith grouping: its share of county primary NOR, January 2019" if pa == FAITH_PA else
           "ONS LSOA age-0 population, mean of mid-2017/2019/2020, by planning area" for pa in micro.index]
    return pd.DataFrame({"planning_area": micro.index, "share": micro.to_numpy() / 1e6, "source": src})


def derive_housing(rate: dict, actual: dict, pops: dict, lsoa: gpd.GeoDataFrame, lsoa_pa: pd.DataFrame,
                   log: list[str]) -> pd.DataFrame:
    """Dwelling completions by primary planning area, academic years 2011-2040.

    County: the Core Strategy stepped requirement (planned) to 2020, Housing Delivery Test
    completions for 2015-17 (actual), the draft Local Plan rate from 2021 (planned). Split: Core
    Strategy settlement shares to 2020, 2022 preferred-option shares from 2021. Each market town
    goes to its planning area; Hereford to the four city areas by children aged 0-15 in their
    urban LSOAs; the rural share to all 13 residence areas by children aged 0-15 in their rural
    LSOAs (density under RURAL_DENSITY). Tenths of a dwelling integerised by largest remainder.
    """
    mean = sum(pops[y] for y in sorted(pops)) / len(pops)
    kids = mean[list(range(16))].sum(axis=1)
    dens = mean["total"] / (lsoa.set_index("lsoa11_code").area.reindex(mean.index) / 1e4)
    pa = lsoa_pa.set_index("lsoa11_code")["primary_planning_area"].reindex(mean.index)
    urban, rural = (kids[m].groupby(pa[m]).sum() for m in (dens >= RURAL_DENSITY, dens < RURAL_DENSITY))
    areas, weights = sorted(set(pa)), {}
    for name, split in (("2011", SPLIT_2011), ("2021", SPLIT_2021)):
        tot = sum(split.values())
        w = pd.Series(0.0, index=areas)
        for town, code in TOWN_PA.items():
            w[code] += split[town] / tot
        h = urban.reindex(list(HEREFORD_PAS)).fillna(0)
        w[list(HEREFORD_PAS)] += (h / h.sum() * split["Hereford"] / tot).to_numpy()
        w += rural.reindex(areas).fillna(0) / rural.sum() * split["rural"] / tot
        weights[name] = w
    for name in weights:
        log.append(f"housing shares from {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in weights[name].items()))
    rows = []
    for y in range(2011, 2041):
        total, kind = (actual[y], "actual") if y in actual else (rate[y], "planned")
        src = ("Housing Delivery Test 2018 completions" if kind == "actual" else
               "Core Strategy 2011-31 stepped requirement" if y <= 2020 else "draft Local Plan 2021-41 rate")
        src += "; Core Strategy split" if y <= 2020 else "; 2022 preferred-option split"
        w = weights["2011" if y <= 2020 else "2021"]
        rows += [(a, y, t / 10, kind, src) for a, t in zip(areas, largest_remainder(w.to_numpy(), round(total * 10)))]
    df = pd.DataFrame(rows, columns=["planning_area", "academic_year", "dwellings", "kind", "source"])
    return df.sort_values(["planning_area", "academic_year"]).reset_index(drop=True)


def derive_send(county: pd.DataFrame, scorecard: dict[int, dict[str, int]]) -> pd.DataFrame:
    """Resident pupils with an EHCP, and those in specialist places, by phase and academic year.

    Method: the all-age EHCP totals found (``EHCP_FOUND``) are interpolated at a constant growth
    rate for the years between; each phase gets an assumed share of them (``EHCP_PHASE_SHARE``)
    and an assumed share of those is placed in specialist settings (``SPECIALIST_SHARE``). The
    population is the county's pupils on roll in the phase: the DfE census headcount (R-Y6,
    Y7-Y11) to 2022/23 and the DfE scorecard NOR after. Every row is ``estimated``.
    """
    (y0, n0), (y1, n1) = sorted(EHCP_FOUND.items())
    growth = (n1 / n0) ** (1 / (y1 - y0))
    census = county.assign(phase=np.where(county["ncy"] <= 6, "primary",
                                          np.where(county["ncy"] <= 11, "secondary", "other")))
    census = census[census["phase"] != "other"].groupby(["academic_year", "phase"])["nor"].sum()
    rows = []
    for year in range(y0, y1 + 1):
        total = n0 * growth ** (year - y0)
        for phase, share in EHCP_PHASE_SHARE.items():
            if (year, phase) in census.index:
                population, basis = census[(year, phase)], "DfE census"
            elif year in scorecard:
                population, basis = scorecard[year][phase], "DfE scorecard NOR"
            else:
                last = max(scorecard)
                population, basis = scorecard[last][phase], f"DfE scorecard NOR {last}/{str(last + 1)[-2:]} held"
            ehcp = total * share
            source = ("EHCP total " + ("found" if year in EHCP_FOUND else "interpolated")
                      + "; phase and specialist shares assumed; population " + basis)
            rows.append((LA, year, phase, population, ehcp, ehcp * SPECIALIST_SHARE, "estimated", source))
    return pd.DataFrame(rows, columns=["area", "academic_year", "phase", "population", "ehcp", "specialist",
                                       "kind", "source"])


def derive_planning_areas(lookup: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """The 14 primary areas and the county secondary area (SCAP 2015 codes), plus 7 secondary sub-areas.

    A 2015 primary code is 884 + the establishment number of its catchment high school, so it
    equals that school's (2015) LAESTAB: catchment_school is the open school with secondary places
    matched to that LAESTAB, and feeds is that school's secondary planning area. Blank for
    secondary areas and sub-areas.
    """
    sec = schools[(schools["secondary_planning_area"] != "") & (schools["scap_laestab"] != "")]
    catch = dict(zip(sec["scap_laestab"], zip(sec["school_id"], sec["secondary_planning_area"])))
    notes = {COUNTY_PA: "single county-wide secondary area", FAITH_PA: "Catholic primaries feeding St Mary's RC High"}
    rows = []
    for _, r in lookup.iterrows():
        code = r["pa_code"]
        school, feeds = catch.get(code, ("", "")) if r["phase"] == "primary" else ("", "")
        if r["phase"] == "primary" and not school:
            raise SystemExit(f"primary planning area {code}: no open secondary school with LAESTAB {code}")
        src = "DfE SCAP May 2015 code; " + notes.get(code, "named after the catchment high school (inferred)")
        src += f"; catchment school by LAESTAB {code}" if school else ""
        rows.append((code, PA_NAMES[code], r["phase"], "official", "", school, feeds, src))
    rows += [(code, name, "secondary", "sub_area", COUNTY_PA, "", "",
              "analysis grouping of secondary schools by town (derived, not official)") for code, name in SUB_AREAS.items()]
    df = pd.DataFrame(rows, columns=["planning_area", "name", "phase", "kind", "parent", "catchment_school", "feeds",
                                     "source"])
    return df.sort_values(["phase", "kind", "planning_area"]).reset_index(drop=True)


def derive_geo(lsoa: gpd.GeoDataFrame, county: gpd.GeoDataFrame, lsoa_pa: pd.DataFrame, areas: pd.DataFrame,
               schools: pd.DataFrame) -> tuple[list, list]:
    """Planning-area polygons and the county outline as WGS84 GeoJSON features.

    The LSOA coverage is simplified once (20 m, coverage-preserving, so neighbours keep shared
    edges) and dissolved by primary planning area and by sub-area. 8840001 is the county outline
    (simplified 20 m); 8844601 is the union of the LSOAs that contain its schools.
    """
    simple = lsoa.assign(geometry=shapely.coverage_simplify(lsoa.geometry.to_numpy(), 20.0))
    simple = simple.merge(lsoa_pa, on="lsoa11_code")
    outline = shapely.simplify(county.geometry.union_all(), 20.0, preserve_topology=True)
    geoms = {COUNTY_PA: outline}
    for key in ("primary_planning_area", "sub_area"):
        geoms.update({code: shapely.union_all(g.geometry.to_numpy()) for code, g in simple.groupby(key)})
    faith = schools[schools["primary_planning_area"] == FAITH_PA]
    pts = [shapely.Point(e, n) for e, n in zip(faith["easting"], faith["northing"])]
    geoms[FAITH_PA] = shapely.union_all([g for g in simple.geometry if any(g.contains(p) for p in pts)])
    to_wgs = lambda g: gpd.GeoSeries([g], crs=27700).to_crs(4326).iloc[0]  # noqa: E731
    features = [geo_feature({k: r[k] for k in ("planning_area", "name", "phase", "kind")},
                            to_wgs(geoms[r["planning_area"]])) for _, r in areas.iterrows()]
    return features, [geo_feature({"la_code": LA, "la_name": "Herefordshire", "ons_code": ONS}, to_wgs(outline))]


def geo_feature(props: dict, geom) -> dict:
    """A GeoJSON feature with coordinates rounded to 5 decimals and repeated points removed."""
    g = shapely.remove_repeated_points(shapely.transform(geom, lambda xy: np.round(xy, 5)))
    g = g if g.is_valid else shapely.make_valid(g)
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)}


# ---------------------------------------------------------------- write_*
def write_csv(df: pd.DataFrame, path: Path, decimals: dict[str, int] | None = None) -> None:
    """Write a table as UTF-8 CSV with LF line ends; every cell formatted by ``cell``."""
    decimals = decimals or {}
    text = pd.DataFrame({c: [cell(x, decimals.get(c)) for x in df[c]] for c in df.columns})
    path.parent.mkdir(parents=True, exist_ok=True)
    text.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_geojson(features: list, path: Path, name: str) -> None:
    """Write a FeatureCollection (CRS84), one feature per line, compact separators."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({"type": "FeatureCollection", "name": name,
                       "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}},
                      separators=(",", ":"))
    body = ",\n".join(json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features)
    path.write_text(head[:-1] + ',"features":[\n' + body + "\n]}\n", encoding="utf-8")


def build(shared: Path, out_root: Path) -> list[str]:
    """Run every step, write all tables under ``out_root``; return the reconciliation log."""
    log: list[str] = []
    scap, totals = read_scap(shared), read_dfe_totals(shared)
    schools = derive_schools(read_schools(shared), scap)
    gone = scap[~scap["laestab"].isin(schools["scap_laestab"])]
    log.append("SCAP 2015 rows with no open school: " + ", ".join(gone["laestab"] + " " + gone["name"]))
    odd = schools.loc[schools["source"].str.contains("not in SCAP"), "name"]
    log.append("mainstream schools not matched to SCAP 2015: " + (", ".join(odd) or "none"))
    lsoa, county = read_geo(shared)
    lsoa_pa = derive_lsoa_areas(lsoa, schools, log)
    pops = read_lsoa_population(shared)
    areas = derive_planning_areas(pd.read_csv(
        shared / "data/dfe/scap2015/herefordshire_2015_planning_area_lookup.csv", dtype=str), schools)
    funding = match_funding_pupils(schools, read_funding_pupils(shared), log)
    county_pupils = read_county_pupils(shared)
    capacity = derive_capacity(schools, scap, read_page_facts(shared), totals[CAPACITY_YEAR], funding,
                               county_pupils, log)
    log.append(f"(DfE 2023/24 for comparison: primary {totals[2023]['PriCap']}, secondary {totals[2023]['SecCap']})")
    out, geo = out_root / "scenarios/herefordshire", out_root / "scenarios/geodata"
    write_csv(areas, out / "planning_areas.csv")
    write_csv(schools.drop(columns=["scap_laestab", "nor2019"]), out / "schools.csv")
    write_csv(capacity, out / "capacity.csv")
    write_csv(derive_school_nor(schools, scap, funding), out / "school_nor.csv")
    write_csv(derive_pupils(county_pupils, schools, scap, pops, lsoa_pa), out / "pupils.csv")
    write_csv(derive_observed_totals(read_scorecard_nor(shared)), out / "observed_totals.csv", {"nor": 0})
    write_csv(derive_send(county_pupils, read_scorecard_nor(shared)), out / "send.csv",
              {"population": 0, "ehcp": 1, "specialist": 1})
    write_csv(derive_births(shared, log), out / "births.csv", {"births": 1, "births_low": 1, "births_high": 1})
    write_csv(derive_birth_shares(pops, lsoa_pa, schools), out / "birth_shares.csv", {"share": 6})
    write_csv(derive_housing(*read_housing_numbers(shared), pops, lsoa, lsoa_pa, log), out / "housing.csv",
              {"dwellings": 1})
    write_csv(pd.DataFrame(YIELDS, columns=["provision", "yield_per_dwelling", "low", "high", "source"]),
              out / "pupil_yields.csv", {"yield_per_dwelling": 2, "low": 2, "high": 2})
    write_csv(lsoa_pa, geo / "lsoa_planning_areas.csv")
    features, outline = derive_geo(lsoa, county, lsoa_pa, areas, schools)
    write_geojson(features, geo / "planning_areas.geojson", "planning_areas")
    write_geojson(outline, geo / "county_boundary.geojson", "county_boundary")
    return log


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: parse arguments, build, print the reconciliation summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared data folder")
    ap.add_argument("--out-root", type=Path, default=ROOT, help="where scenarios/ (with scenarios/geodata/) is written")
    args = ap.parse_args(argv)
    if not (args.shared / "data").is_dir():
        raise SystemExit(f"shared data folder not found: {args.shared / 'data'}")
    print("Herefordshire data build: reconciliation summary")
    for line in build(args.shared, args.out_root):
        print("  " + line)


if __name__ == "__main__":
    main()
