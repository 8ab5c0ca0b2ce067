"""The simulated bench process: real sockets, lockstep physics, no orphans."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from mimedi_qual.simbench.launcher import SimulatedBenchError, SimulatedBenchProcess


def query(address: str, command: str) -> str:
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(command.encode() + b"\n")
        return sock.makefile().readline().strip()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_services_answer_and_time_moves_only_when_advanced(sim_profile):
    with SimulatedBenchProcess(sim_profile) as sim:
        assert {"controller", "thermometer", "simctl", "pdu", "modbus", "console"} <= set(sim.addresses)
        assert query(sim.addresses["controller"], "*IDN?") == "MIMEDI,BR1-CTRL,SIM-0001,0.1.0"
        assert query(sim.addresses["simctl"], "SIM:TIME?") == "0.000"
        query(sim.addresses["simctl"], "SIM:BAG:LOAD;SIM:TIME?")
        cold = float(query(sim.addresses["thermometer"], "FETC? 1"))
        assert cold == pytest.approx(22.0, abs=0.05)
        assert query(sim.addresses["simctl"], "SIM:ADV 3600;SIM:TIME?") == "3600.000"
        warm = float(query(sim.addresses["thermometer"], "MEAS:TEMP?"))
        assert 36.5 < warm < 37.5  # the controller brought the bag to its setpoint


def test_two_benches_run_side_by_side_on_different_ports(sim_profile):
    with SimulatedBenchProcess(sim_profile) as a, SimulatedBenchProcess(sim_profile) as b:
        assert set(a.addresses.values()).isdisjoint(b.addresses.values())
        query(a.addresses["simctl"], "SIM:ADV 60;SIM:TIME?")
        assert query(b.addresses["simctl"], "SIM:TIME?") == "0.000"


def test_same_seed_same_numbers(sim_profile):
    readings = []
    for _ in range(2):
        with SimulatedBenchProcess(sim_profile) as sim:
            query(sim.addresses["simctl"], "SIM:ADV 600;SIM:TIME?")
            readings.append([query(sim.addresses["thermometer"], "FETC? 1") for _ in range(5)])
    assert readings[0] == readings[1]


def test_close_leaves_no_process(sim_profile):
    sim = SimulatedBenchProcess(sim_profile)
    sim.start()
    pid = sim.process.pid
    sim.close()
    assert not alive(pid)


def test_simulator_dies_with_a_killed_parent(sim_profile, tmp_path):
    """SIGKILL the campaign process: its simulator must not be orphaned."""
    pid_file = tmp_path / "child.pid"
    script = (
        "import sys, time\n"
        "from mimedi_qual.simbench.launcher import SimulatedBenchProcess\n"
        f"sim = SimulatedBenchProcess({str(sim_profile)!r}); sim.start()\n"
        f"open({str(pid_file)!r}, 'w').write(str(sim.process.pid))\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "simulator did not start"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    assert alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_real_bench_profile_is_refused_by_the_simulator(tmp_path, sim_profile):
    path = tmp_path / "real.yaml"
    path.write_text(sim_profile.read_text().replace("kind: simulated", "kind: real"))
    with pytest.raises(SimulatedBenchError, match="not simulated"):
        SimulatedBenchProcess(path).start()
