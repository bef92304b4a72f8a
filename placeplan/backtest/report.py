"""Plain-text, fixed-width tables of back-test results (for the terminal and logs)."""

from __future__ import annotations

import math

import pandas as pd

from placeplan.backtest.metrics import PHASES

PHASE_LABELS = {"primary": "primary", "secondary": "secondary", "sixth_form": "sixth form"}


def _num(x, fmt: str, width: int) -> str:
    """A number right-aligned in ``width``; ``-`` when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-".rjust(width)
    return format(x, fmt).rjust(width)


def _policy_text(policy) -> str:
    if policy.ratio_method == "national_local":
        alpha = policy.deviation_alpha
        return f"national + local (deviation alpha {alpha if alpha == 'auto' else format(alpha, 'g')})"
    method = policy.ratio_method.replace("_", " ")
    return f"{policy.ratio_window}-year {method}"


def format_comparison(result) -> str:
    """The compact method-vs-naive table of a :class:`~placeplan.backtest.BacktestResult`.

    One line per phase and horizon (years ahead; 6+ pooled): DfE forecast accuracy (mean
    over base years, and mean of its absolute value), MAPE at planning area x NCY level with
    the ratio method / naive, and the 90% / 95% interval coverage at planning area x NCY
    level. Sixth form has no DfE accuracy (DfE leaves Y12-13 out).
    """
    c = result.comparison
    bases = result.base_years
    lines = [
        f"Back-test: base years {bases[0]}-{bases[-1]} ({len(bases)}), {result.draws} draws, seed {result.seed}",
        f"method: {_policy_text(result.policy)} ratios;  naive: last year's ratios (1-year window)",
        "DfE accuracy = (sum forecast - sum actual) / sum actual, authority total, mean over base years "
        "(+ = over-forecast)",
        "",
        f"{'':<10} {'years':>5} {'base':>4}  {'DfE accuracy %':^15}  {'|DfE accuracy| %':^15}  "
        f"{'MAPE % (area x NCY)':^21}  {'coverage 90% / 95%':^23}",
        f"{'phase':<10} {'ahead':>5} {'yrs':>4}  {'method':>7}{'naive':>8}  {'method':>7}{'naive':>8}  "
        f"{'method':>7}{'naive':>7}{'ratio':>7}  {'method':>11}{'naive':>12}",
    ]
    lines.append("-" * len(lines[-1]))
    for phase in PHASES:
        rows = c[c["phase"] == phase]
        for _, r in rows.iterrows():
            cov_m = f"{_num(r['coverage90_method'], '.2f', 4)}/{_num(r['coverage95_method'], '.2f', 4)}"
            cov_n = f"{_num(r['coverage90_naive'], '.2f', 4)}/{_num(r['coverage95_naive'], '.2f', 4)}"
            lines.append(
                f"{PHASE_LABELS[phase]:<10} {r['horizon']:>5} {int(r['n_base']):>4}  "
                f"{_num(r['dfe_accuracy_pct_method'], '+.2f', 7)}{_num(r['dfe_accuracy_pct_naive'], '+.2f', 8)}  "
                f"{_num(r['abs_accuracy_pct_method'], '.2f', 7)}{_num(r['abs_accuracy_pct_naive'], '.2f', 8)}  "
                f"{_num(r['mape_pct_method'], '.2f', 7)}{_num(r['mape_pct_naive'], '.2f', 7)}"
                f"{_num(r['mape_ratio'], '.2f', 7)}  {cov_m:>11}{cov_n:>12}")
    lines.append("")
    lines.append("ratio = MAPE method / MAPE naive (below 1: the method beats carrying last year's ratios forward).")
    lines.append("Ranges: each method's simulations replay its own record of errors known at the base year "
                 "(docs/ranges.md); the first base year has none yet.")
    return "\n".join(lines)


def format_national(result, horizons: tuple[str, ...] = ("1", "3")) -> str:
    """The national distribution of DfE accuracy across LAs (a :class:`NationalResult`), plain text.

    One line per phase, horizon (default 1 and 3 years ahead, as DfE reports) and method:
    median [p10, p90] across LAs of each LA's mean accuracy over base years, the same for
    its absolute value, and England (sum over LAs).
    """
    d = result.distribution
    bases = result.base_years
    n_la = int(d["n_la"].max()) if len(d) else 0
    alphas = getattr(result, "alphas", None)
    alpha_text = ("" if alphas is None or not len(alphas) else
                  "national_local deviation alpha by base year: " + ", ".join(
                      f"{int(r.base_year)} {r.deviation_alpha:g}" for r in alphas.itertuples()))
    lines = [
        f"National back-test: {n_la} LAs, base years {bases[0]}-{bases[-1]}, {result.draws} draws; "
        f"method {_policy_text(result.policy)}, naive 1-year window, national_local = national ratio (latest, "
        f"shock years {', '.join(str(y) for y in result.policy.national_shock_years) or 'none'} skipped) + "
        f"smoothed LA deviation",
        "per LA: DfE accuracy averaged over base years; across LAs: median [10th, 90th percentile]",
    ] + ([alpha_text] if alpha_text else []) + [
        "",
        f"{'phase':<10} {'years':>5} {'':<14} {'LAs':>4}  {'DfE accuracy %':^24}  {'|DfE accuracy| %':^24}  "
        f"{'England %':>9}",
    ]
    lines.append("-" * len(lines[-1]))
    for phase in ("primary", "secondary"):
        for horizon in horizons:
            for method in ("method", "naive", "national_local"):
                r = d[(d["phase"] == phase) & (d["horizon"] == horizon) & (d["method"] == method)]
                if r.empty:
                    continue
                r = r.iloc[0]
                acc = (f"{_num(r['dfe_accuracy_pct_median'], '+.2f', 6)} [{_num(r['dfe_accuracy_pct_p10'], '+.2f', 6)},"
                       f"{_num(r['dfe_accuracy_pct_p90'], '+.2f', 6)}]")
                absolute = (f"{_num(r['abs_accuracy_pct_median'], '.2f', 6)} "
                            f"[{_num(r['abs_accuracy_pct_p10'], '.2f', 6)},{_num(r['abs_accuracy_pct_p90'], '.2f', 6)}]")
                lines.append(f"{PHASE_LABELS[phase]:<10} {horizon:>5} {method:<14} {int(r['n_la']):>4}  {acc:>24}  "
                             f"{absolute:>24}  {_num(r['england_pct'], '+.2f', 9)}")
    if len(result.excluded):
        lines.append("")
        lines.append("left out: " + "; ".join(f"{r.la_code} {r.la_name} ({r.reason})"
                                              for r in result.excluded.itertuples()))
    return "\n".join(lines)




def _blank(x) -> bool:
    """None, NaN or pandas' NA."""
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _acc(value, hit=None) -> str:
    """'+1.02%', with '*' when ``hit`` is False (the outturn fell outside the 90% range); '-' when blank."""
    if _blank(value):
        return "-"
    return f"{value:+.2f}%" + ("*" if not _blank(hit) and not bool(hit) else "")


