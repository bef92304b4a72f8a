"""The scenario file's schema: frozen pydantic models, unknown keys forbidden.

Each field's docstring is its documentation (units in brackets); the scenario
reference in ``docs/scenario-reference.md`` is generated from these models.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from placeplan.scenario.columns import PROVISIONS


class Model(BaseModel):
    """Base for every scenario model: frozen, strict about unknown keys, every number finite (no inf or NaN)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)


Month = Annotated[int, Field(ge=1, le=12)]
"""A calendar month [1-12]."""
MAX_DRAWS = 100_000
"""The most Monte Carlo draws a run may ask for (`meta.draws`, `--draws`) [draws]."""
MAX_PLACE_CHANGE = 10_000
"""The largest change of places one project can make [places]: more than any English school holds."""
MAX_MONTHS = 600
"""The longest stage, risk delay or slip a project may have [months]: 50 years, longer than any building project."""


class Meta(Model):
    """Who the scenario is for and how to run it."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    """Short identifier (lower case, digits, `_` or `-`); runs are kept under `reports/<name>/`."""
    title: str
    """Title shown on reports."""
    la_code: str = Field(pattern=r"^\d{3}$")
    """DfE local authority number [3 digits], e.g. `884`."""
    la_gss_code: str | None = None
    """ONS code of the authority, e.g. `E06000019`."""
    la_name: str
    """Name of the local authority."""
    as_at: dt.date | None = None
    """Reference date of the run [date]: a year whose January census falls on or before it (and is in the
    data) is outturn, later years are forecast; projects' delivery states describe it; the SCAP return is
    the next collection after it. Blank: the programme date. Keep it in the file so that the same scenario
    and seed give the same bytes; `--as-at DATE` overrides it."""
    base_year: int | None = Field(default=None, ge=2000, le=2100)
    """Base year of the projection [academic year: the year its September falls in]. Blank (the usual): the
    latest academic year with any pupil observation known at `as_at` (a full year-group census, an
    observed total or a school count); years after the last full year-group census are estimated."""
    horizon_years: int = Field(default=10, ge=1, le=15)
    """How many academic years after the base year to project [years]."""
    seed: int = Field(default=0, ge=0)
    """Random seed: same seed, same numbers."""
    draws: int = Field(default=1000, ge=1, le=MAX_DRAWS)
    """Default number of Monte Carlo draws [draws]."""
    programme_date: dt.date | None = None
    """Date the capital programme's facts were last confirmed [date]; blank: `as_at`. The simulation itself starts at
    `as_at`, from each project's `delivery` state."""
    data_root: str = "."
    """Folder, relative to the scenario file, that every referenced file must lie within. It may only narrow the
    scenario file's own folder, never widen it: absolute paths, `..` escapes and symlinks out are refused whatever an
    override or `--set` says (`placeplan.scenario.paths`)."""

    @model_validator(mode="after")
    def _dated(self) -> Meta:
        if self.as_at is None and self.programme_date is None:
            raise ValueError("give meta.as_at (the run's reference date) or meta.programme_date")
        if self.as_at is not None and self.programme_date is not None and self.programme_date > self.as_at:
            raise ValueError(f"programme_date {self.programme_date} is after as_at {self.as_at}: the capital "
                             "programme's state describes a later date than the run (expected programme_date on or "
                             "before as_at; for an earlier as_at, give the programme as it stood then)")
        return self


class PlanningAreasSection(Model):
    """Planning areas and their polygons."""

    table: str
    """CSV of planning areas (see the `planning_areas` table)."""
    geometry: str | None = None
    """GeoJSON or GeoPackage of planning-area polygons with a `planning_area` property."""
    boundary: str | None = None
    """GeoJSON or GeoPackage of the authority's outline (for maps)."""


class SchoolsSection(Model):
    """Schools, their capacity and single-school rolls."""

    table: str
    """CSV of schools (see the `schools` table)."""
    capacity: str
    """CSV of places per school and provision (see the `capacity` table)."""
    nor: str | None = None
    """CSV of school rolls from census snapshots, whole school or by block of year groups (see the `school_nor` table)."""
    capacity_by_ncy: str | None = None
    """CSV of places by year group at single schools, where known (see the `capacity_by_ncy` table)."""


