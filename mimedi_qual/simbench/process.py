"""The simulated bench as one OS process hosting every simulated device.

Started by :mod:`.launcher` (or ``python -m mimedi_qual.simbench --bench
PROFILE``). Each device listens on its own loopback port; when all are up the
process prints ONE line of JSON to stdout, ``{"controller": "127.0.0.1:41234",
...}``, and serves until

* its standard input closes (the parent died or let go: no orphans),
* it receives SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
import sys
from pathlib import Path

from mimedi_qual.profiles import load_bench
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.simbench.controller import ControllerDevice
from mimedi_qual.simbench.server import LineServer
from mimedi_qual.simbench.simctl import SimulationControlDevice
from mimedi_qual.simbench.thermometer import ThermometerDevice
from mimedi_qual.simbench.world import SimulatedWorld, seeded_rng

SIMCTL = "simctl"


def build_servers(bench: BenchProfile) -> tuple[SimulatedWorld, list[LineServer]]:
    """One world, one server per instrument of the profile, plus the sim channel."""
    world = SimulatedWorld.from_profile(bench)
    sim = bench.simulation
    servers = []
    for name, instrument in bench.instruments.items():
        if instrument.kind == "bioreactor":
            device = ControllerDevice(instrument.identity, world)
        elif instrument.kind == "thermometer":
            device = ThermometerDevice(instrument.identity, sim.thermometer, world,
                                       seeded_rng(sim.seed, f"instrument:{name}"))
        else:  # pragma: no cover - the profile model forbids other kinds
            raise ValueError(f"no simulator for instrument kind {instrument.kind!r}")
        servers.append(LineServer(name, device))
    servers.append(LineServer(SIMCTL, SimulationControlDevice(world)))
    return world, servers


def _die_with_parent() -> None:
    """Linux: have the kernel SIGTERM us when the parent process dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


async def serve(bench: BenchProfile) -> None:
    _, servers = build_servers(bench)
    for server in servers:
        await server.start()
    print(json.dumps({s.name: s.address for s in servers}), flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Parent gone (stdin EOF) → stop. Read stdin in a thread: it is a pipe.
    loop.run_in_executor(None, _wait_for_stdin_eof, loop, stop)
    await stop.wait()
    for server in servers:
        await server.stop()


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
    args = parser.parse_args(argv)
    from mimedi_qual.profiles import ProfileError

    try:
        bench = load_bench(args.bench)
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if bench.bench.kind != "simulated":
        print(f"error: {args.bench}: bench kind is {bench.bench.kind!r}, not simulated", file=sys.stderr)
        return 2
    _die_with_parent()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(serve(bench))
    return 0
