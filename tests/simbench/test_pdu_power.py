"""The PDU over HTTP (labgrid ``rest`` backend): a power cut really stops the controller; power-up recovers."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from bench_clients import Sim, host_port, open_scpi, query

BOOT_TIME_S = 20.0   # simulation.controller.boot_time_s in sim.yaml


def wait_until(predicate, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def refused(address: str) -> bool:
    try:
        socket.create_connection(host_port(address), timeout=1).close()
    except OSError:
        return True
    return False


def test_outlets_get_and_put(fresh_bench):
    url = fresh_bench.addresses["pdu"]
    assert url.startswith("http://127.0.0.1:") and url.endswith("/outlet/{index}")
    assert requests.get(url.format(index=3), timeout=5).text == "1"
    assert requests.put(url.format(index=3), data="0", timeout=5).status_code == 200
    assert requests.get(url.format(index=3), timeout=5).text == "0"
    assert requests.put(url.format(index=3), data="on", timeout=5).status_code == 400
    assert requests.get(url.format(index=99), timeout=5).status_code == 404
    assert not refused(fresh_bench.addresses["controller"])   # outlet 3 feeds something else


def test_power_cut_silences_the_controller_and_the_culture_cools(fresh_bench, visa):
    sim = Sim(fresh_bench.addresses["simctl"])
    ctl_address = fresh_bench.addresses["controller"]
    outlet = fresh_bench.addresses["pdu"].format(index=1)
    sim.advance(3 * 3600)                        # past the loops' cold start
    ctl = open_scpi(visa, ctl_address)
    ctl.write("ACC:LOG op1,op1-sim")                # process writes need an operator (require_login)
    ctl.write("MOD:COMM SELECTION,START")        # leaves an audit entry
    audit_before = int(ctl.query("AUD:COUN?"))
    held_c = sim.true("TEMP")
    assert held_c == pytest.approx(37.0, abs=0.3)

    assert requests.put(outlet, data="0", timeout=5).text == "0"
    wait_until(lambda: refused(ctl_address))
    ctl.timeout = 500
    with pytest.raises(Exception):               # the open session is dropped too: reset or silence
        ctl.query("*IDN?")
    ctl.close()
    sim.advance(2 * 3600)
    assert sim.true("TEMP") < held_c - 5.0       # no heating: the bag cools towards the room
    assert sim.true("ROCK") == 0.0

    assert requests.put(outlet, data="1", timeout=5).text == "1"
    wait_until(lambda: not refused(ctl_address))
    assert query(ctl_address, "STAT:OPER?") == "RECOVERING"
    assert query(ctl_address, "SYST:TIME?") == "0.0"         # the controller's clock restarted
    sim.advance(BOOT_TIME_S + 2)
    assert query(ctl_address, "STAT:OPER?") == "RUNNING"     # resume policy: EXPANSION restarted
    assert query(ctl_address, "MOD:STAT? EXPANSION") == "EXECUTE"
    entries = int(query(ctl_address, "AUD:COUN?"))
    assert entries == audit_before + 2                       # nothing lost; failure + recovery added
    assert query(ctl_address, f"AUD:ENTR? {audit_before}").split(",")[3] == "MODULE_START"
    failure = query(ctl_address, f"AUD:ENTR? {audit_before + 1}").split(",")
    assert failure[2:4] == ["SYSTEM", "POWER_FAILURE"] and "7200 s off" in failure[6]
    sim.advance(3 * 3600)
    assert sim.true("TEMP") == pytest.approx(37.0, abs=0.5)  # heating again


def test_mains_loss_fault_is_a_power_cut_too(fresh_bench):
    sim = Sim(fresh_bench.addresses["simctl"])
    sim.write("SIM:FAULT:INJ POWER_LOSS")
    wait_until(lambda: refused(fresh_bench.addresses["controller"]))
    sim.write("SIM:FAULT:CLEAR POWER_LOSS")
    wait_until(lambda: not refused(fresh_bench.addresses["controller"]))
    assert query(fresh_bench.addresses["controller"], "STAT:OPER?") == "RECOVERING"
