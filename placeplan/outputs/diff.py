"""What changed between two runs (``placeplan diff RUN_A RUN_B``): inputs first, then the headline figures.

Inputs come from each run's record (``inputs`` in ``run.json``, ``compare.json``, ``scap.json`` or
``backtest.json``: see :func:`placeplan.outputs.runs.run_inputs`): the command, named scenario,
``--set`` values, seed and draws, placeplan's version, every setting after overrides (by dotted key)
and every table (rows and a hash of its contents).

Headline figures are read from the run's tables, by planning area (and sub-area), phase and academic
year: pupils projected (central), places planned, places needed (central), chance of a shortfall and
spare places (central); specialist places by year; and, for a comparison, each option's summary. A
figure counts as changed when it differs as shown to an officer: places and pupils to the whole
place, chances to the whole percentage point.

:func:`read_run` is the I/O edge; :func:`diff_inputs` and :func:`diff_figures` are pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from placeplan.dates import academic_year_label
from placeplan.outputs.runs import RECORDS


# table -> (key columns, figures): the headline figures compared, where the table has them
HEADLINES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sufficiency": (("planning_area", "phase", "academic_year"),
                    ("demand_central", "places_planned", "places_needed_central", "p_shortfall",
                     "spare_places_central")),
    "sub_area_sufficiency": (("code", "phase", "academic_year"),
                             ("demand_central", "places_planned", "places_needed_central", "p_shortfall",
                              "spare_places_central")),
    "specialist_sufficiency": (("academic_year",),
                               ("specialist_demand_central", "specialist_places_planned", "places_needed_central",
                                "p_shortfall")),
    "options_summary": (("option",),
                        ("window_unmet_primary", "window_unmet_secondary", "window_unmet_secondary_sub_areas",
                         "window_unmet_specialist", "council_net_cost_gbp_mean", "rank")),
}
NAMES = {"sufficiency": "name", "sub_area_sufficiency": "name"}
CHANCES = ("p_shortfall",)
POUNDS = "_gbp"


@dataclass(frozen=True)
class RunRecord:
    """One run folder as read: its folder, input record (empty for runs made before records were kept) and tables."""

    folder: Path
    inputs: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(repr=False)


def read_run(folder: Path) -> RunRecord:
    """Read a run folder's input record and headline tables (the I/O edge of ``diff``)."""
    folder = Path(folder)
    inputs: dict[str, Any] = {}
    for name in RECORDS:
        record = folder / name
        if record.is_file():
            document = json.loads(record.read_text(encoding="utf-8"))
            inputs = document.get("inputs") or {}
            break
    tables = {}
    for stem in HEADLINES:
        table = _read_table(folder, stem)
        if table is not None:
            tables[stem] = table
    return RunRecord(folder, inputs, tables)


def _read_table(folder: Path, stem: str) -> pd.DataFrame | None:
    """A table at full precision (``data/<stem>.parquet`` where the run wrote one), else its CSV."""
    parquet = folder / "data" / f"{stem}.parquet"
    if parquet.is_file():
        try:
            return pd.read_parquet(parquet)
        except ImportError:  # pragma: no cover - pyarrow missing: the CSV has the same figures, rounded
            pass
    csv = folder / f"{stem}.csv"
    return pd.read_csv(csv, dtype={"planning_area": str, "code": str}) if csv.is_file() else None


def diff_inputs(a: dict[str, Any], b: dict[str, Any]) -> pd.DataFrame:
    """The inputs that differ: columns ``what`` (setting, table, run), ``key``, ``a``, ``b`` (as text)."""
    rows = []
    for key in ("command", "scenario", "sets", "seed", "draws", "placeplan_version", "extra"):
        if a.get(key) != b.get(key):
            rows.append(("run", key, _text(a.get(key)), _text(b.get(key))))
    sa, sb = a.get("settings", {}), b.get("settings", {})
    for key in sorted(set(sa) | set(sb), key=_natural):
        if sa.get(key, _MISSING) != sb.get(key, _MISSING):
            rows.append(("setting", key, _text(sa.get(key, _MISSING)), _text(sb.get(key, _MISSING))))
    ta, tb = a.get("tables", {}), b.get("tables", {})
    for name in sorted(set(ta) | set(tb)):
        left, right = ta.get(name), tb.get(name)
        if left != right:
            rows.append(("table", name, _table_text(left), _table_text(right) + _contents_note(left, right)))
    return pd.DataFrame(rows, columns=["what", "key", "a", "b"])


class _Missing:
    def __repr__(self) -> str:
        return "(not set)"


_MISSING = _Missing()


def _natural(key: str) -> list:
    return [int(p) if p.isdigit() else p for p in key.split(".")]


def _text(value: Any) -> str:
    if value is _MISSING or value is None:
        return "(not set)" if value is _MISSING else "none"
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return str(value)


def _table_text(entry: dict | None) -> str:
    return "(no table)" if entry is None else f"{entry['rows']:,} rows"


def _contents_note(left: dict | None, right: dict | None) -> str:
    if left is not None and right is not None and left["rows"] == right["rows"]:
        return " (contents changed)"
    return ""


