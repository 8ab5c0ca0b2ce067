"""Deviations: every departure from the approved protocol, recorded and carried to the report.

A failed acceptance criterion is not just a red test: it is a deviation with an
id, what was expected, what happened, its impact, and the scenario and URS
requirements it touches (Annex 15 §2.7–2.8). These raise one:

* ``criterion_not_met`` — a measurement outside its acceptance limits;
* ``instrument_fault``  — an instrument that failed, answered nonsense, or is past calibration;
* ``interruption``      — the campaign process stopped and was resumed;
* ``protocol_changed``  — the protocol run differs from the approved one (hash mismatch);
* ``execution_error``   — a step could not be executed as written (undefined step,
  unusable profile value, harness error): the protocol was not carried out;
* ``prerequisite_not_released`` — a stage started without its earlier stage released
  (OQ without IQ, PQ without OQ: :mod:`mimedi_qual.campaign.prerequisites`).

Ids are assigned in order, ``DEV-001``, ``DEV-002``, … from the deviations
already in the store, so a resumed campaign continues the numbering::

    from mimedi_qual.evidence.deviations import DeviationCategory, record_deviation

    dev = record_deviation(
        store, DeviationCategory.CRITERION_NOT_MET,
        description="Vessel temperature outside ±0.5 °C during the 37 °C hold",
        expected="36.5–37.5 °C", actual="37.9 °C at 14:02:11Z",
        impact="OQ-TEMP-ACC not met; PQ cannot start until closed",
        scenario="Temperature holds at 37 °C", urs=["URS-TEMP-001"],
    )
    dev.id  # 'DEV-001'

Root cause, impact, CAPA and closure come later, in a ``deviation_closure``
record: the original deviation is never edited. Closing is an electronic
signature (Part 11 §11.200: user id and password; §11.50: printed name, role,
meaning, time), by a reviewer or an approver (QA) who did not execute the
campaign, with a root cause, the corrective action, an impact assessment on
product and quality, and a CAPA reference (``CAPA-2026-014``, or ``none — why``)::

    close_deviation(store, registry, keys_dir, "DEV-001", user_id="rev.one", password=pw,
                    role="reviewer", root_cause="loose LAN cable", action="cable replaced, re-run",
                    product_impact="none", quality_impact="minor",
                    impact_assessment="no product was made; the run was repeated", capa="CAPA-2026-014")

A deviation is closed once; a second closure is refused. Re-opening is its own
signed record (``deviation_reopened``, :func:`reopen_deviation`, with the
reason), after which a new closure is allowed. Every refused attempt is an
``audit_event`` (``deviation_closure_refused`` / ``deviation_reopen_refused``:
who, which deviation, the reason code and message) before
:class:`DeviationActRefused` is raised. :func:`deviations_from_records` gives
each deviation's whole history of closures and re-openings
(:attr:`Deviation.history`), each with whether its signature verifies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from mimedi_qual.errors import EvidenceError
from mimedi_qual.evidence.manifest import act_manifest, seal, verify_seal
from mimedi_qual.evidence.signers import (
    MAX_FAILED_ATTEMPTS,
    WRONG_PASSWORD,
    campaign_executors,
    failed_password_attempts,
)
from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError, Record, utc_now
from mimedi_qual.evidence.users import UserError, UserRegistry, WrongPasswordError

#: roles that may close or re-open a deviation (QA: reviewer or approver), never the campaign's executor
CLOSING_ROLES = ("reviewer", "approver")
#: a CAPA reference: CAPA-<year>-<number>, or "none — <why no CAPA is needed>"
CAPA_PATTERN = re.compile(r"^CAPA-\d{4}-\d{3,}$")
NO_CAPA_PATTERN = re.compile(r"^none\s*[—–:-]+\s*\S.{4,}$", re.IGNORECASE)
CLOSURE_MEANING = "closed: root cause, impact and CAPA as stated"
REOPEN_MEANING = "re-opened: closure withdrawn"


class DeviationCategory(StrEnum):
    CRITERION_NOT_MET = "criterion_not_met"
    INSTRUMENT_FAULT = "instrument_fault"
    INTERRUPTION = "interruption"
    PROTOCOL_CHANGED = "protocol_changed"
    EXECUTION_ERROR = "execution_error"
    PREREQUISITE_NOT_RELEASED = "prerequisite_not_released"


class ImpactLevel(StrEnum):
    """Impact of a deviation on the product or on quality (the GMP classification, plus none)."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class DeviationActRefused(EvidenceError):
    """Closing or re-opening a deviation was refused; the reason is also an ``audit_event`` in the record."""

    def __init__(self, message: str, reason_code: str):
        super().__init__(message)
        self.reason_code = reason_code


