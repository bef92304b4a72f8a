"""CLI habits: ``python -m placeplan``, ``--quiet`` / ``--verbose``, progress callbacks, names that wrap."""

import io
import re
import subprocess
import sys

import pandas as pd
import pytest
from rich.console import Console

from placeplan import __version__
from placeplan.cli import main

from conftest import PROJECT, TOY

LONG = "St Mary's and St Thomas of Canterbury Church of England Voluntary Aided Primary School and Nursery"


def test_python_dash_m_prints_the_version():
    done = subprocess.run([sys.executable, "-m", "placeplan", "--version"], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0
    assert done.stdout.strip() == f"placeplan {__version__}"


def test_an_unknown_command_exits_2():
    with pytest.raises(SystemExit) as stopped:
        main(["nonsense"])
    assert stopped.value.code == 2


def test_quiet_and_verbose_together_is_an_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["run", str(TOY), "-q", "-v"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_help_documents_quiet_and_verbose(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    assert "--quiet" in text and "--verbose" in text and "Wrote" in text


@pytest.fixture(scope="module")
def quiet_and_verbose(tmp_path_factory):
    """One quiet and one verbose toy run (50 draws), their stdout/stderr and output folders."""
    captured = {}
    capture = pytest.MonkeyPatch()
    for flags, name in ((["--quiet"], "quiet"), (["--verbose"], "verbose")):
        out = tmp_path_factory.mktemp(name)
        stdout, stderr = io.StringIO(), io.StringIO()
        capture.setattr(sys, "stdout", stdout)
        capture.setattr(sys, "stderr", stderr)
        # quiet after the command, verbose before it: both positions work
        argv = ["run", str(TOY), "--draws", "50", "--out", str(out), *flags] if name == "quiet" else \
            [*flags, "run", str(TOY), "--draws", "50", "--out", str(out)]
        code = main(argv)
        capture.undo()
        captured[name] = (code, stdout.getvalue(), stderr.getvalue(), out)
    return captured


def test_quiet_prints_only_the_wrote_line(quiet_and_verbose):
    code, out, err, folder = quiet_and_verbose["quiet"]
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Wrote {folder}"), out
    assert "Planning area" not in out and "Capital programme" not in out
    assert err == ""
    assert (folder / "sufficiency.csv").is_file()


def test_verbose_adds_step_timings_and_the_tables(quiet_and_verbose):
    code, out, err, folder = quiet_and_verbose["verbose"]
    assert code == 0
    assert "Places needed" in out and "Wrote " in out
    timing = re.search(r"^timing \(run\): (.*)$", err, re.M)
    assert timing, err
    steps = dict(re.findall(r"([a-z ]+) (\d+\.\d\d) s", timing.group(1)))
    steps = {k.strip(): float(v) for k, v in steps.items()}
    for step in ("load", "demand", "capital", "sufficiency", "backtest", "write", "total"):
        assert step in steps, steps
    parts = sum(v for k, v in steps.items() if k != "total")
    assert steps["total"] == pytest.approx(parts, abs=0.01 * len(steps))


def test_quiet_and_verbose_runs_write_the_same_figures(quiet_and_verbose):
    a = pd.read_csv(quiet_and_verbose["quiet"][3] / "sufficiency.csv")
    b = pd.read_csv(quiet_and_verbose["verbose"][3] / "sufficiency.csv")
    pd.testing.assert_frame_equal(a, b)


def _recorder():
    calls = []
    return calls, lambda done, step: calls.append((done, step))


def _check_calls(calls):
    fractions = [done for done, _ in calls]
    assert fractions, "progress was never called"
    assert all(b >= a for a, b in zip(fractions, fractions[1:])), fractions
    assert all(0 <= f <= 1 for f in fractions)
    assert fractions[-1] == 1.0
    assert all(isinstance(step, str) for _, step in calls)


def _assert_same_tables(with_bar, without) -> None:
    """Every output table identical with and without the progress callback."""
    for name, table in without.tables().items():
        pd.testing.assert_frame_equal(with_bar.tables()[name], table, obj=name)


def test_run_progress_increases_to_one_and_changes_nothing(toy):
    import placeplan

    calls, progress = _recorder()
    with_bar = placeplan.run(toy, draws=30, progress=progress)
    without = placeplan.run(toy, draws=30)
    _check_calls(calls)
    assert any(step.startswith("backtest:") for _, step in calls)  # the back-test's own base years, inside
    assert calls[-1][1] == "done"
    _assert_same_tables(with_bar, without)


def test_backtest_progress_counts_base_years(toy):
    from placeplan.backtest import backtest

    calls, progress = _recorder()
    with_bar = backtest(toy, draws=20, progress=progress)
    without = backtest(toy, draws=20)
    _check_calls(calls)
    origins = len(calls)
    assert [done for done, _ in calls] == pytest.approx([(i + 1) / origins for i in range(origins)])
    assert calls[-1][1] == f"{origins} of {origins} base years"
    assert origins >= len(with_bar.base_years)
    _assert_same_tables(with_bar, without)


def test_compare_progress_one_call_per_variant(toy):
    from placeplan.compare import compare

    calls, progress = _recorder()
    with_bar = compare(toy, draws=20, progress=progress)
    without = compare(toy, draws=20)
    _check_calls(calls)
    variants = len(without.run_info["options"])
    assert len(calls) == variants
    assert calls[-1][1] == f"{variants} of {variants} variants"
    _assert_same_tables(with_bar, without)


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys, tmp_path):
    """Under capsys stderr is not a terminal: nothing but the run's notes (none for the toy) reaches it."""
    assert main(["scap", str(TOY), "--draws", "20", "--out", str(tmp_path / "s")]) in (0, 2)
    err = capsys.readouterr().err
    assert "━" not in err and "Building the SCAP return" not in err


@pytest.fixture(scope="module")
def long_named(tmp_path_factory):
    """The toy council with a very long planning-area name and project name, run once (20 draws)."""
    import shutil

    import placeplan

    folder = tmp_path_factory.mktemp("long")
    shutil.copytree(PROJECT / "scenarios" / "toy_council", folder / "toy_council")
    areas = folder / "toy_council" / "planning_areas.csv"
    areas.write_text(areas.read_text().replace("8881002,South,", f"8881002,{LONG},"))
    yaml_text = TOY.read_text().replace("name: South Primary expansion to 3 forms of entry",
                                        f'name: "{LONG} expansion"')
    (folder / "toy_council.yaml").write_text(yaml_text)
    return placeplan.run(folder / "toy_council.yaml", draws=20, backtest=False)


def _columns(text: str) -> list[str]:
    """Each table column's text, top to bottom with spaces removed (so a name folded over lines reads whole)."""
    columns: dict[tuple[int, int], list[str]] = {}
    table = 0
    for line in text.splitlines():
        if line[:1] in "┏":
            table += 1
        if line[:1] in "│┃":
            for i, cell in enumerate(re.split(r"[│┃]", line)[1:-1]):
                columns.setdefault((table, i), []).append(cell)
    return ["".join("".join(cells).split()) for cells in columns.values()]


@pytest.mark.parametrize("width", [80, 132])
def test_console_tables_wrap_long_names_without_cutting(long_named, width):
    from placeplan.outputs import console as tables

    con = Console(width=width, record=True, file=io.StringIO())
    tables.print_base_position(con, long_named)
    tables.print_programme(con, long_named)
    tables.print_sufficiency(con, long_named)
    tables.print_entry_pressure(con, long_named)
    text = con.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in text  # nothing cut short
    borders = [line for line in lines if line[:1] in "┏└"]
    assert len(borders) == 2 * 5 and all(line[-1] in "┓┘" for line in borders), "a table's right edge is cropped"
    whole = "".join(LONG.split())
    # the whole name, in one column: the area tables (base position, places needed, entry years) and both project
    # tables
    assert sum(whole in column for column in _columns(text)) == 5, width
    if width == 132:  # wide enough: the name column keeps its minimum width, so the name reads on few lines
        assert "St Mary's and St Thomas of" in text
