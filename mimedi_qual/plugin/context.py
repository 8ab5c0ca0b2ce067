"""The campaign context handed to every step: bench, criteria, where evidence goes.

Steps get it through the ``campaign`` fixture. It is the only way a step
reaches a number: ``campaign.criterion("OQ-TEMP-ACC")``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mimedi_qual.errors import CriterionError, MimediQualError
from mimedi_qual.lab.bench import Bench
from mimedi_qual.profiles import load_process
from mimedi_qual.profiles.acceptance import AcceptanceProfile, Criterion
from mimedi_qual.profiles.process import ProcessRecipe
from mimedi_qual.qualification.measurement import Measurement
from mimedi_qual.qualification.series import InstrumentId, Series
from mimedi_qual.report.allure_evidence import attach_recorded_measurement
from mimedi_qual.report.measurements_jsonl import append_measurement_line

if TYPE_CHECKING:
    from mimedi_qual.plugin.evidence_recorder import EvidenceRecorder


@dataclass
class CampaignContext:
    bench: Bench
    acceptance: AcceptanceProfile
    acceptance_path: Path
    profiles_dir: Path
    campaign_dir: Path
    recorder: EvidenceRecorder | None = None

    def __repr__(self) -> str:
        # Allure lists every step argument by its repr: keep it one short line, not the whole bench.
        return f"<bench {self.bench.profile.bench.id} ({self.bench.profile.bench.kind})>"

    def criterion(self, criterion_id: str) -> Criterion:
        try:
            return self.acceptance.criteria[criterion_id]
        except KeyError:
            raise CriterionError(
                f"criterion {criterion_id} is not in {self.acceptance_path}"
            ) from None

    def recipe(self, name: str) -> ProcessRecipe:
        return load_process(self.profiles_dir / "process" / f"{name}.yaml")

    def instrument_id(self, name: str) -> InstrumentId:
        """Who takes a series: the instrument's bench name, registered make/model/serial and recorded *IDN?."""
        identity = self.bench.register_entry(name).identity
        idn = self.recorder.instrument_idn(name) if self.recorder is not None else ""
        return InstrumentId(name, identity.manufacturer, identity.model, identity.serial, idn)

    @property
    def acceptance_profile_id(self) -> str:
        """The acceptance profile in use, as results name it: its path in the project and its version."""
        path = self.acceptance_path
        try:
            path = path.resolve().relative_to(self.profiles_dir.resolve().parent)
        except ValueError:
            pass
        version = getattr(self.acceptance, "version", None)
        return f"{path} v{version}" if version else str(path)

    def resolution_of(self, instrument: str, unit: str) -> float | None:
        """The instrument's resolution in ``unit`` as its bench profile states it (None: not stated)."""
        try:
            entry = self.bench.register_entry(instrument)
        except MimediQualError:  # not a bench instrument (a result the harness computed): no resolution
            return None
        return (getattr(entry, "resolution", None) or {}).get(unit) if unit else None

    def record(self, measurement: Measurement, series: Series | None = None) -> Measurement:
        """Record the judged measurement, with the series it judged, and show it on the running step.

        The measurement is completed first with what the campaign knows: the
        instrument's resolution in the criterion's unit (bench profile), the
        acceptance profile's id, and which clock the series' bench time is.
        The raw series (CSV) and its plot, then the measurement's own JSON,
        are stored as raw files and the measurement record naming them is
        appended to the evidence store — durable before this returns. The
        views follow from what was recorded: a line in ``measurements.jsonl``
        (the record's payload) and the Allure attachments of the running step
        (the stored bytes: measurement JSON, verdict line, series CSV, plot).
        """
        measurement = dataclasses.replace(
            measurement, resolution=self.resolution_of(measurement.instrument, measurement.unit),
            acceptance_profile=measurement.acceptance_profile or self.acceptance_profile_id)
        if series is not None and not series.bench_clock:
            series.bench_clock = "virtual" if self.bench.profile.clock == "simulated" else "wall"
        if self.recorder is None:  # no evidence store (a bare step test): the plain view only
            append_measurement_line(self.campaign_dir, {"scenario": "", **measurement.as_dict(),
                                                        "result_text": measurement.summary()})
            return measurement
        recorded = self.recorder.record_measurement(measurement, series)
        append_measurement_line(self.campaign_dir, recorded.payload)
        with self.recorder.showing_record():
            attach_recorded_measurement(recorded, recorded.payload.get("result_text") or measurement.summary())
        return measurement
