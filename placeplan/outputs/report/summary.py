"""Section 1: the one-page summary for the DfE meeting, and the decisions the numbers ask for."""

from __future__ import annotations

import pandas as pd

from placeplan.outputs.report import data, page_one
from placeplan.outputs.report.blocks import Table
from placeplan.outputs.report.sections import likely_opening
from placeplan.outputs.fmt import (ay, gbp, gbp_range, is_blank, join_words, num, num_range, pct, places, plural,
                                          signed)

SOON_YEARS = 3  # "within 3 years" of the base year
ON_TIME_THRESHOLD = 0.5
MAX_SUMMARY_ROWS = 7  # areas listed in the summary's table; the rest are named in a sentence


def shortfall_areas(results) -> pd.DataFrame:
    """Areas where a shortfall becomes more likely than not: area, name, phase, first year, the central
    places needed and chance that year, the peak central need and its year."""
    first = results.first_shortfall.dropna(subset=["first_year_p_over_half"])
    rows = []
    for item in first.itertuples(index=False):
        area = data.Area(str(item.planning_area), "", str(item.phase))
        table = data.area_rows(results, area)
        if table.empty:
            continue
        year = int(item.first_year_p_over_half)
        at = table[table["academic_year"] == year].iloc[0]
        peak = table.loc[table["places_needed_central"].idxmax()]
        rows.append({"planning_area": area.code, "name": str(table["name"].iloc[0]), "phase": area.phase,
                     "first_year": year, "needed_then": at["places_needed_central"], "p_then": at["p_shortfall"],
                     "low_then": at.get("places_needed_p05"), "high_then": at.get("places_needed_p95"),
                     "median_then": at.get("places_needed_p50"),
                     "peak": peak["places_needed_central"], "peak_year": int(peak["academic_year"]),
                     "p_max": table["p_shortfall"].max()})
    frame = pd.DataFrame(rows, columns=["planning_area", "name", "phase", "first_year", "needed_then", "p_then",
                                        "low_then", "high_then", "median_then", "peak", "peak_year", "p_max"])
    return frame.sort_values(["first_year", "p_then", "peak"], ascending=[True, False, False]).reset_index(drop=True)


def phase_figures(results, phase: str, year: int) -> dict:
    """Counts and totals of one phase for the summary."""
    table = results.sufficiency[results.sufficiency["phase"] == phase]
    at = table[table["academic_year"] == year]
    totals = results.sufficiency_totals
    tot = totals[(totals["phase"] == phase) & (totals["academic_year"] == year)]
    short = shortfall_areas(results)
    short = short[short["phase"] == phase]
    return {
        "n_areas": table["planning_area"].nunique(),
        "soon": short[short["first_year"] <= year],
        "ever": short,
        "needed_central": at["places_needed_central"].sum(),
        "needed_low": tot["places_needed_p05"].iloc[0] if "places_needed_p05" in tot and not tot.empty else None,
        "needed_high": tot["places_needed_p95"].iloc[0] if "places_needed_p95" in tot and not tot.empty else None,
        "needed_median": tot["places_needed_p50"].iloc[0] if "places_needed_p50" in tot and not tot.empty else None,
        "spare_central": at["spare_places_central"].sum(),
        "places": at["places_planned"].sum(),
        "p_max": table["p_shortfall"].max() if not table.empty else 0.0,
        "p_any": tot["p_any_shortfall"].iloc[0] if "p_any_shortfall" in tot and not tot.empty else None,
    }


