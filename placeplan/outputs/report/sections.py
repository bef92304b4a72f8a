"""Sections 2-4 and the specialist section: maps, planning areas, capital programme, SEND."""

from __future__ import annotations

import textwrap

import pandas as pd

from placeplan.outputs.report import charts, data, maps, style
from placeplan.outputs.report.blocks import Image, Table
from placeplan.outputs.report.ledger import ledger_section  # noqa: F401  (section "How past forecasts did")
from placeplan.outputs.fmt import (ay, gbp, gbp_range, is_blank, join_words, num, num_range, pct,
                                          places, plural, share, signed)
from placeplan.sufficiency.base_position import PHASE_PROVISIONS

CLASS_LABELS = {
    "short_30": "Short of 30 places or more",
    "short_10": "Short of 10 to 29 places",
    "short_1": "Short of 1 to 9 places",
    "spare_0": "Not short; spare under 5%",
    "spare_5": "Not short; spare 5% to 10%",
    "spare_10": "Not short; spare 10% or more",
}
ALT_LABELS = {
    "short_30": "short of 30 places or more",
    "short_10": "short of 10 to 29 places",
    "short_1": "short of 1 to 9 places",
    "spare_0": "not short, with spare places under 5%",
    "spare_5": "not short, with spare places of 5% to 10%",
    "spare_10": "not short, with spare places of 10% or more",
}
CHANCE_LABELS = {"p_90": "90% or more", "p_50": "over 50% to 90%", "p_10": "10% to 50%", "p_0": "under 10%"}


def _class_text(needed, spare_pct) -> str:
    key = data.map_class(needed, spare_pct)
    if key.startswith("short"):
        return f"short {num(needed)}"
    return f"spare {share(spare_pct, 0)}" if key != "none" else ""


# --- maps -------------------------------------------------------------------------------------------


