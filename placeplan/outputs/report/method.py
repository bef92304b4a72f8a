"""Section 7: method, data sources and their dates, and the approximations, stated plainly."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from placeplan.outputs.report.blocks import Table
from placeplan.outputs.fmt import ay, gbp, join_words, num, plural
from placeplan.outputs.housing_text import housing_sentences

YEAR_COLUMNS = ("academic_year", "birth_year", "as_of_year", "nor_year", "financial_year", "outturn_year")
HEREFORDSHIRE = "884"


def _sources(values: pd.Series, limit: int = 3, width: int = 110) -> list[str]:
    """The most common sources, with how many rows give each.

    Sources that differ only in their numbers (a year, a school number) count as one, shown by
    its first example: 'ONS births via GLA, 12 months to 1 September 2017 (GLA monthly
    estimate) and 5 like it'.
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
            if column in ("academic_year", "outturn_year"):
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
        ["Reference date (as at)", f"{meta.as_at.day} {meta.as_at.strftime('%B %Y')}"],
        ["Base year", ay(meta.base_year) + (" (year groups estimated to the observed totals)"
                                            if info.get("estimated_years") else " (January census)")],
        ["Last year-group census", f"January {info.get('last_year_group_census', meta.base_year) + 1}"],
        ["Projected years", f"{ay(meta.base_year + 1)} to {ay(meta.base_year + meta.horizon_years)}"],
        ["Simulations (draws) and random seed", f"{num(info.get('draws'))}, seed {info.get('seed')}"],
        ["Operating margin", f"{policy.operating_margin:.0%} of places kept spare"],
        ["Projection ratios", _ratio_setting(policy)],
        ["Capital programme as at", meta.programme_date.strftime("%-d %B %Y")],
        ["placeplan version", str(info.get("placeplan_version", ""))],
    ], [False, False], css="settings", widths=[35, 65])

    how = [
        "Pupils. Reception comes from births (the September-to-August birth cohort starts Reception five "
        "Septembers later) times a births-to-Reception ratio for each planning area; each later year group from "
        "the year group below a year earlier times a progression ratio; Year 7 from Year 6 through the transfer "
        "ratio; sixth form from staying-on rates; plus pupils from new homes above the trend. "
        + _ratio_text(policy),
        "Housing. " + " ".join(housing_sentences(results)) + _sites_text(scenario),
        f"Uncertainty. The {num(info.get('draws'))} simulations are not set by hand: they replay how far past "
        "forecasts of the same method missed, one year ahead, two years ahead and so on, measured on forecasts "
        "whose outcome was known. Every English authority's record (149 authorities, forecasts from 2014 to 2021 "
        "scored against the January censuses to 2023) gives the authority-wide part: what all authorities missed "
        "together, and how far one authority of this size strayed from that. The county's own record gives each "
        "planning area's deviation from the county. A simulation keeps its errors from year to year, as real "
        "errors persist. Housing delivery and pupil yields are drawn as well. Ranges in this report are the middle "
        "90% of simulations (5th to 95th percentile); the central projection uses the ratios themselves.",
        "Places. The school is the unit of supply. Each school's places by year group come from its own data: "
        "year-group capacity where the scenario gives it; else its published admission number (PAN) in each year "
        "group it teaches, reconciled to its net capacity (extra places spread evenly; a PAN above what the "
        "building holds leaves the oldest year groups smaller); else, with no published PAN, net capacity over the "
        "year groups taught, which is only indicative. Sixth-form places are held apart and never counted as "
        "Year 7-11 places. A capital project's places land at its school and year groups: a PAN rise admits a "
        "larger entry year group each September, a bulge class moves up, a rebuild adds to every year group. "
        "Planning areas and sub-areas are the sums of their schools. Each project in delivery passes through its "
        "stages with uncertain durations, sharing the council's delivery team and waiting for planning committees, "
        "with the chance of planning refusal, contractor failure and cost overrun; places open at the first opening "
        "month after handover.",
        f"Pupils by school. The planning area's projection is the control total. Each school's share of its area "
        f"comes from its latest school-level count; a cohort keeps its school as it moves up; Year 7 at each school "
        f"comes from {transfer_text(results)}. Schools always sum to their area exactly.",
        f"Sufficiency, as DfE defines it. For each planning area, year group and year: places needed = pupils - "
        f"places × (1 - {policy.operating_margin:.0%} operating margin). Spare places in one planning area or year "
        "group never offset a shortfall in another; totals are sums of the parts. Where an area's year-group places "
        "are only indicative (a school without a published PAN or year-group capacity), an even split of capacity "
        "says nothing about which year group is short, so the area is judged on the whole phase (pupils against "
        "places), with the year-group figure kept beside it in the CSVs. The same rules apply to every school and "
        "sub-area. A shortfall already there in the base year is existing pressure, reported as such. Sixth-form "
        "places are left out, as in DfE's place-planning tables. The chance of a shortfall is the share of "
        "simulations with at least one place needed in that area and year; the central figure compares the central "
        "projection with places as planned.",
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
    from placeplan.outputs.report.schools import scorecard_rows

    scorecard, scorecard_notes = scorecard_rows(results)
    from placeplan.outputs.report.outturn import outturn_section

    return {"settings": settings, "how": how, "outturn": outturn_section(results), "data": data_table, "evidence": evidence,
            "scorecard": scorecard, "scorecard_notes": scorecard_notes + scorecard_differences(results),
            "approximations": approximations(results, assumed_total, has_specialist)}


def _sites_text(scenario) -> str:
    """Named housing sites in a sentence (empty without a housing_sites table)."""
    from placeplan.demand.sites import site_ledger

    ledger = site_ledger(scenario.tables)
    if ledger.empty:
        return ""
    sites = scenario.tables["housing_sites"]
    by_site = ledger.assign(added=ledger["dwellings"].where(ledger["counted"].astype(bool), 0.0)).groupby(
        "site", sort=False).agg(name=("name", "first"), area=("planning_area", "first"),
                                homes=("dwellings", "sum"), added=("added", "sum"))
    money = sites.groupby("site")["contribution_gbp"].sum(min_count=1)
    items = [f"{row['name']} ({site}, {row['area']}): {num(row['homes'])} homes"
             + ("" if row["added"] == row["homes"] else f" ({num(row['added'])} added)")
             + (f", {gbp(money[site])} education contribution" if site in money and money[site] > 0 else "")
             for site, row in by_site.iterrows()]
    return (" Named sites, added to their planning areas' trajectories (never to years of recorded actual "
            "completions, which already count them): " + "; ".join(items) + ".")


def transfer_text(results) -> str:
    """How Year 7 is found, in words, for the method text and the SCAP methodology sheet."""
    method = results.scenario.config.transfer.method
    if results.transfer.empty:
        return ("the county pool (each secondary area's Year 7 a pooled share of all Year 6), as the scenario has no "
                "secondary schools to estimate a matrix to" if method == "estimate" else "the county pool")
    if method == "estimate":
        return ("a transfer matrix from each primary planning area (and from outside) to each secondary school, "
                "fitted by iterative proportional fitting to the areas' Year 6 and the schools' latest Year 7 "
                "intakes (school-level KS3 counts / 3 where only key-stage totals exist), starting from each area's "
                "catchment school; only the authority's net flow in or out can be identified from counts")
    if method == "own_area":
        return "each primary area's own Year 6, at its own averaged transfer ratio"
    return "the scenario's own transfer matrix"


def scorecard_differences(results) -> list[str]:
    """Plain reasons why placeplan's figures differ from DfE's scorecard for this authority."""
    if results.scenario.tables.get("dfe_scorecard") is None:
        return []
    meta = results.scenario.config.meta
    areas = results.scenario.tables["planning_areas"]
    n_sec = int(((areas["phase"] == "secondary") & (areas["kind"] == "official")).sum())
    if meta.la_code != HEREFORDSHIRE:
        return [f"Forecasts: DfE's rows carry the council's SCAP forecasts on the council's planning areas; placeplan "
                f"projects from base year {ay(meta.base_year)} on the scenario's {len(areas)} areas.",
                "Margin: the placeplan columns here use none, as DfE's rule; the rest of the report applies the "
                "scenario's margin.",
                "Capacity: DfE's secondary capacity includes sixth-form places; placeplan holds them apart."]
    return [
        f"Planning areas: DfE's figures sum the council's own planning areas (revised in 2016); placeplan uses the "
        f"public 2015 structure with {n_sec} secondary planning area{'s' if n_sec != 1 else ''}, so secondary need "
        f"that sits in one part of the county (the scorecard's 140 and 130 places) is offset by spare places "
        f"elsewhere at planning-area level here; the sub-area and school tables show where it is.",
        f"Forecasts: DfE's rows carry the council's SCAP forecasts, which over-forecast primary by 0.9% to 6.5% "
        f"one year ahead; placeplan projects from base year {ay(meta.base_year)}, so a row three years ahead of a "
        f"later base is four or five years ahead here.",
        "Margin: DfE's place-planning rule has no operating margin; the placeplan columns here use none either, "
        "while the rest of the report applies the scenario's margin.",
        "Capacity: DfE's secondary capacity includes sixth-form places; placeplan holds them apart, so its "
        "secondary places and spare places are smaller by the sixth-form capacity.",
    ]


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
    basis = results.capital.basis
    indicative = sum(1 for v in basis.values() if v != "firm")
    if basis:
        out.append(f"Year-group places: {indicative} of {len(basis)} schools have no published PAN or year-group "
                   "capacity here, so their year-group places are an even split of net capacity and they (and the "
                   "areas holding them) are judged on whole-phase places.")
    out.append("School rolls follow each school's latest share of its area (its latest count in school_nor); a "
               "school's share does not respond to places it gains, so an expansion shows "
               "as spare places there rather than pupils drawn from nearby schools; a new school not yet in the "
               "schools table gets places but no pupils of its own (its area's pupils stay at the existing schools).")
    if assumed_total:
        out.append(f"Capital projects: {plural(assumed_total, 'figure')} are assumed placeholders (see the evidence "
                   "table); the chance of opening on time depends on the assumed stage durations and risks.")
    out.append("Sixth-form places and nursery places are not counted in sufficiency, as in DfE's place-planning "
               "tables; sixth-form pupils are still projected.")
    if not has_specialist:
        out.append("Specialist (SEND) demand is not in this run: the scenario has no EHCP history table.")
    return out


def _ratio_setting(policy) -> str:
    """The run-settings line of the projection ratios."""
    if policy.ratio_method == "national_local":
        alpha = "chosen at the base year" if policy.deviation_alpha == "auto" else f"{policy.deviation_alpha:g}"
        return f"national plus local (deviation smoothing constant {alpha})"
    return f"averaged over {policy.ratio_window} years ({policy.ratio_method.replace('_', ' ')})"


def _ratio_text(policy) -> str:
    """How the projection ratios are forecast, in plain words."""
    if policy.ratio_method != "national_local":
        return f"Every ratio is averaged over the last {policy.ratio_window} years ({policy.ratio_method.replace('_', ' ')})."
    shocks = ", ".join(f"{y}/{(y + 1) % 100:02d}" for y in policy.national_shock_years)
    return ("Every ratio is split into a national part and a local one. The national part is the same ratio for "
            "all English authorities together, held at its latest value" + (f" (passing over {shocks}, the first "
            "COVID-19 year, whose January census was taken in lockdown)" if shocks else "") + "; the local part "
            "is how far the authority has run above or below it, averaged over every past year with the most "
            "recent counting most (exponential smoothing"
            + ("" if policy.deviation_alpha == "auto" else f", constant {policy.deviation_alpha:g}")
            + (", its constant chosen from how well it forecast the past, one year ahead"
               if policy.deviation_alpha == "auto" else "") + "). Planning areas add their own smoothed "
            "difference from the authority. For years after the national figures end, the national ratio is held at "
            "its last forecast. Year 7 follows the authority's forecast Year 7 / Year 6 ratio, with the transfer "
            "matrix keeping its shape. In the national back-test over about 150 authorities its typical error one year "
            "ahead was no larger than that of a 3-year mean or of carrying last year's ratios forward.")
