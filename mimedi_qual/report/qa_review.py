"""The QA review section of ``report.html``: what a reviewer must see first, taken from the campaign record.

Allure shows scenarios and steps; it knows nothing of deviations, signatures
or the release decision. This module renders them — from ``store.records()``
only, so the section is rebuilt from the record whenever it is asked for
(after a signature or a deviation closure) and says the same as the summary
PDF, because both ask :mod:`mimedi_qual.evidence.status` and
:mod:`mimedi_qual.evidence.deviations`:

* the notices (simulated bench, protocol not approved, draft …), in the page's
  flow at the top — never a fixed banner over Allure's page titles;
* status: record integrity (``verify``'s own checks, when given), protocol
  approval, who executed (signed start or dry run), the executor's conclusion
  and recommendation, the stage release statement
  (:func:`~mimedi_qual.evidence.status.stage_release`, as the PDF prints it),
  what a release must overcome (:func:`~mimedi_qual.evidence.status.release_blockers`),
  approval by signature;
* signatures: printed name, user id, role, meaning, release decision, UTC, valid?;
* deviations: id, category, scenario and URS, expected / actual, impact, and
  every signed closure and re-opening (who, role, when, signature valid?, root
  cause, action, product and quality impact, CAPA) or "open";
* results not met: criterion, expected, actual, instrument, scenario, deviation;
* requirements: each URS id with its text and risk, the scenarios that verify
  it and their result — the URS text inline, not a link into the source tree;
* counts, defined once (:class:`ScenarioCounts`), and why Allure's Behaviors
  tab lists more entries than there are scenarios.

>>> from mimedi_qual.evidence.example_campaign import write_example_campaign
>>> import tempfile, pathlib
>>> store = write_example_campaign(pathlib.Path(tempfile.mkdtemp()) / "C")
>>> review = qa_review(store.records())
>>> [d.id for d in review.deviations], review.counts.scenarios, review.release.verdict
(['DEV-001'], 2, 'deviations')
>>> 'id="mimedi-qa"' in qa_review_html(store.records())
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mimedi_qual.evidence import status
from mimedi_qual.evidence.deviations import Deviation, deviations_from_records
from mimedi_qual.evidence.store import Record
from mimedi_qual.evidence.supersede import current_payloads
from mimedi_qual.qualification.result_text import result_text
from mimedi_qual.qualification.protocol import stage_of

#: The section's element ids; a rebuild replaces everything between the two markers.
SECTION_ID = "mimedi-qa"
START_MARKER, END_MARKER = "<!-- mimedi-qa:start -->", "<!-- mimedi-qa:end -->"

#: Deviation closure fields shown when the record has them (the closure record's payload keys, in order).
CLOSURE_FIELDS = (("closed_by", "closed by"), ("closed_utc", "closed (UTC)"), ("root_cause", "root cause"),
                  ("impact_assessment", "impact assessment"), ("action", "action"), ("capa", "CAPA"),
                  ("capa_reference", "CAPA"), ("role", "role"), ("meaning", "meaning"))


@dataclass(frozen=True)
class ScenarioCounts:
    """How many scenarios the record holds — the one count every view uses.

    A *scenario* is one executed case: a ``Scenario``, or one ``Examples`` row
    of a ``Scenario Outline`` — one pytest item, one Allure result, one
    ``scenario`` record (keyed by its pytest node id). A scenario whose cleanup
    failed after its steps gets a second ``scenario`` record (status broken):
    that is a *teardown record*, not another scenario. Allure's Behaviors tab
    files a result under every requirement (story) it verifies, so it lists
    ``behaviors_entries`` — more than ``scenarios`` when a scenario verifies
    two requirements.
    """

    scenarios: int
    passed: int
    by_stage: dict[str, int]
    teardown_records: int
    behaviors_entries: int

    @property
    def not_passed(self) -> int:
        return self.scenarios - self.passed

    def text(self) -> str:
        """``73 scenarios (IQ 11, OQ 57, PQ 5): 73 passed`` and, when they differ, the other figures named."""
        stages = ", ".join(f"{stage} {n}" for stage, n in self.by_stage.items())
        line = f"{self.scenarios} scenarios" + (f" ({stages})" if stages else "") + f": {self.passed} passed"
        if self.not_passed:
            line += f", {self.not_passed} not passed"
        if self.teardown_records:
            line += (f"; {self.teardown_records} teardown record(s) (a scenario whose cleanup failed after its "
                     "steps is recorded a second time, broken — it is counted once)")
        if self.behaviors_entries != self.scenarios:
            line += (f"; Allure's Behaviors tab lists {self.behaviors_entries} entries: a scenario that verifies "
                     "several requirements appears under each of them")
        return line


def scenario_counts(records: Sequence[Record]) -> ScenarioCounts:
    """Count the scenarios of the record (see :class:`ScenarioCounts`)."""
    last: dict[str, dict[str, Any]] = {}
    worst: dict[str, str] = {}
    teardown = 0
    for record in records:
        if record.kind != "scenario":
            continue
        p = record.payload
        key = p.get("nodeid") or f"{p.get('feature', '')}::{p.get('scenario', '')}"
        if key in last:
            teardown += 1
        else:
            last[key] = p
        if worst.get(key, "passed") == "passed":
            worst[key] = p.get("status", "")
    by_stage: dict[str, int] = {}
    for p in last.values():
        stage = stage_of_feature(p.get("feature", ""))
        by_stage[stage] = by_stage.get(stage, 0) + 1
    order = {"IQ": 0, "OQ": 1, "PQ": 2}
    return ScenarioCounts(
        scenarios=len(last), passed=sum(1 for s in worst.values() if s == "passed"),
        by_stage=dict(sorted(by_stage.items(), key=lambda kv: order.get(kv[0], 9))),
        teardown_records=teardown, behaviors_entries=sum(max(1, len(p.get("urs") or [])) for p in last.values()),
    )


def stage_of_feature(feature: str) -> str:
    from pathlib import Path

    return stage_of(Path(feature)) or "-"


@dataclass(frozen=True)
class ResultNotMet:
    """One measurement outside its criterion, as QA reads it."""

    criterion: str
    description: str
    expected: str
    actual: str
    instrument: str
    scenario: str
    source: str
    deviation: str


@dataclass(frozen=True)
class RequirementRow:
    urs: str
    text: str
    risk: str
    scenarios: list[tuple[str, str]]  # (scenario, PASS / FAIL)

    @property
    def result(self) -> str:
        if not self.scenarios:
            return "NOT TESTED"
        return "PASS" if all(r == "PASS" for _s, r in self.scenarios) else "FAIL"


@dataclass
class QaReview:
    notices: list[str]
    protocol: status.ProtocolStatus
    release: status.ReleaseDecision
    finished: dict[str, Any] | None
    approved_by_signature: bool
    signatures: list[tuple[Record, dict[str, Any], bool]]
    deviations: list[Deviation]
    not_met: list[ResultNotMet]
    requirements: list[RequirementRow]
    counts: ScenarioCounts
    stage_release: status.StageRelease
    blockers: status.ReleaseBlockers
    executor: status.ExecutorStatus
    #: what verify found when the section was built (None: not checked)
    integrity_problems: list | None = None
    head: tuple[int, str] = (0, "")
    closures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def actual_text(payload: dict[str, Any]) -> str:
    """Which statistic of how many readings, and the value at the instrument's resolution (result_text)."""
    return result_text(payload).actual