def _phase_sentence(phase: str, f: dict, soon_year: int, last_year: int) -> str:
    """One plain sentence (or two) about a phase."""
    name = phase.capitalize()
    if f["n_areas"] == 0:
        return ""
    if f["ever"].empty:
        return (f"{name}: no planning area is more likely than not to be short in any year to {ay(last_year)} "
                f"(the highest chance of a shortfall in any area and year is {pct(f['p_max'])}).")
    soon = f["soon"]
    if len(soon):
        text = (f"{name}: a shortfall is more likely than not in {len(soon)} of "
                f"{plural(f['n_areas'], 'planning area')} by {ay(soon_year)}")
    else:
        text = f"{name}: no planning area is more likely than not to be short by {ay(soon_year)}"
    later = len(f["ever"]) - len(soon)
    if later:
        text += f", and in {plural(later, 'more area')} by {ay(last_year)}"
    text += "."
    if f["needed_central"] >= 0.5 or (f["needed_high"] or 0) >= 0.5:
        text += (f" In {ay(soon_year)} the central projection needs {num(f['needed_central'])} {phase} places; "
                 f"the median simulation needs {num(f['needed_median'])} and 90% of simulations need "
                 f"{num_range(f['needed_low'], f['needed_high'])}")
        if median_above_central(f):
            text += (", more than the central figure mainly because one area's spare places never offset "
                     "another's shortfall: an area that may be short adds to the need in the simulations where it "
                     "is, and nothing where it is not")
        text += "."
    return text


def median_above_central(f: dict) -> bool:
    """True when the median simulation needs materially more places than the central projection.

    Places needed are summed over areas without offsetting, so the need of the central pupils is
    less than the typical need of the simulations whenever some areas are near their capacity.
    """
    median = f.get("needed_median") or 0
    return median - f["needed_central"] > max(5.0, 0.1 * f["needed_central"])


def _with_schools(area_text: str, school_text: str) -> str:
    """The phase sentence followed by the school-by-school one (dropping a parenthesis to keep page 1 short)."""
    if school_text and area_text.endswith(")."):
        area_text = area_text[:area_text.rfind(" (")] + "."
    return area_text + school_text if area_text else ""


def _school_sentence(results, phase: str, year: int) -> str:
    """School by school (no offsetting between schools): how many are short in ``year``, and where most."""
    schools = results.school_sufficiency
    at = schools[(schools["phase"] == phase) & (schools["academic_year"] == year)]
    short = at[at["places_needed_central"] >= 1].sort_values("places_needed_central", ascending=False)
    if short.empty:
        return ""
    from placeplan.outputs.report.schools import DOUBT, doubtful_capacity

    doubt = doubtful_capacity(results, phase)
    sure = short[~short["code"].isin(doubt)]
    text = f" School by school, {plural(len(short), phase + ' school')} {'is' if len(short) == 1 else 'are'} short in " \
           f"{ay(year)} ({num(short['places_needed_central'].sum())} places)"
    if doubt & set(short["code"]):
        unsure = short[short["code"].isin(doubt)]
        return text + (f", but {len(unsure)} of them ({num(unsure['places_needed_central'].sum())} places) have a "
                       f"roll over {DOUBT:.0f}% of an estimated capacity that is probably out of date.")
    top = join_words([f"{r.name} {num(r.places_needed_central)}" for r in sure.head(3).itertuples()])
    return text + f", most at {top}."


