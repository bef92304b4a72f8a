"""Command line: a thin layer over the Python API (load, call, save, print).

Exit codes: 0 success, 2 a problem with the scenario or the command line (or, for ``scap``, a
return that breaks the SCAP guide's checkable rules). ``python -m placeplan`` is the same command.
Every command takes ``-q/--quiet`` (only errors and the final ``Wrote``/``Latest`` lines) or ``-v/--verbose``
(also step timings and notes, on stderr); long steps draw a progress bar on a terminal's stderr
(:mod:`placeplan.outputs.progress`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from rich.console import Console

from placeplan import __version__
from placeplan.api import compare, default_scenario_path, run, scap
from placeplan.dates import academic_year_label
from placeplan.errors import ScenarioError
from placeplan.outputs.console import (print_base_position, print_breaches, print_comparison, print_entry_pressure,
                                       print_programme, print_scap, print_specialist, print_sufficiency)
from placeplan.outputs.files import out_dir_problem, save_comparison, save_results, save_scap, write_outputs
from placeplan.outputs.progress import progress_bar, shown, stage
from placeplan.outputs.runs import run_folder_name, run_inputs, run_label, write_pointer
from placeplan.scenario.checks_capital import programme_notes
from placeplan.scenario.load import display_path, load_scenario
from placeplan.scenario.overrides import parse_set
from placeplan.scenario.schema import MAX_DRAWS

EXIT_OK = 0
EXIT_PROBLEMS = 2
BACKTEST_DRAWS = 200  # the back-test's default draws (each base year runs the whole model)


def _add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario_file", nargs="?", type=Path, metavar="SCENARIO",
                        help="scenario YAML file (default: the Herefordshire default, scenarios/herefordshire.yaml)")
    parser.add_argument("--scenario", dest="scenario_name", metavar="NAME",
                        help="named scenario, or comma-separated overrides, from the file")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting, e.g. --set policy.operating_margin=0.05 (repeatable)")
    parser.add_argument("--as-at", dest="as_at", type=_date, metavar="YYYY-MM-DD",
                        help="reference date of the run (default: meta.as_at): censuses after it are not used, "
                             "projects' delivery states describe it")


QUIET_HELP = "print only errors and the final 'Wrote ...' and 'Latest ...' lines (no tables, notes or progress)"
VERBOSE_HELP = "also print each step's time [s] and every note, on stderr"


def _add_loudness_arguments(parser: argparse.ArgumentParser, default) -> None:
    """``-q/--quiet`` and ``-v/--verbose``: on the top-level parser (default False) and on every subcommand
    (default SUPPRESS, so a flag given before the subcommand is kept), e.g. ``placeplan run -q``."""
    group = parser.add_argument_group("output").add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=default, help=QUIET_HELP)
    group.add_argument("-v", "--verbose", action="store_true", default=default, help=VERBOSE_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="placeplan", description="School place planning for English councils.",
        epilog="Run 'placeplan COMMAND --help' for a command's options. -q/--quiet and -v/--verbose work before "
               "or after the command. A progress bar (percentage, time elapsed) shows on a terminal's stderr, "
               "never with --quiet or when stderr is a file or pipe. Python: 'python -m placeplan' is the same. "
               "Exit codes: 0 success, 2 a problem with the scenario or the command line.")
    parser.add_argument("--version", action="version", version=f"placeplan {__version__}")
    _add_loudness_arguments(parser, False)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a scenario and report every problem")
    _add_scenario_arguments(validate)
    run_cmd = commands.add_parser("run", help="run a scenario and write its outputs")
    _add_scenario_arguments(run_cmd)
    _add_run_arguments(run_cmd)
    compare_cmd = commands.add_parser("compare", help="compare capital-programme options")
    _add_scenario_arguments(compare_cmd)
    compare_cmd.add_argument("--options", metavar="A,B,C",
                             help="options to compare with the base (default: every option in the file; "
                                  "'none' for none)")
    compare_cmd.add_argument("--scenarios", metavar="A,B",
                             help="named scenarios of the same file to compare with the base, on the same "
                                  "random numbers (e.g. high_growth_late_aylestone)")
    _add_run_arguments(compare_cmd)
    scap_cmd = commands.add_parser("scap", help="write the SCAP return for the next collection and check it "
                                                "against the guide's rules (exit 2 on any breach)")
    _add_scenario_arguments(scap_cmd)
    _add_run_arguments(scap_cmd)
    backtest_cmd = commands.add_parser("backtest", help="rolling-origin back-test of the projection method")
    _add_scenario_arguments(backtest_cmd)
    backtest_cmd.add_argument("--national", action="store_true",
                              help="also back-test every English local authority (committed national tables)")
    _add_run_arguments(backtest_cmd)
    diff_cmd = commands.add_parser("diff", help="what changed between two runs: inputs, then headline figures "
                                                "by area and year")
    diff_cmd.add_argument("run_a", type=Path, metavar="RUN_A",
                          help="a run folder, a latest*.txt pointer, or a scenario's reports folder (its latest run)")
    diff_cmd.add_argument("run_b", type=Path, metavar="RUN_B", help="the run to compare with RUN_A (same forms)")
    diff_cmd.add_argument("--all", action="store_true", help="list every changed figure (default: the first 60)")
    _add_workbook_commands(commands)
    for sub in commands.choices.values():
        _add_loudness_arguments(sub, argparse.SUPPRESS)
    return parser


def _add_workbook_commands(commands) -> None:
    """``template`` and ``import``: a scenario as an Excel workbook, and a filled workbook as a scenario folder."""
    template = commands.add_parser("template", help="write a scenario workbook (.xlsx) to fill in Excel")
    template.add_argument("target", nargs="?", type=Path, default=Path("."), metavar="DIR",
                          help="folder (or .xlsx file) to write (default: the working folder)")
    template.add_argument("--from", dest="from_scenario", type=Path, metavar="SCENARIO",
                          help="fill the workbook from this scenario YAML (default: headers only)")
    imported = commands.add_parser("import", help="turn a filled scenario workbook into a scenario folder "
                                                  "and check it (exit 2 on problems)")
    imported.add_argument("workbook", type=Path, metavar="WORKBOOK", help="the filled .xlsx workbook")
    imported.add_argument("target", type=Path, metavar="DIR",
                          help="scenario folder to write (new, empty, or an earlier import, which is replaced)")


def _workbook_command(args, out: Console, err: Console) -> int:
    from placeplan.api import import_workbook, write_template

    try:
        if args.command == "template":
            written = write_template(args.target, args.from_scenario)
            out.print(f"Wrote {display_path(written)}: fill it in Excel, then run "
                      f"placeplan import {display_path(written)} FOLDER", highlight=False, markup=False)
        else:
            written = import_workbook(args.workbook, args.target)
            out.print(f"Wrote {display_path(written)} (valid): run it with placeplan run {display_path(written)}",
                      highlight=False, markup=False)
    except ScenarioError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        return EXIT_PROBLEMS
    return EXIT_OK


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--draws", type=_draws, metavar="N",
                        help=f"Monte Carlo draws, 1 to {MAX_DRAWS:,} (default: meta.draws)")
    parser.add_argument("--seed", type=_non_negative, metavar="N", help="random seed (default: meta.seed)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: reports/<scenario name>/)")


def _estimated_note(scenario) -> str:
    """'year groups estimated for 2023/24 to 2025/26 (no year-group census after 2022/23); '."""
    pupils = scenario.tables.get("pupils")
    base = scenario.config.meta.base_year
    if pupils is None or pupils.empty or int(pupils["academic_year"].max()) >= base:
        return ""
    last = int(pupils["academic_year"].max())
    span = academic_year_label(last + 1) + ("" if last + 1 == base else f" to {academic_year_label(base)}")
    return f"year groups estimated for {span} (no year-group census after {academic_year_label(last)}); "


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text}")
    return value


def _draws(text: str) -> int:
    """``--draws``: a whole number bounded like ``meta.draws`` (1 to ``MAX_DRAWS``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of draws, got {text!r}") from None
    if not 1 <= value <= MAX_DRAWS:
        raise argparse.ArgumentTypeError(f"expected between 1 and {MAX_DRAWS:,} draws (as meta.draws), got {text}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {text}")
    return value


def _load(args, err: Console):
    path = args.scenario_file or default_scenario_path()
    try:
        sets = [parse_set(s) for s in args.sets]
        if args.as_at is not None:
            sets.append(("meta.as_at", args.as_at))
    except ValueError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        return None
    try:
        scenario = load_scenario(path, args.scenario_name, sets)
        _check_rebase(scenario)
    except ScenarioError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        return None
    if scenario.notes and args.command != "validate" and not args.quiet:  # validate lists them with its own
        err.print("\n".join(f"note: {n}" for n in scenario.notes), highlight=False, markup=False, soft_wrap=True)
    return scenario


def _check_rebase(scenario) -> None:
    """Where the base year is after the last year-group census, check that its observed totals can all hold
    (``demand.rebase``) before any work is done; raises ScenarioError naming the year."""
    pupils = scenario.tables.get("pupils")
    if pupils is not None and not pupils.empty and int(pupils["academic_year"].max()) < scenario.config.meta.base_year:
        from placeplan.demand import demand_inputs

        demand_inputs(scenario)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``placeplan`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet and args.verbose:
        parser.error("--quiet and --verbose cannot be used together")
    out = Console()
    if not out.is_terminal:
        out = Console(width=132)
    err = Console(stderr=True)
    bars = shown(err, args.quiet)  # progress bars: a terminal's stderr, not --quiet
    tables_out = Console(quiet=True) if args.quiet else out  # what --quiet leaves out: tables, notes
    if args.command == "diff":
        return _diff(args, out, err)
    if args.command in ("template", "import"):
        return _workbook_command(args, out, err)
    scenario = _load(args, err)
    if scenario is None:
        return EXIT_PROBLEMS
    if args.command == "validate":
        counts = ", ".join(f"{len(df)} {name.replace('_', ' ')}" for name, df in scenario.tables.items())
        meta = scenario.config.meta
        out.print(f"{display_path(scenario.path)} is valid ({counts}; "
                  f"{len(scenario.config.capital_projects)} capital projects).", highlight=False)
        tables_out.print(f"As at {meta.as_at}: base year {academic_year_label(meta.base_year)}, "
                         f"{_estimated_note(scenario)}projected from {academic_year_label(meta.base_year + 1)}.",
                         highlight=False)
        notes = list(scenario.notes) + programme_notes(scenario.config, display_path(scenario.path))
        if notes:
            tables_out.print(f"{len(notes)} note{'s' if len(notes) != 1 else ''} (not problems):\n"
                             + "\n".join(f"  - {n}" for n in notes), highlight=False, markup=False, soft_wrap=True)
        return EXIT_OK
    draws = args.draws or (BACKTEST_DRAWS if args.command == "backtest" else scenario.config.meta.draws)
    seed = scenario.config.meta.seed if args.seed is None else args.seed
    inputs = run_inputs(scenario, args.command, draws=draws, seed=seed, extra=_command_choices(args))
    out_dir, root = _out_dir(args, scenario, inputs)
    refused = out_dir_problem(out_dir)  # before anything is computed
    if refused:
        err.print(refused, highlight=False, markup=False, soft_wrap=True)
        return EXIT_PROBLEMS
    if args.verbose:
        _print_notes(err, programme_notes(scenario.config, display_path(scenario.path)))
    if args.command == "scap":
        return _scap(args, scenario, out, err, out_dir, root, inputs)
    if args.command == "backtest":
        written = _backtest(args, scenario, out, err, out_dir, inputs)
    elif args.command == "compare":
        choices = _command_choices(args)
        names, named = choices["options"], choices["scenarios"]
        try:
            with progress_bar(err, f"Comparing options with {draws:,} draws", bars) as progress:
                comparison = compare(scenario, names, draws=args.draws, seed=args.seed, scenarios=named,
                                     progress=progress)
        except ScenarioError as exc:
            err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
            return EXIT_PROBLEMS
        print_comparison(tables_out, comparison)
        with progress_bar(err, f"Running the base for the report with {draws:,} draws", bars) as progress:
            results = run(scenario, draws=args.draws, seed=args.seed, progress=progress)
        started = time.perf_counter()
        with stage(err, "Writing the report ...", bars):
            written = save_comparison(comparison, results, out_dir, inputs)
        _print_timings(err, args, comparison.run_info.get("timings", {}), "compare")
        _print_timings(err, args, {**results.run_info.get("timings", {}),
                                   "write_s": round(time.perf_counter() - started, 3)}, "base run and report")
    else:
        with progress_bar(err, f"Running {scenario.name} with {draws:,} draws", bars) as progress:
            results = run(scenario, draws=args.draws, seed=args.seed, progress=progress)
        print_base_position(tables_out, results)
        print_programme(tables_out, results)
        print_sufficiency(tables_out, results)
        print_entry_pressure(tables_out, results)
        print_specialist(tables_out, results)
        from placeplan.outputs.scap import scap_return

        started = time.perf_counter()
        returned = scap_return(results)
        timings = {**results.run_info.get("timings", {}), "scap_return_s": round(time.perf_counter() - started, 3)}
        print_scap(tables_out, returned)
        print_breaches(tables_out, returned.breaches, most=10)
        started = time.perf_counter()
        with stage(err, "Writing the report, workbook and tables ...", bars):
            written = save_results(results, out_dir, returned, inputs)
        _print_timings(err, args, {**timings, "write_s": round(time.perf_counter() - started, 3)}, "run")
    _report_written(out, written, out_dir, root, args.command)
    return EXIT_OK


def _print_notes(err: Console, notes: list[str]) -> None:
    """``--verbose``: the notes (not problems) on stderr, one a line."""
    if notes:
        err.print("\n".join(f"note: {n}" for n in notes), highlight=False, markup=False, soft_wrap=True)


def _print_timings(err: Console, args, timings: dict, what: str) -> None:
    """``--verbose``: each step's time [s] on stderr, e.g. ``timing (run): load 0.01 s, demand 1.02 s, ...``."""
    if not args.verbose or not timings:
        return
    steps = {k: v for k, v in timings.items() if k != "total_s"}
    parts = [f"{k.removesuffix('_s').replace('_', ' ')} {v:.2f} s" for k, v in steps.items()]
    parts.append(f"total {sum(steps.values()):.2f} s")
    err.print(f"timing ({what}): " + ", ".join(parts), highlight=False, markup=False, soft_wrap=True)


def _diff(args, out: Console, err: Console) -> int:
    """``placeplan diff RUN_A RUN_B``: print what changed (inputs, then headline figures); exit 2 if a run is missing."""
    from placeplan.outputs.diff import diff_figures, diff_inputs, format_diff, read_run
    from placeplan.outputs.runs import resolve_run

    try:
        a, b = (read_run(resolve_run(p)) for p in (args.run_a, args.run_b))
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"diff: {exc}", highlight=False, markup=False, soft_wrap=True)
        return EXIT_PROBLEMS
    text = format_diff(a, b, diff_inputs(a.inputs, b.inputs), diff_figures(a.tables, b.tables),
                       most=None if args.all else 60)
    out.print(text, highlight=False, markup=False, soft_wrap=True)
    return EXIT_OK


def _command_choices(args) -> dict:
    """The command's own choices that change its figures (compare's options and scenarios, ``--national``)."""
    if args.command == "compare":
        names = [n.strip() for n in args.options.split(",") if n.strip()] if args.options else None
        if names == ["none"]:
            names = []
        named = [n.strip() for n in args.scenarios.split(",") if n.strip()] if args.scenarios else []
        return {"options": names, "scenarios": named}
    if args.command == "backtest":
        return {"national": bool(args.national)}
    return {}


def _out_dir(args, scenario, inputs: dict) -> tuple[Path, Path | None]:
    """Where the command writes: ``--out`` exactly, else its own run folder under ``reports/<meta.name>/``
    (:mod:`placeplan.outputs.runs`); and the folder whose ``latest`` pointer it moves (None with ``--out``)."""
    if args.out is not None:
        return args.out, None
    root = Path("reports") / scenario.config.meta.name
    label = run_label(scenario, inputs["extra"])
    return root / run_folder_name(args.command, label, inputs["input_hash"]), root


def _report_written(out: Console, written: list[Path], out_dir: Path, root: Path | None, command: str) -> None:
    """Move the ``latest`` pointer (default layout only), then say what was written and where."""
    folder = display_path(out_dir)
    data = [p for p in written if p.parent.name == "data" and p.parent.parent == Path(out_dir).absolute()]
    people = [p for p in written if p not in data]
    text = f"Wrote {folder}{os.sep}: " + ", ".join(p.name for p in people)
    if data:
        text += f"; and data{os.sep} ({len(data)} tables at full precision, Parquet)"
    out.print(text, highlight=False, soft_wrap=True)
    if root is not None:
        report = "report.html" if any(p.name == "report.html" for p in written) else None
        pointers = write_pointer(root, command, out_dir.name, report)
        out.print(f"Latest {command}: {display_path(pointers[-1])} -> {out_dir.name}", highlight=False,
                  soft_wrap=True)


def _scap(args, scenario, out: Console, err: Console, out_dir: Path, root: Path | None, inputs: dict) -> int:
    """Build, check and write the SCAP return; exit 2 when it breaks any of the guide's checkable rules."""
    draws = args.draws or scenario.config.meta.draws
    with progress_bar(err, f"Building the SCAP return with {draws:,} draws", shown(err, args.quiet)) as progress:
        returned = scap(scenario, draws=args.draws, seed=args.seed, progress=progress)
    print_scap(Console(quiet=True) if args.quiet else out, returned)
    started = time.perf_counter()
    written = save_scap(returned, out_dir, inputs)
    _print_timings(err, args, {**returned.results.run_info.get("timings", {}),
                               "write_s": round(time.perf_counter() - started, 3)}, "scap")
    _report_written(out, written, out_dir, root, "scap")
    if returned.breaches:
        count = len(returned.breaches)
        err.print(f"{count} breach{'es' if count != 1 else ''} of the SCAP guide's rules in the return:",
                  highlight=False)
        print_breaches(err, returned.breaches)
        return EXIT_PROBLEMS
    return EXIT_OK


def _backtest(args, scenario, out: Console, err: Console, out_dir: Path, inputs: dict) -> list[Path]:
    """Back-test the scenario (and optionally every LA); print the tables, write the CSVs."""
    from placeplan.backtest import (backtest, format_comparison, format_ledger, format_national, national_backtest,
                                    read_national_tables)
    from placeplan.backtest.benchmark import format_benchmark, format_local_calibration
    from placeplan.backtest.report import format_reliability

    draws, seed = inputs["draws"], inputs["seed"]
    bars = shown(err, args.quiet)
    out = Console(quiet=True) if args.quiet else out  # the tables; the 'Wrote' lines use main's console
    started = time.perf_counter()
    with progress_bar(err, f"Back-testing {scenario.name} from every base year with {draws:,} draws",
                      bars) as progress:
        result = backtest(scenario, draws=draws, seed=seed, progress=progress)
    timings = {"backtest_s": round(time.perf_counter() - started, 3)}
    out.print(format_comparison(result), highlight=False, markup=False)
    out.print("\n" + format_local_calibration(result), highlight=False, markup=False)
    out.print("\n" + format_ledger(result.ledger), highlight=False, markup=False)
    out.print("\n" + format_reliability(result), highlight=False, markup=False)
    tables = dict(result.tables())
    if args.national:
        national_draws = args.draws or 100
        policy = scenario.config.policy
        if policy.ratio_method == "national_local":  # compared with it anyway: the reference is the 3-year mean
            policy = policy.model_copy(update={"ratio_method": "mean"})
        with stage(err, f"Back-testing every local authority with {national_draws:,} draws ...", bars):
            started = time.perf_counter()
            national = national_backtest(*read_national_tables(), policy=policy, draws=national_draws, seed=seed)
            seconds = time.perf_counter() - started
        timings["national_backtest_s"] = round(seconds, 3)
        out.print(format_national(national), highlight=False, markup=False)
        out.print("\n" + format_benchmark(national, seconds), highlight=False, markup=False)
        out.print("\n" + format_reliability(national), highlight=False, markup=False)
        tables.update(national.tables())
    info = {"placeplan_version": __version__, "scenario_file": str(scenario.path), "seed": seed, "draws": draws,
            "national": bool(args.national), "inputs": inputs}
    started = time.perf_counter()
    written = write_outputs(out_dir, tables, {"backtest.json": info})
    _print_timings(err, args, {**timings, "write_s": round(time.perf_counter() - started, 3)}, "backtest")
    return written


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
