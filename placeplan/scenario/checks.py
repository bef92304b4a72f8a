"""Consistency checks on a loaded scenario: small ``check_*`` functions, run together.

Each takes a :class:`CheckInput` and returns a list of problems (empty when clean), so
each can be tested on its own and ``placeplan validate`` can report every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from placeplan.errors import Problem, ScenarioError
from placeplan.scenario.checks_capital import check_admissions, check_delivery_states, check_places_before
from placeplan.scenario.checks_places import CHECKS as PLACE_CHECKS
from placeplan.scenario.checks_sites import CHECKS as SITE_CHECKS
from placeplan.scenario.columns import ALL_TABLES, COUNT_COLUMNS
from placeplan.scenario.schema import ScenarioFile
from placeplan.scenario.tables import FIRST_DATA_ROW

PRIMARY_NCY = range(0, 7)


@dataclass(frozen=True)
class CheckInput:
    """What the checks look at.

    config : the validated scenario file, or None when the YAML itself failed validation
    tables : typed tables by name (a table that could not be read is absent)
    files  : the display path of each table by name, for messages
    scenario_file : display path of the YAML file
    """

    config: ScenarioFile | None
    tables: dict[str, pd.DataFrame]
    files: dict[str, str]
    scenario_file: str
    raw: dict | None = None  # the scenario file as read, before overrides (None: taken from config)


def _rows(index: pd.Index) -> str:
    rows = [str(i + FIRST_DATA_ROW) for i in index[:10]]
    more = f" and {len(index) - 10} more" if len(index) > 10 else ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(rows) + more


def check_referenced_files(refs: dict[str, str], scenario_dir: Path, root: Path, scenario_file: str) -> list[Problem]:
    """Every referenced file exists and lies inside the scenario's folder, or its data root inside it.

    The rule is :mod:`placeplan.scenario.paths`'s; a ``root`` outside ``scenario_dir`` is not used.
    """
    from placeplan.scenario.paths import Containment, check_files, is_inside

    folder, root = Path(scenario_dir).resolve(), Path(root).resolve()
    return check_files(refs, Containment(folder, root if is_inside(root, folder) else folder), scenario_file)


def check_duplicate_ids(inp: CheckInput) -> list[Problem]:
    """No two rows of a table share the same key (e.g. a duplicate school_id)."""
    problems = []
    for spec in ALL_TABLES:
        df = inp.tables.get(spec.name)
        if df is None or not spec.key or df.empty:
            continue
        dup = df[df.duplicated(list(spec.key), keep=False)]
        for key, group in dup.groupby(list(spec.key), sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{k}={v}" for k, v in zip(spec.key, key))
            problems.append(Problem(inp.files[spec.name], _rows(group.index),
                                    f"duplicate {label} (expected each {'/'.join(spec.key)} once)"))
    return problems


def check_negative_counts(inp: CheckInput) -> list[Problem]:
    """Counts of pupils, places, births and dwellings are never negative."""
    problems = []
    for table, columns in COUNT_COLUMNS.items():
        df = inp.tables.get(table)
        if df is None:
            continue
        for column in columns:
            values = pd.to_numeric(df[column], errors="coerce")
            for i in df.index[values < 0]:
                problems.append(Problem(inp.files[table], f"row {i + FIRST_DATA_ROW}, column {column}",
                                        f"negative count {values[i]:g} (expected a count >= 0)"))
    return problems


def _areas(inp: CheckInput) -> pd.DataFrame | None:
    return inp.tables.get("planning_areas")


def check_unknown_planning_areas(inp: CheckInput) -> list[Problem]:
    """Every planning-area code used in a table is defined in the planning-areas table."""
    areas = _areas(inp)
    if areas is None:
        return []
    official = areas[areas["kind"] == "official"]
    by_phase = {ph: set(official.loc[official["phase"] == ph, "planning_area"]) for ph in ("primary", "secondary")}
    sub_areas = set(areas.loc[areas["kind"] == "sub_area", "planning_area"])
    la_code = inp.config.meta.la_code if inp.config else None
    uses = [
        ("schools", "primary_planning_area", by_phase["primary"], "a primary planning area"),
        ("schools", "secondary_planning_area", by_phase["secondary"], "a secondary planning area"),
        ("schools", "sub_area", sub_areas, "a sub_area in the planning-areas table"),
        ("pupils", "planning_area", by_phase["primary"] | by_phase["secondary"], "an official planning area"),
        ("birth_shares", "planning_area", by_phase["primary"], "a primary planning area"),
        ("housing", "planning_area", by_phase["primary"], "a primary planning area"),
        *([("births", "area", by_phase["primary"] | {la_code}, "the LA code or a primary planning area")]
          if la_code else []),
        ("planning_areas", "parent", set(official["planning_area"]), "an official planning area"),
    ]
    problems = []
    if inp.config:
        allowed = set(areas["planning_area"]) | {inp.config.meta.la_code}
        for key, project in inp.config.capital_projects.items():
            if project.planning_area is not None and project.planning_area not in allowed:
                problems.append(Problem(inp.scenario_file, f"capital_projects.{key}.planning_area",
                                        f"unknown planning area {project.planning_area!r} (expected a code from "
                                        f"{inp.files['planning_areas']}, or {inp.config.meta.la_code!r} for "
                                        "county-wide provision)"))
    for table, column, known, expected in uses:
        df = inp.tables.get(table)
        if df is None:
            continue
        values = df[column]
        unknown = values.notna() & ~values.isin(known)
        for code, group in df[unknown].groupby(column, sort=True):
            problems.append(Problem(inp.files[table], f"{_rows(group.index)}, column {column}",
                                    f"unknown planning area {code!r} (expected {expected}; "
                                    f"{len(known)} defined in {inp.files['planning_areas']})"))
    return problems


def check_pupils_phase(inp: CheckInput) -> list[Problem]:
    """R-Y6 pupils sit in primary planning areas and Y7-Y13 in secondary ones."""
    areas, pupils = _areas(inp), inp.tables.get("pupils")
    if areas is None or pupils is None:
        return []
    phase = dict(zip(areas["planning_area"], areas["phase"]))
    expected = pupils["ncy"].map(lambda n: None if pd.isna(n) else "primary" if n in PRIMARY_NCY else "secondary")
    actual = pupils["planning_area"].map(phase)
    wrong = actual.notna() & expected.notna() & (actual != expected)
    problems = []
    for (area, want), group in pupils[wrong].groupby(["planning_area", expected[wrong]], sort=True):
        problems.append(Problem(inp.files["pupils"], f"{_rows(group.index)}, column planning_area",
                                f"{area!r} is a {phase[area]} planning area but these rows are "
                                f"{want} year groups (expected R-Y6 in primary areas, Y7-Y13 in secondary)"))
    return problems


def check_unknown_schools(inp: CheckInput) -> list[Problem]:
    """Capacity rows, school rolls and capital projects refer to schools that exist."""
    schools = inp.tables.get("schools")
    if schools is None:
        return []
    known = set(schools["school_id"])
    problems = []
    for table in ("capacity", "school_nor", "capacity_by_ncy"):
        df = inp.tables.get(table)
        if df is None:
            continue
        for school, group in df[~df["school_id"].isin(known)].groupby("school_id", sort=True):
            problems.append(Problem(inp.files[table], f"{_rows(group.index)}, column school_id",
                                    f"unknown school {school!r} (expected a school_id from {inp.files['schools']})"))
    if inp.config:
        for key, project in inp.config.capital_projects.items():
            if project.school_id is not None and project.school_id not in known:
                problems.append(Problem(inp.scenario_file, f"capital_projects.{key}.school_id",
                                        f"unknown school {project.school_id!r} (expected a school_id from "
                                        f"{inp.files['schools']}, or leave it blank for a new school)"))
    return problems


def check_pupils_without_capacity(inp: CheckInput) -> list[Problem]:
    """A school with pupils on roll has capacity; a planning area with pupils has schools with places."""
    problems = []
    capacity, nor = inp.tables.get("capacity"), inp.tables.get("school_nor")
    if capacity is not None and nor is not None:
        # A negative figure is reported by check_negative_counts; here any non-zero row counts.
        with_places = set(capacity.loc[capacity["net_capacity"].fillna(0) != 0, "school_id"])
        lacking = nor[(nor["nor"] > 0) & ~nor["school_id"].isin(with_places)]
        for school, group in lacking.groupby("school_id", sort=True):
            problems.append(Problem(inp.files["school_nor"], f"{_rows(group.index)}, column school_id",
                                    f"pupils recorded for school {school!r}, which has no capacity "
                                    f"(expected a row with net_capacity > 0 in {inp.files['capacity']})"))
    schools, pupils = inp.tables.get("schools"), inp.tables.get("pupils")
    if capacity is not None and schools is not None and pupils is not None and not pupils.empty:
        latest = pupils[(pupils["academic_year"] == pupils["academic_year"].max()) & (pupils["nor"] > 0)]
        merged = capacity.merge(schools, on="school_id")
        for area, group in latest.groupby("planning_area", sort=True):
            column = "primary_planning_area" if group["ncy"].min() in PRIMARY_NCY else "secondary_planning_area"
            provision = "primary" if column.startswith("primary") else "secondary"
            places = merged.loc[(merged[column] == area) & (merged["provision"] == provision), "net_capacity"]
            if not (places.fillna(0) != 0).any():
                problems.append(Problem(inp.files["pupils"], f"planning_area {area}",
                                        f"pupils on roll but no {provision} capacity at any school in this area "
                                        f"(expected schools with {column} = {area} and {provision} places)"))
    return problems


def check_school_pupils(inp: CheckInput) -> list[Problem]:
    """School-level pupils: the school exists, has a planning area for the year group, and has places."""
    by_school, schools, capacity = (inp.tables.get(n) for n in ("pupils_by_school", "schools", "capacity"))
    if by_school is None or schools is None:
        return []
    file = inp.files["pupils_by_school"]
    known = schools.set_index("school_id")
    problems = []
    unknown = by_school[~by_school["school_id"].isin(known.index)]
    for school, group in unknown.groupby("school_id", sort=True):
        problems.append(Problem(file, f"{_rows(group.index)}, column school_id",
                                f"unknown school {school!r} (expected a school_id from {inp.files['schools']})"))
    rows = by_school[by_school["school_id"].isin(known.index)]
    provision = rows["ncy"].map(lambda n: "primary" if n in PRIMARY_NCY else "secondary")
    area_column = provision.map({"primary": "primary_planning_area", "secondary": "secondary_planning_area"})
    area = [known.at[s, c] for s, c in zip(rows["school_id"], area_column)]
    no_area = rows[pd.Series(area, index=rows.index, dtype="object").isna().to_numpy()]
    for school, group in no_area.groupby("school_id", sort=True):
        problems.append(Problem(file, f"{_rows(group.index)}, column school_id",
                                f"pupils recorded in year groups for which school {school!r} has no planning area "
                                f"(expected the matching planning-area column in {inp.files['schools']})"))
    if capacity is not None:
        places = capacity[capacity["net_capacity"].fillna(0) != 0]
        has = set(zip(places["school_id"], places["provision"]))
        missing = pd.Series([(s, p) not in has for s, p in zip(rows["school_id"], provision)], index=rows.index)
        lacking = rows[missing & (rows["nor"] > 0)]
        for (school, prov), group in lacking.groupby(["school_id", provision[lacking.index]], sort=True):
            problems.append(Problem(file, f"{_rows(group.index)}, column school_id",
                                    f"pupils recorded for school {school!r}, which has no {prov} capacity "
                                    f"(expected a {prov} row with net_capacity > 0 in {inp.files['capacity']})"))
    return problems


def _gaps(years: pd.Series) -> list[int]:
    present = set(int(y) for y in years.dropna())
    return [y for y in range(min(present), max(present) + 1) if y not in present] if present else []


def check_year_series_gaps(inp: CheckInput) -> list[Problem]:
    """Pupil and birth series run year by year without gaps, and cover what the run needs."""
    problems = []
    pupils = inp.tables.get("pupils")
    if pupils is not None:
        for (area, ncy), group in pupils.groupby(["planning_area", "ncy"], sort=True):
            missing = _gaps(group["academic_year"])
            if missing:
                problems.append(Problem(inp.files["pupils"], f"planning_area {area}, ncy {ncy}",
                                        f"no rows for academic year {', '.join(map(str, missing))} "
                                        "(expected one row per year, with no gaps)"))
    births = inp.tables.get("births")
    if births is not None:
        for area, group in births.groupby("area", sort=True):
            missing = _gaps(group["birth_year"])
            if missing:
                problems.append(Problem(inp.files["births"], f"area {area}",
                                        f"no births for birth_year {', '.join(map(str, missing))} "
                                        "(expected one row per year, with no gaps)"))
        if inp.config and inp.config.meta.base_year is not None and not births.empty:
            meta = inp.config.meta
            needed = meta.base_year + meta.horizon_years - 5
            if births["birth_year"].max() < needed:
                problems.append(Problem(inp.files["births"], "column birth_year",
                                        f"births end in birth_year {births['birth_year'].max()}, but a "
                                        f"{meta.horizon_years}-year horizon from {meta.base_year} needs births "
                                        f"(actual or projected) up to birth_year {needed}"))
    return problems


def check_birth_shares(inp: CheckInput) -> list[Problem]:
    """Planning-area shares of LA births add up to 1 when births are given for the whole LA."""
    births, shares = inp.tables.get("births"), inp.tables.get("birth_shares")
    if births is None or inp.config is None:
        return []
    by_la = (births["area"] == inp.config.meta.la_code).any()
    if by_la and shares is None:
        return [Problem(inp.scenario_file, "births.shares",
                        "births are given for the whole LA, so planning-area shares are needed "
                        "(expected births.shares to name a birth_shares table)")]
    if shares is not None and not shares.empty and abs(shares["share"].sum() - 1) > 1e-3:
        return [Problem(inp.files["birth_shares"], "column share",
                        f"shares add up to {shares['share'].sum():.4f} (expected 1)")]
    return []


def check_school_rows(inp: CheckInput) -> list[Problem]:
    """Each school's year-group range is in order and matches its planning areas."""
    schools = inp.tables.get("schools")
    if schools is None:
        return []
    problems = []
    for i, row in schools.iterrows():
        lo, hi = row["ncy_low"], row["ncy_high"]
        if pd.notna(lo) and pd.notna(hi) and lo > hi:
            problems.append(Problem(inp.files["schools"], f"row {i + FIRST_DATA_ROW}, column ncy_low",
                                    f"ncy_low {lo} is above ncy_high {hi} (expected ncy_low <= ncy_high)"))
        if row["kind"] == "mainstream" and pd.notna(lo) and lo <= 6 and row["primary_planning_area"] is None:
            problems.append(Problem(inp.files["schools"], f"row {i + FIRST_DATA_ROW}, column primary_planning_area",
                                    f"{row['name']} teaches primary years but has no primary planning area "
                                    "(expected a primary planning-area code)"))
        if row["kind"] == "mainstream" and pd.notna(hi) and hi >= 7 and row["secondary_planning_area"] is None:
            problems.append(Problem(inp.files["schools"],
                                    f"row {i + FIRST_DATA_ROW}, column secondary_planning_area",
                                    f"{row['name']} teaches secondary years but has no secondary planning area "
                                    "(expected a secondary planning-area code)"))
    return problems


