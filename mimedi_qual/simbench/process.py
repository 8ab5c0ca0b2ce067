"""The simulated bench as one OS process hosting every simulated device.

Started by :mod:`.launcher` (or ``python -m mimedi_qual.simbench --bench
PROFILE``). Each device listens on its own loopback port; when all are up the
process prints ONE line of JSON to stdout, service name → address::

    {"controller": "127.0.0.1:41234", "thermometer": "127.0.0.1:41235", ...,
     "simctl": "127.0.0.1:41240", "pdu": "http://127.0.0.1:41241/outlet/{index}",
     "modbus": "127.0.0.1:41242", "console": "127.0.0.1:41243"}

Instruments are served under their name in the bench profile (one simulator
per ``kind``); ``simctl``, ``pdu``, ``modbus`` and ``console`` are the bench's
own services. The process serves until

* its standard input closes (the parent died or let go: no orphans),
* it receives SIGTERM or SIGINT.

In real-time mode (``SIM:MODE REAL`` or ``simulation.mode: realtime``) a
background task advances the world with the wall clock.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from mimedi_qual.profiles import load_bench
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.simbench.balance import BalanceDevice
from mimedi_qual.simbench.console import ConsoleServer
from mimedi_qual.simbench.controller import ControllerDevice
from mimedi_qual.simbench.modbus_io import ModbusIoServer
from mimedi_qual.simbench.multimeter import MultimeterDevice
from mimedi_qual.simbench.pdu import PduServer
from mimedi_qual.simbench.qc_lab import QcLabDevice
from mimedi_qual.simbench.reference_meters import GasAnalyzerDevice, PhDoMeterDevice, TachometerDevice
from mimedi_qual.simbench.server import LineServer
from mimedi_qual.simbench.simctl import SimulationControlDevice
from mimedi_qual.simbench.thermometer import ThermometerDevice
from mimedi_qual.simbench.error_model import seeded_rng
from mimedi_qual.simbench.world import SimulatedWorld

SIMCTL = "simctl"
PDU = "pdu"
MODBUS = "modbus"
CONSOLE = "console"
REALTIME_TICK_S = 0.05
MAX_REALTIME_CATCH_UP_S = 5.0

_DEVICE_FOR_KIND = {
    "ph_do_meter": PhDoMeterDevice,
    "gas_analyzer": GasAnalyzerDevice,
    "tachometer": TachometerDevice,
    "multimeter": MultimeterDevice,
    "balance": BalanceDevice,
    "qc_lab": QcLabDevice,
}


class SimulatedBench:
    """Every service of one simulated bench, around one world."""

    def __init__(self, bench: BenchProfile, state_dir: Path):
        self.world = SimulatedWorld.from_profile(bench, state_dir)
        world = self.world
        sim = bench.simulation
        self.instruments: list[LineServer] = []
        self.controller_servers: list[LineServer] = []
        for name, instrument in bench.instruments.items():
            if instrument.kind == "bioreactor":
                server = LineServer(name, ControllerDevice(instrument.identity, world, name), world.faults)
                self.controller_servers.append(server)
            elif instrument.kind == "thermometer":
                server = LineServer(name, ThermometerDevice(instrument.identity, sim.thermometer, world,
                                                            seeded_rng(sim.seed, f"instrument:{name}")), world.faults)
            else:
                device = _DEVICE_FOR_KIND[instrument.kind](instrument.identity, world, name)
                if hasattr(device, "check_error_models"):
                    device.check_error_models()
                server = LineServer(name, device, world.faults)
            self.instruments.append(server)
        self.simctl = LineServer(SIMCTL, SimulationControlDevice(world))
        self.pdu = PduServer(PDU, world, self.sync_power)
        self.modbus = ModbusIoServer(MODBUS, world)
        self.console = ConsoleServer(CONSOLE, world) if any(
            i.kind == "bioreactor" for i in bench.instruments.values()) else None
        world.on_power_change.append(self._power_changed)

    @property
    def services(self) -> list:
        return [*self.instruments, self.simctl, self.pdu, self.modbus] + ([self.console] if self.console else [])

    @property
    def addresses(self) -> dict[str, str]:
        return {s.name: s.address for s in self.services}

    async def start(self) -> None:
        for service in self.services:
            await service.start()

    async def stop(self) -> None:
        for service in self.services:
            await service.stop()

    def _power_changed(self, powered: bool) -> None:
        # Called from inside the world (PDU, POWER_LOSS fault): bring the ports in line soon.
        asyncio.get_running_loop().create_task(self.sync_power())

    async def sync_power(self) -> None:
        """The controller's port is open exactly while it has power."""
        powered = self.world.controller_powered
        for server in self.controller_servers:
            await server.set_online(powered)
        if self.console is not None and powered:
            await self.console.power_changed(True)

    async def run_realtime(self, stop: asyncio.Event) -> None:
        """Advance the world with the wall clock while in real-time mode, whole control periods at a time."""
        last = time.monotonic()
        pending_s = 0.0
        period_s = self.world.period_s
        while not stop.is_set():
            await asyncio.sleep(REALTIME_TICK_S)
            now = time.monotonic()
            if self.world.mode == "realtime":
                pending_s = min(pending_s + now - last, MAX_REALTIME_CATCH_UP_S)
                periods = int(pending_s / period_s)
                if periods:
                    self.world.advance(periods * period_s)
                    pending_s -= periods * period_s
            else:
                pending_s = 0.0
            last = now


