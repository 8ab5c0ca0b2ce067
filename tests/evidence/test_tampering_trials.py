"""The tampering trials of issue 17, as tests: each alteration of a signed campaign is caught and named.

A signed example campaign (the executor signed its start; ``campaign.json`` and
``summary.pdf`` recorded as views; a reviewer's and an approver's signature at
the end; ``measurements.jsonl`` beside it) is anchored in a lab ledger as it
is written. Each trial alters a copy the way a reviewer with write access
tried it — with SQLite and the project's own hashing code where a chain has to
be recomputed — and ``verify`` must report it, in the category and on the item
named here. Before the lab ledger (issue 17 item 2) the cut-off tails, the
stripped signatures, the rechained copies and the edited ``measurements.jsonl``
all verified INTACT.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from mimedi_qual.evidence.chained_jsonl import entry_hash
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.ledger import CAMPAIGN, Ledger
from mimedi_qual.evidence.signatures import sign_campaign
from mimedi_qual.evidence.store import STORE_FILE_NAME, EvidenceStore, canonical_json, record_hash, sha256_file
from mimedi_qual.evidence.users import Role, UserRegistry, deactivate_user
from mimedi_qual.evidence.verify import verify_campaign

PASSWORD = "correct horse battery"  # the conftest `signers` fixture's password
ADMIN = "adm.one"

MEASUREMENTS = "measurements.jsonl"


# -- the campaign under trial --------------------------------------------------------------------

@pytest.fixture
def signed(tmp_path: Path, signers, lab_ledger: Path) -> Path:
    """The example campaign executed, its views recorded, reviewed and signed off (the approver rejects it)."""
    directory = tmp_path / "C-EXAMPLE-0002"
    store = write_example_campaign(directory, executor_key=signers.executor_key, ledger=lab_ledger)
    with open(directory / MEASUREMENTS, "w", encoding="utf-8") as handle:   # as the plugin writes it
        for record in store.records(kind="measurement"):
            handle.write(json.dumps(record.payload, ensure_ascii=False) + "\n")
    (directory / "campaign.json").write_text(json.dumps({"Campaign": "C-EXAMPLE-0001"}), encoding="utf-8")
    store.record_artifact(directory / "campaign.json", description="campaign metadata (JSON)")
    (directory / "summary.pdf").write_bytes(b"%PDF-1.7\n% the summary\n%%EOF\n")
    store.record_artifact(directory / "summary.pdf", description="qualification summary report (PDF)")
    for user, role, meaning in (("rev.one", Role.REVIEWER, "reviewed"), ("appr.one", Role.APPROVER, "rejected")):
        sign_campaign(store, signers.registry, signers.keys_dir, user_id=user, password=PASSWORD, role=role,
                      meaning=meaning)
    store.close()
    return directory


def _verify(directory: Path, signers, ledger: Path, registry: UserRegistry | None = None):
    return verify_campaign(directory, registry or signers.registry, ledger)


def test_the_untouched_signed_campaign_is_intact_and_anchored(signed: Path, signers, lab_ledger: Path) -> None:
    report = _verify(signed, signers, lab_ledger)
    assert report.ok, report.problems
    heads = Ledger.load(lab_ledger).heads(CAMPAIGN, "C-EXAMPLE-0001")
    assert heads[-1].head_seq == report.head_seq and heads[-1].head_hash == report.head_hash
    # anchored as it advanced: start, each scenario, the deviation, the finish, each view, each signature
    events = [a.event for a in heads]
    for event in ("campaign_started", "scenario", "deviation", "campaign_finished", "artifact", "signature"):
        assert event in events, events
    assert events.count("signature") == 2


# -- tampering with SQLite and the project's hashing code -------------------------------------------

def _rows(directory: Path) -> list[list]:
    with sqlite3.connect(directory / STORE_FILE_NAME) as db:
        return [list(r) for r in db.execute("SELECT seq, kind, utc, payload, prev_hash, hash FROM records ORDER BY seq")]


def _write_rows(directory: Path, rows: list[list], *, rechain: bool) -> None:
    """Replace the records (triggers dropped, as anyone with the file can); rechain: renumber and rehash."""
    if rechain:
        previous = "0" * 64
        for seq, row in enumerate(rows, start=1):
            payload = json.loads(row[3])
            row[0], row[3], row[4] = seq, canonical_json(payload).decode(), previous
            row[5] = record_hash(seq, row[1], row[2], payload, previous)
            previous = row[5]
    db = sqlite3.connect(directory / STORE_FILE_NAME)
    db.executescript("DROP TRIGGER IF EXISTS records_refuse_update; DROP TRIGGER IF EXISTS records_refuse_delete; DELETE FROM records;")
    db.executemany("INSERT INTO records (seq, kind, utc, payload, prev_hash, hash) VALUES (?,?,?,?,?,?)", rows)
    db.commit()
    db.close()


def _cut(n: int) -> Callable[[Path], None]:
    def cut(directory: Path) -> None:
        _write_rows(directory, _rows(directory)[:-n], rechain=False)
    return cut


def _strip(kinds: tuple[str, ...], role: str | None = None) -> Callable[[Path], None]:
    def strip(directory: Path) -> None:
        rows = [r for r in _rows(directory)
                if not (r[1] in kinds and (role is None or json.loads(r[3]).get("role") == role))]
        _write_rows(directory, rows, rechain=True)
    return strip


def _edit_value(*, rechain: bool) -> Callable[[Path], None]:
    def edit(directory: Path) -> None:
        rows = _rows(directory)
        row = next(r for r in rows if r[1] == "measurement")
        payload = json.loads(row[3])
        payload["value"], payload["verdict"] = 37.05, "pass"
        row[3] = canonical_json(payload).decode()
        _write_rows(directory, rows, rechain=rechain)
    return edit


def _strip_signatures_and_edit_value(directory: Path) -> None:
    _write_rows(directory, [r for r in _rows(directory) if r[1] != "signature"], rechain=False)
    _edit_value(rechain=True)(directory)


def _swap_two_steps(directory: Path) -> None:
    rows = _rows(directory)
    steps = [i for i, r in enumerate(rows) if r[1] == "step"]
    rows[steps[0]], rows[steps[1]] = rows[steps[1]], rows[steps[0]]
    _write_rows(directory, rows, rechain=True)


def _insert_step(directory: Path) -> None:
    rows = _rows(directory)
    step = next(r for r in rows if r[1] == "step")
    rows.insert(5, list(step))
    _write_rows(directory, rows, rechain=True)


def _append_after_signing(directory: Path) -> None:
    rows = _rows(directory)
    rows.append([0, "step", rows[-1][2], json.dumps({"note": "added later"}), "", ""])
    _write_rows(directory, rows, rechain=True)


def _rename_campaign(directory: Path) -> None:
    rows = _rows(directory)
    payload = json.loads(rows[0][3])
    payload["campaign_id"] = "C-EXAMPLE-0099"
    rows[0][3] = canonical_json(payload).decode()
    _write_rows(directory, rows, rechain=True)


def _rewrite_from_scratch(directory: Path) -> None:
    """A whole new record written by the project's code (same campaign id, passing values, no ledger)."""
    shutil.rmtree(directory)
    write_example_campaign(directory, failing=False).close()


