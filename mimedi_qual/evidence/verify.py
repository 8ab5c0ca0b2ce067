"""Prove a campaign directory untouched, or name every item that changed.

:func:`verify_campaign` re-derives everything from the bytes on disk and
trusts nothing stored as a conclusion:

1. **Chain** — every record's hash is recomputed from its fields and compared
   with the stored hash; each ``prev_hash`` must equal the previous record's
   hash; sequence numbers must run 1, 2, 3, … without gaps.
2. **Raw data** — each ``raw_data`` record's file must exist, hash to its
   name and to the recorded SHA-256; any other file in ``raw/`` is *added*.
3. **Allure results** — each file recorded by :func:`record_allure_results`
   must exist with the recorded hash; other files in ``allure-results/`` are
   *added*. Likewise every view (``report.html``, ``summary.pdf``) against
   its *latest* ``artifact`` or ``view_rebuilt`` record: a PDF rebuilt after
   a signature is recorded, so it is checked, not reported as altered; the
   report names the record each view matches (:attr:`VerificationReport.views`)
   and, for a view that matches none, whether it is an earlier build.
   :func:`match_view_copy` tells which record a copy held elsewhere matches.
4. **Signatures** — each Ed25519 signature must verify over its manifest;
   the signed head hash must be the hash of the record it names; the signer
   must have been in the user registry's history (``registry-log.jsonl``)
   with that key and role when signing — a signer the history does not know,
   or no registry at all, is a problem, never a warning; the role rules must
   hold, and a release decision the signature carries must have been allowed
   on the record it signed (no failed criterion or open deviation unless a
   conditional release names them; approved protocol; complete; not a dry
   run). The executor's signature over the start (``campaign_started``) is
   checked likewise, and an executor signature must be by the identity and
   key the start recorded (a dry run has no executor who can sign). Protocol
   approvals in ``protocol`` records are checked likewise, and so is every
   signed act on a deviation (``deviation_closure``, ``deviation_reopened``):
   its Ed25519 signature, the signer's key and role in the registry's history,
   the deviation it names, a closing role that is not the campaign's executor,
   one closure at a time.

::

    from mimedi_qual.evidence.verify import verify_campaign

    report = verify_campaign("reports/C-0001")
    if not report.ok:
        for problem in report.problems:
            print(problem)          # "altered: record #12 (measurement): ..."

5. **Every other file** — ``measurements.jsonl`` is regenerated from the
   ``measurement`` records and compared line by line; every file of the
   directory that no rule above covers is *added* (unrecorded), except the
   run's working files (:data:`WORKING_FILES`), named as warnings.
6. **The lab ledger** — a hash chain alone cannot show that records were cut
   off its *end* (the shorter chain is still valid), and anyone who can run
   this code can recompute a whole chain after an edit. The campaign's head
   is anchored in the lab ledger as it advances and at every signature
   (:mod:`mimedi_qual.evidence.ledger`): fewer records than the ledger's
   last head is a *cut-off tail* (stripped signatures included), a hash that
   differs from the ledger's at the same count a *rechained copy*; a
   campaign the ledger never saw is *unanchored*, a ledger that is not a
   valid chain *altered*, no ledger at all *unverifiable* (fail closed). The
   user registry's history is checked against its own anchors likewise.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mimedi_qual.evidence.deviations import CLOSING_ROLES
from mimedi_qual.evidence.ledger import (
    CAMPAIGN,
    Ledger,
    LedgerBroken,
    check_campaign_against_ledger,
    check_registry_against_ledger,
    registry_ledger_path,
)
from mimedi_qual.evidence.manifest import act_manifest, signature_manifest, verify_seal
from mimedi_qual.evidence.protocol import ProtocolApproval, check_protocol_approval
from mimedi_qual.evidence.signature_rules import release_rule_violation, role_rule_violation
from mimedi_qual.evidence.signers import campaign_executors
from mimedi_qual.evidence.store import (
    APPLICATION_ID,
    GENESIS_HASH,
    RAW_DIR_NAME,
    RAW_TMP_PREFIX,
    STORE_FILE_NAME,
    EvidenceStore,
    NotACampaignError,
    Record,
    canonical_json,
    record_hash,
    sha256_file,
)
from mimedi_qual.evidence.execution import execution_signature_valid, executor_status
from mimedi_qual.evidence.users import UserRegistry, verify_ed25519

ALLURE_RESULTS_DIR_NAME = "allure-results"
_ROLES = ("executor", "reviewer", "approver")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a campaign: ``category`` is altered, missing, added or invalid."""

    category: str
    item: str
    detail: str

    def __str__(self) -> str:
        return f"{self.category}: {self.item}: {self.detail}"


