"""Bring a campaign's bench up and down: the simulated bench is started here, or not at all.

A real bench and a labgrid place are already there; the simulated bench is a
child process (:mod:`mimedi_qual.simbench.launcher`) that this module starts
before connecting and stops after disconnecting — also when the campaign
fails or is interrupted — so no simulator outlives its campaign::

    with bench_session(profile, profile_path, campaign_dir) as bench:
        bench.strategy().transition("ready")

``addresses`` (device name → ``host:port``) given: nothing is started; with
``from_place`` they are an acquired place's exported devices.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mimedi_qual.lab.bench import Bench
from mimedi_qual.profiles.bench import BenchProfile


@contextmanager
def bench_session(profile: BenchProfile, profile_path: Path, campaign_dir: Path,
                  addresses: dict[str, str] | None = None, *, from_place: bool = False) -> Iterator[Bench]:
    simulator = None
    if profile.bench.kind == "simulated" and addresses is None:
        from mimedi_qual.simbench.launcher import SimulatedBenchProcess

        simulator = SimulatedBenchProcess(profile_path)
        addresses = simulator.start()
    try:
        bench = Bench.open(profile, profile_path, campaign_dir, addresses, from_place=from_place)
        try:
            yield bench
        finally:
            bench.close()
    finally:
        if simulator is not None:
            simulator.close()