class PupilsSection(Model):
    """Pupil history."""

    table: str
    """CSV of pupils on roll by NCY and academic year: by planning area (the `pupils` table) or by school (`pupils_by_school`)."""
    level: Literal["planning_area", "school"] = "planning_area"
    """Whether the table gives planning areas or single schools (summed into their planning areas)."""
    national_ratios: str | None = None
    """CSV of national pooled ratio histories (see the `national_ratios` table), the national part of the
    national_local ratio method; built by tools/build_national_reference.py from scenarios/national."""
    observed: str | None = None
    """CSV of later observed totals (see the `observed_totals` table): authority or planning-area totals of
    a phase, key stage or year group in years after the full year-group history. The base year moves to the
    latest year observed; the year groups in between are estimated by rolling the projection forward and
    raking it to these totals (and to the school counts of `schools.nor` in those years, as shares)."""
    forecast_errors: str | None = None
    """CSV of past out-of-sample forecasts against outturns for every English authority (see the
    `forecast_errors` table), from which the projection's ranges are drawn: the national part of the
    error and an authority's deviation from it, by horizon and year group."""


class TransferSection(Model):
    """Year 6 -> Year 7: how each primary area's Year 6 move to secondary schools."""

    method: Literal["estimate", "own_area", "pooled", "table"] = "estimate"
    """`estimate`: a matrix from each primary planning area (and from outside) to each secondary school,
    fitted by iterative proportional fitting to the primary areas' Year 6 and the schools' latest Year 7
    intakes, starting from each area's catchment school (`planning_areas.catchment_school`);
    `own_area`: each primary area's Year 6 all go to the secondary area it feeds (`planning_areas.feeds`);
    `pooled`: every primary area sends the same shares (the county pool); `table`: the matrix in `table`."""
    table: str | None = None
    """CSV of the matrix (see the `transfer` table); needed with `method: table`."""
    background: float = Field(default=0.05, gt=0, le=1)
    """In `estimate`: the starting weight of a non-catchment school relative to the catchment school [fraction;
    above 0, so that every fit to the schools' intakes exists]."""
    years: int = Field(default=3, ge=1, le=10)
    """In `estimate`: Year 6 and Year 7 counts are averaged over this many latest years [years]."""

    @model_validator(mode="after")
    def _table_given(self) -> TransferSection:
        if self.method == "table" and not self.table:
            raise ValueError("method 'table' needs `table` (a CSV of origin, destination, share)")
        return self


class PublishedSection(Model):
    """DfE's published figures for the authority, which the report checks its own against."""

    scorecard: str | None = None
    """CSV of DfE school places scorecard rows (see the `dfe_scorecard` table)."""
    forecast_record: str | None = None
    """CSV of the council's own SCAP forecast accuracy by outturn year, phase and years ahead, as DfE's
    scorecards give it (see the `council_forecast_record` table): the forecast-vs-outturn ledger sets
    placeplan's forecasts of the same years beside it."""


class BirthsSection(Model):
    """Births, actual and projected."""

    table: str
    """CSV of births by birth cohort (see the `births` table)."""
    shares: str | None = None
    """CSV of planning-area shares of LA births (see `birth_shares`); needed when births are by LA."""


class HousingSection(Model):
    """New housing and the pupils it yields."""

    table: str
    """CSV of completions by planning area and year (see the `housing` table)."""
    sites: str | None = None
    """CSV of named housing sites by year (see the `housing_sites` table), added to the `housing` rows of their
    primary planning areas (not to years whose row is `actual`); the `housing` trajectory must then leave them
    out."""
    yields: str
    """CSV of pupil yields per dwelling (see the `pupil_yields` table)."""
    delivery_factor: float = Field(default=1.0, ge=0, le=3)
    """Share of the planned trajectory expected to be built [fraction; 1 = as planned]."""


class SendSection(Model):
    """Specialist (SEND) demand: EHCP history and how it is projected."""

    table: str
    """CSV of EHCP pupils and specialist placements by phase and year (see the `send` table)."""
    window: int = Field(default=5, ge=2, le=15)
    """Years of history the prevalence and specialist-share trends are fitted over [years]."""
    damping: float = Field(default=1.0, ge=0, le=1)
    """Damping of the trends per year ahead [factor; 1 = straight-line trend, 0.8 = cautious]."""


