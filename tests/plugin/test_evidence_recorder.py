"""A measurement owns its evidence: recorded in-process into a real evidence store, then read by the views.

No bench and no campaign: the recorder and the campaign context run against an
EvidenceStore in tmp_path, a register-only fake bench, and a capturing Allure
listener standing in for allure-pytest-bdd.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from types import SimpleNamespace

import allure_commons
import pytest

from mimedi_qual.errors import InstrumentError
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.verify import verify_campaign
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.plugin.evidence_recorder import EvidenceRecorder, _Scenario
from mimedi_qual.profiles.acceptance import Criterion
from mimedi_qual.qualification.measurement import judge_exact, judge_series
from mimedi_qual.qualification.series import Series
from mimedi_qual.report.summary_model import summarise

BAND = Criterion(description="vessel temperature", kind="band", target=37.0, tolerance=0.5, unit="°C", source="ours")
IDENTITY = Criterion(description="controller firmware", kind="exact", source="ours")


class AllureAttachments:
    """Captures what allure.attach sends, as the Allure listener would receive it."""

    def __init__(self) -> None:
        self.attached: list[tuple[str, bytes]] = []

    @allure_commons.hookimpl
    def attach_data(self, body, name, attachment_type, extension):
        self.attached.append((name, body if isinstance(body, bytes) else str(body).encode("utf-8")))


@pytest.fixture
def store(tmp_path: Path):
    with EvidenceStore.create(tmp_path / "campaign") as store:
        store.append("instrument_identity", {
            "name": "thermometer", "quantity": "thermometer", "manufacturer": "FLUKE", "model": "1529",
            "serial": "SIM-T-0001", "idn": "FLUKE,1529,SIM-T-0001,1.20", "calibration_certificate": "CAL-1",
            "in_calibration": True})
        yield store


@pytest.fixture
def recorder(store: EvidenceStore, tmp_path: Path):
    recorder = EvidenceRecorder(store, tmp_path)
    recorder.current = _Scenario("features/oq/t.feature::hold", "features/oq/temperature.feature",
                                 "Temperature held", ["URS-OQ-TEMP-001"], steps=["When read", "Then judge"])
    allure_commons.plugin_manager.register(recorder, "test-evidence-recorder")
    yield recorder
    allure_commons.plugin_manager.unregister(name="test-evidence-recorder")


@pytest.fixture
def attachments():
    listener = AllureAttachments()
    allure_commons.plugin_manager.register(listener, "test-allure-listener")
    yield listener
    allure_commons.plugin_manager.unregister(name="test-allure-listener")


@pytest.fixture
def campaign(recorder: EvidenceRecorder, store: EvidenceStore) -> CampaignContext:
    identity = SimpleNamespace(manufacturer="FLUKE", model="1529", serial="SIM-T-0001")
    bench = SimpleNamespace(register_entry=lambda name: SimpleNamespace(identity=identity, resolution={"°C": 0.01}),
                            profile=SimpleNamespace(clock="simulated"))
    return CampaignContext(bench=bench, acceptance=None, acceptance_path=Path("criteria.yaml"),
                           profiles_dir=Path("profiles"), campaign_dir=store.campaign_dir, recorder=recorder)


def _series(campaign: CampaignContext) -> Series:
    series = Series("thermometer readings", "temperature_c", "°C", campaign.instrument_id("thermometer"),
                    start_bench_s=0.0)
    for minute, value in enumerate([36.98, 37.02, 37.05, 36.99], start=1):
        series.add(60.0 * minute, value)
    return series


def test_series_measurement_stores_csv_and_plot_before_the_record_that_names_them(campaign, store, attachments):
    series = _series(campaign)
    measurement = campaign.record(judge_series("OQ-TEMP-ACC", BAND, series.values, "thermometer"), series=series)
    assert measurement.passed

    records = store.records()
    seq_of = {r.payload["sha256"]: r.seq for r in records if r.kind == "raw_data"}
    (record,) = [r for r in records if r.kind == "measurement"]
    payload = record.payload
    for key, suffix in (("raw_series_sha256", "csv"), ("plot_sha256", "png"), ("raw_sha256", "json")):
        sha = payload[key]
        path = store.raw_dir / f"{sha}.{suffix}"
        assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha
        assert seq_of[sha] < record.seq, f"{key} recorded after the measurement"
    assert {f["role"]: f["file"] for f in payload["raw_files"]} == {
        "series": f"raw/{payload['raw_series_sha256']}.csv", "plot": f"raw/{payload['plot_sha256']}.png",
        "measurement": f"raw/{payload['raw_sha256']}.json"}
    assert payload["scenario"] == "Temperature held" and payload["urs"] == ["URS-OQ-TEMP-001"]
    assert payload["expected"] == "37.0 ± 0.5 °C (36.5 … 37.5 °C)" and payload["method"] == "When read → Then judge"

    text = (store.raw_dir / f"{payload['raw_series_sha256']}.csv").read_text(encoding="utf-8")
    assert "# instrument: thermometer (FLUKE 1529, serial SIM-T-0001, *IDN? FLUKE,1529,SIM-T-0001,1.20)" in text
    rows = list(csv.reader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    assert rows[0] == ["instrument", "serial", "bench_time_s", "elapsed_s", "utc", "temperature_c [°C]"]
    assert all(row[:2] == ["thermometer", "SIM-T-0001"] for row in rows[1:])
    assert [row[2] for row in rows[1:]] == ["60", "120", "180", "240"] and all(row[4].endswith("Z") for row in rows[1:])
    assert payload["series_clocks"]["bench_clock"] == "virtual" and payload["series_clocks"]["bench_end_s"] == 240.0
    assert (store.raw_dir / f"{payload['plot_sha256']}.png").read_bytes()[:4] == b"\x89PNG"

    # The measurement JSON names the series and plot, and is the Allure attachment byte for byte.
    document = json.loads((store.raw_dir / f"{payload['raw_sha256']}.json").read_bytes())
    assert document["raw_series_sha256"] == payload["raw_series_sha256"] and document["verdict"] == "pass"
    attached = dict(attachments.attached)
    for name, key, suffix in (("measurement OQ-TEMP-ACC: PASS", "raw_sha256", "json"),
                              ("thermometer readings", "raw_series_sha256", "csv"),
                              ("OQ-TEMP-ACC plot", "plot_sha256", "png")):
        assert attached[name] == (store.raw_dir / f"{payload[key]}.{suffix}").read_bytes()
    assert attached["OQ-TEMP-ACC verdict"].decode() == measurement.summary()

    # Stored once: the recorder's own attach hook does not store the measurement's attachments again.
    raw_records = [r for r in store.records() if r.kind == "raw_data"]
    assert len(raw_records) == 3 and len({r.payload["sha256"] for r in raw_records}) == 3

    # measurements.jsonl is the record's payload (a superset of the older line format).
    (line,) = (store.campaign_dir / "measurements.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == payload
    assert {"scenario", "criterion_id", "value", "unit", "low", "high", "verdict", "instrument",
            "statistics"} <= set(json.loads(line))

    assert verify_campaign(store.campaign_dir).ok


def test_discrete_measurement_names_its_raw_json(campaign, store):
    campaign.record(judge_exact("IQ-ID-FW", IDENTITY, "0.1.0", "0.1.0", "controller"))
    (payload,) = [r.payload for r in store.records(kind="measurement")]
    assert [f["role"] for f in payload["raw_files"]] == ["measurement"]
    document = json.loads((store.raw_dir / f"{payload['raw_sha256']}.json").read_bytes())
    assert document["value"] == "0.1.0" and document["expected"] == "0.1.0"
    assert "raw_series_sha256" not in payload
    assert verify_campaign(store.campaign_dir).ok


def test_other_attachments_are_still_stored_as_raw(recorder, store):
    import allure

    allure.attach("thermometer: scpi query 'FETC? 1'", name="labgrid I/O log",
                  attachment_type=allure.attachment_type.TEXT)
    (raw,) = store.records(kind="raw_data")
    assert raw.payload["description"] == "Temperature held: labgrid I/O log"


def test_the_pdf_model_lists_the_raw_files_of_series_and_discrete_results(campaign, store):
    series = _series(campaign)
    campaign.record(judge_series("OQ-TEMP-ACC", BAND, series.values, "thermometer"), series=series)
    campaign.record(judge_exact("IQ-ID-FW", IDENTITY, "0.1.0", "0.1.0", "controller"))
    summary = summarise(store.records())
    by_criterion = {result.payload["criterion_id"]: result for result in summary.results}
    series_files = {f.role: f.file for f in by_criterion["OQ-TEMP-ACC"].raw_files}
    assert set(series_files) == {"series", "plot", "measurement"}
    assert all((store.campaign_dir / file).is_file() for file in series_files.values())
    (discrete,) = by_criterion["IQ-ID-FW"].raw_files
    assert discrete.role == "measurement" and (store.campaign_dir / discrete.file).is_file()


def test_a_failed_measurement_becomes_a_deviation_with_the_formatted_limits(campaign, store, recorder):
    criterion = Criterion(description="pH", kind="band", target=7.0, tolerance=0.1000000000000001, unit="pH",
                          source="ours")
    campaign.record(judge_series("OQ-PH-ACC", criterion, [7.0, 7.3], "phdo"))
    recorder._deviations_for(recorder.current, SimpleNamespace(longreprtext=""))
    (deviation,) = store.records(kind="deviation")
    # Expected and actual as result_text writes them: the criterion as stated, the statistic with the value.
    assert deviation.payload["expected"] == "7.0 ± 0.1 pH (6.9 … 7.1 pH)"
    assert deviation.payload["actual"] == "max of 2 readings = 7.3 pH"


@pytest.mark.parametrize("error, category", [
    (InstrumentError("thermometer", "timeout"), "instrument_fault"),
    (RuntimeError("lost the reading"), "execution_error"),
    # A message that merely looks like an instrument's is not an instrument fault: the type decides.
    (LookupError("bench SIM has no instrument 'x'"), "execution_error"),
])
def test_deviation_category_follows_the_exception_type(recorder, store, error, category):
    recorder.current.error, recorder.current.error_step = error, "When read"
    recorder._deviations_for(recorder.current, SimpleNamespace(longreprtext=""))
    (deviation,) = store.records(kind="deviation")
    assert deviation.payload["category"] == category


def test_an_error_caused_by_an_instrument_fault_is_an_instrument_fault(recorder, store):
    try:
        try:
            raise InstrumentError("balance", "no stable weight")
        except InstrumentError as fault:
            raise AssertionError("delivery not weighed") from fault
    except AssertionError as error:
        recorder.current.error, recorder.current.error_step = error, "When weighed"
    recorder._deviations_for(recorder.current, SimpleNamespace(longreprtext=""))
    (deviation,) = store.records(kind="deviation")
    assert deviation.payload["category"] == "instrument_fault"


def test_injected_and_cleared_faults_and_reconnections_are_records_of_the_running_scenario(tmp_path):
    """Issue 17 item 4: no injected fault was written to the record; now each one, its clearing and each reconnect."""
    store = EvidenceStore.create(tmp_path / "campaign")
    recorder = EvidenceRecorder(store, tmp_path)
    recorder.current = _Scenario("n", "features/oq/x.feature", "Link cut", ["URS-OQ-X"])
    recorder.record_fault("injected", "INSTRUMENT_DISCONNECT", "thermometer", "", 120.0)
    recorder.record_reconnect("thermometer", 1, "ConnectionResetError: closed", True)
    recorder.record_fault("cleared", "", bench_time_s=180.0)
    injected, cleared = (r.payload for r in store.records("injected_fault"))
    assert (injected["fault"], injected["target"], injected["scenario"]) == ("INSTRUMENT_DISCONNECT", "thermometer",
                                                                             "Link cut")
    assert injected["parameters"] == {"event": "injected", "value": "", "bench_time_s": 120.0}
    assert (cleared["fault"], cleared["parameters"]["event"]) == ("ALL", "cleared")
    (reconnect,) = (r.payload for r in store.records("instrument_reconnect"))
    assert reconnect == {"instrument": "thermometer", "attempt": 1, "cause": "ConnectionResetError: closed",
                         "connected": True, "scenario": "Link cut"}
    recorder._ended, recorder.current = recorder.current, None          # the scenario's cleanup clears its faults
    recorder.record_fault("cleared", "")
    last = store.records("injected_fault")[-1].payload
    assert (last["scenario"], last["after_scenario"]) == ("", "Link cut")
    store.close()