def expected_text(payload: dict[str, Any]) -> str:
    """The criterion as its profile states it (result_text)."""
    return result_text(payload).acceptance


def qa_review(records: Sequence[Record], *, integrity_problems: list | None = None) -> QaReview:
    """Everything the QA section shows, read from the record.

    ``integrity_problems``: what :func:`~mimedi_qual.evidence.verify.record_problems`
    found (None: not checked) — any puts RECORD NOT INTACT first, as on the PDF.
    """
    records = list(records)
    devs = deviations_from_records(records)
    closures: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r.kind == "deviation_closure":
            closures.setdefault(str(r.payload.get("deviation_id", "")), []).append({**r.payload, "closed_utc": r.utc})
    dev_for = {(d.criterion_id, d.scenario): d.id for d in devs if d.criterion_id}
    not_met = [
        ResultNotMet(criterion=p.get("criterion_id", ""), description=p.get("description", ""),
                     expected=expected_text(p), actual=actual_text(p), instrument=p.get("instrument", ""),
                     scenario=p.get("scenario", ""), source=result_text(p).source,
                     deviation=dev_for.get((p.get("criterion_id", ""), p.get("scenario", "")), ""))
        for p in current_payloads(records, "measurement") if p.get("verdict") != "pass"
    ]
    return QaReview(
        notices=status.notices(records, draft=True, integrity_problems=integrity_problems),
        protocol=status.protocol_status(records), stage_release=status.stage_release(records),
        blockers=status.release_blockers(records), executor=status.executor_status(records),
        integrity_problems=None if integrity_problems is None else list(integrity_problems),
        release=status.release_decision(records), finished=status.finished(records),
        approved_by_signature=status.approved_by_signature(records), signatures=status.signatures(records),
        deviations=devs, not_met=not_met, requirements=_requirements(records), counts=scenario_counts(records),
        head=(records[-1].seq, records[-1].hash) if records else (0, ""), closures=closures,
    )