class Stage(Model):
    """One delivery stage of a capital project; durations in months."""

    name: str
    """Stage name, e.g. feasibility, design, planning, procurement, construction, handover."""
    min_months: float = Field(ge=0, le=MAX_MONTHS)
    """Shortest plausible duration [months]."""
    mode_months: float = Field(ge=0, le=MAX_MONTHS)
    """Most likely duration [months]."""
    max_months: float = Field(ge=0, le=MAX_MONTHS)
    """Longest plausible duration [months]."""
    distribution: Literal["triangular", "pert"] = "triangular"
    """Shape of the duration distribution."""
    done: bool = False
    """True when the stage was already complete at `meta.as_at`. A project's `delivery` state says the same more
    directly (the stages before the one it is in are done); both may be given if they agree."""
    spend_share: float = Field(default=0.0, ge=0, le=1)
    """Share of the project's cost drawn from the capital budget when the stage starts [fraction]."""
    delay_months: float = Field(default=0.0, ge=0, le=MAX_MONTHS)
    """A slip of this stage: it takes this much longer than drawn, in every draw [months; 0 = as drawn]. With
    `fixed_end`, the end moves this much later."""
    fixed_start: dt.date | None = None
    """The stage's known start (e.g. a contract date) [date]: it does not begin before it (nor before the stages
    before it finish). Blank: it begins when the stage before it ends."""
    fixed_end: dt.date | None = None
    """The stage's known end (e.g. a contractual completion date) [date]: it ends then (plus `delay_months`) in every
    draw, with no duration drawn and no planning committee or risk delay added; if the stage begins later, it
    ends when it begins. Blank: its duration is drawn."""

    @model_validator(mode="after")
    def _ordered(self) -> Stage:
        if not self.min_months <= self.mode_months <= self.max_months:
            raise ValueError(
                f"expected min_months <= mode_months <= max_months, got "
                f"{self.min_months} / {self.mode_months} / {self.max_months}"
            )
        if self.fixed_start is not None and self.fixed_end is not None and self.fixed_end < self.fixed_start:
            raise ValueError(f"fixed_end {self.fixed_end} is before fixed_start {self.fixed_start} "
                             "(expected fixed_end on or after fixed_start)")
        return self


class DelayRisk(Model):
    """An event that may happen once to a project and delays it."""

    probability: float = Field(default=0.0, ge=0, le=1)
    """Chance the event happens [fraction]."""
    min_months: float = Field(default=0.0, ge=0, le=MAX_MONTHS)
    """Shortest delay it causes [months]."""
    mode_months: float = Field(default=0.0, ge=0, le=MAX_MONTHS)
    """Most likely delay [months]."""
    max_months: float = Field(default=0.0, ge=0, le=MAX_MONTHS)
    """Longest delay [months]."""

    @model_validator(mode="after")
    def _ordered(self) -> DelayRisk:
        if not self.min_months <= self.mode_months <= self.max_months:
            raise ValueError("expected min_months <= mode_months <= max_months")
        return self


class CostRisk(Model):
    """A cost overrun that may happen to a project."""

    probability: float = Field(default=0.0, ge=0, le=1)
    """Chance of an overrun [fraction]."""
    min_share: float = Field(default=0.0, ge=0)
    """Smallest overrun [fraction of cost]."""
    mode_share: float = Field(default=0.0, ge=0)
    """Most likely overrun [fraction of cost]."""
    max_share: float = Field(default=0.0, ge=0)
    """Largest overrun [fraction of cost]."""

    @model_validator(mode="after")
    def _ordered(self) -> CostRisk:
        if not self.min_share <= self.mode_share <= self.max_share:
            raise ValueError("expected min_share <= mode_share <= max_share")
        return self


class Risks(Model):
    """Risk events for a project's delivery."""

    planning_refusal: DelayRisk = DelayRisk()
    """Planning permission refused: the resubmission time is added to the planning stage, then the next committee."""
    contractor_failure: DelayRisk = DelayRisk()
    """Contractor fails during construction: the re-procurement time is added."""
    cost_overrun: CostRisk = CostRisk()
    """Final cost exceeds the estimate."""


