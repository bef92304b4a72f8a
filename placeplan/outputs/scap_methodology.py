"""The SCAP return's methodology sheet: the round, forecast method, data sources, rounding, caveats and
the validation result, written from the scenario.

Every sentence is built from the run (settings, tables, projects) and the return, so the sheet
describes the numbers beside it; nothing here reads files or the clock.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from placeplan.demand import BUILD_UP
from placeplan.pipeline import LIVE_STATUSES


def methodology_table(results, tables: dict[str, pd.DataFrame], window=None, breaches=()) -> pd.DataFrame:
    """Rows of (section, item, text) describing how the return was made, and its validation result.

    ``window``: the round (``scap_window.ScapWindow``, default the one after ``meta.as_at``);
    ``breaches``: the validator's findings (``scap_rules``), listed in the validation section.
    """
    from placeplan.outputs.fmt import ay
    from placeplan.outputs.scap_places import date_text, project_timings
    from placeplan.outputs.scap_rules import RULES
    from placeplan.outputs.scap_window import GUIDE, missing_forecast_years, scap_window

    scenario, info = results.scenario, results.run_info
    config, data = scenario.config, scenario.tables
    meta, policy = config.meta, config.policy
    window = window or scap_window(meta.as_at)
    rows: list[tuple[str, str, str]] = []

    def add(section: str, item: str, text: str) -> None:
        rows.append((section, item, text))

    # --- the round
    years = [int(y) for y in results.projection.years]
    fy = window.forecast_years
    natural = scap_window(meta.as_at)
    chosen = (f"the next SCAP collection after the run's reference date {meta.as_at.isoformat()} (a summer "
              "collection closes on 31 July)" if natural.round == window.round else
              f"chosen for this return (the next collection after the reference date {meta.as_at.isoformat()} "
              f"is {natural.name})")
    add("round", "collection", f"{window.name}: {chosen}. Capacity as at "
        f"{date_text(window.capacity_date)}; forecasts primary {ay(fy['primary'][0])} to {ay(fy['primary'][-1])} "
        f"(5 years) and secondary {ay(fy['secondary'][0])} to {ay(fy['secondary'][-1])} (7 years); planned "
        f"places {ay(window.planned_years[0])} to {ay(window.planned_years[-1])} (3 years). Source: {GUIDE['2026']}.")
    from placeplan.outputs.scap import area_census

    add("round", "NOR census", f"DfE's forecasts for {window.name} start from the {window.expected_nor_census}. "
        f"The data end earlier: planning-area NOR (nor_by_planning_area) is the run's base year, "
        f"{area_census(results)}, and each school's NOR is its latest census in "
        "the school_nor table, named in nor_census. DfE fills in NOR from its own censuses in COLLECT.")
    missing = missing_forecast_years(window, years)
    if missing:
        add("round", "missing years", "The run's projection ends at " + (ay(years[-1]) if years else "-")
            + "; the round needs " + "; ".join(f"{phase} {', '.join(ay(y) for y in ys)}"
                                               for phase, ys in missing.items())
            + ". Raise meta.horizon_years (or move the base year on) before submitting.")
    skipped = [y for y in years if y < min(fy["primary"][0], fy["secondary"][0])]
    if skipped:
        add("round", "years not reported", f"Projected years before {window.name}'s first forecast year ("
            + ", ".join(ay(y) for y in skipped) + ") are not in the return.")

    # --- scenario and data sources
    add("scenario", "title", f"{meta.title}: {meta.la_name} (LA {meta.la_code}"
        + (f", {meta.la_gss_code}" if meta.la_gss_code else "") + ").")
    add("scenario", "scenario", f"Scenario file {scenario.path.name}, run name {scenario.name}; overrides applied: "
        f"{', '.join(scenario.applied) or 'none'}.")
    add("scenario", "base year", f"Base year {ay(meta.base_year)}. Projected years {ay(years[0])} to "
        f"{ay(years[-1])}." if years else f"Base year {ay(meta.base_year)}.")
    add("scenario", "programme date", f"The capital programme is as at {meta.programme_date.isoformat()}.")
    pupils = data["pupils"]
    level = config.pupils.level
    add("data sources", "pupil history", f"Pupils on roll (January census) by planning area and year group, "
        f"{ay(int(pupils['academic_year'].min()))} to {ay(int(pupils['academic_year'].max()))}"
        + (" (given by school and summed into planning areas)" if level == "school" else "") + ". "
        + _sources(pupils))
    births = data["births"]
    kinds = Counter(births["kind"])
    add("data sources", "births", "Live births by birth cohort (September to August): "
        + ", ".join(f"{kinds[k]} {k}" for k in ("actual", "nowcast", "projected") if kinds.get(k))
        + f" cohort rows, birth years {int(births['birth_year'].min())} to {int(births['birth_year'].max())}. "
        + _sources(births))
    if "birth_shares" in data and not data["birth_shares"].empty:
        add("data sources", "birth shares", "Authority births are split between primary planning areas by each "
            "area's share. " + _sources(data["birth_shares"]))
    housing = data["housing"]
    hk = Counter(housing["kind"])
    add("data sources", "housing", f"New dwellings by primary planning area and year ({hk.get('actual', 0)} actual, "
        f"{hk.get('planned', 0)} planned rows), delivery factor {config.housing.delivery_factor:g} on planned rows. "
        + _sources(housing))
    yields = data["pupil_yields"]
    add("data sources", "pupil yields", "Pupils per new dwelling: " + ", ".join(
        f"{r.provision} {r.yield_per_dwelling:g} (range {r.low:g}-{r.high:g})" for r in yields.itertuples(index=False))
        + ". " + _sources(yields))
    schools, capacity = data["schools"], data["capacity"]
    add("data sources", "schools", f"{int((schools['status'] == 'open').sum())} open schools and settings. "
        + _sources(schools))
    counts = Counter(capacity["source"])
    add("data sources", "capacity", "Net capacity and PAN per school and provision, as at "
        + ", ".join(ay(y) for y in sorted(capacity["as_of_year"].unique()))
        + "; figures by provenance: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        + ". Replace scap2015 and estimated figures with the council's own (capacity_source column of "
        "school_capacity).")
    if "school_nor" in data and not data["school_nor"].empty:
        nor = data["school_nor"]
        censuses = Counter(zip(nor["academic_year"], nor["census"]))
        add("data sources", "school rolls", "Whole-school NOR in school_capacity is each school's latest census in "
            "the school_nor table, its blocks of year groups added up (" + ", ".join(
                f"{c} {ay(y)}: {_rows(n)}" for (y, c), n in sorted(censuses.items()))
            + "). SCAP's capacity data take NOR from the May census. " + _sources(nor))
    if "send" in data and not data["send"].empty:
        send = data["send"]
        add("data sources", "EHCP history", f"Resident pupils with an EHCP and in specialist provision by phase, "
            f"{ay(int(send['academic_year'].min()))} to {ay(int(send['academic_year'].max()))}; "
            + ", ".join(f"{n} {k}" for k, n in sorted(Counter(send["kind"]).items())) + " rows. " + _sources(send))
    add("data sources", "references", "Table-by-table sources and methods are in the README of the scenario's "
        "folder (scenarios/README.md for the shipped scenarios) and in each table's source column.")

    # --- forecast method
    averaging = {"mean": f"the simple mean of the last {policy.ratio_window} years",
                 "weighted_mean": f"a weighted mean of the last {policy.ratio_window} years (weights "
                                  f"{', '.join(f'{w:g}' for w in policy.ratio_weights or ())}, most recent first)",
                 "exp_smoothing": f"exponential smoothing (alpha {policy.smoothing_alpha:g}) over the last "
                                  f"{policy.ratio_window} years",
                 "national_local": "national plus local: the national ratio (pooled over every English "
                                   "authority) at its latest value, the first COVID-19 year passed over, plus the "
                                   "authority's deviation from it exponentially smoothed over its whole history "
                                   f"(smoothing constant {_alpha_text(policy)}); planning areas add their smoothed "
                                   "deviation from the authority"}[policy.ratio_method]
    add("method", "approach", "Cohort survival by planning area. Every ratio below is averaged over the history "
        f"by {averaging}; the forecasts in these sheets are the central projection (averaged ratios, central "
        "births and housing), not a simulated draw.")
    add("method", "reception", "Reception = births-to-Reception ratio x births of the cohort born five years "
        "earlier (September t-5 to August t-4), per primary planning area. Cohorts not yet born use projected "
        "births.")
    add("method", "cohort progression", "Years 1-6 and 8-11: the cohort in the year group below a year earlier x "
        "its progression ratio N(g, t) / N(g-1, t-1).")
    from placeplan.outputs.report.method import transfer_text

    add("method", "Year 7 transfer", "Year 7 at each secondary school and in each secondary planning area comes "
        f"from {transfer_text(results)}; a school's Year 7 then moves up with its cohort, the planning area's "
        "projection being the control total. The matrix used is written to transfer.csv.")
    add("method", "sixth form", "Year 12 = staying-on rate x Year 11 a year earlier; Year 13 = Year 12 a year "
        "earlier x its progression ratio. Secondary forecasts give Y12-Y13 where the area has sixth-form pupils.")
    add("method", "housing", "Pupils from new homes are added above trend: completions above the mean of the "
        f"ratio-window years ({policy.ratio_window}) x delivery factor x pupil yield, spread evenly over the "
        f"phase's year groups, counted {BUILD_UP[0]:.0%} in the year after completion and "
        f"{BUILD_UP[-1]:.0%} from the year after that (growth at the past rate is already in the ratios).")
    add("method", "attendance basis", "Forecasts count pupils on roll at mainstream schools in each planning area "
        "(attendance, including pupils from other authorities), as SCAP asks.")
    if not tables.get("specialist_forecasts", pd.DataFrame()).empty and "note" not in tables["specialist_forecasts"]:
        send_cfg = config.send
        add("method", "specialist forecasts", "Resident pupils needing a specialist place = projected pupils by "
            "phase x EHCP prevalence x specialist share, each rate trended over the last "
            f"{send_cfg.window if send_cfg else '?'} years"
            + (f" with damping {send_cfg.damping:g}" if send_cfg else "") + ".")
    record = results.scenario.tables.get("forecast_errors")
    source = ("the record of past out-of-sample forecast errors of every English authority for the county as a "
              "whole and the county's own record for its planning areas" if record is not None
              else "the record of past out-of-sample forecast errors of the county's own planning areas")
    add("method", "uncertainty", f"{info.get('draws')} Monte Carlo draws, seed {info.get('seed')} (same seed, same "
        "numbers) give the ranges in demand.csv and the chance a project opens by each September "
        f"(p_open_by_year). The pupil draws replay {source}, horizon by horizon (placeplan docs/ranges.md), "
        "plus drawn housing delivery and yields. The return itself is the central projection.")

    # --- whole numbers
    add("rounding", "rule", "Every count is a whole number, by largest remainders, top down: for each phase and "
        "year the authority's total is rounded to the nearest whole number (halves up); planning areas take "
        "the floor of their exact figure and the units still missing go, one each, to the areas with the "
        "largest fractional remainders; each area's year groups share the area's whole number the same way. "
        "Year groups therefore add up to the area totals and areas to the authority total. A school's "
        "capacity by year group shares its net capacity the same way (primary, secondary and sixth form "
        "apart), and a project's planned places by year group share its whole net change.")

    # --- capacity, planned places, housing-funded places
    add("capacity", "as at", f"Capacity is as at {date_text(window.capacity_date)}: each school's places "
        "by year group from the places model (given by year group, a published PAN reconciled to net capacity, "
        "or an even split marked indicative in capacity_basis), plus every committed or complete project open "
        "by then, with all its places (DfE counts the total places of new provision even where it fills one "
        "year group at a time). Sixth-form capacity (a voluntary field) is the school's own sixth-form figure.")
    add("capacity", "specialist", "Specialist capacity is each setting's places plus specialist places of "
        "projects open by the capacity date; alternative provision is listed but outside SCAP's specialist "
        "capacity.")
    add("planned places", "rule", f"Planned places cover {ay(window.planned_years[0])} to "
        f"{ay(window.planned_years[-1])}: committed and complete projects not open by the capacity date, each "
        "with all its places in the year it opens (a project opening between the capacity date and September "
        f"{window.planned_years[0]} counts in {ay(window.planned_years[0])}); additional places are permanent, "
        "bulge places temporary (in the year group the bulge class is admitted to), removed places negative; "
        f"sixth form included, specialist places excluded. Source: {GUIDE['planned']}.")
    central = ", ".join(config.scap.central_funding_sources) or "none"
    add("planned places", "central programmes", f"Projects funded by {central} are central programmes: their "
        "places are central_programme_places in place_planning, not LA planned places.")
    hdc = tables.get("pupil_forecasts", pd.DataFrame())
    recorded = hdc["housing_places_note"].ne("none recorded").any() if "housing_places_note" in hdc else False
    add("housing-funded places", "HDC / HIF", "hdc_places and hif_places are the places of committed or complete "
        "projects funded by housing developer contributions (funding_source "
        f"{', '.join(config.scap.hdc_funding_sources) or '-'}) or the Housing Infrastructure Fund "
        f"({', '.join(config.scap.hif_funding_sources) or '-'}) open by each year, in the school's planning area, "
        "plus the places named housing sites' S106 / CIL contributions fund (housing_sites table), from the "
        "year given, in the site's planning area"
        + ("." if recorded else "; the scenario records none, so they are 0 (labelled 'none recorded')."))

    # --- place planning
    margin = policy.operating_margin
    add("place planning", "no margin in DfE's columns", "DfE's columns follow its place-planning estimate: need = "
        "forecast - (capacity + LA planned places + central programme places), no operating margin. The "
        f"run's operating margin ({margin:.1%}) is applied only in the local_* columns: local_places_after_margin "
        "= total places less the margin (whole places held back, rounded up) and "
        "local_additional_need_with_margin = max(0, forecast - that).")
    add("place planning", "no offsetting", "additional_need_only_places and spare_places are summed over year "
        "groups and planning areas separately: spare places in one year group or area never offset need in "
        "another. Sixth form is left out, as in DfE's tables. Need is not rounded to the nearest 10 (DfE's "
        "published convention).")

    # --- approximations
    add("approximations", "sites", "One row per school: schools with sites in different planning areas are not "
        "split by site.")
    add("approximations", "specialist settings", "SEN units and resourced provision are not told apart; "
        "post-16 capacity is given only where the school teaches only post-16 or has a sixth-form capacity row.")
    add("approximations", "delivery", "A project counts as open by the capacity date on its planned opening date; "
        "the simulated chance that it opens by each September is p_open_by_year on planned_places and in "
        "capital_programme.csv.")

    # --- validation
    if not breaches:
        add("validation", "result", f"The return passes every checkable rule of the SCAP guide ({len(RULES)} "
            "rules: " + "; ".join(text for text, _ in RULES.values()) + ").")
    else:
        by_rule = Counter(b.rule for b in breaches)
        add("validation", "result", f"{len(breaches)} breach{'es' if len(breaches) != 1 else ''} of the SCAP "
            "guide's checkable rules (" + ", ".join(f"{k} {n}" for k, n in sorted(by_rule.items()))
            + "); every one is in scap_validation.csv. Fix them before loading the return into COLLECT.")
        for b in list(breaches)[:MAX_LISTED]:
            add("validation", b.rule, str(b))
        if len(breaches) > MAX_LISTED:
            add("validation", "more", f"and {len(breaches) - MAX_LISTED} more (scap_validation.csv).")

    # --- capital projects and their evidence
    timings = project_timings({k: p for k, p in config.capital_projects.items() if p.status in LIVE_STATUSES},
                              window, config.scap.central_funding_sources)
    for key, project in config.capital_projects.items():
        places = ", ".join(f"{c.net_capacity_change:+d} {c.provision} ({c.phasing}"
                           + (", temporary" if c.temporary else "") + ")" for c in project.places) or "no places"
        timing = timings.get(key)
        if timing is None:
            counted = "not counted (not a firm plan)"
        elif timing.in_capacity:
            counted = f"in capacity at {date_text(window.capacity_date)}"
        elif timing.reported_year <= window.planned_years[-1]:
            counted = (f"planned places in {ay(timing.reported_year)}" if timing.route == "la"
                       else f"central programme places from {ay(timing.reported_year)}")
        else:
            counted = f"opens after the planned-places years ({ay(timing.reported_year)})"
        evidence = "; ".join(f"{k}={v}" for k, v in project.evidence.items()) or "no evidence tags"
        add("capital projects", key, f"{project.name}: {project.status}, {places}, planned opening "
            f"{project.planned_opening.isoformat()}; in this return: {counted}. Evidence: {evidence}.")
    return pd.DataFrame(rows, columns=["section", "item", "text"])


MAX_LISTED = 50  # breaches listed on the methodology sheet (all of them are in scap_validation.csv)


def _sources(table: pd.DataFrame, most: int = 3) -> str:
    """'Sources: a (12 rows); b (3 rows); and 4 other notes.' from a table's source column."""
    if "source" not in table.columns:
        return ""
    counts = Counter(str(s) for s in table["source"].dropna())
    if not counts:
        return ""
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    text = "; ".join(f"{s} ({_rows(n)})" for s, n in top[:most])
    rest = len(top) - most
    return "Sources: " + text + (f"; and {rest} other source note{'s' if rest > 1 else ''}." if rest > 0 else ".")


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _alpha_text(policy) -> str:
    """The deviation smoothing constant as the method text gives it."""
    if policy.deviation_alpha == "auto":
        return "chosen at the base year from 0.3, 0.5, 0.7, 0.9 by the past one-year-ahead errors"
    return f"{policy.deviation_alpha:g}"
