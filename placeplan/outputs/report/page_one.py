"""The summary page's honest parts: data quality first, chance words by one stated rule, need and surplus by area.

Two bases are shown side by side, each labelled:

- **DfE basis** (the headline): DfE's place-planning rule, each year group of each planning area against its
  places, no operating margin, nothing offset (``places_needed_dfe_*``, ``spare_places_dfe_central``,
  ``p_shortfall_dfe``).
- **Local basis**: the council's operating margin (``policy.operating_margin``), and whole-phase places where a
  school's year-group places are only an even split of its capacity (``places_needed_central``, ``p_shortfall``).

A chance is put in words by :data:`CHANCE_RULE`: *likely* when more than half the simulations are short, *possible*
from 10% (material: worth a plan), *unlikely* below 10%.
"""

from __future__ import annotations

import pandas as pd

from placeplan.outputs.fmt import ay, clip, join_words, num, pct, plural
from placeplan.outputs.report.blocks import Table

SURPLUS = 0.10  # an area with at least this share of its places spare (DfE basis) has a surplus to review
LIKELY = 0.5  # more than this share of simulations short: "likely" (more likely than not)
MATERIAL = 0.1  # from this share: "possible", a material chance worth a plan
CHANCE_RULE = ("Chances in words: likely = more than 50% of the simulations short; possible = 10% to 50% "
               "(material: worth a plan); unlikely = under 10%.")
HEREFORDSHIRE = "884"
NAME_WIDTH = 17  # characters of an area's name in the page-one tables (the code is always whole)


def chance_word(p) -> str:
    """'likely', 'possible' or 'unlikely' for a chance of a shortfall (fraction 0-1), by :data:`CHANCE_RULE`."""
    if p is None or pd.isna(p):
        return ""
    return "likely" if p > LIKELY else "possible" if p >= MATERIAL else "unlikely"


def likely_areas(table: pd.DataFrame, phase: str, year: int, chance: str) -> list[str]:
    """Areas (planning areas, or sub-areas: ``code``) of ``phase`` where a shortfall is likely (``chance`` > 50%)
    in any year up to ``year``."""
    code = "planning_area" if "planning_area" in table.columns else "code"
    rows = table[(table["phase"] == phase) & (table["academic_year"] <= year)]
    peak = rows.groupby(code)[chance].max()
    return sorted(peak.index[peak > LIKELY])


def judged_units(results, phase: str) -> tuple[pd.DataFrame, str]:
    """The table a phase is judged in on page one, and what its units are called: secondary in its sub-areas
    where the scenario has them (the county-wide secondary area would offset them), else planning areas."""
    subs = results.sub_area_sufficiency
    if phase == "secondary" and isinstance(subs, pd.DataFrame) and (subs["phase"] == "secondary").any():
        return subs[subs["phase"] == "secondary"], "secondary sub-area"
    suff = results.sufficiency
    return suff[suff["phase"] == phase], f"{phase} planning area"


