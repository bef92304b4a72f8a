"""Dates of the school year: censuses, the reference date, SCAP rounds.

Academic year ``y`` is the year its September falls in (2025 = 2025/26). Its censuses:

* **October** census: the first Thursday of October ``y``;
* **January** census (the spring census, the one DfE's pupil statistics and SCAP use): the third
  Thursday of January ``y + 1``;
* **May** census (summer; SCAP capacity is "as at May"): the third Thursday of May ``y + 1``.

A year is **outturn** at a reference date ``as_at`` when its January census falls on or before
``as_at`` and the data hold it; every later year is a forecast. The SCAP collection of year ``Y``
runs in the summer of ``Y`` (June-July), reports capacity as at May ``Y`` and forecasts from
academic year ``Y`` (``Y/Y+1``); the next round after ``as_at`` is the one whose collection has not
closed by ``as_at`` (July 31 of ``Y``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CENSUSES = ("october", "january", "may")
SCAP_CLOSES = (7, 31)  # month, day by which a summer SCAP collection has closed


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (Monday = 0) of a month [date]."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def census_date(academic_year: int, census: str = "january") -> dt.date:
    """Day of a school census of an academic year (see the module docstring) [date]."""
    if census == "october":
        return nth_weekday(int(academic_year), 10, 3, 1)
    if census == "january":
        return nth_weekday(int(academic_year) + 1, 1, 3, 3)
    if census == "may":
        return nth_weekday(int(academic_year) + 1, 5, 3, 3)
    raise ValueError(f"unknown census {census!r} (expected one of: {', '.join(CENSUSES)})")


def latest_january(as_at: dt.date) -> int:
    """The latest academic year whose January census falls on or before ``as_at``."""
    year = as_at.year - 1
    return year if census_date(year, "january") <= as_at else year - 1


def academic_year_label(year: int) -> str:
    """``2025`` -> ``2025/26``."""
    return f"{int(year)}/{str(int(year) + 1)[-2:]}"


@dataclass(frozen=True)
class ScapRound:
    """One SCAP collection.

    year : the collection's year (SCAP 2027 is collected in summer 2027)
    capacity_date : the date capacity is reported as at (May of ``year``)
    nor_year : academic year of the January census the return's NOR comes from (``year - 1``)
    first_forecast_year : the first academic year forecast (``year``: 2027 = 2027/28)
    """

    year: int
    capacity_date: dt.date
    nor_year: int
    first_forecast_year: int

    @property
    def name(self) -> str:
        return f"SCAP {self.year}"


def scap_round(as_at: dt.date) -> ScapRound:
    """The next SCAP collection after ``as_at``: this summer's if it has not closed, else next year's."""
    month, day = SCAP_CLOSES
    year = as_at.year if as_at <= dt.date(as_at.year, month, day) else as_at.year + 1
    return ScapRound(year=year, capacity_date=dt.date(year, 5, 1), nor_year=year - 1, first_forecast_year=year)
