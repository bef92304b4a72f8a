"""Writing results: a run's files are published as one complete folder, or not at all.

Publishing (:func:`write_outputs`) works on whole folders, beside the output folder ``out``:

1. A fresh staging folder ``.<out name>.staging-<pid>-<random>`` is made next to ``out``. It
   starts as a copy of ``out``'s current contents (hard links where the file system allows, so
   no data is copied), so files an earlier command wrote there (say ``report.html`` when only
   the SCAP return is written now) are kept. Every new file is then written into it; a file of
   the same name is unlinked first, so a hard-linked published file is never written through.
2. ``out`` is renamed to ``.<out name>.old-<pid>-<random>`` and the staging folder is renamed to
   ``out``: two atomic renames on one file system.
3. The old folder is removed.

So the published location always holds one complete set of files, the old or the new, or, for
the instant between the two renames, nothing; never a mix. A run killed at any point leaves at
most a stray staging or old folder, and the next publish to the same ``out`` cleans up first:
when ``out`` is missing it renames the old folder back (the previous complete set), and it
removes every stray staging and old folder whose process is no longer running.

Two commands publishing to the same folder at the same moment are not coordinated: the later
rename wins, and each set stays complete.

Text cells of every CSV that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(and are not just a number, such as ``-5``) are written with a leading ``'`` so a spreadsheet
shows them as text rather than running them as a formula (:func:`neutralise_formulas`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from placeplan.outputs.people import people_table, write_data_copy, write_people_csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

# Test hook: called with the name of each publishing step ("staging", "staged", "moved_old",
# "published"), so a test can kill the process between steps. None in normal use.
STEP_HOOK: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if STEP_HOOK is not None:
        STEP_HOOK(name)


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """The table with each text cell that a spreadsheet would run as a formula prefixed by ``'``.

    Only text cells are changed: numeric columns, numbers in mixed columns and text that is just a
    number (``-5``, ``+1.5``) are left as they are.
    """
    if not isinstance(table, pd.DataFrame):
        return table
    out = None
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if not any(formula_like(v) for v in values):
            continue
        if out is None:
            out = table.copy()
        out[column] = [("'" + v) if formula_like(v) else v for v in values]
    return table if out is None else out


def formula_like(value: Any) -> bool:
    """Whether a cell value is text a spreadsheet would run as a formula (not just a number such as ``-5``)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value)


def write_outputs(out_dir: Path, tables: dict[str, pd.DataFrame], documents: dict[str, Any],
                  blobs: dict[str, bytes] | None = None) -> list[Path]:
    """Write tables as CSV, documents as JSON and blobs (report, workbook) as bytes, all or nothing.

    The folder ``out_dir`` is replaced as a whole by a complete copy holding its earlier files
    and the new ones (see the module docstring). Returns the paths written.
    """
    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    tag = f"{os.getpid()}-{secrets.token_hex(4)}"
    staging = out_dir.parent / f".{out_dir.name}.staging-{tag}"
    old = out_dir.parent / f".{out_dir.name}.old-{tag}"
    try:
        if out_dir.is_dir():
            shutil.copytree(out_dir, staging, symlinks=True, copy_function=_link_or_copy,
                            ignore=shutil.ignore_patterns(".staging-*"))
        else:
            staging.mkdir()
        names = []
        for stem, table in tables.items():
            target = _fresh(staging / f"{stem}.csv")
            write_people_csv(neutralise_formulas(people_table(stem, table)), target)
            names.append(target.name)
            if isinstance(table, pd.DataFrame):  # the full-precision copy, for machines
                (staging / "data").mkdir(exist_ok=True)
                write_data_copy(table, _fresh(staging / "data" / f"{stem}.parquet"))
                names.append(f"data/{stem}.parquet")
            _step("staging")
        for name, document in documents.items():
            _fresh(staging / name).write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
            names.append(name)
        for name, blob in (blobs or {}).items():
            _fresh(staging / name).write_bytes(blob)
            names.append(name)
        _step("staged")
        if out_dir.exists() or out_dir.is_symlink():
            os.rename(out_dir, old)
            _step("moved_old")
        os.rename(staging, out_dir)
        _step("published")
    finally:
        if old.exists() and not (out_dir.exists() or out_dir.is_symlink()):
            os.rename(old, out_dir)  # a failure between the renames: the old set goes back
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return [out_dir / name for name in names]


