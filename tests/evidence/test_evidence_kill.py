"""A writer killed with SIGKILL mid-campaign loses nothing it had recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.verify import verify_campaign

WRITER = textwrap.dedent(
    """
    import sys
    from mimedi_qual.evidence.store import EvidenceStore

    store = EvidenceStore.create(sys.argv[1])
    store.append("note", {"phase": "started"})
    i = 0
    while True:
        i += 1
        if i % 10 == 0:
            sha = store.store_raw(("t_s,value\\n%d,37.0\\n" % i).encode(), "csv")
        store.append("note", {"i": i, "padding": "x" * 200})
        # printed only after append() returned: the record is committed
        print(i, flush=True)
    """
)


def test_sigkill_mid_loop_leaves_a_verifiable_chain_with_every_committed_record(tmp_path: Path) -> None:
    campaign = tmp_path / "C-KILLED"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(campaign)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    confirmed = 0
    assert writer.stdout is not None
    for line in writer.stdout:
        confirmed = int(line)
        if confirmed >= 150:
            writer.send_signal(signal.SIGKILL)  # no atexit, no close(), no checkpoint
            break
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL

    report = verify_campaign(campaign)
    # a raw file renamed but not yet recorded when the kill landed is the only thing allowed
    unexpected = [p for p in report.problems if not (p.category == "added" and p.item.startswith("raw/"))]
    assert unexpected == [], report.problems
    with EvidenceStore.open(campaign) as store:
        numbers = [r.payload["i"] for r in store.records(kind="note") if "i" in r.payload]
        assert numbers[: confirmed] == list(range(1, confirmed + 1)), "a confirmed record was lost"
        assert len(numbers) >= confirmed
        # resume: adopt the orphan (if any), carry on, and the chain still verifies
        store.adopt_orphan_raw_files()
        store.append("interruption", {"last_seq_before": store.head.seq, "last_utc_before": store.head.utc})
    assert verify_campaign(campaign).ok


def test_two_writer_processes_make_one_valid_chain(tmp_path: Path) -> None:
    campaign = tmp_path / "C-SHARED"
    EvidenceStore.create(campaign).close()
    code = textwrap.dedent(
        """
        import sys
        from mimedi_qual.evidence.store import EvidenceStore
        with EvidenceStore.open(sys.argv[1]) as store:
            for i in range(40):
                store.append("note", {"writer": sys.argv[2], "i": i})
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", code, str(campaign), name]) for name in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    report = verify_campaign(campaign)
    assert report.ok, report.problems
    assert report.records_checked == 80