def check_project_dates(inp: CheckInput) -> list[Problem]:
    """A capital project opens after it starts, and depends only on projects that exist."""
    if inp.config is None:
        return []
    problems = []
    projects = inp.config.capital_projects
    for key, project in projects.items():
        where = f"capital_projects.{key}"
        if project.planned_opening < project.start:
            problems.append(Problem(inp.scenario_file, f"{where}.planned_opening",
                                    f"opens on {project.planned_opening} but starts on {project.start} "
                                    "(expected planned_opening on or after start)"))
        for dep in project.depends_on:
            if dep not in projects:
                problems.append(Problem(inp.scenario_file, f"{where}.depends_on",
                                        f"unknown project {dep!r} (expected one of: {', '.join(sorted(projects))})"))
        if project.school_id is None and project.planning_area is None:
            problems.append(Problem(inp.scenario_file, where,
                                    "neither school_id nor planning_area is given (expected one, so the places "
                                    "can be counted somewhere)"))
    return problems


def _cycle(start: str, projects) -> list[str] | None:
    """The chain of ``depends_on`` from ``start`` back to itself, if there is one."""
    path, seen = [start], set()

    def walk(key: str) -> list[str] | None:
        for dep in projects[key].depends_on:
            if dep == start:
                return [*path, dep]
            if dep in projects and dep not in seen:
                seen.add(dep)
                path.append(dep)
                found = walk(dep)
                if found:
                    return found
                path.pop()
        return None

    return walk(start)