def summary_section(results, comparison=None, map_year: int | None = None) -> dict:
    """Lead text, key figures, where places fall short, what the programme delivers, decisions."""
    meta = results.scenario.config.meta
    base = meta.base_year
    years = sorted(int(y) for y in results.sufficiency["academic_year"].unique())
    last = years[-1] if years else base
    soon_year = min(base + SOON_YEARS, last)
    phases = [p for p in ("primary", "secondary") if (results.sufficiency["phase"] == p).any()]
    figures = {p: phase_figures(results, p, soon_year) for p in phases}
    lead = [s for s in (_with_schools(_phase_sentence(p, figures[p], soon_year, last),
                                      _school_sentence(results, p, soon_year)) for p in phases) if s]
    short = shortfall_areas(results)
    delivery = data.in_delivery(results)
    special = specialist_gap(results, soon_year)

    # the key figures, on DfE's basis and the council's margin side by side
    key = page_one.key_table(results, soon_year, phases)
    facts = []
    if len(delivery):
        places_by = delivery.groupby("provision", sort=False)["places_change"].sum()
        facts.append(f"Capital programme in delivery: {plural(len(delivery), 'project')} adding "
                     + join_words([f"{signed(v)} {k}" for k, v in places_by.items()]) + " places.")
    cost = data.programme_cost(results)
    if cost:
        facts.append(f"Capital cost still to spend: {gbp(cost['council_mean'])} to the council's capital programme, "
                     f"{gbp(cost['borrowing_mean'])} of it borrowing (of {gbp(cost['mean'])} in all) expected"
                     + (f" (90% of simulations {gbp_range(cost['council_low'], cost['council_high'])} to the council)"
                        if not is_blank(cost["council_low"]) else "") + ", cash"
                     + (f"; spending to date is not known for {join_words(cost['unknown'])}, so their whole cost is "
                        "counted." if cost["unknown"] else "."))
    if special is not None:
        facts.append(f"Specialist places: {num(special['gap_soon'])} pupils beyond the places in county in "
                     f"{ay(special['year'])} (central; chance of a gap {pct(special['p_soon'])}), "
                     f"{num(special['peak'])} by {ay(special['peak_year'])}.")

    short_table = None
    more_text = ""
    if not short.empty:
        shown = short.sort_values(["peak", "p_then"], ascending=[False, False]).reset_index(drop=True)
        if len(shown) > MAX_SUMMARY_ROWS:
            rest = shown.iloc[MAX_SUMMARY_ROWS:]
            more_text = (f"{plural(len(rest), 'more area')} with a smaller central need "
                         f"({join_words([str(r.planning_area) for r in rest.itertuples()])}): see sections 2 and 3.")
            shown = shown.iloc[:MAX_SUMMARY_ROWS]
        short_table = Table(
            "Where and when places fall short: planning areas where a shortfall becomes more likely than not, "
            "largest central need first",
            ["Planning area", "Phase", "Short more likely than not from",
             "Places needed then: central; median (90% range)",
             "Chance of a shortfall then", "Peak places needed (central)"],
            [[f"{r.planning_area} {r.name}", r.phase, ay(r.first_year),
              f"{num(r.needed_then)}; {num(r.median_then)} ({num_range(r.low_then, r.high_then)})", pct(r.p_then),
              f"{num(r.peak)} in {ay(r.peak_year)}"] for r in shown.itertuples()],
            [False, False, True, True, True, True], css="short", widths=[31, 9, 14, 17, 13, 16])
    delivery_table = None
    if not delivery.empty:
        delivery_table = Table(
            "What the capital programme delivers, and when (simulated)",
            ["Project", "Places", "Planned opening", "Chance of opening on time", "Most likely opening (90% range)"],
            [[f"{r.name}: {r.delivery}" if not is_blank(r.delivery) else r.name,
              f"{signed(r.places_change)} {r.provision}", ay(r.planned_opening_year), pct(r.p_on_time),
              likely_opening(r)] for r in delivery.itertuples()], [False, True, True, True, True], css="delivery",
            widths=[38, 14, 13, 14, 21])
    table = data.programme_table(results)
    complete = table[~table["project"].isin(delivery["project"])]
    done_text = ("Already open and counted in the places: " + "; ".join(
        f"{r.name}: {r.delivery}" if not is_blank(r.delivery) else f"{r.name} ({ay(r.planned_opening_year)})"
        for r in complete.itertuples()) + ".") if len(complete) else ""
    detail = lead  # the council-basis sentences with their schools: section 2, beside the shortfall table
    lead = [page_one.basis_sentence(results, p, soon_year) for p in phases]
    return {"lead": [s for s in lead if s], "detail": detail, "key": key, "facts": facts, "short": short_table, "more": more_text,
            "data": page_one.data_lines(results), "areas": page_one.area_tables(results, soon_year),
            "rule": page_one.CHANCE_RULE,
            "delivery": delivery_table,
            "done": done_text, "soon_year": soon_year,
            "decisions": decisions(results, comparison, short, delivery, special, soon_year, last)}


