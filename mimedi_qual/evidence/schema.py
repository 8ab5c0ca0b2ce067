"""Payload schemas: what each kind of evidence record must contain.

The evidence store accepts any JSON payload, but for the kinds below it
validates the payload against a pydantic model at ``append`` time, so a record
missing what a qualification record needs (EU GMP Annex 15, 21 CFR Part 11) is refused when it is
written, not discovered by an inspector. Extra fields are allowed and kept
(``extra="allow"``): the schema is a floor, not a cage.

Write a record from a model or from a plain dict — both are validated::

    from mimedi_qual.evidence.schema import Measurement

    store.append("measurement", Measurement(
        criterion_id="OQ-TEMP-ACC", description="vessel temperature at 37 °C",
        value=37.08, unit="°C", low=36.5, high=37.5, verdict="pass",
        instrument="ref-thermometer", scenario="Temperature holds at 37 °C",
        feature="features/oq/temperature.feature", urs=["URS-TEMP-001"],
        method="reference PRT in the vessel, 1 h log, max |error|",
        raw_sha256=store.store_raw(csv_bytes, "csv"),
    ))

Kinds and their models (record ``utc`` is always added by the store):

=====================  =====================================================
kind                   model
=====================  =====================================================
campaign_started       :class:`CampaignStarted`
protocol               :class:`ProtocolRecord` — write it with
                       :func:`mimedi_qual.evidence.protocol.record_protocol`
instrument_identity    :class:`InstrumentIdentity`
scenario               :class:`ScenarioResult`
step                   :class:`Step`
measurement            :class:`Measurement`
injected_fault         :class:`InjectedFault`
interruption           :class:`Interruption`
campaign_finished      :class:`CampaignFinished`
audit_event            :class:`AuditEvent`
deviation,             written by :mod:`mimedi_qual.evidence.deviations`
deviation_closure
signature              written by :mod:`mimedi_qual.evidence.signatures`
raw_data, artifact,    written by the store / :mod:`mimedi_qual.evidence.verify`
allure_result
view_rebuilt           :class:`ViewRebuilt` — written by
                       :func:`mimedi_qual.campaign.views.record_view_rebuilt`
=====================  =====================================================

The summary PDF (:mod:`mimedi_qual.report.summary_pdf`) reads only these
fields; a field it needs is required here.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["pass", "fail"]
StepStatus = Literal["passed", "failed", "broken", "skipped"]


class _Payload(BaseModel):
    # ser_json_inf_nan: keep NaN/inf as numbers here; the store turns them into text, never into null.
    model_config = ConfigDict(extra="allow", frozen=True, ser_json_inf_nan="strings")


class Equipment(_Payload):
    """The equipment under qualification: model, serial, firmware (a qualification record names them)."""

    name: str = Field(examples=["MiMédi bioreactor"])
    model: str
    serial: str
    firmware: str
    software: str = ""


class CampaignStarted(_Payload):
    """First record of every campaign: who, what, where, on which bench."""

    campaign_id: str = Field(examples=["C-20261121-0001"])
    stage: str = Field(examples=["OQ"], description="IQ, OQ, PQ or a combination like 'IQ+OQ'")
    protocol_id: str = Field(examples=["MQ-OQ-001"])
    protocol_version: str = Field(examples=["1.0"])
    protocol_hash: str = Field(description="protocol_hash() of the judging inputs run (evidence.protocol.judging_files)")
    bench_profile: str = Field(examples=["profiles/benches/sim.yaml"])
    bench_simulated: bool = Field(description="True on the digital twin: reports carry a dry-run banner")
    executor_user_id: str = Field(description="user id (profiles/users/users.yaml) running the campaign")
    executor_printed_name: str
    dry_run: bool = Field(True, description="executor not a registered user who signed the start (simulated bench "
                                            "only): never releasable; see mimedi_qual.evidence.execution")
    executor_public_key_ed25519: str | None = Field(None, description="the executor's key (signed execution)")
    executor_signature_ed25519: str | None = Field(
        None, description="the executor's Ed25519 signature over the execution manifest (evidence.execution)")
    site: str = ""
    equipment: Equipment | None = Field(
        None,
        description="equipment under test; if unknown at start (read by IQ), the report uses the "
        "instrument_identity record whose quantity is 'controller'",
    )
    harness_version: str = ""
    git_commit: str = ""
    time_source: str = Field("", description="how the clock is synchronised, e.g. 'chrony, offset 0.8 ms'")
    environment: dict[str, Any] = Field(default_factory=dict, description="temperature, humidity, versions …")
    objective: str = ""
    scope: str = ""
    references: list[str] = Field(default_factory=list, description="URS, risk assessment, FAT/SAT ids")
    selection: dict[str, Any] | None = Field(
        None, description="the scenarios selected within the stages: modules, risks (lists) and tags (a tag "
                          "expression or null) — what `run --resume` runs again (campaign.resume)")


class ProtocolFile(_Payload):
    path: str
    sha256: str


class ProtocolRecord(_Payload):
    """The protocol that was run — every judging input by path and SHA-256 —, its hash, and its approvals."""

    protocol_id: str
    version: str
    protocol_hash: str
    files: list[ProtocolFile] = Field(default_factory=list, description="the executed manifest: files actually used")
    differs_from_approved: dict[str, Any] | None = Field(
        None, description="when approvals exist but none is for this hash: approved_hash, approved_by, "
                          "approved_utc, approval_valid, and the files added / removed / changed against it")
    approvals: list[dict[str, Any]] = Field(
        default_factory=list, description="ProtocolApproval.to_payload() dicts matching protocol_hash"
    )
    requirements: list[dict[str, Any]] = Field(
        default_factory=list,
        description="URS requirements in scope, [{id, text}]: untested ones show as NOT TESTED in the matrix",
    )


class InstrumentIdentity(_Payload):
    """A reference instrument (or the equipment's own controller) as found on the bench."""

    name: str = Field(examples=["ref-thermometer"], description="bench profile name")
    quantity: str = Field(examples=["temperature"])
    manufacturer: str
    model: str
    serial: str
    firmware: str = ""
    idn: str = Field("", description="raw *IDN? reply")
    calibration_certificate: str = Field(description="certificate id; '' if not a calibrated instrument")
    calibration_due_date: date | None = None
    in_calibration: bool = Field(description="due date not passed on the campaign date")
    accuracy: str = Field("", examples=["±0.05 °C"])


class ScenarioResult(_Payload):
    """One scenario's outcome: the rows of the traceability matrix."""

    feature: str
    scenario: str
    urs: list[str]
    status: StepStatus
    duration_s: float | None = None


class Step(_Payload):
    feature: str
    scenario: str
    keyword: str = Field(examples=["Given", "When", "Then"])
    text: str
    status: StepStatus
    urs: list[str] = Field(default_factory=list)
    duration_s: float | None = None
    error: str = ""


class Measurement(_Payload):
    """A value judged against an acceptance criterion; the verdict is decided when measured.

    Field names follow :class:`mimedi_qual.qualification.measurement.Measurement`, so
    ``{**m.as_dict(), "scenario": ..., "feature": ..., "urs": [...]}`` is a valid payload.
    """

    criterion_id: str = Field(examples=["OQ-TEMP-ACC"])
    description: str = Field("", description="what the criterion checks")
    value: float | str | None = Field(
        description="number, or text for exact criteria (firmware); None/'NaN' when no value was obtained"
    )
    unit: str
    low: float | None = Field(None, description="lower acceptance limit (inclusive), None = unbounded")
    high: float | None = Field(None, description="upper acceptance limit (inclusive), None = unbounded")
    verdict: Verdict
    instrument: str = Field(description="InstrumentIdentity.name that produced the value")
    scenario: str
    feature: str = ""
    urs: list[str] = Field(default_factory=list)
    source: str = Field("", description="where the criterion comes from (URS id, standard, 'ours')")
    method: str = ""
    expected: str = Field("", description="human-readable expectation, e.g. '37.0 ± 0.5 °C'")
    statistics: dict[str, Any] = Field(default_factory=dict, description="e.g. mean, min, max, n of a series")
    raw_sha256: str | None = Field(None, description="sha256 returned by EvidenceStore.store_raw")
    taken_at_utc: str | None = None
    statistic: str = Field("", examples=["min", "mean", "single reading", "time to band"],
                           description="what value is, over n_readings readings")
    n_readings: int | None = None
    kind: str = Field("", description="the criterion's kind: band, max, min, exact")
    target: float | None = Field(None, description="a band's nominal value, as the profile states it")
    tolerance: float | None = Field(None, description="a band's tolerance, as the profile states it")
    resolution: float | None = Field(None, description="the instrument's resolution in unit (bench profile)")
    acceptance_profile: str = Field("", examples=["profiles/acceptance/criteria.yaml v0.2"])
    not_reached_within_s: float | None = Field(None, description="value None: never reached within this window")
    result_text: str = Field("", description="the result as every view writes it (qualification.result_text)")
    series_clocks: dict[str, Any] = Field(default_factory=dict,
                                          description="bench start/end s, UTC start/end, acceleration of a series")


class InjectedFault(_Payload):
    fault: str = Field(examples=["heater_failure"])
    target: str
    scenario: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)


