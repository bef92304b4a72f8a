"""The pipeline's steps, each a pure function of the scenario and the previous step's output.

scenario -> demand (projection) -> capacity (capital programme simulation + timeline)
-> sufficiency. ``api.run`` and ``api.compare`` chain them; nothing here reads or writes files.

Randomness: one seed. Demand draws come from the stream ``SeedSequence(seed, spawn_key=(0,))``;
each capital project has its own stream keyed by its name (``capital.simulate.project_rng``),
so options that add or drop projects leave every other draw unchanged (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placeplan.capacity.places import phase_basis, places_array, school_basis, school_places
from placeplan.capacity.timeline import PlacesTimeline, new_schools, places_timeline, project_changes
from placeplan.capacity.units import (Units, authority_units, planning_area_units, school_units,
                                      sub_area_units)
from placeplan.capital.projects import opening_academic_year
from placeplan.capital.simulate import ProgrammeResult, simulate_programme
from placeplan.capacity.units import CapacityTimeline
from placeplan.demand import DemandInputs, Projection, demand_cube, demand_inputs, project
from placeplan.demand.schools import SchoolShares, base_shares, roll_shares, school_counts, year7_shares
from placeplan.demand.transfer_matrix import apply_matrix
from placeplan.scenario.load import Scenario
from placeplan.scenario.schema import CapitalProject, ScenarioFile
from placeplan.sufficiency.need import SufficiencyResult, sufficiency
from placeplan.sufficiency.units import base_year_table, unit_sufficiency

# Projects that happen in a run: committed ones (simulated) and complete ones (open as planned).
LIVE_STATUSES = ("committed", "complete")
# Phases judged for sufficiency and their year groups. As in DfE's place-planning estimates,
# sixth-form (and nursery) places are left out; sixth-form pupils are still projected.
YEAR_GROUPS = {"primary": range(0, 7), "secondary": range(7, 12)}


def demand_rng(seed: int) -> np.random.Generator:
    """The random stream of the demand projection."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(0,)))


def demand_step(scenario: Scenario, draws: int, seed: int, inputs: DemandInputs | None = None,
                errors=None) -> Projection:
    """Project pupils: the central projection plus ``draws`` Monte Carlo draws.

    The draws come from the record of past forecasts (:func:`placeplan.backtest.record.scenario_errors`):
    the national record for the authority as a whole, the scenario's own for each planning area. ``errors``
    (an :class:`~placeplan.demand.intervals.ErrorInputs`) gives them ready-made, e.g. the base's for an
    option that changes a future assumption but not the history the record is made from.
    """
    inputs = demand_inputs(scenario) if inputs is None else inputs
    errors = error_step(scenario, inputs.base_year) if errors is None else errors
    return project(inputs, draws=draws, rng=demand_rng(seed), errors=errors)


def error_step(scenario: Scenario, base_year: int):
    """The error models of a scenario's draws (:func:`placeplan.backtest.record.scenario_errors`)."""
    from placeplan.backtest.record import scenario_errors

    return scenario_errors(scenario, base_year)


@dataclass(frozen=True, eq=False)
class SchoolStep:
    """Pupils by school: each school's share of its area's projection (``demand.schools``).

    schools : the school axis (as ``CapitalStep.schools``)
    pupils : (draw, school, ncy 0-13, year) [pupils]; central : (1, school, ncy, year) [pupils]
    base : (school, ncy) base-year pupils, the area's base year x each school's share [pupils]
    shares : base shares and where they come from
    """

    schools: tuple[str, ...]
    pupils: np.ndarray
    central: np.ndarray
    base: np.ndarray
    shares: SchoolShares


