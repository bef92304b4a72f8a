"""Report section: sub-areas and schools (the unit of supply), and the check against DfE's scorecard."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placeplan.outputs.fmt import ay, is_blank, join_words, num, num_range, pct, places, share
from placeplan.outputs.report import charts
from placeplan.outputs.report.blocks import Image, Table

FULL = 95.0  # % full from which a school is listed as nearly full
DOUBT = 110.0  # % full in the base year above which an estimated capacity is probably out of date


def doubtful_capacity(results, phase: str) -> set[str]:
    """Schools whose capacity is an estimate (not published or the council's) and whose base-year roll is over
    ``DOUBT`` % of it: the capacity is probably out of date (an expansion since the source year), so their
    shortfall may be an artefact of the data."""
    capacity = results.scenario.tables["capacity"]
    trusted = set(capacity.loc[(capacity["provision"] == phase) & capacity["source"].isin(["published", "council"]),
                               "school_id"])
    base = results.school_position
    over = base[(base["level"] == "school") & (base["phase"] == phase) & (base["pct_full"] > DOUBT)]
    return set(over["code"]) - trusted


def _first_short(rows: pd.DataFrame, column: str) -> tuple[int | None, float]:
    """First year with a central shortfall of at least one place in ``column``, and the peak."""
    short = rows[rows[column] >= 1]
    return (int(short["academic_year"].min()) if not short.empty else None), float(rows[column].max() or 0.0)


def _school_sub_area(results) -> dict[str, str]:
    schools = results.capital.school_table
    return {s: a for s, a in zip(schools["school_id"], schools["sub_area"]) if isinstance(a, str)}


def sub_area_sentence(results, code: str) -> str:
    """Whether and when a sub-area's schools run short, as a whole and school by school, with and without
    the projects that add places at its schools."""
    subs = results.sub_area_sufficiency
    rows = subs[subs["code"] == code].sort_values("academic_year")
    if rows.empty:
        return ""
    name = rows["name"].iloc[0]
    schools = results.school_sufficiency
    members = [s for s, a in _school_sub_area(results).items() if a == code]
    mine = schools[schools["code"].isin(members) & (schools["phase"] == rows["phase"].iloc[0])]
    by_year = mine.groupby("academic_year")[["places_needed_central", "places_needed_without_programme_central"]].sum()
    first, peak = _first_short(rows, "places_needed_central")
    s_first = next((int(y) for y, v in by_year["places_needed_central"].items() if v >= 1), None)
    bare = by_year["places_needed_without_programme_central"]
    projects = results.capital_projects
    phase = rows["phase"].iloc[0]
    here = projects[projects["school_id"].isin(members) & (projects["places_change"] > 0)
                    & (projects["provision"] == phase) & projects["status"].isin(["committed", "complete"])] \
        if "school_id" in projects else projects.iloc[0:0]
    last = rows.iloc[-1]
    text = (f"{name}: {num(rows['demand_central'].iloc[0])} pupils in {ay(rows['academic_year'].iloc[0])} "
            f"against {num(rows['places_planned'].iloc[0])} places, {num(last['demand_central'])} against "
            f"{num(last['places_planned'])} in {ay(last['academic_year'])}. ")
    if first is None:
        spare_year = rows.loc[rows["spare_places_central"].idxmin()]
        text += (f"Taken as a whole it is not short in any year (fewest spare places "
                 f"{num(spare_year['spare_places_central'])}, in {ay(spare_year['academic_year'])}). ")
    else:
        text += f"As a whole it is first short in {ay(first)}, by up to {places(peak)}. "
    if s_first is None:
        text += "School by school (no school's spare places offsetting another's), no school is short either."
    else:
        worst = mine.loc[mine["places_needed_central"].idxmax()]
        text += (f"School by school, with no offsetting between schools, its schools are short from "
                 f"{ay(s_first)}: {places(by_year['places_needed_central'].max())} at the peak "
                 f"(most at {worst['name']}: {places(worst['places_needed_central'])} in "
                 f"{ay(worst['academic_year'])}).")
    if not here.empty:
        added = int(here["places_change"].sum())
        names = join_words(sorted(set(here["name"])))
        gain = bare - by_year["places_needed_central"]
        if gain.max() < 1:
            text += f" {names} ({added} places) makes no difference to that within the horizon."
        else:
            y = int(gain.idxmax())
            text += (f" {names} ({added} places) makes the difference from {ay(int(gain[gain >= 1].index.min()))}: "
                     f"in {ay(y)} the schools are short by {places(by_year.at[y, 'places_needed_central'])} with it "
                     f"and {places(bare[y])} without it; in {ay(int(bare.index[-1]))}, "
                     f"{places(by_year['places_needed_central'].iloc[-1])} with it and {places(bare.iloc[-1])} "
                     f"without.")
    return text


def sub_area_blocks(results, draw: bool = True) -> list[dict]:
    """A fan chart, a sentence and a table per sub-area."""
    subs = results.sub_area_sufficiency
    base_year = results.scenario.config.meta.base_year
    out = []
    for code in dict.fromkeys(subs["code"]):
        rows = subs[subs["code"] == code].sort_values("academic_year").reset_index(drop=True)
        name, phase = rows["name"].iloc[0], rows["phase"].iloc[0]
        years = [int(y) for y in rows["academic_year"]]
        low = rows["demand_low"] if "demand_low" in rows else rows["demand_central"]
        high = rows["demand_high"] if "demand_high" in rows else rows["demand_central"]
        fan = charts.Fan(years=years, central=rows["demand_central"].tolist(), low=list(low), high=list(high),
                         planned=rows["places_planned"].tolist(), places_low=rows["places_mean"].tolist(),
                         places_high=rows["places_mean"].tolist(), needed=rows["places_needed_central"].tolist())
        body = [[ay(r.academic_year), num(r.demand_central), num_range(lo, hi), num(r.places_planned),
                 places(r.places_needed_central), places(r.places_needed_without_programme_central),
                 pct(r.p_shortfall)]
                for r, lo, hi in zip(rows.itertuples(index=False), low, high)]
        table = Table(f"{code} {name} ({phase}): pupils against places, sum of its schools",
                      ["Year", "Pupils (central)", "Pupils, 90% range", "Places (planned)", "Places needed (central)",
                       "Needed without the programme", "Chance of a shortfall"], body,
                      [False] + [True] * 6, css="area-table")
        alt = (f"Fan chart for sub-area {name} ({phase}), {ay(years[0])} to {ay(years[-1])}: pupils from "
               f"{num(rows['demand_central'].iloc[0])} to {num(rows['demand_central'].iloc[-1])}; places as planned "
               f"from {num(rows['places_planned'].iloc[0])} to {num(rows['places_planned'].iloc[-1])}.")
        out.append({"id": f"sub-{code}", "title": f"{code} {name}", "sentence": sub_area_sentence(results, code),
                    "image": Image(charts.fan_chart(fan), alt) if draw else None, "table": table,
                    "base_year": base_year})
    return out


def school_table(results, phase: str, only_pressure: bool) -> Table | None:
    """How full each school is now and later, and the places it needs (central), with and without the programme."""
    schools = results.school_sufficiency
    base = results.school_position
    base = base[(base["level"] == "school") & (base["phase"] == phase)].set_index("code")
    rows = schools[schools["phase"] == phase]
    if rows.empty:
        return None
    years = sorted(int(y) for y in rows["academic_year"].unique())
    mid = years[min(3, len(years) - 1)]
    doubtful = doubtful_capacity(results, phase)
    body = []
    for code, mine in rows.groupby("code", sort=False):
        mine = mine.set_index("academic_year")
        first, peak = _first_short(mine.reset_index(), "places_needed_central")
        bare_first, bare_peak = _first_short(mine.reset_index(), "places_needed_without_programme_central")
        full_now = base.at[code, "pct_full"] if code in base.index else np.nan
        if only_pressure and first is None and bare_first is None and not (full_now >= FULL):
            continue
        flag = " (capacity to check)" if code in doubtful else ""
        body.append([mine["name"].iloc[0] + flag, "firm" if mine["basis"].iloc[0] == "year_group" else "indicative",
                     num(base.at[code, "places"]) if code in base.index else "–",
                     share(full_now, 0), share(mine.at[mid, "pct_full_central"], 0),
                     f"{ay(first)}: {places(peak)}" if first is not None else "none",
                     f"{ay(bare_first)}: {places(bare_peak)}" if bare_first is not None else "none"])
    if not body:
        return None
    return Table(f"{phase.capitalize()} schools{' under pressure' if only_pressure else ''}: how full, and places "
                 f"needed (central projection; first year short: peak)",
                 ["School", "Year-group places", "Places", f"% full {ay(results.scenario.config.meta.base_year)}",
                  f"% full {ay(mid)}", "Short from: peak", "Without the programme"],
                 body, [False, False, True, True, True, False, False], css="school-table",
                 note=("% full in the base year: the planning area's pupils shared among its schools by their "
                       "latest school-level counts (October 2024 for Herefordshire). 'Indicative' year-group places "
                       "(no published PAN) are judged on whole-school places. 'Capacity to check': an estimated "
                       f"capacity with the base-year roll over {DOUBT:.0f}% of it, probably out of date (an expansion "
                       "since the source year): check it before reading the shortfall."))


def scorecard_rows(results) -> tuple[Table | None, list[str]]:
    """The authority's own figures beside DfE's published scorecard rows (DfE basis: margin 0)."""
    card = results.scenario.tables.get("dfe_scorecard")
    if card is None or card.empty:
        return None, []
    areas = results.sufficiency
    schools = results.school_sufficiency
    base = results.scenario.config.meta.base_year
    body, notes = [], []
    for row in card.sort_values(["base_year", "phase"]).itertuples(index=False):
        mine = areas[(areas["phase"] == row.phase) & (areas["academic_year"] == row.target_year)]
        each = schools[(schools["phase"] == row.phase) & (schools["academic_year"] == row.target_year)]
        if mine.empty:
            ours, by_school, spare = "–", "–", "–"
        else:
            ours = places(mine["places_needed_dfe_central"].sum())
            by_school = places(each["places_needed_no_margin_central"].sum())
            spare = share(100 * mine["spare_places_dfe_central"].sum() / mine["places_planned"].sum(), 1)
        planned = num(planned_places(results, row.phase, row.base_year, row.target_year))
        body.append([f"{row.scorecard_row} ({row.phase})", ay(row.target_year),
                     num(row.places_needed), ours, by_school, share(row.spare_pct, 1), spare,
                     num(row.planned_places) if not is_blank(row.planned_places) else "–", planned,
                     f"{num(row.nor)} ({ay(row.nor_year)})" if not is_blank(row.nor) else "–"])
    notes.append(f"placeplan's figures are its central projection from base year {ay(base)} against places as "
                 f"planned, on DfE's rule (each planning area and year group, no offsetting, no margin); the "
                 f"scorecard's are the council's own SCAP forecasts on its own planning areas. 'School by school' adds "
                 f"each school's own shortfall (no offsetting between schools, no margin; whole-school where its "
                 f"year-group places are indicative). Planned places: the total places of projects planned to open "
                 f"after the round's base year and by the year shown, as DfE counts them.")
    table = Table("DfE's school places scorecard for the authority against placeplan, three years ahead of each "
                  "SCAP round", ["Scorecard row", "Year", "DfE: places needed", "placeplan: places needed",
                                 "placeplan: school by school",
                                 "DfE: spare %", "placeplan: spare %", "DfE: planned places",
                                 "placeplan: planned places", "DfE: NOR (census)"],
                  body, [False, False] + [True] * 8, css="scorecard-table")
    return table, notes


def planned_places(results, phase: str, after: int, by: int) -> float:
    """Total places of mainstream projects in ``phase`` planned to open after academic year ``after`` and by
    ``by`` (DfE's rule: the whole new provision in the year it opens, even if it fills gradually)."""
    from placeplan.capital.projects import opening_academic_year

    total = 0.0
    for project in results.scenario.config.capital_projects.values():
        if project.status not in ("committed", "complete"):
            continue
        year = opening_academic_year(project.planned_opening)
        if after < year <= by:
            total += sum(c.net_capacity_change for c in project.places if c.provision == phase)
    return total


def project_sentences(results) -> list[str]:
    """For each mainstream project still to open at a school: the school and its planning area with and without it."""
    from placeplan.capital.projects import done_before, opening_academic_year

    config = results.scenario.config
    schools, areas = results.school_sufficiency, results.sufficiency
    by_id = results.capital.school_table.set_index("school_id")
    base = results.school_position
    out = []
    for project in config.capital_projects.values():
        if project.status != "committed" or done_before(project, config.meta.programme_date):
            continue
        for change in project.places:
            if change.provision not in ("primary", "secondary") or project.school_id not in by_id.index:
                continue
            phase = change.provision
            mine = schools[(schools["code"] == project.school_id) & (schools["phase"] == phase)]
            area_code = by_id.at[project.school_id, f"{phase}_planning_area"]
            area = areas[(areas["planning_area"] == area_code) & (areas["phase"] == phase)]
            if mine.empty or area.empty:
                continue
            opens = opening_academic_year(project.planned_opening)
            after = mine[mine["academic_year"] >= opens]
            row = after.iloc[min(2, len(after) - 1)] if not after.empty else mine.iloc[-1]
            now = base[(base["level"] == "school") & (base["code"] == project.school_id) & (base["phase"] == phase)]
            start = (f"{num(now['nor_estimated'].iloc[0])} pupils for {num(now['places'].iloc[0])} places "
                     f"({share(now['pct_full'].iloc[0], 0)} full) in {ay(now['academic_year'].iloc[0])}; "
                     if not now.empty else "")
            a_first, a_peak = _first_short(area, "places_needed_central")
            b_first, b_peak = _first_short(area, "places_needed_without_programme_central")
            name = area["name"].iloc[0]
            text = (f"{project.name} ({signed_places(change.net_capacity_change)}, planned {ay(opens)}): "
                    f"{by_id.at[project.school_id, 'name']} has {start}{num(row['demand_central'])} for "
                    f"{num(row['places_planned'])} ({share(row['pct_full_central'], 0)}) in {ay(row['academic_year'])}. "
                    f"Its planning area, {area_code} {name}, ")
            if a_first is None and b_first is None:
                text += "is not short in any projected year, with or without it."
            else:
                text += (f"is short {'from ' + ay(a_first) + ' (up to ' + places(a_peak) + ')' if a_first else 'in no year'}"
                         f" with it, and {'from ' + ay(b_first) + ' (up to ' + places(b_peak) + ')' if b_first else 'in no year'}"
                         f" without it")
                last = area.iloc[-1]
                text += (f"; {places(last['places_needed_central'])} with and "
                         f"{places(last['places_needed_without_programme_central'])} without in "
                         f"{ay(last['academic_year'])}.")
            existing = area["existing_pressure"].iloc[0]
            if existing >= 1:
                text += (f" In the base year its pupils already exceeded its places (after the margin) by "
                         f"{places(existing)}: existing pressure, not new need.")
            out.append(text)
    return out


def signed_places(n: int) -> str:
    return f"+{n} places" if n >= 0 else f"{n} places"