class PlaceChange(Model):
    """Places a project adds (or removes) at its school."""

    provision: Literal[PROVISIONS]  # type: ignore[valid-type]
    """Which places change."""
    net_capacity_change: int = Field(ge=-MAX_PLACE_CHANGE, le=MAX_PLACE_CHANGE)
    """Change in net capacity [places, -10,000 to 10,000]; negative removes places (`placeplan validate` refuses
    removing more than the school has in the capacity table)."""
    pan_before: int | None = Field(default=None, ge=0)
    """Published admission number before the project [pupils per year group]."""
    pan_after: int | None = Field(default=None, ge=0)
    """Published admission number after the project [pupils per year group]."""
    phasing: Literal["all_at_once", "by_year_group", "bulge"] = "all_at_once"
    """all_at_once: every year group gains at opening; by_year_group: the entry year first, then one more each year; bulge: one extra class admitted at opening that moves up a year group each year."""
    temporary: bool = False
    """True for temporary places (bulge class, mobile classroom)."""
    capacity_before: int | None = Field(default=None, ge=0)
    """Net capacity of the school in this provision before the project [places]; `placeplan validate` checks it (and
    `pan_before`) against the capacity table."""
    admit_from: dt.date | None = None
    """Pupils admitted from this date into existing or temporary space, not waiting for the building [date]: in
    every draw, `admit_places` of the change land from the academic year of this date, with the change's phasing
    (a PAN rise: the larger entry year first, one more year group each September); the rest of the change
    follows the simulated opening. Blank: every place waits for the simulated opening. The project's
    `planned_opening` stays its plan (the chance of opening on time compares the building's simulated opening
    with it)."""
    admit_places: int | None = Field(default=None, ge=0)
    """With `admit_from`: places per year group admitted from that date [places; blank: the whole change per year
    group, i.e. `pan_after - pan_before` for a PAN rise, or `net_capacity_change` spread over the year groups].
    `placeplan validate` refuses more than the change's places per year group, and `admit_from` on a reduction or
    on a change that removes places."""
    admit_cost_gbp: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    """With `admit_from`: the cost of the temporary or existing space used from `admit_from` until the building
    opens [GBP, cash, at outturn: never inflated, no overrun risk], paid by the project's funders in the same shares
    as its cost; added to the project's outturn cost in every draw (and so to its cost still to spend). Blank: none."""

    @model_validator(mode="after")
    def _admission(self) -> PlaceChange:
        if self.admit_places is not None and self.admit_from is None:
            raise ValueError("admit_places given without admit_from (expected the date pupils are admitted from)")
        if self.admit_cost_gbp is not None and self.admit_from is None:
            raise ValueError("admit_cost_gbp given without admit_from (expected the date pupils are admitted from "
                             "into the space it pays for)")
        return self


FUNDERS = ("council_borrowing", "basic_need_grant", "dfe_free_schools", "s106_developer", "high_needs_capital",
           "other")
"""Who pays for a capital project: council borrowing (the council's own money), DfE's Basic Need grant, DfE's free
schools capital, S106 / developer contributions, DfE's High Needs Provision Capital grant, anyone else (e.g. a
school's own contribution)."""


