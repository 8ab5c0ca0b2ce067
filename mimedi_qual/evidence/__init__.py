"""Evidence: the campaign record a regulator reads, and the proof it is untouched.

One campaign directory (``reports/<campaign-id>/``) holds::

    evidence.sqlite     append-only, hash-chained records (store.py)
    raw/<sha256>.<ext>  raw data, named by content hash (EvidenceStore.store_raw)
    allure-results/     Allure JSON, hashed into the store at the end (verify.record_allure_results)

Modules, one noun each:

* :mod:`~mimedi_qual.evidence.store`      — :class:`EvidenceStore`, :class:`Record`, the hash chain
* :mod:`~mimedi_qual.evidence.schema`     — payload models for each record kind
* :mod:`~mimedi_qual.evidence.measurements` — a judged measurement: its raw files first, then its record
* :mod:`~mimedi_qual.evidence.deviations` — deviations DEV-001… and their signed closure / re-opening
* :mod:`~mimedi_qual.evidence.users`      — signing users, roles, password-protected keys
* :mod:`~mimedi_qual.evidence.signatures` — campaign signatures: verify first, meaning from the profile, sign
* :mod:`~mimedi_qual.evidence.signature_rules` — who may sign in which role; what a release decision needs
* :mod:`~mimedi_qual.evidence.signers`    — a campaign's executors, failed passwords, ``SignatureRefused``
* :mod:`~mimedi_qual.evidence.manifest`   — what a signature covers; sealing a signed act
* :mod:`~mimedi_qual.evidence.protocol`   — protocol hash, pre-approval, ``record_protocol``
* :mod:`~mimedi_qual.evidence.verify`     — :func:`verify_campaign`, ``record_allure_results``
* :mod:`~mimedi_qual.evidence.resume`     — carrying on after a crash
* :mod:`~mimedi_qual.evidence.example_campaign` — the reference sequence of records
* :mod:`~mimedi_qual.evidence.benchmark`  — records/s and verify time

Wiring a campaign run, in order (``example_campaign.py`` does all of it)::

    store = EvidenceStore.create(campaign_dir)              # or resume_campaign(campaign_dir)
    store.append("campaign_started", CampaignStarted(...))  # schema.py: who, bench, protocol hash
    record_protocol(store, protocol_id=..., protocol_version=..., paths=[...], root=repo,
                    approvals=load_approvals("profiles/approvals", pid, version), registry=registry)
    store.append("instrument_identity", InstrumentIdentity(...))      # one per instrument
    # per scenario: "step" records; record_measurement(store, judged, context=..., series=RawSeries(csv, png))
    # for each judged value (raw series, plot, measurement JSON, then the record naming them); "scenario";
    # record_deviation(...) for every unmet criterion / instrument fault
    # after the last write into allure-results/ (environment.properties, executor.json too):
    record_allure_results(store)
    store.append("campaign_finished", CampaignFinished(...))
    store.record_artifact("report.html")                    # optional: views, hashed too
    build_summary_pdf(store)                                # report/summary_pdf.py
    assert verify_campaign(campaign_dir).ok

"""

from mimedi_qual.evidence.store import (
    GENESIS_HASH,
    EvidenceStore,
    EvidenceStoreError,
    NotACampaignError,
    Record,
)

__all__ = ["GENESIS_HASH", "EvidenceStore", "EvidenceStoreError", "NotACampaignError", "Record"]