def school_step(scenario: Scenario, inputs: DemandInputs, projection: Projection, capital: CapitalStep) -> SchoolStep:
    """Split the area projection into schools; schools sum to their areas exactly."""
    tables = scenario.tables
    axis = capital.schools.schools
    areas = projection.primary_areas + projection.secondary_areas
    area_of = _area_of(capital.school_table, axis, projection)
    counts, _, basis = school_counts(capital.school_table, axis, tables.get("school_nor"), tables.get("pupils_by_school"))
    taught = area_of >= 0  # the school's age range, whether or not a year group has places
    shares = base_shares(counts, capital.school_base, area_of, basis, axis, taught)
    lowest = np.where(taught.any(axis=1), taught.argmax(axis=1), -1)
    starts = np.zeros_like(taught)
    for s_i, g in enumerate(lowest):
        if g >= 0 and g not in (0, 7, 12):
            starts[s_i, g] = True
    _, cube = demand_cube(projection)
    _, central_cube = demand_cube(projection, central=True)
    base_cube = np.zeros((len(areas), 14))
    base_cube[:len(projection.primary_areas), 0:7] = np.nan_to_num(inputs.primary_nor[..., -1])
    base_cube[len(projection.primary_areas):, 7:14] = np.nan_to_num(inputs.secondary_nor[..., -1])
    entry = _year7_entry(inputs, projection, axis, area_of, shares.shares)
    central_entry = _year7_entry(inputs, projection, axis, area_of, shares.shares, central=True)
    pupils = _apply(roll_shares(shares.shares, entry, taught, area_of, starts), cube, area_of)
    central = _apply(roll_shares(shares.shares, central_entry, taught, area_of, starts), central_cube, area_of)
    g = np.arange(14)[None, :]
    base = np.where(area_of >= 0, shares.shares * base_cube[np.maximum(area_of, 0), g], 0.0)
    return SchoolStep(axis, pupils, central, base, shares)


def _area_of(schools: pd.DataFrame, axis: tuple[str, ...], projection: Projection) -> np.ndarray:
    """(school, ncy) index on the demand cube's area axis of the area a school counts in, -1 for none."""
    by_id = schools.set_index("school_id")
    n_p = len(projection.primary_areas)
    out = np.full((len(axis), 14), -1)
    for s, school in enumerate(axis):
        low, high = int(by_id.at[school, "ncy_low"]), int(by_id.at[school, "ncy_high"])
        primary = by_id.at[school, "primary_planning_area"]
        secondary = by_id.at[school, "secondary_planning_area"]
        for g in range(max(low, 0), min(high, 13) + 1):
            if g <= 6 and primary in projection.primary_areas:
                out[s, g] = projection.primary_areas.index(primary)
            elif g >= 7 and secondary in projection.secondary_areas:
                out[s, g] = n_p + projection.secondary_areas.index(secondary)
    return out


def _year7_entry(inputs: DemandInputs, projection: Projection, axis, area_of, base, central: bool = False):
    """(draw, school, year) each school's share of its area's Year 7, from the school transfer matrix."""
    transfer = inputs.transfer
    n_years = len(projection.years)
    if transfer is None or transfer.school_matrix is None:
        return np.broadcast_to(base[None, :, 7, None], (1, len(axis), n_years))
    primary = projection.central_primary[None] if central else projection.primary
    year6 = np.concatenate([np.broadcast_to(np.nan_to_num(inputs.primary_nor[None, :, 6, -1]),
                                            (primary.shape[0], primary.shape[1]))[..., None],
                            primary[:, :, 6, :-1]], axis=-1)  # (draw, area, year): Year 6 the year before
    year7 = apply_matrix(np.moveaxis(year6, -1, 1), transfer.school_matrix)  # (draw, year, destination)
    year7 = np.moveaxis(year7, 1, -1)
    out = np.zeros((primary.shape[0], len(axis), n_years))
    position = {s: i for i, s in enumerate(transfer.schools)}
    on_axis = [s for s, school in enumerate(axis) if school in position]
    out[:, on_axis] = year7[:, [position[axis[s]] for s in on_axis]]
    for y in range(n_years):
        out[..., y] = year7_shares(out[..., y], area_of[:, 7])
    return out


