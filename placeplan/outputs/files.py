"""Writing results: every file is written to a staging folder first, then moved into place."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def write_outputs(out_dir: Path, tables: dict[str, pd.DataFrame], documents: dict[str, Any],
                  blobs: dict[str, bytes] | None = None) -> list[Path]:
    """Write tables as CSV, documents as JSON and blobs (report, workbook) as bytes, all or nothing.

    Everything is written into a staging folder beside ``out_dir``; only when every file is
    complete are they moved into place (an atomic rename each), so a failed run never leaves
    a half-written file. Returns the paths written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        names = []
        for stem, table in tables.items():
            table.to_csv(staging / f"{stem}.csv", index=False, lineterminator="\n", float_format="%.6g")
            names.append(f"{stem}.csv")
        for name, document in documents.items():
            (staging / name).write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
            names.append(name)
        for name, blob in (blobs or {}).items():
            (staging / name).write_bytes(blob)
            names.append(name)
        written = []
        for name in names:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def save_results(results, out_dir: Path, scap=None) -> list[Path]:
    """Save everything a run produces into ``out_dir``, all or nothing.

    The run's CSV tables, the SCAP return (``scap_*.csv``, ``scap_validation.csv`` and
    ``scap_return.xlsx``; ``scap``: a ``ScapReturn`` already built), the report (``report.html``,
    ``report.pdf``, with the back-test when the run made one) and ``run.json``.
    """
    from placeplan.outputs.report import render_report
    from placeplan.outputs.scap import scap_return, scap_workbook

    scap = scap_return(results) if scap is None else scap
    tables = {**results.tables(), **{f"scap_{name}": table for name, table in scap.tables.items()},
              "scap_validation": scap.validation_table()}
    if results.backtest is not None:
        tables["backtest"] = results.backtest.comparison
    html, pdf = render_report(results, backtest=results.backtest)
    tables = {name: with_year_status(table, results.scenario.config.meta.base_year) for name, table in tables.items()}
    info = {**results.run_info, "run_at": dt.datetime.now().isoformat(timespec="seconds")}  # not deterministic
    return write_outputs(out_dir, tables, {"run.json": info},
                         blobs={"scap_return.xlsx": scap_workbook(results, scap),
                                "report.html": html.encode("utf-8"), "report.pdf": pdf})


def with_year_status(table: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """The table with ``year_status`` after ``academic_year``: ``outturn`` up to the base year, else ``forecast``."""
    if not isinstance(table, pd.DataFrame) or "academic_year" not in table.columns or "year_status" in table.columns \
            or table.empty:
        return table
    out = table.copy()
    years = pd.to_numeric(out["academic_year"], errors="coerce")
    out.insert(out.columns.get_loc("academic_year") + 1, "year_status",
               np.where(years <= base_year, "outturn", "forecast"))
    return out


def save_scap(scap, out_dir: Path) -> list[Path]:
    """Save just a SCAP return (``ScapReturn``): ``scap_return.xlsx`` and ``scap_validation.csv``, all or nothing."""
    from placeplan.outputs.scap import scap_workbook

    return write_outputs(out_dir, {"scap_validation": scap.validation_table()}, {},
                         blobs={"scap_return.xlsx": scap_workbook(scap.results, scap)})


def save_comparison(comparison, results, out_dir: Path) -> list[Path]:
    """Save an option comparison (CSVs, ``compare.json``) with its report into ``out_dir``."""
    from placeplan.outputs.report import render_report

    html, pdf = render_report(results, comparison, backtest=results.backtest)
    return write_outputs(out_dir, comparison.tables(), {"compare.json": comparison.run_info},
                         blobs={"report.html": html.encode("utf-8"), "report.pdf": pdf})
