"""Fuzz suite (issue 13 item 5): broken copies of the toy scenario never crash the loader.

Cases come from a seeded generator (``tests/fuzzgen.py``, ``random.Random(SEED)``), so they are
the same on every run and each test id names its mutation: YAML (a key deleted, duplicated,
retyped, a bad date or tag, an unknown key, another encoding, the file cut short, bad
indentation), CSV (columns dropped, renamed or added, bad cells, no rows, blank lines, ragged rows,
``;`` delimiters, formulas, a BOM, CRLF, other encodings), file references (missing, absolute,
``../``, a folder) and ``--set`` (bad values, unknown keys).

Each case runs ``placeplan validate`` in-process and must exit 0 or 2 with no traceback; on 2 the
output must name the file and a place in it (``<file>, <key or row/column>: ...``, or the file
alone for a problem with the whole file). A few accepted cases are also run (20 draws): exit 0 or
2, and on 2 nothing in the output folder. ``benchmarks/fuzz_campaign.py`` runs more seeds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import fuzzgen
from conftest import SCENARIOS
from placeplan.cli import main

SEED = 13
PER_KIND = 9
RAW, TABLES = fuzzgen.pristine(SCENARIOS)
CASES = {case.id: case for case in fuzzgen.generate(SEED, PER_KIND, RAW, TABLES)}

# Cases known to fail, with the reason (strict: they must keep failing until fixed).
XFAIL_VALIDATE: dict[str, str] = {}
XFAIL_RUN: dict[str, str] = {}  # the 10-year delay that crashed the report's programme section is fixed

# Accepted by validate and then run (each run costs about 3 s: keep this short).
RUN_SAMPLES = [
    "set-capital_projects.south_primary_expansion.delay_months=120",  # valid, but opens after the horizon
    "csv_crlf-schools.csv",
    "csv_bom-housing.csv",
    "csv_blank_line-births.csv-row15",
    "csv_encoding-births.csv-utf-16",
    "yaml_encoding-utf-16-accent",
    "yaml_delete-scenarios.stretched.1",
]


@pytest.fixture(scope="module")
def toy_base(tmp_path_factory) -> Path:
    """One pristine copy of the toy for the module; each case copies it again and breaks the copy."""
    base = tmp_path_factory.mktemp("toy_base")
    shutil.copytree(SCENARIOS / fuzzgen.TABLES, base / fuzzgen.TABLES)
    shutil.copy(SCENARIOS / fuzzgen.YAML_NAME, base / fuzzgen.YAML_NAME)
    return base


def _broken(case: fuzzgen.Case, base: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    root = tmp_path / "scenario"
    shutil.copytree(base, root)
    extra = fuzzgen.apply_case(case, root, RAW, TABLES)
    return root / fuzzgen.YAML_NAME, extra


def _main(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refusing the command line
        code = exc.code if isinstance(exc.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _params(ids, xfail: dict[str, str]):
    return [pytest.param(i, marks=pytest.mark.xfail(strict=True, reason=xfail[i])) if i in xfail else i
            for i in ids]


def test_generator_is_deterministic():
    again = fuzzgen.generate(SEED, PER_KIND, RAW, TABLES)
    assert [c.id for c in again] == list(CASES)
    assert [c.params for c in again] == [c.params for c in CASES.values()]
    assert len(CASES) >= 280
    assert {c.kind for c in CASES.values()} == set(fuzzgen.ALL_KINDS)
    assert set(RUN_SAMPLES) <= set(CASES) and set(XFAIL_VALIDATE) | set(XFAIL_RUN) <= set(CASES)


@pytest.mark.parametrize("case_id", _params(CASES, XFAIL_VALIDATE))
def test_validate_broken_copy(case_id, toy_base, tmp_path, capsys):
    case = CASES[case_id]
    path, extra = _broken(case, toy_base, tmp_path)
    code, output = _main(["validate", str(path), *extra], capsys)
    outcome = fuzzgen.judge(code, output, case)
    assert outcome in ("handled", "accepted"), f"{case_id}: {outcome} (exit {code})\n{output}"


@pytest.mark.parametrize("case_id", _params(RUN_SAMPLES, XFAIL_RUN))
def test_run_accepted_copy(case_id, toy_base, tmp_path, capsys):
    case = CASES[case_id]
    path, extra = _broken(case, toy_base, tmp_path)
    code, output = _main(["validate", str(path), *extra], capsys)
    assert code == 0, f"{case_id} no longer passes validate (choose another sample)\n{output}"
    out = tmp_path / "out"
    code, output = _main(["run", str(path), *extra, "--out", str(out), "--draws", "20"], capsys)
    assert code in (0, 2), output
    assert "Traceback (most recent call last)" not in output
    if code == 2:
        assert not out.exists() or not any(out.iterdir()), f"exit 2 but wrote {sorted(out.iterdir())}"
    else:
        assert (out / "run.json").is_file()


def test_binary_tag_on_a_file_reference_is_a_problem(toy_copy, capsys):
    """Found by the fuzz cases: ``table: !!binary AAAA`` is a path of NUL characters, which crashed
    ``Path.resolve``; it is now a problem against the key."""
    text = toy_copy.read_text().replace("table: toy_council/planning_areas.csv", "table: !!binary AAAA")
    toy_copy.write_text(text)
    code, output = _main(["validate", str(toy_copy)], capsys)
    assert code == 2
    assert "Traceback" not in output
    assert "toy_council.yaml, planning_areas.table: path '\\x00\\x00\\x00' contains a NUL character" in output


@pytest.mark.parametrize("key", ["stages.0.max_months", "delay_months", "stages.1.delay_months"])
def test_huge_months_are_refused(capsys, key):
    """Found by the campaign (seed 4): ``max_months: 1e300`` passed the schema and crashed validate's delivery
    simulation (simpy: negative delay -inf); months are now bounded (``MAX_MONTHS``, 50 years)."""
    from conftest import TOY

    code, output = _main(["validate", str(TOY), "--set", f"capital_projects.south_primary_expansion.{key}=1e300"],
                         capsys)
    assert code == 2 and "Traceback" not in output
    assert f"--set, capital_projects.south_primary_expansion.{key}: Input should be less than or equal to 600" in output