class Interruption(_Payload):
    """Written on resume: the campaign process stopped before campaign_finished."""

    last_seq_before: int
    last_utc_before: str
    reason: str = "campaign process stopped before campaign_finished"


class CampaignFinished(_Payload):
    verdict: Literal["criteria_met", "deviations", "aborted"]
    criteria_total: int
    criteria_failed: int
    deviations: int
    conclusion: str = ""
    recommendation: str = Field("", examples=["Release to PQ", "Conditional release: see DEV-002"])
    finished_utc: str = Field("", description="the campaign's one end time, as every view prints it")


class AuditEvent(_Payload):
    """Who did what, when, and why (Annex 11 §9): failed signatures, resumes, protocol changes."""

    event: str = Field(examples=["signature_refused", "campaign_resumed"])
    user_id: str = ""
    detail: str = ""
    reason_code: str = ""
    old_value: Any = None
    new_value: Any = None


class ViewRebuilt(_Payload):
    """A view of the record (``summary.pdf``) written again after the campaign closed — e.g. with signatures.

    A view is not evidence, but the file an inspector holds must be traceable to
    the record: this names the new file's SHA-256, the head record it was built
    over, who rebuilt it (the OS account; rebuilding needs no authority — it
    adds nothing to the evidence) and when (the record's ``utc``). ``verify``
    then checks the file against the *latest* such record instead of calling
    the campaign NOT INTACT. A copy written outside the campaign directory
    (``summary --output``) is recorded with ``inside_campaign`` false: its hash
    lets ``verify --pdf COPY`` recognise it; its path is not checked on disk.
    """

    view: str = Field(examples=["summary"])
    file: str = Field(description="path relative to the campaign directory, or the absolute path of a copy outside")
    inside_campaign: bool = True
    sha256: str
    size_bytes: int
    over_head_seq: int = Field(description="the last record the view was built from")
    over_head_hash: str
    rebuilt_by: str = Field(description="OS account that rebuilt the view")
    host: str = ""
    description: str = ""


PAYLOAD_SCHEMAS: dict[str, type[_Payload]] = {
    "campaign_started": CampaignStarted,
    "protocol": ProtocolRecord,
    "instrument_identity": InstrumentIdentity,
    "scenario": ScenarioResult,
    "step": Step,
    "measurement": Measurement,
    "injected_fault": InjectedFault,
    "interruption": Interruption,
    "campaign_finished": CampaignFinished,
    "audit_event": AuditEvent,
    "view_rebuilt": ViewRebuilt,
}


def validate_payload(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Validate ``payload`` for ``kind`` and return it as JSON values.

    Kinds without a schema pass through unchanged. Defaults are filled in, so
    what is hashed is exactly what a reader will see. A payload that does not
    fit raises pydantic's ``ValidationError``; the store, which calls this for
    every record it appends, turns it into an ``EvidenceStoreError``.
    """
    model = PAYLOAD_SCHEMAS.get(kind)
    if model is None:
        return payload
    return model.model_validate(payload).model_dump(mode="json")