def maps_section(results, year: int) -> dict:
    """The main map, a small map per phase, and the table they show (the table is there even without maps)."""
    suff = results.sufficiency[results.sufficiency["academic_year"] == year]
    rows = []
    for r in suff.itertuples(index=False):
        key = data.map_class(r.places_needed_central, r.spare_pct_central)
        rows.append([f"{r.planning_area} {r.name}", r.phase, CLASS_LABELS.get(key, "no places"),
                     num(r.places_needed_central), num(r.spare_places_central), share(r.spare_pct_central),
                     pct(r.p_shortfall)])
    table = Table(f"Spare and short places by planning area, {ay(year)} (central projection against places as "
                  f"planned; chance of a shortfall from the simulations)",
                  ["Planning area", "Phase", "Class on the map", "Places needed", "Spare places", "Spare %",
                   "Chance of a shortfall"], rows, [False, False, False, True, True, True, True], css="maptable",
                  widths=[31, 9, 22, 9, 9, 8, 12])
    layers, reason = maps.read_layers(results.scenario)
    out = {"year": year, "table": table, "entry": entry_table(results, year), "reason": reason, "main": None,
           "small": []}
    if layers is None:
        return out
    have = set(layers.areas["planning_area"])
    areas = results.scenario.tables["planning_areas"]
    primary = [a for a in areas.loc[(areas["phase"] == "primary") & (areas["kind"] == "official"), "planning_area"]
               if a in have]
    secondary = [a for a in areas.loc[(areas["phase"] != "primary") & (areas["kind"] == "official"), "planning_area"]
                 if a in have]
    subs = [a for a in areas.loc[areas["kind"] == "sub_area", "planning_area"] if a in have]
    names = dict(zip(areas["planning_area"], areas["name"]))
    by_code = {r.planning_area: r for r in suff.itertuples(index=False)}
    legend = [maps.MapClass(k, v) for k, v in CLASS_LABELS.items()]
    main_codes = primary or secondary
    if not main_codes:
        out["reason"] = "The polygons match no official planning area, so there are no maps."
        return out
    classes = {c: data.map_class(by_code[c].places_needed_central, by_code[c].spare_pct_central)
               for c in main_codes if c in by_code}
    labels = {c: f"{c}\n{_class_text(by_code[c].places_needed_central, by_code[c].spare_pct_central)}"
              for c in main_codes if c in by_code}
    points = data.school_points(results)
    phase_word = "primary" if primary else "secondary"
    counts = {v: sum(1 for k in classes.values() if k == key) for key, v in ALT_LABELS.items()}
    alt = (f"Map of {len(main_codes)} {phase_word} planning areas in {ay(year)}: "
           + "; ".join(f"{plural(n, 'area')} {label}" for label, n in counts.items() if n)
           + ". Short areas: " + (join_words([f"{c} {names.get(c, '')} ({labels[c].split(chr(10))[1]})"
                                              for c, k in classes.items() if k.startswith("short")]) or "none")
           + f". {len(points)} schools are drawn as white symbols sized by their places.")
    out["main"] = Image(maps.area_map(layers, main_codes, classes, labels, legend, style.CLASS_STYLE, points,
                                      legend_title=f"{phase_word.capitalize()} areas, {ay(year)}"), alt,
                        f"{phase_word.capitalize()} planning areas by spare or short places in {ay(year)}, with "
                        f"schools sized by places.")
    if primary:
        chance = {c: data.chance_class(by_code[c].p_shortfall) for c in primary if c in by_code}
        chance_labels = {c: f"{c}\n{pct(by_code[c].p_shortfall)}" for c in primary if c in by_code}
        alt = (f"Map of the chance of a primary shortfall in {ay(year)} by planning area: "
               + "; ".join(f"{c} {pct(by_code[c].p_shortfall)}" for c in primary if c in by_code) + ".")
        out["small"].append(Image(maps.area_map(layers, primary, chance, chance_labels,
                                                [maps.MapClass(k, v) for k, v in CHANCE_LABELS.items()],
                                                style.CHANCE_STYLE, width=5.2, height=3.9,
                                                legend_title="Chance of a shortfall"), alt,
                                  f"Primary: chance of a shortfall in {ay(year)}."))
    if subs:
        out["small"].append(_sub_area_map(results, layers, subs, names, year))
    elif secondary:
        cls = {c: data.map_class(by_code[c].places_needed_central, by_code[c].spare_pct_central)
               for c in secondary if c in by_code}
        lab = {c: f"{c}\n{_class_text(by_code[c].places_needed_central, by_code[c].spare_pct_central)}"
               for c in secondary if c in by_code}
        alt = (f"Map of secondary planning areas in {ay(year)}: "
               + "; ".join(f"{c} {lab[c].split(chr(10))[1]}" for c in lab) + ".")
        out["small"].append(Image(maps.area_map(layers, secondary, cls, lab, legend, style.CLASS_STYLE, width=5.2,
                                                height=3.9, legend_title=f"Secondary, {ay(year)}"), alt,
                                  f"Secondary planning areas by spare or short places in {ay(year)}."))
    return out


def entry_table(results, year: int) -> Table | None:
    """Reception and Year 7 against admission places in ``year``, with the first year over PAN."""
    entry = results.entry_pressure
    if entry.empty:
        return None
    likely = entry[entry["p_over_pan"] > 0.5].groupby("planning_area")["academic_year"].min()
    rows = []
    for r in entry[entry["academic_year"] == year].itertuples(index=False):
        label = "Reception" if r.entry_ncy == 0 else f"Year {r.entry_ncy}"
        first = likely.get(r.planning_area)
        rows.append([f"{r.planning_area} {r.name}", label, num(r.entry_places_planned), num(r.demand_central),
                     num_range(getattr(r, "demand_p05", None), getattr(r, "demand_p95", None)),
                     num(r.over_pan_central), pct(r.p_over_pan), ay(first) if first is not None else "–"])
    return Table(f"Entry-year pressure, {ay(year)}: Reception and Year 7 pupils against admission places (the "
                 f"schools' PANs plus places projects add at entry as planned; no operating margin)",
                 ["Planning area", "Entry year", "Admission places", "Pupils (central)", "Pupils, 90% range",
                  "Over PAN (central)", "Chance over PAN", "Over PAN more likely than not from"], rows,
                 [False, False, True, True, True, True, True, True], css="maptable",
                 widths=[28, 9, 9, 9, 11, 9, 10, 15],
                 note="An area can have spare places overall and still be full at entry: admissions stop at the "
                      "PAN. The chance is the share of simulations in which entry pupils exceed the places open "
                      "that year in the same simulation.")


