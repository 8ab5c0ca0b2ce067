"""The store: append-only, hash-chained, durable, validated."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimedi_qual.evidence.store import (
    GENESIS_HASH,
    EvidenceStore,
    EvidenceStoreError,
    NotACampaignError,
    canonical_json,
)
from mimedi_qual.evidence.verify import verify_campaign


def _independent_hash(seq, kind, utc, payload, prev_hash) -> str:
    # Written out again here, not imported, so a change to record_hash() that
    # silently alters the format makes this test fail.
    envelope = {"kind": kind, "payload": payload, "prev_hash": prev_hash, "seq": seq, "utc": utc}
    text = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_records_are_chained_with_sha256_over_canonical_json(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        first = store.append("note", {"b": 2, "a": "37 °C"})
        second = store.append("note", {"x": [1, 2.5]})
    assert first.seq == 1 and second.seq == 2
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.hash == _independent_hash(1, "note", first.utc, {"a": "37 °C", "b": 2}, GENESIS_HASH)
    assert second.hash == _independent_hash(2, "note", second.utc, {"x": [1, 2.5]}, first.hash)
    assert first.utc.endswith("Z") and "T" in first.utc


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": "µ"}) == '{"a":"µ","b":1}'.encode()
    with pytest.raises(EvidenceStoreError):
        canonical_json({"a": float("nan")})


def test_update_and_delete_are_refused_by_triggers(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        store.append("note", {"v": 1})
    db = sqlite3.connect(tmp_path / "c" / "evidence.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE records SET payload = '{\"v\":2}' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM records WHERE seq = 1")
    db.close()


def test_store_uses_wal_and_synchronous_full(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_reopen_continues_the_chain(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        head = store.append("note", {"v": 1})
    with EvidenceStore.open(tmp_path / "c") as store:
        assert store.head_hash == head.hash
        nxt = store.append("note", {"v": 2})
        assert nxt.prev_hash == head.hash and nxt.seq == 2
        assert [r.payload["v"] for r in store.records(kind="note")] == [1, 2]
    with pytest.raises(EvidenceStoreError):
        EvidenceStore.create(tmp_path / "c")


def test_open_refuses_a_directory_that_is_not_a_campaign(tmp_path: Path) -> None:
    with pytest.raises(NotACampaignError):
        EvidenceStore.open(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    sqlite3.connect(other / "evidence.sqlite").execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(NotACampaignError):
        EvidenceStore.open(other)


def test_records_are_immutable(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        record = store.append("note", {"v": [1]})
    record.payload["v"].append(2)  # a fresh copy each time: the record does not change
    assert record.payload == {"v": [1]}
    with pytest.raises(AttributeError):
        record.seq = 5  # type: ignore[misc]


def test_known_kinds_are_validated_against_their_schema(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        with pytest.raises(EvidenceStoreError, match="measurement payload invalid"):
            store.append("measurement", {"criterion_id": "OQ-TEMP-ACC", "value": 37.0})
        with pytest.raises(EvidenceStoreError, match="must match"):
            store.append("Bad Kind", {})
        assert len(store) == 0  # nothing half-written


def test_an_invalid_payload_is_an_evidence_error_with_the_schema_message(tmp_path: Path) -> None:
    """The schema raises pydantic's error, the store names the kind: one error type for every store refusal."""
    from mimedi_qual.errors import EvidenceError, MimediQualError

    with EvidenceStore.create(tmp_path / "c") as store:
        with pytest.raises(EvidenceStoreError) as err:
            store.append("measurement", {"criterion_id": "OQ-TEMP-ACC", "value": "warm"})
    assert isinstance(err.value, EvidenceError) and isinstance(err.value, MimediQualError)
    assert "value" in str(err.value) and "measurement payload invalid" in str(err.value)


def test_nan_measurement_is_kept_as_text(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        record = store.append(
            "measurement",
            {"criterion_id": "C", "value": float("nan"), "unit": "°C", "verdict": "fail",
             "instrument": "t", "scenario": "s", "statistics": {"mean": float("inf")}},
        )
    assert record.payload["value"] == "NaN"
    assert record.payload["statistics"]["mean"] == "Infinity"


def test_store_raw_names_file_by_sha256_and_records_it(tmp_path: Path) -> None:
    data = b"t_s,temperature_c\n0,37.0\n"
    with EvidenceStore.create(tmp_path / "c") as store:
        sha = store.store_raw(data, "csv", description="series")
        assert sha == hashlib.sha256(data).hexdigest()
        path = tmp_path / "c" / "raw" / f"{sha}.csv"
        assert path.read_bytes() == data
        assert store.raw_path(sha) == path
        (record,) = store.records(kind="raw_data")
        assert record.payload == {"sha256": sha, "file": f"raw/{sha}.csv", "size_bytes": len(data),
                                  "description": "series"}
        assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]
        with pytest.raises(EvidenceStoreError):
            store.store_raw(b"x", "../evil")


def test_orphan_raw_file_is_adopted_on_resume(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        store.append("note", {})
    data = b"written just before a crash"
    sha = hashlib.sha256(data).hexdigest()
    (tmp_path / "c" / "raw" / f"{sha}.bin").write_bytes(data)
    (tmp_path / "c" / "raw" / ".tmp-half-written").write_bytes(b"par")
    with EvidenceStore.open(tmp_path / "c") as store:
        assert store.adopt_orphan_raw_files() == [f"{sha}.bin"]
        assert store.records(kind="raw_data")[0].payload["adopted_after_interruption"] is True
    assert not (tmp_path / "c" / "raw" / ".tmp-half-written").exists()


def test_append_many_is_all_or_nothing(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        with pytest.raises(EvidenceStoreError):
            store.append_many([("note", {"ok": 1}), ("note", {"bad": object()})])
        assert len(store) == 0
        records = store.append_many([("note", {"i": i}) for i in range(3)])
        assert [r.seq for r in records] == [1, 2, 3]


def test_read_only_open_reads_and_refuses_appends(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        store.append("note", {"v": 1})
    with EvidenceStore.open(tmp_path / "c", read_only=True) as store:
        assert [r.payload for r in store.records()] == [{"v": 1}]
        with pytest.raises(EvidenceStoreError, match="read-only"):
            store.append("note", {"v": 2})



_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.text(), _json_values, max_size=5))
def test_any_json_payload_round_trips_and_hashes_as_specified(tmp_path_factory, payload) -> None:
    campaign = tmp_path_factory.mktemp("h") / "c"
    with EvidenceStore.create(campaign) as store:
        record = store.append("note", payload)
        assert record.payload == payload
        assert record.hash == _independent_hash(1, "note", record.utc, payload, GENESIS_HASH)
    assert verify_campaign(campaign).ok


def test_appends_from_several_threads_make_one_chain(tmp_path: Path) -> None:
    import threading

    with EvidenceStore.create(tmp_path / "c") as store:
        def writer(name: str) -> None:
            for i in range(25):
                store.append("note", {"writer": name, "i": i})

        threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(store) == 75
    assert verify_campaign(tmp_path / "c").ok