def out_dir_problem(out_dir: Path) -> str | None:
    """Why ``out_dir`` cannot be published to (a message naming it), or None when it can.

    It must be a folder, or a path that can be created, whose parent folder (the nearest one that
    exists, when the path is new) is writable: publishing renames the folder itself. It must not be
    the working folder or hold it, since the whole folder is replaced. Nothing is created here.
    """
    shown = str(out_dir)
    target = Path(out_dir).absolute()
    if target.exists() and not target.is_dir():
        return f"output folder {shown}: {target} is a file, not a folder (expected a folder or a new path)"
    here = Path.cwd().resolve()
    if target.resolve() == here or target.resolve() in here.parents:
        return f"output folder {shown} is the working folder or holds it (expected a folder of its own, e.g. reports/x)"
    existing = target.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"output folder {shown} is under the file {existing} (expected a folder or a new path)"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"output folder {shown} cannot be written: the folder {existing} is not writable"
    if target.is_dir() and not os.access(target, os.R_OK | os.X_OK):
        return f"output folder {shown} cannot be read to keep its files (expected a readable folder)"
    return None


def recover(out_dir: Path) -> list[Path]:
    """Tidy what an interrupted publish to ``out_dir`` left beside it; returns the folders removed.

    A missing ``out_dir`` with an old folder beside it (a run killed between its two renames) gets
    the old folder back. Stray staging and old folders of processes no longer running are removed.
    """
    out_dir = Path(out_dir).absolute()
    strays = [p for p in sorted(out_dir.parent.glob(f".{out_dir.name}.*-*"))
              if _kind(p, out_dir) and not _running(p)]
    olds = [p for p in strays if _kind(p, out_dir) == "old"]
    if olds and not (out_dir.exists() or out_dir.is_symlink()):
        newest = max(olds, key=lambda p: p.stat().st_mtime)
        os.rename(newest, out_dir)
        strays.remove(newest)
    for stray in strays:
        shutil.rmtree(stray, ignore_errors=True)
    for legacy in out_dir.glob(".staging-*") if out_dir.is_dir() else ():  # the earlier in-folder staging
        shutil.rmtree(legacy, ignore_errors=True)
        strays.append(legacy)
    return strays


def _kind(path: Path, out_dir: Path) -> str | None:
    match = re.fullmatch(re.escape(f".{out_dir.name}.") + r"(staging|old)-(\d+)-[0-9a-f]+", path.name)
    return match.group(1) if match and path.is_dir() and not path.is_symlink() else None


def _running(path: Path) -> bool:
    pid = int(path.name.rsplit("-", 2)[-2])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fresh(path: Path) -> Path:
    """``path``, unlinked first when it exists (it may be a hard link to a published file)."""
    if path.is_symlink() or path.exists():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return path


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def save_results(results, out_dir: Path, scap=None, inputs: dict | None = None) -> list[Path]:
    """Save everything a run produces into ``out_dir``, all or nothing.

    The run's CSV tables, the SCAP return (``scap_*.csv``, ``scap_validation.csv`` and
    ``scap_return.xlsx``; ``scap``: a ``ScapReturn`` already built), the report (``report.html``,
    ``report.pdf``, with the back-test when the run made one) and ``run.json`` (with ``inputs``, the
    record :func:`placeplan.outputs.runs.run_inputs` made, when given: ``placeplan diff`` reads it).
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
    if inputs is not None:
        info["inputs"] = inputs
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


def save_scap(scap, out_dir: Path, inputs: dict | None = None) -> list[Path]:
    """Save just a SCAP return (``ScapReturn``): ``scap_return.xlsx`` and ``scap_validation.csv``, all or nothing
    (with ``scap.json`` holding the run's ``inputs`` record when given)."""
    from placeplan.outputs.scap import scap_workbook

    documents = {"scap.json": {"inputs": inputs}} if inputs is not None else {}
    return write_outputs(out_dir, {"scap_validation": scap.validation_table()}, documents,
                         blobs={"scap_return.xlsx": scap_workbook(scap.results, scap)})


def save_comparison(comparison, results, out_dir: Path, inputs: dict | None = None) -> list[Path]:
    """Save an option comparison (CSVs, ``compare.json``, with the ``inputs`` record when given) with its report."""
    from placeplan.outputs.report import render_report

    html, pdf = render_report(results, comparison, backtest=results.backtest)
    info = dict(comparison.run_info, **({"inputs": inputs} if inputs is not None else {}))
    return write_outputs(out_dir, comparison.tables(), {"compare.json": info},
                         blobs={"report.html": html.encode("utf-8"), "report.pdf": pdf})