def _apply(shares: np.ndarray, cube: np.ndarray, area_of: np.ndarray) -> np.ndarray:
    """School pupils = share x the area's pupils in that year group (draw, school, ncy, year)."""
    g = np.arange(14)[None, :]
    area = cube[:, np.maximum(area_of, 0), g, :]  # (draw, school, ncy, year)
    return np.where((area_of >= 0)[None, :, :, None], shares * area, 0.0)


def live_projects(config: ScenarioFile) -> dict[str, CapitalProject]:
    """The projects that go ahead in this scenario (committed or complete)."""
    return {k: p for k, p in config.capital_projects.items() if p.status in LIVE_STATUSES}


@dataclass(frozen=True)
class CapitalStep:
    """The simulated programme and the places it gives, school by school and summed into areas.

    programme : simulated opening and cost per draw and project
    schools : places per draw (draw, school, ncy, year) and specialist places per draw
    planned_schools : the same with every project opening on its planned date (one draw)
    school_base : (school, ncy 0-13) places before any project [places]
    school_table : the schools table with rows for projects' new schools
    basis : year-group basis per school (firm / indicative)
    places_table : the ``school_places`` table the base places come from
    timeline, planned : the school places summed into planning areas (draw, area, ncy, year)
    base_places : (area, ncy 0-13) places before any project [places]
    """

    programme: ProgrammeResult
    schools: PlacesTimeline
    planned_schools: PlacesTimeline
    school_base: np.ndarray
    school_table: pd.DataFrame
    basis: dict[str, str]
    places_table: pd.DataFrame
    timeline: CapacityTimeline
    planned: CapacityTimeline
    base_places: np.ndarray


def school_as_of(capacity: pd.DataFrame) -> dict[str, int]:
    """Academic year each school's capacity figures describe (the latest of its rows, any provision)."""
    return {str(k): int(v) for k, v in capacity.groupby("school_id")["as_of_year"].max().items()}


def school_axis(schools: pd.DataFrame, places: pd.DataFrame, projects: dict[str, CapitalProject]) -> tuple[str, ...]:
    """Schools on the places arrays: every school with places or named by a live project (with no places
    yet, e.g. one not open), in the schools table's order, then projects' new schools."""
    named = set(places["school_id"]) | {p.school_id for p in projects.values() if p.school_id is not None}
    rows = schools[schools["school_id"].isin(named)]
    return tuple(rows["school_id"]) + tuple(s for s in schools["school_id"] if str(s).startswith("new:"))


def area_phases(projection: Projection) -> tuple[str, ...]:
    """Phase of each planning area on the demand cube's area axis (primary areas, then secondary)."""
    return ("primary",) * len(projection.primary_areas) + ("secondary",) * len(projection.secondary_areas)


def capital_step(config: ScenarioFile, tables: dict[str, pd.DataFrame], areas: tuple[str, ...],
                 years: np.ndarray, draws: int, seed: int, phases: tuple[str, ...]) -> CapitalStep:
    """Simulate the live projects ``draws`` times and land their places at their schools."""
    projects = live_projects(config)
    horizon = int(years[-1]) - config.meta.as_at.year + 2
    result = simulate_programme(projects, config.programme, config.meta.as_at, draws, seed,
                                horizon_years=max(horizon, 1))
    extra = new_schools(projects, tables["schools"])
    schools = pd.concat([tables["schools"], extra], ignore_index=True) if not extra.empty else tables["schools"]
    places = school_places(tables["schools"], tables["capacity"], tables.get("capacity_by_ncy"))
    axis = school_axis(schools, places, projects)
    base = places_array(places, axis)
    as_of = school_as_of(tables["capacity"])
    changes = project_changes(projects, tables["schools"])
    timeline = places_timeline(base, axis, as_of, changes, result.keys, result.opening_year, years)
    planned_years = np.array([[opening_academic_year(projects[k].planned_opening) for k in result.keys]],
                             dtype=int).reshape(1, len(result.keys))
    planned = places_timeline(base, axis, as_of, changes, result.keys, planned_years, years)
    units = planning_area_units(schools, axis, areas, phases)
    basis = school_basis(places)
    return CapitalStep(result, timeline, planned, base, schools, basis, places,
                       _area_timeline(units, timeline), _area_timeline(units, planned),
                       units.sum(base[None, :, :, None])[0, :, :, 0])