@dataclass(frozen=True, slots=True)
class DeviationEvent:
    """One closure or re-opening of a deviation, as recorded and signed."""

    kind: str  # "closed" or "reopened"
    seq: int
    utc: str
    user_id: str
    printed_name: str
    role: str
    #: the Ed25519 signature verifies over the act's manifest with the key it embeds (False: unsigned / altered)
    signature_valid: bool
    root_cause: str = ""
    action: str = ""
    product_impact: str = ""
    quality_impact: str = ""
    impact_assessment: str = ""
    capa: str = ""
    reason: str = ""

    def describe(self) -> str:
        """One line for a view: who, when, in which role, and what they stated."""
        who = f"{self.printed_name or self.user_id} ({self.user_id}, {self.role or 'no role'})"
        seal_text = "" if self.signature_valid else " [SIGNATURE INVALID OR MISSING]"
        if self.kind == "reopened":
            return f"re-opened {self.utc} by {who}{seal_text}; reason: {self.reason}"
        return (f"closed {self.utc} by {who}{seal_text}; root cause: {self.root_cause}; action: {self.action}; "
                f"impact: product {self.product_impact or '?'}, quality {self.quality_impact or '?'} — "
                f"{self.impact_assessment}; CAPA: {self.capa or '—'}")


@dataclass(frozen=True, slots=True)
class Deviation:
    """A recorded deviation (as read back from the store), with its closure history."""

    id: str
    category: DeviationCategory
    description: str
    expected: str
    actual: str
    impact: str
    scenario: str
    urs: tuple[str, ...]
    criterion_id: str = ""
    utc: str = ""
    seq: int = 0
    # from the latest deviation_closure while it stands (empty when open or re-opened)
    root_cause: str = ""
    action: str = ""
    closed_by: str = ""
    closed_utc: str = ""
    capa: str = ""
    #: every closure and re-opening, in order
    history: tuple[DeviationEvent, ...] = field(default=(), compare=False)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_closed(self) -> bool:
        return bool(self.closed_utc)

    def to_payload(self) -> dict:
        return {
            "id": self.id,
            "category": self.category.value,
            "description": self.description,
            "expected": self.expected,
            "actual": self.actual,
            "impact": self.impact,
            "scenario": self.scenario,
            "urs": list(self.urs),
            "criterion_id": self.criterion_id,
        }


def _format_id(number: int) -> str:
    return f"DEV-{number:03d}"


def record_deviation(
    store: EvidenceStore,
    category: DeviationCategory | str,
    *,
    description: str,
    expected: str,
    actual: str,
    impact: str,
    scenario: str = "",
    urs: Iterable[str] = (),
    criterion_id: str = "",
) -> Deviation:
    """Append a ``deviation`` record with the next free id and return it."""
    category = DeviationCategory(category)
    if not description.strip():
        raise EvidenceStoreError("a deviation needs a description")
    number = len(store.records(kind="deviation")) + 1
    deviation = Deviation(
        id=_format_id(number),
        category=category,
        description=description,
        expected=expected,
        actual=actual,
        impact=impact,
        scenario=scenario,
        urs=tuple(urs),
        criterion_id=criterion_id,
    )
    record = store.append("deviation", deviation.to_payload())
    return _from_record(record)


# -- closing and re-opening: signed acts ---------------------------------------------------------


def capa_problem(capa: str) -> str | None:
    """Why ``capa`` is not a CAPA reference (``CAPA-2026-014`` or ``none — justification``), or None."""
    capa = capa.strip()
    if CAPA_PATTERN.match(capa) or NO_CAPA_PATTERN.match(capa):
        return None
    return (f"CAPA reference {capa!r} is neither CAPA-<year>-<number> (e.g. CAPA-2026-014) nor "
            "'none — <why no CAPA is needed>'")


def _refuse(store: EvidenceStore, event: str, user_id: str, deviation_id: str, role: str,
            code: str, message: str) -> DeviationActRefused:
    store.append("audit_event", {
        "event": event, "user_id": user_id, "reason_code": code,
        "detail": f"{deviation_id}: {message} (role {role or '—'})", "deviation_id": deviation_id,
    })
    return DeviationActRefused(message, code)