def _sub_area_map(results, layers, subs: list[str], names: dict, year: int | None = None) -> Image:
    """Sub-areas by spare or short places in ``year`` (central projection against places as planned)."""
    table = results.sub_area_sufficiency
    if year is None or table.empty or year not in set(table["academic_year"]):
        year = int(table["academic_year"].min()) if not table.empty else results.scenario.config.meta.base_year
    rows = table[table["academic_year"] == year].set_index("code")
    cls, lab = {}, {}
    for code in subs:
        if code not in rows.index:
            continue
        r = rows.loc[code]
        cls[code] = data.map_class(r["places_needed_central"], r["spare_pct_central"])
        name = "\n".join(textwrap.wrap(str(names.get(code, code)), 18))
        lab[code] = f"{name}\n{_class_text(r['places_needed_central'], r['spare_pct_central'])}"
    alt = (f"Map of {len(subs)} sub-areas in {ay(year)}: "
           + "; ".join(f"{names.get(c, c)}: {_class_text(rows.loc[c, 'places_needed_central'], rows.loc[c, 'spare_pct_central'])}"
                       for c in lab) + ".")
    return Image(maps.area_map(layers, subs, cls, lab, [maps.MapClass(k, v) for k, v in CLASS_LABELS.items()],
                               style.CLASS_STYLE, width=5.2, height=3.9,
                               legend_title=f"Sub-areas, {ay(year)}"), alt,
                 f"Sub-areas by spare or short places in {ay(year)}: the sum of their schools' projected pupils "
                 f"against their places as planned (the schools' spare places offset each other within a sub-area).")


# --- planning areas ------------------------------------------------------------------------------------


def area_sections(results, draw: bool = True) -> list[dict]:
    """For each official planning area and phase: a sentence, a fan chart (``draw``; else None) and its table."""
    projects = data.project_places(results)
    base_year = results.scenario.config.meta.base_year
    out = []
    for area in data.official_areas(results):
        rows = data.area_rows(results, area)
        if rows.empty:
            continue
        years = [int(y) for y in rows["academic_year"]]
        band = data.bands(results, area, years)
        base = data.base_row(results, area)
        nor = base.get("nor") if base else None
        cap = base.get("net_capacity") if base else None
        mine = projects[(projects["planning_area"] == area.code) & projects["provision"].isin(
            PHASE_PROVISIONS[area.phase]) & (projects["planned_year"] > base_year)]
        markers = _markers(mine, years[0], years[-1])
        outturn = data.outturn_rows(results, area)
        fan = charts.Fan(years=years, central=rows["demand_central"].tolist(), low=list(band["pupils_low"]),
                         high=list(band["pupils_high"]), planned=rows["places_planned"].tolist(),
                         places_low=list(band["places_low"]), places_high=list(band["places_high"]),
                         base_year=base_year if nor is not None and not is_blank(nor) else None,
                         base_pupils=None if is_blank(nor) else float(nor),
                         base_places=None if is_blank(cap) else float(cap), markers=markers,
                         needed=rows["places_needed_central"].tolist(), outturn=outturn)
        sentence = _area_sentence(rows, band, nor, base_year, mine)
        body = []
        for year, pupils, status in outturn:  # known years: no range, no chance
            body.append([f"{ay(year)} ({'census' if status == 'census' else 'est.'})", num(pupils), "–", num(cap) if year == base_year else "–", "–", "–"])
        if base and not outturn:
            body.append([f"{ay(base_year)} (actual)", num(nor), "–", num(cap), "–", "–"])
        for i, r in rows.iterrows():
            body.append([ay(r["academic_year"]), num(r["demand_central"]),
                         num_range(band["pupils_low"][i], band["pupils_high"][i]), num(r["places_planned"]),
                         places(r["places_needed_central"]), pct(r["p_shortfall"])])
        table = Table(f"{area.code} {area.name}, {area.phase}: pupils against places by year",
                      ["Year", "Pupils (central)", "Pupils, 90% range", "Places (planned)",
                       "Places needed (central)", "Chance of a shortfall"], body, [False, True, True, True, True, True],
                      css="area-table",
                      note=("Years marked census or est. are outturn (known): census, the January census by year "
                            "group; est., the year's observed totals (DfE's January county NOR, school counts as "
                            "shares) with the year groups estimated. No range or chance is shown for a known year."
                            if outturn else None))
        first_year, start_pupils = (base_year, nor) if not is_blank(nor) else (years[0], rows["demand_central"].iloc[0])
        if outturn:
            first_year = outturn[0][0]
        start_places = cap if not is_blank(cap) else rows["places_planned"].iloc[0]
        alt = (f"Fan chart for {area.code} {area.name} ({area.phase}), {ay(first_year)} to {ay(years[-1])}. "
               f"Pupils, central projection: from {num(start_pupils)} to {num(rows['demand_central'].iloc[-1])}, with "
               f"a 90% band of {num_range(band['pupils_low'][-1], band['pupils_high'][-1])} in the last year. "
               f"Places as planned: from {num(start_places)} to {num(rows['places_planned'].iloc[-1])}."
               + (" Project openings marked: " + "; ".join(m.label for m in markers) + "." if markers else ""))
        out.append({"id": f"area-{area.code}-{area.phase}", "title": f"{area.code} {area.name}", "phase": area.phase,
                    "sentence": sentence, "image": Image(charts.fan_chart(fan), alt) if draw else None,
                    "table": table})
    return out


