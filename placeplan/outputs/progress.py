"""Progress on the terminal for long steps: a bar with its percentage and the time elapsed (rich.progress).

The computing functions (:func:`placeplan.api.run`, :func:`placeplan.compare.compare`,
:func:`placeplan.backtest.core.backtest`) take an optional ``progress`` callback, ``progress(done, step)``
with ``done`` the fraction of the work finished (0 to 1, increasing, ending at 1) and ``step`` a short label;
they call it between steps and it never changes a number. This module turns that callback into a bar on
stderr, shown only on a terminal and not with ``--quiet`` (so tests and CI logs stay clean).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

Callback = Callable[[float, str], None]


def shown(console: Console, quiet: bool = False) -> bool:
    """Whether to draw progress on ``console``: a terminal, and not ``--quiet``."""
    return not quiet and console.is_terminal


@contextmanager
def progress_bar(console: Console, description: str, enabled: bool) -> Iterator[Callback | None]:
    """Show a bar (description, bar, percentage, elapsed time) while the block runs; yields the callback
    to pass to the computing function, or None when ``enabled`` is false (nothing is drawn)."""
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[step]}", style="dim"))
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=1.0, step="")

        def update(done: float, step: str = "") -> None:
            bar.update(task, completed=min(max(float(done), 0.0), 1.0), step=step)

        yield update


@contextmanager
def stage(console: Console, description: str, enabled: bool) -> Iterator[None]:
    """A stage indicator for a step that cannot count its work (writing the report): spinner, elapsed time."""
    if not enabled:
        yield
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        bar.add_task(description, total=None)
        yield
