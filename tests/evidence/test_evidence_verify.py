"""verify_campaign names every altered, missing or added item — one byte is enough."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from mimedi_qual.evidence.store import EvidenceStore, NotACampaignError
from mimedi_qual.evidence.verify import verify_campaign


def _db(campaign: Path) -> Path:
    return campaign / "evidence.sqlite"


def _execute_bypassing_triggers(campaign: Path, sql: str, params: tuple = ()) -> None:
    """What an insider with sqlite3 could do: drop the guards, edit, put the guards back."""
    db = sqlite3.connect(_db(campaign))
    triggers = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    db.execute("DROP TRIGGER records_refuse_update")
    db.execute("DROP TRIGGER records_refuse_delete")
    db.execute(sql, params)
    db.commit()
    for (create,) in triggers:
        db.execute(create)
    db.commit()
    db.close()


def _flip_one_char(text: str) -> str:
    """Change exactly one character of a value, keeping the JSON valid."""
    start = text.index(":") + 1 if ":" in text else 0
    for index in range(start, len(text)):
        char = text[index]
        if char.isdigit():
            return text[:index] + str((int(char) + 1) % 10) + text[index + 1:]
        if char.isalpha():
            return text[:index] + ("b" if char != "b" else "c") + text[index + 1:]
    raise AssertionError(f"nothing to flip in {text!r}")


def _records(campaign: Path) -> list[tuple]:
    with EvidenceStore.open(campaign) as store:
        return [(r.seq, r.kind, r.payload_json) for r in store.records()]


def test_untouched_campaign_verifies(campaign_dir: Path) -> None:
    report = verify_campaign(campaign_dir)
    assert report.ok, report.problems
    assert report.records_checked == len(_records(campaign_dir))
    assert report.raw_files_checked == 4 and report.allure_files_checked == 2  # per measurement: series + JSON


def test_not_a_campaign(tmp_path: Path) -> None:
    with pytest.raises(NotACampaignError):
        verify_campaign(tmp_path)


def test_one_byte_changed_in_any_record_payload_is_named(campaign_dir: Path, tmp_path: Path) -> None:
    records = _records(campaign_dir)
    assert len(records) > 15
    for seq, kind, payload_json in records:
        copy = tmp_path / f"copy-{seq}"
        shutil.copytree(campaign_dir, copy)
        _execute_bypassing_triggers(copy, "UPDATE records SET payload = ? WHERE seq = ?",
                                    (_flip_one_char(payload_json), seq))
        report = verify_campaign(copy)
        named = [p for p in report.problems if p.item == f"record #{seq} ({kind})" and p.category == "altered"]
        assert named, f"record #{seq} ({kind}) altered but verify said: {report.problems}"


@pytest.mark.parametrize("column", ["kind", "utc", "prev_hash", "hash"])
def test_one_byte_changed_in_any_record_field_is_named(campaign_dir: Path, column: str) -> None:
    seq = 5
    db = sqlite3.connect(_db(campaign_dir))
    (value,) = db.execute(f"SELECT {column} FROM records WHERE seq = ?", (seq,)).fetchone()
    db.close()
    changed = value[:-1] + ("0" if value[-1] != "0" else "1")
    _execute_bypassing_triggers(campaign_dir, f"UPDATE records SET {column} = ? WHERE seq = ?", (changed, seq))
    report = verify_campaign(campaign_dir)
    assert not report.ok
    assert any(p.item.startswith(f"record #{seq} ") or p.item.startswith(f"record #{seq + 1} ")
               for p in report.problems), report.problems


def test_byte_edited_in_the_sqlite_file_itself_is_named(campaign_dir: Path) -> None:
    # No SQL at all: a hex editor on the database file (WAL checkpointed on close).
    assert not (campaign_dir / "evidence.sqlite-wal").exists() or \
        (campaign_dir / "evidence.sqlite-wal").stat().st_size == 0
    data = bytearray(_db(campaign_dir).read_bytes())
    needle = b'"value":37.9'
    assert data.count(needle) == 1
    at = data.index(needle) + len(b'"value":37.')
    data[at] = ord("1")  # 37.9 -> 37.1: the failed reading now "passes" its limits
    _db(campaign_dir).write_bytes(bytes(data))
    report = verify_campaign(campaign_dir)
    measurement_seq = next(seq for seq, kind, p in _records(campaign_dir) if kind == "measurement" and "37.1" in p)
    assert [str(p) for p in report.problems] == [
        f"altered: record #{measurement_seq} (measurement): content does not match its hash"
    ]


def test_deleted_record_is_named_missing(campaign_dir: Path) -> None:
    _execute_bypassing_triggers(campaign_dir, "DELETE FROM records WHERE seq = 7")
    report = verify_campaign(campaign_dir)
    assert any(p.category == "missing" and p.item == "record #7" for p in report.problems), report.problems


def test_inserted_record_is_named(campaign_dir: Path) -> None:
    db = sqlite3.connect(_db(campaign_dir))
    (last,) = db.execute("SELECT max(seq) FROM records").fetchone()
    db.execute("INSERT INTO records VALUES (?, 'note', '2026-01-01T00:00:00Z', '{}', ?, ?)",
               (last + 1, "f" * 64, "e" * 64))
    db.commit()
    db.close()
    report = verify_campaign(campaign_dir)
    assert any(p.item == f"record #{last + 1} (note)" for p in report.problems)


def _raw_files(campaign: Path) -> list[Path]:
    return sorted((campaign / "raw").iterdir())


def test_one_byte_changed_in_a_raw_file_is_named(campaign_dir: Path) -> None:
    target = _raw_files(campaign_dir)[0]
    data = bytearray(target.read_bytes())
    data[-2] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify_campaign(campaign_dir)
    assert [(p.category, p.item) for p in report.problems] == [("altered", f"raw/{target.name}")]


def test_missing_and_added_raw_files_are_named(campaign_dir: Path) -> None:
    removed = _raw_files(campaign_dir)[0]
    removed.unlink()
    (campaign_dir / "raw" / "planted.csv").write_text("t,v\n0,37\n")
    report = verify_campaign(campaign_dir)
    found = {(p.category, p.item) for p in report.problems}
    assert found == {("missing", f"raw/{removed.name}"), ("added", "raw/planted.csv")}


def test_raw_file_replaced_by_a_correctly_named_other_file_is_named(campaign_dir: Path) -> None:
    # Same content-address scheme but not the recorded file: added, and the original missing.
    import hashlib

    original = _raw_files(campaign_dir)[0]
    forged = b"t_s,value\n0,37.0\n"
    original.unlink()
    (campaign_dir / "raw" / f"{hashlib.sha256(forged).hexdigest()}.csv").write_bytes(forged)
    report = verify_campaign(campaign_dir)
    assert {p.category for p in report.problems} == {"missing", "added"}


def test_allure_result_changed_missing_added_are_named(campaign_dir: Path) -> None:
    results = sorted((campaign_dir / "allure-results").iterdir())
    changed, removed = results
    data = bytearray(changed.read_bytes())
    data[10] ^= 0x20
    changed.write_bytes(bytes(data))
    removed.unlink()
    (campaign_dir / "allure-results" / "9999-result.json").write_text("{}")
    report = verify_campaign(campaign_dir)
    found = {(p.category, p.item) for p in report.problems}
    assert found == {
        ("altered", f"allure-results/{changed.name}"),
        ("missing", f"allure-results/{removed.name}"),
        ("added", "allure-results/9999-result.json"),
    }


def test_recorded_artifact_changed_is_named(campaign_dir: Path) -> None:
    (campaign_dir / "report.html").write_text("<html>report</html>")
    with EvidenceStore.open(campaign_dir) as store:
        store.record_artifact("report.html", description="Allure single-file report")
    assert verify_campaign(campaign_dir).ok
    (campaign_dir / "report.html").write_text("<html>rep0rt</html>")
    report = verify_campaign(campaign_dir)
    assert [(p.category, p.item) for p in report.problems] == [("altered", "report.html")]


def test_garbage_database_is_reported_not_crashed(campaign_dir: Path) -> None:
    data = bytearray(_db(campaign_dir).read_bytes())
    data[0:16] = b"not a database!!"
    _db(campaign_dir).write_bytes(bytes(data))
    report = verify_campaign(campaign_dir)
    assert not report.ok and report.problems[0].item == "evidence.sqlite"


def test_raw_record_pointing_outside_raw_dir_is_invalid(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        store.append("raw_data", {"sha256": "0" * 64, "file": "raw/../evidence.sqlite", "size_bytes": 1})
    report = verify_campaign(tmp_path / "c")
    assert [(p.category, p.item) for p in report.problems] == [("invalid", "raw/../evidence.sqlite")]