class Cost(Model):
    """Capital cost of a project [GBP], its price basis and who pays, e.g. `{estimate_gbp: 10853000, basis:
    cash_budget, price_date: 2022-10-27, funders: {council_borrowing: 1.0}}`."""

    estimate_gbp: float = Field(ge=0)
    """Central estimate, or the approved budget with `basis: cash_budget` [GBP]."""
    low_gbp: float | None = Field(default=None, ge=0)
    """Low estimate [GBP]."""
    high_gbp: float | None = Field(default=None, ge=0)
    """High estimate [GBP]."""
    basis: Literal["cash_budget", "estimate"] = "estimate"
    """cash_budget: an approved budget in cash terms, fees, contingency and inflation to completion included (never
    inflated; overrun risk still applies); estimate: in prices of `price_date`, inflated at
    `programme.construction_inflation` from then to when each stage's money is spent."""
    price_date: dt.date | None = None
    """Date whose prices the figures are in (an estimate) or the budget was approved (a cash budget) [date]. Blank:
    1 July of `price_year`."""
    price_year: int | None = Field(default=None, ge=2000, le=2100)
    """Year whose prices the figures are in [calendar year]; older scenarios' form of `price_date`."""
    funders: dict[str, float] = {}
    """Who pays: shares of the cost (summing to 1) or amounts [GBP] (summing to `estimate_gbp`) by funder, one of
    council_borrowing, basic_need_grant, dfe_free_schools, s106_developer, high_needs_capital, other. Blank: the
    project's `funding_source` pays all (``capital.costs.FUNDING_SOURCE_FUNDERS``). Overruns and inflation are shared
    in the same proportions."""

    @model_validator(mode="after")
    def _price_and_funders(self) -> Cost:
        if self.price_date is None and self.price_year is None:
            raise ValueError("give the cost's price_date (or price_year)")
        if self.price_date is not None and self.price_year is not None and self.price_date.year != self.price_year:
            raise ValueError(f"price_date {self.price_date} and price_year {self.price_year} disagree")
        for key, value in self.funders.items():
            if key not in FUNDERS:
                raise ValueError(f"funders: unknown funder {key!r}; expected one of {', '.join(FUNDERS)}")
            if value < 0:
                raise ValueError(f"funders: {key} is negative ({value})")
        if self.funders:
            total = sum(self.funders.values())
            if not (math.isclose(total, 1.0, abs_tol=1e-6) or math.isclose(total, self.estimate_gbp, rel_tol=1e-6)):
                raise ValueError(f"funders: {', '.join(f'{k} {v:g}' for k, v in self.funders.items())} sum to "
                                 f"{total:g}; expected shares summing to 1 or amounts summing to estimate_gbp "
                                 f"{self.estimate_gbp:g}")
        if self.low_gbp is not None and self.low_gbp > self.estimate_gbp:
            raise ValueError(f"low_gbp {self.low_gbp:g} is above estimate_gbp {self.estimate_gbp:g} "
                             "(expected low_gbp <= estimate_gbp <= high_gbp)")
        if self.high_gbp is not None and self.high_gbp < self.estimate_gbp:
            raise ValueError(f"high_gbp {self.high_gbp:g} is below estimate_gbp {self.estimate_gbp:g} "
                             "(expected low_gbp <= estimate_gbp <= high_gbp)")
        return self

    @property
    def price_base(self) -> dt.date:
        """The date the figures are priced at [date]: `price_date`, else 1 July of `price_year`."""
        return self.price_date if self.price_date is not None else dt.date(self.price_year, 7, 1)


DELIVERY_STATES = ("not_started", "in_stage", "opened", "complete")


class Delivery(Model):
    """Where a capital project stands at the run's reference date (`meta.as_at`), and what it has spent, e.g.
    `{state: in_stage, stage: construction, since: 2025-09-29, spent_gbp: 6000000}` or `{state: opened, opened:
    2026-09-01, evidence: assumed}`."""

    state: Literal[DELIVERY_STATES]  # type: ignore[valid-type]
    """not_started: no stage begun yet (stages marked `done` may precede it); in_stage: in `stage` since `since`,
    the stages before it done; opened: its places opened on `opened` (the building may still be finishing);
    complete: opened on `opened` and finished. Opened and complete projects open on that date in every draw."""
    stage: str | None = None
    """With in_stage: the stage under way, one of the project's `stages` by name."""
    since: dt.date | None = None
    """With in_stage: when that stage began [date, on or before `as_at`]; the simulation draws its duration given that
    it has already lasted this long, and only the rest from `as_at`."""
    opened: dt.date | None = None
    """With opened or complete: when the places opened [date, on or before `as_at`]."""
    spent_gbp: float | None = Field(default=None, ge=0)
    """Money spent on the project to date [GBP]; blank: not known (nothing is taken as spent, except on a complete
    project, taken as fully spent). Cost still to spend = outturn cost - this."""
    evidence: Literal["found", "inferred", "assumed"] | None = None
    """Whether the state was found in a source, inferred or assumed (an assumption is shown as to be confirmed)."""

    @model_validator(mode="after")
    def _fields_of_state(self) -> Delivery:
        needs = {"not_started": (), "in_stage": ("stage", "since"), "opened": ("opened",),
                 "complete": ("opened",)}[self.state]
        missing = [name for name in needs if getattr(self, name) is None]
        extra = [name for name in ("stage", "since", "opened") if name not in needs and getattr(self, name) is not None]
        if missing:
            raise ValueError(f"state {self.state} needs {' and '.join(missing)}")
        if extra:
            raise ValueError(f"{' and '.join(extra)} given with state {self.state} "
                             f"(expected {', '.join(needs) or 'neither stage, since nor opened'})")
        return self


