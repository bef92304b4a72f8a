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
    """Each table column's text, top to bottom with spaces removed (so a name folded over lines reads whole).

    A table's body starts after its header rule (a line of ``━`` and ``┿``) and runs while lines hold ``│``."""
    columns: dict[tuple[int, int], list[str]] = {}
    table, inside = 0, False
    for line in text.splitlines():
        if _is_rule(line):
            table, inside = table + 1, True
        elif inside and "│" in line:
            for i, cell in enumerate(line.split("│")):
                columns.setdefault((table, i), []).append(cell)
        else:
            inside = False
    return ["".join("".join(cells).split()) for cells in columns.values()]


def _is_rule(line: str) -> bool:
    return "┿" in line and set(line.strip()) <= set("━┿")


def _render(results, width: int) -> str:
    from placeplan.outputs import console as tables

    con = Console(width=width, record=True, file=io.StringIO())
    tables.print_base_position(con, results)
    tables.print_programme(con, results)
    tables.print_sufficiency(con, results)
    tables.print_entry_pressure(con, results)
    return con.export_text()


@pytest.mark.parametrize("width", [80, 132])
def test_console_tables_wrap_long_names_without_cutting(long_named, width):
    text = _render(long_named, width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in text  # nothing cut short
    rules = [line for line in lines if _is_rule(line)]
    wide = [line for line in _render(long_named, 400).splitlines() if _is_rule(line)]  # no column can be cropped
    assert len(rules) == 5 and [r.count("┿") for r in rules] == [r.count("┿") for r in wide], "a table lost columns"
    whole = "".join(LONG.split())
    # the whole name, in one column: the area tables (base position, places needed, entry years) and both project
    # tables
    assert sum(whole in column for column in _columns(text)) == 5, width
    # wrapped at spaces only: every word of the name, and every figure, stands whole on a line
    tokens = set(re.split(r"[\s│]+", text))
    assert [word for word in LONG.split() if word not in tokens] == []
    wide_tokens = set(re.split(r"[\s│]+", _render(long_named, 400)))
    assert {t for t in wide_tokens if re.fullmatch(r"[£\d,./%()+-]+m?", t)} <= tokens
    if width == 132:  # wide enough: the name reads on few lines
        assert "St Mary's and St Thomas of" in text


def test_column_widths_by_hand():
    from placeplan.outputs.console import NAME_FLOOR, column_widths

    # natural widths 30 (name), 10, 6; longest words 12, 10, 6
    assert column_widths([30, 10, 6], [12, 10, 6], [True, False, False], 46) is None  # fits unwrapped
    # 40 characters: each column its longest word (28), the 12 left go to the name (it lacks 18)
    assert column_widths([30, 10, 6], [12, 10, 6], [True, False, False], 40) == [24, 10, 6]
    # the name is whole: the rest go to the header-wrapped column, up to its natural width
    assert column_widths([20, 16, 6], [12, 4, 6], [True, False, False], 40) == [20, 14, 6]
    # too narrow for whole words: the name breaks inside words first, down to the floor
    assert column_widths([30, 10, 6], [12, 10, 6], [True, False, False], 25) == [NAME_FLOOR + 1, 10, 6]
    assert column_widths([30, 10, 6], [12, 10, 6], [True, False, False], 20) == [NAME_FLOOR - 1, 7, 6]  # then the widest, ties leftmost


def test_wide_figures_and_names_wrap_at_spaces_at_80_columns():
    """A table like the capital programme's: rich alone narrows every column evenly and breaks figures and words
    ("10,853,0|00", "communica|tion"); placeplan's widths keep each whole."""
    from placeplan.outputs import console as tables

    out = tables._table("Programme")
    for header in ("Project", "Places", "Planned", "On time", "Likely (5-95%)", "Council cost p50 (GBP)",
                   "Total cost p50 (GBP)"):
        tables._column(out, header, "left" if header == "Project" else "right", name=header == "Project")
    rows = [("Hampton Dene Primary language and communication centre", "+16 specialist", "2026/27", "100%",
             "2026/27 (2026/27 to 2027/28)", "10,853,000", "£12.4m"),
            ("Peterchurch Primary School rebuild and expansion", "+35 primary", "2026/27", "opened",
             "2026/27", "2,250,000", "£2.4m")]
    for row in rows:
        out.add_row(*row)
    con = Console(width=80, record=True, file=io.StringIO())
    tables._print(con, out)
    text = con.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    tokens = set(re.split(r"[\s│]+", text))
    assert [word for row in rows for cell in row for word in cell.split() if word not in tokens] == []


def test_console_costs_read_as_the_report_writes_them():
    from placeplan.outputs.console import _likely
    from placeplan.outputs.console import gbp as console_gbp
    from placeplan.outputs.fmt import gbp

    assert console_gbp is gbp  # one way of writing pounds for officers, in the report and on the console
    assert [gbp(v) for v in (10_853_000, 340_268, 9_538, float("nan"))] == ["£10.9m", "£340,000", "£9,538", "–"]
    assert _likely(2026, 2026, 2026) == "2026/27" and _likely(2026, None, None) == "2026/27"
    assert _likely(2026, 2026, 2028) == "2026/27 (2026/27 to 2028/29)"


def test_wrapped_lines_by_hand():
    from placeplan.outputs.console import wrapped_lines

    assert wrapped_lines("Queen Elizabeth (Bromyard)", 26) == 1
    assert wrapped_lines("Queen Elizabeth (Bromyard)", 15) == 2  # "Queen Elizabeth" / "(Bromyard)"
    assert wrapped_lines("Queen Elizabeth (Bromyard)", 10) == 3
    assert wrapped_lines("Elizabeth", 4) == 3  # folded: Eliz / abet / h
    assert wrapped_lines("a\nb c", 3) == 2 and wrapped_lines("", 5) == 1


def test_spare_room_goes_where_it_saves_lines():
    """A code column whose every sub-area row wraps ("884S-BRO (sub-area)") gets its 19 characters before a
    single long name gets its last few: 6 rows saved against 1."""
    from placeplan.outputs.console import column_widths

    codes = ["Planning area"] + ["884S-BRO (sub-area)"] * 6 + ["8844004"]
    names = ["Name"] + ["Bromyard"] * 6 + ["Rural high schools (Fairfield, Kingstone, Weobley, Wigmore)"]
    cells = [codes, names]
    natural, words = [19, 59], [10, 10]
    # 70 characters: names first would give the name its 59 and the codes 11 (every sub-area row on 2 lines)
    assert column_widths(natural, words, [False, True], 70) == [11, 59]
    assert column_widths(natural, words, [False, True], 70, cells) == [19, 51]
