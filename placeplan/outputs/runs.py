"""Run folders: each run kept in its own folder, and a ``latest`` pointer to the last complete one.

Layout (the default, when ``--out`` is not given)::

    reports/<meta.name>/                   the scenario's runs
        latest.txt                         the folder name of the last complete ``run`` (one line)
        latest.html                        opens that run's report (a redirect page)
        latest-compare.txt, latest-compare.html, latest-scap.txt, latest-backtest.txt
        run-base-1a2b3c4d/                 one folder per run
        run-high_growth-5e6f7a8b/
        run-set-policy.operating_margin=0.05-0c9d8e7f/
        compare-all-options-22aa31bc/

A run folder's name is ``<command>-<label>-<hash>``: the label says what was changed from the file as
written (the named scenario or overrides, ``--set`` values, compare's options; ``base`` when nothing),
and the hash is the first 8 hex digits of a SHA-256 over everything the run's figures depend on: the
settings after overrides, every table's contents, the seed and draws, the command and its options,
and placeplan's version. Two runs that differ in any input therefore land in different folders and
never overwrite each other; running the very same inputs again republishes the same folder (with the
same figures: runs are deterministic).

The pointer is a small text file, not a symlink, so it works on Windows too; it is written (atomically,
by ``os.replace``) only after the run folder is complete, so it always names one complete run.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from placeplan import __version__

POINTER = "latest"
RECORDS = ("run.json", "compare.json", "scap.json", "backtest.json")  # the input record each command writes
HASH_DIGITS = 8
LABEL_CHARS = 60
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 (hex) of a table's columns, types and values, row order included (index ignored)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in table.dtypes.items()]).encode())
    if len(table):
        digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def flat_settings(tree: Any, prefix: str = "") -> dict[str, Any]:
    """A nested settings tree as ``{"policy.operating_margin": 0.02, "capital_projects.0.name": ...}``."""
    if isinstance(tree, dict):
        out: dict[str, Any] = {}
        for key, value in tree.items():
            out.update(flat_settings(value, f"{prefix}{key}."))
        return out or ({prefix[:-1]: {}} if prefix else {})
    if isinstance(tree, (list, tuple)):
        out = {}
        for i, value in enumerate(tree):
            out.update(flat_settings(value, f"{prefix}{i}."))
        return out or {prefix[:-1]: []}
    return {prefix[:-1]: tree}


def run_inputs(scenario, command: str, *, draws: int, seed: int, extra: dict[str, Any] | None = None) -> dict:
    """What a run's figures depend on, as a JSON-ready record with its ``input_hash``.

    ``scenario``: a loaded Scenario; ``extra``: the command's own choices (compare's options and
    scenarios, the back-test's ``national``). Stored in the run's JSON; :func:`placeplan.outputs.diff`
    compares two of them.
    """
    settings = flat_settings(scenario.config.model_dump(mode="json"))
    tables = {name: {"rows": int(len(table)), "sha256": table_digest(table)}
              for name, table in sorted(scenario.tables.items())}
    record = {
        "command": command,
        "scenario_file": str(scenario.path),
        "scenario": scenario.scenario,
        "sets": [[key, value] for key, value in scenario.sets],
        "draws": int(draws),
        "seed": int(seed),
        "placeplan_version": __version__,
        "extra": dict(extra or {}),
        "tables": tables,
        "settings": settings,
    }
    hashed = {k: v for k, v in record.items() if k != "scenario_file"}  # the same files moved elsewhere: same run
    record["input_hash"] = hashlib.sha256(json.dumps(hashed, sort_keys=True, default=str).encode()).hexdigest()
    return record


def run_label(scenario, extra: dict[str, Any] | None = None) -> str:
    """The readable part of a run folder's name: what differs from the file as written (``base`` if nothing)."""
    parts = []
    if scenario.scenario:
        parts.append(scenario.scenario.replace(",", "+"))
    if scenario.sets:
        parts.append("set-" + "+".join(f"{key}={_short(value)}" for key, value in scenario.sets))
    for key, value in (extra or {}).items():
        if key == "options":
            parts.append("all-options" if value is None else
                         ("no-options" if not value else "options-" + "+".join(value)))
        elif key == "scenarios" and value:
            parts.append("scenarios-" + "+".join(value))
        elif key == "national" and value:
            parts.append("national")
    label = _UNSAFE.sub("_", "-".join(parts) or "base").strip("._-") or "base"
    return label[:LABEL_CHARS].rstrip("._-")


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text[:20]


def run_folder_name(command: str, label: str, input_hash: str) -> str:
    """``<command>-<label>-<first 8 hex digits of the input hash>``."""
    return f"{command}-{label}-{input_hash[:HASH_DIGITS]}"


def pointer_name(command: str) -> str:
    """``latest`` for ``run``, ``latest-<command>`` for the others (without the extension)."""
    return POINTER if command == "run" else f"{POINTER}-{command}"


def write_pointer(root: Path, command: str, folder: str, report: str | None = None) -> list[Path]:
    """Point ``root``'s ``latest`` (or ``latest-<command>``) at the run folder ``folder``; returns the files written.

    ``latest.txt`` holds the folder name; with ``report`` (a file in the folder, e.g. ``report.html``) a
    ``latest.html`` page opens it. Each is written to a temporary file and moved into place with
    ``os.replace``, which is atomic on Windows as on Linux and macOS.
    """
    root = Path(root)
    stem = pointer_name(command)
    written = [_replace(root / f"{stem}.txt", folder + "\n")]
    if report:
        target = html.escape(f"{folder}/{report}", quote=True)
        page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<meta http-equiv=\"refresh\" content=\"0; url={target}\">"
                f"<title>Latest placeplan {html.escape(command)}</title></head>\n"
                f"<body><p>The latest {html.escape(command)}: <a href=\"{target}\">{html.escape(folder)}</a></p>"
                "</body></html>\n")
        written.append(_replace(root / f"{stem}.html", page))
    return written


def _replace(path: Path, text: str) -> Path:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)
    return path


def resolve_run(path: Path, command: str = "run") -> Path:
    """A run folder from what an officer types: the folder itself, a ``latest*.txt`` pointer, or a
    scenario's runs folder (its ``latest`` pointer followed). Raises FileNotFoundError naming what is missing."""
    path = Path(path)
    if path.is_file() and path.suffix == ".txt":
        target = path.parent / path.read_text(encoding="utf-8").strip()
        if not target.is_dir():
            raise FileNotFoundError(f"{path} points at {target.name}, which is not a folder")
        return target
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such run folder (expected a run folder, a latest.txt, "
                                "or a scenario's reports folder)")
    pointer = path / f"{pointer_name(command)}.txt"
    if pointer.is_file() and not _has_run_record(path):
        return resolve_run(pointer, command)
    return path


def _has_run_record(folder: Path) -> bool:
    return any((folder / name).is_file() for name in RECORDS)
