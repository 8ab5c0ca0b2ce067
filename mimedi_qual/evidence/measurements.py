"""Record one judged measurement with its raw evidence — the one place that does it.

A measurement owns its evidence. In this order, before the step that judged
it returns:

1. the raw series it was judged on (CSV) and its plot (PNG), when it judged a
   series, are stored as raw files under their SHA-256;
2. the measurement itself is stored as a raw JSON file naming those files —
   so every result, a single reading or an identity string too, has a raw
   file an inspector can open;
3. the ``measurement`` record is appended, naming all of them by SHA-256:
   ``raw_sha256`` (the JSON), ``raw_series_sha256``, ``plot_sha256`` and the
   list ``raw_files`` (role, file in ``raw/``, SHA-256); with a series, its
   ``series_clocks`` too (bench time against UTC wall time, start and end).

The views (Allure attachments, ``measurements.jsonl``, the summary PDF) read
what :func:`record_measurement` returns or what the store holds; none of them
re-reads a file or recomputes a verdict. This module knows no Gherkin and no
hardware: the scenario, feature and URS ids come in as plain data, the series
and plot as bytes::

    recorded = record_measurement(
        store, measurement.as_dict(),
        context=MeasurementContext(scenario="Temperature held", feature="features/oq/temperature.feature",
                                   urs=["URS-OQ-TEMP-001"], method="When … → Then …"),
        series=RawSeries(series.to_csv(), plot_png, label="thermometer readings"),
    )
    recorded.payload["raw_series_sha256"]   # what the measurement record names
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mimedi_qual.evidence.store import RAW_DIR_NAME, EvidenceStore, Record

MEASUREMENT_KIND = "measurement"
#: raw file roles, in the order they are stored
ROLE_SERIES, ROLE_PLOT, ROLE_MEASUREMENT = "series", "plot", "measurement"


@dataclass(frozen=True)
class MeasurementContext:
    """Where a measurement was taken, as plain data: the protocol's words, not its objects."""

    scenario: str = ""
    feature: str = ""
    urs: list[str] = field(default_factory=list)
    method: str = ""


@dataclass(frozen=True)
class RawSeries:
    """The raw series a measurement judged (CSV bytes), its plot (PNG bytes, or None when not plottable)
    and how its two clocks relate (``clocks``: bench start/end, UTC start/end, acceleration — recorded as
    the measurement's ``series_clocks``)."""

    csv: bytes
    plot_png: bytes | None = None
    label: str = "series"
    clocks: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class StoredRaw:
    """A raw file as stored: its role, SHA-256, path inside the campaign, the very bytes stored, and its name.

    ``name`` is what a reader calls it (``thermometer readings``,
    ``OQ-TEMP-ACC plot``): the Allure attachment is named so.
    """

    role: str
    sha256: str
    file: str
    data: bytes
    name: str


@dataclass(frozen=True)
class RecordedMeasurement:
    """What was recorded: the measurement record and its raw files (views attach these bytes)."""

    record: Record
    files: dict[str, StoredRaw]

    @property
    def payload(self) -> dict[str, Any]:
        return self.record.payload


def _json_value(value: Any) -> Any:
    # JSON has no NaN/Infinity; keep them as text, as the evidence store does.
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _store(store: EvidenceStore, role: str, name: str, data: bytes, suffix: str, where: str) -> StoredRaw:
    sha = store.store_raw(data, suffix, description=f"{where}{name}")
    return StoredRaw(role, sha, f"{RAW_DIR_NAME}/{sha}.{suffix}", data, name)


def record_measurement(store: EvidenceStore, measurement: Mapping[str, Any], *,
                       context: MeasurementContext = MeasurementContext(),
                       series: RawSeries | None = None) -> RecordedMeasurement:
    """Store the raw files of a judged measurement, then the record that names them; return both.

    ``measurement`` is the judged result as plain data (criterion_id, value,
    unit, low, high, verdict, instrument, …: ``Measurement.as_dict()``); its
    verdict is recorded as given, never recomputed.
    """
    criterion_id = measurement.get("criterion_id", "")
    where = f"{context.scenario}: " if context.scenario else ""
    files: dict[str, StoredRaw] = {}
    if series is not None:
        files[ROLE_SERIES] = _store(store, ROLE_SERIES, series.label, series.csv, "csv", where)
        if series.plot_png is not None:
            files[ROLE_PLOT] = _store(store, ROLE_PLOT, f"{criterion_id} plot", series.plot_png, "png", where)
    document = _json_value({
        **measurement,
        "scenario": context.scenario,
        "feature": context.feature,
        "urs": list(context.urs),
        "method": measurement.get("method") or context.method,
        **({"raw_series_sha256": files[ROLE_SERIES].sha256} if ROLE_SERIES in files else {}),
        **({"plot_sha256": files[ROLE_PLOT].sha256} if ROLE_PLOT in files else {}),
        **({"series_clocks": dict(series.clocks)} if series is not None and series.clocks else {}),
    })
    json_bytes = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    name = f"measurement {criterion_id}: {str(measurement.get('verdict', '')).upper()}"
    files[ROLE_MEASUREMENT] = _store(store, ROLE_MEASUREMENT, name, json_bytes, "json", where)
    record = store.append(MEASUREMENT_KIND, {
        **document,
        "raw_sha256": files[ROLE_MEASUREMENT].sha256,
        "raw_files": [{"role": f.role, "file": f.file, "sha256": f.sha256} for f in files.values()],
    })
    return RecordedMeasurement(record, files)


def raw_files_of(payload: Mapping[str, Any]) -> list[dict[str, str]]:
    """The raw files a measurement record names: ``raw_files``, or ``raw_sha256`` alone in older records."""
    listed = payload.get("raw_files")
    if isinstance(listed, list) and listed:
        return [dict(f) for f in listed if isinstance(f, Mapping)]
    sha = payload.get("raw_sha256")
    return [{"role": "raw", "file": "", "sha256": str(sha)}] if sha else []
