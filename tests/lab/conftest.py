"""Fixtures of the lab tests: in-test device servers (see :mod:`fake_devices`)."""

from __future__ import annotations

import pytest
from fake_devices import LineDevice

import mimedi_qual.lab  # noqa: F401  (registers our labgrid classes)


@pytest.fixture
def line_device():
    """Factory: ``line_device(handler, newline=b"\\n")`` → a started :class:`LineDevice`."""
    started: list[LineDevice] = []

    def start(handler, newline: bytes = b"\n") -> LineDevice:
        device = LineDevice(handler, newline)
        started.append(device)
        return device

    yield start
    for device in started:
        device.close()
