"""The campaign record: an append-only, hash-chained evidence store on SQLite.

Every fact a campaign produces — the protocol it ran, the instruments it used,
each step, each measurement, each deviation, each signature — is one *record*.
Records are appended, never changed: SQLite triggers refuse ``UPDATE`` and
``DELETE``, and each record carries the SHA-256 of the one before it, so an
edit made behind the store's back (a hex editor, a dropped trigger) breaks the
chain and :func:`mimedi_qual.evidence.verify.verify_campaign` names the record.

The record hash is SHA-256 over the canonical JSON (sorted keys, no
whitespace, UTF-8, no NaN) of ``{seq, kind, utc, payload, prev_hash}``; the
first record's ``prev_hash`` is :data:`GENESIS_HASH` (64 zeros).

Each :meth:`EvidenceStore.append` is its own transaction, committed with
``synchronous=FULL`` in WAL mode: when ``append`` returns, the record is on
disk, and a process killed a microsecond later loses nothing it recorded.
That costs one ``fdatasync`` per record (~6,400 records/s measured on a 2-core VM
with bare SQLite), so a time series is stored as one raw file plus one record, not as
one record per sample::

    from mimedi_qual.evidence.store import EvidenceStore

    with EvidenceStore.create("reports/C-0001") as store:
        store.append("campaign_started", {"campaign_id": "C-0001", ...})
        sha = store.store_raw(csv_bytes, "csv")          # raw/<sha>.csv + a raw_data record
        store.append("measurement", {"criterion_id": "OQ-TEMP-ACC", "raw_sha256": sha, ...})
        print(store.head_hash)

    with EvidenceStore.open("reports/C-0001") as store:   # resume, sign, report
        for record in store.records(kind="measurement"):
            print(record.seq, record.payload["value"])

Raw data files live in ``<campaign>/raw/<sha256>.<suffix>``, written to a
temporary name, fsynced, then renamed (atomic on POSIX), and recorded by a
``raw_data`` record ``{sha256, file, size_bytes, description}``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mimedi_qual.errors import EvidenceError
from mimedi_qual.evidence.schema import validate_payload

GENESIS_HASH = "0" * 64
STORE_FILE_NAME = "evidence.sqlite"
RAW_DIR_NAME = "raw"
RAW_TMP_PREFIX = ".tmp-"
# PRAGMA application_id marks a SQLite file as a mimedi-qual evidence store
# ("MQEV" in ASCII), so `verify` can tell a campaign from any other database.
APPLICATION_ID = 0x4D514556
SCHEMA_VERSION = 1

# The kinds the harness writes today. The store accepts any kind matching
# KIND_PATTERN (the list is extensible); these names are the shared vocabulary.
KNOWN_KINDS = (
    "campaign_started",
    "protocol",
    "instrument_identity",
    "scenario",
    "step",
    "measurement",
    "raw_data",
    "artifact",
    "injected_fault",
    "deviation",
    "deviation_closure",
    "signature",
    "audit_event",
    "allure_result",
    "interruption",
    "campaign_interrupted",
    "scenario_superseded",
    "campaign_finished",
    "view_rebuilt",
)
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_SUFFIX_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    utc        TEXT NOT NULL,
    payload    TEXT NOT NULL,   -- canonical JSON
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_kind ON records(kind);
CREATE TRIGGER IF NOT EXISTS records_refuse_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'evidence store is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS records_refuse_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'evidence store is append-only: DELETE refused'); END;
"""


#: record kinds after which the head is anchored in the lab ledger (evidence.ledger)
ANCHOR_KINDS = frozenset({
    "campaign_started", "scenario", "deviation", "deviation_closure", "deviation_reopened", "signature",
    "artifact", "view_rebuilt", "campaign_finished", "interruption", "campaign_interrupted",
    "scenario_superseded",
})
#: and at least every so many records in between (a long scenario)
ANCHOR_EVERY_RECORDS = 200


class EvidenceStoreError(EvidenceError):
    """The store cannot do what was asked (bad kind, unserialisable payload, ...)."""


class NotACampaignError(EvidenceStoreError):
    """The directory holds no evidence store (``evidence.sqlite``)."""


def canonical_json(value: Any) -> bytes:
    """The one byte string hashed and signed for ``value``.

    Sorted keys, no whitespace, UTF-8, and NaN/Infinity refused (they are not
    JSON, and a reader in another language would disagree about them)::

        >>> canonical_json({"b": 1, "a": [1.5, "°C"]})
        b'{"a":[1.5,"\\xc2\\xb0C"],"b":1}'
    """
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise EvidenceStoreError(f"payload is not canonical-JSON serialisable: {exc}") from exc
    return text.encode("utf-8")