def data_lines(results) -> list[str]:
    """What the figures rest on, first: data dates and which inputs are official, which estimated (with counts)."""
    scenario, info = results.scenario, results.run_info
    meta, tables = scenario.config.meta, scenario.tables
    out = []
    last_census = info.get("last_year_group_census")
    estimated = info.get("estimated_years") or []
    pupils = tables.get("pupils")
    text = f"Pupils: January census by year group to {ay(int(last_census))}" if last_census else "Pupils:"
    if estimated:
        text += (f"; {ay(int(min(estimated)))} to {ay(int(max(estimated)))} are the observed January totals "
                 "with year groups estimated")
    if isinstance(pupils, pd.DataFrame) and "source" in pupils.columns and len(pupils):
        guessed = int(pupils["source"].astype(str).str.contains("estimat", case=False).sum())
        text += f"; {guessed:,} of {len(pupils):,} pupil rows by planning area are estimates"
    out.append(text + ".")
    capacity = tables.get("capacity")
    if isinstance(capacity, pd.DataFrame) and "source" in capacity.columns and len(capacity):
        counts = capacity["source"].fillna("not stated").astype(str).value_counts()
        out.append(f"Capacity: {len(capacity):,} school capacity figures: "
                   + join_words([f"{n:,} {s}" for s, n in counts.items()]) + ".")
    basis = results.capital.basis
    if basis:
        indicative = sum(1 for v in basis.values() if v != "firm")
        out.append(f"Year-group places: {indicative} of {len(basis)} schools have no published PAN or year-group "
                   "capacity, so their places are split evenly over year groups (indicative).")
    card = tables.get("dfe_scorecard")
    if isinstance(card, pd.DataFrame) and len(card) and {"nor", "capacity", "nor_year"} <= set(card.columns):
        latest = card.dropna(subset=["nor", "capacity"]).sort_values("nor_year")
        parts = []
        for phase in ("primary", "secondary"):
            row = latest[latest["phase"] == phase].tail(1)
            if len(row) and float(row["capacity"].iloc[0]) > 0:
                r = row.iloc[0]
                parts.append(f"{phase} {num(r['nor'])} on roll in {num(r['capacity'])} places "
                             f"({100 * (1 - float(r['nor']) / float(r['capacity'])):.1f}% unfilled)")
        if parts:
            out.append(f"DfE's published figures (scorecard row {latest['scorecard_row'].iloc[-1]}, January "
                       f"{int(latest['nor_year'].iloc[-1]) + 1} census): " + "; ".join(parts) + ".")
    if meta.la_code == HEREFORDSHIRE:
        out.append("Planning areas: DfE's May 2015 codes, the latest public set (the council revised its areas in "
                   "2016).")
    return out  # the housing rule's two sentences are in the method section (section 8)


def area_tables(results, year: int) -> list[Table]:
    """Need and surplus side by side, by area, in ``year``: primary planning areas; secondary sub-areas (or areas).

    Each row: places needed on DfE's basis (central; median), the chance in words, spare places and their
    share of places (DfE basis), and the local basis's places needed and chance in their own columns.
    """
    out = []
    suff = results.sufficiency
    primary = suff[(suff["phase"] == "primary") & (suff["academic_year"] == year)]
    if len(primary):
        out.append(_area_table(primary, "planning_area", f"Primary planning areas, {ay(year)}"))
    subs = results.sub_area_sufficiency
    if isinstance(subs, pd.DataFrame) and len(subs) and (subs["phase"] == "secondary").any():
        secondary = subs[(subs["phase"] == "secondary") & (subs["academic_year"] == year)]
        out.append(_area_table(secondary, "code", f"Secondary sub-areas, {ay(year)} (they partition the "
                                                  f"county's secondary planning area)"))
    else:
        secondary = suff[(suff["phase"] == "secondary") & (suff["academic_year"] == year)]
        if len(secondary):
            out.append(_area_table(secondary, "planning_area", f"Secondary planning areas, {ay(year)}"))
    return out


def _area_table(rows: pd.DataFrame, code: str, caption: str) -> Table:
    body = []
    for r in rows.sort_values(code).itertuples(index=False):
        d = r._asdict()
        spare, planned = d["spare_places_dfe_central"], d["places_planned"]
        share = f" ({100 * spare / planned:.0f}%)" if planned else ""
        body.append([f"{d[code]} {clip(d['name'], NAME_WIDTH)}",
                     f"{num(d['places_needed_dfe_central'])}; {num(d.get('places_needed_dfe_p50'))}",
                     f"{pct(d.get('p_shortfall_dfe'))} {chance_word(d.get('p_shortfall_dfe'))}",
                     f"{num(spare)}{share}",
                     f"{num(d['places_needed_central'])}; {pct(d['p_shortfall'])}"])
    return Table(caption, ["Area", "Needed, DfE: central; median", "Chance short, DfE", "Spare, DfE (share)",
                           "Local margin: needed; chance"], body, [False, True, True, True, True], css="areas-one",
                 widths=[36, 16, 17, 16, 15])


