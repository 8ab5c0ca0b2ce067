"""Turn a bench profile into a labgrid environment.

The bench profile is what an engineer edits; the labgrid environment file is
derived from it (and kept in the campaign directory as evidence of exactly
what was connected). On a simulated bench the ``sim`` addresses are replaced
by the loopback ports the simulator picked.

>>> config = environment_config(bench, {"controller": "127.0.0.1:40001", ...})
>>> env = write_environment(config, campaign_dir / "labgrid-env.yaml")
>>> target = env.get_target("bench")
>>> target.get_driver("TemperatureSensorProtocol", name="thermometer")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from labgrid import Environment

from mimedi_qual.profiles.bench import SIM_ADDRESS, BenchProfile

TARGET_NAME = "bench"
SIMCTL = "simctl"

_DRIVER_FOR_KIND = {
    "bioreactor": "BioreactorDriver",
    "thermometer": "ScpiThermometerDriver",
}


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def environment_config(bench: BenchProfile, sim_addresses: dict[str, str] | None = None) -> dict[str, Any]:
    """The labgrid environment (as a dict) for ``bench``."""
    sim_addresses = sim_addresses or {}
    resources: list[dict] = []
    drivers: list[dict] = []
    for name, instrument in bench.instruments.items():
        address = instrument.address
        if address == SIM_ADDRESS:
            if name not in sim_addresses:
                raise ValueError(f"instrument '{name}' has address 'sim' but the simulator did not start it")
            address = sim_addresses[name]
        host, port = _split(address)
        resources.append({"SCPITCPInstrument": {"name": name, "host": host, "port": port,
                                                "timeout_s": instrument.timeout_s}})
        drivers.append({"SCPIDriver": {"name": name, "bindings": {"instrument": name}}})
        drivers.append({_DRIVER_FOR_KIND[instrument.kind]: {"name": name, "bindings": {"scpi": name}}})
    if bench.clock == "simulated":
        if SIMCTL not in sim_addresses:
            raise ValueError("a simulated clock needs the simulated bench's simulation channel")
        host, port = _split(sim_addresses[SIMCTL])
        resources.append({"SimulationControlPort": {"name": SIMCTL, "host": host, "port": port}})
        drivers.append({"SimulatedClockDriver": {"name": "clock", "bindings": {"sim": SIMCTL}}})
        drivers.append({"SimulatedOperatorDriver": {"name": "operator", "bindings": {"sim": SIMCTL}}})
    else:
        drivers.append({"WallClockDriver": {"name": "clock"}})
        drivers.append({"ManualOperatorDriver": {"name": "operator"}})
    return {
        "targets": {TARGET_NAME: {"resources": resources, "drivers": drivers}},
        "imports": ["mimedi_qual.lab"],
    }


def write_environment(config: dict[str, Any], path: Path) -> Environment:
    """Write ``config`` to ``path`` and load it as a labgrid Environment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return Environment(config_file=str(path))
