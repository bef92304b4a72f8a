"""The national back-test as a benchmark: the three methods side by side, and the targets they are held to.

Accuracy is DfE's (:mod:`placeplan.backtest.metrics`): |sum forecast - sum actual| / sum actual for an
authority's primary (R-Y6) or secondary (Y7-Y11) pupils, one forecast per authority and base year.
It is summarised two ways, as the national back-test's tables do: the median over every authority x
base-year pair (``distribution_la_year``), and the median over authorities of each one's mean over
base years (``distribution``). Coverage is of the empirical ranges (the national_local method's own,
drawn at each base year from its record of earlier outcomes), for authority totals and for cells
(authority x year group).

Targets (issue 11): national_local beats both the 3-year mean and naive in both phases at every
horizon 1-5 (pairs basis); primary <= 0.42% / 0.95% and secondary <= 0.36% / 1.03% at 1 / 3 years;
95% ranges hold 93-97% of cells and at least 90% of authority totals at every horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

METHOD_LABELS = {"method": "3-year mean", "naive": "naive", "national_local": "national_local"}
ACCURACY_TARGETS = {("primary", "1"): 0.42, ("primary", "3"): 0.95, ("secondary", "1"): 0.36,
                    ("secondary", "3"): 1.03}
CELL_BAND = (0.93, 0.97)
TOTAL_FLOOR = 0.90
HORIZONS = ("1", "2", "3", "4", "5", "6+")


@dataclass(frozen=True)
class Target:
    """One benchmark target: what is asked, what was measured, and whether it was met."""

    name: str
    measured: str
    met: bool


def accuracy_table(result) -> pd.DataFrame:
    """Median |DfE accuracy| [%] per phase, horizon label and method, on both bases.

    Columns phase, horizon, basis (``pairs``: authority x base year; ``per_la``: each authority's
    mean over base years), and one column per method.
    """
    frames = []
    for basis, table in (("pairs", result.distribution_la_year), ("per_la", result.distribution)):
        wide = table.pivot_table(index=["phase", "horizon"], columns="method", values="abs_accuracy_pct_median")
        frames.append(wide.reset_index().assign(basis=basis))
    out = pd.concat(frames, ignore_index=True)
    return out[["phase", "horizon", "basis", *[m for m in METHOD_LABELS if m in out.columns]]]


def targets(result) -> list[Target]:
    """Every target of the module docstring, measured on a national back-test result."""
    acc = accuracy_table(result)
    pairs = acc[acc["basis"] == "pairs"].set_index(["phase", "horizon"])
    out = []
    for phase in ("primary", "secondary"):
        for h in HORIZONS[:5]:
            row = pairs.loc[(phase, h)]
            new, mean, naive = row["national_local"], row["method"], row["naive"]
            out.append(Target(f"{phase} {h} yr: national_local beats the reference method and naive",
                              f"{new:.3f} vs {mean:.3f} / {naive:.3f}", bool(new < mean and new < naive)))
    for (phase, h), limit in ACCURACY_TARGETS.items():
        value = pairs.loc[(phase, h), "national_local"]
        out.append(Target(f"{phase} {h} yr: national_local <= {limit:.2f}%", f"{value:.3f}", bool(value <= limit)))
    cells = result.cell_coverage[result.cell_coverage["method"] == "national_local"]
    totals = result.coverage[result.coverage["method"] == "national_local"]
    for phase in ("primary", "secondary"):
        for h in HORIZONS:
            c = cells[(cells["phase"] == phase) & (cells["horizon"] == h)]["coverage95"]
            if len(c):
                v = float(c.iloc[0])
                out.append(Target(f"{phase} {h} yr: 95% range holds 93-97% of cells", f"{v:.1%}",
                                  CELL_BAND[0] <= v <= CELL_BAND[1]))
            t = totals[(totals["phase"] == phase) & (totals["horizon"] == h)]["coverage95"]
            if len(t):
                v = float(t.iloc[0])
                out.append(Target(f"{phase} {h} yr: 95% range holds >= 90% of authority totals", f"{v:.1%}",
                                  v >= TOTAL_FLOOR))
    return out


def method_labels(policy=None) -> dict[str, str]:
    """Column labels: ``method`` named from the policy tested (e.g. "3-year mean"), the other two fixed."""
    labels = dict(METHOD_LABELS)
    if policy is not None and policy.ratio_method != "national_local":
        kind = {"mean": "mean", "weighted_mean": "weighted", "exp_smoothing": "smoothed"}.get(policy.ratio_method,
                                                                                           policy.ratio_method)
        labels["method"] = f"{policy.ratio_window}-year {kind}"
    return labels


def format_benchmark(result, seconds: float | None = None) -> str:
    """The benchmark as plain text: accuracy on both bases, coverage at 80/90/95%, the targets met or missed."""
    acc = accuracy_table(result)
    labels = method_labels(getattr(result, "policy", None))
    methods = [m for m in labels if m in acc.columns]
    lines = [f"National back-test benchmark: {int(result.distribution['n_la'].max())} LAs, base years "
             f"{result.base_years[0]}-{result.base_years[-1]}, {result.draws} draws"
             + (f", {seconds:.1f} s" if seconds is not None else ""),
             "median |DfE accuracy| %: pairs = over LA x base year; per LA = over LAs of their mean over base years",
             "", f"{'phase':<10} {'years':>5} {'basis':<7} " + " ".join(f"{labels[m]:>15}" for m in methods)]
    lines.append("-" * len(lines[-1]))
    for phase in ("primary", "secondary"):
        for h in HORIZONS:
            for basis in ("pairs", "per_la"):
                row = acc[(acc["phase"] == phase) & (acc["horizon"] == h) & (acc["basis"] == basis)]
                if row.empty:
                    continue
                values = row.iloc[0]
                best = min(values[m] for m in methods)
                cells = [f"{values[m]:.3f}{'*' if values[m] == best else ' '}" for m in methods]
                lines.append(f"{phase:<10} {h:>5} {basis:<7} " + " ".join(f"{c:>15}" for c in cells))
    lines += ["* best of the three", "", "Coverage of national_local's ranges (share of outcomes inside):",
              f"{'phase':<10} {'years':>5} {'totals 80/90/95%':>20} {'cells 80/90/95%':>20}"]
    for phase in ("primary", "secondary", "sixth_form"):
        for h in HORIZONS:
            parts = []
            for table in (result.coverage, result.cell_coverage):
                r = table[(table["method"] == "national_local") & (table["phase"] == phase) & (table["horizon"] == h)]
                parts.append("/".join(f"{r.iloc[0][f'coverage{lv}']:.0%}" for lv in ("80", "90", "95"))
                             if len(r) else "-")
            lines.append(f"{phase:<10} {h:>5} {parts[0]:>20} {parts[1]:>20}")
    found = targets(result)
    lines += ["", f"Targets: {sum(t.met for t in found)} of {len(found)} met"]
    lines += [f"  {'met ' if t.met else 'MISS'}  {t.name}: {t.measured}" for t in found]
    return "\n".join(lines)


def local_calibration(result) -> pd.DataFrame:
    """Coverage of a scenario back-test's ranges (the policy's method) at 80/90/95%, per phase and horizon label.

    ``level`` ``cells`` is planning area x year group (``detail``), ``authority`` the authority's phase
    totals; base years without a range (the first) are left out. Columns level, phase, horizon, n,
    coverage80, coverage90, coverage95.
    """
    from placeplan.backtest.metrics import horizon_label, inside

    frames = []
    for level, table in (("cells", result.detail), ("authority", result.authority)):
        rows = table[(table["method"] == "method") & table["lo90"].notna() & table["actual"].notna()]
        if level == "cells":
            rows = rows[rows["forecast"] > 0]
        scored = rows.assign(horizon=horizon_label(rows["horizon"]),
                             **{f"in{lv}": inside(rows["actual"], rows[f"lo{lv}"], rows[f"hi{lv}"])
                                for lv in ("80", "90", "95")})
        out = scored.groupby(["phase", "horizon"]).agg(n=("in90", "size"), coverage80=("in80", "mean"),
                                                        coverage90=("in90", "mean"), coverage95=("in95", "mean"))
        frames.append(out.reset_index().assign(level=level))
    out = pd.concat(frames, ignore_index=True)
    return out[["level", "phase", "horizon", "n", "coverage80", "coverage90", "coverage95"]]


def format_local_calibration(result) -> str:
    """The scenario back-test's coverage at 80/90/95% by planning area x year group and for authority totals."""
    table = local_calibration(result)
    lines = ["Coverage of the method's ranges (share of census outcomes inside), base years with an earlier "
             "outcome; targets: 95% ranges hold 93-97% of cells, at least 90% of authority totals",
             f"{'phase':<10} {'years':>5} {'cells n':>8} {'cells 80/90/95%':>17} {'totals n':>9} {'totals 80/90/95%':>17}"]
    for phase in ("primary", "secondary", "sixth_form"):
        for h in HORIZONS:
            parts = []
            for level in ("cells", "authority"):
                r = table[(table["level"] == level) & (table["phase"] == phase) & (table["horizon"] == h)]
                if r.empty:
                    parts += ["-", "-"]
                    continue
                r = r.iloc[0]
                parts += [f"{int(r['n']):,}", "/".join(f"{r[f'coverage{lv}']:.0%}" for lv in ("80", "90", "95"))]
            lines.append(f"{phase:<10} {h:>5} {parts[0]:>8} {parts[1]:>17} {parts[2]:>9} {parts[3]:>17}")
    return "\n".join(lines)