@dataclass
class VerificationReport:
    campaign_dir: Path
    records_checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    raw_files_checked: int = 0
    allure_files_checked: int = 0
    artifacts_checked: int = 0
    signatures_checked: int = 0
    duration_s: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)  # "summary.pdf: matches record #41 (…)"
    ledger: str = ""        # the lab ledger checked against, when one was
    ledger_head: str = ""   # its last anchor of this campaign

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, category: str, item: str, detail: str) -> None:
        self.problems.append(Problem(category, item, detail))

    def summary(self) -> str:
        verdict = "INTACT" if self.ok else f"NOT INTACT ({len(self.problems)} problem(s))"
        return (
            f"{self.campaign_dir}: {verdict} — {self.records_checked} records, "
            f"{self.raw_files_checked} raw files, {self.allure_files_checked} allure results, "
            f"{self.artifacts_checked} artifacts, {self.signatures_checked} signatures; "
            f"head #{self.head_seq} {self.head_hash}"
        )


def record_allure_results(store: EvidenceStore, results_dir: str | Path | None = None) -> list[Record]:
    """Record one ``allure_result`` per file in ``allure-results/`` (call once, at campaign end).

    Payload: ``{file, sha256, size_bytes}``, ``file`` relative to the campaign
    directory. All are appended in one transaction.
    """
    results_dir = Path(results_dir) if results_dir else store.campaign_dir / ALLURE_RESULTS_DIR_NAME
    if not results_dir.is_dir():
        return []
    campaign_root = store.campaign_dir.resolve()
    items = []
    for path in sorted(p for p in results_dir.rglob("*") if p.is_file()):
        items.append(
            (
                "allure_result",
                {
                    "file": path.resolve().relative_to(campaign_root).as_posix(),
                    "sha256": sha256_file(path),
                    "size_bytes": path.stat().st_size,
                },
            )
        )
    return store.append_many(items)


def _read_records(db_path: Path, report: VerificationReport) -> list[Record] | None:
    # Read-only: verification must never change what it verifies.
    try:
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            app_id = connection.execute("PRAGMA application_id").fetchone()[0]
            rows = connection.execute(
                "SELECT seq, kind, utc, payload, prev_hash, hash FROM records ORDER BY seq"
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        report.add("altered", STORE_FILE_NAME, f"unreadable as an evidence store: {exc}")
        return None
    if app_id != APPLICATION_ID:
        report.add("altered", STORE_FILE_NAME, f"application_id is {app_id:#x}, not a mimedi-qual store")
    records = []
    for row in rows:
        try:
            records.append(Record(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5])))
        except (TypeError, ValueError) as exc:
            report.add("altered", f"record #{row[0]}", f"field of the wrong type: {exc}")
    return records


def _check_chain(records: list[Record], report: VerificationReport) -> None:
    """Check every record's hash, its link to the one before, and the sequence."""
    expected_seq = 1
    previous_hash = GENESIS_HASH
    previous_utc = ""
    for record in records:
        name = f"record #{record.seq} ({record.kind})"
        if record.seq > expected_seq:
            gap = f"#{expected_seq}" if record.seq == expected_seq + 1 else f"#{expected_seq}–#{record.seq - 1}"
            report.add("missing", f"record {gap}", "sequence gap: record(s) deleted from the chain")
        try:
            payload = json.loads(record.payload_json)
            canonical = canonical_json(payload).decode("utf-8")
        except Exception as exc:  # noqa: BLE001 — any parse failure is an alteration
            report.add("altered", name, f"payload is not valid JSON ({exc.__class__.__name__})")
        else:
            if canonical != record.payload_json:
                report.add("altered", name, "payload bytes differ from their canonical form")
            elif record_hash(record.seq, record.kind, record.utc, payload, record.prev_hash) != record.hash:
                report.add("altered", name, "content does not match its hash")
        if record.prev_hash != previous_hash:
            report.add(
                "altered", name,
                f"chain broken: prev_hash {record.prev_hash[:12]}… is not the hash of the record before "
                f"({previous_hash[:12]}…)",
            )
        if previous_utc and record.utc < previous_utc:
            report.warnings.append(f"{name}: timestamp {record.utc} is earlier than the record before")
        previous_hash = record.hash
        previous_utc = record.utc
        expected_seq = record.seq + 1
    if records and records[0].kind != "campaign_started":
        report.warnings.append(f"record #1 is a {records[0].kind}, not campaign_started")


