"""Build scenarios/herefordshire/national_ratios.csv: national pooled ratio histories from the committed national tables.

Source: scenarios/national/pupils_by_la.csv and births_by_la.csv (built by tools/build_national_data.py from
DfE's school census and ONS births). For every academic year and ratio (reception = Reception / births five
years earlier; y1 ... y13 = that year group / the year group below a year earlier), the national ratio is the
sum of numerators over the sum of denominators of every authority where both are known
(placeplan.backtest.national.national_history, the same pooling the national back-test uses). Reads only the
committed tables, so it runs without ../shared; rerun it whenever they change (e.g. re-aligned births).

    python tools/build_national_reference.py [--national scenarios/national] [--out scenarios/herefordshire/national_ratios.csv]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tools"))

from build_scorecard_table import write_rows  # noqa: E402

from placeplan.backtest.national import national_history, national_ratio_table, read_national_tables  # noqa: E402

COLUMNS = ["academic_year", "ratio", "national_ratio", "numerator", "denominator", "n_la", "source"]
SOURCE = "scenarios/national (DfE school census by LA, ONS births by LA), pooled over authorities"


def build(national: Path) -> list[dict]:
    """Rows of the table, numbers written with fixed precision (ratio 6 decimals, counts whole)."""
    table = national_ratio_table(national_history(*read_national_tables(national)), SOURCE)
    return [{"academic_year": int(r.academic_year), "ratio": r.ratio, "national_ratio": f"{r.national_ratio:.6f}",
             "numerator": f"{r.numerator:.0f}", "denominator": f"{r.denominator:.0f}", "n_la": int(r.n_la),
             "source": r.source} for r in table.itertuples(index=False)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", type=Path, default=PROJECT / "scenarios" / "national")
    parser.add_argument("--out", type=Path, default=PROJECT / "scenarios" / "herefordshire" / "national_ratios.csv")
    args = parser.parse_args(argv)
    rows = build(args.national)
    write_rows(args.out, COLUMNS, rows)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