def _restore_backup(backup: Path) -> Callable[[Path], None]:
    def restore(directory: Path) -> None:
        shutil.copy2(backup / STORE_FILE_NAME, directory / STORE_FILE_NAME)
    return restore


# -- tampering with the files ----------------------------------------------------------------------

def _edit_measurements_line(directory: Path) -> None:
    path = directory / MEASUREMENTS
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["value"], first["verdict"] = 37.05, "pass"
    lines[0] = json.dumps(first, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _drop_measurements_line(directory: Path) -> None:
    path = directory / MEASUREMENTS
    path.write_text("\n".join(path.read_text(encoding="utf-8").splitlines()[1:]) + "\n", encoding="utf-8")


def _add_measurements_line(directory: Path) -> None:
    with open(directory / MEASUREMENTS, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"criterion_id": "OQ-PH-ACC", "value": 7.0, "verdict": "pass"}) + "\n")


def _add_file(relative: str) -> Callable[[Path], None]:
    def add(directory: Path) -> None:
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("value,37.0\n", encoding="utf-8")
    return add


def _add_raw_file(directory: Path) -> None:
    data = b"instrument,value\nref-thermometer,37.0\n"
    import hashlib

    (directory / "raw" / f"{hashlib.sha256(data).hexdigest()}.csv").write_bytes(data)


def _raw_file(directory: Path) -> Path:
    return sorted((directory / "raw").glob("*.csv"))[0]


