"""The report's speed plumbing keeps its output: figures drawn in parallel give the same bytes as drawn
one by one, each figure is drawn once, and the grid that speeds up map labels finds the same collisions."""

from __future__ import annotations

import dataclasses
import random
import sys

import pytest

from conftest import PROJECT

sys.path.insert(0, str(PROJECT / "benchmarks"))


def _images(context) -> list[bytes]:
    from placeplan.outputs.report.blocks import Image

    found: list[bytes] = []

    def walk(value):
        if isinstance(value, Image):
            found.append(value.png)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))

    walk(context)
    return found


@pytest.fixture(scope="module")
def synthetic_results(tmp_path_factory):
    """The toy council copied twice (6 planning areas, with square polygons, so the report has maps)."""
    import placeplan
    from many_areas import write_many_areas

    path = write_many_areas(6, tmp_path_factory.mktemp("many"), draws=40)
    return placeplan.run(path, backtest=False)


def test_parallel_figures_are_the_serial_bytes(synthetic_results, monkeypatch):
    from placeplan.outputs.report import drawing
    from placeplan.outputs.report.context import build_context
    from placeplan.outputs.report.html import render

    monkeypatch.setattr(drawing, "PARALLEL_FROM", 1)
    monkeypatch.setenv("PLACEPLAN_WORKERS", "1")
    serial = build_context(synthetic_results)
    monkeypatch.setenv("PLACEPLAN_WORKERS", "2")
    calls = []
    real = drawing.ProcessPoolExecutor
    monkeypatch.setattr(drawing, "ProcessPoolExecutor", lambda **kw: calls.append(kw) or real(**kw))
    parallel = build_context(synthetic_results)
    assert calls and calls[0]["max_workers"] == 2  # the pool was used
    serial_png, parallel_png = _images(serial), _images(parallel)
    assert len(serial_png) >= 3 and all(isinstance(p, bytes) and p.startswith(b"\x89PNG") for p in serial_png)
    assert serial_png == parallel_png
    assert render(serial) == render(parallel)


def test_a_figure_asked_for_twice_is_drawn_once():
    from placeplan.outputs.report import drawing

    drawn_args = []

    @drawing.drawn
    def figure(n, label=""):
        drawn_args.append((n, label))
        return f"png {n} {label}".encode()

    with drawing.batch(workers=1) as finish:
        built = {"a": [figure(1, label="x"), figure(2)], "b": (figure(1, label="x"),)}
        assert isinstance(built["a"][0], drawing.Pending) and not drawn_args  # recorded, not drawn
        built = finish(built)
    assert built == {"a": [b"png 1 x", b"png 2 "], "b": (b"png 1 x",)}
    assert sorted(drawn_args) == [(1, "x"), (2, "")]
    assert figure(3) == b"png 3 "  # outside a batch: drawn at once


def test_label_grid_finds_the_same_collisions_as_checking_every_box():
    from matplotlib.transforms import Bbox

    from placeplan.outputs.report.maps import _Placed

    rng = random.Random(7)

    def box():
        x, y = rng.uniform(-50, 900), rng.uniform(-50, 700)
        return Bbox.from_bounds(x, y, rng.uniform(1, 150), rng.uniform(1, 40))

    placed, grid = [], _Placed()
    for _ in range(300):
        b = box()
        placed.append(b)
        grid.add(b)
    edge = Bbox.from_bounds(placed[0].x1, placed[0].y0, 10, 10)  # touching an edge is not overlapping
    for candidate in [box() for _ in range(2000)] + [edge]:
        assert grid.overlaps(candidate) == any(candidate.overlaps(p) for p in placed)