def dependency_cycles(projects, file: str, prefix: str = "") -> list[Problem]:
    """A project that depends on itself, directly or through others, would never start: one problem per cycle."""
    problems, reported = [], set()
    for key in sorted(projects):
        chain = _cycle(key, projects)
        if chain is None or frozenset(chain) in reported:
            continue
        reported.add(frozenset(chain))
        shown = "itself" if len(chain) == 2 else " -> ".join(chain)
        problems.append(Problem(file, f"{prefix}capital_projects.{key}.depends_on",
                                f"depends on {shown} (expected no project to wait, directly or through others, "
                                "for itself: it would never start)"))
    return problems


def check_dependency_cycles(inp: CheckInput) -> list[Problem]:
    """No capital project depends on itself, directly or through a cycle, in the scenario and in each option."""
    if inp.config is None:
        return []
    from placeplan.scenario.options import apply_option

    problems = dependency_cycles(inp.config.capital_projects, inp.scenario_file)
    for name in inp.config.options:
        try:
            changed = apply_option(inp.config, name, inp.scenario_file)
        except ScenarioError:
            continue  # reported by check_options
        if changed.capital_projects != inp.config.capital_projects:
            problems += dependency_cycles(changed.capital_projects, inp.scenario_file, f"options.{name}.changes.")
    return problems