def _requirements(records: list[Record]) -> list[RequirementRow]:
    protocol = next((r.payload for r in reversed(records) if r.kind == "protocol"), {}) or {}
    in_scope = {str(q.get("id")): q for q in protocol.get("requirements", []) or [] if isinstance(q, dict)}
    results: dict[str, dict[str, str]] = {}
    for r in records:
        if r.kind != "scenario":
            continue
        p = r.payload
        for urs in p.get("urs") or []:
            verdict = "PASS" if p.get("status") == "passed" else "FAIL"
            seen = results.setdefault(urs, {})
            if seen.get(p.get("scenario", "")) != "FAIL":
                seen[p.get("scenario", "")] = verdict
    ids = list(in_scope) + sorted(u for u in results if u not in in_scope)
    return [RequirementRow(urs=u, text=str(in_scope.get(u, {}).get("text", "(not in the recorded protocol)")),
                           risk=str(in_scope.get(u, {}).get("risk", "")),
                           scenarios=sorted(results.get(u, {}).items())) for u in ids]


# -- rendering -----------------------------------------------------------------------------------------
STYLE = """
#mimedi-qa-header{flex:none;max-height:70vh;overflow:auto;font:13px/1.4 sans-serif;color:#222;background:#fff;
  border-bottom:2px solid #888;position:relative;z-index:1}
#mimedi-notice{background:#b00020;color:#fff;font-weight:bold;text-align:center;padding:4px 8px;letter-spacing:.02em}
#mimedi-qa>summary{cursor:pointer;padding:6px 10px;font-weight:bold;background:#f3f3f3}
#mimedi-qa .mq-body{padding:4px 12px 12px}
#mimedi-qa h2{font-size:14px;margin:12px 0 4px}
#mimedi-qa table{border-collapse:collapse;width:100%;margin-bottom:6px}
#mimedi-qa th,#mimedi-qa td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
#mimedi-qa th{background:#eee}
#mimedi-qa .mq-bad{color:#b00020;font-weight:bold}
#mimedi-qa .mq-ok{color:#1b7f2a;font-weight:bold}
/* Allure's app fills the window (#content 100%, its side-nav 100vh): the page becomes a column, the header
   takes its height and the app the rest — nothing is laid over Allure's page titles. */
html,body{height:100%}
body{display:flex;flex-direction:column;margin:0;height:100vh;height:100dvh;overflow:hidden}
body>#content{flex:1 1 auto;min-height:0;height:auto}
body>#content .app{min-height:0}
body>#content .side-nav{height:auto}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f"<p>{_e(empty)}</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in headers) if any(headers) else ""
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table>{f'<tr>{head}</tr>' if head else ''}{body}</table>"


def _flag(ok: bool, yes: str, no: str) -> str:
    return f'<span class="mq-ok">{_e(yes)}</span>' if ok else f'<span class="mq-bad">{_e(no)}</span>'


#: What a closure or re-opening event (``Deviation.history``) shows, in order.
EVENT_FIELDS = (("root_cause", "root cause"), ("action", "action"), ("product_impact", "product impact"),
                ("quality_impact", "quality impact"), ("impact_assessment", "impact assessment"),
                ("capa", "CAPA"), ("reason", "reason"))


def _event_text(event: Any) -> str:
    """One signed closure or re-opening: what, who (role), when, signature, and what they stated."""
    who = f"{getattr(event, 'printed_name', '') or getattr(event, 'user_id', '')} ({getattr(event, 'user_id', '')}, " \
          f"{getattr(event, 'role', '') or 'no role'})"
    signed = _flag(bool(getattr(event, "signature_valid", False)), "signature valid", "SIGNATURE INVALID OR MISSING")
    lines = [f"<b>{_e(getattr(event, 'kind', ''))}</b> {_e(getattr(event, 'utc', ''))} by {_e(who)} — {signed}"]
    lines += [f"<b>{_e(label)}:</b> {_e(getattr(event, key, ''))}" for key, label in EVENT_FIELDS
              if getattr(event, key, "")]
    return "<br>".join(lines)


def _closure_text(dev: Deviation, closures: list[dict[str, Any]]) -> str:
    """OPEN or CLOSED, then every closure (and re-opening, when the record has them) with who, when and why."""
    state = '<span class="mq-ok">CLOSED</span>' if dev.is_closed else '<span class="mq-bad">OPEN</span>'
    history = getattr(dev, "history", ())
    if history:
        return state + "<br>" + "<hr>".join(_event_text(event) for event in history)
    if not closures and not dev.is_closed:
        return state
    parts = []
    for closure in closures or [{"closed_by": dev.closed_by, "closed_utc": dev.closed_utc,
                                 "root_cause": dev.root_cause, "action": dev.action}]:
        shown, lines = set(), []
        for key, label in CLOSURE_FIELDS:
            value = closure.get(key)
            if value and label not in shown:
                shown.add(label)
                lines.append(f"<b>{_e(label)}:</b> {_e(value)}")
        parts.append("<br>".join(lines))
    return state + "<br>" + "<hr>".join(parts)


def release_text(release: Any) -> str:
    """A signature's release decision (``{decision, to, justification, accepts}``) in words."""
    if not isinstance(release, dict):
        return str(release or "")
    decision = str(release.get("decision") or "")
    if decision in ("", "none"):
        return "—"
    text = decision + (f" to {release['to']}" if release.get("to") else "")
    if release.get("accepts"):
        text += f", accepting {', '.join(str(a) for a in release['accepts'])}"
    if release.get("justification"):
        text += f": {release['justification']}"
    return text