def _signed_act(
    store: EvidenceStore, registry: UserRegistry, keys_dir: str | Path, deviation_id: str, *,
    event: str, user_id: str, password: str, role: str, content_problem: str | None, want_closed: bool,
) -> tuple[list[Record], Any, Any, Record]:
    """The checks every closure and re-opening passes, in order; each refusal audited. Returns what signing needs."""
    records = store.records()
    deviation_records = {r.payload.get("id"): r for r in records if r.kind == "deviation"}
    if deviation_id not in deviation_records:
        # a typo, not an act on a deviation: a usage error (exit 2), nothing recorded
        raise EvidenceStoreError(f"no deviation {deviation_id} in this campaign "
                                 f"(recorded: {', '.join(sorted(deviation_records)) or 'none'})")

    def refuse(code: str, message: str) -> DeviationActRefused:
        return _refuse(store, event, user_id, deviation_id, role, code, message)

    if role not in CLOSING_ROLES:
        raise refuse("role_may_not_close",
                     f"a deviation is closed or re-opened by a {' or '.join(CLOSING_ROLES)}, not a {role or 'user without a role'}")
    if content_problem:
        raise refuse("incomplete", content_problem)
    try:
        user = registry.get(user_id)
    except UserError as exc:
        raise refuse("unknown_user", str(exc)) from None
    if failed_password_attempts(records, user_id) >= MAX_FAILED_ATTEMPTS:
        raise refuse("locked", f"{user_id} is locked out of signing in this campaign after "
                               f"{MAX_FAILED_ATTEMPTS} wrong passwords")
    try:
        private_key = registry.unlock(user_id, password, keys_dir)
    except WrongPasswordError as exc:
        raise refuse(WRONG_PASSWORD, str(exc)) from None
    except UserError as exc:
        raise refuse("key_unavailable", str(exc)) from None
    if not user.has_role(role):
        raise refuse("role_not_held", f"{user_id} does not hold the {role} role "
                                      f"(holds {', '.join(sorted(user.roles))})")
    if user_id in campaign_executors(records):
        raise refuse("executor_cannot_close", f"{user_id} executed this campaign and cannot close or re-open "
                                              "its deviations")
    current = next(d for d in deviations_from_records(records) if d.id == deviation_id)
    if want_closed and not current.is_closed:
        raise refuse("not_closed", f"{deviation_id} is open: there is no closure to re-open")
    if not want_closed and current.is_closed:
        last = current.history[-1]
        raise refuse("already_closed", f"{deviation_id} was already closed by {last.user_id} at {last.utc} "
                                       "(record #{}); re-open it first (mimedi-qual reopen-deviation)".format(last.seq))
    return records, user, private_key, deviation_records[deviation_id]


def _act_payload(records: list[Record], user, role: str, deviation: Record, meaning: str) -> dict[str, Any]:
    started = next((r.payload for r in records if r.kind == "campaign_started"), {})
    head = records[-1]
    return {
        "campaign_id": started.get("campaign_id", ""),
        "deviation_id": deviation.payload.get("id"),
        "deviation_seq": deviation.seq,
        "deviation_hash": deviation.hash,
        "user_id": user.user_id,
        "printed_name": user.printed_name,
        "role": role,
        "meaning": meaning,
        "signed_utc": utc_now(),
        "signed_head_seq": head.seq,
        "signed_head_hash": head.hash,
    }


def close_deviation(
    store: EvidenceStore,
    registry: UserRegistry,
    keys_dir: str | Path,
    deviation_id: str,
    *,
    user_id: str,
    password: str,
    role: str,
    root_cause: str,
    action: str,
    product_impact: ImpactLevel | str,
    quality_impact: ImpactLevel | str,
    impact_assessment: str,
    capa: str,
) -> Record:
    """Close a deviation with a signed ``deviation_closure`` record; return it.

    Raises :class:`DeviationActRefused` (after an ``audit_event``
    ``deviation_closure_refused``) for a role that may not close, a missing
    root cause / action / impact assessment, a CAPA reference that is none, an
    unknown user, a wrong password (three lock the user out of this campaign),
    a role not held, the campaign's executor, and a deviation already closed.
    An unknown deviation id is an :class:`EvidenceStoreError` (a usage error).
    """
    role = str(role)
    root_cause, action, impact_assessment, capa = (t.strip() for t in (root_cause, action, impact_assessment, capa))
    missing = [name for name, text in (("root cause", root_cause), ("corrective action", action),
                                       ("impact assessment", impact_assessment), ("CAPA reference", capa))
               if not text]
    problem = f"a closure needs a {', a '.join(missing)}" if missing else None
    levels = {}
    for name, level in (("product", product_impact), ("quality", quality_impact)):
        try:
            levels[name] = ImpactLevel(str(level))
        except ValueError:
            problem = problem or (f"{name} impact {level!r} is not one of "
                                  f"{', '.join(i.value for i in ImpactLevel)}")
    problem = problem or capa_problem(capa)
    records, user, private_key, deviation = _signed_act(
        store, registry, keys_dir, deviation_id, event="deviation_closure_refused", user_id=user_id,
        password=password, role=role, content_problem=problem, want_closed=False)
    payload = _act_payload(records, user, role, deviation, CLOSURE_MEANING)
    payload.update({
        "root_cause": root_cause, "action": action,
        "impact": {"product": levels["product"].value, "quality": levels["quality"].value,
                   "assessment": impact_assessment},
        "capa": capa, "closed_by": user.user_id,
    })
    return store.append("deviation_closure", seal(payload, private_key, act_manifest))


