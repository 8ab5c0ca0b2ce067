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

Rules enforced at signing (and re-checked by ``verify``, except the first two,
which are about the record *now* and the profile):

* the whole record verifies (:func:`~mimedi_qual.evidence.verify.verify_campaign`,
  against the registry): a record that is not intact is never signed, the
  refusal names the problems;
* the meaning is one of the role's fixed list in the meanings profile
  (``profiles/signatures/meanings.yaml``, :mod:`mimedi_qual.profiles.meanings`),
  given by id or exact text; the record stores its text, id and the *release
  decision* it carries (``release``: ``{decision, to, justification, accepts}``),
  all inside the signed manifest; a release names the stage after the
  campaign's (IQ → OQ, OQ → PQ, PQ → routine use);
* the signer is in the registry and holds the role;
* the campaign executor (``campaign_started.executor_user_id``) may sign only
  as ``executor`` — never review or approve their own campaign — and only
  with the key that signed the campaign's start (nobody signs a dry run as
  executor);
* one person signs in one role only, and once per role;
* review and approval need a finished campaign (a ``campaign_finished``
  record), and approval needs a review signature first;
* a release (``released`` / ``conditional``) is an approver's, and is refused
  on a campaign that is unfinished or interrupted, whose protocol is not
  approved (or differs from the approved one), or that is a dry run; a plain
  release is refused while any criterion failed or any deviation is open; a
  conditional release must name every failed criterion and open deviation in
  ``accepts`` — no more, no fewer — with a justification
  (:mod:`mimedi_qual.evidence.signature_rules`, from :func:`mimedi_qual.evidence.status.release_blockers`);
  ``rejected`` is always possible;
* the password decrypts the signer's key; a wrong one is refused and
  recorded as an ``audit_event`` (``signature_refused``, ``wrong_password``),
  as is every other refusal; after :data:`MAX_FAILED_ATTEMPTS` wrong
  passwords a user can no longer sign this campaign (Part 11 §11.300(d)).

Protocol pre-approval works the same way over a protocol hash: see
:mod:`mimedi_qual.evidence.protocol`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mimedi_qual.evidence.execution import executor_status
from mimedi_qual.evidence.manifest import SIGNATURE_MANIFEST_KEYS, seal, signature_manifest
from mimedi_qual.evidence.signature_rules import release_rule_violation, role_rule_violation
from mimedi_qual.evidence.signers import (
    MAX_FAILED_ATTEMPTS,
    SignatureRefused,
    campaign_executors,
    failed_password_attempts,
)
from mimedi_qual.evidence.store import EvidenceStore, Record, utc_now
from mimedi_qual.evidence.users import SIGNING_ROLES, Role, UserError, UserRegistry, WrongPasswordError
from mimedi_qual.evidence.verify import verify_campaign
from mimedi_qual.profiles.meanings import Meaning, ReleaseDecision, SignatureMeanings

#: problems of a record that is not intact named in a refusal (the rest are counted)
PROBLEMS_NAMED = 3


# -- campaign signatures ------------------------------------------------------------------


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


def default_meanings() -> SignatureMeanings:
    """The project's meanings profile (``profiles/signatures/meanings.yaml``); a broken one is a ProfileError."""
    from mimedi_qual.paths import project_paths
    from mimedi_qual.profiles.loader import load_signature_meanings

    return load_signature_meanings(project_paths().signature_meanings)


def _campaign_stages(records: Sequence[Record]) -> list[str]:
    started = next((r.payload for r in records if r.kind == "campaign_started"), {})
    return [s.strip().upper() for s in str(started.get("stage", "")).split("+") if s.strip()]


def _integrity_problem(store: EvidenceStore, registry: UserRegistry) -> str | None:
    report = verify_campaign(store.campaign_dir, registry)
    if report.ok:
        return None
    named = "; ".join(str(p) for p in report.problems[:PROBLEMS_NAMED])
    more = len(report.problems) - PROBLEMS_NAMED
    return (f"the record is NOT INTACT ({len(report.problems)} problem(s)): {named}"
            + (f"; and {more} more" if more > 0 else "") + f" — see `mimedi-qual verify {store.campaign_dir}`")