def _area_sentence(rows: pd.DataFrame, band: dict, nor, base_year: int, projects: pd.DataFrame) -> str:
    """Pupils then and at the horizon, places, when a shortfall becomes likely, and the area's projects."""
    years = rows["academic_year"].astype(int).tolist()
    first = rows[rows["p_shortfall"] > 0.5]
    peak = rows.loc[rows["p_shortfall"].idxmax()]
    if not is_blank(nor):
        start = f"{num(nor)} on roll in {ay(base_year)}"
    else:
        start = f"{num(rows['demand_central'].iloc[0])} in {ay(years[0])}"
    text = (f"Pupils (central projection): {start}, {num(rows['demand_central'].iloc[-1])} by {ay(years[-1])} "
            f"(90% of simulations: {num_range(band['pupils_low'][-1], band['pupils_high'][-1])}). "
            f"Places as planned: {num(rows['places_planned'].iloc[-1])} by {ay(years[-1])}. ")
    if not first.empty:
        text += f"A shortfall is more likely than not from {ay(first['academic_year'].min())}."
    else:
        text += (f"A shortfall is not more likely than not in any year to {ay(years[-1])}; the highest chance is "
                 f"{pct(peak['p_shortfall'])} in {ay(peak['academic_year'])}.")
    if len(projects):
        text += " Projects: " + join_words([f"{r.name} ({signed(r.places)}, {r.delivery})" if _is_open(r) else
                                            f"{r.name} ({signed(r.places)}, planned {ay(r.planned_year)}, most likely "
                                            f"{ay(r.likely_year)})" for r in projects.itertuples()]) + "."
    return text


def _likely(r) -> str:
    """'2027/28 (2026/27 to 2027/28)': median simulated opening and its 90% range; '2026/27 (opened)' once open."""
    if _is_open(r):
        return f"{ay(r.opening_year_p50)} ({str(r.delivery_state).replace('_', ' ')})"
    return likely_opening(r)


def likely_opening(r) -> str:
    """Median simulated opening and its 90% range; a quantile no draw reaches within the projection says so."""
    if is_blank(r.opening_year_p05):
        return "not within the projection"
    late = "after the projection" if is_blank(r.opening_year_p95) else ay(r.opening_year_p95)
    middle = "after the projection" if is_blank(r.opening_year_p50) else ay(r.opening_year_p50)
    return f"{middle} ({ay(r.opening_year_p05)} to {late})"


