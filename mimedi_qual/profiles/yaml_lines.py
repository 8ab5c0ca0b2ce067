"""YAML loading that remembers the line of every key — the one YAML reader of every profile.

PyYAML composes a node tree whose nodes carry marks (line/column); we
construct the data from that tree with PyYAML's safe constructor (so values
are exactly what ``yaml.safe_load`` gives) and walk it once for a map from a key
path to its line, so a pydantic error location like ``("instruments",
"thermometer", "calibration", "due_on")`` can be reported as ``sim.yaml:33``.

>>> data, lines = load_yaml_with_lines("profiles/benches/sim.yaml")
>>> lines[("bench", "id")]
6
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mimedi_qual.errors import ProfileError

KeyPath = tuple[Any, ...]


def load_yaml_with_lines(path: str | Path, *, allow_empty: bool = False) -> tuple[Any, dict[KeyPath, int]]:
    """Parse ``path``; return (data, {key path: 1-based line}).

    ``allow_empty``: a file with no document (only comments) gives ``(None, {})``
    instead of an error — for registries that may legitimately be empty.

    Every way a file can be unusable — missing, unreadable, not UTF-8 text, a
    control character (a binary file), invalid YAML, a key given twice in one
    mapping, empty — is a :class:`ProfileError` naming the file (and the line
    when there is one).
    """
    path = Path(path)
    text = _read_text(path)
    try:
        loader = yaml.SafeLoader(text)  # checks every character first: a binary file stops here
    except yaml.reader.ReaderError as exc:
        raise ProfileError(path, _line_at(text, exc.position),
                           f"not a YAML text file: control character {_codepoint(exc.character)} "
                           "is not allowed (a binary file?)") from None
    try:
        node = loader.get_single_node()
        if node is None:
            if allow_empty:
                return None, {}
            raise ProfileError(path, 1, "file is empty")
        data = loader.construct_document(node)
        lines: dict[KeyPath, int] = {}
        _record_lines(loader, node, (), lines)
    except _DuplicateKey as dup:
        dotted = ".".join(str(k) for k in dup.key_path)
        raise ProfileError(path, dup.line, f"{dotted}: duplicate key (first at line {dup.first_line}); "
                                           "YAML would silently keep only the last one") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ProfileError(path, line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ProfileError(path, None, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, lines


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(path, None, "file not found") from None
    except IsADirectoryError:
        raise ProfileError(path, None, "is a directory, not a profile file") from None
    except OSError as exc:
        raise ProfileError(path, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(path, raw.count(b"\n", 0, exc.start) + 1,
                           f"not a UTF-8 text file: byte 0x{raw[exc.start]:02x} at offset {exc.start} "
                           "(a binary file?)") from None


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _codepoint(character: int | str) -> str:
    return f"U+{character if isinstance(character, int) else ord(character):04X}"


class _DuplicateKey(Exception):
    def __init__(self, key_path: KeyPath, line: int, first_line: int):
        self.key_path, self.line, self.first_line = key_path, line, first_line


def _record_lines(loader: yaml.SafeLoader, node: yaml.Node, key_path: KeyPath,
                  lines: dict[KeyPath, int]) -> None:
    """Note the line of every key path under ``node`` (keys constructed by YAML's own rules)."""
    lines.setdefault(key_path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                child = key_path + (key,)
                hash(child)
            except TypeError:  # a complex key (a list as key) has no path; pydantic rejects it anyway
                continue
            line = key_node.start_mark.line + 1
            if key in first_seen:  # YAML would silently keep the last value: a criterion defined twice
                raise _DuplicateKey(child, line, first_seen[key])
            first_seen[key] = line
            lines[child] = line
            _record_lines(loader, value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record_lines(loader, item, key_path + (i,), lines)


def line_of(lines: dict[KeyPath, int], loc: KeyPath) -> int | None:
    """Line for a (possibly too deep) location: the nearest known ancestor."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())