class CapitalProject(Model):
    """A capital project: a rebuild, expansion, new school, resourced provision or stop-gap."""

    name: str
    """Name shown in reports."""
    school_id: str | None = None
    """School the places belong to (blank for a new school not yet in the schools table)."""
    planning_area: str | None = None
    """Planning area of a new school (when school_id is blank)."""
    kind: Literal["rebuild", "expansion", "new_school", "resourced_provision", "temporary", "bulge", "reduction"]
    """What the project does (`reduction`: places taken out, e.g. a lower PAN where rolls are falling)."""
    status: Literal["complete", "committed", "proposed", "withdrawn"]
    """complete: open; committed: funded and approved; proposed: an option; withdrawn: no longer going ahead."""
    places: tuple[PlaceChange, ...] = ()
    """Places added or removed."""
    start: dt.date
    """When the project's first unfinished stage started or can start [date]. With `delivery: {state: not_started}`,
    a start before `meta.as_at` has slipped: the project starts at `as_at` (and `placeplan validate` says so). With no
    `delivery` given, a start before `as_at` means the first stage not marked `done` has been under way since it."""
    planned_opening: dt.date
    """Opening date in the council's plan [date]."""
    opening_months: tuple[Month, ...] = Field(default=(9,), min_length=1)
    """Months in which new places can open: the first of them after handover [1-12; 9 = September; e.g. 9, 1, 4 for any term]."""
    stages: tuple[Stage, ...] = ()
    """Delivery stages in order."""
    cost: Cost | None = None
    """Capital cost."""
    delivery: Delivery | None = None
    """Where the project stands at `meta.as_at` (not started, in a stage since a date, opened, complete) and the money
    spent to date. Blank: taken from `status` (complete: opened on `planned_opening`), the stages marked `done` and
    `start` (before `as_at`: the first stage not done has been under way since `start`; else not started)."""
    funding_source: str | None = None
    """e.g. basic_need, high_needs_capital, council_borrowing, dfe_free_schools."""
    depends_on: tuple[str, ...] = ()
    """Projects that must finish before this one starts (their keys)."""
    delay_months: float = Field(default=0.0, ge=0, le=MAX_MONTHS)
    """A slip of the project's remaining work [months; 0 = none]: a project not started starts this much later than
    `start` (or than `meta.as_at`, if its start has passed); a project in a stage has that stage's remaining time
    extended by it. Every draw moves by it; `planned_opening` stays the plan. Not allowed on a project opened or
    complete (`placeplan validate` refuses it): there is nothing left to delay."""
    risks: Risks | None = None
    """Risk events; blank uses programme.default_risks."""
    evidence: dict[str, Literal["found", "inferred", "assumed"]] = {}
    """For each figure (e.g. places, cost, planned_opening): found in a source, inferred, or assumed."""
    sources: tuple[str, ...] = ()
    """Where the facts come from (references or URLs)."""
    notes: str | None = None
    """Anything an officer should know."""


class FundingLine(Model):
    """Capital budget made available at the start of a financial year (April)."""

    financial_year: int = Field(ge=2000, le=2100)
    """Financial year starting in April of this year [year]."""
    amount_gbp: float = Field(ge=0)
    """Money added to the programme's capital budget [GBP]."""
    source: str | None = None
    """e.g. basic_need, high_needs_capital, council_borrowing."""