def _is_open(r) -> bool:
    """A programme row of a project already opened or complete at the reference date (no chances: it is open)."""
    return getattr(r, "delivery_state", None) in ("opened", "complete")


def _markers(projects: pd.DataFrame, first: int, last: int) -> list[charts.Marker]:
    markers = []
    for r in projects.itertuples():
        label = f"{r.short} {signed(r.places)}"
        likely = None if is_blank(r.likely_year) else int(r.likely_year)
        if _is_open(r) and likely is not None:
            if first - 1 <= likely <= last:
                markers.append(charts.Marker(likely, f"{label}: opened {ay(likely)}", "both"))
            continue
        if likely == r.planned_year:
            if first - 1 <= likely <= last:
                markers.append(charts.Marker(likely, f"{label}: planned and most likely {ay(likely)}", "both"))
            continue
        if first - 1 <= r.planned_year <= last:
            markers.append(charts.Marker(r.planned_year, f"{label}: planned {ay(r.planned_year)}", "planned"))
        if likely is not None and first - 1 <= likely <= last:
            markers.append(charts.Marker(likely, f"{label}: most likely {ay(likely)}", "likely"))
    return markers


# --- capital programme ---------------------------------------------------------------------------------


def programme_section(results) -> dict:
    """The delivery chart (projects in delivery) and tables of live and other projects."""
    programme = data.programme_table(results)
    delivery = data.in_delivery(results)
    years = sorted(int(c.removeprefix("p_open_by_")) for c in programme.columns if c.startswith("p_open_by_"))
    image = None
    if not delivery.empty and years:
        # a project that opens within the horizon in no draw has blank opening quantiles: the plan sets the range
        early = delivery["opening_year_p05"].astype(float).dropna()
        late = delivery["opening_year_p95"].astype(float).dropna()
        lo = min([int(delivery["planned_opening_year"].min()), *([int(early.min())] if len(early) else [])])
        hi = max([int(delivery["planned_opening_year"].max()), *([int(late.max())] if len(late) else [])])
        shown = [y for y in years if lo - 1 <= y <= max(hi + 1, lo + 3)]
        rows = [charts.ProgrammeRow(f"{r.name} ({signed(r.places_change)} {r.provision})", int(r.planned_opening_year),
                                    {y: float(getattr(r, f"p_open_by_{y}")) for y in shown})
                for r in delivery.itertuples()]
        alt = ("Chart of the chance each project in delivery has opened in or before each academic year, "
               + "; ".join(f"{r.name}: planned {ay(r.planned_opening_year)}, {pct(r.p_on_time)} chance on time, "
                           f"most likely {ay(r.opening_year_p50)}" for r in delivery.itertuples()) + ".")
        image = Image(charts.programme_chart(rows, shown), alt,
                      "Chance that each project's places are open in or before each academic year (a term-time opening counts in its academic year); the outlined cell is "
                      "the planned opening.")
    body = []
    for r in programme.itertuples():
        status = f"{r.status}: {r.delivery}" if not is_blank(r.delivery) else r.status
        body.append([r.name, status, f"{signed(r.places_change)} {r.provision}", ay(r.planned_opening_year),
                     str(r.delivery_state) if _is_open(r) else pct(r.p_on_time), _likely(r),
                     gbp(getattr(r, "council_cost_gbp_p50", None)),
                     [gbp(getattr(r, "cost_gbp_p50", None)),
                      f"({gbp_range(getattr(r, 'cost_gbp_p05', None), getattr(r, 'cost_gbp_p95', None))})"],
                     _funding(r)])
    as_at = results.scenario.config.meta.as_at
    live = Table("Capital programme in this run (committed and complete projects), as simulated from "
                 f"{as_at.strftime('%-d %B %Y')}; costs in cash (approved budgets as approved, estimates inflated "
                 "from their price date to when each stage spends; overruns on top)",
                 ["Project", f"Status at {as_at.strftime('%-d %B %Y')}", "Places", "Planned opening",
                  "Chance on time", "Most likely opening (90% range)", "Council cost, median",
                  "Total cost: median (90% range)", "Funding"],
                 body, [False, False, True, True, True, True, True, True, False], css="programme",
                 widths=[19, 16, 8, 7, 7, 11, 8, 12, 12])
    if programme.empty:
        live = None
    plan = results.capital_projects
    other = plan[~plan["project"].isin(programme["project"])]
    others = None
    if not other.empty:
        others = Table("Projects not in this run (proposed or withdrawn): options for placeplan compare",
                       ["Project", "Status", "Places", "Planned opening", "Cost estimate (price year)"],
                       [[r.name, f"{r.status}: {r.delivery}" if not is_blank(getattr(r, "delivery", None))
                         else r.status, f"{signed(r.places_change)} {r.provision}", ay(r.planned_opening_year),
                         f"{gbp(r.cost_gbp)} ({int(r.price_year)})" if not is_blank(r.cost_gbp) else "–"]
                        for r in other.itertuples()], [False, False, True, True, True],
                       widths=[42, 12, 14, 14, 18])
    return {"image": image, "table": live, "others": others}