def key_table(results, year: int, phases: list[str]) -> Table:
    """Key figures in ``year``: DfE basis, then the local margin, each phase in its own pair of columns."""
    margin = results.scenario.config.policy.operating_margin
    head, rows = ["Measure"], [[f"Areas where a shortfall is likely by {ay(year)}"],
                               [f"Places needed in {ay(year)}: central (sum of areas)"],
                               [f"Spare places in {ay(year)}, central (share of places)"],
                               [f"Areas where a shortfall is possible or likely (10% or more) in {ay(year)}"]]
    for phase in phases:
        table, _ = judged_units(results, phase)
        at = table[table["academic_year"] == year]
        n = len(at)
        planned = at["places_planned"].sum()
        for basis, needed, spare, chance in (("DfE basis", "places_needed_dfe_central", "spare_places_dfe_central",
                                              "p_shortfall_dfe"),
                                             (f"{margin:.0%} margin", "places_needed_central",
                                              "spare_places_central", "p_shortfall")):
            head.append(f"{phase.capitalize()}: {basis}")
            rows[0].append(f"{len(likely_areas(table, phase, year, chance))} of {n}")
            rows[1].append(num(at[needed].sum()))
            total_spare = at[spare].sum()
            rows[2].append(f"{num(total_spare)} ({100 * total_spare / planned:.1f}%)" if planned else num(total_spare))
            rows[3].append(f"{int((at[chance] >= MATERIAL).sum())} of {n}")
    width = round(60 / max(len(head) - 1, 1))
    return Table(f"Key figures, {ay(year)}: DfE's basis (each year group, no margin) and the council's "
                 f"{margin:.0%} operating margin (whole-phase places where year-group places are indicative); "
                 "primary by planning area" + (", secondary by sub-area" if any(
                     judged_units(results, p)[1] == "secondary sub-area" for p in phases) else ""),
                 head, rows, [False, *[True] * (len(head) - 1)], css="key", widths=[40, *[width] * (len(head) - 1)])


def basis_sentence(results, phase: str, year: int) -> str:
    """One sentence per phase: areas where a shortfall is likely by ``year`` on DfE's basis, then the local one."""
    table, unit = judged_units(results, phase)
    code = "planning_area" if "planning_area" in table.columns else "code"
    n = table[code].nunique()
    if not n:
        return ""
    dfe = likely_areas(table, phase, year, "p_shortfall_dfe")
    local = likely_areas(table, phase, year, "p_shortfall")
    margin = results.scenario.config.policy.operating_margin
    where = f" ({join_words(dfe)})" if 0 < len(dfe) <= 6 else ""
    return (f"{phase.capitalize()}: on DfE's basis (each year group, no margin) a shortfall is likely by {ay(year)} "
            f"in {len(dfe)} of {plural(n, unit)}{where}; on the council's basis ({margin:.0%} margin, whole-phase "
            f"places where year-group places are indicative) in {len(local)} of {n}.")


def surplus_decision(results, year: int) -> list[str]:
    """A decision per phase where areas have a surplus (:data:`SURPLUS` or more of their places spare, DfE basis)."""
    out = []
    for phase in ("primary", "secondary"):
        table, unit = judged_units(results, phase)
        at = table[(table["academic_year"] == year) & (table["places_planned"] > 0)]
        if at.empty:
            continue
        share = at["spare_places_dfe_central"] / at["places_planned"]
        surplus = at[share >= SURPLUS].assign(share=share[share >= SURPLUS]).sort_values("share", ascending=False)
        if surplus.empty:
            continue
        code = "planning_area" if "planning_area" in at.columns else "code"
        first = surplus.iloc[0]
        spare, places = at["spare_places_dfe_central"].sum(), at["places_planned"].sum()
        out.append(f"Review surplus {phase} places: {len(surplus)} of {plural(len(at), unit)} have 10% or more spare "
                   f"in {ay(year)} (DfE's basis; {num(spare)} of {num(places)}, {100 * spare / places:.1f}%), most "
                   f"in {first[code]} {first['name']} ({100 * first['share']:.0f}%).")
    return out
