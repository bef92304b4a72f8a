"""Sections 5 and 6: options compared on common random numbers, and back-test accuracy."""

from __future__ import annotations

import pandas as pd

from placeplan.outputs.report import charts
from placeplan.outputs.report.blocks import Image, Table
from placeplan.outputs.fmt import ay, gbp, is_blank, num, pct, signed

PHASES = ("primary", "secondary", "specialist")
FUNDER_WORDS = {"council_borrowing": "its own borrowing", "basic_need_grant": "Basic Need grant",
                "high_needs_capital": "High Needs capital grant", "dfe_free_schools": "DfE free-schools capital",
                "s106_developer": "developer contributions", "other": "others' contributions"}
WHERE_ROWS = 3  # units shown per option in "where each option makes a difference"


def ranked(summary: pd.DataFrame) -> pd.DataFrame:
    """Options in the comparison's rank order (:mod:`placeplan.capital.appraisal`), what-ifs last, with
    ``unmet_total`` (the ranking's unmet place-years)."""
    from placeplan.capital.appraisal import appraise

    frame = summary if "rank" in summary else appraise(summary) if "window_first_year" in summary else summary
    frame = frame.sort_values("rank", kind="stable", na_position="last") if "rank" in frame else frame
    frame = frame.copy()
    frame["unmet_total"] = frame["unmet_window"] if "unmet_window" in frame else frame[
        [c for c in frame.columns if c.startswith("unmet_place_years_")]].sum(axis=1)
    return frame.reset_index(drop=True)


def _window_text(order: pd.DataFrame) -> str:
    if "window_first_year" not in order:
        return "the projection"
    return f"{ay(int(order['window_first_year'].iloc[0]))} to {ay(int(order['window_last_year'].iloc[0]))}"


def _phase_columns(order: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, unmet column) the ranking counts, one a phase: 'secondary (sub-areas)' where sub-areas are counted."""
    from placeplan.capital.appraisal import SUB_AREAS, ranking_unmet_columns

    out = []
    for column in ranking_unmet_columns(order):
        phase = column.removeprefix("window_unmet_")
        label = phase.removesuffix(SUB_AREAS) + (" (sub-areas)" if phase.endswith(SUB_AREAS) else "")
        out.append((label, column))
    return out


def _value(v: dict, key: str, default=None):
    value = v.get(key, default)
    return default if is_blank(value) else value


def _spare_keys(v: dict) -> list[tuple[str, str]]:
    """(phase, column) of the spare place-years shown: sub-areas' where the comparison has them."""
    keys = []
    for phase in ("primary", "secondary"):
        key = f"window_spare_place_years_{phase}"
        key = key + "_sub_areas" if key + "_sub_areas" in v else key
        if not is_blank(v.get(key)):
            keys.append((phase, key))
    return keys


def _spare(v: dict) -> list[str]:
    return [f"{phase} {num(v[key])}" for phase, key in _spare_keys(v)] or ["–"]


def _choice_rows(order: pd.DataFrame, phases) -> list[list]:
    rows = []
    for r in order.itertuples(index=False):
        v = r._asdict()
        unmet = [f"{label} {num(v[c])}" for label, c in phases]
        chance = [f"{label} {pct(v[c.replace('window_unmet_', 'window_p_any_shortfall_')])}" for label, c in phases
                  if not is_blank(v.get(c.replace("window_unmet_", "window_p_any_shortfall_")))]
        added = [f"{signed(v[c])} {c.removeprefix('places_added_')}" for c in order.columns
                 if c.startswith("places_added_") and c != "places_added_total" and not is_blank(v[c]) and v[c]]
        name = [f"{int(v['rank'])}. {v['option']}" if not is_blank(v.get("rank")) else str(v["option"]),
                str(v.get("description", ""))]
        late = _value(v, "p_opens_after_window", 0.0)
        if late > 0.005:
            name.append(f"({pct(late)} of simulations open a project after the window)")
        bridge = _value(v, "temporary_places_cost_gbp", 0.0)
        per = v.get("cost_per_place_year_avoided_gbp")
        council = [gbp(_value(v, "council_capital_cost_gbp_p50"))]
        if not is_blank(v.get("borrowing_cost_gbp_mean")):
            council.append(f"borrowing {gbp(v['borrowing_cost_gbp_mean'])}")
        rows.append([name, [*unmet, f"(temporary places {gbp(bridge)})"] if bridge else unmet,
                     [num(_value(v, "avoided", 0.0))], chance, _spare(v), council, gbp(_value(v, "extra_cost_gbp")),
                     "–" if is_blank(per) else gbp(per), added or ["–"]])
    return rows


def _what_if_rows(order: pd.DataFrame, base: dict, phases) -> list[list]:
    rows = []
    for r in order.itertuples(index=False):
        v = r._asdict()
        change = [f"{label} {signed(round(v[c] - base[c]))}" for label, c in phases]
        chance = [f"{label} {pct(v[k])} (base {pct(base[k])})" for label, c in phases
                  if not is_blank(v.get(k := c.replace("window_unmet_", "window_p_any_shortfall_")))]
        spare = [f"{phase} {signed(round(v[key] - base[key]))}" for phase, key in _spare_keys(v)]
        council = _value(v, "council_capital_cost_gbp_mean", 0.0) - _value(base, "council_capital_cost_gbp_mean", 0.0)
        total = _value(v, "capital_cost_gbp_mean", 0.0) - _value(base, "capital_cost_gbp_mean", 0.0)
        rows.append([[str(v["option"]), str(v.get("description", ""))], change, chance, spare or ["–"],
                     [f"{'+' if council >= 0 else '−'}{gbp(abs(council))} to the council",
                      f"({'+' if total >= 0 else '−'}{gbp(abs(total))} in all)"]])
    return rows


