"""Append-only, hash-chained JSON Lines files: the pattern the registry history and the lab ledger share.

Each line is one JSON object with ``seq`` (1, 2, 3, …), ``prev_hash`` (the
previous line's ``hash``; the first line's is :data:`GENESIS_HASH`) and
``hash``, the SHA-256 of the canonical JSON (sorted keys, no whitespace,
UTF-8) of the line without ``hash`` and without the fields the caller names
as outside the hash (a signature over the hash, for instance). A line is
written with ``O_APPEND`` and fsynced before :func:`append_line` returns, under
an exclusive lock held by :func:`locked` across processes.

The chain shows that nothing was changed, inserted or removed *inside* the
file; cutting lines off its end leaves a shorter valid chain, which is why a
chain's head must be anchored somewhere else (campaigns and the user registry
anchor theirs in the lab ledger, :mod:`mimedi_qual.evidence.ledger`)::

    body = {"seq": 1, "prev_hash": GENESIS_HASH, "what": "x"}
    line = dict(body, hash=entry_hash(body))
    append_line(path, line)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

GENESIS_HASH = "0" * 64


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes a hash is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``body`` (the entry without ``hash`` and unhashed fields)."""
    return hashlib.sha256(canonical(dict(body))).hexdigest()


def append_line(path: Path, entry: Mapping[str, Any]) -> None:
    """Append ``entry`` as one JSON line with O_APPEND and fsync it (creating the file and its folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(entry), sort_keys=True, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def last_line(path: Path) -> dict[str, Any] | None:
    """The last entry of the file (read from its end, not the whole file); None when empty or missing."""
    path = Path(path)
    if not path.is_file():
        return None
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        block, data = 4096, b""
        while size > 0:
            step = min(block, size)
            size -= step
            handle.seek(size)
            data = handle.read(step) + data
            if data.rstrip(b"\n").count(b"\n") >= 1:
                break
    lines = [line for line in data.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


@contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (one writer at a time, across processes)."""
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
