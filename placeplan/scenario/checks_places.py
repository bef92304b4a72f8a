"""Consistency checks of the school-level tables: year-group places, school roll blocks, PAN sources,
catchment schools and the Year 6 -> Year 7 transfer table. Each returns every problem it finds."""

from __future__ import annotations

import pandas as pd

from placeplan.errors import Problem
from placeplan.scenario.tables import FIRST_DATA_ROW

OUTSIDE = "outside"
TOLERANCE = 1.0  # places: year-group capacity may differ from net capacity by rounding only


def _row(i: int) -> str:
    return f"row {i + FIRST_DATA_ROW}"


def check_capacity_by_ncy(inp) -> list[Problem]:
    """Year-group places are in year groups their school teaches, and add up to its net capacity
    (unknown schools are reported by ``checks.check_unknown_schools``)."""
    table, schools, capacity = (inp.tables.get(k) for k in ("capacity_by_ncy", "schools", "capacity"))
    if table is None or schools is None:
        return []
    file = inp.files["capacity_by_ncy"]
    by_id = schools.set_index("school_id")
    problems = []
    for i, row in table.iterrows():
        if row["school_id"] in by_id.index and not by_id.at[row["school_id"], "ncy_low"] <= row["ncy"] <= by_id.at[row["school_id"], "ncy_high"]:
            problems.append(Problem(file, f"{_row(i)}, column ncy",
                                    f"year group {row['ncy']} is not taught at {row['school_id']} (expected "
                                    f"{by_id.at[row['school_id'], 'ncy_low']}-{by_id.at[row['school_id'], 'ncy_high']})"))
    if capacity is None:
        return problems
    ranges = {"primary": range(0, 7), "secondary": range(7, 12), "sixth_form": range(12, 14)}
    for cap in capacity.itertuples(index=False):
        if cap.provision not in ranges:
            continue
        mine = table[(table["school_id"] == cap.school_id) & table["ncy"].isin(list(ranges[cap.provision]))]
        if not mine.empty and abs(mine["places"].sum() - cap.net_capacity) > TOLERANCE:
            problems.append(Problem(file, f"school {cap.school_id}, {cap.provision}",
                                    f"year-group places add up to {mine['places'].sum()} but the net capacity in "
                                    f"{inp.files['capacity']} is {cap.net_capacity} (expected them to add up, as "
                                    f"SCAP's capacity by year group does)"))
    return problems


def check_school_nor_blocks(inp) -> list[Problem]:
    """A block of year groups has both ends, in order."""
    table = inp.tables.get("school_nor")
    if table is None:
        return []
    problems = []
    for i, row in table.iterrows():
        low, high = row["ncy_low"], row["ncy_high"]
        if pd.isna(low) != pd.isna(high):
            problems.append(Problem(inp.files["school_nor"], f"{_row(i)}, columns ncy_low/ncy_high",
                                    "give both ends of the block of year groups, or leave both blank (whole school)"))
        elif not pd.isna(low) and low > high:
            problems.append(Problem(inp.files["school_nor"], f"{_row(i)}, columns ncy_low/ncy_high",
                                    f"ncy_low {low} is above ncy_high {high} (expected the first year group first)"))
    return problems


def check_pan_source(inp) -> list[Problem]:
    """A PAN source is given only with a PAN."""
    capacity = inp.tables.get("capacity")
    if capacity is None or "pan_source" not in capacity:
        return []
    bad = capacity[capacity["pan_source"].notna() & capacity["pan"].isna()]
    return [Problem(inp.files["capacity"], f"{_row(i)}, column pan_source",
                    f"pan_source {row['pan_source']!r} but no pan (expected a PAN, or a blank pan_source)")
            for i, row in bad.iterrows()]


def _secondary_schools(schools: pd.DataFrame) -> set[str]:
    return set(schools.loc[(schools["ncy_low"] <= 7) & (schools["ncy_high"] >= 7), "school_id"])


def check_catchment_schools(inp) -> list[Problem]:
    """A primary area's catchment school teaches Year 7; its `feeds` area is a secondary planning area."""
    areas, schools = inp.tables.get("planning_areas"), inp.tables.get("schools")
    if areas is None or schools is None:
        return []
    secondary = _secondary_schools(schools)
    sec_areas = set(areas.loc[(areas["phase"] == "secondary") & (areas["kind"] == "official"), "planning_area"])
    problems = []
    for i, row in areas.iterrows():
        school, feeds = row.get("catchment_school"), row.get("feeds")
        if isinstance(school, str) and school not in secondary:
            problems.append(Problem(inp.files["planning_areas"], f"{_row(i)}, column catchment_school",
                                    f"{school!r} is not a school teaching Year 7 in {inp.files['schools']}"))
        if isinstance(feeds, str) and feeds not in sec_areas:
            problems.append(Problem(inp.files["planning_areas"], f"{_row(i)}, column feeds",
                                    f"{feeds!r} is not an official secondary planning area"))
        if (isinstance(school, str) or isinstance(feeds, str)) and row["phase"] != "primary":
            problems.append(Problem(inp.files["planning_areas"], f"{_row(i)}, columns catchment_school/feeds",
                                    "only a primary planning area has a catchment school or feeds one"))
    return problems


