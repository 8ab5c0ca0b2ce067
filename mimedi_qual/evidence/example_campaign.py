"""A small, complete example campaign record — how a run writes its evidence.

Read this file to see, in order, every record a campaign writes and with
which payload; tests and the summary-report test use it as a fixture::

    from mimedi_qual.evidence.example_campaign import write_example_campaign

    store = write_example_campaign("reports/EXAMPLE", simulated=True, failing=True)
    store.close()

It writes: ``campaign_started`` → ``protocol`` → ``instrument_identity`` ×2
→ per scenario ``step``s, the ``measurement`` with its raw files stored first
(the series CSV and the measurement JSON under ``raw/``, through
:func:`mimedi_qual.evidence.measurements.record_measurement`) and ``scenario`` → a ``deviation`` for each failed criterion →
``allure_result`` per result file → ``campaign_finished``. Signatures come
afterwards, from reviewers (``mimedi-qual sign``).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mimedi_qual.evidence.deviations import DeviationCategory, record_deviation
from mimedi_qual.evidence.execution import sign_execution
from mimedi_qual.evidence.measurements import MeasurementContext, RawSeries, record_measurement
from mimedi_qual.evidence.schema import (
    CampaignFinished,
    CampaignStarted,
    Equipment,
    InstrumentIdentity,
    ProtocolRecord,
    ScenarioResult,
    Step,
)
from mimedi_qual.evidence.store import EvidenceStore, utc_now
from mimedi_qual.evidence.verify import ALLURE_RESULTS_DIR_NAME, record_allure_results

EXAMPLE_PROTOCOL_HASH = "5" * 64
FEATURE = "features/oq/temperature.feature"


def write_example_campaign(
    campaign_dir: str | Path,
    *,
    simulated: bool = True,
    failing: bool = True,
    executor_user_id: str = "exec.ops",
    executor_printed_name: str = "Erin Executor",
    protocol_approvals: list[dict] | None = None,
    finish: bool = True,
    executor_key: Ed25519PrivateKey | None = None,
    ledger: str | Path | None = None,
) -> EvidenceStore:
    """Write an OQ temperature campaign into ``campaign_dir``; return the open store.

    ``executor_key`` (the executor's unlocked private key) signs the start, as
    ``mimedi-qual run --user`` does; without it the campaign is a dry run
    (:mod:`mimedi_qual.evidence.execution`). ``ledger``: the lab ledger the
    campaign's head is anchored in as it advances, as ``campaign_started.ledger``
    names it in a run (:mod:`mimedi_qual.evidence.ledger`); None: not anchored.
    """
    store = EvidenceStore.create(campaign_dir)
    started = CampaignStarted(
        campaign_id="C-EXAMPLE-0001",
        stage="OQ",
        protocol_id="MQ-OQ-001",
        protocol_version="1.0",
        protocol_hash=EXAMPLE_PROTOCOL_HASH,
        bench_profile="profiles/benches/sim.yaml" if simulated else "profiles/benches/lab-2.yaml",
        bench_simulated=simulated,
        executor_user_id=executor_user_id,
        executor_printed_name=executor_printed_name,
        site="Lyon pilot plant, suite B",
        equipment=Equipment(name="MiMédi bioreactor", model="MM-1", serial="MM1-000042", firmware="2.3.1"),
        harness_version="0.1.0",
        git_commit="0123456789abcdef",
        time_source="chrony (pool.ntp.org), offset 0.4 ms",
        environment={"ambient_c": 21.5, "relative_humidity_pct": 41},
        objective="Verify vessel temperature control at 37 °C",
        scope="Temperature module, OQ",
        references=["URS-MM-001 v3", "RA-MM-007"],
    ).model_dump(mode="json")
    if ledger is not None:
        started["ledger"] = str(Path(ledger).resolve())
    if executor_key is not None:
        started = sign_execution(dict(started, executor_signed_utc=utc_now()), executor_key)
    store.append("campaign_started", started)
    store.append(
        "protocol",
        ProtocolRecord(
            protocol_id="MQ-OQ-001",
            version="1.0",
            protocol_hash=EXAMPLE_PROTOCOL_HASH,
            files=[{"path": FEATURE, "sha256": "a" * 64}, {"path": "profiles/acceptance/oq.yaml", "sha256": "b" * 64}],
            approvals=protocol_approvals or [],
            requirements=[
                {"id": "URS-TEMP-001", "text": "The bioreactor holds the culture at 37.0 °C within tolerance.",
                 "risk": "high", "stage": "OQ"},
                {"id": "URS-TEMP-002", "text": "After a door opening the temperature recovers in time.",
                 "risk": "medium", "stage": "OQ"},
                {"id": "URS-ALARM-009", "text": "A gas-supply loss raises an alarm.", "risk": "high", "stage": "OQ"},
            ],
        ),
    )
    store.append(
        "instrument_identity",
        InstrumentIdentity(
            name="ref-thermometer", quantity="temperature", manufacturer="Fluke", model="1524",
            serial="B48213", firmware="1.10", idn="FLUKE,1524,B48213,1.10",
            calibration_certificate="CAL-2026-0193", calibration_due_date="2027-03-01", in_calibration=True,
            accuracy="±0.015 °C",
        ),
    )
    store.append(
        "instrument_identity",
        InstrumentIdentity(
            name="bioreactor", quantity="controller", manufacturer="MiMédi", model="MM-1", serial="MM1-000042",
            firmware="2.3.1", idn="MIMEDI,MM-1,MM1-000042,2.3.1", calibration_certificate="", in_calibration=False,
        ),
    )
    scenarios = [
        ("Temperature holds at 37 °C", ["URS-TEMP-001"], "OQ-TEMP-ACC", 36.5, 37.5,
         [36.98, 37.02, 37.9 if failing else 37.05]),
        ("Temperature recovers after door opening", ["URS-TEMP-002"], "OQ-TEMP-RECOVERY", None, 900.0, [412.0]),
    ]
    for scenario, urs, criterion, low, high, series in scenarios:
        for keyword, text in (("Given", "the bioreactor is running"), ("When", "I log for 1 hour"),
                              ("Then", f"every reading meets {criterion}")):
            store.append("step", Step(feature=FEATURE, scenario=scenario, keyword=keyword, text=text,
                                      status="passed", urs=urs, duration_s=0.01))
        unit = "°C" if criterion == "OQ-TEMP-ACC" else "s"
        # The series file as a campaign writes it: instrument and units named, instrument, serial and both
        # clocks on every reading (a real bench: bench time is wall time).
        raw = "\n".join(
            ["# series: ref-thermometer readings", "# instrument: ref-thermometer (Fluke 1524, serial B48213)",
             f"instrument,serial,bench_time_s,elapsed_s,utc,value [{unit}]"]
            + [f"ref-thermometer,B48213,{i * 600},{i * 600},2026-11-21T10:{i * 10:02d}:00.000000Z,{v}"
               for i, v in enumerate(series)]) + "\n"
        clocks = {"bench_clock": "wall", "bench_start_s": 0.0, "bench_end_s": 600.0 * (len(series) - 1),
                  "utc_start": "2026-11-21T10:00:00.000000Z",
                  "utc_end": f"2026-11-21T10:{(len(series) - 1) * 10:02d}:00.000000Z",
                  "wall_span_s": 600.0 * (len(series) - 1), "acceleration": 1.0 if len(series) > 1 else None}
        worst = max(series)
        passed = (low is None or min(series) >= low) and (high is None or worst <= high)
        band = criterion == "OQ-TEMP-ACC"
        record_measurement(
            store,
            {"criterion_id": criterion, "description": scenario, "value": worst, "unit": unit, "low": low,
             "high": high, "verdict": "pass" if passed else "fail", "instrument": "ref-thermometer",
             "source": "URS (ours)", "statistics": {"n_samples": float(len(series)), "max": worst},
             "statistic": "max" if len(series) > 1 else "single reading", "n_readings": len(series),
             "kind": "band" if band else "max", "target": 37.0 if band else None, "tolerance": 0.5 if band else None,
             "resolution": 0.01 if band else None, "acceptance_profile": "profiles/acceptance/oq.yaml v1.0"},
            context=MeasurementContext(scenario=scenario, feature=FEATURE, urs=urs),
            series=RawSeries(raw.encode(), label=f"{criterion} series", clocks=clocks if len(series) > 1 else None),
        )
        store.append("scenario", ScenarioResult(feature=FEATURE, scenario=scenario, urs=urs,
                                                status="passed" if passed else "failed", duration_s=0.1))
        if not passed:
            record_deviation(
                store, DeviationCategory.CRITERION_NOT_MET,
                description=f"{criterion} not met during '{scenario}'",
                expected=f"{low} – {high} °C", actual=f"{worst} °C", impact="OQ temperature accuracy not shown",
                scenario=scenario, urs=urs, criterion_id=criterion,
            )
    if finish:
        results = Path(campaign_dir) / ALLURE_RESULTS_DIR_NAME
        results.mkdir(exist_ok=True)
        for index, (scenario, *_rest) in enumerate(scenarios):
            (results / f"{index:04d}-result.json").write_text(
                json.dumps({"name": scenario, "status": "passed"}), encoding="utf-8"
            )
        record_allure_results(store)
        failed = sum(1 for r in store.records(kind="measurement") if r.payload["verdict"] != "pass")
        store.append(
            "campaign_finished",
            CampaignFinished(
                verdict="deviations" if failed else "criteria_met",
                criteria_total=len(scenarios), criteria_failed=failed,
                deviations=len(store.records(kind="deviation")),
                conclusion="Temperature control meets the URS" if not failed else "See DEV-001",
                recommendation="Release to PQ" if not failed else "Do not release until DEV-001 is closed",
                finished_utc=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            ),
        )
    return store