def _area_timeline(units: Units, timeline: PlacesTimeline) -> CapacityTimeline:
    return CapacityTimeline(units.codes, timeline.years, units.sum(timeline.places), timeline.specialist)


def sufficiency_step(projection: Projection, timeline: CapacityTimeline, config: ScenarioFile) -> SufficiencyResult:
    """Compare the projected pupils with the places, draw by draw."""
    areas, demand = demand_cube(projection)
    if tuple(areas) != timeline.areas:
        raise ValueError("demand and capacity are on different planning areas")
    return sufficiency(demand, timeline.places, areas, projection.years, config.policy.operating_margin)


@dataclass(frozen=True)
class SpecialistStep:
    """Specialist demand by phase (draw, year) and central (year,), and the base specialist places."""

    demand: dict[str, np.ndarray]
    central: dict[str, np.ndarray]
    base_places: float


def specialist_step(scenario: Scenario, projection: Projection) -> SpecialistStep | None:
    """Specialist demand from the scenario's SEND history; None when the scenario has none."""
    from placeplan.sufficiency.specialist import project_specialist_demand, specialist_places_base

    send = scenario.config.send
    if send is None or "send" not in scenario.tables or scenario.tables["send"].empty:
        return None
    table = scenario.tables["send"]
    demand = project_specialist_demand(table, projection, send.window, send.damping)
    central = project_specialist_demand(table, projection, send.window, send.damping, central=True)
    base = specialist_places_base(scenario.tables["schools"], scenario.tables["capacity"])
    return SpecialistStep(demand, central, base)


def specialist_need(step: SpecialistStep, capital: CapitalStep, config: ScenarioFile) -> np.ndarray:
    """Specialist places needed per draw and year (no offsetting against mainstream) [places]."""
    from placeplan.sufficiency.need import places_needed

    demand = sum(step.demand.values())
    places = step.base_places + capital.timeline.specialist
    return np.maximum(places_needed(demand, places, config.policy.operating_margin), 0.0)


def phase_of_areas(planning_areas: pd.DataFrame) -> dict[str, str]:
    """Phase of each planning area, by code."""
    return dict(zip(planning_areas["planning_area"], planning_areas["phase"]))


LEVELS = ("planning_area", "sub_area", "school", "authority")


def levels_step(scenario: Scenario, projection: Projection, capital: CapitalStep, schools: SchoolStep,
                levels: tuple[str, ...] = LEVELS) -> dict:
    """Sufficiency at every level: planning area, sub-area, school and authority (``sufficiency.units``).

    Returns a dict level -> UnitSufficiency (for ``levels``), plus ``base``: the base-year position of those units.
    """
    config, tables = scenario.config, scenario.tables
    axis = capital.schools.schools
    school_table = capital.school_table
    areas = projection.primary_areas + projection.secondary_areas
    margin, quantiles = config.policy.operating_margin, config.policy.quantiles
    names = dict(zip(tables["planning_areas"]["planning_area"], tables["planning_areas"]["name"]))
    names.update(dict(zip(school_table["school_id"], school_table["name"])))
    names.setdefault(config.meta.la_code, config.meta.la_name)
    bare = capital.school_base
    units = {
        "planning_area": planning_area_units(school_table, axis, areas, area_phases(projection)),
        "sub_area": sub_area_units(school_table, axis, tables["planning_areas"]),
        "school": school_units(school_table, axis),
        "authority": authority_units(axis, config.meta.la_code),
    }
    by_phase = phase_basis(capital.places_table, axis)
    out, base_tables = {}, []
    for level, unit in units.items():
        if level not in levels:
            continue
        firm = np.zeros(len(unit.codes), dtype=bool)
        for u, phase in enumerate(unit.phases):
            school_firm, has = by_phase[phase]
            members = unit.members(u) & has
            firm[u] = bool(school_firm[members].all()) if members.any() else False
        out[level] = unit_sufficiency(level, unit, names, firm, schools.pupils, capital.schools.places,
                                      schools.central, capital.planned_schools.places, schools.base, bare, bare,
                                      projection.years, margin, quantiles)
        base_tables.append(base_year_table(level, unit, names, firm, schools.base, bare, config.meta.base_year, margin))
    base = pd.concat(base_tables, ignore_index=True)
    out["base"] = _authority_as_sum(base)
    return out


