"""``measurements.jsonl``: one line per recorded measurement, for tools and scripts — a view of the record.

Each line is the ``measurement`` record's payload as the evidence store holds
it (criterion_id, value, unit, low, high, verdict, instrument, statistics,
scenario, feature, urs, method, the raw files by SHA-256 …), appended as the
measurement is recorded, so a script can follow a running campaign with
``tail -f``. The evidence store stays the source of truth: this file is not
hash-chained and ``verify`` does not read it.

    >>> import json, tempfile, pathlib
    >>> campaign_dir = pathlib.Path(tempfile.mkdtemp())
    >>> append_measurement_line(campaign_dir, {"criterion_id": "OQ-TEMP-ACC", "verdict": "pass"})
    >>> json.loads((campaign_dir / MEASUREMENTS_FILE).read_text())["verdict"]
    'pass'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

MEASUREMENTS_FILE = "measurements.jsonl"


def append_measurement_line(campaign_dir: Path, payload: Mapping[str, Any]) -> None:
    """Append one measurement payload as a JSON line (flushed: a crashed run keeps what it measured)."""
    line = json.dumps(dict(payload), ensure_ascii=False)
    with open(Path(campaign_dir) / MEASUREMENTS_FILE, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()


def write_measurement_lines(campaign_dir: Path, payloads: Iterable[Mapping[str, Any]]) -> Path:
    """Rewrite the file from the record's measurements (``run --resume``: without a superseded partial run).

    Written beside and renamed over, so a reader sees the old file or the new one, never half of one.
    """
    path = Path(campaign_dir) / MEASUREMENTS_FILE
    tmp = path.with_name(f".{MEASUREMENTS_FILE}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        for payload in payloads:
            handle.write(json.dumps(dict(payload), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path
