"""evidence.measurements: raw files first, then the record that names them — on a bare store, no harness."""

from __future__ import annotations

import json
import math
from pathlib import Path

from mimedi_qual.evidence.measurements import MeasurementContext, RawSeries, raw_files_of, record_measurement
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.verify import verify_campaign

JUDGED = {"criterion_id": "OQ-TEMP-RECOVERY", "description": "back in band", "value": float("nan"), "unit": "min",
          "low": None, "high": 30.0, "verdict": "fail", "instrument": "thermometer", "expected": "≤ 30 min"}


def test_raw_files_precede_the_record_and_the_verdict_is_kept_as_given(tmp_path: Path):
    with EvidenceStore.create(tmp_path / "c") as store:
        recorded = record_measurement(store, JUDGED, context=MeasurementContext("door", "f.feature", ["URS-1"]),
                                      series=RawSeries(b"# series\nbench_time_s,value\n0,37\n", b"\x89PNG-ish",
                                                       label="door readings"))
        kinds = [r.kind for r in store.records()]
        assert kinds == ["raw_data", "raw_data", "raw_data", "measurement"]
        assert [f.role for f in recorded.files.values()] == ["series", "plot", "measurement"]
        assert recorded.payload["verdict"] == "fail" and recorded.payload["value"] == "NaN"
        assert recorded.files["series"].name == "door readings"
        document = json.loads(recorded.files["measurement"].data)
        assert document["plot_sha256"] == recorded.payload["plot_sha256"] and document["urs"] == ["URS-1"]
        assert math.isnan(JUDGED["value"])  # the caller's data is not changed
        assert raw_files_of(recorded.payload) == recorded.payload["raw_files"]
    assert verify_campaign(tmp_path / "c").ok


def test_a_series_records_how_its_clocks_relate(tmp_path: Path):
    clocks = {"bench_clock": "virtual", "bench_start_s": 0.0, "bench_end_s": 86400.0, "wall_span_s": 1.0,
              "utc_start": "2026-12-02T07:00:00.000000Z", "utc_end": "2026-12-02T07:00:01.000000Z",
              "acceleration": 86400.0}
    with EvidenceStore.create(tmp_path / "c") as store:
        recorded = record_measurement(store, {**JUDGED, "value": 12.0, "verdict": "pass"},
                                      series=RawSeries(b"bench_time_s,value\n0,37\n", clocks=clocks))
        assert recorded.payload["series_clocks"] == clocks
        assert json.loads(recorded.files["measurement"].data)["series_clocks"] == clocks
        without = record_measurement(store, {**JUDGED, "value": 1.0})
        assert not without.payload.get("series_clocks")
    assert verify_campaign(tmp_path / "c").ok


def test_a_record_without_raw_files_names_its_raw_sha256():
    assert raw_files_of({"raw_sha256": "ab" * 32}) == [{"role": "raw", "file": "", "sha256": "ab" * 32}]
    assert raw_files_of({}) == []
