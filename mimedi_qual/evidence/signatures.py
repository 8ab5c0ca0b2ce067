"""Electronic signatures over the campaign record and over the protocol.

A signature is an Ed25519 signature, made with the signer's password-protected
key, over a *manifest*: the canonical JSON of ::

    {campaign_id, user_id, printed_name, role, meaning, signed_utc,
     signed_head_seq, signed_head_hash}

Signing the manifest — not the bare head hash — binds the printed name, the
role, the meaning and the time to the record (Part 11 §11.50, §11.70): none of
them can be changed or copied to another campaign without the signature
failing. The manifest, the public key and the signature are appended as a
``signature`` record, so the signature is itself part of the chain and later
signatures cover it::

    from mimedi_qual.evidence.signatures import sign_campaign
    from mimedi_qual.evidence.users import Role, UserRegistry

    registry = UserRegistry.load("profiles/users/users.yaml")
    record = sign_campaign(store, registry, "profiles/users/keys",
                           user_id="qa.smith", password=pw,
                           role=Role.REVIEWER, meaning="reviewed")

Rules enforced at signing (and re-checked by ``verify``):

* the signer is in the registry and holds the role;
* the campaign executor (``campaign_started.executor_user_id``) may sign only
  as ``executor`` — never review or approve their own campaign;
* one person signs in one role only, and once per role;
* review and approval need a finished campaign (a ``campaign_finished``
  record), and approval needs a review signature first;
* the password decrypts the signer's key; a wrong one is refused and
  recorded as an ``audit_event`` (``signature_refused``, ``wrong_password``),
  as is every other refusal; after :data:`MAX_FAILED_ATTEMPTS` wrong
  passwords a user can no longer sign this campaign (Part 11 §11.300(d)).

Protocol pre-approval works the same way over a protocol hash: see
:mod:`mimedi_qual.evidence.protocol`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mimedi_qual.errors import EvidenceError
from mimedi_qual.evidence.execution import executor_status
from mimedi_qual.evidence.store import EvidenceStore, Record, canonical_json, utc_now
from mimedi_qual.evidence.users import (
    SIGNING_ROLES,
    Role,
    UserError,
    UserRegistry,
    WrongPasswordError,
    key_fingerprint,
    public_key_b64,
)

MAX_FAILED_ATTEMPTS = 3
SIGNATURE_MANIFEST_KEYS = (
    "campaign_id",
    "user_id",
    "printed_name",
    "role",
    "meaning",
    "signed_utc",
    "signed_head_seq",
    "signed_head_hash",
)


class SignatureRefused(EvidenceError):
    """Signing was refused; the reason is in the message and in an audit_event record."""

    def __init__(self, message: str, reason_code: str):
        super().__init__(message)
        self.reason_code = reason_code


# -- campaign signatures ------------------------------------------------------------------


def signature_manifest(payload: dict[str, Any]) -> bytes:
    """The bytes a signature record's Ed25519 signature covers."""
    return canonical_json({key: payload.get(key) for key in SIGNATURE_MANIFEST_KEYS})


def campaign_executors(records: Iterable[Record]) -> set[str]:
    """User ids that executed the campaign (campaign_started + executor signatures)."""
    executors: set[str] = set()
    for record in records:
        payload = record.payload
        if record.kind == "campaign_started" and payload.get("executor_user_id"):
            executors.add(payload["executor_user_id"])
        elif record.kind == "signature" and payload.get("role") == Role.EXECUTOR.value:
            executors.add(payload.get("user_id", ""))
    return executors


def role_rule_violation(
    records: Iterable[Record], user_id: str, role: Role | str
) -> tuple[str, str] | None:
    """Why ``user_id`` may not sign ``records`` as ``role`` now: (reason_code, message), or None.

    The registry check (does the user hold the role) is separate: see :func:`sign_campaign`.
    """
    records = list(records)
    role = Role(role)
    started = [r for r in records if r.kind == "campaign_started"]
    declared_executor = started[0].payload.get("executor_user_id") if started else None
    signatures = [r.payload for r in records if r.kind == "signature"]

    if role is not Role.EXECUTOR and not any(r.kind == "campaign_finished" for r in records):
        return "not_finished", f"the campaign has not finished: it cannot be signed as {role} yet"
    if role is Role.EXECUTOR:
        if declared_executor and user_id != declared_executor:
            return "not_executor", f"{user_id} did not execute this campaign ({declared_executor} did)"
        if executor_status(records).dry_run:   # a user id registered later does not make anyone its executor
            return "dry_run_executor", ("the campaign is a dry run: its executor was not a registered user who "
                                        "signed its start, so nobody can sign it as executor")
    elif user_id in campaign_executors(records):
        return "executor_cannot_sign_role", f"{user_id} executed this campaign and cannot sign it as {role}"
    for sig in signatures:
        if sig.get("user_id") != user_id:
            continue
        if sig.get("role") == role.value:
            return "already_signed", f"{user_id} has already signed this campaign as {role}"
        return (
            "second_role",
            f"{user_id} already signed this campaign as {sig.get('role')}: one person, one role",
        )
    if role is Role.APPROVER and not any(s.get("role") == Role.REVIEWER.value for s in signatures):
        return "not_reviewed", "the campaign has no review signature yet: review before approval"
    return None