def _delete_raw_file(directory: Path) -> None:
    _raw_file(directory).unlink()


def _edit_raw_file(directory: Path) -> None:
    path = _raw_file(directory)
    path.write_text(path.read_text(encoding="utf-8").rsplit("\n", 2)[0] + "\n", encoding="utf-8")   # a reading less


def _replace(relative: str, data: bytes | None) -> Callable[[Path], None]:
    def replace(directory: Path) -> None:
        if data is None:
            (directory / relative).unlink()
        else:
            (directory / relative).write_bytes(data)
    return replace


def _first_allure(directory: Path) -> str:
    return sorted((directory / "allure-results").glob("*.json"))[0].relative_to(directory).as_posix()


# -- tampering with the ledger -----------------------------------------------------------------------

def _ledger_lines(ledger: Path) -> list[dict]:
    return [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]


def _write_ledger(ledger: Path, lines: list[dict]) -> None:
    ledger.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in lines), encoding="utf-8")


def _ledger_edit_head(ledger: Path, *, rehash: bool) -> None:
    lines = _ledger_lines(ledger)
    lines[-1]["head_hash"] = "f" * 64
    if rehash:   # the line's own hash recomputed: the link from nothing after it, but the heads disagree
        lines[-1]["hash"] = entry_hash({k: v for k, v in lines[-1].items() if k != "hash"})
    _write_ledger(ledger, lines)


def _ledger_drop_middle(ledger: Path) -> None:
    lines = _ledger_lines(ledger)
    del lines[2]
    _write_ledger(ledger, lines)


def _ledger_drop_campaign(ledger: Path) -> None:
    """Every line of this campaign removed and the ledger rechained with the project's code."""
    kept = [line for line in _ledger_lines(ledger) if line["id"] != "C-EXAMPLE-0001"]
    previous = "0" * 64
    for seq, line in enumerate(kept, start=1):
        line.update(seq=seq, prev_hash=previous)
        line["hash"] = entry_hash({k: v for k, v in line.items() if k != "hash"})
        previous = line["hash"]
    _write_ledger(ledger, kept)


# -- the trials --------------------------------------------------------------------------------------

#: (trial, how the campaign directory is altered, category, a word of the problem's item)
CAMPAIGN_TRIALS: list[tuple[str, Callable[[Path], None], str, str]] = [
    ("cut the last record (the approval)", _cut(1), "missing", "record #"),
    ("cut the last 2 records (both signatures)", _cut(2), "missing", "records #"),
    ("cut the last 3 records (signatures, PDF record)", _cut(3), "missing", "records #"),
    ("cut the last 4 records (signatures, artifact records)", _cut(4), "missing", "records #"),
    ("strip every signature and rechain", _strip(("signature",)), "missing", "records #"),
    ("strip the approver's signature and rechain", _strip(("signature",), "approver"), "missing", "record #"),
    ("strip the artifact records and rechain", _strip(("artifact",)), "altered", "record #"),
    ("strip the deviation and rechain", _strip(("deviation",)), "altered", "record #"),
    ("edit a measured value, rechain with the project's code", _edit_value(rechain=True), "altered", "record #"),
    ("strip the signatures, edit a value, rechain", _strip_signatures_and_edit_value, "missing", "records #"),
    ("edit a measured value, no rechain", _edit_value(rechain=False), "altered", "record #"),
    ("swap two steps and rechain", _swap_two_steps, "altered", "record #"),
    ("insert a step and rechain", _insert_step, "altered", "record #"),
    ("append a record after the approval and rechain", _append_after_signing, "unanchored", "record #"),
    ("rename the campaign in a rechained copy", _rename_campaign, "unanchored", "ledger"),
    ("write a new record from scratch with the project's code", _rewrite_from_scratch, "missing", "records #"),
    ("edit a value in measurements.jsonl", _edit_measurements_line, "altered", MEASUREMENTS),
    ("drop a line of measurements.jsonl", _drop_measurements_line, "missing", MEASUREMENTS),
    ("add a line to measurements.jsonl", _add_measurements_line, "altered", MEASUREMENTS),
    ("add an unrecorded file at the top", _add_file("notes.csv"), "added", "notes.csv"),
    ("add an unrecorded file in a new folder", _add_file("extra/more.csv"), "added", "extra/more.csv"),
    ("add an unrecorded raw file named by its hash", _add_raw_file, "added", "raw/"),
    ("delete a raw file", _delete_raw_file, "missing", "raw/"),
    ("edit a raw file", _edit_raw_file, "altered", "raw/"),
    ("swap the summary PDF", _replace("summary.pdf", b"%PDF-1.7\n% another summary\n%%EOF\n"), "altered",
     "summary.pdf"),
    ("delete the summary PDF", _replace("summary.pdf", None), "missing", "summary.pdf"),
    ("edit campaign.json", _replace("campaign.json", b'{"Campaign": "C-OTHER"}'), "altered", "campaign.json"),
]


