"""Build scenarios/herefordshire/council_forecast_record.csv: the council's own SCAP forecast record.

Source: DfE local authority school places scorecards (built from SCAP), Herefordshire's forecast
accuracy in every release stored in the history of the public repository
dfe-analytical-services/la-school-places-scorecards, as gathered in
../shared/data/dfe/herefordshire_scap_forecast_accuracy_2018-19_to_2024-25.csv (one row per release;
the commit and path of each are in its `source_commit` and `source_path` columns). `For_h_P` / `For_h_S`
= (the council's SCAP forecast - actual NOR) / actual NOR, h years ahead, mainstream primary (R-Y6) and
secondary (Y7-Y11), January census; positive = over-forecast.

Which year a row scores (its outturn year):

* Rows labelled 2021/22 to 2024/25 (the 2022-2025 releases): the source's `outturn_academic_year`, the
  year after the label. Those releases score the January census of the year after the SCAP round's base
  year (2022: "accuracy of local authorities' latest pupil forecasts for 2022/23", two years ahead
  instead of three as no SCAP was collected in 2020; 2025: actual 2025/26 against SCAP25, one year
  ahead, and SCAP23, three years ahead; Explore Education Statistics, reporting years 2022-2025).
* Row labelled 2018/19 (data/scorecards_data.csv at commit 56e6b3b2, stored with
  data/2019_School_Places_Scorecard.xlsx: the 2019 release), outturn "unchecked" in the source. The
  2019 release scored an earlier year: DfE's own data set of that release, "02 Forecast accuracy
  AY201819" (Explore Education Statistics, reporting year 2019), gives actual pupil numbers 2018/19
  against SCAP18 (one year ahead) and SCAP16 (three years ahead) forecasts of 2018/19. Checked: its
  England figures (4,517,464 actual; 4,561,554 and 4,637,791 forecast primary) reproduce the England row
  of the stored file (For_1_P 0.009759901, For_3_P 0.026635962), and Herefordshire's four accuracies
  are each an integer difference over one actual per phase, 13,459 primary and 8,763 secondary, within
  9 and 96 pupils of the January 2019 census in pupils.csv (2019/20's would be 76 and 173 off). So the
  row is placed at outturn 2018/19.

A release the rules cannot place keeps a blank outturn_year (the ledger then leaves it out).

    python tools/build_forecast_record.py [--shared ../shared]
        [--out scenarios/herefordshire/council_forecast_record.csv]
"""

from __future__ import annotations

import argparse
import csv
from decimal import Decimal
from pathlib import Path

from build_scorecard_table import write_rows  # tools/ is on the path when a tool runs as a script

PROJECT = Path(__file__).resolve().parents[1]
SOURCE = "data/dfe/herefordshire_scap_forecast_accuracy_2018-19_to_2024-25.csv"
REPOSITORY = "dfe-analytical-services/la-school-places-scorecards"
COLUMNS = ["outturn_year", "phase", "horizon", "accuracy_pct", "forecast", "actual", "scorecard_row", "source"]
PHASES = (("primary", "P", "Pri"), ("secondary", "S", "Sec"))
HORIZONS = (1, 2, 3)
# Releases whose outturn year the source leaves unchecked, placed from DfE's own release (see above).
PLACED = {
    "2018/19": (2018, "outturn 2018/19 from DfE's 2019 release, data set '02 Forecast accuracy AY201819' "
                      "(SCAP18 and SCAP16 forecasts of 2018/19 against the January 2019 census)"),
}
TOLERANCE_PUPILS = 1.0  # a given forecast and actual must reproduce the accuracy to within this [pupils]


def academic_year(label: str) -> int | None:
    """'2022/23' -> 2022; anything else (e.g. 'unchecked') -> None."""
    text = (label or "").strip()
    if len(text) == 7 and text[4] == "/" and text[:4].isdigit() and text[5:].isdigit():
        return int(text[:4])
    return None


def percent(fraction: str) -> str:
    """A fraction as written in the source, times 100, without float noise: '0.009510365' -> '0.9510365'."""
    value = Decimal(fraction.strip()).scaleb(2).normalize()
    text = format(value, "f")
    return "0" if text in ("-0", "0") else text


def count(text: str) -> str:
    """A pupil count as an integer string ('12891.0' -> '12891'); blank stays blank."""
    text = (text or "").strip()
    return f"{float(text):.0f}" if text else ""


def outturn_of(row: dict) -> tuple[int | None, str]:
    """The outturn year of a release row and how it was placed."""
    label = row["scorecard_row_year"]
    year = academic_year(row["outturn_academic_year"])
    if year is not None:
        return year, f"outturn {row['outturn_academic_year']} as given"
    if label in PLACED:
        return PLACED[label]
    return None, "outturn year not placed"


def build(shared: Path) -> list[dict]:
    """The record's rows, sorted by outturn year (unplaced last), phase and horizon."""
    rows = []
    with open(shared / SOURCE, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            label = row["scorecard_row_year"]
            outturn, placed = outturn_of(row)
            release = int(label[:4]) + 1
            for phase, p, name in PHASES:
                actual = count(row.get(f"{name}NOR", ""))
                for h in HORIZONS:
                    value = (row.get(f"For_{h}_{p}") or "").strip()
                    if not value:
                        continue
                    forecast = count(row.get(f"{name}Forecast{h}", ""))
                    if forecast and actual:
                        gap = float(forecast) - float(actual) * (1 + float(value))
                        if abs(gap) > TOLERANCE_PUPILS:
                            raise ValueError(f"row {label} {phase} {h}: forecast {forecast} and actual {actual} "
                                             f"do not give For_{h}_{p} {value}")
                    given = ", ".join([f"For_{h}_{p}"] + ([f"{name}Forecast{h}"] if forecast else [])
                                      + ([f"{name}NOR"] if actual else []))
                    rows.append({
                        "outturn_year": "" if outturn is None else outturn, "phase": phase, "horizon": h,
                        "accuracy_pct": percent(value), "forecast": forecast, "actual": actual,
                        "scorecard_row": label,
                        "source": f"DfE school places scorecard {release}, row {label} ({given}); {placed}; "
                                  f"{REPOSITORY} commit {row['source_commit'][:8]}, {row['source_path']}",
                    })
    return sorted(rows, key=lambda r: (r["outturn_year"] == "", r["outturn_year"] or 0, r["phase"], r["horizon"]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT.parent / "shared")
    parser.add_argument("--out", type=Path,
                        default=PROJECT / "scenarios" / "herefordshire" / "council_forecast_record.csv")
    args = parser.parse_args(argv)
    rows = build(args.shared)
    write_rows(args.out, COLUMNS, rows)
    unplaced = sum(1 for r in rows if r["outturn_year"] == "")
    print(f"wrote {len(rows)} rows to {args.out}" + (f" ({unplaced} not placed)" if unplaced else ""))


if __name__ == "__main__":
    main()
