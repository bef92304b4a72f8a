"""Sections 5 and 6: options compared on common random numbers, and back-test accuracy."""

from __future__ import annotations

import pandas as pd

from placeplan.outputs.report import charts
from placeplan.outputs.report.blocks import Image, Table
from placeplan.outputs.fmt import ay, gbp, gbp_range, is_blank, num, pct, signed

PHASES = ("primary", "secondary", "specialist")


def ranked(summary: pd.DataFrame) -> pd.DataFrame:
    """Options in the comparison's rank order (:mod:`placeplan.capital.appraisal`), with ``unmet_total``."""
    from placeplan.capital.appraisal import appraise

    frame = summary if "rank" in summary else appraise(summary) if "window_first_year" in summary else summary
    frame = frame.sort_values("rank", kind="stable") if "rank" in frame else frame
    frame = frame.copy()
    unmet = [c for c in frame.columns if c.startswith("window_unmet_")] or \
        [c for c in frame.columns if c.startswith("unmet_place_years_")]
    frame["unmet_total"] = frame[unmet].sum(axis=1) if unmet else 0.0
    return frame.reset_index(drop=True)


def _window_text(order: pd.DataFrame) -> str:
    if "window_first_year" not in order:
        return "the projection"
    return f"{ay(int(order['window_first_year'].iloc[0]))} to {ay(int(order['window_last_year'].iloc[0]))}"


def options_section(comparison) -> dict:
    """Ranked table, cost-against-risk chart and the projects each option adds (or how to get a comparison)."""
    from placeplan.capital.appraisal import RULE, cost_column

    if comparison is None or comparison.summary.empty:
        return {"available": False}
    order = ranked(comparison.summary)
    phases = [p for p in PHASES if f"window_unmet_{p}" in order or f"unmet_place_years_{p}" in order]
    prefix = "window_unmet_" if "window_first_year" in order else "unmet_place_years_"
    chance_prefix = "window_p_any_shortfall_" if "window_first_year" in order else "p_any_shortfall_"
    cost = cost_column(order)
    who = "to the council" if cost.startswith("council") else "in all"
    rows = []
    for r in order.itertuples(index=False):
        v = r._asdict()
        unmet = [f"{p} {num(v[f'{prefix}{p}'])}" for p in phases if f"{prefix}{p}" in v]
        chance = [f"{p} {pct(v[f'{chance_prefix}{p}'])}" for p in phases if f"{chance_prefix}{p}" in v]
        added = [f"{signed(v[c])} {c.removeprefix('places_added_')}" for c in order.columns
                 if c.startswith("places_added_") and c != "places_added_total" and not is_blank(v[c]) and v[c]]
        late = v.get("p_opens_after_window")
        name = [f"{v.get('rank', '')}. {v['option']}", str(v.get("description", ""))]
        if late is not None and not is_blank(late) and late > 0.005:
            name.append(f"({pct(late)} of simulations open a project after the window)")
        per = v.get("cost_per_place_year_avoided_gbp")
        spare = [f"{p} {num(v[f'window_spare_place_years_{p}'])}" for p in ("primary", "secondary")
                 if f"window_spare_place_years_{p}" in v and not is_blank(v[f"window_spare_place_years_{p}"])]
        bridge = v.get("temporary_places_cost_gbp")
        rows.append([name, [*unmet, f"(temporary places meanwhile {gbp(bridge)})"] if not is_blank(bridge)
                     and bridge else unmet, [num(v.get("avoided", 0.0))], chance, spare or ["–"],
                     [gbp(v.get("capital_cost_gbp_p50")),
                      f"({gbp_range(v.get('capital_cost_gbp_p05'), v.get('capital_cost_gbp_p95'))})"],
                     gbp(v.get("extra_cost_gbp")), "–" if is_blank(per) else gbp(per), added])
    window = _window_text(order)
    table = Table(f"Options ranked by cost per unmet place-year avoided against the base (appraisal window {window})",
                  ["Option", f"Unmet place-years, {window} (expected)", "Avoided against the base",
                   "Chance of any shortfall in the window", "Spare place-years in the window (expected)",
                   "Capital cost still to spend: median (90% range)",
                   f"Extra cost over the base {who} (mean)", "Cost per unmet place-year avoided", "Places added"],
                  rows, [False, True, True, True, True, True, True, True, True], css="options",
                  widths=[22, 12, 8, 11, 11, 12, 8, 8, 8], strong_first=True)
    points = [charts.OptionPoint(str(r["option"]), float(r.get("extra_cost_gbp", 0.0) or 0.0),
                                 float(r["unmet_total"]), int(r.get("rank", i + 1)))
              for i, (_, r) in enumerate(order.iterrows())]
    first = order.iloc[0]
    alt = (f"Scatter chart of {len(order)} options: extra capital cost over the base against expected unmet "
           f"place-years over {window}. Ranked first: {first['option']}, extra cost {gbp(first.get('extra_cost_gbp'))}, "
           f"{num(first['unmet_total'])} unmet place-years. "
           + "; ".join(f"{p.rank}. {p.label}: {gbp(p.extra_cost)}, {num(p.unmet)}" for p in points) + ".")
    image = Image(charts.options_tradeoff_chart(points), alt,
                  "Cost against risk: each option's extra cost over the base and the place-years still unmet; "
                  "down and to the left is better.")
    return {"available": True, "table": table, "image": image, "adds": _added_projects(comparison),
            "draws": comparison.run_info.get("draws"), "seed": comparison.run_info.get("seed"),
            "unmet_phases": phases, "rule": RULE, "window": window}