def _signature_rows(review: QaReview) -> list[list[str]]:
    rows = []
    for _record, p, valid in review.signatures:
        decision = release_text(p.get("release") or p.get("release_decision") or p.get("decision") or "")
        rows.append([_e(p.get("printed_name", "")) + f" ({_e(p.get('user_id', ''))})", _e(p.get("role", "")),
                     _e(p.get("meaning", "")), _e(decision), _e(p.get("signed_utc", "")),
                     _flag(valid, "VALID", "INVALID")])
    return rows


def _blockers_text(blockers: status.ReleaseBlockers) -> str:
    lines = [_e(message) for _code, message in blockers.absolute]
    if blockers.failed_criteria:
        lines.append("criteria not met: " + _e(", ".join(blockers.failed_criteria)))
    if blockers.open_deviations:
        lines.append("open deviations: " + _e(", ".join(blockers.open_deviations)))
    return "<br>".join(lines) if lines else _flag(True, "none", "")


def _integrity_text(problems: list | None) -> str:
    if problems is None:
        return "not checked when this section was built (run mimedi-qual verify)"
    if not problems:
        return _flag(True, "intact when this section was built (the record's own checks; mimedi-qual verify "
                           "adds the user registry)", "")
    return _flag(False, "", f"NOT INTACT — {len(problems)} problem(s)") + "<br>" + "<br>".join(
        _e(p) for p in problems[:10])