class BenchThread:
    """The whole simulated bench on a background thread of *this* process.

    Same services, same sockets, same clients — only without the start-up
    cost of a process (tests, notebooks). A campaign uses the separate
    process (:mod:`.launcher`), so a crashing harness cannot take the bench
    with it, nor the bench the harness.

    >>> with BenchThread("profiles/benches/sim.yaml", tmp_path) as bench:
    ...     bench.addresses["controller"]
    '127.0.0.1:40001'
    """

    def __init__(self, bench_profile: str | Path, state_dir: str | Path):
        self.profile = load_bench(bench_profile)
        self.state_dir = Path(state_dir)
        self.addresses: dict[str, str] = {}
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="simbench", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        bench = SimulatedBench(self.profile, self.state_dir)
        await bench.start()
        self.addresses = bench.addresses
        self._ready.set()
        realtime = self._loop.create_task(bench.run_realtime(self._stop))
        await self._stop.wait()
        await realtime
        await bench.stop()

    def start(self) -> dict[str, str]:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self.addresses

    def close(self) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join()

    def __enter__(self) -> BenchThread:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _die_with_parent() -> None:
    """Linux: have the kernel SIGTERM us when the parent process dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


async def serve(bench_profile: BenchProfile, state_dir: Path) -> None:
    bench = SimulatedBench(bench_profile, state_dir)
    await bench.start()
    print(json.dumps(bench.addresses), flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Parent gone (stdin EOF) → stop. Read stdin in a thread: it is a pipe.
    loop.run_in_executor(None, _wait_for_stdin_eof, loop, stop)
    realtime = loop.create_task(bench.run_realtime(stop))
    await stop.wait()
    await realtime
    await bench.stop()


def _wait_for_stdin_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    loop.call_soon_threadsafe(stop.set)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mimedi_qual.simbench")
    parser.add_argument("--bench", type=Path, required=True, help="bench profile (YAML)")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="the controller's non-volatile memory (audit trail); default: a temporary dir")
    args = parser.parse_args(argv)
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.simbench.simulation_profiles import simulation_profiles

    try:
        bench = load_bench(args.bench)
        if bench.bench.kind == "simulated":
            simulation_profiles(bench)   # the controller and twin profiles: bad input, not a traceback at start
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if bench.bench.kind != "simulated":
        print(f"error: {args.bench}: bench kind is {bench.bench.kind!r}, not simulated", file=sys.stderr)
        return 2
    _die_with_parent()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    state_dir = args.state_dir
    temporary = state_dir is None
    if temporary:
        state_dir = Path(tempfile.mkdtemp(prefix="mimedi-simbench-"))
    try:
        asyncio.run(serve(bench, state_dir))
    finally:
        if temporary:
            shutil.rmtree(state_dir, ignore_errors=True)
    return 0
