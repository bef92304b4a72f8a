"""Section 7: method, data sources and their dates, and the approximations, stated plainly."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from placeplan.outputs.report.blocks import Table
from placeplan.outputs.fmt import ay, join_words, num, plural

YEAR_COLUMNS = ("academic_year", "birth_year", "as_of_year", "nor_year", "financial_year")
HEREFORDSHIRE = "884"


def _sources(values: pd.Series, limit: int = 3, width: int = 110) -> list[str]:
    """The most common sources, with how many rows give each.

    Sources that differ only in their numbers (a year, a school number) count as one, shown by
    its first example: 'ONS births via GLA, year to 1 July 1992 (and 55 like it)'.
    """
    first: dict[str, str] = {}
    counts: Counter = Counter()
    for value in values.dropna():
        text = str(value).split(";")[0].strip()
        if not text:
            continue
        key = re.sub(r"\d+", "#", text)
        first.setdefault(key, text)
        counts[key] += 1
    lines = []
    for key, n in counts.most_common(limit):
        text = first[key]
        text = text if len(text) <= width else text[: width - 1] + "…"
        same = sum(1 for v in values.dropna() if str(v).split(";")[0].strip() == first[key])
        lines.append(f"{text} ({n:,} rows)" if same == n else f"{text} and {n - 1:,} like it")
    if len(counts) > limit:
        lines.append(f"and {plural(len(counts) - limit, 'other source')}")
    return lines or ["not stated"]


def _years(frame: pd.DataFrame) -> str:
    for column in YEAR_COLUMNS:
        if column in frame.columns and frame[column].notna().any():
            lo, hi = int(frame[column].min()), int(frame[column].max())
            if column == "academic_year":
                return ay(lo) if lo == hi else f"{ay(lo)} to {ay(hi)}"
            return str(lo) if lo == hi else f"{lo} to {hi}"
    return "–"


def method_section(results, has_specialist: bool) -> dict:
    """Run settings, how the figures are made, the data used, evidence on projects, approximations."""
    scenario = results.scenario
    config = scenario.config
    info = results.run_info
    meta, policy = config.meta, config.policy
    overrides = info.get("applied_overrides") or list(scenario.applied)
    settings = Table("Run settings", ["Setting", "Value"], [
        ["Scenario", f"{meta.title} ({scenario.path.name}, run name {info.get('scenario_name', scenario.name)})"],
        ["Overrides applied", "; ".join(str(o) for o in overrides) if overrides else "none"],
        ["Base year (last census)", ay(meta.base_year)],
        ["Projected years", f"{ay(meta.base_year + 1)} to {ay(meta.base_year + meta.horizon_years)}"],
        ["Simulations (draws) and random seed", f"{num(info.get('draws'))}, seed {info.get('seed')}"],
        ["Operating margin", f"{policy.operating_margin:.0%} of places kept spare"],
        ["Projection ratios", f"averaged over {policy.ratio_window} years ({policy.ratio_method.replace('_', ' ')})"],
        ["Capital programme as at", meta.programme_date.strftime("%-d %B %Y")],
        ["placeplan version", str(info.get("placeplan_version", ""))],
    ], [False, False], css="settings", widths=[35, 65])

    how = [
        "Pupils. Reception comes from births (the September-to-August birth cohort starts Reception five "
        "Septembers later) times a births-to-Reception ratio for each planning area; each later year group from "
        "the year group below a year earlier times a progression ratio; Year 7 from Year 6 through the transfer "
        f"ratio; sixth form from staying-on rates; plus pupils from new homes above the trend. Every ratio is "
        f"averaged over the last {policy.ratio_window} years ({policy.ratio_method.replace('_', ' ')}).",
        f"Uncertainty. Each of the {num(info.get('draws'))} simulations redraws the ratios from their own past "
        "variation, the births (wider the further ahead), housing delivery and pupil yields. Ranges in this report "
        "are the middle 90% of simulations (5th to 95th percentile); the central projection uses the averages.",
        "Places. Net capacity by school and year group, plus what the capital programme opens. Each project in "
        "delivery passes through its stages with uncertain durations, sharing the council's delivery team and "
        "waiting for planning committees, with the chance of planning refusal, contractor failure and cost "
        "overrun; places open at the first opening month after handover.",
        f"Sufficiency, as DfE defines it. For each planning area, year group and year: places needed = pupils - "
        f"places × (1 - {policy.operating_margin:.0%} operating margin). Spare places in one planning area or year "
        "group never offset a shortfall in another; totals are sums of the parts. Sixth-form places are left out, "
        "as in DfE's place-planning tables. The chance of a shortfall is the share of simulations with at least one "
        "place needed in that area and year; the central figure compares the central projection with places as "
        "planned.",
    ]
    if has_specialist:
        how.append("Specialist places. Pupils needing a specialist place = projected pupils × EHCP prevalence × "
                   "specialist share, both trended from the scenario's history, against places in special schools "
                   "and resourced provision in county (R–Y11). The gap is pupils likely to need an out-of-county or "
                   "independent placement.")

    rows = []
    for name, frame in scenario.tables.items():
        if not isinstance(frame, pd.DataFrame):
            continue
        rows.append([name.replace("_", " "), num(len(frame)), _years(frame),
                     _sources(frame["source"]) if "source" in frame.columns else ["not stated"]])
    data_table = Table("Data used: each table of the scenario, its rows, the years it covers and its sources",
                       ["Table", "Rows", "Years", "Sources"], rows, [False, True, False, False], css="data",
                       widths=[18, 8, 18, 56])

    evidence_rows = []
    assumed_total = 0
    for key, project in config.capital_projects.items():
        tags: dict[str, list[str]] = {"assumed": [], "inferred": [], "found": []}
        for figure, tag in project.evidence.items():
            tags.setdefault(tag, []).append(figure.replace("_", " "))
        assumed_total += len(tags["assumed"])
        evidence_rows.append([project.name, project.status, ", ".join(tags["assumed"]) or "–",
                              ", ".join(tags["inferred"]) or "–", ", ".join(tags["found"]) or "–",
                              list(project.sources) or ["–"]])
    evidence = Table("Evidence for each capital project: which figures were found in a source, inferred, or assumed",
                     ["Project", "Status", "Assumed", "Inferred", "Found", "Sources"], evidence_rows,
                     [False] * 6, css="evidence", widths=[20, 9, 16, 12, 15, 28]) if evidence_rows else None
    return {"settings": settings, "how": how, "data": data_table, "evidence": evidence,
            "approximations": approximations(results, assumed_total, has_specialist)}


def approximations(results, assumed_total: int, has_specialist: bool) -> list[str]:
    """Plain statements of what is approximate, read from the scenario's own source columns."""
    scenario = results.scenario
    tables = scenario.tables
    out = []
    areas = tables["planning_areas"]
    official = areas[areas["kind"] == "official"] if "kind" in areas else areas
    if "source" in official.columns:
        said = sorted({str(s).split(";")[0].strip() for s in official["source"].dropna()})
        out.append("Planning areas: " + join_words(said) + " (from the planning-areas table's source column).")
    if scenario.config.meta.la_code == HEREFORDSHIRE:
        out.append("Herefordshire's planning areas here are DfE's May 2015 structure, the latest public one (the "
                   "council revised its areas in 2016). A DfE planning area is a set of schools, not a drawn "
                   "boundary: the map polygons are derived from ONS small areas by nearest school, not official "
                   "boundaries. Boundaries: Source: Office for National Statistics licensed under the Open "
                   "Government Licence v3.0; contains OS data © Crown copyright and database right.")
    elif scenario.config.planning_areas.geometry:
        out.append(f"Map polygons: {scenario.file('planning_areas.geometry').name}. A planning area is a set of "
                   "schools, so any drawn boundary is an approximation of the places it serves.")
    capacity = tables["capacity"]
    if "source" in capacity.columns:
        counts = capacity["source"].fillna("not stated").value_counts()
        parts = join_words([f"{n:,} {s}" for s, n in counts.items()])
        line = f"Capacity: of {len(capacity):,} capacity figures, {parts}."
        if "estimated" in counts.index:
            line += " Replace the estimated ones with the council's own SCAP figures first."
        out.append(line)
    pupils = tables.get("pupils")
    if isinstance(pupils, pd.DataFrame) and "source" in pupils.columns:
        estimated = pupils["source"].astype(str).str.contains("estimat", case=False)
        if estimated.any():
            out.append(f"Pupil history: {estimated.sum():,} of {len(pupils):,} rows of pupils by planning area are "
                       f"estimates (for example: {str(pupils.loc[estimated, 'source'].iloc[0])}).")
    base = results.base_position
    if "kind" in base.columns and (base["kind"] == "sub_area").any():
        methods = sorted({str(m) for m in base.loc[base["kind"] == "sub_area", "nor_method"].dropna()})
        out.append("Secondary sub-areas are groupings for analysis only: they are not projected, and their base-year "
                   "rolls are estimated (" + join_words(methods) + ").")
    if assumed_total:
        out.append(f"Capital projects: {plural(assumed_total, 'figure')} are assumed placeholders (see the evidence "
                   "table); the chance of opening on time depends on the assumed stage durations and risks.")
    out.append("Sixth-form places and nursery places are not counted in sufficiency, as in DfE's place-planning "
               "tables; sixth-form pupils are still projected.")
    if not has_specialist:
        out.append("Specialist (SEND) demand is not in this run: the scenario has no EHCP history table.")
    return out