def options_section(comparison) -> dict:
    """Ranked choices, what-ifs against the base, where each makes a difference, cost against risk, projects added."""
    from placeplan.capital.appraisal import RULE

    if comparison is None or comparison.summary.empty:
        return {"available": False}
    order = ranked(comparison.summary)
    window = _window_text(order)
    phases = _phase_columns(order)
    kinds = order["kind"] if "kind" in order else pd.Series("choice", index=order.index)
    choices, what_ifs = order[kinds != "what_if"], order[kinds == "what_if"]
    base = order[order["option"] == "base"].iloc[0].to_dict()
    table = Table(f"Choices ranked by net council cost per unmet place-year avoided against the base (appraisal "
                  f"window {window})",
                  ["Option", "Unmet place-years (expected)", "Avoided", "Chance of a shortfall",
                   "Spare place-years (expected)", "Council cost to spend (median; borrowing)",
                   "Net extra cost, after residual value", "Per place-year avoided", "Places added"],
                  _choice_rows(choices, phases), [False, *[True] * 8], css="options",
                  widths=[20, 12, 7, 11, 11, 11, 10, 10, 8], strong_first=True)
    what_if = None
    if len(what_ifs):
        what_if = Table("What-ifs against the base: what may happen to the plan, not chosen, so not ranked "
                        f"({window})",
                        ["What if", "Change in unmet place-years (expected)", "Chance of any shortfall",
                         "Change in spare place-years", "Change in cost still to spend (mean)"],
                        _what_if_rows(what_ifs, base, phases), [False, True, True, True, True],
                        widths=[34, 18, 18, 14, 16], strong_first=True)
    points = [charts.OptionPoint(str(r["option"]), float(_value(r, "extra_cost_gbp", 0.0)),
                                 float(_value(r, "avoided", 0.0)), int(r["rank"]) if not is_blank(r.get("rank")) else i + 1)
              for i, (_, r) in enumerate(choices.iterrows())]
    first = choices.iloc[0]
    alt = (f"Scatter chart of {len(points)} choices: net extra council cost over the base against unmet place-years "
           f"avoided over {window}. Ranked first: {first['option']}, net extra cost "
           f"{gbp(first.get('extra_cost_gbp'))}, {num(_value(first, 'avoided', 0.0))} place-years avoided. "
           + "; ".join(f"{p.rank}. {p.label}: {gbp(p.extra_cost)}, {num(p.avoided)} avoided" for p in points) + ".")
    image = Image(charts.options_tradeoff_chart(points), alt,
                  "Cost against risk: each choice's net extra council cost over the base and the unmet place-years it "
                  "avoids; up and to the left is better (the base sits at zero, zero).")
    info = comparison.run_info
    lives = (info.get("asset_life_years"), info.get("temporary_asset_life_years"))
    funders = [FUNDER_WORDS.get(f, f.replace("_", " ")) for f in info.get("council_funders", ())]
    return {"available": True, "table": table, "what_if": what_if, "where": _where(comparison, order),
            "image": image, "adds": _added_projects(comparison),
            "draws": comparison.run_info.get("draws"), "seed": comparison.run_info.get("seed"),
            "unmet_phases": [label for label, _ in phases], "rule": RULE, "window": window,
            "lives": lives, "council_funders": funders, "sub_areas": any(c.endswith("_sub_areas") for _, c in phases)}


def _where(comparison, order: pd.DataFrame) -> Table | None:
    """For each option, the units (planning areas, sub-areas) whose expected unmet or spare place-years over the
    window change most against the base: where the option makes its difference."""
    detail = comparison.detail
    needed = {"option", "level", "unit", "name", "phase", "academic_year", "places_needed_mean", "spare_places_mean"}
    if detail.empty or not needed <= set(detail.columns) or "window_first_year" not in order:
        return None
    window = detail[detail["academic_year"] >= int(order["window_first_year"].iloc[0])]
    totals = window.groupby(["option", "level", "unit", "name", "phase"], sort=False)[
        ["places_needed_mean", "spare_places_mean"]].sum()
    base = totals.xs("base", level="option")
    rows = []
    for option in order["option"]:
        if option == "base" or option not in totals.index.get_level_values("option"):
            continue
        diff = (totals.xs(option, level="option") - base.reindex(totals.xs(option, level="option").index)).fillna(0)
        size = diff["places_needed_mean"].abs() + 0.01 * diff["spare_places_mean"].abs()  # unmet first, then spare
        top = size[size >= 0.5].sort_values(ascending=False, kind="stable").head(WHERE_ROWS)
        for (level, unit, name, phase) in top.index:
            d = diff.loc[(level, unit, name, phase)]
            b = base.loc[(level, unit, name, phase)]
            rows.append([str(option), f"{name} ({phase}{', sub-area' if level == 'sub_area' else ''})",
                         f"{num(b['places_needed_mean'])} → {num(b['places_needed_mean'] + d['places_needed_mean'])}",
                         f"{num(b['spare_places_mean'])} → {num(b['spare_places_mean'] + d['spare_places_mean'])}"])
    if not rows:
        return None
    return Table(f"Where each option makes a difference: the {WHERE_ROWS} areas whose place-years over the window "
                 "change most against the base",
                 ["Option", "Area", "Unmet place-years: base → option", "Spare place-years: base → option"],
                 rows, [False, False, True, True], widths=[24, 40, 18, 18])


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