def _payloads(records: Iterable[Record], kind: str) -> list[tuple[Record, dict]]:
    result = []
    for record in records:
        if record.kind == kind:
            try:
                result.append((record, json.loads(record.payload_json)))
            except ValueError:
                continue  # already reported as altered by the chain check
    return result


def _check_files(
    campaign_dir: Path,
    expected: dict[str, str],
    directory: Path,
    label: str,
    report: VerificationReport,
    *,
    name_is_hash: bool = False,
    finished: bool = True,
) -> int:
    """Compare files on disk with recorded hashes; report altered / missing / added."""
    checked = 0
    prefix = directory.relative_to(campaign_dir).as_posix() + "/"
    for relative, recorded_sha in sorted(expected.items()):
        if not relative.startswith(prefix) or ".." in Path(relative).parts:
            report.add("invalid", relative, f"{label} recorded outside {prefix}")
            continue
        path = campaign_dir / relative
        if not path.is_file():
            report.add("missing", relative, f"{label} recorded but not on disk")
            continue
        actual = sha256_file(path)
        checked += 1
        if actual != recorded_sha:
            report.add("altered", relative, f"{label} content hash {actual[:12]}… ≠ recorded {recorded_sha[:12]}…")
        elif name_is_hash and path.name.split(".", 1)[0] != actual:
            report.add("altered", relative, f"{label} content does not match its SHA-256 name")
    if directory.is_dir():
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            relative = path.relative_to(campaign_dir).as_posix()
            if relative not in expected:
                if name_is_hash and not finished and path.name.startswith(RAW_TMP_PREFIX):
                    # store_raw writes a temporary file, fsyncs it and renames it to its hash: a campaign
                    # killed before the rename leaves the temporary file, never complete and never
                    # recorded. Unfinished, that is the crash window; `run --resume` deletes it.
                    report.warnings.append(f"{relative}: temporary {label} file of a write cut off when the run "
                                           "stopped, not part of the record (`mimedi-qual run --resume` removes it)")
                    continue
                detail = f"{label} on disk but never recorded"
                content_is_name = not name_is_hash or path.name.split(".", 1)[0] == sha256_file(path)
                if name_is_hash and not finished and content_is_name:
                    # A raw file is written (and fsynced) before the record that names it: a campaign
                    # killed between the two leaves it behind. Unfinished, that is the crash window,
                    # not an addition; `run --resume` adopts it. Once finished, it is an addition.
                    report.warnings.append(f"{relative}: {label} written before the run stopped, not yet "
                                           "recorded (`mimedi-qual run --resume` adopts it)")
                    continue
                if not content_is_name:
                    detail += " (and its content does not match its name)"
                report.add("added", relative, detail)
    return checked


#: record kinds that name a view file and its hash (the latest one for a file is what the file must match)
VIEW_KINDS = ("artifact", "view_rebuilt")


def _view_records(records: list[Record]) -> list[tuple[Record, dict]]:
    return sorted((rp for kind in VIEW_KINDS for rp in _payloads(records, kind)), key=lambda rp: rp[0].seq)


def _view_name(payload: dict) -> str:
    """Which view a record is of: ``view`` of a view_rebuilt record, else the file's stem (summary, report)."""
    return str(payload.get("view") or Path(str(payload.get("file"))).stem)


def _describe_view(record: Record, payload: dict) -> str:
    how = "rebuilt" if record.kind == "view_rebuilt" else "written at campaign close"
    over = payload.get("over_head_seq")
    by = payload.get("rebuilt_by")
    return (f"record #{record.seq} ({how} {record.utc}" + (f" by {by}" if by else "")
            + (f", over head #{over}" if over else "") + ")")