class Programme(Model):
    """How the capital programme is delivered: shared team, money, committees, risks."""

    team_size: int = Field(default=2, ge=1, le=50)
    """Projects the council's delivery team can carry at once in team stages [projects]."""
    team_stages: tuple[str, ...] = ("feasibility", "design", "site_and_design", "procurement")
    """Stage names that need the delivery team."""
    funding: tuple[FundingLine, ...] = ()
    """Capital budget lines by financial year; empty means money never delays a stage."""
    opening_balance_gbp: float = Field(default=0.0, ge=0)
    """Capital budget available at `meta.as_at`, where the simulation starts [GBP]; funding lines of earlier years
    are added to it at once."""
    external_funding_sources: tuple[str, ...] = ("dfe_free_schools",)
    """Funding sources outside the council's budget: projects funded by them never wait for money."""
    planning_committee_months: tuple[Month, ...] = Field(default=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), min_length=1)
    """Months in which the planning committee meets; a planning stage ends at the next meeting [1-12]."""
    planning_stages: tuple[str, ...] = ("planning",)
    """Stage names decided by the planning committee."""
    construction_stages: tuple[str, ...] = ("construction",)
    """Stage names in which a contractor can fail."""
    construction_inflation: float = Field(default=0.04, ge=-0.1, le=0.3)
    """Annual growth of construction prices, applied to an estimate from its price date to when each stage's money
    is spent (never to a cash budget) [fraction per year]."""
    council_funders: tuple[str, ...] = ("council_borrowing", "basic_need_grant", "high_needs_capital")
    """Funders (`Cost.funders` keys) whose share is the council's own cost, the headline cost and the cost options
    are ranked by: by default what comes out of the council's capital programme, its own borrowing and the DfE grants
    it is allocated and decides how to spend (Basic Need, High Needs capital), since money spent on one project is
    not there for another; not DfE's free-schools capital, developers' contributions or anyone else's. Council
    borrowing is always shown beside it."""
    asset_life_years: float = Field(default=60.0, gt=0, le=200)
    """Life of permanent places, for an option's residual value at the end of the appraisal window [years;
    assumed: 60, a common planning life for a permanent school building, not a figure of the council's]."""
    temporary_asset_life_years: float = Field(default=10.0, gt=0, le=100)
    """Life of temporary places (a bulge class's or a temporary classroom's), for the residual value [years;
    assumed]."""
    default_risks: Risks = Risks()
    """Risks for projects that do not give their own."""
    benchmark_cost_per_place_gbp: dict[Literal[PROVISIONS], Annotated[float, Field(ge=0)]] = {}  # type: ignore[valid-type]
    """Reference cost of a permanent expansion place by provision, e.g. DfE scorecard figures × regional factor [GBP per place]."""
    benchmark_temporary_cost_per_place_gbp: dict[Literal[PROVISIONS], Annotated[float, Field(ge=0)]] = {}  # type: ignore[valid-type]
    """Reference cost of a temporary place by provision [GBP per place]."""
    benchmark_price_year: int = Field(default=2026, ge=2000, le=2100)
    """Price year of the benchmark costs [year]."""


class Policy(Model):
    """Planning policy choices."""

    operating_margin: float = Field(default=0.02, ge=0, le=0.25)
    """Spare places kept on purpose [fraction of capacity]; 0 reproduces DfE's place-planning tables."""
    ratio_window: int = Field(default=3, ge=1, le=10)
    """Years of history each projection ratio is averaged over [years]."""
    ratio_method: Literal["mean", "weighted_mean", "exp_smoothing", "national_local"] = "mean"
    """How ratios are averaged over the window. `national_local`: each ratio is a national part (pooled over
    every authority, from the `pupils.national_ratios` table; without it, the authority's own pooled ratio)
    forecast as its latest value, skipping `national_shock_years`, plus the authority's deviation from it,
    exponentially smoothed over its whole history (not the window) with `deviation_alpha`; planning areas add
    their smoothed deviation from the authority (see docs/ratio-methods.md)."""
    ratio_weights: tuple[Annotated[float, Field(ge=0)], ...] | None = None
    """Weights for weighted_mean, most recent year first (e.g. 3, 2, 1)."""
    smoothing_alpha: float = Field(default=0.5, gt=0, le=1)
    """Smoothing constant for exp_smoothing [fraction]."""
    deviation_alpha: float | Literal["auto"] = "auto"
    """Smoothing constant of the local deviations for national_local [fraction, 0 < alpha <= 1]. `auto`: chosen
    at each base year from the grid 0.3, 0.5, 0.7, 0.9 as the constant whose one-step-ahead forecasts of the
    deviations, over every authority (or area) and ratio and every year up to the base year, had the smallest
    squared error: chosen only from what was known at the base year."""
    national_shock_years: tuple[int, ...] = (2020,)
    """Academic years whose national ratios are not carried forward by national_local (the latest year
    before them is used instead) [academic years]. 2020 is 2020/21, the first COVID-19 year, whose January
    2021 census was taken in lockdown: a shock a forecaster knew of at the time, not one picked from the
    back-test's results."""
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95)
    """Quantiles reported for uncertain results [fractions]."""

    @model_validator(mode="after")
    def _weights(self) -> Policy:
        if self.ratio_method == "weighted_mean":
            if self.ratio_weights is None or len(self.ratio_weights) != self.ratio_window:
                raise ValueError("weighted_mean needs ratio_weights with one weight per year of ratio_window")
        if self.deviation_alpha != "auto" and not 0 < self.deviation_alpha <= 1:
            raise ValueError("deviation_alpha must be 'auto' or lie in (0, 1]")
        if any(not 0 < q < 1 for q in self.quantiles):
            raise ValueError("quantiles must lie strictly between 0 and 1")
        return self