# Tables that must have data rows when given (an optional table left out is not checked).
NEEDS_ROWS = ("planning_areas", "schools", "capacity", "pupils_by_school", "births", "birth_shares",
              "pupil_yields", "send")


def check_empty_tables(inp: CheckInput) -> list[Problem]:
    """A table the projection needs has data rows, not just a header (caught at validate, not mid-run)."""
    problems = []
    names = list(NEEDS_ROWS)
    if "pupils_by_school" not in inp.tables:
        names.insert(3, "pupils")
    for name in names:
        df = inp.tables.get(name)
        if df is not None and df.empty:
            problems.append(Problem(inp.files.get(name, name), "rows",
                                    "no data rows, only a header (expected at least one row of data)"))
    return problems


def check_send_area(inp: CheckInput) -> list[Problem]:
    """The specialist (SEND) history is the authority's own: every row's area is ``meta.la_code``."""
    send = inp.tables.get("send")
    if send is None or inp.config is None:
        return []
    la = str(inp.config.meta.la_code)
    unknown = send["area"].notna() & (send["area"].astype(str) != la)
    return [Problem(inp.files["send"], f"{_rows(group.index)}, column area",
                    f"unknown authority code {code!r} (expected {la!r}, meta.la_code: the table is the whole "
                    "authority's)")
            for code, group in send[unknown].groupby("area", sort=True)]