def record_hash(seq: int, kind: str, utc: str, payload: Any, prev_hash: str) -> str:
    """SHA-256 (hex) of a record's canonical JSON envelope."""
    envelope = {"seq": seq, "kind": kind, "utc": utc, "payload": payload, "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(envelope)).hexdigest()


def _envelope_hash(seq: int, kind: str, utc: str, payload_json: str, prev_hash: str) -> str:
    # Same bytes as record_hash() without serialising the payload again: the
    # envelope's keys in sorted order, and kind / utc / prev_hash are plain
    # ASCII (KIND_PATTERN, ISO time, hex) that JSON writes verbatim in quotes.
    text = (
        f'{{"kind":"{kind}","payload":{payload_json},"prev_hash":"{prev_hash}",'
        f'"seq":{seq},"utc":"{utc}"}}'
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utc_now() -> str:
    """Current UTC time as ISO 8601 with microseconds and a ``Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def sha256_file(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 (hex) of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Record:
    """One immutable entry of the campaign record.

    ``payload_json`` is the canonical JSON exactly as hashed; ``payload``
    parses it afresh on each access, so no caller can mutate a record.
    """

    seq: int
    kind: str
    utc: str
    payload_json: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json)


def _finite(value: Any) -> Any:
    # NaN and infinities are not JSON. A sensor that gave NaN is evidence too:
    # keep it, as the strings "NaN" / "Infinity" / "-Infinity".
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _payload_to_json_value(payload: Any) -> Any:
    # pydantic models (mimedi_qual.evidence.schema) are dumped in JSON mode so
    # dates, enums and decimals become plain JSON values before hashing.
    if hasattr(payload, "model_dump"):
        return payload.model_dump(mode="json", exclude_none=False)
    if not isinstance(payload, Mapping):
        raise EvidenceStoreError(f"payload must be a mapping or pydantic model, not {type(payload).__name__}")
    return dict(payload)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EvidenceStore:
    """Append-only, hash-chained record of one campaign directory.

    Create a new campaign with :meth:`create`, reopen one (resume, sign,
    report) with :meth:`open`. One writer at a time is the intended use;
    appends take an immediate write lock and read the chain tail inside it,
    so two processes appending to one store still produce one valid chain.
    """

    def __init__(
        self, campaign_dir: Path, connection: sqlite3.Connection, *, validate: bool = True, read_only: bool = False
    ):
        self.campaign_dir = campaign_dir
        self.raw_dir = campaign_dir / RAW_DIR_NAME
        self._db = connection
        self._validate = validate
        self.read_only = read_only
        # One connection shared by the threads of one campaign (a sampling
        # thread and the step thread); SQLite serialises, the lock keeps each
        # BEGIN…COMMIT ours alone.
        self._lock = threading.RLock()
        # The lab ledger this campaign anchors its head to (evidence.ledger), read from campaign_started.
        self._ledger_path: Path | None = None
        self._campaign_id = ""
        self._anchored_seq = 0
        first = None if read_only else connection.execute(
            "SELECT payload FROM records WHERE seq = 1 AND kind = 'campaign_started'").fetchone()
        if first is not None:
            self._follow_ledger(json.loads(first[0]))
            row = connection.execute("SELECT MAX(seq) FROM records").fetchone()
            self._anchored_seq = int(row[0] or 0)

    # -- the lab ledger ----------------------------------------------------------------------

    def _follow_ledger(self, started: Mapping[str, Any]) -> None:
        if started.get("ledger"):
            self._ledger_path = Path(str(started["ledger"]))
            self._campaign_id = str(started.get("campaign_id", ""))

    def anchor(self, event: str) -> None:
        """Write the current head to the lab ledger named by ``campaign_started.ledger`` (none: nothing to do).

        Called after every record of :data:`ANCHOR_KINDS`, every
        :data:`ANCHOR_EVERY_RECORDS` records, and at :meth:`close`.
        """
        if self._ledger_path is None:
            return
        from mimedi_qual.evidence.ledger import CAMPAIGN, Ledger

        head = self.head
        if head is None:
            return
        try:
            Ledger(self._ledger_path).anchor(subject=CAMPAIGN, id=self._campaign_id, head_seq=head.seq,
                                             head_hash=head.hash, event=event, utc=utc_now(),
                                             where=str(self.campaign_dir.resolve()))
        except OSError as exc:
            raise EvidenceStoreError(f"{self.campaign_dir}: record #{head.seq} is stored but its head could not "
                                     f"be anchored in the lab ledger {self._ledger_path}: {exc}") from exc
        self._anchored_seq = head.seq

    def _anchor_after(self, records: list[Record]) -> None:
        if not records:
            return
        if records[0].kind == "campaign_started" and records[0].seq == 1:
            self._follow_ledger(records[0].payload)
        anchored = [r.kind for r in records if r.kind in ANCHOR_KINDS]
        if anchored or records[-1].seq - self._anchored_seq >= ANCHOR_EVERY_RECORDS:
            self.anchor(anchored[-1] if anchored else "interval")

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(cls, campaign_dir: str | Path, *, exist_ok: bool = False, validate: bool = True) -> EvidenceStore:
        """Create ``campaign_dir`` (and ``raw/``) with an empty store.

        ``exist_ok=True`` opens the store if it already exists (resume).
        ``validate=False`` skips payload schema validation of known kinds.
        """
        campaign_dir = Path(campaign_dir)
        db_path = campaign_dir / STORE_FILE_NAME
        if db_path.exists():
            if not exist_ok:
                raise EvidenceStoreError(f"{db_path} already exists: open it to resume")
            return cls.open(campaign_dir, validate=validate)
        campaign_dir.mkdir(parents=True, exist_ok=True)
        (campaign_dir / RAW_DIR_NAME).mkdir(exist_ok=True)
        connection = cls._connect(db_path)
        with connection:
            connection.executescript(_SCHEMA)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        _fsync_dir(campaign_dir)
        return cls(campaign_dir, connection, validate=validate)

    @classmethod
    def open(cls, campaign_dir: str | Path, *, validate: bool = True, read_only: bool = False) -> EvidenceStore:
        """Open an existing campaign's store for reading and appending.

        ``read_only=True`` opens it without any write (an archived copy, a
        report built on a reviewer's machine); ``append`` then raises.
        """
        campaign_dir = Path(campaign_dir)
        db_path = campaign_dir / STORE_FILE_NAME
        if not db_path.is_file():
            raise NotACampaignError(f"{campaign_dir} is not a campaign directory (no {STORE_FILE_NAME})")
        if read_only:
            connection = sqlite3.connect(
                f"{db_path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        else:
            connection = cls._connect(db_path)
        try:
            app_id = connection.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise NotACampaignError(f"{db_path} is not readable as an evidence store: {exc}") from exc
        if app_id != APPLICATION_ID:
            connection.close()
            raise NotACampaignError(f"{db_path} is not a mimedi-qual evidence store")
        if not read_only:
            (campaign_dir / RAW_DIR_NAME).mkdir(exist_ok=True)
        return cls(campaign_dir, connection, validate=validate, read_only=read_only)

    @staticmethod
    def _connect(db_path: Path) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one per record.
        connection = sqlite3.connect(db_path, isolation_level=None, timeout=30.0, check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        return connection

    def close(self) -> None:
        try:
            head = None if self.read_only else self.head
            if head is not None and head.seq > self._anchored_seq:
                self.anchor("closed")
        finally:
            self._db.close()

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def append(self, kind: str, payload: Mapping[str, Any] | Any) -> Record:
        """Append one record and commit it durably before returning it.

        ``payload`` is a mapping of JSON values or a pydantic model from
        :mod:`mimedi_qual.evidence.schema`. Payloads of the kinds that module
        defines are validated against it (unknown extra fields are kept).
        Non-finite floats become the strings ``"NaN"``, ``"Infinity"``,
        ``"-Infinity"`` (JSON has no such numbers).
        """
        return self.append_many([(kind, payload)])[0]

    def append_many(self, items: Iterable[tuple[str, Mapping[str, Any] | Any]]) -> list[Record]:
        """Append several records in one transaction (all or none)."""
        if self.read_only:
            raise EvidenceStoreError(f"{self.campaign_dir}: store opened read-only")
        prepared = [(kind, self._prepare_payload(kind, payload)) for kind, payload in items]
        if not prepared:
            return []
        with self._lock:
            records = self._append_prepared(prepared)
            self._anchor_after(records)
            return records

    def _append_prepared(self, prepared: list[tuple[str, tuple[Any, str]]]) -> list[Record]:
        records: list[Record] = []
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash = (row[0], row[1]) if row else (0, GENESIS_HASH)
            for kind, (_value, payload_json) in prepared:
                seq += 1
                utc = utc_now()
                digest = _envelope_hash(seq, kind, utc, payload_json, prev_hash)
                db.execute(
                    "INSERT INTO records (seq, kind, utc, payload, prev_hash, hash) VALUES (?,?,?,?,?,?)",
                    (seq, kind, utc, payload_json, prev_hash, digest),
                )
                records.append(Record(seq, kind, utc, payload_json, prev_hash, digest))
                prev_hash = digest
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return records

    def _prepare_payload(self, kind: str, payload: Any) -> tuple[Any, str]:
        """Validate and serialise a payload once: (JSON value, canonical JSON text)."""
        if not KIND_PATTERN.match(kind):
            raise EvidenceStoreError(f"record kind {kind!r} must match {KIND_PATTERN.pattern}")
        value = _payload_to_json_value(payload)
        if self._validate:
            try:
                value = validate_payload(kind, value)
            except ValidationError as exc:
                raise EvidenceStoreError(f"{kind} payload invalid: {exc}") from exc
        try:
            text = canonical_json(value)
        except EvidenceStoreError:
            value = _finite(value)  # NaN / Infinity -> text, see append()
            text = canonical_json(value)
        return value, text.decode("utf-8")

    def store_raw(self, data: bytes, suffix: str, *, description: str = "") -> str:
        """Store raw data as ``raw/<sha256>.<suffix>`` and record it; return the SHA-256.

        Written to a temporary file, fsynced, renamed, and the directory
        fsynced, then a ``raw_data`` record is appended. Storing the same
        bytes twice keeps one file and records both uses.
        """
        if not _SUFFIX_PATTERN.match(suffix):
            raise EvidenceStoreError(f"raw file suffix {suffix!r} must match {_SUFFIX_PATTERN.pattern}")
        sha = hashlib.sha256(data).hexdigest()
        name = f"{sha}.{suffix}"
        final_path = self.raw_dir / name
        if not final_path.exists():
            tmp_path = self.raw_dir / f"{RAW_TMP_PREFIX}{name}.{os.getpid()}"
            with open(tmp_path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_path, final_path)
            _fsync_dir(self.raw_dir)
        self.append(
            "raw_data",
            {"sha256": sha, "file": f"{RAW_DIR_NAME}/{name}", "size_bytes": len(data), "description": description},
        )
        return sha

    def adopt_orphan_raw_files(self) -> list[str]:
        """After an interruption: record raw files written but never recorded.

        A process killed between the rename and the ``raw_data`` append leaves
        a complete, correctly named file without a record. Files whose content
        matches their name are recorded (``adopted_after_interruption: true``);
        leftover temporary files were never complete and are removed. Returns
        the adopted file names. Call it when resuming, before new records.
        """
        recorded = {r.payload.get("file") for r in self.records(kind="raw_data")}
        adopted: list[str] = []
        for path in sorted(self.raw_dir.iterdir()):
            if path.name.startswith(RAW_TMP_PREFIX):
                path.unlink()
                continue
            relative = f"{RAW_DIR_NAME}/{path.name}"
            if relative in recorded or not path.is_file():
                continue
            sha = sha256_file(path)
            if path.name.split(".", 1)[0] != sha:
                continue  # not ours to adopt: verify will report it as added/altered
            self.append(
                "raw_data",
                {
                    "sha256": sha,
                    "file": relative,
                    "size_bytes": path.stat().st_size,
                    "description": "written before an interruption, recorded on resume",
                    "adopted_after_interruption": True,
                },
            )
            adopted.append(path.name)
        return adopted

    def record_artifact(self, path: str | Path, *, description: str = "") -> Record:
        """Record the SHA-256 of a file inside the campaign directory (e.g. ``report.html``)."""
        path = Path(path)
        absolute = path if path.is_absolute() else self.campaign_dir / path
        relative = absolute.resolve().relative_to(self.campaign_dir.resolve()).as_posix()
        return self.append(
            "artifact",
            {
                "file": relative,
                "sha256": sha256_file(absolute),
                "size_bytes": absolute.stat().st_size,
                "description": description,
            },
        )

    # -- reading ---------------------------------------------------------------------------

    @property
    def head(self) -> Record | None:
        """The last record, or ``None`` for an empty store."""
        row = self._db.execute(
            "SELECT seq, kind, utc, payload, prev_hash, hash FROM records ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return Record(*row) if row else None

    @property
    def head_hash(self) -> str:
        """Hash of the last record (:data:`GENESIS_HASH` when empty)."""
        head = self.head
        return head.hash if head else GENESIS_HASH

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def records(self, kind: str | None = None) -> list[Record]:
        """All records in order, or only those of one ``kind``."""
        return list(self.iter_records(kind))

    def iter_records(self, kind: str | None = None) -> Iterator[Record]:
        query = "SELECT seq, kind, utc, payload, prev_hash, hash FROM records"
        params: tuple[Any, ...] = ()
        if kind is not None:
            query += " WHERE kind = ?"
            params = (kind,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", params).fetchall()
        for row in rows:
            yield Record(*row)

    def record(self, seq: int) -> Record | None:
        row = self._db.execute(
            "SELECT seq, kind, utc, payload, prev_hash, hash FROM records WHERE seq = ?", (seq,)
        ).fetchone()
        return Record(*row) if row else None

    def raw_path(self, sha256: str) -> Path:
        """Path of a stored raw file given its SHA-256 (any suffix)."""
        matches = sorted(self.raw_dir.glob(f"{sha256}.*"))
        if not matches:
            raise FileNotFoundError(f"no raw file {sha256}.* in {self.raw_dir}")
        return matches[0]
