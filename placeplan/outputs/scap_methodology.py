"""The SCAP return's methodology sheet: forecast method, data sources and caveats, written from the scenario.

Every sentence is built from the run (settings, tables, projects), so the sheet describes the
numbers beside it; nothing here reads files or the clock.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from placeplan.demand import BUILD_UP, UncertaintySettings
from placeplan.pipeline import LIVE_STATUSES


def methodology_table(results, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows of (section, item, text) describing how the SCAP tables were made."""
    from placeplan.outputs.scap import (PLANNED_PLACES_YEARS, PRIMARY_FORECAST_YEARS, SECONDARY_FORECAST_YEARS,
                                        forecast_years, planned_places_years)
    from placeplan.outputs.fmt import ay

    scenario, info = results.scenario, results.run_info
    config, data = scenario.config, scenario.tables
    meta, policy = config.meta, config.policy
    rows: list[tuple[str, str, str]] = []

    def add(section: str, item: str, text: str) -> None:
        rows.append((section, item, text))

    # --- scenario and data sources
    years = [int(y) for y in results.projection.years]
    add("scenario", "title", f"{meta.title}: {meta.la_name} (LA {meta.la_code}"
        + (f", {meta.la_gss_code}" if meta.la_gss_code else "") + ").")
    add("scenario", "scenario", f"Scenario file {scenario.path.name}, run name {scenario.name}; overrides applied: "
        f"{', '.join(scenario.applied) or 'none'}.")
    add("scenario", "base year", f"Base year {ay(meta.base_year)}: the last January census in the pupil "
        f"history. Projected years {ay(years[0])} to {ay(years[-1])}." if years else
        f"Base year {ay(meta.base_year)}.")
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
            "the school_nor table (" + ", ".join(f"{c} {ay(y)}: {_rows(n)}"
                                                 for (y, c), n in sorted(censuses.items()))
            + "). SCAP asks for the May census: replace NOR not from May. " + _sources(nor))
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
                                  f"{policy.ratio_window} years"}[policy.ratio_method]
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
        "earlier x its progression ratio.")
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

    # --- uncertainty
    u = UncertaintySettings()
    quantiles = ", ".join(f"{q:g}" for q in policy.quantiles)
    add("uncertainty", "simulation", f"{info.get('draws')} Monte Carlo draws, seed {info.get('seed')} (same seed, "
        f"same numbers). Reported quantiles: {quantiles}. The p-columns of pupil_forecasts are quantiles of each "
        "cell over draws (they do not add up across cells).")
    add("uncertainty", "components", "Ratios: residuals resampled from each ratio's own history, persistent over "
        f"the projection plus a year-to-year part (scale {u.year_noise:g}); projected births: relative error "
        f"{u.births_rate:.1%} per year beyond the last actual, capped at {u.births_cap:.0%}; housing delivery: "
        f"triangular multiplier {u.delivery[0]:g}/{u.delivery[1]:g}/{u.delivery[2]:g}; yields: triangular over "
        "each yield's range. Capital projects: stage durations and risks simulated per project.")

    # --- sufficiency
    margin = policy.operating_margin
    add("place planning", "operating margin", f"Operating margin {margin:.1%}: need = forecast - places x "
        f"(1 - {margin:g}). DfE's published place-planning tables use no margin; set policy.operating_margin "
        "to 0 to reproduce them.")
    add("place planning", "no offsetting", "additional_need_only_places and spare_places are summed over year "
        "groups and planning areas separately: spare places in one year group or area never offset need in "
        "another. Sixth form is left out, as in DfE's tables. Need is not rounded (DfE rounds to the nearest 10).")
    add("place planning", "planned places", "la_planned_places are the places committed and complete projects add "
        "by each year if they open on their planned dates (the capital_programme output gives the simulated "
        "chance that they do); central_programme_places are 0 (free schools and other central programmes "
        "are not modelled separately).")

    # --- approximations (what does not match the SCAP guide)
    add("approximations", "forecast years", f"Forecasts cover primary {PRIMARY_FORECAST_YEARS} and secondary "
        f"{SECONDARY_FORECAST_YEARS} academic years from the first projected year, "
        f"{ay(forecast_years(results, 'primary')[0]) if years else '-'}. SCAP asks for the years from the "
        "September after the survey: update the pupil history to the latest January census (base year) before "
        "submitting, or the early years are projections rather than the return's years.")
    add("approximations", "HDC / HIF places", "hdc_places and hif_places are blank: pupils in places funded by "
        "housing developer contributions or the Housing Infrastructure Fund are not modelled separately; "
        "housing pupils are inside the forecasts.")
    add("approximations", "capacity by year group", "Each school's net capacity is split evenly over the year "
        "groups it teaches (the same split the sufficiency model uses), not taken from the school's own "
        "year-group capacity; replace it where the council knows better.")
    add("approximations", "sites", "One row per school: schools with sites in different planning areas are not "
        "split by site.")
    add("approximations", "specialist settings", "SEN units and resourced provision are not told apart; "
        "alternative provision is listed but outside SCAP's specialist capacity; post-16 capacity is given only "
        "where the school teaches only post-16 or has a sixth-form capacity row.")
    window = planned_places_years(config)
    add("approximations", "planned places", f"Planned places cover {PLANNED_PLACES_YEARS} academic years, "
        f"{ay(window[0])} to {ay(window[-1])}, and are counted in the year group and year they "
        "first become available (a by-year-group expansion adds one year group a year, so places it adds after "
        "the window are not shown). The SCAP guide asks for the total places of new provision even if they fill "
        "gradually: where DfE expects that, enter project_places_total for the project instead. Bulge places "
        "appear in each year group the bulge class reaches. Only committed and complete projects count.")
    add("approximations", "rounding", "Figures are unrounded; SCAP takes whole numbers, so round each cell when "
        "copying (totals of rounded cells may differ slightly).")

    # --- capital projects and their evidence
    for key, project in config.capital_projects.items():
        places = ", ".join(f"{c.net_capacity_change:+d} {c.provision} ({c.phasing}"
                           + (", temporary" if c.temporary else "") + ")" for c in project.places) or "no places"
        live = "counted" if project.status in LIVE_STATUSES else "not counted"
        evidence = "; ".join(f"{k}={v}" for k, v in project.evidence.items()) or "no evidence tags"
        add("capital projects", key, f"{project.name}: {project.status} ({live}), {places}, planned opening "
            f"{project.planned_opening.isoformat()}. Evidence: {evidence}.")
    return pd.DataFrame(rows, columns=["section", "item", "text"])


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
