"""Measure the evidence store: durable appends per second, and how long ``verify`` takes.

Timing figures belong in a benchmark, not in tests. Run::

    python -m mimedi_qual.evidence.benchmark            # 2,000 records, in a temp dir
    python -m mimedi_qual.evidence.benchmark 20000 --dir reports/bench

It prints records/s for single-record commits (the durable path every
campaign uses), for ``append_many`` batches, the bare SQLite ceiling on the
same disk (WAL + synchronous=FULL, one INSERT per commit, no hashing), and
the time ``verify_campaign`` needs per record.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.verify import verify_campaign

_PAYLOAD_PADDING = "x" * 220  # ~300-byte records, the size of a typical step record


def _bare_sqlite_records_per_s(directory: Path, count: int) -> float:
    path = directory / "bare.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, payload TEXT)")
    started = time.perf_counter()
    for _ in range(count):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (payload) VALUES (?)", (_PAYLOAD_PADDING,))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return count / elapsed


def run(count: int, directory: Path) -> dict[str, float]:
    directory.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {}
    campaign = directory / "single"
    with EvidenceStore.create(campaign) as store:
        started = time.perf_counter()
        for i in range(count):
            store.append("note", {"i": i, "value_c": 37.0 + i * 1e-3, "text": _PAYLOAD_PADDING})
        figures["append_records_per_s"] = count / (time.perf_counter() - started)
    with EvidenceStore.create(directory / "batched") as store:
        started = time.perf_counter()
        for start in range(0, count, 100):
            store.append_many(
                [("note", {"i": i, "text": _PAYLOAD_PADDING}) for i in range(start, min(start + 100, count))]
            )
        figures["append_many_100_records_per_s"] = count / (time.perf_counter() - started)
    figures["bare_sqlite_full_records_per_s"] = _bare_sqlite_records_per_s(directory, min(count, 2000))
    report = verify_campaign(campaign)
    assert report.ok, report.problems
    figures["verify_s"] = report.duration_s
    figures["verify_us_per_record"] = report.duration_s / count * 1e6
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: a temp dir, removed)")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="evidence-bench-"))
    try:
        for name, value in run(args.count, directory).items():
            print(f"{name:34s} {value:12.1f}")
    finally:
        if args.dir is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
