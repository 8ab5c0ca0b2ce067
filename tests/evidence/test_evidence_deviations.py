"""Deviations: numbered in order, never edited, closed by a later record."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimedi_qual.evidence.deviations import DeviationCategory, close_deviation, deviations, record_deviation
from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError


def test_ids_closure_and_categories(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        first = record_deviation(store, "instrument_fault", description="Thermometer answered -113",
                                 expected="a temperature", actual='-113,"Undefined header"',
                                 impact="OQ-TEMP-ACC not measured", scenario="hold", urs=["URS-TEMP-001"])
        second = record_deviation(store, DeviationCategory.CRITERION_NOT_MET, description="37.9 °C",
                                  expected="36.5–37.5 °C", actual="37.9 °C", impact="criterion not met")
        assert (first.id, second.id) == ("DEV-001", "DEV-002")
        assert first.category is DeviationCategory.INSTRUMENT_FAULT and first.urs == ("URS-TEMP-001",)
        close_deviation(store, "DEV-001", root_cause="loose LAN cable", action="cable replaced, re-run",
                        closed_by="qa.lee")
        with pytest.raises(EvidenceStoreError, match="no deviation DEV-009"):
            close_deviation(store, "DEV-009", root_cause="", action="", closed_by="")
        with pytest.raises(ValueError):
            record_deviation(store, "not_a_category", description="x", expected="", actual="", impact="")
        found = deviations(store)
        assert [(d.id, d.is_closed) for d in found] == [("DEV-001", True), ("DEV-002", False)]
        assert found[0].root_cause == "loose LAN cable" and found[0].closed_by == "qa.lee"
        # the original deviation record is untouched: closure is a record of its own
        assert [r.kind for r in store.records()] == ["deviation", "deviation", "deviation_closure"]
