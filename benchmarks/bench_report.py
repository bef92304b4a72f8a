"""How long a run's outputs take against its model, and what each planning area costs.

Usage::

    python benchmarks/bench_report.py                      # the default, then 10, 50, 200 and 1,000 areas
    python benchmarks/bench_report.py --quick              # the default, then 10 and 50 areas
    python benchmarks/bench_report.py --sizes 30,300 --no-default
    python benchmarks/bench_report.py --profile /tmp/prof  # also a cProfile of each run's output steps

1. **The Herefordshire default, end to end in one run**, as ``placeplan run`` does it, split into steps:
   the model (``placeplan.run``, with its own ``run_info["timings"]``), then each output step: the SCAP
   return, the console summaries, the report's content with its charts and maps (the time drawing the
   figures is counted separately: ``drawing.batch`` draws them all at the end, in parallel where it pays), the HTML, the PDF, the SCAP workbook, and writing and
   publishing the folder (``write_outputs``; the CSV writing inside it is counted separately). The ratio is
   (model + every output step) / model: the target is about 3.
2. **Per planning area**: the same steps for ``benchmarks/many_areas.py``'s synthetic scenario (the toy
   council copied to N official planning areas, with maps) at each size. Per step it prints seconds per area
   and the marginal cost between sizes ((t2 - t1) / (n2 - n1)); with linear cost the marginal cost stays
   about the same from size to size (the "growth" column: marginal cost at this size / at the previous one;
   about 1 is linear, about n2/n1 would be quadratic).

Every step runs once (no repeats: the larger sizes take minutes) with ``time.perf_counter``. A step that fails
(for example the PDF at many areas) is reported with its error and the run goes on. Nothing is written
outside a temporary folder. Figures from one machine are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import placeplan  # noqa: E402
from many_areas import planning_area_count, write_many_areas  # noqa: E402

OUTPUT_STEPS = ("scap_return", "console", "report_context", "html", "pdf", "scap_workbook", "write_publish")
STEP_LABELS = {
    "model": "model (placeplan.run)",
    "scap_return": "SCAP return (tables, checks)",
    "console": "console summaries",
    "report_context": "report content (charts, maps, tables)",
    "html": "HTML",
    "pdf": "PDF",
    "scap_workbook": "SCAP workbook (xlsx)",
    "write_publish": "CSV writing + publishing",
    "figures": "  of which drawing the figures",
    "csv": "  of which DataFrame.to_csv",
}


class Meter:
    """Time spent drawing the report's figures, and in ``DataFrame.to_csv`` [s]."""

    def __init__(self):
        self.seconds = {"figures": 0.0, "csv": 0.0}
        self.calls = {"figures": 0, "csv": 0}
        self._depth = 0

    def wrap(self, kind: str, func):
        @functools.wraps(func)
        def timed(*args, **kwargs):
            if self._depth:
                return func(*args, **kwargs)
            self._depth += 1
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[kind] += time.perf_counter() - start
                self.calls[kind] += 1
                self._depth -= 1
        return timed

    @contextlib.contextmanager
    def installed(self):
        """Time the drawing of the report's figures (``drawing._Batch.draw_all``: every chart and map, once
        each, in a process pool when there are many) and ``DataFrame.to_csv`` while inside."""
        import pandas as pd

        from placeplan.outputs.report import drawing

        saved = [(drawing._Batch, "draw_all", drawing._Batch.draw_all), (pd.DataFrame, "to_csv", pd.DataFrame.to_csv)]
        meter = self

        def draw_all(batch, workers=None):
            meter.calls["figures"] += len(batch.jobs) - 1  # the wrapper counts one call
            return saved[0][2](batch, workers)

        drawing._Batch.draw_all = self.wrap("figures", draw_all)
        pd.DataFrame.to_csv = self.wrap("csv", pd.DataFrame.to_csv)
        try:
            yield self
        finally:
            for owner, name, value in saved:
                setattr(owner, name, value)


