"""How an instrument failed: the lab's subclasses of :class:`mimedi_qual.errors.InstrumentError`.

Every error a driver raises is an ``InstrumentError`` (or one of these
subclasses), so a step that fails on the bench turns into an instrument-fault
deviation that says *which* device failed and how:

>>> raise CommandRefused("controller", "MOD:COMM EXPANSION,START", -221, "Settings conflict",
...                      "module is HELD")
Traceback (most recent call last):
mimedi_qual.lab.errors.CommandRefused: instrument 'controller': 'MOD:COMM EXPANSION,START' refused: -221 Settings conflict (module is HELD)
"""

from __future__ import annotations

import datetime as dt

from mimedi_qual.errors import InstrumentError


class CommandRefused(InstrumentError):
    """The device understood the command and refused it (SCPI error queue).

    ``code`` is the SCPI error number (``-221`` settings conflict, ``-203``
    command protected, ``-224`` illegal parameter ...), ``reason`` the text
    after ``;`` in the error message when the device gives one.
    """

    def __init__(self, instrument: str, command: str, code: int, message: str, reason: str = ""):
        self.command = command
        self.code = code
        self.reason = reason
        detail = f"{code} {message}" + (f" ({reason})" if reason else "")
        super().__init__(instrument, f"{command!r} refused: {detail}")


class AccessDenied(CommandRefused):
    """``-203 Command protected``: the logged-in access level is too low (or nobody is logged in)."""


class CalibrationExpired(InstrumentError):
    """The instrument is past its calibration due date: it must not produce evidence.

    EU GMP Annex 15: a reference instrument past its calibration due date cannot be used
    for qualification. The message names instrument, certificate and due date
    so the deviation written from it is complete.
    """

    def __init__(self, instrument: str, certificate: str, due_on: dt.date, checked_on: dt.date):
        self.certificate = certificate
        self.due_on = due_on
        self.checked_on = checked_on
        super().__init__(
            instrument,
            f"calibration certificate {certificate} was due on {due_on.isoformat()} "
            f"(checked {checked_on.isoformat()}): past due, refusing to produce evidence",
        )


class BalanceOverload(InstrumentError):
    """The balance reports over- (``S +``) or underload (``S -``): no weight is valid."""
