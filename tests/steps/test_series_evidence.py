"""Steps that sample hand their series to the measurement: on the fake bench, into a real evidence store.

The sampling, gravimetric and judging steps run as plain functions on the
fake bench; the campaign context records through an EvidenceRecorder on an
EvidenceStore in tmp_path, as the plugin wires it for a campaign.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.verify import verify_campaign
from mimedi_qual.plugin.evidence_recorder import EvidenceRecorder
from mimedi_qual.steps.pump_steps import deliver_onto_balance, systematic_error_meets
from mimedi_qual.steps.sampling_steps import every_reading_meets, mean_reading_meets, read_every


@pytest.fixture
def store(campaign, tmp_path):
    with EvidenceStore.create(tmp_path / "evidence") as store:
        campaign.recorder = EvidenceRecorder(store, tmp_path)
        yield store


def _rows(csv_bytes: bytes) -> list[list[str]]:
    lines = [line for line in csv_bytes.decode("utf-8").splitlines() if not line.startswith("#")]
    return list(csv.reader(io.StringIO("\n".join(lines))))


def test_a_sampled_series_is_the_raw_file_of_every_measurement_judging_it(campaign, bench, store):
    readings = read_every(campaign, "thermometer", interval_min=10.0, duration_h=1.0)
    assert readings.elapsed_s == [600.0 * k for k in range(1, 7)]
    every_reading_meets(campaign, readings, "OQ-TEMP-ACC")
    mean_reading_meets(campaign, readings, "OQ-TEMP-ACC")

    first, second = (r.payload for r in store.records(kind="measurement"))
    assert first["raw_series_sha256"] == second["raw_series_sha256"]  # one series, judged twice
    csv_bytes = (store.raw_dir / f"{first['raw_series_sha256']}.csv").read_bytes()
    header, *rows = _rows(csv_bytes)
    assert header == ["bench_time_s", "elapsed_s", "utc", "temperature_c [°C]"] and len(rows) == 6
    entry = bench.register_entry("thermometer").identity
    assert f"# instrument: thermometer ({entry.manufacturer} {entry.model}, serial {entry.serial}" in \
        csv_bytes.decode("utf-8")
    assert verify_campaign(store.campaign_dir).ok

    lines = [json.loads(line) for line in (campaign.campaign_dir / "measurements.jsonl").read_text().splitlines()]
    assert [line["raw_series_sha256"] for line in lines] == [first["raw_series_sha256"]] * 2


def test_a_weighed_delivery_run_is_a_series_of_flows_on_the_balance(campaign, store):
    run = deliver_onto_balance(campaign, "FEED", volume_ml=10.0, flow_ml_min=5.0, replicates=3)
    assert len(run.flows_ml_min) == 3 and run.flows.label_columns == ("delivered_ml",)
    systematic_error_meets(campaign, run, "OQ-PUMP-ACC")
    (payload,) = (r.payload for r in store.records(kind="measurement"))
    header, *rows = _rows((store.raw_dir / f"{payload['raw_series_sha256']}.csv").read_bytes())
    assert header[3:] == ["flow_ml_min [mL/min]", "delivered_ml"] and len(rows) == 3
    assert (store.raw_dir / f"{payload['plot_sha256']}.png").is_file()
