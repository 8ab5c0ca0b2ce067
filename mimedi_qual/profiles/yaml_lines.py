"""YAML loading that remembers the line of every key.

PyYAML's composed node tree carries marks (line/column); we walk it once to
build both plain Python data and a map from a key path to its line, so a
pydantic error location like ``("instruments", "thermometer", "calibration",
"due")`` can be reported as ``sim.yaml:27``.

>>> data, lines = load_yaml_with_lines("profiles/benches/sim.yaml")
>>> lines[("bench", "id")]
5
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mimedi_qual.profiles.errors import ProfileError

KeyPath = tuple[Any, ...]


def load_yaml_with_lines(path: str | Path) -> tuple[Any, dict[KeyPath, int]]:
    """Parse ``path``; return (data, {key path: 1-based line})."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(path, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(path, None, f"cannot read: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ProfileError(path, line, f"invalid YAML: {exc.problem or exc}") from None
    if node is None:
        raise ProfileError(path, 1, "file is empty")
    lines: dict[KeyPath, int] = {}
    try:
        data = _convert(node, (), lines)
    except yaml.YAMLError as exc:
        raise ProfileError(path, None, f"invalid YAML: {exc}") from None
    return data, lines


def _convert(node: yaml.Node, key_path: KeyPath, lines: dict[KeyPath, int]) -> Any:
    lines.setdefault(key_path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader(  # construct the scalar key with YAML's own rules
                ""
            ).construct_object(key_node, deep=True)
            child = key_path + (key,)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, key_path + (i,), lines) for i, item in enumerate(node.value)]
    return yaml.SafeLoader("").construct_object(node, deep=True)


def line_of(lines: dict[KeyPath, int], loc: KeyPath) -> int | None:
    """Line for a (possibly too deep) location: the nearest known ancestor."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())