def check_overrides(inp: CheckInput) -> list[Problem]:
    """Every named override and scenario applies cleanly and leaves valid settings, whether this run uses it or not.

    Each override (and each named scenario's list of them) is applied to the settings as the file gives them and
    validated against the schema (tables are not read again): an unknown key, a bad value or a scenario naming a
    missing override is refused, naming ``overrides.<name>.<key>`` or ``scenarios.<name>``.
    """
    if inp.config is None:
        return []
    from pydantic import ValidationError

    from placeplan.scenario.load import schema_problems
    from placeplan.scenario.options import _lists
    from placeplan.scenario.overrides import apply_overrides

    file = inp.scenario_file
    raw = inp.raw if inp.raw is not None else _lists(inp.config.model_dump(mode="python"))
    overrides, scenarios = inp.config.overrides, inp.config.scenarios
    problems: list[Problem] = []

    def validated(names: list[str]) -> tuple[list[Problem], list[Problem]]:
        """Problems applying the overrides (conflicts, paths), and the schema's problems with the result."""
        tree, _, found, _ = apply_overrides(raw, names, [], file)
        try:
            ScenarioFile.model_validate(tree)
        except ValidationError as exc:
            return found, schema_problems(exc, file)
        return found, []

    for name in overrides:
        found, invalid = validated([name])
        problems += found + [Problem(file, f"overrides.{name}.{p.where}", p.message) for p in invalid]
    for name, members in scenarios.items():
        missing = [m for m in members if m not in overrides]
        for member in missing:
            problems.append(Problem(file, f"scenarios.{name}",
                                    f"unknown override {member!r} (expected one of: "
                                    f"{', '.join(sorted(overrides)) or 'none defined'})"))
        if not missing and len(members) > 1:  # each part alone is checked above; here the parts together
            found, invalid = validated(list(members))
            problems += [Problem(file, f"scenarios.{name}", f"{p.where}: {p.message}") for p in found + invalid]
    return problems