def timed_run(scenario, out_dir: Path, profile: Path | None = None, label: str = "") -> dict:
    """One run as ``placeplan run`` does it, each step timed [s]; failed steps hold their error text."""
    from rich.console import Console

    from placeplan.outputs import console as summaries
    from placeplan.outputs.files import with_year_status, write_outputs
    from placeplan.outputs.report.context import build_context
    from placeplan.outputs.report.html import render
    from placeplan.outputs.report.pdf import report_pdf
    from placeplan.outputs.scap import scap_return, scap_workbook

    seconds: dict[str, float] = {}
    errors: dict[str, str] = {}
    meter = Meter()
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    results = placeplan.run(scenario)
    seconds["model"] = time.perf_counter() - start
    model_steps = dict(results.run_info.get("timings", {}))
    state: dict = {"results": results}

    def step(name, func):
        begin = time.perf_counter()
        try:
            if profiler:
                profiler.enable()
            state[name] = func()
        except Exception as exc:  # noqa: BLE001 - a failed step is a benchmark result
            errors[name] = f"{type(exc).__name__}: {str(exc)[:120]}"
            if not isinstance(exc, RecursionError):
                traceback.print_exc(limit=3)
        finally:
            if profiler:
                profiler.disable()
            seconds[name] = time.perf_counter() - begin

    def console():
        out = Console(file=io.StringIO(), width=132)
        for show in (summaries.print_base_position, summaries.print_programme, summaries.print_sufficiency,
                     summaries.print_entry_pressure, summaries.print_specialist):
            show(out, results)
        summaries.print_scap(out, state["scap_return"])
        summaries.print_breaches(out, state["scap_return"].breaches, most=10)

    def publish():
        scap = state["scap_return"]
        tables = {**results.tables(), **{f"scap_{name}": table for name, table in scap.tables.items()},
                  "scap_validation": scap.validation_table()}
        if results.backtest is not None:
            tables["backtest"] = results.backtest.comparison
        base = results.scenario.config.meta.base_year
        tables = {name: with_year_status(table, base) for name, table in tables.items()}
        blobs = {"scap_return.xlsx": state.get("scap_workbook") or b"",
                 "report.html": (state.get("html") or "").encode("utf-8"), "report.pdf": state.get("pdf") or b""}
        return write_outputs(out_dir, tables, {"run.json": results.run_info}, blobs=blobs)

    with meter.installed():
        step("scap_return", lambda: scap_return(results))
        step("console", console)
        step("report_context", lambda: build_context(results, None, results.backtest))
        if "report_context" in state:
            step("html", lambda: render(state["report_context"]))
            as_at = getattr(results.scenario.config.meta, "as_at", None)
            step("pdf", lambda: report_pdf(state["report_context"], as_at))
        step("scap_workbook", lambda: scap_workbook(results, state["scap_return"]))
        step("write_publish", publish)
    if profiler:
        profile.mkdir(parents=True, exist_ok=True)
        target = profile / f"outputs-{label or 'run'}.prof"
        profiler.dump_stats(target)
        print(f"  profile of the output steps: {target} (python -m pstats {target})")
    return {"seconds": seconds, "errors": errors, "model_steps": model_steps, "meter": meter,
            "areas": int((results.scenario.tables["planning_areas"]["kind"] == "official").sum()),
            "pages": _pages(state.get("pdf"))}


def _pages(pdf: bytes | None) -> int | None:
    if not pdf:
        return None
    try:
        from pypdf import PdfReader
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception:  # noqa: BLE001 - pypdf is a test dependency only
        return None


def outputs_total(run: dict) -> float:
    return sum(run["seconds"].get(s, 0.0) for s in OUTPUT_STEPS)