def diff_figures(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Headline figures that differ as shown (whole places and pupils, whole percentage points, whole pounds).

    Columns: ``table``, ``unit`` (area or sub-area code, option; blank for county-wide tables), ``name``,
    ``phase``, ``academic_year``, ``figure``, ``a``, ``b``, ``change`` (b − a; chances as fractions).
    Rows present in one run only are listed with the other side blank.
    """
    frames = []
    for stem, (keys, figures) in HEADLINES.items():
        if stem not in a or stem not in b:
            continue
        left, right = a[stem], b[stem]
        keys_here = [k for k in keys if k in left.columns and k in right.columns]
        figures_here = [f for f in figures if f in left.columns and f in right.columns]
        if not figures_here or len(keys_here) != len(keys):
            continue
        name_col = NAMES.get(stem)
        merged = left[keys_here + figures_here + ([name_col] if name_col in left.columns else [])].merge(
            right[keys_here + figures_here + ([name_col] if name_col in right.columns else [])],
            on=keys_here, how="outer", suffixes=("_a", "_b"))
        for figure in figures_here:
            va = pd.to_numeric(merged[f"{figure}_a"], errors="coerce").to_numpy(float)
            vb = pd.to_numeric(merged[f"{figure}_b"], errors="coerce").to_numpy(float)
            shown_a, shown_b = _shown(figure, va), _shown(figure, vb)
            changed = ~((shown_a == shown_b) | (np.isnan(shown_a) & np.isnan(shown_b)))
            if not changed.any():
                continue
            part = merged.loc[changed, keys_here].copy()
            frame = pd.DataFrame({
                "table": stem,
                "unit": part[keys_here[0]].astype(str) if keys_here[0] in ("planning_area", "code", "option") else "",
                "name": _names(merged.loc[changed], name_col),
                "phase": part["phase"].astype(str) if "phase" in part else "",
                "academic_year": part["academic_year"].astype("Int64") if "academic_year" in part else pd.NA,
                "figure": figure,
                "a": va[changed], "b": vb[changed],
            })
            frame["change"] = frame["b"] - frame["a"]
            frames.append(frame)
    columns = ["table", "unit", "name", "phase", "academic_year", "figure", "a", "b", "change"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    order = {stem: i for i, stem in enumerate(HEADLINES)}
    out["_t"] = out["table"].map(order)
    out = out.sort_values(["_t", "unit", "phase", "academic_year", "figure"], kind="stable").drop(columns="_t")
    return out.reset_index(drop=True)


def _shown(figure: str, values: np.ndarray) -> np.ndarray:
    """Values rounded as an officer sees them: chances to whole percentage points, the rest to whole units."""
    return np.round(values * 100) if figure in CHANCES else np.round(values)


def _names(rows: pd.DataFrame, name_col: str | None) -> pd.Series:
    if not name_col:
        return pd.Series([""] * len(rows), index=rows.index)
    a = rows.get(f"{name_col}_a", pd.Series(index=rows.index, dtype=object))
    b = rows.get(f"{name_col}_b", pd.Series(index=rows.index, dtype=object))
    return a.where(a.notna(), b).fillna("").astype(str)


def format_diff(a: RunRecord, b: RunRecord, inputs: pd.DataFrame, figures: pd.DataFrame, most: int | None = 60) -> str:
    """The diff as text for the terminal: inputs, then figures (the first ``most`` rows; None for all)."""
    lines = [f"A: {a.folder}", f"B: {b.folder}", ""]
    if not a.inputs or not b.inputs:
        missing = " and ".join(str(r.folder.name) for r in (a, b) if not r.inputs)
        lines.append(f"Inputs: not recorded for {missing} (a run made before placeplan kept input records).")
    elif inputs.empty:
        lines.append("Inputs: the same (settings, tables, seed, draws and version).")
    else:
        lines.append(f"Inputs: {len(inputs)} changed")
        for row in inputs.itertuples(index=False):
            lines.append(f"  {row.what} {row.key}: {row.a} -> {row.b}")
    lines.append("")
    if figures.empty:
        lines.append("Headline figures: none changed (whole places and pupils, whole percentage points).")
        return "\n".join(lines)
    lines.append(f"Headline figures: {len(figures):,} changed (whole places and pupils, whole percentage points; "
                 "change = B - A)")
    shown = figures if most is None else figures.head(most)
    rows = [("table", "unit", "name", "phase", "year", "figure", "A", "B", "change")]
    for row in shown.itertuples(index=False):
        year = "" if pd.isna(row.academic_year) else academic_year_label(int(row.academic_year))
        rows.append((row.table, row.unit, row.name[:28], row.phase, year, row.figure,
                     _figure_text(row.figure, row.a), _figure_text(row.figure, row.b),
                     _figure_text(row.figure, _shown_change(row.figure, row.a, row.b), signed=True)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        lines.append("  " + "  ".join(cell.rjust(w) if i >= 6 else cell.ljust(w)
                                      for i, (cell, w) in enumerate(zip(r, widths))).rstrip())
    if most is not None and len(figures) > most:
        lines.append(f"  ... and {len(figures) - most:,} more (--all lists every one)")
    return "\n".join(lines)


def _shown_change(figure: str, a: float, b: float) -> float:
    """B − A as shown: the difference of the rounded figures, so the columns add up on the screen."""
    if figure in CHANCES:
        return (np.round(b * 100) - np.round(a * 100)) / 100
    return float(np.round(b) - np.round(a))


def _figure_text(figure: str, value: float, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if figure in CHANCES:
        text = f"{value * 100:+.0f}%" if signed else f"{value * 100:.0f}%"
    elif POUNDS in figure:
        text = f"£{value:+,.0f}" if signed else f"£{value:,.0f}"
    else:
        text = f"{value:+,.0f}" if signed else f"{value:,.0f}"
    return text