def _check_views(campaign_dir: Path, records: list[Record], report: VerificationReport) -> None:
    """Each view file against its latest recorded hash; say which record it matches."""
    history: dict[str, list[tuple[Record, dict]]] = {}
    for record, payload in _view_records(records):
        if payload.get("inside_campaign", True):
            history.setdefault(str(payload.get("file")), []).append((record, payload))
    for relative, builds in sorted(history.items()):
        latest_record, latest = builds[-1]
        path = campaign_dir / relative
        if not path.is_file():
            report.add("missing", relative, f"view recorded ({_describe_view(latest_record, latest)}) but not on disk")
            continue
        actual = sha256_file(path)
        if actual == latest.get("sha256"):
            report.artifacts_checked += 1
            report.views.append(f"{relative}: matches {_describe_view(latest_record, latest)}")
            continue
        earlier = next((rp for rp in reversed(builds[:-1]) if rp[1].get("sha256") == actual), None)
        detail = f"content hash {actual[:12]}… does not match its latest record #{latest_record.seq}"
        if earlier:
            detail += f"; it is the earlier build of {_describe_view(*earlier)}, superseded"
        report.add("altered", relative, detail)


def match_view_copy(campaign_dir: str | Path, copy: str | Path) -> tuple[bool, str]:
    """Does the file ``copy`` (a PDF in hand, anywhere) match a view recorded in the campaign? (ok, sentence).

    ok is True only when the copy is the campaign's *current* build of that view
    (its latest record); an earlier, superseded build is named but not ok.
    """
    campaign_dir, copy = Path(campaign_dir), Path(copy)
    db_path = campaign_dir / STORE_FILE_NAME
    if not db_path.is_file():
        raise NotACampaignError(f"{campaign_dir} is not a campaign directory (no {STORE_FILE_NAME})")
    scratch = VerificationReport(campaign_dir=campaign_dir)
    records = _read_records(db_path, scratch) or []
    actual = sha256_file(copy)
    builds = _view_records(records)
    matches = [(r, p) for r, p in builds if p.get("sha256") == actual]
    if not matches:
        return False, f"{copy}: matches no view recorded in this campaign (SHA-256 {actual[:16]}…)"
    record, payload = matches[-1]
    view = _view_name(payload)
    later = [r for r, p in builds if r.seq > record.seq and _view_name(p) == view]
    if later:
        return False, (f"{copy}: matches {_describe_view(record, payload)} — an earlier build of the {view} "
                       f"view, superseded by record #{later[-1].seq}")
    return True, f"{copy}: matches {_describe_view(record, payload)}, the current {view} view"


def _check_signatures(records: list[Record], registry: UserRegistry | None, report: VerificationReport) -> None:
    by_seq = {r.seq: r for r in records}
    started = _payloads(records, "campaign_started")
    campaign_id = started[0][1].get("campaign_id", "") if started else ""
    for record, payload in _payloads(records, "signature"):
        name = f"signature record #{record.seq} ({payload.get('printed_name', '?')}, {payload.get('role', '?')})"
        report.signatures_checked += 1
        signed_seq = payload.get("signed_head_seq")
        signed = by_seq.get(signed_seq) if isinstance(signed_seq, int) else None
        if signed is None or signed_seq >= record.seq:
            report.add("invalid", name, f"signs record #{signed_seq}, which is not an earlier record")
        elif signed.hash != payload.get("signed_head_hash"):
            report.add("altered", name, f"signed head hash is not the hash of record #{signed_seq}")
        if payload.get("campaign_id", "") != campaign_id:
            report.add("invalid", name, f"signature is for campaign {payload.get('campaign_id')!r}, not {campaign_id!r}")
        if not verify_ed25519(
            str(payload.get("public_key_ed25519", "")),
            str(payload.get("signature_ed25519", "")),
            signature_manifest(payload),
        ):
            report.add("altered", name, "Ed25519 signature does not verify over its manifest")
        _check_registered(payload, registry, name, report, record.utc)
        if payload.get("role") == "executor":
            _check_executor_signature(records, record, payload, registry, name, report)
        prior = [r for r in records if r.seq < record.seq]
        role = payload.get("role")
        if role in _ROLES:
            violation = role_rule_violation(prior, payload.get("user_id", ""), role)
            if violation:
                report.add("invalid", name, f"role rule broken: {violation[1]}")
            release = payload.get("release")
            if isinstance(release, dict):
                violation = release_rule_violation(prior, role, release)
                if violation:
                    report.add("invalid", name, f"release rule broken: {violation[1]}")
        else:
            report.add("invalid", name, f"unknown role {role!r}")


