"""Who executed a campaign: a registered executor who signed its start, or a labelled dry run.

The executor's identity is fixed when the campaign starts, in its first
record (``campaign_started``):

* **signed execution** — the executor is a registered user holding the
  ``executor`` role who gave their password (``mimedi-qual run --user ID``);
  their key signs the *execution manifest*, the canonical JSON of ::

      {campaign_id, executor_user_id, executor_printed_name, protocol_hash,
       bench_id, bench_simulated, executor_signed_utc, meaning}

  and ``campaign_started`` carries the manifest's fields, the public key and
  the signature (``executor_public_key_ed25519``,
  ``executor_signature_ed25519``). Required on a real bench.
* **dry run** — on the simulated bench only, anyone may run a campaign
  without being a registered user: ``campaign_started`` says ``dry_run: true``
  and the executor's printed name says "executor not a registered user — dry
  run"; every view carries :data:`DRY_RUN_NOTICE`, and such a campaign can
  never be released (nobody can sign it as its executor, and an approval of it
  is not a release).

:func:`executor_status` decides from the record alone (a record without a
valid execution signature is a dry run: fail closed); whether the signer was
registered with that key at that time is ``verify``'s question, asked of the
registry's history (:mod:`mimedi_qual.evidence.registry_log`). A user id
registered *after* a dry run started does not make anyone its executor: an
executor signature must be by the identity recorded at start, with the key
recorded at start. ::

    status = executor_status(store.records())
    if status.dry_run:
        print(status.notice)
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mimedi_qual.evidence.store import Record, canonical_json
from mimedi_qual.evidence.users import key_fingerprint, public_key_b64, verify_ed25519

EXECUTION_MEANING = "executed: I start and run this campaign"
EXECUTION_MANIFEST_KEYS = (
    "campaign_id",
    "executor_user_id",
    "executor_printed_name",
    "protocol_hash",
    "bench_id",
    "bench_simulated",
    "executor_signed_utc",
    "executor_meaning",
)
DRY_RUN_LABEL = "executor not a registered user — dry run"
DRY_RUN_NOTICE = ("EXECUTOR NOT A REGISTERED USER — DRY RUN: the execution is not signed; "
                  "this campaign can never be released")


def execution_manifest(payload: dict[str, Any]) -> bytes:
    """The bytes the executor's signature in ``campaign_started`` covers."""
    return canonical_json({key: payload.get(key) for key in EXECUTION_MANIFEST_KEYS})


def sign_execution(payload: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """``payload`` (a ``campaign_started`` payload with the manifest fields) with the executor's signature."""
    signed = dict(payload, executor_meaning=EXECUTION_MEANING, dry_run=False)
    signature = private_key.sign(execution_manifest(signed))
    key = public_key_b64(private_key.public_key())
    signed.update(executor_public_key_ed25519=key, executor_key_fingerprint=key_fingerprint(key),
                  executor_signature_ed25519=base64.b64encode(signature).decode("ascii"))
    return signed


def execution_signature_valid(payload: dict[str, Any]) -> bool:
    """The execution signature verifies over its manifest with the key it embeds (registry: verify's)."""
    return bool(payload.get("executor_signature_ed25519")) and verify_ed25519(
        str(payload.get("executor_public_key_ed25519", "")), str(payload.get("executor_signature_ed25519", "")),
        execution_manifest(payload))


@dataclass(frozen=True)
class ExecutorStatus:
    """The campaign's executor as its first record states it."""

    user_id: str
    printed_name: str
    #: a valid execution signature in campaign_started (with the key below)
    signed: bool
    public_key_ed25519: str | None
    #: the record says dry run, or carries no valid execution signature
    dry_run: bool

    @property
    def notice(self) -> str | None:
        return DRY_RUN_NOTICE if self.dry_run else None

    @property
    def releasable(self) -> bool:
        """A dry run is never released, whatever its results."""
        return not self.dry_run


def executor_status(records: Sequence[Record]) -> ExecutorStatus:
    """Who executed the campaign and whether they signed its start (see the module docstring)."""
    started = next((r.payload for r in records if r.kind == "campaign_started"), None)
    if started is None:
        return ExecutorStatus("", "", signed=False, public_key_ed25519=None, dry_run=True)
    signed = execution_signature_valid(started) and not started.get("dry_run", False)
    return ExecutorStatus(
        user_id=str(started.get("executor_user_id", "")),
        printed_name=str(started.get("executor_printed_name", "")),
        signed=signed,
        public_key_ed25519=started.get("executor_public_key_ed25519") if signed else None,
        dry_run=not signed,
    )
