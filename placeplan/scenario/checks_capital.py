"""Capital projects' delivery states against the reference date: problems (refusals) and notes.

``check_delivery_states`` finds contradictions between a project's ``delivery`` block, its stages,
status, cost and ``meta.as_at`` (in the scenario and in every option's changed projects); each
problem names the key. ``programme_notes`` finds what is allowed but worth telling an officer
(``placeplan validate`` prints them without refusing): a project not started whose start has passed
(it is taken to start at ``as_at``), a state taken from ``start`` because no ``delivery`` was given,
a stage that has already outlasted its longest duration, and a planned opening the stage durations make nearly
impossible (``checks_timing``). ``check_places_before`` refuses a live project's ``pan_before`` or
``capacity_before`` that disagrees with the capacity table; ``delivery_problems`` a ``delay_months`` on a project
already opened or complete; ``check_admissions`` an ``admit_from`` on places taken out and ``admit_places`` larger
than the change's places per year group.
"""

from __future__ import annotations

import datetime as dt

from placeplan.capital.delivery import OPEN_STATES, delivery_of, months_between
from placeplan.capital.durations import overrun_months
from placeplan.errors import Problem, ScenarioError
from placeplan.scenario.schema import CapitalProject, ScenarioFile


class Note(Problem):
    """Something to tell the officer about a scenario that is still usable (same fields as a problem)."""


def reference_date(config: ScenarioFile) -> dt.date:
    """``meta.as_at``, or the programme date when it is blank (as ``scenario.as_at.resolve_dates``)."""
    return config.meta.as_at or config.meta.programme_date


def delivery_problems(key: str, project: CapitalProject, as_at: dt.date, file: str, prefix: str = "") -> list[Problem]:
    """Contradictions in one project's delivery state; keys are ``{prefix}capital_projects.{key}.…``."""
    where = f"{prefix}capital_projects.{key}"
    out = []
    if project.delay_months > 0 and delivery_of(project, as_at).state in OPEN_STATES:
        out.append(Problem(file, f"{where}.delay_months",
                           f"delay_months {project.delay_months:g} on a project {delivery_of(project, as_at).state} "
                           f"on {delivery_of(project, as_at).opened} (an opened or complete project has nothing left to "
                           "delay; expected 0, or, to ask what if it had not opened, its delivery state as it would "
                           "then stand, e.g. delivery: {state: in_stage, stage: ..., since: ...})"))
    state = project.delivery
    if state is None:
        return out

    def problem(field: str, message: str) -> None:
        out.append(Problem(file, f"{where}.{field}", message))

    names = [stage.name for stage in project.stages]
    if state.state == "in_stage":
        if state.stage not in names:
            problem("delivery.stage", f"unknown stage {state.stage!r} (expected one of the project's stages: "
                                      f"{', '.join(names) or 'none given'})")
        else:
            first = names.index(state.stage)
            if project.stages[first].done:
                problem("delivery.stage", f"in stage {state.stage!r}, but stages.{first} ({state.stage}) is marked "
                                          "done (expected the stage under way not done: remove its done: true, or "
                                          "name the stage under way)")
            later = [f"stages.{i} ({s.name})" for i, s in enumerate(project.stages) if i > first and s.done]
            if later:
                problem("delivery.stage", f"in stage {state.stage!r}, but the later {', '.join(later)} "
                                          f"{'is' if len(later) == 1 else 'are'} marked done (expected only stages "
                                          "before the one under way done)")
        if state.since > as_at:
            problem("delivery.since", f"since {state.since} is after meta.as_at {as_at} (expected the date the stage "
                                      "began, on or before as_at; a stage not begun yet is state not_started)")
        if state.since < project.start:
            problem("delivery.since", f"since {state.since} is before the project's start {project.start} "
                                      "(expected the stage under way to begin on or after start)")
    if state.state in OPEN_STATES:
        if state.opened > as_at:
            problem("delivery.opened", f"opened {state.opened} is after meta.as_at {as_at} (expected a date on or "
                                       "before as_at: a project not open yet is not_started or in_stage, and "
                                       "planned_opening holds its plan)")
        if state.opened < project.start:
            problem("delivery.opened", f"opened {state.opened} is before the project's start {project.start} "
                                       "(expected opened on or after start)")
    if state.spent_gbp is not None:
        if project.cost is None:
            problem("delivery.spent_gbp", f"spent £{state.spent_gbp:,.0f} but the project has no cost (expected "
                                          "cost.estimate_gbp)")
        elif state.spent_gbp > project.cost.estimate_gbp:
            problem("delivery.spent_gbp", f"spent £{state.spent_gbp:,.0f} is more than the cost estimate "
                                          f"£{project.cost.estimate_gbp:,.0f} (expected spending to date within the "
                                          "cost; if the cost has risen, raise cost.estimate_gbp)")
    if project.status == "complete" and state.state not in OPEN_STATES:
        problem("delivery.state", f"status complete but delivery state {state.state} (expected opened or complete, "
                                  "or status committed)")
    if project.status in ("proposed", "withdrawn") and state.state in OPEN_STATES:
        problem("delivery.state", f"status {project.status} but delivery state {state.state} (a project that has "
                                  "opened went ahead: expected status committed or complete)")
    return out