def _check_execution(records: list[Record], registry: UserRegistry | None, report: VerificationReport) -> None:
    """The executor's signature over the campaign's start (or its absence: a dry run, simulated bench only)."""
    first = next((r for r in records if r.kind == "campaign_started"), None)
    if first is None:
        return
    started = first.payload
    name = f"campaign_started record #{first.seq} (executor {started.get('executor_user_id', '?')})"
    signed = bool(started.get("executor_signature_ed25519"))
    if not signed:
        if not started.get("bench_simulated", True):
            report.add("invalid", name, "a campaign on a real bench without the executor's signature")
        elif started.get("dry_run") is False:
            report.add("invalid", name, "says it is no dry run but carries no executor signature")
        return
    report.signatures_checked += 1
    if started.get("dry_run") is not False:
        report.add("invalid", name, "carries an executor signature but says it is a dry run")
    if not execution_signature_valid(started):
        report.add("altered", name, "the executor's Ed25519 signature does not verify over the execution manifest")
    if registry is not None:
        problem = registry.history.signer_problem(
            str(started.get("executor_user_id", "")), str(started.get("executor_public_key_ed25519", "")),
            "executor", first.utc)
        if problem:
            report.add("invalid", name, problem)


def _check_executor_signature(records: list[Record], record: Record, payload: dict, registry: UserRegistry | None,
                              name: str, report: VerificationReport) -> None:
    """An executor signature is by the identity the start recorded, with the key the start was signed with."""
    status = executor_status(records)
    if status.dry_run:
        return   # the role rule (signatures.role_rule_violation, checked below) names it: dry_run_executor
    if payload.get("public_key_ed25519") != status.public_key_ed25519:
        report.add("invalid", name, "executor signature made with another key than the one that signed the start")
    first = next(r for r in records if r.kind == "campaign_started")
    if registry is not None:
        problem = registry.history.signer_problem(str(payload.get("user_id", "")),
                                                  str(payload.get("public_key_ed25519", "")), "executor", first.utc)
        if problem:
            report.add("invalid", name, f"at the campaign's start: {problem}")


def _check_registered(payload: dict, registry: UserRegistry | None, name: str, report: VerificationReport,
                      utc: str) -> None:
    """The signer was in the registry's history, active, with this key and role, when the record was appended."""
    if registry is None:
        return
    # The registry's history, not today's users.yaml: a user added later signed nothing before.
    problem = registry.history.signer_problem(
        str(payload.get("user_id", "")), str(payload.get("public_key_ed25519", "")),
        payload.get("role") if payload.get("role") in _ROLES else None, utc)
    if problem:
        report.add("invalid", name, problem)


def _check_deviation_acts(records: list[Record], registry: UserRegistry | None, report: VerificationReport) -> None:
    """Every closure and re-opening of a deviation: signed, by whom it may be, one closure at a time."""
    by_seq = {r.seq: r for r in records}
    deviation_ids = {p.get("id") for _r, p in _payloads(records, "deviation")}
    closed: dict[str, bool] = {}
    for record in records:
        if record.kind not in ("deviation_closure", "deviation_reopened"):
            continue
        try:
            payload = json.loads(record.payload_json)
        except ValueError:
            continue  # already reported as altered by the chain check
        act = "closure" if record.kind == "deviation_closure" else "re-opening"
        dev_id = payload.get("deviation_id", "?")
        name = f"{act} of {dev_id} in record #{record.seq} ({payload.get('user_id') or payload.get('closed_by', '?')})"
        report.signatures_checked += 1
        if dev_id not in deviation_ids:
            report.add("invalid", name, f"names no deviation of this campaign ({dev_id!r})")
        if "signature_ed25519" not in payload:
            report.add("invalid", name, "not signed: a deviation is closed or re-opened by an electronic signature")
        else:
            if not verify_seal(payload, act_manifest):
                report.add("altered", name, "Ed25519 signature does not verify over its manifest")
            signed = by_seq.get(payload.get("signed_head_seq"))
            if signed is None or signed.seq >= record.seq or signed.hash != payload.get("signed_head_hash"):
                report.add("altered", name, f"signed head #{payload.get('signed_head_seq')} is not an earlier "
                                            "record with that hash")
            deviation = by_seq.get(payload.get("deviation_seq"))
            if deviation is None or deviation.kind != "deviation" or deviation.hash != payload.get("deviation_hash"):
                report.add("altered", name, "the deviation record it names is not the one it signed")
            _check_registered(payload, registry, name, report, record.utc)
            if payload.get("role") not in CLOSING_ROLES:
                report.add("invalid", name, f"role {payload.get('role')!r} may not close or re-open a deviation")
            prior = [r for r in records if r.seq < record.seq]
            if payload.get("user_id") in campaign_executors(prior):
                report.add("invalid", name, "signed by an executor of the campaign")
        is_closed = closed.get(dev_id, False)
        if record.kind == "deviation_closure" and is_closed:
            report.add("invalid", name, f"{dev_id} was already closed: one closure until it is re-opened")
        elif record.kind == "deviation_reopened" and not is_closed:
            report.add("invalid", name, f"{dev_id} was not closed: nothing to re-open")
        closed[dev_id] = record.kind == "deviation_closure"


