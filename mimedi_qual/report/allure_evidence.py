"""Put evidence into the Allure result of the step that produced it.

Attachments land on the Gherkin step that is running (allure-pytest-bdd keeps
a step stack), so a reviewer opening "Then every reading meets OQ-TEMP-ACC"
sees the measured value with its limits and the raw series beside it. When
no Allure listener is active (plain ``pytest`` without ``--alluredir``) these
calls do nothing.
"""

from __future__ import annotations

import csv
import io
import json

import allure

from mimedi_qual.qualification.measurement import Measurement


def attach_measurement(measurement: Measurement) -> None:
    allure.attach(
        json.dumps(measurement.as_dict(), indent=2, ensure_ascii=False),
        name=f"measurement {measurement.criterion_id}: {measurement.verdict.upper()}",
        attachment_type=allure.attachment_type.JSON,
    )
    allure.attach(measurement.summary(), name=f"{measurement.criterion_id} verdict",
                  attachment_type=allure.attachment_type.TEXT)


def series_csv(columns: list[str], rows: list[tuple]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def attach_series(name: str, columns: list[str], rows: list[tuple]) -> None:
    allure.attach(series_csv(columns, rows), name=name, attachment_type=allure.attachment_type.CSV)


def attach_plot(series_csv_bytes: bytes, measurement: Measurement) -> None:
    """Attach a plot of the series the measurement judged, with its limits."""
    from mimedi_qual.report.plots import series_plot_png

    png = series_plot_png(series_csv_bytes, title=f"{measurement.criterion_id}: {measurement.description}",
                          low=measurement.low, high=measurement.high, unit=measurement.unit)
    if png is not None:
        allure.attach(png, name=f"{measurement.criterion_id} plot", attachment_type=allure.attachment_type.PNG)