def _changed_projects(config: ScenarioFile, file: str):
    """(option name, key, project) for every project an option adds or changes (options that fail to apply are
    reported by ``check_options``)."""
    from placeplan.scenario.options import apply_option

    for name in config.options:
        try:
            changed = apply_option(config, name, file)
        except ScenarioError:
            continue
        for key, project in changed.capital_projects.items():
            if project != config.capital_projects.get(key):
                yield name, key, project


def check_delivery_states(inp) -> list[Problem]:
    """Delivery states agree with the stages, status, cost and ``meta.as_at``, in the scenario and its options."""
    config = inp.config
    if config is None:
        return []
    as_at = reference_date(config)
    problems = []
    for key, project in config.capital_projects.items():
        problems += delivery_problems(key, project, as_at, inp.scenario_file)
    for name, key, project in _changed_projects(config, inp.scenario_file):
        problems += delivery_problems(key, project, as_at, inp.scenario_file, f"options.{name}.changes.")
    return problems


def places_before_problems(key: str, project: CapitalProject, as_at: dt.date, capacity, file: str, table_file: str,
                           prefix: str = "") -> list[Problem]:
    """A live project's ``pan_before`` and ``capacity_before`` against its school's row of the capacity table.

    Skipped for complete and withdrawn projects (a completed project is already in the table) and for schools or
    provisions with no row. Where the table's year is on or after the project's opening year (opened date, else
    planned opening), the table already counts it: the PAN is compared with ``pan_after`` and the capacity with
    ``capacity_before + net_capacity_change``.
    """
    if project.status in ("complete", "withdrawn") or project.school_id is None or capacity is None:
        return []
    state = delivery_of(project, as_at)
    if state.state == "complete":
        return []
    opens = state.opened or project.planned_opening
    opening_year = opens.year if opens.month >= 9 else opens.year - 1
    rows = capacity[capacity["school_id"].astype(str) == str(project.school_id)]
    out = []
    for i, change in enumerate(project.places):
        row = rows[rows["provision"] == change.provision]
        if row.empty:
            continue
        row = row.iloc[0]
        year = int(row["as_of_year"])
        counted = year >= opening_year
        where = f"{prefix}capital_projects.{key}.places.{i}"
        told = f"the capacity table ({table_file}, school {project.school_id}, {change.provision}, {year}/{(year + 1) % 100:02d})"
        pan = row.get("pan")
        expected_pan = change.pan_after if counted else change.pan_before
        if expected_pan is not None and pan is not None and not _blank(pan) and int(pan) != expected_pan:
            field = "pan_after" if counted else "pan_before"
            out.append(Problem(file, f"{where}.{field}",
                               f"{field} {expected_pan} but {told} gives PAN {int(pan)} (expected the school's PAN "
                               f"{'after' if counted else 'before'} the project, as the table "
                               f"{'counts it already' if counted else 'describes the school before it'}; correct "
                               "one or the other)"))
        if change.capacity_before is not None:
            expected = change.capacity_before + (change.net_capacity_change if counted else 0)
            if int(row["net_capacity"]) != expected:
                out.append(Problem(file, f"{where}.capacity_before",
                                   f"capacity_before {change.capacity_before} but {told} gives net capacity "
                                   f"{int(row['net_capacity'])} (expected {_capacity_expected(counted)})"))
    return out


