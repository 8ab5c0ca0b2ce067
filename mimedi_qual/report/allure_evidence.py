"""Put evidence into the Allure result of the step that produced it — a view of the record.

Attachments land on the Gherkin step that is running (allure-pytest-bdd keeps
a step stack), so a reviewer opening "Then every reading meets OQ-TEMP-ACC"
sees the measured value with its limits, the raw series and its plot beside
it. A measurement's attachments are the very bytes the evidence store holds
(:class:`~mimedi_qual.evidence.measurements.RecordedMeasurement`): the report
and the record share one original, nothing is serialised a second time.
When no Allure listener is active (plain ``pytest`` without ``--alluredir``)
these calls do nothing.
"""

from __future__ import annotations

import csv
import io

import allure

from mimedi_qual.evidence.measurements import ROLE_MEASUREMENT, ROLE_PLOT, ROLE_SERIES, RecordedMeasurement

_ATTACHMENT_TYPES = {
    ROLE_MEASUREMENT: allure.attachment_type.JSON,
    ROLE_SERIES: allure.attachment_type.CSV,
    ROLE_PLOT: allure.attachment_type.PNG,
}


def attach_recorded_measurement(recorded: RecordedMeasurement, verdict_text: str) -> None:
    """Attach what was recorded: the measurement JSON, its verdict line, the raw series CSV and its plot."""
    stored = recorded.files[ROLE_MEASUREMENT]
    allure.attach(stored.data, name=stored.name, attachment_type=_ATTACHMENT_TYPES[ROLE_MEASUREMENT])
    allure.attach(verdict_text, name=f"{recorded.payload.get('criterion_id', '')} verdict",
                  attachment_type=allure.attachment_type.TEXT)
    for role in (ROLE_SERIES, ROLE_PLOT):
        if role in recorded.files:
            stored = recorded.files[role]
            allure.attach(stored.data, name=stored.name, attachment_type=_ATTACHMENT_TYPES[role])


def attach_table(name: str, columns: list[str], rows: list[tuple]) -> None:
    """Attach a table that is not a series of readings (module commands and their outcomes, QC results) as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    allure.attach(buffer.getvalue(), name=name, attachment_type=allure.attachment_type.CSV)

