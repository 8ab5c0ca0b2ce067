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


@pytest.fixture
def bioreactor_driver(line_device):
    """Factory: ``bioreactor_driver(fake)`` → the BioreactorProtocol driver talking to ``fake`` over TCP
    (``driver.fake`` is the fake, for assertions on what it received)."""
    from labgrid import Target

    from mimedi_qual.lab.drivers.bioreactor import BioreactorDriver
    from mimedi_qual.lab.drivers.scpi import SCPIDriver
    from mimedi_qual.lab.resources import SCPITCPInstrument

    targets = []

    def bind(fake):
        device = line_device(fake)
        target = Target(f"ctrl-{device.port}")
        targets.append(target)
        SCPITCPInstrument(target, "controller", host="127.0.0.1", port=device.port, timeout_s=2.0)
        SCPIDriver(target, "controller")
        BioreactorDriver(target, "controller")
        driver = target.get_driver("BioreactorProtocol", name="controller")
        driver.fake = fake
        return driver

    yield bind
    for target in targets:
        target.cleanup()
