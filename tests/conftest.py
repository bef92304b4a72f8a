"""Shared fixtures: the toy council (a tiny example scenario) and editable copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SCENARIOS = PROJECT / "scenarios"
TOY = SCENARIOS / "toy_council.yaml"
HEREFORDSHIRE = SCENARIOS / "herefordshire.yaml"


@pytest.fixture(scope="session")
def toy():
    """The toy council, loaded once."""
    from placeplan import load_scenario

    return load_scenario(TOY)


@pytest.fixture
def toy_copy(tmp_path: Path) -> Path:
    """A writable copy of the toy council scenario; returns the YAML path."""
    shutil.copytree(SCENARIOS / "toy_council", tmp_path / "toy_council")
    shutil.copy(TOY, tmp_path / "toy_council.yaml")
    return tmp_path / "toy_council.yaml"


def edit_csv(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a CSV file (the test's way of breaking a table)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current code")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def hereford_results():
    """One run of the Herefordshire default shared by the tests that read it (200 draws, no back-test)."""
    import placeplan

    return placeplan.run(HEREFORDSHIRE, draws=200, backtest=False)


@pytest.fixture(scope="session")
def hereford_report():
    """One run of the default with its back-test (50 draws) and its HTML report, shared by the report tests."""
    import placeplan
    from placeplan.outputs.report import render_report_html

    results = placeplan.run(HEREFORDSHIRE, draws=50)
    return results, render_report_html(results)


@pytest.fixture(scope="session")
def hereford_pdf(hereford_report) -> bytes:
    """The shared default run's report as PDF, rendered once for the tests that read it."""
    from placeplan.outputs.report import render_report_pdf

    results, _ = hereford_report
    return render_report_pdf(results, backtest=results.backtest)
