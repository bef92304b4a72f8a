"""Drawing the report's figures once each, in parallel where it pays.

A chart or map function decorated with :func:`drawn` draws at once when called outside a
:func:`batch`. Inside one (``build_context`` opens it), the call is only recorded and returns a
:class:`Pending` placeholder; when the batch closes, every recorded figure is drawn, the same
figure (same function, same arguments) once however often it was asked for, in a pool of
processes when there are at least ``PARALLEL_FROM`` of them, and the placeholders in what the
batch built (``Image.png`` fields, lists, dicts, dataclasses) are swapped for the PNG bytes.

Each figure is a pure function of its arguments, so the bytes are the same drawn serially or in
parallel, in any order (``tests/test_report_speed.py`` checks it). ``PLACEPLAN_WORKERS`` sets the
number of processes (``1``: always serial); the default is the CPU count, at most ``MAX_WORKERS``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

PARALLEL_FROM = 6  # figures in a batch before a process pool pays for its start-up (about 0.2 s a worker)
MAX_WORKERS = 8

_batch: "_Batch | None" = None


class Pending:
    """A figure recorded in a batch, not drawn yet; ``bytes(p)`` (or reading it) draws it now."""

    __slots__ = ("_batch", "key")

    def __init__(self, batch: "_Batch", key: bytes):
        self._batch, self.key = batch, key

    def result(self) -> bytes:
        return self._batch.result(self.key)

    def __bytes__(self) -> bytes:
        return self.result()

    def __getitem__(self, item):  # e.g. Image.size reads the PNG header
        return self.result()[item]

    def __len__(self) -> int:
        return len(self.result())

    def __bool__(self) -> bool:
        return bool(self.result())


class _Batch:
    def __init__(self):
        self.jobs: dict[bytes, tuple[Callable, tuple, dict]] = {}
        self.done: dict[bytes, bytes] = {}

    def add(self, func: Callable, args: tuple, kwargs: dict) -> Pending:
        try:
            key = pickle.dumps((func.__module__, func.__qualname__, args, sorted(kwargs.items())),
                               protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - arguments that cannot be pickled: draw here and now
            key = repr(("unpicklable", len(self.jobs), func.__qualname__)).encode()
            self.done[key] = _draw((func, args, kwargs))
            return Pending(self, key)
        self.jobs.setdefault(key, (func, args, kwargs))
        return Pending(self, key)

    def result(self, key: bytes) -> bytes:
        if key not in self.done:
            self.done[key] = _draw(self.jobs[key])
        return self.done[key]

    def draw_all(self, workers: int | None = None) -> None:
        todo = [k for k in self.jobs if k not in self.done]
        workers = workers_for(len(todo)) if workers is None else min(workers, len(todo))
        if workers <= 1:
            for key in todo:
                self.result(key)
            return
        with ProcessPoolExecutor(max_workers=workers, initializer=_no_batch) as pool:
            for key, png in zip(todo, pool.map(_draw, [self.jobs[k] for k in todo])):
                self.done[key] = png


def _draw(job: tuple[Callable, tuple, dict]) -> bytes:
    """Draw one figure now (a drawn function it calls draws at once too, not into the batch)."""
    global _batch
    func, args, kwargs = job
    saved, _batch = _batch, None
    try:
        return getattr(func, "__wrapped__", func)(*args, **kwargs)
    finally:
        _batch = saved


def _no_batch() -> None:
    """A pool worker starts outside any batch (a forked worker inherits the parent's)."""
    global _batch
    _batch = None


def workers_for(jobs: int) -> int:
    """Processes to draw ``jobs`` figures with: 1 below ``PARALLEL_FROM``, else the CPUs (``PLACEPLAN_WORKERS``)."""
    setting = os.environ.get("PLACEPLAN_WORKERS", "").strip()
    if setting:
        try:
            wanted = int(setting)
        except ValueError:
            wanted = 1
    else:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        wanted = min(cpus or 1, MAX_WORKERS)
    return 1 if jobs < PARALLEL_FROM else max(1, min(wanted, jobs))


def drawn(func: Callable[..., bytes]) -> Callable[..., bytes]:
    """Mark a function that returns a figure's PNG bytes from picklable arguments (see the module docstring)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _batch is None:
            return func(*args, **kwargs)
        return _batch.add(wrapper, args, kwargs)

    return wrapper


@contextlib.contextmanager
def batch(workers: int | None = None):
    """Record the figures drawn inside; on leaving, draw them (once each, in parallel where it pays).

    Yields ``finish(value)``: the value with every placeholder it holds replaced by the PNG bytes. Call it
    on what the block built, inside the block. Batches do not nest (an inner one joins the outer).
    """
    global _batch
    if _batch is not None:
        yield lambda value: value
        return
    current = _batch = _Batch()

    def finish(value):
        current.draw_all(workers)
        return resolve(value)

    try:
        yield finish
    finally:
        _batch = None


def resolve(value: Any, _seen: set | None = None) -> Any:
    """``value`` with each ``Pending`` swapped for its bytes: in place in lists, dicts and dataclasses; tuples
    are rebuilt."""
    seen = set() if _seen is None else _seen
    if isinstance(value, Pending):
        return value.result()
    if id(value) in seen or isinstance(value, (str, bytes, int, float, bool, type(None))):
        return value
    seen.add(id(value))
    if isinstance(value, dict):
        for k, v in value.items():
            value[k] = resolve(v, seen)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            value[i] = resolve(v, seen)
    elif isinstance(value, tuple):
        items = [resolve(v, seen) for v in value]
        if any(a is not b for a, b in zip(items, value)):
            return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = resolve(old, seen)
            if new is not old:
                object.__setattr__(value, f.name, new)
    return value
