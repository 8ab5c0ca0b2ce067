"""Turn a bench profile into a labgrid environment.

The bench profile is what an engineer edits; the labgrid environment file is
derived from it (and kept in the campaign directory as evidence of exactly
what was connected). On a simulated bench every ``sim`` address is replaced
by the loopback address the simulator reported (its JSON line: name →
``host:port``); on a bench reached through a labgrid coordinator the same
map comes from the exported place (:mod:`mimedi_qual.lab.places`).

>>> config = environment_config(bench, {"controller": "127.0.0.1:40001", ...})
>>> env = write_environment(config, campaign_dir / "labgrid-env.yaml")
>>> target = env.get_target("bench")
>>> target.get_driver("TemperatureSensorProtocol", name="thermometer")

What each profile entry becomes:

=================  ============================  ==========================================
profile            labgrid resource              drivers (name)
=================  ============================  ==========================================
instrument (SCPI)  ``SCPITCPInstrument``         ``SCPIDriver`` + the kind's driver (its name)
instrument (MT-    ``MTSICSTCPInstrument``       ``MTSICSBalanceDriver`` (its name)
SICS balance)
``power``          ``NetworkPowerPort``          ``NetworkPowerDriver`` (``power``)
``digital_io``     ``ModbusTCPCoil`` × 2         ``ModbusCoilDriver`` (``door``, ``alarm_relay``)
``console``        ``NetworkSerialPort`` (raw)   ``SerialDriver`` (``console``)
power + console    —                             ``BioreactorStrategy`` (``strategy``)
``clock``          ``SimulationControlPort``     ``SimulatedClockDriver`` / ``WallClockDriver``
=================  ============================  ==========================================

Reference instruments carry their calibration entry (certificate, due date)
into their driver: the calibration gate lives there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from labgrid import Environment

from mimedi_qual.errors import BenchError
from mimedi_qual.profiles.bench import SIM_ADDRESS, BenchProfile

TARGET_NAME = "bench"
SIMCTL = "simctl"

# Names under which the simulated bench (or an exported place) reports the
# non-instrument devices; the first one present wins.
SIM_KEYS = {
    "power": ("pdu", "power"),
    "digital_io": ("io", "modbus", "digital_io"),
    "console": ("console",),
}

# kind → (driver class, protocols it answers for)
DRIVER_FOR_KIND = {
    "bioreactor": "BioreactorDriver",
    "thermometer": "ScpiThermometerDriver",
    "ph_do_meter": "ScpiPhDoMeterDriver",
    "gas_analyzer": "ScpiGasAnalyzerDriver",
    "tachometer": "ScpiTachometerDriver",
    "multimeter": "ScpiMultimeterDriver",
    "balance": "MTSICSBalanceDriver",
    "qc_lab": "QcLabDriver",
}
PROTOCOL_FOR_KIND = {
    "bioreactor": "BioreactorProtocol",
    "thermometer": "TemperatureSensorProtocol",
    "ph_do_meter": "PhMeterProtocol",
    "gas_analyzer": "GasAnalyzerProtocol",
    "tachometer": "SpeedSensorProtocol",
    "multimeter": "MultimeterProtocol",
    "balance": "BalanceProtocol",
    "qc_lab": "QcLabProtocol",
}


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def _resolve(what: str, address: str, keys: tuple[str, ...], sim_addresses: dict[str, str],
             prefer_given: bool = False) -> str:
    if address != SIM_ADDRESS and not prefer_given:
        return address
    for key in keys:
        if key in sim_addresses:
            return sim_addresses[key]
    if address != SIM_ADDRESS:
        return address
    raise BenchError(f"{what} has address 'sim' but the simulated bench did not report "
                     f"{' or '.join(repr(k) for k in keys)} (it reported: {', '.join(sorted(sim_addresses)) or 'nothing'})")


def pdu_url(address: str) -> str:
    """A PDU address as the ``rest`` backend wants it: a URL template with ``{index}``.

    >>> pdu_url("127.0.0.1:40100")
    'http://127.0.0.1:40100/outlet/{index}'
    """
    if address.startswith(("http://", "https://")):
        return address
    return f"http://{address}/outlet/{{index}}"


def environment_config(bench: BenchProfile, sim_addresses: dict[str, str] | None = None,
                       prefer_given: bool = False) -> dict[str, Any]:
    """The labgrid environment (as a dict) for ``bench``.

    ``sim_addresses`` fill in the profile's ``sim`` addresses. With
    ``prefer_given`` (a place acquired from a coordinator) they replace the
    profile's address of every device they name, ``sim`` or not.
    """
    sim_addresses = sim_addresses or {}
    given = prefer_given
    resources: list[dict] = []
    drivers: list[dict] = []
    controller_name = None
    for name, instrument in bench.instruments.items():
        address = _resolve(f"instrument '{name}'", instrument.address, (name,), sim_addresses, given)
        host, port = _split(address)
        kind_driver: dict[str, Any] = {"name": name}
        if instrument.calibration is not None:
            kind_driver["certificate"] = instrument.calibration.certificate
            kind_driver["due_on"] = instrument.calibration.due_on.isoformat()
        if instrument.transport == "mt-sics-tcp":
            resources.append({"MTSICSTCPInstrument": {"name": name, "host": host, "port": port,
                                                      "timeout_s": instrument.timeout_s}})
            kind_driver["bindings"] = {"port": name}
        else:
            resources.append({"SCPITCPInstrument": {"name": name, "host": host, "port": port,
                                                    "timeout_s": instrument.timeout_s}})
            drivers.append({"SCPIDriver": {"name": name, "bindings": {"instrument": name}}})
            kind_driver["bindings"] = {"scpi": name}
        if instrument.kind == "bioreactor":
            controller_name = name
            kind_driver.pop("certificate", None)  # the system under test is not a reference instrument
            kind_driver.pop("due_on", None)
        drivers.append({DRIVER_FOR_KIND[instrument.kind]: kind_driver})

    if bench.clock == "simulated":
        if SIMCTL not in sim_addresses:
            raise BenchError("a simulated clock needs the simulated bench's simulation channel")
        host, port = _split(sim_addresses[SIMCTL])
        resources.append({"SimulationControlPort": {"name": SIMCTL, "host": host, "port": port}})
        drivers.append({"SimulatedClockDriver": {"name": "clock", "bindings": {"sim": SIMCTL}}})
        drivers.append({"SimulatedOperatorDriver": {"name": "operator", "bindings": {"sim": SIMCTL}}})
    else:
        drivers.append({"WallClockDriver": {"name": "clock"}})
        drivers.append({"ManualOperatorDriver": {"name": "operator"}})

    if bench.power is not None:
        url = pdu_url(_resolve("power", bench.power.address, SIM_KEYS["power"], sim_addresses, given))
        resources.append({"NetworkPowerPort": {"name": "power", "model": bench.power.model, "host": url,
                                               "index": str(bench.power.index)}})
        drivers.append({"NetworkPowerDriver": {"name": "power", "bindings": {"port": "power"},
                                               "delay": float(bench.power.delay_s)}})
    if bench.digital_io is not None:
        address = _resolve("digital_io", bench.digital_io.address, SIM_KEYS["digital_io"], sim_addresses, given)
        for coil_name, coil in (("door", bench.digital_io.door_coil),
                                ("alarm_relay", bench.digital_io.alarm_relay_coil)):
            resources.append({"ModbusTCPCoil": {"name": coil_name, "host": address, "coil": coil}})
            drivers.append({"ModbusCoilDriver": {"name": coil_name, "bindings": {"coil": coil_name}}})
    if bench.console is not None:
        host, port = _split(_resolve("console", bench.console.address, SIM_KEYS["console"], sim_addresses, given))
        resources.append({"NetworkSerialPort": {"name": "console", "host": host, "port": port,
                                                "protocol": "raw"}})  # labgrid's default is rfc2217
        drivers.append({"SerialDriver": {"name": "console", "bindings": {"port": "console"}}})
    if bench.power is not None and bench.console is not None and controller_name is not None:
        bindings = {"power": "power", "console": "console", "controller": controller_name, "clock": "clock"}
        if bench.digital_io is not None:
            bindings["door"] = "door"
        strategy: dict[str, Any] = {"name": "strategy", "bindings": bindings,
                                    "console_user": bench.console.user,
                                    "console_password_env": bench.console.password_env,
                                    "boot_timeout_s": float(bench.console.boot_timeout_s)}
        if bench.console.password is not None:
            strategy["console_password"] = bench.console.password
        drivers.append({"BioreactorStrategy": strategy})
    return {
        "targets": {TARGET_NAME: {"resources": resources, "drivers": drivers}},
        "imports": ["mimedi_qual.lab"],
    }


def write_environment(config: dict[str, Any], path: Path) -> Environment:
    """Write ``config`` to ``path`` and load it as a labgrid Environment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return Environment(config_file=str(path))
