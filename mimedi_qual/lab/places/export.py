"""Publishing a bench as a labgrid place: the exporter's configuration, the exporter, the place.

``mimedi-qual bench up --export COORDINATOR --place NAME`` starts the
(simulated) bench, then an :class:`ExportedBench`: a ``labgrid-exporter``
publishing one resource per device, and a place on the coordinator that
matches exactly those resources and is tagged ``bench=<bench id>``.

>>> exported = ExportedBench("127.0.0.1:20408", "bench-a", addresses, classes, bench_id="SIM-BENCH-01")  # doctest: +SKIP
>>> exported.start()                                                                                    # doctest: +SKIP
>>> exported.close()                                                                                    # doctest: +SKIP
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from mimedi_qual.lab.places.client import PlaceError, client, labgrid_tool
from mimedi_qual.lab.places.daemons import start_daemon, stop_daemon

EXPORT_VISIBLE_S = 20.0
VISIBLE_POLL_S = 0.3
#: The place tag naming the bench a place is (a campaign refuses a place of another bench).
BENCH_TAG = "bench"


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def exporter_config(place: str, addresses: dict[str, str], kinds: dict[str, str]) -> dict:
    """The labgrid exporter configuration publishing ``addresses`` as group ``place``.

    ``kinds`` maps a device name to its labgrid resource class; devices not
    named there are SCPI instruments.

    >>> exporter_config("bench-a", {"thermometer": "127.0.0.1:5025"}, {})
    {'bench-a': {'thermometer': {'cls': 'SCPITCPInstrument', 'host': '127.0.0.1', 'port': 5025}}}
    """
    group: dict[str, dict] = {}
    for name, address in addresses.items():
        cls = kinds.get(name, "SCPITCPInstrument")
        if cls == "NetworkPowerPort":
            group[name] = {"cls": cls, "model": "rest", "host": address, "index": 0}
        elif cls == "ModbusTCPCoil":
            group[name] = {"cls": cls, "host": address, "coil": 0}
        else:
            host, port = _split(address)
            group[name] = {"cls": cls, "host": host, "port": port}
            if cls == "NetworkSerialPort":
                group[name]["protocol"] = "raw"     # a plain TCP console, not labgrid's default rfc2217
    return {place: group}


def resource_classes(profile) -> dict[str, str]:
    """Device name → exported resource class, for a simulated bench's address map."""
    from mimedi_qual.lab.environment import SIM_KEYS, SIMCTL

    classes = {SIMCTL: "SimulationControlPort"}
    for key in SIM_KEYS["power"]:
        classes[key] = "NetworkPowerPort"
    for key in SIM_KEYS["digital_io"]:
        classes[key] = "ModbusTCPCoil"
    for key in SIM_KEYS["console"]:
        classes[key] = "NetworkSerialPort"
    for name, instrument in profile.instruments.items():
        if instrument.transport == "mt-sics-tcp":
            classes[name] = "MTSICSTCPInstrument"
    return classes


class ExportedBench:
    """A bench published as a place: exporter process + place on the coordinator. ``close()`` withdraws both."""

    def __init__(self, coordinator: str, place: str, addresses: dict[str, str], classes: dict[str, str],
                 bench_id: str):
        self.coordinator = coordinator
        self.place = place
        self.addresses = addresses
        self.classes = classes
        self.bench_id = bench_id
        self.exporter_name = f"{socket.gethostname()}-{place}"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"mimedi-export-{place}-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> ExportedBench:
        places = client(self.coordinator, "places").stdout.split()
        if self.place in places:
            raise PlaceError(f"place {self.place} already exists on {self.coordinator}: choose another name "
                             f"or delete it (labgrid-client -x {self.coordinator} -p {self.place} delete)")
        config = self.workdir / "exporter.yaml"
        config.write_text(yaml.safe_dump(exporter_config(self.place, self.addresses, self.classes)))
        self.process = start_daemon([labgrid_tool("labgrid-exporter"), "-c", self.coordinator,
                                     "--name", self.exporter_name, "--hostname", "127.0.0.1", str(config)],
                                    self.workdir, self.workdir / "exporter.log")
        try:
            client(self.coordinator, "create", place=self.place)
            client(self.coordinator, "add-match", f"{self.exporter_name}/{self.place}/*", place=self.place)
            client(self.coordinator, "set-tags", f"{BENCH_TAG}={self.bench_id}", place=self.place)
            self._wait_visible()
        except BaseException:
            self.close()
            raise
        return self

    def _wait_visible(self) -> None:
        """Until every device is listed by the coordinator (the exporter registers asynchronously)."""
        deadline = time.monotonic() + EXPORT_VISIBLE_S
        while True:
            if self.process.poll() is not None:
                raise PlaceError(f"labgrid-exporter exited: {(self.workdir / 'exporter.log').read_text()[-2000:]}")
            listing = client(self.coordinator, "-v", "resources", check=False).stdout
            if all(f"{self.exporter_name}/{self.place}/{self.classes.get(n, 'SCPITCPInstrument')}[/{n}]" in listing
                   for n in self.addresses):
                return
            if time.monotonic() > deadline:
                raise PlaceError(f"exported resources of {self.place} not visible on {self.coordinator} "
                                 f"within {EXPORT_VISIBLE_S:g} s")
            time.sleep(VISIBLE_POLL_S)

    def close(self) -> None:
        try:
            client(self.coordinator, "delete", place=self.place, check=False, timeout_s=10)
        except PlaceError:
            pass  # coordinator gone: nothing left to withdraw there
        stop_daemon(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)
