"""The campaign context handed to every step: bench, criteria, where evidence goes.

Steps get it through the ``campaign`` fixture. It is the only way a step
reaches a number: ``campaign.criterion("OQ-TEMP-ACC")``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mimedi_qual.lab.bench import Bench
from mimedi_qual.profiles import load_process
from mimedi_qual.profiles.acceptance import AcceptanceProfile, Criterion
from mimedi_qual.profiles.process import ProcessRecipe
from mimedi_qual.qualification.measurement import Measurement
from mimedi_qual.report.allure_evidence import attach_measurement, attach_plot

if TYPE_CHECKING:
    from mimedi_qual.plugin.evidence_recorder import EvidenceRecorder

MEASUREMENTS_FILE = "measurements.jsonl"


class UnknownCriterion(LookupError):
    pass


@dataclass
class CampaignContext:
    bench: Bench
    acceptance: AcceptanceProfile
    acceptance_path: Path
    profiles_dir: Path
    campaign_dir: Path
    recorder: EvidenceRecorder | None = None

    def __repr__(self) -> str:
        # Allure lists every step argument by repr (TRAPS 3): keep it one short line.
        return f"<bench {self.bench.profile.bench.id} ({self.bench.profile.bench.kind})>"

    def criterion(self, criterion_id: str) -> Criterion:
        try:
            return self.acceptance.criteria[criterion_id]
        except KeyError:
            raise UnknownCriterion(
                f"criterion {criterion_id} is not in {self.acceptance_path}"
            ) from None

    def recipe(self, name: str) -> ProcessRecipe:
        return load_process(self.profiles_dir / "process" / f"{name}.yaml")

    def record(self, measurement: Measurement, scenario: str = "") -> Measurement:
        """Keep the measurement and show it on the running step.

        It goes into the evidence store (hash-chained, durable before this
        returns, linked to the raw series it was judged on), into
        ``measurements.jsonl`` (a plain view for tools), and into the Allure
        step as JSON — with a plot of the series against its limits when the
        measurement judged a series.
        """
        if self.recorder is not None:
            payload = self.recorder.record_measurement(measurement)
            scenario = scenario or payload["scenario"]
        line = json.dumps({"scenario": scenario, **measurement.as_dict()}, ensure_ascii=False)
        with open(self.campaign_dir / MEASUREMENTS_FILE, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
        attach_measurement(measurement)
        series = self.recorder.last_series_csv() if self.recorder is not None else None
        if series is not None and measurement.statistics:
            attach_plot(series, measurement)
        return measurement
