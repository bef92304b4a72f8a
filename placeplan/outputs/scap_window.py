"""Which SCAP collection a return is for, and the years and censuses it covers.

The round comes from the run's reference date (``placeplan.dates.scap_round(meta.as_at)``): the
next summer collection that has not closed by then. What each round asks for, from DfE's guides
and statistics (the sources the return's rules cite, ``GUIDE``):

* capacity of mainstream schools with capacity in any of Reception to Year 11 **on 1 May** of the
  collection year (SCAP 2026 guide, s.2.1), so projects open by then are in capacity;
* pupil forecasts for **5 academic years** (primary) and **7** (secondary) from the September
  after the collection (SCAP 2026 guide, s.1; DfE "School capacity 2018/19": the SCAP 2019 forecasts
  ran to 2023/24 primary and 2025/26 secondary, i.e. from 2019/20). Secondary forecasts include
  Years 12-13 where schools have sixth forms (2019 guide, part 3; dfe-methodology.md s.1);
* planned places for the **next 3 academic years**, the same first year (SCAP 2026 guide, s.1;
  DfE data set "Local authority planned places": SCAP 2019's run from 2019/20 to 2021/22);
* actual pupil numbers in the forecasts from the **January census** of the collection year (the
  academic year before the first forecast year: "based on the January 2024 census" for SCAP 2024,
  DfE school capacity methodology), NOR in the capacity data from the **May census**.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from placeplan.dates import ScapRound, academic_year_label, census_date, scap_round

PRIMARY_FORECAST_YEARS = 5  # SCAP 2026 guide s.1: mainstream primary forecasts, the next 5 academic years
SECONDARY_FORECAST_YEARS = 7  # SCAP 2026 guide s.1: mainstream secondary forecasts, the next 7 academic years
PLANNED_PLACES_YEARS = 3  # SCAP 2026 guide s.1: planned places for the next 3 academic years
PHASES = ("primary", "secondary")

# Where each rule comes from (cited by the validator and the methodology sheet).
GUIDE = {
    "2026": "DfE, School capacity (SCAP) survey 2026: guide for local authorities (30 April 2026), "
            "https://www.gov.uk/government/publications/how-to-complete-the-scap-survey-guide-for-local-authorities",
    "2019": "DfE, School Capacity Survey: guide for local authorities (June 2019), parts 2-4 and annex A",
    "2015": "DfE, School capacity (SCAP) survey: guide for local authorities (June 2015), parts 1-3",
    "methodology": "DfE, School capacity methodology (explore-education-statistics.service.gov.uk/methodology/"
                   "school-capacity): January census for forecast actuals, May census for capacity NOR",
    "planned": "DfE data set 'Local authority planned places - additional, bulge and removed places' "
               "(explore-education-statistics.service.gov.uk/data-catalogue/data-set/"
               "96e18bf2-bcf6-4012-9d09-cd09ddba7ec5): firm plans only, sixth form included, nursery and "
               "central programmes excluded, removed places negative",
    "sixth_form": "DfE data set 'School sixth form capacity': sixth-form capacity is a voluntary field",
}


@dataclass(frozen=True)
class ScapWindow:
    """The years and dates one SCAP return covers.

    round : the collection (``placeplan.dates.ScapRound``)
    capacity_year : academic year the capacity date falls in (1 May 2027 -> 2026)
    forecast_years : academic years to forecast, by phase (primary 5, secondary 7)
    planned_years : academic years of planned places (3)
    """

    round: ScapRound
    capacity_year: int
    forecast_years: dict[str, tuple[int, ...]]
    planned_years: tuple[int, ...]

    @property
    def name(self) -> str:
        return self.round.name

    @property
    def capacity_date(self) -> dt.date:
        return self.round.capacity_date

    @property
    def expected_nor_census(self) -> str:
        """The census DfE's forecasts for this round start from, e.g. 'January 2027 census (2026/27)'."""
        return census_label(self.round.nor_year, "january")


def scap_window(as_at: dt.date) -> ScapWindow:
    """The SCAP round after ``as_at`` and the years it covers (see the module docstring)."""
    chosen = scap_round(as_at)
    first = chosen.first_forecast_year
    date = chosen.capacity_date
    capacity_year = date.year if date.month >= 9 else date.year - 1
    return ScapWindow(
        round=chosen,
        capacity_year=capacity_year,
        forecast_years={"primary": tuple(range(first, first + PRIMARY_FORECAST_YEARS)),
                        "secondary": tuple(range(first, first + SECONDARY_FORECAST_YEARS))},
        planned_years=tuple(range(first, first + PLANNED_PLACES_YEARS)),
    )


def missing_forecast_years(window: ScapWindow, projection_years) -> dict[str, tuple[int, ...]]:
    """Forecast years the round needs that the projection does not reach, by phase (empty: none missing)."""
    have = {int(y) for y in projection_years}
    out = {}
    for phase in PHASES:
        missing = tuple(y for y in window.forecast_years[phase] if y not in have)
        if missing:
            out[phase] = missing
    return out


def census_label(academic_year: int, census: str) -> str:
    """'January 2027 census (2026/27)': the census's month and calendar year, and its academic year."""
    day = census_date(int(academic_year), census)
    return f"{census.capitalize()} {day.year} census ({academic_year_label(int(academic_year))})"