def check_transfer_table(inp) -> list[Problem]:
    """The transfer table names known origins and destinations, and every primary area has a row."""
    table, areas, schools = (inp.tables.get(k) for k in ("transfer", "planning_areas", "schools"))
    if table is None or areas is None or schools is None:
        return []
    file = inp.files["transfer"]
    official = areas[areas["kind"] == "official"]
    primary = set(official.loc[official["phase"] == "primary", "planning_area"])
    destinations = _secondary_schools(schools) | set(official.loc[official["phase"] == "secondary",
                                                                  "planning_area"]) | {OUTSIDE}
    problems = []
    for i, row in table.iterrows():
        if row["origin"] not in primary | {OUTSIDE}:
            problems.append(Problem(file, f"{_row(i)}, column origin", f"unknown origin {row['origin']!r} "
                                    f"(expected a primary planning area or {OUTSIDE!r})"))
        if row["destination"] not in destinations:
            problems.append(Problem(file, f"{_row(i)}, column destination",
                                    f"unknown destination {row['destination']!r} (expected a secondary school_id, "
                                    f"a secondary planning area or {OUTSIDE!r})"))
    kinds = {"school" if d in _secondary_schools(schools) else "area" for d in table["destination"] if d != OUTSIDE}
    if len(kinds) > 1:
        problems.append(Problem(file, "column destination", "mixes schools and planning areas (expected one or the "
                                "other, plus 'outside')"))
    for area in sorted(primary - set(table["origin"])):
        problems.append(Problem(file, "rows", f"no row for primary planning area {area} (its Year 6 would go "
                                "nowhere; expected at least one destination for every primary area)"))
    return problems


CHECKS = (check_capacity_by_ncy, check_school_nor_blocks, check_pan_source, check_catchment_schools,
          check_transfer_table)


def check_place_reductions(inp) -> list[Problem]:
    """A place change removes no more places than its school has in that provision: its row of the capacity table
    plus the places other live projects add there (in the scenario and in each option's changed projects)."""
    config, capacity = inp.config, inp.tables.get("capacity")
    if config is None or capacity is None:
        return []
    from placeplan.scenario.checks_capital import _changed_projects

    have = capacity.groupby(["school_id", "provision"])["net_capacity"].sum().to_dict()
    table_file = inp.files.get("capacity", "capacity table")

    def problems_of(projects, prefix: str) -> list[Problem]:
        added: dict[tuple[str, str], int] = {}
        for project in projects.values():
            if project.status != "withdrawn" and project.school_id is not None:
                for change in project.places:
                    if change.net_capacity_change > 0:
                        slot = (project.school_id, change.provision)
                        added[slot] = added.get(slot, 0) + change.net_capacity_change
        out = []
        for key, project in projects.items():
            if project.school_id is None:
                continue
            for i, change in enumerate(project.places):
                slot = (project.school_id, change.provision)
                most = int(have.get(slot, 0)) + added.get(slot, 0)
                if -change.net_capacity_change > most:
                    out.append(Problem(inp.scenario_file,
                                       f"{prefix}capital_projects.{key}.places.{i}.net_capacity_change",
                                       f"removes {-change.net_capacity_change:,} {change.provision} places but "
                                       f"{project.school_id} has {most:,} ({int(have.get(slot, 0)):,} in "
                                       f"{table_file}, {added.get(slot, 0):,} added by projects; expected a "
                                       "reduction no larger than the school's places)"))
        return out

    problems = problems_of(config.capital_projects, "")
    options = {}
    for name, key, project in _changed_projects(config, inp.scenario_file):
        options.setdefault(name, []).append(key)
    from placeplan.scenario.options import apply_option

    for name, keys in options.items():
        changed = apply_option(config, name, inp.scenario_file).capital_projects
        problems += [p for p in problems_of(changed, f"options.{name}.changes.")
                     if any(p.where.startswith(f"options.{name}.changes.capital_projects.{k}.") for k in keys)]
    return problems


CHECKS = CHECKS + (check_place_reductions,)
