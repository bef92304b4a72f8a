"""Build scenarios/herefordshire/dfe_scorecard.csv from DfE's school places scorecard rows.

Source: DfE local authority school places scorecards (built from SCAP), Herefordshire rows labelled
2022/23-2024/25, as stored in ../shared/data/dfe/herefordshire_scorecard_2022-23_to_2024-25.csv
(public repository dfe-analytical-services/la-school-places-scorecards, commit 68b5de19). A row's
`Year` names the SCAP round's base year; places needed, spare and planned places are three years
ahead of it, and its NOR is the January census of the *following* academic year.

    python tools/build_scorecard_table.py [--shared ../shared] [--out scenarios/herefordshire/dfe_scorecard.csv]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SOURCE = "data/dfe/herefordshire_scorecard_2022-23_to_2024-25.csv"
COLUMNS = ["scorecard_row", "base_year", "target_year", "phase", "places_needed", "spare_pct", "planned_places",
           "nor_year", "nor", "capacity", "source"]


def _number(text: str) -> str:
    text = (text or "").strip()
    if text in ("", "z", "x", "c"):
        return ""
    value = float(text)
    return f"{value:.0f}" if value == round(value) else f"{value:.4f}"


def build(shared: Path) -> list[dict]:
    rows = []
    with open(shared / SOURCE, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            base = int(row["Year"][:4])
            for phase, p, name in (("primary", "P", "Pri"), ("secondary", "S", "Sec")):
                spare = (row[f"Quan_{p}_Su"] or "").strip()
                rows.append({
                    "scorecard_row": row["Year"], "base_year": base, "target_year": base + 3, "phase": phase,
                    "places_needed": _number(row[f"Quan_{p}_RP"]),
                    "spare_pct": f"{100 * float(spare):.2f}" if spare not in ("", "z") else "",
                    "planned_places": _number(row[f"Quan_{p}_PP"]), "nor_year": base + 1,
                    "nor": _number(row[f"{name}NOR"]), "capacity": _number(row.get(f"{name}Cap", "")),
                    "source": f"DfE school places scorecard, row {row['Year']} (Quan_{p}_RP, Quan_{p}_Su, "
                              f"Quan_{p}_PP, {name}NOR, {name}Cap)",
                })
    return sorted(rows, key=lambda r: (r["base_year"], r["phase"]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT.parent / "shared")
    parser.add_argument("--out", type=Path, default=PROJECT / "scenarios" / "herefordshire" / "dfe_scorecard.csv")
    args = parser.parse_args(argv)
    rows = build(args.shared)
    write_rows(args.out, COLUMNS, rows)
    print(f"wrote {len(rows)} rows to {args.out}")


def write_rows(path: Path, columns, rows) -> None:
    """Write dict rows as UTF-8 CSV with LF line ends, columns in the given order (also used by the other
    small table builders)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