@pytest.mark.parametrize(("trial", "tamper", "category", "item"), CAMPAIGN_TRIALS,
                         ids=[t[0] for t in CAMPAIGN_TRIALS])
def test_a_tampered_campaign_is_caught_and_named(signed: Path, signers, lab_ledger: Path, trial: str,
                                                 tamper: Callable[[Path], None], category: str, item: str) -> None:
    tamper(signed)
    report = _verify(signed, signers, lab_ledger)
    assert not report.ok, f"{trial}: verified INTACT"
    assert any(p.category == category and item in p.item for p in report.problems), (trial, report.problems)


def test_a_record_rolled_back_to_a_backup_taken_before_the_signatures_is_caught(
        tmp_path: Path, signers, lab_ledger: Path) -> None:
    directory = tmp_path / "C-BACKUP"
    store = write_example_campaign(directory, executor_key=signers.executor_key, ledger=lab_ledger)
    store.close()
    backup = tmp_path / "backup"
    shutil.copytree(directory, backup)
    with EvidenceStore.open(directory) as store:
        sign_campaign(store, signers.registry, signers.keys_dir, user_id="rev.one", password=PASSWORD,
                      role=Role.REVIEWER, meaning="reviewed")
    _restore_backup(backup)(directory)
    report = _verify(directory, signers, lab_ledger)
    assert any(p.category == "missing" and "cut-off tail" in p.detail for p in report.problems), report.problems


LEDGER_TRIALS: list[tuple[str, Callable[[Path], None], str]] = [
    ("edit a head in the ledger", lambda ledger: _ledger_edit_head(ledger, rehash=False), "altered"),
    ("edit a head in the ledger and rehash its line", lambda ledger: _ledger_edit_head(ledger, rehash=True),
     "altered"),
    ("delete a line in the middle of the ledger", _ledger_drop_middle, "altered"),
    ("remove the campaign from the ledger and rechain it", _ledger_drop_campaign, "unanchored"),
    ("delete the ledger", lambda ledger: ledger.unlink(), "unverifiable"),
]


@pytest.mark.parametrize(("trial", "tamper", "category"), LEDGER_TRIALS, ids=[t[0] for t in LEDGER_TRIALS])
def test_a_tampered_ledger_is_caught_and_named(signed: Path, signers, lab_ledger: Path, trial: str,
                                               tamper: Callable[[Path], None], category: str) -> None:
    tamper(lab_ledger)
    report = _verify(signed, signers, lab_ledger)
    assert any(p.category == category and "ledger" in p.item + p.detail for p in report.problems), \
        (trial, report.problems)


def test_no_ledger_at_all_fails_closed_and_skipping_it_is_a_warning(signed: Path, signers, tmp_path: Path) -> None:
    report = _verify(signed, signers, tmp_path / "elsewhere" / "lab-ledger.jsonl")
    assert [p.category for p in report.problems] == ["unverifiable"]
    skipped = verify_campaign(signed, signers.registry, None)
    assert skipped.ok and any("not checked against a lab ledger" in w for w in skipped.warnings)


