"""The column dictionary of every scenario table: names, types, units, meaning.

This is data, not code: the table reader validates against it and the scenario
reference (``docs/scenario-reference.md``) is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVISIONS = ("primary", "secondary", "sixth_form", "specialist", "alternative_provision")
SCHOOL_PHASES = ("primary", "secondary", "all_through", "special", "alternative_provision", "post16")
SCHOOL_KINDS = ("mainstream", "special", "resourced_provision", "alternative_provision")
CAPACITY_SOURCES = ("scap2015", "published", "estimated", "council")


MAX_SCHOOL_PLACES = 10_000
"""The most places or pupils one school can hold [places]: more than any English school (bounds cells, so that a
typing slip like 1e300 is refused)."""
MAX_LOCAL_COUNT = 1_000_000
"""The most pupils, births or dwellings one authority's row can count [count]."""
MAX_NATIONAL_COUNT = 10_000_000
"""The most pupils a national or authority-wide total can count [pupils]: more than England's school roll."""


@dataclass(frozen=True)
class Column:
    """One column of a scenario table."""

    name: str
    kind: str  # "code", "text", "int", "float" or "enum"
    unit: str
    description: str
    required: bool = True  # False: blank cells allowed
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class TableSpec:
    """The expected shape of one scenario table."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns that identify a row uniquely

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _year(name: str, description: str) -> Column:
    return Column(name, "int", "academic year", description, minimum=1950, maximum=2100)


PLANNING_AREAS = TableSpec(
    "planning_areas",
    "Pupil planning areas: the official SCAP structure (primary and secondary are separate) "
    "and optional sub-areas used only for analysis and reporting.",
    (
        Column("planning_area", "code", "-", "Planning-area code (LA number + 4 digits for official areas)."),
        Column("name", "text", "-", "Name shown in reports."),
        Column("phase", "enum", "-", "Which structure the area belongs to.", choices=("primary", "secondary")),
        Column("kind", "enum", "-", "official = a SCAP planning area; sub_area = an analysis grouping inside one.",
               choices=("official", "sub_area")),
        Column("parent", "code", "-", "For a sub_area, the official planning area it subdivides.", required=False),
        Column("catchment_school", "code", "-", "For a primary area: the secondary school (school_id) whose "
               "catchment it follows, the start of the estimated Year 6 -> Year 7 transfer matrix.",
               required=False),
        Column("feeds", "code", "-", "For a primary area: the secondary planning area its Year 6 mostly moves to "
               "(used by the own-area transfer; default: the catchment school's secondary area).", required=False),
        Column("source", "text", "-", "Where the area comes from.", required=False),
    ),
    key=("planning_area",),
)

SCHOOLS = TableSpec(
    "schools",
    "Every school, resourced provision and alternative-provision setting in the authority.",
    (
        Column("school_id", "code", "-", "URN (or another unique identifier)."),
        Column("laestab", "code", "-", "DfE LA + establishment number.", required=False),
        Column("name", "text", "-", "School name."),
        Column("phase", "enum", "-", "Phase of education.", choices=SCHOOL_PHASES),
        Column("kind", "enum", "-", "Type of provision.", choices=SCHOOL_KINDS),
        Column("primary_planning_area", "code", "-", "Primary planning area (blank: no primary places).",
               required=False),
        Column("secondary_planning_area", "code", "-", "Secondary planning area (blank: no secondary places).",
               required=False),
        Column("sub_area", "code", "-", "Analysis sub-area (blank: none).", required=False),
        Column("ncy_low", "int", "NCY", "Lowest national curriculum year taught (R = 0).", minimum=0, maximum=14),
        Column("ncy_high", "int", "NCY", "Highest national curriculum year taught.", minimum=0, maximum=14),
        Column("status", "enum", "-", "Whether the school is open.", choices=("open", "closed", "proposed")),
        Column("postcode", "text", "-", "Postcode.", required=False),
        Column("easting", "float", "m (EPSG:27700)", "Location: British National Grid easting.", required=False,
               minimum=0, maximum=800_000),
        Column("northing", "float", "m (EPSG:27700)", "Location: British National Grid northing.", required=False,
               minimum=0, maximum=1_400_000),
        Column("source", "text", "-", "Where the row comes from.", required=False),
    ),
    key=("school_id",),
)

CAPACITY = TableSpec(
    "capacity",
    "Places at each school by provision, as at one academic year (before capital projects "
    "that open later).",
    (
        Column("school_id", "code", "-", "School, as in the schools table."),
        Column("provision", "enum", "-", "Which places the figure counts.", choices=PROVISIONS),
        Column("net_capacity", "int", "places", "Net capacity (DfE net capacity method) or commissioned places.",
               maximum=MAX_SCHOOL_PLACES),
        Column("pan", "int", "pupils per year group", "Published admission number for the entry year.",
               required=False, maximum=MAX_SCHOOL_PLACES),
        Column("pan_source", "enum", "-", "Where the PAN comes from: published (admissions arrangements, "
               "school or council documents) or council figures set year-group places; estimated "
               "(capacity / year groups) leaves the year-group comparison indicative.", required=False,
               choices=("published", "council", "estimated")),
        _year("as_of_year", "Academic year the figure describes."),
        Column("source", "enum", "-", "Provenance: replace scap2015/estimated figures with the council's own.",
               choices=CAPACITY_SOURCES),
        Column("note", "text", "-", "How the figure was obtained.", required=False),
    ),
    key=("school_id", "provision"),
)

SCHOOL_NOR = TableSpec(
    "school_nor",
    "Number on roll at single schools from census snapshots: the whole school, or a block of year "
    "groups (e.g. R-Y6, KS3 = Y7-Y9, KS4 = Y10-Y11).",
    (
        Column("school_id", "code", "-", "School, as in the schools table."),
        _year("academic_year", "Academic year of the census."),
        Column("census", "enum", "-", "Census the count comes from.", choices=("january", "may", "october")),
        Column("ncy_low", "int", "NCY", "First year group the count covers (blank: the whole school as taught).",
               required=False, minimum=0, maximum=14),
        Column("ncy_high", "int", "NCY", "Last year group the count covers (blank: the whole school as taught).",
               required=False, minimum=0, maximum=14),
        Column("nor", "int", "pupils", "Pupils on roll.", maximum=MAX_SCHOOL_PLACES),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("school_id", "academic_year", "census", "ncy_low"),
)

CAPACITY_BY_NCY = TableSpec(
    "capacity_by_ncy",
    "Places by year group at single schools, where the council knows them (SCAP 'capacity by year "
    "group'); a school given here uses these places for its year-group comparison instead of "
    "PAN x year groups.",
    (
        Column("school_id", "code", "-", "School, as in the schools table."),
        Column("ncy", "int", "NCY", "National curriculum year (R = 0 ... 13).", minimum=0, maximum=14),
        Column("places", "int", "places", "Places in the year group.", maximum=MAX_SCHOOL_PLACES),
        _year("as_of_year", "Academic year the figure describes."),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("school_id", "ncy"),
)

TRANSFER = TableSpec(
    "transfer",
    "Year 6 -> Year 7 transfer matrix: the share of each origin's Year 6 who start Year 7 at each "
    "destination the next September. Origins are primary planning areas, or `outside` for pupils "
    "coming from other authorities and independent schools (their share is per Year 6 pupil of "
    "the whole authority). Destinations are secondary schools (school_id) or secondary planning "
    "areas, or `outside` for pupils leaving the authority's state schools.",
    (
        Column("origin", "code", "-", "Primary planning area, or `outside`."),
        Column("destination", "code", "-", "Secondary school_id or secondary planning area, or `outside`."),
        Column("share", "float", "pupils per Year 6 pupil", "Share of the origin's Year 6.", minimum=0, maximum=5),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("origin", "destination"),
)

PUPILS = TableSpec(
    "pupils",
    "Pupils on roll (January census) by planning area, national curriculum year and academic year.",
    (
        _year("academic_year", "Academic year (the year its September falls in)."),
        Column("planning_area", "code", "-", "Official planning area (primary for R-Y6, secondary for Y7-Y13)."),
        Column("ncy", "int", "NCY", "National curriculum year (R = 0 ... 13).", minimum=0, maximum=14),
        Column("nor", "int", "pupils", "Pupils on roll.", maximum=MAX_LOCAL_COUNT),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("academic_year", "planning_area", "ncy"),
)

PUPILS_BY_SCHOOL = TableSpec(
    "pupils_by_school",
    "Pupils on roll (January census) by school, national curriculum year and academic year; "
    "summed into planning areas through the schools table (R-Y6 by primary_planning_area, "
    "Y7-Y13 by secondary_planning_area).",
    (
        _year("academic_year", "Academic year (the year its September falls in)."),
        Column("school_id", "code", "-", "School, as in the schools table."),
        Column("ncy", "int", "NCY", "National curriculum year (R = 0 ... 13).", minimum=0, maximum=14),
        Column("nor", "int", "pupils", "Pupils on roll.", maximum=MAX_SCHOOL_PLACES),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("academic_year", "school_id", "ncy"),
)

SEND = TableSpec(
    "send",
    "Resident pupils with an education, health and care plan (EHCP), and those placed in specialist "
    "provision, by phase and academic year: the history specialist demand is projected from.",
    (
        Column("area", "code", "-", "LA code (the whole authority)."),
        _year("academic_year", "Academic year of the January count."),
        Column("phase", "enum", "-", "Phase by age: primary (R-Y6), secondary (Y7-Y11).",
               choices=("primary", "secondary")),
        Column("population", "float", "pupils", "Pupils on roll in the phase (the prevalence denominator).",
               maximum=MAX_NATIONAL_COUNT),
        Column("ehcp", "float", "pupils", "Resident pupils of the phase's ages with an EHCP.",
               maximum=MAX_NATIONAL_COUNT),
        Column("specialist", "float", "pupils", "Of those, pupils in special schools, resourced provision or "
               "independent special schools.", maximum=MAX_NATIONAL_COUNT),
        Column("kind", "enum", "-", "actual (SEN2 / council records) or estimated.", choices=("actual", "estimated")),
        Column("source", "text", "-", "Where the figures come from.", required=False),
    ),
    key=("area", "academic_year", "phase"),
)

BIRTHS = TableSpec(
    "births",
    "Live births by birth cohort (children born September birth_year to August birth_year + 1, "
    "who enter Reception in September birth_year + 5).",
    (
        Column("area", "code", "-", "LA code (whole authority) or a primary planning area."),
        Column("birth_year", "int", "academic year", "Academic year of birth.", minimum=1950, maximum=2100),
        Column("births", "float", "births", "Live births in the cohort.", maximum=MAX_LOCAL_COUNT),
        Column("births_low", "float", "births", "Lower bound where an interval is given.", required=False,
               maximum=MAX_LOCAL_COUNT),
        Column("births_high", "float", "births", "Upper bound where an interval is given.", required=False,
               maximum=MAX_LOCAL_COUNT),
        Column("kind", "enum", "-", "actual, nowcast (modelled from GP data) or projected.",
               choices=("actual", "nowcast", "projected")),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("area", "birth_year"),
)

BIRTH_SHARES = TableSpec(
    "birth_shares",
    "Share of the authority's births living in each primary planning area.",
    (
        Column("planning_area", "code", "-", "Primary planning area."),
        Column("share", "float", "fraction (0-1)", "Share of LA births.", minimum=0, maximum=1),
        Column("source", "text", "-", "Where the share comes from.", required=False),
    ),
    key=("planning_area",),
)

HOUSING = TableSpec(
    "housing",
    "New dwellings completed by planning area and academic year (financial year April Y to "
    "March Y+1 counted as academic year Y).",
    (
        Column("planning_area", "code", "-", "Primary planning area the homes are in."),
        _year("academic_year", "Year of completion."),
        Column("dwellings", "float", "dwellings", "Completions.", maximum=MAX_LOCAL_COUNT),
        Column("kind", "enum", "-", "actual completions or planned trajectory.", choices=("actual", "planned")),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("planning_area", "academic_year"),
)

HOUSING_SITES = TableSpec(
    "housing_sites",
    "Named housing sites (optional): one row per site and academic year of completion. Each site's homes are "
    "added to the `housing` table's row for its primary planning area and year (a year without a row becomes "
    "a planned row), so the `housing` trajectory must be the background WITHOUT these sites. A year whose "
    "`housing` row is `actual` takes nothing from the sites: recorded completions already count every home "
    "built, the sites' among them. Site homes are planned: the delivery factor and the netting-out of trend "
    "growth apply to them as to every planned row.",
    (
        Column("site", "code", "-", "Site identifier (e.g. the planning application or allocation reference); "
               "one row per site and year."),
        Column("name", "text", "-", "Site name shown in reports.", required=False),
        Column("planning_area", "code", "-", "Primary planning area the homes are in; give this or school_id.",
               required=False),
        Column("school_id", "code", "-", "School whose catchment the site is in, instead of planning_area: the "
               "homes go to that school's primary_planning_area (a school without one is refused; for a "
               "secondary school's catchment give the primary planning area).", required=False),
        _year("academic_year", "Year of completion (financial year April Y to March Y+1 counted as Y)."),
        Column("dwellings", "float", "dwellings", "Homes completed on the site in the year.",
               maximum=MAX_LOCAL_COUNT),
        Column("tenure", "text", "-", "Tenure, where known (e.g. market, affordable, mixed).", required=False),
        Column("dwelling_type", "text", "-", "Type or mix, where known (e.g. houses, flats, 2-3 bed).",
               required=False),
        Column("contribution", "enum", "-", "Kind of education contribution secured, where any.",
               required=False, choices=("s106", "cil")),
        Column("contribution_gbp", "float", "GBP", "Education contribution secured in the year (S106 or CIL).",
               required=False, maximum=1e10),
        Column("funded_primary_places", "int", "places", "Primary places the contribution funds, counted in the "
               "SCAP return's hdc_places of the site's primary planning area from this academic year on.",
               required=False, maximum=MAX_SCHOOL_PLACES),
        Column("funded_secondary_places", "int", "places", "Secondary places the contribution funds, counted in "
               "hdc_places of the site's secondary area from this academic year on.", required=False,
               maximum=MAX_SCHOOL_PLACES),
        Column("secondary_planning_area", "code", "-", "Secondary planning area of the funded secondary places "
               "(blank: the school_id's secondary area, or the only secondary area).", required=False),
        Column("source", "text", "-", "Where the figures come from.", required=False),
    ),
    key=("site", "academic_year"),
)

PUPIL_YIELDS = TableSpec(
    "pupil_yields",
    "Pupils per new dwelling, by provision.",
    (
        Column("provision", "enum", "-", "Which pupils.", choices=("primary", "secondary", "sixth_form",
                                                                   "specialist")),
        Column("yield_per_dwelling", "float", "pupils per dwelling", "Central yield.", minimum=0, maximum=5),
        Column("low", "float", "pupils per dwelling", "Low end of the plausible range.", minimum=0, maximum=5),
        Column("high", "float", "pupils per dwelling", "High end of the plausible range.", minimum=0, maximum=5),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("provision",),
)

OBSERVED_TOTALS = TableSpec(
    "observed_totals",
    "Pupils on roll observed after the full year-group history, as totals: the authority's or a planning "
    "area's pupils in a block of year groups (a phase R-Y6 / Y7-Y11, a key stage, one year group). Rows "
    "held `exact` are met exactly by the estimated year groups; rows held as `shares` only divide their "
    "enclosing exact total (e.g. an October funding count where the January census is held exact).",
    (
        _year("academic_year", "Academic year of the count."),
        Column("census", "enum", "-", "Census the count comes from.", choices=("january", "may", "october")),
        Column("level", "enum", "-", "What the count covers.", choices=("authority", "planning_area")),
        Column("code", "code", "-", "The authority's DfE number (level authority) or the planning-area code."),
        Column("ncy_low", "int", "NCY", "First year group counted.", minimum=0, maximum=13),
        Column("ncy_high", "int", "NCY", "Last year group counted.", minimum=0, maximum=13),
        Column("nor", "float", "pupils", "Pupils on roll.", minimum=0, maximum=MAX_NATIONAL_COUNT),
        Column("held", "enum", "-", "exact: the estimate meets it; shares: it only divides its enclosing total.",
               choices=("exact", "shares")),
        Column("source", "text", "-", "Where the figure comes from.", required=False),
    ),
    key=("academic_year", "census", "level", "code", "ncy_low", "ncy_high"),
)

FORECAST_ERRORS = TableSpec(
    "forecast_errors",
    "Past out-of-sample forecasts of the projection method against what happened, for every English "
    "authority (built by tools/build_forecast_errors.py from the national tables): the record the "
    "projection's ranges are drawn from. A row counts at a base year only if its outturn was known then.",
    (
        Column("unit", "code", "-", "The authority's DfE number."),
        _year("base_year", "Academic year the forecast was made from (its origin)."),
        Column("horizon", "int", "years", "Years ahead of the origin.", minimum=1, maximum=30),
        Column("ncy", "int", "NCY", "Year group (0 = Reception).", minimum=0, maximum=13),
        Column("forecast", "float", "pupils", "Central forecast made at the origin.", minimum=0,
               maximum=MAX_NATIONAL_COUNT),
        Column("actual", "float", "pupils", "January census count in that year.", minimum=0,
               maximum=MAX_NATIONAL_COUNT),
    ),
    key=("unit", "base_year", "horizon", "ncy"),
)

DFE_SCORECARD = TableSpec(
    "dfe_scorecard",
    "DfE's published school places scorecard figures for the authority, one row per SCAP round and "
    "phase: the external check the report compares its own figures with.",
    (
        Column("scorecard_row", "text", "-", "The scorecard's `Year` label (the SCAP round's base year)."),
        _year("base_year", "Academic year of the SCAP round's base (the row's label)."),
        _year("target_year", "Academic year three years ahead, which places needed, spare and planned describe."),
        Column("phase", "enum", "-", "Mainstream phase.", choices=("primary", "secondary")),
        Column("places_needed", "float", "places", "Places needed to meet demand three years ahead (Quan_*_RP).",
               minimum=0, maximum=MAX_NATIONAL_COUNT),
        Column("spare_pct", "float", "% of places", "Spare places three years ahead (Quan_*_Su x 100).",
               required=False, minimum=-100, maximum=100),
        Column("planned_places", "float", "places", "Planned places to be delivered by then (Quan_*_PP).",
               required=False, minimum=-MAX_NATIONAL_COUNT, maximum=MAX_NATIONAL_COUNT),
        _year("nor_year", "Academic year of the January census the row's NOR is from (the year after the label)."),
        Column("nor", "float", "pupils", "Pupils on roll, January census of nor_year (PriNOR / SecNOR).",
               required=False, minimum=0, maximum=MAX_NATIONAL_COUNT),
        Column("capacity", "float", "places", "Capacity from the round's May survey (PriCap / SecCap; "
               "secondary includes sixth-form places).", required=False, minimum=0,
               maximum=MAX_NATIONAL_COUNT),
        Column("source", "text", "-", "Where the figures come from.", required=False),
    ),
    key=("base_year", "phase"),
)

COUNCIL_FORECAST_RECORD = TableSpec(
    "council_forecast_record",
    "The council's own SCAP forecast record as DfE scored it in its school places scorecards: the accuracy "
    "of the authority's forecast of each outturn year, by phase and years ahead, next to which the "
    "forecast-vs-outturn ledger sets placeplan's forecasts of the same years.",
    (
        Column("outturn_year", "int", "academic year", "Academic year whose January census the forecast is scored "
               "against (blank: the release could not be placed; the ledger leaves it out).", required=False,
               minimum=1950, maximum=2100),
        Column("phase", "enum", "-", "Mainstream phase: primary (R-Y6) or secondary (Y7-Y11).",
               choices=("primary", "secondary")),
        Column("horizon", "int", "years ahead", "How far ahead the forecast was made: outturn year minus the SCAP "
               "round's base year.", minimum=1, maximum=15),
        Column("accuracy_pct", "float", "%", "DfE's forecast accuracy, (forecast - actual) / actual x 100; positive "
               "= over-forecast.", minimum=-100, maximum=1000),
        Column("forecast", "float", "pupils", "The council's forecast of the outturn year, where the scorecard gives "
               "it.", required=False, maximum=MAX_NATIONAL_COUNT),
        Column("actual", "float", "pupils", "Pupils on roll in the outturn year (January census), where the scorecard "
               "gives it.", required=False,
               maximum=MAX_NATIONAL_COUNT),
        Column("scorecard_row", "text", "-", "The scorecard's `Year` label of the release row (the SCAP round's base "
               "year of its one-year-ahead forecast)."),
        Column("source", "text", "-", "Where the figure comes from, and how its outturn year was placed.",
               required=False),
    ),
    key=("scorecard_row", "phase", "horizon"),
)

NATIONAL_RATIOS = TableSpec(
    "national_ratios",
    "National cohort ratios by academic year, pooled over every English authority (sum of numerators / sum "
    "of denominators): the national part of the national_local ratio method. Built from scenarios/national "
    "by tools/build_national_reference.py.",
    (
        _year("academic_year", "Academic year of the ratio's numerator (the later year)."),
        Column("ratio", "enum", "-", "Which ratio: reception = Reception / births five years earlier; y1 ... y13 = "
               "that year group / the year group below a year earlier (y7 the Year 7 transfer, y12 staying-on).",
               choices=("reception",) + tuple(f"y{g}" for g in range(1, 14))),
        Column("national_ratio", "float", "ratio", "numerator / denominator.", minimum=0, maximum=100),
        Column("numerator", "float", "pupils", "Sum over authorities of the later year group.", required=False,
               minimum=0, maximum=MAX_NATIONAL_COUNT),
        Column("denominator", "float", "pupils", "Sum over the same authorities of the births or earlier year group.",
               required=False, minimum=0, maximum=MAX_NATIONAL_COUNT),
        Column("n_la", "int", "authorities", "Authorities pooled.", required=False, minimum=0, maximum=500),
        Column("source", "text", "-", "Where the figures come from.", required=False),
    ),
    key=("academic_year", "ratio"),
)

# Counts that must not be negative; checked by checks.check_negative_counts.
COUNT_COLUMNS = {
    "capacity": ("net_capacity", "pan"),
    "capacity_by_ncy": ("places",),
    "school_nor": ("nor",),
    "pupils": ("nor",),
    "pupils_by_school": ("nor",),
    "observed_totals": ("nor",),
    "forecast_errors": ("forecast", "actual"),
    "council_forecast_record": ("forecast", "actual"),
    "births": ("births", "births_low", "births_high"),
    "housing": ("dwellings",),
    "housing_sites": ("dwellings", "contribution_gbp", "funded_primary_places", "funded_secondary_places"),
    "send": ("population", "ehcp", "specialist"),
}

ALL_TABLES = (PLANNING_AREAS, SCHOOLS, CAPACITY, CAPACITY_BY_NCY, SCHOOL_NOR, PUPILS, PUPILS_BY_SCHOOL, OBSERVED_TOTALS, FORECAST_ERRORS, TRANSFER,
              BIRTHS, BIRTH_SHARES, HOUSING, HOUSING_SITES, PUPIL_YIELDS, SEND, DFE_SCORECARD,
              COUNCIL_FORECAST_RECORD, NATIONAL_RATIOS)