def _check_protocol_approvals(records: list[Record], registry: UserRegistry | None, report: VerificationReport) -> None:
    for record, payload in _payloads(records, "protocol"):
        for approval_payload in payload.get("approvals", []) or []:
            name = f"protocol approval by {approval_payload.get('user_id', '?')} in record #{record.seq}"
            try:
                approval = ProtocolApproval.from_payload(approval_payload)
            except (KeyError, TypeError):
                report.add("invalid", name, "approval is missing fields")
                continue
            for detail in check_protocol_approval(approval, payload.get("protocol_hash", ""), registry):
                report.add("invalid", name, detail)
            if registry is not None:
                try:
                    problem = registry.history.signer_problem(approval.user_id, approval.public_key_ed25519,
                                                              "approver", approval.signed_utc)
                except ValueError:
                    problem = f"bad signed_utc {approval.signed_utc!r}"
                if problem:
                    report.add("invalid", name, f"registry history: {problem}")


#: files a campaign writes while it runs that are working state, not evidence: reported (as warnings), not checked
WORKING_FILES = ("bench.json", "labgrid-env.yaml", "place-addresses.json")
#: views a campaign stopped during its finish may hold unrecorded (a warning until it is finished)
UNFINISHED_VIEW_FILES = ("campaign.json", "report.html", "summary.pdf")
STORE_FILES = (STORE_FILE_NAME, f"{STORE_FILE_NAME}-wal", f"{STORE_FILE_NAME}-shm", f"{STORE_FILE_NAME}-journal")
MEASUREMENTS_FILE = "measurements.jsonl"   # report.measurements_jsonl writes it (a view; report imports evidence)


def _check_measurements_view(campaign_dir: Path, records: list[Record], report: VerificationReport) -> None:
    """``measurements.jsonl`` regenerated from the record and compared: one line per current measurement record."""
    path = campaign_dir / MEASUREMENTS_FILE
    if not path.is_file():
        return
    from mimedi_qual.evidence.supersede import superseded_seqs

    gone = superseded_seqs(records)   # a superseded partial run's measurements count in no view (run --resume)
    recorded = [(r, json.loads(r.payload_json)) for r in records if r.kind == "measurement" and r.seq not in gone]
    unmatched = list(range(len(recorded)))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        report.add("altered", MEASUREMENTS_FILE, f"unreadable: {exc}")
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            report.add("altered", f"{MEASUREMENTS_FILE}:{number}", "not a JSON line")
            continue
        match = next((i for i in unmatched if recorded[i][1] == value), None)
        if match is None:
            match_any = any(p == value for _r, p in recorded)
            if not match_any:
                report.add("altered", f"{MEASUREMENTS_FILE}:{number}",
                           f"matches no measurement record ({value.get('criterion_id', '?') if isinstance(value, dict) else '?'})")
            continue
        unmatched.remove(match)
    for index in unmatched:
        record, payload = recorded[index]
        report.add("missing", MEASUREMENTS_FILE, f"has no line for measurement record #{record.seq} "
                                                 f"({payload.get('criterion_id', '?')})")


