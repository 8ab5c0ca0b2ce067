"""labgrid's own drivers against the simulated services: power (rest), Modbus coils, raw-TCP console.

The bench is reached exactly as a real one would be: ``NetworkPowerPort`` with
the ``rest`` backend, ``ModbusTCPCoil``, ``NetworkSerialPort`` with
``protocol: raw`` (labgrid's default is rfc2217; the ``rest`` power backend accepts
any port) — labgrid's drivers, none of ours.
"""

from __future__ import annotations

import socket

import pytest
import yaml
from labgrid import Environment

from bench_clients import Sim, host_port


@pytest.fixture
def target(fresh_bench, tmp_path):
    a = fresh_bench.addresses
    console_host, console_port = host_port(a["console"])
    config = {"targets": {"bench": {
        "resources": [
            {"NetworkPowerPort": {"model": "rest", "host": a["pdu"], "index": 1}},
            # labgrid's ModbusTCPCoil takes "host:port" in host (it has no port field).
            {"ModbusTCPCoil": {"name": "door", "host": a["modbus"], "coil": 0}},
            {"ModbusTCPCoil": {"name": "alarm_relay", "host": a["modbus"], "coil": 1}},
            {"NetworkSerialPort": {"host": console_host, "port": console_port, "protocol": "raw"}},
        ],
        "drivers": [
            {"NetworkPowerDriver": {}},
            {"ModbusCoilDriver": {"name": "door", "bindings": {"coil": "door"}}},
            {"ModbusCoilDriver": {"name": "alarm_relay", "bindings": {"coil": "alarm_relay"}}},
            {"SerialDriver": {}},
        ],
    }}}
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump(config))
    t = Environment(str(path)).get_target("bench")
    yield t
    t.cleanup()


def controller_answers(address: str) -> bool:
    try:
        socket.create_connection(host_port(address), timeout=1).close()
    except OSError:
        return False
    return True


def test_power_driver_cycles_the_controller(target, fresh_bench):
    power = target.get_driver("NetworkPowerDriver")
    target.activate(power)
    assert power.get() is True
    power.off()
    assert power.get() is False
    assert not controller_answers(fresh_bench.addresses["controller"])
    power.on()
    assert power.get() is True
    assert controller_answers(fresh_bench.addresses["controller"])


def test_coil_driver_opens_the_door_and_reads_the_alarm_relay(target, fresh_bench):
    door = target.get_driver("ModbusCoilDriver", name="door")
    relay = target.get_driver("ModbusCoilDriver", name="alarm_relay")
    target.activate(door)
    target.activate(relay)
    door.set(True)
    assert door.get() is True
    Sim(fresh_bench.addresses["simctl"]).advance(2)
    assert relay.get() is True                   # DOOR_OPEN alarm, unacknowledged
    door.set(False)
    assert door.get() is False


def test_serial_driver_logs_in_on_the_console(target):
    console = target.get_driver("SerialDriver")
    target.activate(console)
    console.sendline("")
    console.expect("login: ", timeout=5)
    console.sendline("service")
    console.expect("password: ", timeout=5)
    console.sendline("mimedi-sim")
    console.expect("mimedi> ", timeout=5)
    console.sendline("status")
    _, before, _, _ = console.expect("mimedi> ", timeout=5)
    assert b"power=on state=RUNNING" in before
