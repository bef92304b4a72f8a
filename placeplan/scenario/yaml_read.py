"""Read scenario YAML safely: no code, no duplicate keys, real dates, bounded nesting and aliases.

``parse_yaml`` never raises anything but ``YamlProblems``: every way a file can be wrong
(bad syntax, a ``!!python`` tag, a key given twice, an impossible date, nesting too deep, an
alias bomb, or an error inside the YAML library itself) becomes a located message.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

MAX_DEPTH = 100  # sections inside sections (a scenario needs under 10)
MAX_ALIASES = 1_000  # uses of a &anchor by *alias
MAX_NODES = 1_000_000  # values once every alias is expanded (the Herefordshire scenario has a few thousand)


class YamlProblems(Exception):
    """One or more located problems: ``(where, message)`` pairs; ``where`` may be empty."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{w}: {m}" if w else m for w, m in problems))


class _Stop(Exception):
    """A limit was passed: stop reading at once."""

    def __init__(self, where: str, message: str):
        self.where, self.message = where, message
        super().__init__(message)


def _line(mark: Any) -> str:
    return f"line {mark.line + 1}" if mark is not None else ""


class ScenarioLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and impossible dates, and bounds depth and alias expansion."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.found: list[tuple[str, str]] = []
        self._path: list[str] = []
        self._sizes: dict[int, int] = {}
        self._aliases = 0

    def _dotted(self) -> str:
        return ".".join(p for p in self._path if p)

    # --- composing: depth, aliases and expanded size -------------------------------------------
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _Stop(_line(mark), f"more than {MAX_ALIASES:,} *aliases (expected a scenario written out, "
                                         "not built from repeated anchors)")
            return super().compose_node(parent, index)
        if isinstance(index, ScalarNode):
            part = str(index.value)
        elif isinstance(index, int):
            part = str(index)
        else:
            part = ""  # a mapping key, or the document itself
        self._path.append(part)
        if len(self._path) > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise _Stop(_line(mark), f"nested more than {MAX_DEPTH} levels deep (expected sections a few levels "
                                     "deep)")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._path.pop()
        self._size(node)
        return node

    def _size(self, node: Any) -> int:
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        self._sizes[id(node)] = size
        if size > MAX_NODES:
            raise _Stop(_line(node.start_mark), f"more than {MAX_NODES:,} values once its *aliases are expanded "
                                                "(expected a scenario written out, not an alias bomb)")
        return size

    def compose_mapping_node(self, anchor: Any) -> Any:
        node = super().compose_mapping_node(anchor)
        seen: dict[Any, Any] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            first = seen.setdefault(key.value, key)
            if first is not key:
                dotted = ".".join(p for p in self._path + [str(key.value)] if p)
                self.found.append((f"line {key.start_mark.line + 1}, key {dotted}",
                                   f"{key.value!r} is given twice (first on line {first.start_mark.line + 1}; "
                                   "expected each key once)"))
        return node


def _timestamp(loader: ScenarioLoader, node: Any) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        loader.found.append((_line(node.start_mark), f"{node.value!r} is not a real date (expected YYYY-MM-DD, "
                                                     "e.g. 2027-09-01)"))
        return node.value


def _int(loader: ScenarioLoader, node: Any) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:  # more digits than Python converts
        loader.found.append((_line(node.start_mark), f"a number {len(str(node.value)):,} characters long "
                                                     "(expected a number of a sensible size)"))
        return 0


def _undefined(loader: ScenarioLoader, node: Any) -> Any:
    tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
    raise _Stop(_line(node.start_mark), f"not valid YAML for a scenario: the tag {tag} is not allowed "
                                        "(expected plain values: text, numbers, dates, lists and sections)")


ScenarioLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _int)
ScenarioLoader.add_constructor(None, _undefined)


def parse_yaml(text: str) -> Any:
    """The data in a YAML document; raises YamlProblems (and nothing else) when it cannot be used."""
    loader = ScenarioLoader(text)
    try:
        data = loader.get_single_data()
    except _Stop as stop:
        raise YamlProblems([(stop.where, stop.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "unreadable"
        raise YamlProblems([(where, f"not valid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([("", f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise YamlProblems([("", f"nested too deeply (expected at most {MAX_DEPTH} levels)")]) from None
    except Exception as exc:  # noqa: BLE001 - anything else inside the YAML library is still the file's problem
        raise YamlProblems([("", f"could not be read as YAML ({type(exc).__name__}: {exc})")]) from None
    finally:
        loader.dispose()
    if loader.found:
        raise YamlProblems(loader.found)
    return data