def specialist_gap(results, year: int) -> dict | None:
    """The specialist gap in ``year`` and at its peak (None without specialist results)."""
    table = results.specialist_sufficiency
    if table.empty:
        return None
    table = table.sort_values("academic_year")
    at = table[table["academic_year"] == year]
    at = at.iloc[0] if not at.empty else table.iloc[0]
    peak = table.loc[table["places_needed_central"].idxmax()]
    return {"year": int(at["academic_year"]), "gap_soon": at["places_needed_central"],
            "p_soon": at.get("p_shortfall"), "peak": peak["places_needed_central"],
            "peak_year": int(peak["academic_year"]), "last": table.iloc[-1]}


def _school_risk(results, project: str, phase: str, first: int, last: int) -> str:
    """The rest of a late project's risk sentence: its own school's position while it may be late."""
    school_id = results.scenario.config.capital_projects[project].school_id
    if school_id is None:
        return "."
    schools = results.school_sufficiency
    mine = schools[(schools["code"] == school_id) & (schools["phase"] == phase)
                   & schools["academic_year"].between(first, last)]
    column = "places_needed_without_programme_central"  # the school's position if the project is late
    if mine.empty or mine[column].max() < 1:
        return ", nor at its school without it, so a stop-gap looks unnecessary."
    worst = mine.loc[mine[column].idxmax()]
    return (f", but without it the school itself is short of {places(worst[column])} in "
            f"{ay(worst['academic_year'])}: agree a stop-gap there (temporary places) or where its pupils go instead.")


