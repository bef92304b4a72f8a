"""Timings of placeplan's projection engine, against a plain-Python reference of the same arithmetic.

Usage::

    python benchmarks/bench_projection.py [--draws 10000] [--reference-draws 200] [--repeat 3]

Times (best of ``--repeat`` runs, ``time.perf_counter``):

1. the Herefordshire default projection (``demand_inputs`` once, then ``project``) with 1
   and with 10,000 Monte Carlo draws, vectorised over draws;
2. a straightforward reference written below: the same cohort arithmetic and the same
   Monte Carlo components, as plain Python loops over draws, areas, year groups and years
   (run on fewer draws and scaled per draw). It first checks that its central projection
   equals the engine's (``numpy.testing.assert_allclose``), so both compute the same thing;
3. the Herefordshire back-test (8 base years x 2 methods, 200 draws);
4. the national back-test (every LA of ``scenarios/national``, 100 draws);
5. the capital-programme simulation of Herefordshire's live projects (ms per draw).

Figures from one machine are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from placeplan.backtest import backtest, national_backtest, read_national_tables  # noqa: E402
from placeplan.backtest.benchmark import format_benchmark  # noqa: E402
from placeplan.backtest.core import naive_policy, with_policy  # noqa: E402
from placeplan.backtest.national import (chosen_alphas, national_history, national_local_policy,  # noqa: E402
                                         national_series)
from placeplan.backtest.record import national_record, scenario_errors  # noqa: E402
from placeplan.scenario.schema import Policy  # noqa: E402
from placeplan.capital.simulate import simulate_programme  # noqa: E402
from placeplan.demand import UncertaintySettings, demand_inputs, project  # noqa: E402
from placeplan.demand.cohorts import central_ratios  # noqa: E402
from placeplan.demand.housing import BUILD_UP, YEAR_GROUPS  # noqa: E402
from placeplan.demand.inputs import RECEPTION_AGE  # noqa: E402
from placeplan.demand.uncertainty import residual_pool  # noqa: E402
from placeplan.pipeline import live_projects  # noqa: E402
from placeplan.scenario.load import load_scenario  # noqa: E402


def best_of(repeat: int, func, *args, **kwargs) -> tuple[float, object]:
    """Shortest wall time of ``repeat`` calls [s], and the last result."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


# ---------------------------------------------------------------- the reference: plain loops
def _triangular(u: float, low: float, mode: float, high: float) -> float:
    if high <= low:
        return low
    cut = (mode - low) / (high - low)
    if u < cut:
        return low + math.sqrt(u * (high - low) * (mode - low))
    return high - math.sqrt((1 - u) * (high - low) * (high - mode))