def _refuse(store: EvidenceStore, user_id: str, role: str, meaning: str, code: str, message: str) -> SignatureRefused:
    store.append(
        "audit_event",
        {
            "event": "signature_refused",
            "user_id": user_id,
            "reason_code": code,
            "detail": f"{message} (role {role}, meaning {meaning!r})",
        },
    )
    return SignatureRefused(message, code)


def failed_password_attempts(records: Iterable[Record], user_id: str) -> int:
    return sum(
        1
        for r in records
        if r.kind == "audit_event"
        and r.payload.get("event") == "signature_refused"
        and r.payload.get("reason_code") == "wrong_password"
        and r.payload.get("user_id") == user_id
    )


def sign_campaign(
    store: EvidenceStore,
    registry: UserRegistry,
    keys_dir: str | Path,
    *,
    user_id: str,
    password: str,
    role: Role | str,
    meaning: str,
) -> Record:
    """Sign the campaign's current head; return the appended ``signature`` record.

    Raises :class:`SignatureRefused` (after recording an ``audit_event``) when
    a rule forbids it or the password is wrong.
    """
    role_value = str(role)
    meaning = meaning.strip()
    try:
        role = Role(role)
    except ValueError:
        raise _refuse(store, user_id, role_value, meaning, "unknown_role", f"unknown role {role_value!r}") from None
    if role not in SIGNING_ROLES:
        raise _refuse(store, user_id, role.value, meaning, "not_a_signing_role",
                      f"the {role} role administers the user registry; it signs no campaign")
    if not meaning:
        raise _refuse(store, user_id, role.value, meaning, "no_meaning", "a signature needs a meaning")
    records = store.records()
    if not records:
        raise _refuse(store, user_id, role.value, meaning, "empty_campaign", "nothing to sign: the store is empty")
    try:
        user = registry.get(user_id)
    except UserError as exc:
        raise _refuse(store, user_id, role.value, meaning, "unknown_user", str(exc)) from None
    if failed_password_attempts(records, user_id) >= MAX_FAILED_ATTEMPTS:
        raise _refuse(
            store, user_id, role.value, meaning, "locked",
            f"{user_id} is locked out of signing this campaign after {MAX_FAILED_ATTEMPTS} wrong passwords",
        )
    try:
        private_key = registry.unlock(user_id, password, keys_dir)
    except WrongPasswordError as exc:
        raise _refuse(store, user_id, role.value, meaning, "wrong_password", str(exc)) from None
    except UserError as exc:
        raise _refuse(store, user_id, role.value, meaning, "key_unavailable", str(exc)) from None
    if not user.has_role(role):
        raise _refuse(
            store, user_id, role.value, meaning, "role_not_held",
            f"{user_id} does not hold the {role} role (holds {', '.join(sorted(user.roles))})",
        )
    violation = role_rule_violation(records, user_id, role)
    if violation:
        raise _refuse(store, user_id, role.value, meaning, *violation)
    if role is Role.EXECUTOR and user.public_key_ed25519 != executor_status(records).public_key_ed25519:
        raise _refuse(store, user_id, role.value, meaning, "not_the_executor_key",
                      f"{user_id}'s registered key is not the key that signed the campaign's start")

    head = records[-1]
    started = [r for r in records if r.kind == "campaign_started"]
    payload: dict[str, Any] = {
        "campaign_id": started[0].payload.get("campaign_id", "") if started else "",
        "user_id": user.user_id,
        "printed_name": user.printed_name,
        "role": role.value,
        "meaning": meaning,
        "signed_utc": utc_now(),
        "signed_head_seq": head.seq,
        "signed_head_hash": head.hash,
    }
    signature = private_key.sign(signature_manifest(payload))
    payload["public_key_ed25519"] = public_key_b64(private_key.public_key())
    payload["key_fingerprint"] = key_fingerprint(payload["public_key_ed25519"])
    payload["signature_ed25519"] = base64.b64encode(signature).decode("ascii")
    return store.append("signature", payload)


__all__ = [
    "MAX_FAILED_ATTEMPTS",
    "SignatureRefused",
    "campaign_executors",
    "failed_password_attempts",
    "role_rule_violation",
    "sign_campaign",
    "signature_manifest",
]