def decisions(results, comparison, short: pd.DataFrame, delivery: pd.DataFrame, special: dict | None,
              soon_year: int, last: int) -> list[str]:
    """Decisions this asks for, derived from the numbers (plain sentences)."""
    out = []
    projects = data.project_places(results)
    projects = projects[projects["project"].isin(delivery["project"])]
    for phase in ("primary", "secondary"):
        soon = short[(short["phase"] == phase) & (short["first_year"] <= soon_year)]
        if soon.empty:
            continue
        firm = soon[soon["peak"] >= 0.5].sort_values("peak", ascending=False)
        watch = soon[soon["peak"] < 0.5]
        if len(firm):
            listed = "; ".join(f"{r.planning_area} {r.name} {num(r.peak)} in {ay(r.peak_year)}"
                               for r in firm.head(3).itertuples())
            covered = projects[projects["planning_area"].isin(firm["planning_area"]) & (projects["provision"] == phase)]
            counted = (" These figures already count " + join_words(
                [f"{r.name} ({signed(r.places)})" for r in covered.itertuples()]) + ".") if len(covered) else ""
            if len(firm) == 1:
                one = firm.iloc[0]
                where = f"in {one['planning_area']} {one['name']}, which is"
                listed = f"Peak central need: {num(one['peak'])} places in {ay(one['peak_year'])}"
            else:
                where = f"in the {len(firm)} planning areas that are"
                listed = f"Largest central needs: {listed}"
            suff = results.sufficiency
            existing = suff[suff["planning_area"].isin(firm["planning_area"]) & (suff["phase"] == phase)] \
                .drop_duplicates("planning_area")["existing_pressure"].sum()
            already = (f" Existing pressure: already {places(existing)} over in "
                       f"{ay(results.scenario.config.meta.base_year)}."
                       if existing >= 1 and len(firm) == 1 else
                       f" {places(existing)} of it were already over the places in the base year (existing pressure)."
                       if existing >= 1 else "")
            out.append(f"Agree how to provide {phase} places {where} short in the central projection, with a shortfall "
                       f"more likely than not by {ay(soon_year)}. {listed}.{already}{counted}")
        if len(watch):
            names = join_words([f"{r.planning_area} {r.name}" for r in watch.itertuples()])
            out.append(f"Keep under review {plural(len(watch), phase + ' planning area')} where a shortfall is more "
                       f"likely than not by {ay(soon_year)} although the central projection needs no places: it is so "
                       f"nearly full that most simulations run over its places. {names}.")
    suff = results.sufficiency
    for row in delivery[delivery["p_on_time"] < ON_TIME_THRESHOLD].itertuples():
        where = projects[projects["project"] == row.project]
        risk = ""
        if not where.empty and not is_blank(where.iloc[0]["planning_area"]):
            w = where.iloc[0]
            phase = "primary" if w["provision"] == "primary" else "secondary"
            upto = int(row.opening_year_p95) if not is_blank(row.opening_year_p95) else row.planned_opening_year
            span = suff[(suff["planning_area"] == w["planning_area"]) & (suff["phase"] == phase)
                        & suff["academic_year"].between(row.planned_opening_year, upto)]
            if not span.empty:
                p = span["p_shortfall"].max()
                if p <= 0:
                    risk = " No simulation shows a shortfall in its planning area while it may be late"
                elif p < 0.1:
                    risk = f" Its planning area has at most a {pct(p)} chance of a shortfall while it may be late"
                else:
                    risk = (f" Its planning area has up to a {pct(p)} chance of a shortfall while it may be late: "
                            "agree a stop-gap (a bulge class or temporary places) or a firmer timetable.")
                if p < 0.1:
                    risk += _school_risk(results, row.project, phase, row.planned_opening_year, upto)
        out.append(f"{row.name}: {pct(row.p_on_time)} chance of opening in {ay(row.planned_opening_year)} as planned (or "
                   f"earlier); most likely {ay(row.opening_year_p50)} (90% range {ay(row.opening_year_p05)} to "
                   f"{ay(row.opening_year_p95)}).{risk}")
    if special is not None and special["peak"] >= 0.5:
        plan = results.capital_projects
        pending = plan[(plan["provision"] == "specialist") & plan["status"].isin(["proposed", "withdrawn"])]
        listed = [f"{r.name} ({signed(r.places_change)}, {r.status})" for r in pending.itertuples()]
        options = (" Not in the programme: " + join_words(listed) + ".") if listed else ""
        out.append(f"Decide how to close the specialist gap: about {num(special['gap_soon'])} pupils with an EHCP are "
                   f"likely to need an out-of-county or independent placement in {ay(special['year'])}, rising to "
                   f"{num(special['peak'])} by {ay(special['peak_year'])} (central).{options}")
    if comparison is not None and not comparison.summary.empty:
        from placeplan.outputs.report.options import ranked

        order = ranked(comparison.summary)
        best = order.iloc[0]
        what = str(best.get("description", "")).rstrip(".")
        if "cost_per_place_year_avoided_gbp" in order and not is_blank(best.get("cost_per_place_year_avoided_gbp")):
            text = (f"Options: {best['option']} ({what}) avoids {num(best['avoided'])} unmet place-years against the "
                    f"base for {gbp(best['extra_cost_gbp'])} more, {gbp(best['cost_per_place_year_avoided_gbp'])} "
                    f"per place-year avoided, the least of the options compared")
        else:
            text = (f"Options: none avoids an unmet place-year against the base; {best['option']} ({what}) leaves "
                    f"{num(best['unmet_total'])} unmet place-years at a median capital cost of "
                    f"{gbp(best.get('capital_cost_gbp_p50'))}")
        fewest = order.loc[order["unmet_total"].idxmin()]
        if fewest["option"] != best["option"]:
            text += (f"; {fewest['option']} leaves the fewest ({num(fewest['unmet_total'])}, "
                     f"{gbp(fewest.get('extra_cost_gbp'))} more than the base)")
        out.append(text + ".")
    out += page_one.surplus_decision(results, soon_year)
    if not out:
        out.append(f"No decision is forced by these numbers: no planning area is more likely than not to be short by "
                   f"{ay(soon_year)} and every project in delivery is more likely than not to open on time.")
    return out