class Option(Model):
    """An alternative capital programme (or stop-gap) to compare with the others."""

    description: str
    """What the option does, in an officer's words: the question it answers."""
    kind: Literal["choice", "what_if"] = "choice"
    """choice: something the council can decide (ranked by value for money); what_if: something that may happen to
    it (a project slips, DfE reinstates a free school, housing is built faster), shown against the base but not
    ranked, since no one chooses it."""
    changes: dict[str, Any] = {}
    """Dotted keys and values applied to the scenario, e.g. `capital_projects.westfield_rebuild.status: committed`."""


class ScapSection(Model):
    """The SCAP return: commentary for DfE, and which funding sources count as housing-funded or central places."""

    commentary: dict[str, str] = {}
    """Commentary for DfE by planning-area code (or the LA code, for the whole authority) [text], written
    on the return's commentary sheet."""
    hdc_funding_sources: tuple[str, ...] = ("developer_contribution",)
    """Capital projects with one of these `funding_source`s are funded by housing developer contributions
    (s106 / CIL): their places are the return's `hdc_places` from the year they open."""
    hif_funding_sources: tuple[str, ...] = ("housing_infrastructure_fund",)
    """Capital projects with one of these `funding_source`s are funded by the Housing Infrastructure Fund:
    their places are the return's `hif_places`."""
    central_funding_sources: tuple[str, ...] = ("dfe_free_schools",)
    """Capital projects with one of these `funding_source`s are DfE central programmes (e.g. free schools):
    their places are central programme places, not LA planned places."""


class ScenarioFile(Model):
    """A whole scenario file."""

    meta: Meta
    """Who the scenario is for and how to run it."""
    planning_areas: PlanningAreasSection
    """Planning areas and their polygons."""
    schools: SchoolsSection
    """Schools, capacity and rolls."""
    pupils: PupilsSection
    """Pupil history."""
    births: BirthsSection
    """Births."""
    housing: HousingSection
    """Housing and pupil yields."""
    transfer: TransferSection = TransferSection()
    """Year 6 -> Year 7 transfer (default: estimated from the school-level data)."""
    published: PublishedSection = PublishedSection()
    """DfE's published figures to compare with (optional)."""
    send: SendSection | None = None
    """Specialist (SEND) demand; blank leaves specialist sufficiency out."""
    capital_projects: dict[str, CapitalProject] = {}
    """Capital projects, by key (lower case, `_`)."""
    policy: Policy = Policy()
    """Planning policy choices."""
    programme: Programme = Programme()
    """How the capital programme is delivered."""
    options: dict[str, Option] = {}
    """Capital-programme options for `placeplan compare`, by name."""
    overrides: dict[str, dict[str, Any]] = {}
    """Named partial changes: `{name: {dotted.key: value}}`."""
    scenarios: dict[str, tuple[str, ...]] = {}
    """Named lists of overrides, applied in order."""
    scap: ScapSection = ScapSection()
    """The SCAP return: commentary per planning area and housing-funded places."""

    def referenced_files(self) -> dict[str, str]:
        """Every file the scenario points at, by the dotted key that names it."""
        refs = {
            "planning_areas.table": self.planning_areas.table,
            "planning_areas.geometry": self.planning_areas.geometry,
            "planning_areas.boundary": self.planning_areas.boundary,
            "schools.table": self.schools.table,
            "schools.capacity": self.schools.capacity,
            "schools.nor": self.schools.nor,
            "schools.capacity_by_ncy": self.schools.capacity_by_ncy,
            "transfer.table": self.transfer.table,
            "published.scorecard": self.published.scorecard,
            "published.forecast_record": self.published.forecast_record,
            "pupils.table": self.pupils.table,
            "pupils.observed": self.pupils.observed,
            "pupils.forecast_errors": self.pupils.forecast_errors,
            "pupils.national_ratios": self.pupils.national_ratios,
            "births.table": self.births.table,
            "births.shares": self.births.shares,
            "housing.table": self.housing.table,
            "housing.sites": self.housing.sites,
            "housing.yields": self.housing.yields,
            "send.table": self.send.table if self.send else None,
        }
        return {k: v for k, v in refs.items() if v is not None}
