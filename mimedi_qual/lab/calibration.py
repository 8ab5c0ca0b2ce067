"""The calibration gate: an instrument past its due date produces no evidence.

Each reference-instrument driver carries its calibration register entry
(certificate id and due date, from the bench profile) as driver attributes.
Methods that produce a *reading* are decorated with :func:`calibrated`; they
check the date before touching the instrument and raise
:class:`~mimedi_qual.lab.errors.CalibrationExpired` when the certificate has
run out. Identity queries are not gated: IQ must still be able to say which
instrument is on the bench, and that it is past due.

>>> @calibrated
... def read_temperature_c(self) -> float: ...

The gate sits in the driver, not in the step library, so no code path — a
new step, a direct ``target.get_driver(...)`` — can take a reading from an
expired instrument. ``today_utc`` is a module function so tests can move the
calendar.
"""

from __future__ import annotations

import datetime as dt
import functools

import attr

from mimedi_qual.lab.errors import CalibrationExpired


def today_utc() -> dt.date:
    """The date calibration is judged against (UTC, like every timestamp of the evidence)."""
    return dt.datetime.now(dt.timezone.utc).date()


def _to_date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@attr.s(eq=False)
class CalibratedMixin:
    """Calibration register entry of a driver: ``certificate`` and ``due_on`` (ISO date).

    Both are optional: an instrument with no entry (the controller's own
    probes) is not a reference instrument and is not gated.
    """

    # keyword-only: attrs would otherwise put these defaults before labgrid's mandatory target/name
    certificate = attr.ib(default=None, kw_only=True,
                          validator=attr.validators.optional(attr.validators.instance_of(str)))
    due_on = attr.ib(default=None, kw_only=True, converter=_to_date)

    def check_calibration(self) -> None:
        """Raise :class:`CalibrationExpired` when the due date is before today (UTC)."""
        if self.due_on is None:
            return
        today = today_utc()
        if today > self.due_on:
            raise CalibrationExpired(self.name or type(self).__name__, self.certificate or "(none)",
                                     self.due_on, today)


def calibrated(func):
    """Decorate a reading method: refuse it when the instrument is past due."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        self.check_calibration()
        return func(self, *args, **kwargs)

    return wrapper