def _capacity_expected(counted: bool) -> str:
    if counted:
        return "capacity_before + net_capacity_change, as the table counts the project already"
    return "the school's net capacity before the project, as in the table; correct one or the other"


def _blank(value) -> bool:
    try:
        return value != value  # NaN
    except TypeError:
        return False


def check_places_before(inp) -> list[Problem]:
    """Live projects' ``pan_before`` / ``capacity_before`` agree with the capacity table, in the scenario and its
    options' changed projects."""
    config = inp.config
    capacity = inp.tables.get("capacity")
    if config is None or capacity is None:
        return []
    as_at = reference_date(config)
    table_file = inp.files.get("capacity", "capacity table")
    problems = []
    for key, project in config.capital_projects.items():
        problems += places_before_problems(key, project, as_at, capacity, inp.scenario_file, table_file)
    for name, key, project in _changed_projects(config, inp.scenario_file):
        before = config.capital_projects.get(key)
        if before is not None and before.places == project.places and before.school_id == project.school_id:
            continue  # same places as the scenario's own project: already checked
        problems += places_before_problems(key, project, as_at, capacity, inp.scenario_file, table_file,
                                           f"options.{name}.changes.")
    return problems


def admission_problems(key: str, project: CapitalProject, schools, file: str, prefix: str = "") -> list[Problem]:
    """A project's early admissions (``admit_from``, ``admit_places``) against its place changes.

    Refused: ``admit_from`` on a ``reduction`` project or on a change that removes places (nobody is admitted early
    into places taken out), and ``admit_places`` more than the change's places per year group as the places timeline
    lands them (``capacity.timeline.places_per_year_group``: a PAN rise ``pan_after - pan_before``, else
    ``net_capacity_change`` spread over the year groups its school teaches, from ``schools``, the schools table, or
    every year group of the provision for a school not in it). Keys are ``{prefix}capital_projects.{key}.places.{i}.…``.
    """
    from placeplan.capacity.timeline import change_year_groups, places_per_year_group  # not at import: a cycle

    where = f"{prefix}capital_projects.{key}"
    school = None
    if schools is not None and project.school_id is not None:
        rows = schools[schools["school_id"].astype(str) == str(project.school_id)]
        school = rows.iloc[0] if not rows.empty else None
    out = []
    for i, change in enumerate(project.places):
        if change.admit_from is None:
            continue
        at = f"{where}.places.{i}"
        if project.kind == "reduction":
            out.append(Problem(file, f"{at}.admit_from",
                               f"admit_from {change.admit_from} on a reduction (kind: reduction takes places out: "
                               "nobody is admitted early into them; expected no admit_from)"))
            continue
        if change.net_capacity_change < 0:
            out.append(Problem(file, f"{at}.admit_from",
                               f"admit_from {change.admit_from} on a change that removes places (net_capacity_change "
                               f"{change.net_capacity_change}; expected admit_from only on a change that adds places)"))
            continue
        if change.admit_places is None:
            continue
        groups = change_year_groups(change, school)
        per = places_per_year_group(change, len(groups))
        if change.admit_places > per + 1e-9:
            out.append(Problem(file, f"{at}.admit_places",
                               f"admit_places {change.admit_places} is more than the change's {per:g} places a year "
                               f"group ({_per_year_group_rule(change, len(groups))}; expected at most {per:g})"))
    return out


