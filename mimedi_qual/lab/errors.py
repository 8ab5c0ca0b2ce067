"""Errors from the bench, named for the instrument that caused them."""

from __future__ import annotations


class InstrumentError(Exception):
    """An instrument did not answer, answered garbage, or reported an error.

    Carries the instrument's name so a deviation can say which one failed.
    """

    def __init__(self, instrument: str, message: str):
        self.instrument = instrument
        super().__init__(f"instrument '{instrument}': {message}")