def reference_project(inputs, draws: int, rng: np.random.Generator | None,
                      settings: UncertaintySettings = UncertaintySettings()) -> tuple[list, list]:
    """The cohort projection as plain Python loops, one draw at a time.

    Same arithmetic as ``placeplan.demand.project``: Reception = ratio x births(t - 5);
    year group g = progression x year group g - 1 a year earlier; Year 7 = pooled transfer
    x the authority's Year 6 a year earlier; sixth form by staying-on; pupils from excess
    completions x delivery x yield / year groups, built up 50% then 100%. Monte Carlo: a
    persistent resampled residual per area and ratio, a fresh one x ``year_noise`` per
    year, births with their interval / widening random walk shared by areas, triangular
    delivery and yields. The ratio averaging (``central_ratios``) and residual pools are the
    engine's (estimation, done once); the per-draw work is all here. ``rng`` None gives the
    central projection (one draw, no noise).

    Returns primary[draw][area][ncy 0-6][year] and secondary[draw][area][ncy 7-13][year] as
    nested lists [pupils].
    """
    ratios = central_ratios(inputs)
    n_p, n_s, n_y = len(inputs.primary_areas), len(inputs.secondary_areas), len(inputs.years)
    years = [int(y) for y in inputs.years]
    b0 = int(inputs.birth_years[0])
    pool_p = residual_pool(ratios.primary_history, inputs.policy, settings.residual_scope)
    pool_s = residual_pool(ratios.secondary_history, inputs.policy, settings.residual_scope)
    vals_p, cnt_p = pool_p.values.tolist(), pool_p.counts.tolist()
    vals_s, cnt_s = pool_s.values.tolist(), pool_s.counts.tolist()
    rp0, rs0 = ratios.primary.tolist(), ratios.secondary.tolist()
    births0, sd0 = inputs.births.tolist(), inputs.births_sd.tolist()
    kinds = inputs.births_kind
    known = [i for i, k in enumerate(kinds) if k != "projected"]
    last_known = known[-1] if known else -1
    dwellings, planned = inputs.dwellings.tolist(), inputs.planned.tolist()
    hy = [int(y) for y in inputs.housing_years]
    base, window = int(inputs.base_year), inputs.policy.ratio_window
    share = inputs.secondary_share.tolist()
    start_p = np.nan_to_num(inputs.primary_nor[..., -1]).tolist()
    start_s = np.nan_to_num(inputs.secondary_nor[..., -1]).tolist()
    central = rng is None
    out_p, out_s = [], []
    for _ in range(1 if central else draws):
        def pick(vals, cnt, a, k):
            n = cnt[a][k]
            if n == 0:
                return 0.0
            return vals[a][k][min(int(rng.random() * n), n - 1)]

        # persistent ratios of this draw
        if central:
            rp = [row[:] for row in rp0]
            rs = [row[:] for row in rs0]
        else:
            rp = [[max(rp0[a][k] + pick(vals_p, cnt_p, a, k), 0.0) for k in range(7)] for a in range(n_p)]
            rs = [[max(rs0[a][k] + pick(vals_s, cnt_s, a, k), 0.0) for k in range(7)] for a in range(n_s)]
        # births of this draw (one factor per birth year, shared by areas)
        births = [row[:] for row in births0]
        if not central:
            walk = 0.0
            for j in range(len(kinds)):
                z = rng.standard_normal()
                k = j - last_known
                relative = 0.0
                if k >= 1 and settings.births_rate > 0:
                    walk += rng.standard_normal() * settings.births_rate * math.sqrt(2 * k - 1)
                    relative = walk * min(1.0, settings.births_cap / (settings.births_rate * k))
                for a in range(n_p):
                    widen = kinds[j] == "projected" and sd0[a][j] == 0
                    births[a][j] = max(births0[a][j] * (1 + (relative if widen else 0.0)) + sd0[a][j] * z, 0.0)
        delivery = inputs.delivery_factor * (1.0 if central else _triangular(rng.random(), *settings.delivery))
        yields = (list(inputs.yields) if central else
                  [_triangular(rng.random(), inputs.yields_low[i], inputs.yields[i], inputs.yields_high[i])
                   for i in range(3)])
        # cohorts, year by year
        state_p = [row[:] for row in start_p]
        state_s = [row[:] for row in start_s]
        res_p = [[[0.0] * n_y for _ in range(7)] for _ in range(n_p)]
        res_s = [[[0.0] * n_y for _ in range(7)] for _ in range(n_s)]
        for i, year in enumerate(years):
            if central or settings.year_noise == 0:
                yp, ys = rp, rs
            else:
                yp = [[max(rp[a][k] + settings.year_noise * pick(vals_p, cnt_p, a, k), 0.0) for k in range(7)]
                      for a in range(n_p)]
                ys = [[max(rs[a][k] + settings.year_noise * pick(vals_s, cnt_s, a, k), 0.0) for k in range(7)]
                      for a in range(n_s)]
            year6 = 0.0
            for a in range(n_p):
                year6 += state_p[a][6]
            new_s = []
            for a in range(n_s):
                row = [ys[a][0] * year6]
                for g in range(1, 7):
                    row.append(ys[a][g] * state_s[a][g - 1])
                new_s.append(row)
            new_p = []
            column = year - RECEPTION_AGE - b0
            for a in range(n_p):
                row = [yp[a][0] * births[a][column]]
                for g in range(1, 7):
                    row.append(yp[a][g] * state_p[a][g - 1])
                new_p.append(row)
            state_p, state_s = new_p, new_s
            for a in range(n_p):
                for g in range(7):
                    res_p[a][g][i] = state_p[a][g]
            for a in range(n_s):
                for g in range(7):
                    res_s[a][g][i] = state_s[a][g]
        # pupils from new homes above the ratio-window rate
        for a in range(n_p):
            mean = sum(dwellings[a][j] for j, y in enumerate(hy) if base - window < y <= base) / window
            stock = [0.0] * n_y
            for j, c in enumerate(hy):
                if c < base or c > years[-1]:
                    continue
                built = dwellings[a][j] * (delivery if planned[a][j] else 1.0)
                excess = max(built - mean, 0.0)
                for i, year in enumerate(years):
                    lag = year - c
                    if lag >= 1:
                        stock[i] += excess * BUILD_UP[min(lag - 1, len(BUILD_UP) - 1)]
            for i in range(n_y):
                for g in range(7):
                    res_p[a][g][i] += stock[i] * yields[0] / YEAR_GROUPS[0]
                for s in range(n_s):
                    for g in range(7):
                        per = yields[1] / YEAR_GROUPS[1] if g < 5 else yields[2] / YEAR_GROUPS[2]
                        res_s[s][g][i] += stock[i] * share[a][s] * per
        out_p.append(res_p)
        out_s.append(res_s)
    return out_p, out_s


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000, help="draws of the big vectorised run")
    ap.add_argument("--reference-draws", type=int, default=200, help="draws of the reference loop (scaled per draw)")
    ap.add_argument("--national-draws", type=int, default=100)
    ap.add_argument("--capital-draws", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = ap.parse_args(argv)
    r = args.repeat

    scenario = load_scenario(ROOT / "scenarios" / "herefordshire.yaml")
    config = scenario.config
    print(f"placeplan benchmarks: Python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}, best of {r}")
    # The engine-vs-loop comparison runs the arithmetic on the 3-year mean ratios (the loop has no
    # national_local estimation; the estimation is shared anyway, only the roll-forward is timed).
    mean = with_policy(scenario, config.policy.model_copy(update={"ratio_method": "mean"}))
    t_inputs, inputs = best_of(r, demand_inputs, mean)
    # ... and the pooled Year 7 transfer the loop implements (the default's school matrix is a separate step)
    # The loop implements the per-area ratio resampling (no pooling across areas, no county-wide block,
    # every history year a residual): the engine is run with the same settings, so both do the same work.
    inputs = dataclasses.replace(inputs, transfer=None, estimated_years=())
    loop = UncertaintySettings(intervals="resample", pool_areas=False, common=False)
    n_p, n_s = len(inputs.primary_areas), len(inputs.secondary_areas)
    print(f"\nHerefordshire projection: {n_p} primary + {n_s} secondary areas x 7 year groups x "
          f"{inputs.horizon} years; inputs from tables {t_inputs * 1e3:.1f} ms")

    # the reference agrees with the engine on the central projection
    engine_central = project(inputs, settings=loop)
    ref_p, ref_s = reference_project(inputs, 1, None, loop)
    np.testing.assert_allclose(np.array(ref_p[0]), engine_central.central_primary, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(np.array(ref_s[0]), engine_central.central_secondary, rtol=1e-10, atol=1e-9)
    print("  check: reference loop == engine on the central projection (assert_allclose, rtol 1e-10)")
    # ... and on the Monte Carlo spread (different random numbers, same distribution)
    check_draws = 400
    ref_mc = np.array(reference_project(inputs, check_draws, np.random.default_rng(1), loop)[0])
    eng_mc = project(inputs, draws=check_draws, rng=2, settings=loop).primary
    total_ref, total_eng = ref_mc.sum(axis=(1, 2))[:, -1], eng_mc.sum(axis=(1, 2))[:, -1]
    print(f"  check: primary total in {int(inputs.years[-1])}, sd over {check_draws} draws: reference "
          f"{total_ref.std():.0f}, engine {total_eng.std():.0f} pupils")

    t1, _ = best_of(r, project, inputs, draws=1, rng=np.random.default_rng(0), settings=loop)
    tc, _ = best_of(r, project, inputs, settings=loop)
    tn, _ = best_of(r, project, inputs, draws=args.draws, rng=np.random.default_rng(0), settings=loop)
    tref, _ = best_of(r, reference_project, inputs, args.reference_draws, np.random.default_rng(0), loop)
    per_ref = tref / args.reference_draws
    per_vec = tn / args.draws
    print(f"  vectorised: central only {tc * 1e3:.2f} ms; 1 draw {t1 * 1e3:.2f} ms; "
          f"{args.draws:,} draws {tn:.3f} s ({per_vec * 1e6:.1f} us per draw)")
    print(f"  reference loop: {per_ref * 1e3:.2f} ms per draw ({args.reference_draws} draws in {tref:.2f} s) "
          f"-> {args.draws:,} draws ~ {per_ref * args.draws:.1f} s")
    print(f"  vectorised: {tn:.2f} s for {args.draws:,} draws; reference loop: {per_ref * 1e3:.2f} ms per draw "
          f"-> {per_ref * args.draws / tn:.0f}x faster")

    tb, result = best_of(r, backtest, scenario, draws=200)
    print(f"\nHerefordshire back-test: {len(result.base_years)} base years x 2 methods, 200 draws: {tb:.2f} s")

    default_inputs = demand_inputs(scenario)
    errors = scenario_errors(scenario, default_inputs.base_year)
    te, _ = best_of(r, project, default_inputs, draws=args.draws, rng=np.random.default_rng(0), errors=errors)
    print(f"  record-based draws (the default's): {args.draws:,} draws {te:.3f} s; the ratio-resampling draws "
          f"above {tn:.3f} s (ratio {te / tn:.2f})")

    pupils, births = read_national_tables(ROOT / "scenarios" / "national")
    tnat, national = best_of(r, national_backtest, pupils, births, draws=args.national_draws, seed=0)
    n_la = national.per_la["la_code"].nunique()
    runs = len(national.authority.drop_duplicates(["la_code", "method", "base_year"]))
    print(f"National back-test: {n_la} LAs, {runs} central projections (3 methods), ranges from "
          f"{args.national_draws} draws each: {tnat:.2f} s ({tnat / n_la * 1e3:.0f} ms per LA; target < 5 s)")
    t0, _ = best_of(r, national_backtest, pupils, births, draws=0, seed=0)
    print(f"  central projections only: {t0:.2f} s")
    series, _ = national_series(pupils, births)
    history = national_history(pupils, births)
    alphas = chosen_alphas(history, range(int(history.years[0]), int(history.years[-1])))
    policy = Policy()
    timed = {}
    for name, pol in (("3-year mean", policy), ("naive", naive_policy(policy)),
                      ("national_local", national_local_policy(policy))):
        timed[name], _ = best_of(r, national_record, series, pol, 3, history, alphas)
    print("  record of central forecasts per method: " + ", ".join(f"{k} {v:.2f} s" for k, v in timed.items())
          + f"; national_local / 3-year mean = {timed['national_local'] / timed['3-year mean']:.2f}")
    print("\n" + format_benchmark(national, tnat))

    projects = live_projects(config)
    tcap, _ = best_of(r, simulate_programme, projects, config.programme, config.meta.programme_date,
                      args.capital_draws, config.meta.seed)
    print(f"\nCapital simulation: {len(projects)} live projects, {args.capital_draws:,} draws: {tcap:.3f} s "
          f"({tcap / args.capital_draws * 1e3:.3f} ms per draw)")


if __name__ == "__main__":
    main()
