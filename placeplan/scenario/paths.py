"""Where a scenario may read files from: containment by construction.

The rule
--------
Every path a scenario names (each table, ``planning_areas.geometry``, ``planning_areas.boundary``:
everything in ``ScenarioFile.referenced_files()``, after overrides and ``--set``) is

- relative: an absolute path is refused whatever it points at;
- read relative to the scenario's own folder, the folder that holds the YAML file;
- resolved with ``Path.resolve()``, so ``..`` steps and symbolic links are followed first;
- and the resolved path must lie inside the *containment root*.

The containment root is the scenario's own folder, or ``meta.data_root`` (relative to that folder)
when it names a folder inside it. ``data_root`` may narrow the root but can never widen it. A
``data_root`` that is absolute or resolves outside the scenario's folder is itself a problem (key
``meta.data_root``), and the scenario's folder stays the root.

A path outside the root is reported against the key that names it, and nothing at that path is
opened or tested for existence. Code that reads a scenario's files goes through :func:`contained`
(``load_scenario`` and ``Scenario.file`` both do), so no other route to a file exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

from placeplan.errors import Problem


class OutsideError(ValueError):
    """A path a scenario names lies outside its containment root; ``str()`` is the message."""


@dataclass(frozen=True)
class Containment:
    """The folder a scenario's files must lie in.

    Attributes
    ----------
    folder : Path
        The scenario's own folder (the YAML file's folder), resolved. Relative paths are read from it.
    root : Path
        The containment root: ``folder``, or the narrower ``meta.data_root`` inside it, resolved.
    """

    folder: Path
    root: Path

    def resolve(self, rel: str | PurePath) -> Path:
        """The resolved path of ``rel`` (relative to the scenario's folder); OutsideError when outside the root."""
        shown = str(rel)
        if PurePath(rel).is_absolute() or PurePath(shown).drive:
            raise OutsideError(f"path {shown!r} is absolute, so outside the {self._where()} "
                               "(expected a path relative to the scenario file, inside that folder)")
        if "\0" in shown:  # the OS refuses such a path; no file can be named by it
            raise OutsideError(f"path {shown!r} contains a NUL character (expected a path relative to the "
                               "scenario file, inside its folder)")
        target = (self.folder / rel).resolve()
        if not is_inside(target, self.root):
            raise OutsideError(f"path {shown!r} is outside the {self._where()} (expected a path inside it)")
        return target

    def _where(self) -> str:
        if self.root == self.folder:
            return f"scenario's folder {self.folder}"
        return f"scenario's data root {self.root} (meta.data_root)"


def containment(scenario_file: Path, data_root: str | None) -> tuple[Containment, str | None]:
    """The containment of a scenario file with its ``meta.data_root``, and a message when that root is refused."""
    folder = Path(scenario_file).resolve().parent
    whole = Containment(folder, folder)
    if data_root in (None, "", "."):
        return whole, None
    try:
        root = whole.resolve(data_root)
    except OutsideError as exc:
        return whole, f"{exc}; data_root may narrow the scenario's folder, never widen it"
    return Containment(folder, root), None


def contained(scenario_file: Path, data_root: str | None, rel: str) -> Path:
    """The resolved path of a file a scenario names; OutsideError when it (or the data root) is outside."""
    box, refused = containment(scenario_file, data_root)
    if refused:
        raise OutsideError(f"meta.data_root: {refused}")
    return box.resolve(rel)


def is_inside(target: Path, root: Path) -> bool:
    """Whether resolved ``target`` is ``root`` or lies below it (both already resolved)."""
    return target == root or root in target.parents


def check_files(refs: dict[str, str], box: Containment, scenario_file: str,
                origins: dict[str, str] | None = None) -> list[Problem]:
    """Every referenced file lies inside the containment root and exists (tested only when inside).

    ``origins`` maps keys set by an override or ``--set`` to where the value came from, which is
    then named in place of the scenario file.
    """
    problems = []
    for key, rel in refs.items():
        try:
            target = box.resolve(rel)
        except OutsideError as exc:
            source = next((o for k, o in (origins or {}).items() if key == k or key.startswith(k + ".")),
                          scenario_file)
            problems.append(Problem(source, key, str(exc)))
            continue
        if not target.is_file():
            problems.append(Problem(scenario_file, key, f"file {rel!r} does not exist (looked for {target})"))
    return problems