def _authority_as_sum(base: pd.DataFrame) -> pd.DataFrame:
    """Authority rows of the base-year table as sums of the planning areas' figures (no offsetting between areas)."""
    areas = base[base["level"] == "planning_area"]
    columns = ["existing_pressure", "places_needed_by_ncy", "places_needed_phase", "spare_places"]
    sums = areas.groupby("phase")[columns].sum()
    out = base.copy()
    for phase in sums.index:
        rows = (out["level"] == "authority") & (out["phase"] == phase)
        for column in columns:
            out.loc[rows, column] = sums.at[phase, column]
    out.loc[out["level"] == "authority", "basis"] = "sum of planning areas"
    return out


def transfer_table(inputs: DemandInputs, schools: pd.DataFrame, planning_areas: pd.DataFrame) -> pd.DataFrame:
    """The Year 6 -> Year 7 matrix a run used, as a tidy table (origin, destination, share)."""
    transfer = inputs.transfer
    if transfer is None or (transfer.school_matrix is None and transfer.area_matrix is None):
        return pd.DataFrame(columns=["method", "origin", "origin_name", "destination", "destination_name", "share"])
    names = dict(zip(planning_areas["planning_area"], planning_areas["name"]))
    names.update(dict(zip(schools["school_id"], schools["name"])))
    origins = list(inputs.primary_areas) + (["outside"] if transfer.school_matrix is not None else [])
    if transfer.school_matrix is not None:
        matrix, destinations = transfer.school_matrix, list(transfer.schools) + ["outside"]
    else:
        matrix, destinations = transfer.area_matrix, list(inputs.secondary_areas)
    rows = [{"method": transfer.method, "origin": o, "origin_name": names.get(o, o), "destination": d,
             "destination_name": names.get(d, d), "share": float(matrix[i, j])}
            for i, o in enumerate(origins) for j, d in enumerate(destinations) if matrix[i, j] > 0]
    return pd.DataFrame(rows)


def school_year_group_table(capital: CapitalStep, schools: SchoolStep, years: np.ndarray, base_year: int,
                            names: dict[str, str]) -> pd.DataFrame:
    """How full each school is by year group: the base year and every projected year (central projection
    against places as planned). Returns school_id, name, ncy, academic_year, kind (base / projected),
    pupils [pupils], places [places], pct_full [%], basis (the school's year-group basis)."""
    axis = schools.schools
    frames = []
    taught = (capital.school_base > 0) | (schools.base > 0)
    s_idx, g_idx = np.nonzero(taught)
    ids = np.asarray(axis, dtype=object)[s_idx]
    basis = np.array([capital.basis.get(s, "indicative") for s in ids], dtype=object)
    frames.append(pd.DataFrame({"school_id": ids, "ncy": g_idx, "academic_year": base_year, "kind": "base",
                                "pupils": schools.base[s_idx, g_idx], "places": capital.school_base[s_idx, g_idx],
                                "basis": basis}))
    for y, year in enumerate(years):
        frames.append(pd.DataFrame({"school_id": ids, "ncy": g_idx, "academic_year": int(year), "kind": "projected",
                                    "pupils": schools.central[0, s_idx, g_idx, y],
                                    "places": capital.planned_schools.places[0, s_idx, g_idx, y], "basis": basis}))
    table = pd.concat(frames, ignore_index=True)
    table.insert(1, "name", table["school_id"].map(names))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pct_full"] = np.where(table["places"] > 0, 100 * table["pupils"] / table["places"], np.nan)
    return table