def reopen_deviation(
    store: EvidenceStore,
    registry: UserRegistry,
    keys_dir: str | Path,
    deviation_id: str,
    *,
    user_id: str,
    password: str,
    role: str,
    reason: str,
) -> Record:
    """Withdraw a deviation's closure with a signed ``deviation_reopened`` record; a new closure is then allowed.

    Same checks as :func:`close_deviation` (audited as ``deviation_reopen_refused``);
    the deviation must be closed and the reason must not be empty.
    """
    role, reason = str(role), reason.strip()
    records, user, private_key, deviation = _signed_act(
        store, registry, keys_dir, deviation_id, event="deviation_reopen_refused", user_id=user_id,
        password=password, role=role, content_problem=None if reason else "re-opening needs a reason",
        want_closed=True)
    payload = _act_payload(records, user, role, deviation, REOPEN_MEANING)
    payload["reason"] = reason
    return store.append("deviation_reopened", seal(payload, private_key, act_manifest))


# -- reading --------------------------------------------------------------------------------------


def _from_record(record: Record) -> Deviation:
    p = record.payload
    known_keys = {"id", "category", "description", "expected", "actual", "impact", "scenario", "urs", "criterion_id"}
    return Deviation(
        id=p["id"],
        category=DeviationCategory(p["category"]),
        description=p.get("description", ""),
        expected=p.get("expected", ""),
        actual=p.get("actual", ""),
        impact=p.get("impact", ""),
        scenario=p.get("scenario", ""),
        urs=tuple(p.get("urs", ())),
        criterion_id=p.get("criterion_id", ""),
        utc=record.utc,
        seq=record.seq,
        extra={k: v for k, v in p.items() if k not in known_keys},
    )


def _event(record: Record) -> DeviationEvent:
    p = record.payload
    impact = p.get("impact") if isinstance(p.get("impact"), dict) else {}
    return DeviationEvent(
        kind="closed" if record.kind == "deviation_closure" else "reopened",
        seq=record.seq, utc=record.utc,
        user_id=str(p.get("user_id") or p.get("closed_by", "")), printed_name=str(p.get("printed_name", "")),
        role=str(p.get("role", "")),
        signature_valid="signature_ed25519" in p and verify_seal(p, act_manifest),
        root_cause=str(p.get("root_cause", "")), action=str(p.get("action", "")),
        product_impact=str(impact.get("product", "")), quality_impact=str(impact.get("quality", "")),
        impact_assessment=str(impact.get("assessment", "")), capa=str(p.get("capa", "")),
        reason=str(p.get("reason", "")),
    )


def deviations(store: EvidenceStore) -> list[Deviation]:
    """All deviations of the campaign in order, with their closure history."""
    return deviations_from_records(store.records())


def deviations_from_records(records: Iterable[Record]) -> list[Deviation]:
    """Same as :func:`deviations`, from an already-read list of records."""
    found: dict[str, Deviation] = {}
    history: dict[str, list[DeviationEvent]] = {}
    for record in records:
        if record.kind == "deviation":
            dev = _from_record(record)
            found[dev.id] = dev
            history[dev.id] = []
        elif record.kind in ("deviation_closure", "deviation_reopened"):
            dev_id = record.payload.get("deviation_id", "")
            if dev_id in found:
                history[dev_id].append(_event(record))
    result = []
    for dev_id, dev in found.items():
        events = tuple(history[dev_id])
        last = events[-1] if events else None
        closed = last is not None and last.kind == "closed"
        fields = {f: getattr(dev, f) for f in Deviation.__dataclass_fields__}
        fields.update(history=events, root_cause=last.root_cause if closed else "",
                      action=last.action if closed else "", closed_by=last.user_id if closed else "",
                      closed_utc=last.utc if closed else "", capa=last.capa if closed else "")
        result.append(Deviation(**fields))
    return result


def open_deviations(records: Iterable[Record]) -> list[Deviation]:
    """The deviations not closed (never closed, or re-opened since their last closure)."""
    return [d for d in deviations_from_records(records) if not d.is_closed]
