"""Build scenarios/herefordshire/forecast_errors.csv: the national record of out-of-sample forecasts.

Every English LA in the committed national tables (scenarios/national/pupils_by_la.csv and
births_by_la.csv, themselves built from DfE's school census and ONS births by
tools/build_national_data.py) is projected from every origin its history allows, as the national
back-test does, with the projection policy of the Herefordshire default scenario, and each
central forecast is written beside the census count it forecast, by LA, origin, horizon and year
group. placeplan draws the default's ranges from this record (placeplan.demand.intervals): the
national part of past errors and an authority's deviation from it. Needs no ../shared.

    python tools/build_forecast_errors.py [--national scenarios/national] [--scenario scenarios/herefordshire.yaml]
                                          [--out scenarios/herefordshire/forecast_errors.csv]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from placeplan.backtest.core import base_years  # noqa: E402
from placeplan.backtest.national import (chosen_alphas, national_history, national_series,  # noqa: E402
                                         read_national_tables)
from placeplan.backtest.record import national_record  # noqa: E402
from placeplan.scenario.load import load_scenario  # noqa: E402

COLUMNS = ["unit", "base_year", "horizon", "ncy", "forecast", "actual"]


def build(national: Path, scenario: Path):
    """The record table, rounded (forecast 0.1 pupil, actual whole pupils), sorted."""
    pupils, births = read_national_tables(national)
    policy = load_scenario(scenario).config.policy
    national = national_history(pupils, births)
    alphas = chosen_alphas(national, base_years(national.years[0], national.years[-1], 1))
    record = national_record(national_series(pupils, births)[0], policy, national=national, alphas=alphas)
    record = record.assign(forecast=record["forecast"].round(1), actual=record["actual"].round(0).astype(int))
    return record.sort_values(["unit", "base_year", "horizon", "ncy"], kind="stable")[COLUMNS]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", type=Path, default=PROJECT / "scenarios" / "national")
    parser.add_argument("--scenario", type=Path, default=PROJECT / "scenarios" / "herefordshire.yaml")
    parser.add_argument("--out", type=Path, default=PROJECT / "scenarios" / "herefordshire" / "forecast_errors.csv")
    args = parser.parse_args(argv)
    table = build(args.national, args.scenario)
    args.out.write_text(table.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    print(f"wrote {len(table)} rows ({table['unit'].nunique()} LAs, origins {table['base_year'].min()}-"
          f"{table['base_year'].max()}) to {args.out}")


if __name__ == "__main__":
    main()