def qa_review_html(records: Sequence[Record], *, integrity_problems: list | None = None) -> str:
    """The section, between :data:`START_MARKER` and :data:`END_MARKER` (no script: it is static HTML).

    ``integrity_problems`` as for :func:`qa_review`.
    """
    review = qa_review(records, integrity_problems=integrity_problems)
    counts = review.counts
    open_devs = [d for d in review.deviations if not d.is_closed]
    signed = _flag(review.approved_by_signature, "approved by signature", "not approved by signature (draft)")
    release = review.stage_release
    headline = (("RECORD NOT INTACT · " if review.integrity_problems else "")
                + f"QA review — protocol {'approved' if review.protocol.approved else 'NOT approved'} · "
                f"{release.decision}{' to ' + release.to if release.to else ''} · "
                f"{len(review.signatures)} signature(s), "
                f"{'approved' if review.approved_by_signature else 'draft'} · {len(review.deviations)} deviation(s)"
                f" ({len(open_devs)} open) · {counts.scenarios} scenarios, {counts.passed} passed")
    notice = (f'<div id="mimedi-notice">{" · ".join(_e(n) for n in review.notices)}</div>'
              if review.notices else "")
    approvals = "; ".join(f"{a.printed_name} ({a.role}, {a.meaning}) {'valid' if ok else 'NOT valid'}"
                          for a, ok in review.protocol.approvals) or "none recorded"
    described = review.protocol.describe() if hasattr(review.protocol, "describe") else ""
    status_rows = [
        ["protocol approved", _flag(review.protocol.approved, "yes", "no") + (f" — {_e(described)}" if described
                                                                                else "")
         + (f" — approvals: {_e(approvals)}" if review.protocol.approvals or not described else "")
         + (" — <b>the protocol run differs from the approved one</b>" if review.protocol.changed else "")],
        ["record integrity", _integrity_text(review.integrity_problems)],
        ["executed by", _e(f"{review.executor.printed_name} ({review.executor.user_id})") + " — "
         + _flag(review.executor.signed, "signed the campaign's start",
                 "DRY RUN: no registered executor signed the campaign's start")],
        ["executor's conclusion", _e(review.release.conclusion) if review.finished else
         _flag(False, "", "campaign not finished: no conclusion")],
        # The campaign's one end time, as campaign_finished records it (the same value on every view).
        ["finished (UTC)", _e((review.finished or {}).get("finished_utc") or "") or
         ("not recorded" if review.finished else "campaign not finished")],
        ["executor's recommendation", _flag(review.release.criteria_met, review.release.recommendation,
                                            review.release.recommendation)],
        ["stage release", _flag(release.released and release.decision == "released", release.statement,
                                release.statement)],
        ["what a release must overcome", _blockers_text(review.blockers)],
        ["criteria", f"{review.release.criteria_total - review.release.criteria_failed} of "
                     f"{review.release.criteria_total} met"],
        ["approval by signature", signed],
        ["scenarios", _e(counts.text())],
        ["record head", f"seq {review.head[0]}, SHA-256 {_e(review.head[1][:16])}… (this section was built from "
                        "the record up to here)"],
    ]
    deviation_rows = [
        [f"<b>{_e(d.id)}</b>", _e(d.category.value), _e(d.scenario) + ("<br>" + _e(", ".join(d.urs)) if d.urs else ""),
         _e(d.description), _e(d.expected), _e(d.actual), _e(d.impact), _closure_text(d, review.closures.get(d.id, []))]
        for d in review.deviations
    ]
    not_met_rows = [
        [f"<b>{_e(m.criterion)}</b><br>{_e(m.description)}" + (f"<br><i>source: {_e(m.source)}</i>" if m.source else ""),
         _e(m.expected), f'<span class="mq-bad">{_e(m.actual)}</span>', _e(m.instrument), _e(m.scenario),
         _e(m.deviation)]
        for m in review.not_met
    ]
    requirement_rows = [
        [f"<b>{_e(q.urs)}</b>", _e(q.text), _e(q.risk),
         "<br>".join(f"{_e(s)} — {_flag(r == 'PASS', r, r)}" for s, r in q.scenarios) or "—",
         _flag(q.result == "PASS", q.result, q.result)]
        for q in review.requirements
    ]
    body = "".join([
        "<h2>Status</h2>", _table(("", ""), status_rows, ""),
        "<h2>Signatures</h2>", _table(("signed by", "role", "meaning", "release decision", "UTC", "signature"),
                                      _signature_rows(review), "No signature yet: this report is a draft."),
        "<h2>Deviations</h2>", _table(("id", "category", "scenario / URS", "description", "expected", "actual",
                                       "impact", "closure"), deviation_rows, "No deviation recorded."),
        "<h2>Results not meeting their criterion</h2>",
        _table(("criterion", "expected", "actual", "instrument", "scenario", "deviation"), not_met_rows,
               "Every recorded result meets its criterion."),
        "<h2>Requirements (URS)</h2>", _table(("URS", "requirement", "risk", "scenarios", "result"),
                                              requirement_rows, "No requirement recorded."),
    ])
    return (f'{START_MARKER}<style>{STYLE}</style><header id="mimedi-qa-header">{notice}'
            f'<details id="{SECTION_ID}"><summary>{_e(headline)}</summary><div class="mq-body">{body}</div>'
            f"</details></header>{END_MARKER}")
