"""The bench as the step library sees it: protocols by name, never addresses.

:class:`Bench` owns the lifetime of everything a campaign connects to. On a
simulated bench it starts the simulator process first and closes it last, so
no simulator outlives the campaign.

>>> with Bench.open(bench_profile, campaign_dir) as bench:
...     bench.thermometer("thermometer").read_temperature_c()
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from mimedi_qual.lab.environment import TARGET_NAME, environment_config, write_environment
from mimedi_qual.lab.protocols import (
    BioreactorProtocol,
    ClockProtocol,
    OperatorProtocol,
    TemperatureSensorProtocol,
)
from mimedi_qual.profiles.bench import BenchProfile, Instrument

ENVIRONMENT_FILE = "labgrid-env.yaml"


class Bench:
    def __init__(self, profile: BenchProfile, profile_path: Path, target, env, simulator=None):
        self.profile = profile
        self.profile_path = profile_path
        self.target = target
        self.env = env
        self.simulator = simulator

    @classmethod
    def open(cls, profile: BenchProfile, profile_path: Path, campaign_dir: Path) -> Bench:
        simulator = None
        sim_addresses: dict[str, str] = {}
        if profile.bench.kind == "simulated":
            from mimedi_qual.simbench.launcher import SimulatedBenchProcess

            simulator = SimulatedBenchProcess(profile_path)
            sim_addresses = simulator.start()
        try:
            import mimedi_qual.lab  # noqa: F401  (register our labgrid classes)

            env = write_environment(environment_config(profile, sim_addresses), campaign_dir / ENVIRONMENT_FILE)
            target = env.get_target(TARGET_NAME)
        except BaseException:
            if simulator:
                simulator.close()
            raise
        (campaign_dir / "bench.json").write_text(json.dumps({
            "bench": profile.bench.model_dump(),
            "addresses": sim_addresses,
        }, indent=2))
        return cls(profile, profile_path, target, env, simulator)

    def close(self) -> None:
        try:
            if self.target is not None:
                self.target.cleanup()
        finally:
            if self.simulator is not None:
                self.simulator.close()

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- protocols by name ---------------------------------------------
    def thermometer(self, name: str) -> TemperatureSensorProtocol:
        return self.target.get_driver("TemperatureSensorProtocol", name=name)

    def bioreactor(self, name: str = "controller") -> BioreactorProtocol:
        return self.target.get_driver("BioreactorProtocol", name=name)

    def clock(self) -> ClockProtocol:
        return self.target.get_driver("ClockProtocol", name="clock")

    def operator(self) -> OperatorProtocol:
        return self.target.get_driver("OperatorProtocol", name="operator")

    def identify(self, name: str) -> str:
        return self.target.get_driver("SCPIProtocol", name=name).identify()

    def register_entry(self, name: str) -> Instrument:
        """The bench profile's register entry (identity, calibration) for ``name``."""
        try:
            return self.profile.instruments[name]
        except KeyError:
            known = ", ".join(sorted(self.profile.instruments))
            raise LookupError(f"bench {self.profile.bench.id} has no instrument '{name}' (has: {known})") from None

    def name_of_kind(self, kind: str) -> str:
        return self.profile.instrument_of_kind(kind)[0]

    @property
    def today(self) -> dt.date:
        return dt.datetime.now(dt.timezone.utc).date()