def format_ledger(ledger, horizons: tuple[int, ...] = (1, 3)) -> str:
    """The forecast-vs-outturn ledger as a short plain-text table (primary and secondary).

    One line per phase and outturn year: the actual (``obs`` marks an observed total, not a
    year-group census), then for each horizon placeplan's DfE accuracy (``*``: the actual fell
    outside its 90% range) and the council's SCAP accuracy for the same year and horizon.
    """
    from placeplan.backtest.ledger import ledger_view

    if ledger is None or len(ledger) == 0:
        return "Forecast vs outturn: no rows (no base year with a later outturn)."
    view = ledger_view(ledger, horizons)
    head = f"{'phase':<10} {'year':<7} {'actual':>8}     " + "".join(
        f"{f'{h} yr placeplan':>15}{f'{h} yr council':>14}" for h in horizons)
    lines = ["Forecast vs outturn: DfE accuracy (forecast - actual) / actual, authority total (+ = over-forecast)",
             "", head, "-" * len(head)]
    for row in view.to_dict("records"):
        actual = "-" if _blank(row["actual"]) else f"{row['actual']:,.0f}"
        source = "obs" if row["actual_source"] == "observed total" else "   "
        cells = "".join(f"{_acc(row[f'accuracy_pct_{h}'], row[f'in_range_{h}']):>15}"
                        f"{_acc(row[f'council_accuracy_pct_{h}']):>14}" for h in horizons)
        year = int(row["outturn_year"])
        lines.append(f"{PHASE_LABELS[row['phase']]:<10} {year}/{(year + 1) % 100:02d} {actual:>8} {source} {cells}")
    lines += ["", "obs = an observed January total after the year-group history; * = outside placeplan's 90% range."]
    return "\n".join(lines)


EVENT_TEXT = {"places": "pupils > places (current places, no programme)",
              "growth": "year group larger than at the base year"}


def format_reliability(result, horizon: str = "1-5") -> str:
    """How reliable the method's chances were: reliability tables (one horizon group) and Brier scores.

    ``result`` is a :class:`~placeplan.backtest.BacktestResult` or :class:`NationalResult` (its
    ``reliability`` and ``brier`` tables). Per event: for each band of predicted chance, the
    forecasts in it, their mean chance and how often the event happened, with a 90% interval; then
    the Brier score per horizon group and its skill against the out-of-sample climatology.
    """
    table, brier = getattr(result, "reliability", None), getattr(result, "brier", None)
    if table is None or table.empty:
        return "Reliability of the chances: no record (the back-test ran without draws)."
    scope = str(table["scope"].iloc[0])
    lines = [f"Reliability of the chances ({scope}, method, years ahead {horizon} pooled): "
             "when placeplan said p, how often did it happen?"]
    for event, rows in table[table["horizon"] == horizon].groupby("event", sort=False):
        head = f"  {'band':<12} {'n':>7} {'said':>7} {'happened':>9} {'90% interval':>15}"
        lines += ["", f"{event}: {EVENT_TEXT.get(event, event)}", head, "  " + "-" * (len(head) - 2)]
        for r in rows.itertuples():
            lines.append(f"  {r.band:<12} {r.n:>7,} {r.mean_predicted:>7.1%} {r.observed:>9.1%} "
                         f"{f'{r.lo90:.1%}-{r.hi90:.1%}':>15}")
    if brier is not None and not brier.empty:
        head = (f"  {'event':<7} {'years':>5} {'n':>7} {'Brier':>7} {'climatology':>12} {'skill':>7} "
                f"{'in-sample skill':>16}")
        lines += ["", "Brier score (0 = perfect; always 50% = 0.25); skill = 1 - BS / BS_climatology",
                  "(climatology: the event's share so far, as known at each base year; skill on those forecasts)",
                  head, "  " + "-" * (len(head) - 2)]
        for r in brier.itertuples():
            lines.append(f"  {r.event:<7} {r.horizon:>5} {r.n:>7,} {_num(r.brier, '.3f', 7)} "
                         f"{_num(r.brier_climatology, '.3f', 12)} {_num(r.skill, '+.2f', 7)} "
                         f"{_num(r.skill_in_sample, '+.2f', 16)}")
    return "\n".join(lines)