def _added_projects(comparison) -> Table | None:
    """Projects an option adds to the base programme (or changes), with their simulated opening."""
    openings = comparison.openings
    if openings.empty or "option" not in openings:
        return None
    base = openings[openings["option"] == "base"]
    base_keys = {(r.project, r.planned_opening_year) for r in base.itertuples()}
    rows = []
    for r in openings[openings["option"] != "base"].itertuples():
        if (r.project, r.planned_opening_year) in base_keys:
            continue
        rows.append([str(r.option), str(r.name), ay(r.planned_opening_year),
                     pct(r.p_on_time) if not is_blank(r.p_on_time) else str(getattr(r, "delivery_state", "")),
                     f"{ay(r.opening_year_p50)} ({ay(r.opening_year_p05)} to {ay(r.opening_year_p95)})",
                     f"{gbp(getattr(r, 'cost_gbp_p50', None))}"])
    if not rows:
        return None
    return Table("Projects each option adds or re-times, as simulated",
                 ["Option", "Project", "Planned opening", "Chance on time", "Most likely opening (90% range)",
                  "Cost, median"], rows, [False, False, True, True, True, True], widths=[22, 28, 11, 11, 17, 11])


BACKTEST_WORDS = {"dfe": "DfE", "mape": "MAPE", "pct": "%", "abs": "absolute", "n": "number of",
                  "coverage90": "90% range coverage", "coverage95": "95% range coverage", "base": "base years"}
MAX_COLUMNS = 8  # a wider back-test table is split, repeating its key columns


def backtest_heading(column: str) -> str:
    """'dfe_accuracy_pct_method' -> 'DfE accuracy %, method'; 'n_base' -> 'Number of base years'."""
    name = str(column)
    suffix = ""
    for end in ("method", "naive"):
        if name.endswith("_" + end):
            name, suffix = name[: -len(end) - 1], f", {end}"
    words = [BACKTEST_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words) + suffix
    return text[:1].upper() + text[1:]


def _headline(frame: pd.DataFrame) -> str:
    """Primary and secondary, one and three years ahead: the method against the naive reference."""
    needed = {"phase", "horizon", "dfe_accuracy_pct_method", "dfe_accuracy_pct_naive"}
    if not needed <= set(frame.columns):
        return ""
    parts = []
    for phase in ("primary", "secondary"):
        for horizon in ("1", "3"):
            rows = frame[(frame["phase"] == phase) & (frame["horizon"].astype(str) == horizon)]
            if rows.empty or is_blank(rows.iloc[0]["dfe_accuracy_pct_method"]):
                continue
            r = rows.iloc[0]
            text = (f"{phase} {horizon} year{'s' if horizon != '1' else ''} ahead: accuracy "
                    f"{r['dfe_accuracy_pct_method']:+.2f}% (naive {r['dfe_accuracy_pct_naive']:+.2f}%)")
            if "coverage90_method" in r and not is_blank(r["coverage90_method"]):
                text += f", 90% range held {pct(r['coverage90_method'])} of actual figures"
            parts.append(text)
    return ("In this back-test: " + "; ".join(parts) + ".") if parts else ""


def backtest_section(backtest) -> dict:
    """Back-test tables with a one-paragraph explanation (or how to get one)."""
    frame = getattr(backtest, "comparison", None) if backtest is not None else None
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return {"available": False}
    columns = list(frame.columns)
    keys = [c for c in columns if not pd.api.types.is_float_dtype(frame[c])][:3]
    rest = [c for c in columns if c not in keys]
    chunks = [rest[i:i + MAX_COLUMNS - len(keys)] for i in range(0, len(rest), max(MAX_COLUMNS - len(keys), 1))] or [[]]
    tables = []
    for n, chunk in enumerate(chunks, start=1):
        shown = keys + chunk
        rows = [[_cell(c, r[c]) for c in shown] for _, r in frame.iterrows()]
        numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in shown]
        part = f" ({n} of {len(chunks)})" if len(chunks) > 1 else ""
        tables.append(Table(f"Back-test: forecast accuracy against actual pupil numbers{part}",
                            [backtest_heading(c) for c in shown], rows, numeric, row_header=False, css="backtest"))
    lower = " ".join(c.lower() for c in columns)
    text = ["A back-test re-runs the projection from past base years using only the data available then, and "
            "compares each forecast with the pupils who actually came, one and more years ahead, as DfE's forecast "
            "accuracy scorecard does: accuracy = (forecast - actual) ÷ actual, so a positive figure is an "
            "over-forecast."]
    if "mape" in lower:
        text.append("MAPE is the mean absolute percentage error across planning areas and year groups: the typical "
                    "size of an error whatever its sign.")
    if "coverage" in lower:
        text.append("Coverage is the share of actual figures that fell inside the simulated range (90% or 95%): a "
                    "range that is honest about uncertainty covers close to that share.")
    if "naive" in lower:
        text.append("The naive reference carries the latest ratios forward without averaging, so the table shows "
                    "whether the method earns its complexity (a ratio below 1 means the method's errors are smaller).")
    headline = _headline(frame)
    return {"available": True, "text": " ".join(text), "headline": headline, "tables": tables}


def _cell(column: str, value) -> str:
    """A back-test value as text: years plain, counts with separators, rates to two decimals."""
    if is_blank(value):
        return "–"
    if hasattr(value, "item"):
        value = value.item()  # numpy scalar -> Python
    name = column.lower()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and "year" in name and float(value).is_integer() and 1900 < value < 2200:
        return str(int(value))
    if isinstance(value, int):
        return num(value)
    if isinstance(value, float):
        if "coverage" in name and 0 <= value <= 1:
            return pct(value)
        return f"{value:,.2f}"
    return str(value)
