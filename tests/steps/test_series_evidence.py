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
from mimedi_qual.qualification.result_text import result_text
from mimedi_qual.steps.actions.operator import log_in_as
from mimedi_qual.steps.process_steps import run_recipe, time_to_band
from mimedi_qual.steps.pump_steps import deliver_onto_balance, systematic_error_meets
from mimedi_qual.steps.sampling_steps import every_reading_meets, mean_reading_meets, read_every, time_to_return


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
    assert header == ["instrument", "serial", "bench_time_s", "elapsed_s", "utc", "temperature_c [°C]"]
    entry = bench.register_entry("thermometer").identity
    assert len(rows) == 6 and all(row[:2] == ["thermometer", entry.serial] for row in rows)
    assert f"# instrument: thermometer ({entry.manufacturer} {entry.model}, serial {entry.serial}" in \
        csv_bytes.decode("utf-8")
    assert verify_campaign(store.campaign_dir).ok

    lines = [json.loads(line) for line in (campaign.campaign_dir / "measurements.jsonl").read_text().splitlines()]
    assert [line["raw_series_sha256"] for line in lines] == [first["raw_series_sha256"]] * 2


def test_a_weighed_delivery_run_is_a_series_of_flows_on_the_balance(campaign, store):
    run = deliver_onto_balance(campaign, "HARVEST", volume_ml=10.0, flow_ml_min=5.0, replicates=3)
    assert len(run.flows_ml_min) == 3 and run.flows.label_columns == ("delivered_ml",)
    systematic_error_meets(campaign, run, "OQ-PUMP-ACC")
    (payload,) = (r.payload for r in store.records(kind="measurement"))
    header, *rows = _rows((store.raw_dir / f"{payload['raw_series_sha256']}.csv").read_bytes())
    assert header[5:] == ["flow_ml_min [mL/min]", "delivered_ml"] and len(rows) == 3
    assert (store.raw_dir / f"{payload['plot_sha256']}.png").is_file()


def test_a_recorded_result_names_statistic_resolution_profile_and_clocks(campaign, store):
    readings = read_every(campaign, "thermometer", interval_min=1.0, duration_h=24.0)
    every_reading_meets(campaign, readings, "OQ-TEMP-ACC")
    mean_reading_meets(campaign, readings, "OQ-TEMP-ACC")
    worst, mean = (r.payload for r in store.records(kind="measurement"))
    # The statistic and its count, the thermometer's resolution from the bench profile, the profile in use.
    assert worst["statistic"] in ("min", "max") and worst["n_readings"] == 1440
    assert (mean["statistic"], mean["n_readings"]) == ("mean", 1440)
    assert worst["resolution"] == campaign.bench.register_entry("thermometer").resolution["°C"] == 0.0001
    assert worst["acceptance_profile"] == f"profiles/acceptance/criteria.yaml v{campaign.acceptance.version}"
    assert worst["result_text"] == result_text(worst).line
    assert "of 1,440 readings = " in worst["result_text"]
    assert "criterion: profiles/acceptance/criteria.yaml" in worst["result_text"]
    # How the bench clock relates to wall time over the series, in the record.
    clocks = worst["series_clocks"]
    assert clocks["bench_clock"] == "virtual" and clocks["bench_end_s"] - clocks["bench_start_s"] == 86400.0
    assert clocks["utc_start"] <= clocks["utc_end"] and clocks["wall_span_s"] >= 0
    # measurements.jsonl: the record's payload, the same text.
    lines = [json.loads(line) for line in (campaign.campaign_dir / "measurements.jsonl").read_text().splitlines()]
    assert [line["result_text"] for line in lines] == [worst["result_text"], mean["result_text"]]


def test_a_band_never_reached_is_a_failed_result_saying_so(campaign, bench, store):
    bench.thermometer_.offset_c = -15.0  # the bag stays 15 °C below the setpoint: it never reaches the band
    bench.controller.modules["EXPANSION"] = "EXECUTE"    # regulated (as the bench is handed over), yet too cold
    log_in_as(campaign, "OPERATOR")
    run = run_recipe(campaign, "warmup-and-hold", "thermometer")
    with pytest.raises(AssertionError, match="never reached within 24 h"):
        time_to_band(campaign, run, "PQ-TEMP-RUN", "PQ-HEATUP-TIME")
    (payload,) = (r.payload for r in store.records(kind="measurement"))
    assert payload["verdict"] == "fail" and payload["value"] is None and payload["not_reached_within_s"] == 86400.0
    assert "nan" not in json.dumps(payload).lower()


def test_a_band_never_returned_to_is_a_failed_result_saying_so(campaign, bench, store):
    bench.thermometer_.offset_c = -15.0
    readings = read_every(campaign, "thermometer", interval_min=10.0, duration_h=2.0)
    with pytest.raises(AssertionError, match="never reached within 2 h"):
        time_to_return(campaign, readings, "OQ-TEMP-ACC", "OQ-TEMP-DOOR-RECOVERY")
    (payload,) = (r.payload for r in store.records(kind="measurement"))
    assert payload["verdict"] == "fail" and payload["value"] is None