def _funding(r) -> str:
    """Who pays, e.g. 'council borrowing 30%; high needs capital 70%', else the funding source."""
    text = getattr(r, "funders", None)
    if is_blank(text):
        text = getattr(r, "funding_source", None)
    return str(text).replace("_", " ") if not is_blank(text) else "–"


# --- specialist ----------------------------------------------------------------------------------------


def specialist_section(results) -> dict | None:
    """Specialist demand against specialist places: chart and table (None without specialist results)."""
    table = results.specialist_sufficiency
    if table.empty:
        return None
    table = table.sort_values("academic_year").reset_index(drop=True)
    years = [int(y) for y in table["academic_year"]]

    def col(name, fallback):
        return table[name].astype(float).tolist() if name in table else table[fallback].astype(float).tolist()

    central = col("specialist_demand_central", "specialist_demand_p50")
    planned = col("specialist_places_planned", "specialist_places_mean")
    fan = charts.Fan(years=years, central=central, low=col("specialist_demand_p05", "specialist_demand_central"),
                     high=col("specialist_demand_p95", "specialist_demand_central"), planned=planned,
                     places_low=planned if "specialist_places_p05" not in table else col("specialist_places_p05", ""),
                     places_high=planned if "specialist_places_p95" not in table else col("specialist_places_p95", ""),
                     pupils_label="Pupils needing a specialist place", places_label="Specialist places as planned",
                     shade_gap=True)
    gap = table["places_needed_central"]
    alt = (f"Chart of pupils needing a specialist place against specialist places, {ay(years[0])} to {ay(years[-1])}: "
           f"demand from {num(central[0])} to {num(central[-1])}, places from {num(planned[0])} to {num(planned[-1])}; "
           f"the gap grows from {num(gap.iloc[0])} to {num(gap.iloc[-1])}.")
    rows = [[ay(r["academic_year"]), num(r.get("specialist_demand_central")),
             num_range(r.get("specialist_demand_p05"), r.get("specialist_demand_p95")),
             num(r.get("specialist_places_planned")), places(r.get("places_needed_central")),
             num_range(r.get("places_needed_p05"), r.get("places_needed_p95")), pct(r.get("p_shortfall"))]
            for _, r in table.iterrows()]
    body = Table("Specialist places: pupils needing one against places in county (the gap is pupils likely to need an "
                 "out-of-county or independent placement)",
                 ["Academic year", "Pupils needing a specialist place, central", "90% range",
                  "Specialist places as planned", "Gap, central", "Gap, 90% range", "Chance of a gap"],
                 rows, [False, True, True, True, True, True, True])
    capacity = results.specialist
    cap_table = None
    if isinstance(capacity, pd.DataFrame) and not capacity.empty:
        cap_table = Table("Specialist and alternative-provision places now, by setting",
                          ["School or unit", "Setting", "Places", "Source"],
                          [[r.name, str(r.setting).replace("_", " "), num(r.net_capacity), str(r.source)]
                           for r in capacity.itertuples()], [False, False, True, False])
    return {"image": Image(charts.fan_chart(fan), alt), "table": body, "capacity": cap_table,
            "gap_last": places(gap.iloc[-1]), "last": ay(years[-1])}