def print_run(title: str, run: dict) -> None:
    s, meter = run["seconds"], run["meter"]
    model, outputs = s["model"], outputs_total(run)
    print(f"\n{title}: {run['areas']} official planning areas"
          + (f", PDF {run['pages']} pages" if run["pages"] else ""))
    steps = ", ".join(f"{k.removesuffix('_s')} {v:.2f}" for k, v in run["model_steps"].items() if k != "total_s")
    print(f"  {STEP_LABELS['model']:<40} {model:8.2f} s   ({steps})")
    for name in OUTPUT_STEPS:
        note = f"   FAILED {run['errors'][name]}" if name in run["errors"] else ""
        print(f"  {STEP_LABELS[name]:<40} {s.get(name, 0.0):8.2f} s{note}")
        for kind in {"report_context": ("figures",), "write_publish": ("csv",)}.get(name, ()):
            print(f"  {STEP_LABELS[kind]:<40} {meter.seconds[kind]:8.2f} s   ({meter.calls[kind]} calls)")
    print(f"  {'outputs, all steps':<40} {outputs:8.2f} s")
    print(f"  {'whole run (model + outputs)':<40} {model + outputs:8.2f} s   "
          f"ratio whole / model = {(model + outputs) / model:.1f} (target about 3)")


def print_scaling(runs: list[dict]) -> None:
    """Seconds per area per step at each size, the marginal cost between sizes and its growth."""
    names = ["model", *OUTPUT_STEPS, "figures", "csv"]
    print("\nPer planning area [s per area], marginal cost between sizes [s per added area] and its growth "
          "(marginal here / marginal at the previous size; ~1 = linear)")
    header = f"  {'step':<40}" + "".join(f"{r['areas']:>8}" for r in runs) + "   marginal (growth)"
    print(header)
    for name in names:
        values = [_value(r, name) for r in runs]
        cells = "".join(f"{v / r['areas']:8.4f}" if v is not None else f"{'fail':>8}" for v, r in zip(values, runs))
        margins, last = [], None
        for (v1, r1), (v2, r2) in zip(zip(values, runs), zip(values[1:], runs[1:])):
            if v1 is None or v2 is None:
                margins.append("  -")
                last = None
                continue
            m = (v2 - v1) / (r2["areas"] - r1["areas"])
            margins.append(f"{m:.4f}" + (f" ({m / last:.1f}x)" if last and last > 1e-4 and m > 0 else ""))
            last = m
        print(f"  {STEP_LABELS.get(name, name).strip():<40}{cells}   " + "; ".join(margins))
    totals = [(r["areas"], r["seconds"]["model"] + outputs_total(r)) for r in runs]
    print("  whole run [s]: " + ", ".join(f"{n} areas {t:.1f} s ({t / n:.3f} s/area)" for n, t in totals))
    failed = {r["areas"]: r["errors"] for r in runs if r["errors"]}
    print("  every size finished every step" if not failed else f"  failures: {failed}")


def _value(run: dict, name: str) -> float | None:
    if name in run["errors"]:
        return None
    if name in run["meter"].seconds:
        return run["meter"].seconds[name]
    return run["seconds"].get(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes 10 and 50 only")
    parser.add_argument("--sizes", default=None, help="comma-separated area counts (default 10,50,200,1000)")
    parser.add_argument("--no-default", action="store_true", help="skip the Herefordshire default")
    parser.add_argument("--profile", type=Path, default=None, help="folder for a cProfile of each run's outputs")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([10, 50] if args.quick else
                                                                       [10, 50, 200, 1000])
    from placeplan.outputs.report.pdf import engine

    print(f"placeplan {placeplan.__version__}; Python {platform.python_version()}, {platform.machine()}; "
          f"PDF engine {engine()}")
    with tempfile.TemporaryDirectory(prefix="placeplan-bench-") as tmp:
        tmp = Path(tmp)
        if not args.no_default:
            run = timed_run(None, tmp / "default", args.profile, "default")
            print_run("Herefordshire default", run)
        runs = []
        for size in sizes:
            folder = tmp / f"areas-{size}"
            path = write_many_areas(size, folder)
            print(f"\n[{time.strftime('%H:%M:%S')}] synthetic scenario: {planning_area_count(size)} areas ...",
                  flush=True)
            run = timed_run(path, folder / "out", args.profile, f"areas-{planning_area_count(size)}")
            print_run(f"Synthetic ({path.name})", run)
            runs.append(run)
        if len(runs) > 1:
            print_scaling(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
