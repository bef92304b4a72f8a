"""Output tables for people (CSV) and for machines (Parquet, full precision).

The CSVs are for officers opening them in Excel; each column is shown by its kind in the output
column dictionary (:mod:`placeplan.outputs.columns`):

- **academic years** keep their number and get a label beside them: ``academic_year`` 2023 and
  ``academic_year_label`` ``2023/24`` (a SCAP table that already has ``year_label`` keeps that one);
- **pupils, places and place-years** are whole numbers, by the SCAP return's rule
  (:mod:`placeplan.outputs.scap_rounding`): each figure to the nearest whole number, halves away
  from zero; in a table by year group (one with ``ncy``) the additive figures (not the percentiles)
  of one area, school and year are shared out by the largest-remainder rule, so the year groups add
  up to the rounded whole;
- **pounds** are whole pounds (no decimals, no scientific notation);
- **shares and chances** are **percentages** 0-100 to 1 decimal place, every one with a name ending
  ``_pct`` (a fraction column ``share`` becomes ``share_pct``); figures already in percent keep their
  name; ratios and scores keep 3 decimal places.

The Parquet copy (``data/<table>.parquet``) keeps every figure as computed, with its column names and
types; it is written deterministically (the same table gives the same bytes). Nothing here decides
where files go: the caller passes the paths.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from placeplan.dates import academic_year_label
from placeplan.outputs.columns import column_spec
from placeplan.outputs.scap_rounding import EPS, largest_remainder

WHOLE_KINDS = ("pupils", "places", "place_years")
GROUP_KEYS = ("level", "code", "school_id", "planning_area", "phase", "kind", "academic_year")
_PERCENTILE_SUFFIXES = ("p05", "p50", "p95")


def people_table(stem: str, table: pd.DataFrame) -> pd.DataFrame:
    """The table ``stem`` as shown to people: labels, whole pupils and places, whole pounds, percentages.

    Columns the dictionary does not know are left as they are. Anything but a DataFrame is returned
    unchanged.
    """
    if not isinstance(table, pd.DataFrame):
        return table
    columns: dict[str, pd.Series] = {}
    by_ncy = "ncy" in table.columns
    for name in table.columns:
        values = table[name]
        spec = column_spec(stem, str(name))
        numbers = _numbers(values)
        if spec is None or numbers is None:
            columns[name] = values
            if spec is not None and spec.kind == "year" and not (name == "academic_year" and "year_label" in table):
                columns[f"{name}_label"] = _labels(values)
            continue
        kind = spec.kind
        if kind == "year":
            columns[name] = _whole(numbers)
            if not (name == "academic_year" and "year_label" in table.columns):
                columns[f"{name}_label"] = _labels(numbers)
        elif kind in WHOLE_KINDS:
            additive = by_ncy and not str(name).endswith(_PERCENTILE_SUFFIXES)
            columns[name] = _shared(table, numbers) if additive else _whole(numbers)
        elif kind in ("gbp", "count"):
            columns[name] = _whole(numbers) if _all_whole(numbers) or kind == "gbp" else values
        elif kind == "pct":
            columns[name] = _decimals(numbers, 1)
        elif kind == "share":
            columns[f"{name}_pct"] = _decimals(numbers * 100.0, 1)
        elif kind == "ratio":
            columns[name] = _decimals(numbers, 3)
        else:
            columns[name] = values
    return pd.DataFrame(columns, index=table.index)


def write_people_csv(table, path: Path) -> None:
    """Write a table made by :func:`people_table` (then ``neutralise_formulas``) as UTF-8 CSV."""
    table.to_csv(path, index=False, lineterminator="\n")


def write_data_copy(table: pd.DataFrame, path: Path) -> None:
    """Write the full-precision table as Parquet, the same bytes for the same table.

    Mixed-type text columns (numbers and words in one object column) are written as text. Parquet
    holds no write time; the file records only the pyarrow and pandas versions besides the data.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = table.reset_index(drop=True)
    for name in frame.columns:
        values = frame[name]
        if values.dtype == object:
            kinds = {type(v) for v in values if not _missing(v)}
            if len(kinds) > 1:
                frame[name] = [None if _missing(v) else str(v) for v in values]
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(arrow, path, compression="zstd", write_statistics=False)


def read_data_copy(path) -> pd.DataFrame:
    """A Parquet copy written by :func:`write_data_copy`, back as a DataFrame."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas()


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _numbers(values: pd.Series) -> pd.Series | None:
    """The column as floats when it is numeric (or text holding only numbers and blanks), else None."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    present = values.dropna()
    if present.empty:
        return None
    converted = pd.to_numeric(present, errors="coerce")
    if converted.isna().any():
        return None
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _round_half_away(numbers: pd.Series) -> pd.Series:
    x = numbers.to_numpy(dtype=float)
    return pd.Series(np.sign(x) * np.floor(np.abs(x) + 0.5 + EPS), index=numbers.index)


def _whole(numbers: pd.Series) -> pd.Series:
    """Nearest whole numbers, halves away from zero (SCAP rule 1), as nullable integers."""
    rounded = _round_half_away(numbers)
    return rounded.where(np.isfinite(rounded)).astype("Int64")


def _decimals(numbers: pd.Series, places: int) -> pd.Series:
    scale = 10.0 ** places
    return _round_half_away(numbers * scale) / scale


def _all_whole(numbers: pd.Series) -> bool:
    present = numbers.dropna()
    return bool(np.all(np.abs(present - np.round(present)) < EPS))


def _shared(table: pd.DataFrame, numbers: pd.Series) -> pd.Series:
    """Whole numbers whose year groups add up to their rounded group total (SCAP rules 1-2)."""
    keys = [k for k in GROUP_KEYS if k in table.columns]
    out = _whole(numbers)
    if not keys:
        return out
    exact = numbers.to_numpy(dtype=float)
    finite = np.isfinite(exact)
    if not finite.any():
        return out
    values = out.to_numpy(dtype=float, na_value=np.nan)  # whole numbers, exact as floats
    rows = np.flatnonzero(finite)
    # positions of each group's rows (grouped on the key columns as text; numpy, not row-wise pandas: linear)
    for index in table.loc[finite, keys].astype(str).groupby(keys, sort=False).indices.values():
        try:
            values[rows[index]] = largest_remainder(exact[rows[index]])
        except ValueError:  # cannot happen for finite figures; keep the cell-by-cell rounding
            pass
    return pd.Series(values, index=out.index, name=out.name).astype("Int64")


def _labels(numbers: pd.Series) -> pd.Series:
    def label(value):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if not np.isfinite(number) or number != int(number):
            return None
        return academic_year_label(int(number))

    return pd.Series([label(v) for v in numbers], index=numbers.index, dtype=object)