def _per_year_group_rule(change, year_groups: int) -> str:
    from placeplan.capacity.timeline import change_year_groups

    if change_year_groups(change, None) == [-1]:
        return f"net_capacity_change {change.net_capacity_change}: specialist places have no year groups"
    if change.phasing == "by_year_group" and change.pan_after is not None and change.pan_before is not None:
        return f"pan_after - pan_before = {change.pan_after} - {change.pan_before}"
    if change.phasing == "bulge":
        return f"a bulge class of net_capacity_change {change.net_capacity_change}"
    return f"net_capacity_change {change.net_capacity_change} over {year_groups} year groups"


def check_admissions(inp) -> list[Problem]:
    """Early admissions only into places added, and no more a year group than the change adds, in the scenario and
    its options' changed projects (``admission_problems``)."""
    config = inp.config
    if config is None:
        return []
    schools = inp.tables.get("schools")
    problems = []
    for key, project in config.capital_projects.items():
        problems += admission_problems(key, project, schools, inp.scenario_file)
    for name, key, project in _changed_projects(config, inp.scenario_file):
        before = config.capital_projects.get(key)
        if (before is not None and before.places == project.places and before.school_id == project.school_id
                and before.kind == project.kind):
            continue  # the scenario's own project's admissions: already checked
        problems += admission_problems(key, project, schools, inp.scenario_file, f"options.{name}.changes.")
    return problems


def project_notes(key: str, project: CapitalProject, as_at: dt.date, file: str, prefix: str = "") -> list[Note]:
    """What to tell the officer about one project's delivery state at ``as_at``."""
    where = f"{prefix}capital_projects.{key}"
    state = delivery_of(project, as_at)
    out = []
    if state.state == "not_started" and project.start < as_at:
        out.append(Note(file, f"{where}.start", f"starts {project.start}, before meta.as_at {as_at}, but has not "
                                                f"started: it is taken to start on {as_at} (it has slipped); give a "
                                                "start on or after as_at"))
    if state.state == "in_stage" and project.delivery is None:
        out.append(Note(file, where, f"no delivery state given: taken as in {state.stage} since its start "
                                     f"{project.start} (before meta.as_at {as_at}); say where it stands with "
                                     "delivery: {state: ..., ...}"))
    if state.state == "in_stage":
        stage = next((s for s in project.stages if s.name == state.stage), None)
        elapsed = months_between(state.since, as_at)
        if stage is not None and elapsed >= stage.max_months:
            out.append(Note(file, f"{where}.delivery.since" if project.delivery else f"{where}.start",
                            f"{stage.name} has lasted {elapsed:.1f} months at meta.as_at, at least its max_months "
                            f"{stage.max_months:g}: it is taken to finish within a further "
                            f"{_months(overrun_months(stage))}; check its durations"))
    return out


def _months(value: float) -> str:
    return f"{value:g} month{'' if value == 1 else 's'}"


def programme_notes(config: ScenarioFile, file: str) -> list[Note]:
    """Notes on the scenario's projects (not withdrawn ones) and on the projects each option adds or changes
    (unless the scenario's own project already has the same note)."""
    as_at = reference_date(config)
    notes: list[Note] = []
    base: dict[str, set[str]] = {}
    for key, project in config.capital_projects.items():
        if project.status == "withdrawn":
            continue
        mine = project_notes(key, project, as_at, file)
        base[key] = {n.message for n in mine}
        notes += mine
    for name, key, project in _changed_projects(config, file):
        if project.status == "withdrawn":
            continue
        notes += [n for n in project_notes(key, project, as_at, file, f"options.{name}.changes.")
                  if n.message not in base.get(key, set())]
    from placeplan.scenario.checks_timing import timing_notes

    return notes + timing_notes(config, file, as_at)