def _check_unrecorded(campaign_dir: Path, records: list[Record], report: VerificationReport) -> None:
    """Every file of the campaign directory is checked by some rule above, or named here as unrecorded."""
    views = {str(p.get("file")) for _r, p in _view_records(records) if p.get("inside_campaign", True)}
    finished = any(r.kind == "campaign_finished" for r in records)
    for path in sorted(p for p in campaign_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(campaign_dir).as_posix()
        top = relative.split("/", 1)[0]
        if top in (RAW_DIR_NAME, ALLURE_RESULTS_DIR_NAME) and "/" in relative:
            continue   # checked file by file (recorded, or reported as added) above
        if relative in STORE_FILES or relative in views or relative == MEASUREMENTS_FILE:
            continue
        if relative in WORKING_FILES:
            report.warnings.append(f"{relative}: working file of the run, not in the record (not checked)")
            continue
        if relative in UNFINISHED_VIEW_FILES and not finished:
            report.warnings.append(f"{relative}: a view written before the run stopped, not yet recorded (not "
                                   "checked; run --resume records it)")
            continue
        report.add("added", relative, "file in the campaign directory that the record does not name (unrecorded)")


def _check_ledger(records: list[Record], ledger_path: Path, registry: UserRegistry | None,
                  report: VerificationReport) -> None:
    """The campaign's chain against the heads the lab ledger anchored (and the registry's, when it has any)."""
    if not ledger_path.is_file():
        report.add("unverifiable", "ledger", f"no lab ledger at {ledger_path}: a cut-off tail or a rechained copy "
                                             "cannot be told from the original (verify --no-ledger to skip)")
        return
    try:
        ledger = Ledger.load(ledger_path)
    except LedgerBroken as exc:
        report.add("altered", "ledger", f"the lab ledger itself was altered: {exc}")
        return
    report.ledger = str(ledger_path)
    started = _payloads(records, "campaign_started")
    campaign_id = str(started[0][1].get("campaign_id", "")) if started else ""
    hashes = {r.seq: r.hash for r in records}
    kinds = {r.seq: r.kind for r in records}
    for category, item, detail in check_campaign_against_ledger(ledger, campaign_id, hashes, kinds):
        if category == "warning":
            report.warnings.append(f"{item}: {detail}")
        else:
            report.add(category, item, detail)
    heads = ledger.heads(CAMPAIGN, campaign_id)
    if heads:
        report.ledger_head = f"#{heads[-1].head_seq} {heads[-1].head_hash} ({heads[-1].event}, {heads[-1].utc})"
    if registry is not None and registry.history.entries:
        registry_ledger = registry_ledger_path(registry.history.path)
        try:
            anchored = ledger if registry_ledger == ledger_path.resolve() else (
                Ledger.load(registry_ledger) if registry_ledger.is_file() else None)
        except LedgerBroken as exc:
            report.add("altered", "registry ledger", f"the lab ledger itself was altered: {exc}")
            return
        if anchored is not None:
            for detail in check_registry_against_ledger(anchored, [e.hash for e in registry.history.entries],
                                                        registry.history.path):
                report.add("altered", "user registry", detail)


def verify_campaign(campaign_dir: str | Path, registry: UserRegistry | None = None,
                    ledger: str | Path | None = None) -> VerificationReport:
    """Verify a campaign directory; see the module docstring for what is checked.

    ``registry`` is the user registry whose *history* every signer must be in,
    with that key and role at the time of signing; without one, a record that
    holds any signature or approval is not intact ("unverifiable": verify
    fails closed). Raises :class:`NotACampaignError` when ``campaign_dir``
    has no ``evidence.sqlite``.

    ``ledger`` is the lab ledger (:mod:`mimedi_qual.evidence.ledger`) the
    campaign's head must agree with: a missing file is a problem (fail
    closed); None skips the comparison with a warning (``mimedi-qual verify``
    passes one unless told ``--no-ledger``).
    """
    import time

    started_s = time.perf_counter()
    campaign_dir = Path(campaign_dir)
    db_path = campaign_dir / STORE_FILE_NAME
    if not db_path.is_file():
        raise NotACampaignError(f"{campaign_dir} is not a campaign directory (no {STORE_FILE_NAME})")
    report = VerificationReport(campaign_dir=campaign_dir)
    records = _read_records(db_path, report)
    if records is None:
        report.duration_s = time.perf_counter() - started_s
        return report
    report.records_checked = len(records)
    if records:
        report.head_seq, report.head_hash = records[-1].seq, records[-1].hash

    _check_chain(records, report)

    raw_expected: dict[str, str] = {}
    for _record, payload in _payloads(records, "raw_data"):
        raw_expected[str(payload.get("file"))] = str(payload.get("sha256"))
    report.raw_files_checked = _check_files(
        campaign_dir, raw_expected, campaign_dir / RAW_DIR_NAME, "raw data file", report, name_is_hash=True,
        finished=any(r.kind == "campaign_finished" for r in records),
    )

    allure_expected = {str(p.get("file")): str(p.get("sha256")) for _r, p in _payloads(records, "allure_result")}
    allure_dir = campaign_dir / ALLURE_RESULTS_DIR_NAME
    if allure_expected:
        report.allure_files_checked = _check_files(campaign_dir, allure_expected, allure_dir, "allure result", report)
    elif allure_dir.is_dir() and any(allure_dir.iterdir()):
        report.warnings.append("allure-results/ exists but was never recorded (campaign not finished?)")

    _check_views(campaign_dir, records, report)
    _check_measurements_view(campaign_dir, records, report)
    _check_unrecorded(campaign_dir, records, report)
    if ledger is not None:
        _check_ledger(records, Path(ledger), registry, report)
    else:
        report.warnings.append("not checked against a lab ledger: a cut-off tail or a rechained copy would not "
                               "be seen")

    _check_execution(records, registry, report)
    _check_signatures(records, registry, report)
    _check_deviation_acts(records, registry, report)
    _check_protocol_approvals(records, registry, report)

    approvals_present = any(p.get("approvals") for _r, p in _payloads(records, "protocol"))
    if registry is None and (report.signatures_checked or approvals_present):
        # Fail closed: a signature no registry vouches for proves only that *someone* held *a* key.
        report.add("unverifiable", "signatures", "no user registry given: signers cannot be checked against the "
                                                 "registry's history")
    if records and not any(r.kind == "campaign_finished" for r in records):
        report.warnings.append("no campaign_finished record: the campaign is incomplete or was interrupted")
    deviated = {p.get("criterion_id") for _r, p in _payloads(records, "deviation")}
    for record, p in _payloads(records, "measurement"):
        if p.get("verdict") != "pass" and p.get("criterion_id") not in deviated:
            report.warnings.append(
                f"record #{record.seq}: {p.get('criterion_id')} not met but no deviation names that criterion"
            )
    approvals = [r for r, p in _payloads(records, "signature") if p.get("role") == "approver"]
    if approvals and records[-1].seq > approvals[-1].seq:
        # Audit events and rebuilt views add nothing an approval would have to cover.
        unsigned = [r for r in records if r.seq > approvals[-1].seq and r.kind not in ("audit_event", "view_rebuilt")]
        if unsigned:
            report.warnings.append(
                f"{len(unsigned)} record(s) after the last approval signature (#{approvals[-1].seq}) "
                "are not covered by it"
            )
    report.duration_s = time.perf_counter() - started_s
    return report


def record_problems(campaign_dir: str | Path, *, except_files: Iterable[str | Path] = ()) -> list[Problem]:
    """What a *view* says about its record's integrity: :func:`verify_campaign`'s problems without a registry.

    The record's own checks — chain, raw files, Allure results, views, each
    signature against the key it embeds, the role and release rules — but not
    whether the signers were registered (``unverifiable`` without a registry:
    that is ``mimedi-qual verify``'s question, asked of the registry's
    history). ``except_files``: views about to be rebuilt (their old bytes are
    no problem of the record). The summary PDF and ``mimedi-qual summary``
    print "RECORD NOT INTACT" when this is not empty.
    """
    campaign_dir = Path(campaign_dir)
    skip = {(campaign_dir / f).resolve() if not Path(f).is_absolute() else Path(f).resolve() for f in except_files}
    return [p for p in verify_campaign(campaign_dir).problems
            if p.category != "unverifiable" and (campaign_dir / p.item).resolve() not in skip]