def check_scap_commentary(inp: CheckInput) -> list[Problem]:
    """Every key of ``scap.commentary`` is an official planning area (or the LA code, for the whole authority)."""
    areas = _areas(inp)
    if inp.config is None or areas is None:
        return []
    official = set(areas.loc[areas["kind"] == "official", "planning_area"])
    la_code = inp.config.meta.la_code
    return [Problem(inp.scenario_file, f"scap.commentary.{key}",
                    f"unknown planning area {key!r} (expected an official planning area from "
                    f"{inp.files['planning_areas']}, or {la_code!r} for the whole authority)")
            for key in sorted(inp.config.scap.commentary) if key not in official and key != la_code]


def check_options(inp: CheckInput) -> list[Problem]:
    """Capital-programme options apply cleanly to the scenario."""
    if inp.config is None:
        return []
    from placeplan.scenario.options import check_options as _check

    return _check(inp.config, inp.scenario_file)


def check_observed_totals(inp: CheckInput) -> list[Problem]:
    """Observed totals name the authority or an official planning area, and a block of year groups it holds."""
    table = inp.tables.get("observed_totals")
    if table is None or table.empty or inp.config is None:
        return []
    problems = []
    areas = inp.tables.get("planning_areas")
    official = {} if areas is None else dict(zip(areas.loc[areas["kind"] == "official", "planning_area"],
                                                 areas.loc[areas["kind"] == "official", "phase"]))
    la = str(inp.config.meta.la_code)
    for i, row in table.iterrows():
        where = _rows(pd.Index([i]))
        if row["ncy_low"] > row["ncy_high"]:
            problems.append(Problem(inp.files["observed_totals"], where + ", column ncy_high",
                                    f"ncy_high {row['ncy_high']} is below ncy_low {row['ncy_low']}"))
        if row["level"] == "authority" and str(row["code"]) != la:
            problems.append(Problem(inp.files["observed_totals"], where + ", column code",
                                    f"authority code {row['code']!r} is not this authority's (expected {la!r}, "
                                    "meta.la_code)"))
        elif row["level"] == "planning_area":
            phase = official.get(row["code"])
            if phase is None:
                problems.append(Problem(inp.files["observed_totals"], where + ", column code",
                                        f"planning area {row['code']!r} is not an official planning area"))
            elif (phase == "primary" and row["ncy_low"] > 6) or (phase == "secondary" and row["ncy_high"] < 7):
                problems.append(Problem(inp.files["observed_totals"], where + ", column ncy_low",
                                        f"a {phase} planning area holds no pupils in NCY "
                                        f"{row['ncy_low']}-{row['ncy_high']}"))
    return problems


CHECKS: tuple[Callable[[CheckInput], list[Problem]], ...] = (
    check_observed_totals,
    check_duplicate_ids,
    check_negative_counts,
    check_unknown_planning_areas,
    check_pupils_phase,
    check_unknown_schools,
    check_pupils_without_capacity,
    check_school_pupils,
    check_year_series_gaps,
    check_birth_shares,
    check_school_rows,
    check_project_dates,
    check_delivery_states,
    check_places_before,
    check_admissions,
    check_options,
    check_scap_commentary,
    check_dependency_cycles,
    check_empty_tables,
    check_send_area,
    check_overrides,
)



def run_checks(inp: CheckInput) -> list[Problem]:
    """Run every consistency check and return all the problems found."""
    problems: list[Problem] = []
    for check in CHECKS + PLACE_CHECKS + SITE_CHECKS:
        problems += check(inp)
    return problems
