"""A check of the protocol that did not hold, said as QA reads it — the failure message of a step.

A step that judged a measurement ends with ``expect_met(measurement, detail)``
instead of ``assert measurement.passed, …``: ``assert`` in a module pytest
rewrites (the step modules are plugins) appends pytest's introspection —
``assert False``, ``where False = Measurement(criterion_id=…, …).passed`` —
to the message, and that message is what Allure shows as the failure. The
message here is criterion, expected, actual and instrument, one per line::

    OQ-TEMP-ACC not met: Vessel temperature within tolerance at 37 °C
      expected:   37.0 ± 0.5 °C (36.5 … 37.5 °C)
      actual:     max of 1,440 readings = 37.9000 °C
      instrument: thermometer
      criterion:  profiles/acceptance/criteria.yaml v0.2: ours
      detail:     …

It is an :class:`AssertionError` (status *failed*, Allure category
"Acceptance check not met"), and the measurement is already in the record
(``campaign.record``) before it is raised.
"""

from __future__ import annotations

from mimedi_qual.qualification.measurement import Measurement
from mimedi_qual.qualification.result_text import result_text

LABEL_WIDTH = 11


def actual_text(measurement: Measurement) -> str:
    """Which statistic of how many readings, and the value at the instrument's resolution (result_text)."""
    return result_text(measurement.as_dict()).actual


def not_met_message(measurement: Measurement, *details: str, context: str = "") -> str:
    """The failure message of a criterion not met (see the module docstring); its pieces are result_text's."""
    text = result_text(measurement.as_dict())
    lines = [f"{context + ': ' if context else ''}{measurement.criterion_id} not met: {measurement.description}"]
    rows = [("expected", text.acceptance), ("actual", text.actual), ("instrument", text.instrument),
            ("criterion", text.source)]
    detail = " ".join(d.strip() for d in details if d and d.strip())
    if detail.startswith("(") and detail.endswith(")") and detail.count("(") == 1:
        detail = detail[1:-1]
    if detail:
        rows.append(("detail", detail))
    lines += [f"  {label + ':':<{LABEL_WIDTH}} {value}" for label, value in rows if value]
    return "\n".join(lines)


def expect_met(measurement: Measurement, *details: str, context: str = "") -> None:
    """Raise AssertionError with :func:`not_met_message` unless ``measurement`` passed.

    ``details`` say what else the step saw (the alarms active, the entries
    missing); ``context`` names the run the result belongs to (a PQ batch).
    """
    if not measurement.passed:
        raise AssertionError(not_met_message(measurement, *details, context=context))