def test_a_registry_cut_at_its_tail_is_caught_by_its_anchor(signed: Path, signers, tmp_path: Path,
                                                             lab_ledger: Path) -> None:
    """Cutting off a deactivation would let the deactivated user sign again; the registry's anchor shows it."""
    users = tmp_path / "registry"
    shutil.copytree(signers.registry_path.parent, users)
    registry_path = users / signers.registry_path.name
    view_before = registry_path.read_bytes()
    deactivate_user(registry_path, users / "keys", user_id="qa.both", by=ADMIN, by_password=PASSWORD,
                    reason="left the company")
    log = registry_path.with_name("registry-log.jsonl")
    assert _verify(signed, signers, lab_ledger, UserRegistry.load(registry_path)).ok
    log.write_text("".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    registry_path.write_bytes(view_before)   # the users.yaml view put back as it was: a consistent, shorter history
    report = _verify(signed, signers, lab_ledger, UserRegistry.load(registry_path))
    assert any(p.category == "altered" and p.item == "user registry" and "cut-off tail" in p.detail
               for p in report.problems), report.problems


def test_an_interrupted_run_s_unanchored_last_records_are_a_warning_not_a_forgery(
        tmp_path: Path, signers, lab_ledger: Path) -> None:
    directory = tmp_path / "C-KILLED"
    store = write_example_campaign(directory, executor_key=signers.executor_key, ledger=lab_ledger, finish=False)
    # records written, then the process dies before the next anchor (no close)
    rows = _rows(directory)
    store._db.close()
    rows.append([0, "step", rows[-1][2], json.dumps({"feature": "f", "scenario": "s", "keyword": "Given",
                                                     "text": "t", "status": "passed"}), "", ""])
    _write_rows(directory, rows, rechain=True)
    report = _verify(directory, signers, lab_ledger)
    assert not [p for p in report.problems if p.category == "unanchored"], report.problems
    assert any("not yet anchored" in w for w in report.warnings)


def test_every_file_is_checked_or_named_and_sha_of_views_match(signed: Path, signers, lab_ledger: Path) -> None:
    (signed / "bench.json").write_text("{}", encoding="utf-8")   # a working file of a run
    report = _verify(signed, signers, lab_ledger)
    assert report.ok and any(w.startswith("bench.json: working file") for w in report.warnings)
    assert sha256_file(signed / "summary.pdf") in {json.loads(r[3]).get("sha256") for r in _rows(signed)}


def test_a_raw_file_left_by_a_kill_before_its_record_is_a_warning_until_the_campaign_finishes(
        tmp_path: Path, signers, lab_ledger: Path) -> None:
    """store_raw writes the file, then its record: a kill between the two leaves a raw file named by its
    own hash and no record. In an unfinished campaign that is the crash window (resume adopts it), not an
    addition; in a finished one the same file is an addition (the trial above)."""
    directory = tmp_path / "C-KILLED-RAW"
    store = write_example_campaign(directory, executor_key=signers.executor_key, ledger=lab_ledger, finish=False)
    store.close()
    _add_raw_file(directory)
    report = _verify(directory, signers, lab_ledger)
    assert not [p for p in report.problems if p.category == "added"], report.problems
    assert any("written before the run stopped" in w for w in report.warnings), report.warnings
    (next((directory / "raw").glob("*.csv"))).write_bytes(b"not its hash")   # content no longer its name
    report = _verify(directory, signers, lab_ledger)
    assert any(p.category in ("added", "altered") for p in report.problems), report.problems


def test_a_temporary_raw_file_cut_off_by_a_kill_is_a_warning_until_finished_and_resume_removes_it(
        tmp_path: Path, signed: Path, signers, lab_ledger: Path) -> None:
    """store_raw writes ``raw/.tmp-<hash>.<ext>.<pid>``, fsyncs it, renames it to its hash: a kill before
    the rename leaves the temporary file (found by a fresh-clone CI run of the kill-and-resume test).
    Unfinished, it is the crash window, named as a warning; resume deletes it. In a finished campaign
    the same file is an addition."""
    directory = tmp_path / "C-KILLED-TMP"
    store = write_example_campaign(directory, executor_key=signers.executor_key, ledger=lab_ledger, finish=False)
    store.close()
    leftover = directory / "raw" / f".tmp-{'ab' * 32}.txt.4242"
    leftover.write_bytes(b"half a readi")
    report = _verify(directory, signers, lab_ledger)
    assert not [p for p in report.problems if p.category == "added"], report.problems
    assert any(w.startswith("raw/.tmp-") and "cut off" in w for w in report.warnings), report.warnings
    reopened = EvidenceStore.open(directory)
    assert reopened.adopt_orphan_raw_files() == [] and not leftover.exists()
    reopened.close()

    (signed / "raw" / leftover.name).write_bytes(b"half a readi")
    report = _verify(signed, signers, lab_ledger)
    assert [p for p in report.problems if p.category == "added" and ".tmp-" in p.item], report.problems
