"""The controller's alarm limits that a SUPERVISOR may move.

A limit is only ever moved *outward* — a wider band, never a false alarm —
by a tenth of its high–low span::

    present, wider = widened_limit(controller, "TEMPERATURE_HIGH")   # (38.0, 38.2) for a 36–38 °C band
"""

from __future__ import annotations

from mimedi_qual.lab.protocols import BioreactorProtocol

#: A limit is moved *outward* (a wider band, never a false alarm) by this fraction of its high–low span.
WIDEN_FRACTION = 0.1
LIMIT_ALARMS = ("TEMPERATURE_HIGH", "TEMPERATURE_LOW", "PH_HIGH", "PH_LOW", "DO_HIGH", "DO_LOW")


def widened_limit(controller: BioreactorProtocol, alarm: str) -> tuple[float, float]:
    """(present limit, the limit moved outward by WIDEN_FRACTION of the alarm pair's span)."""
    variable, side = alarm.rsplit("_", 1)
    high, low = controller.alarm_limit(f"{variable}_HIGH"), controller.alarm_limit(f"{variable}_LOW")
    step = WIDEN_FRACTION * (high - low)
    present = high if side == "HIGH" else low
    return present, round(present + step if side == "HIGH" else present - step, 4)