def sign_campaign(
    store: EvidenceStore,
    registry: UserRegistry,
    keys_dir: str | Path,
    *,
    user_id: str,
    password: str,
    role: Role | str,
    meaning: str,
    justification: str = "",
    accepts: Iterable[str] = (),
    meanings: SignatureMeanings | None = None,
) -> Record:
    """Sign the campaign's current head; return the appended ``signature`` record.

    ``meaning`` is the id (or exact text) of one of the role's meanings in
    ``meanings`` (default: the project's profile). ``justification`` and
    ``accepts`` (criterion and deviation ids) belong to a conditional release.
    Raises :class:`SignatureRefused` (after recording an ``audit_event``)
    when a rule forbids it or the password is wrong.
    """
    role_value = str(role)
    meaning = meaning.strip()
    accepts = [a.strip() for a in accepts if a.strip()]
    justification = justification.strip()
    try:
        role = Role(role)
    except ValueError:
        raise _refuse(store, user_id, role_value, meaning, "unknown_role", f"unknown role {role_value!r}") from None
    if role not in SIGNING_ROLES:
        raise _refuse(store, user_id, role.value, meaning, "not_a_signing_role",
                      f"the {role} role administers the user registry; it signs no campaign")
    meanings = meanings if meanings is not None else default_meanings()
    chosen: Meaning | None = meanings.find(role.value, meaning)
    if chosen is None:
        raise _refuse(store, user_id, role.value, meaning, "meaning_not_allowed",
                      f"{meaning!r} is not a meaning of the {role} role; allowed:\n{meanings.describe(role.value)}")
    if chosen.decision is not ReleaseDecision.CONDITIONAL and (accepts or justification):
        raise _refuse(store, user_id, role.value, meaning, "not_conditional",
                      f"--accepts / --justification belong to a conditional release, not to {chosen.id!r}")
    records = store.records()
    if not records:
        raise _refuse(store, user_id, role.value, meaning, "empty_campaign", "nothing to sign: the store is empty")
    integrity = _integrity_problem(store, registry)
    if integrity:
        raise _refuse(store, user_id, role.value, meaning, "not_intact", integrity)
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
    release = {"decision": chosen.decision.value, "to": chosen.release_to or "",
               "justification": justification, "accepts": accepts}
    stages = _campaign_stages(records)
    if chosen.releases and chosen.after_stage and stages and stages[-1] != chosen.after_stage:
        raise _refuse(store, user_id, role.value, meaning, "wrong_stage",
                      f"{chosen.text!r} releases after {chosen.after_stage}; this campaign qualified "
                      f"{'+'.join(stages)}")
    violation = release_rule_violation(records, role, release)
    if violation:
        raise _refuse(store, user_id, role.value, meaning, *violation)

    head = records[-1]
    started = [r for r in records if r.kind == "campaign_started"]
    payload: dict[str, Any] = {
        "campaign_id": started[0].payload.get("campaign_id", "") if started else "",
        "user_id": user.user_id,
        "printed_name": user.printed_name,
        "role": role.value,
        "meaning": chosen.text,
        "meaning_id": chosen.id,
        "release": release,
        "signed_utc": utc_now(),
        "signed_head_seq": head.seq,
        "signed_head_hash": head.hash,
    }
    return store.append("signature", seal(payload, private_key, signature_manifest))


__all__ = [
    "MAX_FAILED_ATTEMPTS",
    "SIGNATURE_MANIFEST_KEYS",
    "SignatureRefused",
    "campaign_executors",
    "default_meanings",
    "failed_password_attempts",
    "release_rule_violation",
    "role_rule_violation",
    "sign_campaign",
    "signature_manifest",
]
