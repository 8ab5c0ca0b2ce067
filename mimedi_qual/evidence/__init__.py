"""Evidence: the campaign record a regulator reads, and the proof it is untouched.

One campaign directory (``reports/<campaign-id>/``) holds::

    evidence.sqlite     append-only, hash-chained records (store.py)
    raw/<sha256>.<ext>  raw data, named by content hash (EvidenceStore.store_raw)
    allure-results/     Allure JSON, hashed into the store at the end (verify.record_allure_results)

Modules, one noun each:

* :mod:`~mimedi_qual.evidence.store`      — :class:`EvidenceStore`, :class:`Record`, the hash chain
* :mod:`~mimedi_qual.evidence.schema`     — payload models for each record kind
* :mod:`~mimedi_qual.evidence.deviations` — deviations DEV-001… and their closure
* :mod:`~mimedi_qual.evidence.users`      — signing users, roles, password-protected keys
* :mod:`~mimedi_qual.evidence.signatures` — campaign signatures, protocol hash and approval
* :mod:`~mimedi_qual.evidence.verify`     — :func:`verify_campaign`

A campaign in six lines::

    store = EvidenceStore.create("reports/C-0001")
    store.append("campaign_started", CampaignStarted(...))
    store.append("measurement", Measurement(...))
    record_deviation(store, "criterion_not_met", description=..., expected=..., actual=..., impact=...)
    record_allure_results(store); store.append("campaign_finished", CampaignFinished(...))
    assert verify_campaign("reports/C-0001").ok
"""

from mimedi_qual.evidence.store import (
    GENESIS_HASH,
    EvidenceStore,
    EvidenceStoreError,
    NotACampaignError,
    Record,
)

__all__ = ["GENESIS_HASH", "EvidenceStore", "EvidenceStoreError", "NotACampaignError", "Record"]
