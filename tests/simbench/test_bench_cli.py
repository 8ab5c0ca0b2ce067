"""``mimedi-qual bench up --json`` / ``bench down``: one JSON line, every address answers, nothing left behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import requests
from pyModbusTCP.client import ModbusClient

from bench_clients import host_port, query

CLI = [sys.executable, "-c", "from mimedi_qual.cli import main; main()"]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_bench_up_json_addresses_answer_and_bench_down_stops_everything(tmp_path, project_root):
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    up = subprocess.Popen(CLI + ["bench", "up", "--json"], cwd=project_root, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        addresses = json.loads(up.stdout.readline())
        assert {"controller", "thermometer", "phdo", "co2", "tachometer", "dmm", "balance",
                "simctl", "pdu", "modbus", "console"} <= set(addresses)
        for name in ("controller", "thermometer", "phdo", "co2", "tachometer", "dmm", "simctl"):
            assert query(addresses[name], "*IDN?").count(",") == 3, name
        assert query(addresses["balance"], "I4", terminator=b"\r\n").startswith("I4 A ")
        assert requests.get(addresses["pdu"].format(index=1), timeout=5).text == "1"
        host, port = host_port(addresses["modbus"])
        assert ModbusClient(host=host, port=port, auto_open=True, timeout=5).read_coils(0, 2) is not None
        with socket.create_connection(host_port(addresses["console"]), timeout=5) as sock:
            assert b"login: " in sock.recv(200) or b"login: " in sock.recv(200)

        pid_files = list((tmp_path / "mimedi-qual").glob("bench-*.json"))
        assert len(pid_files) == 1
        simulator_pid = json.loads(pid_files[0].read_text())["simulator_pid"]
        assert alive(simulator_pid)

        down = subprocess.run(CLI + ["bench", "down"], cwd=project_root, env=env,
                              capture_output=True, text=True, timeout=30)
        assert down.returncode == 0, down.stderr
        assert "stopped 1 simulated bench" in down.stdout
        up.wait(timeout=10)
        deadline = time.monotonic() + 5
        while alive(simulator_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(simulator_pid)
        assert not alive(up.pid)
        assert not list((tmp_path / "mimedi-qual").glob("bench-*.json"))
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()


def test_bench_up_refuses_a_real_bench(tmp_path, project_root, sim_profile):
    real = tmp_path / "real.yaml"
    real.write_text(sim_profile.read_text().replace("kind: simulated", "kind: real"))
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path))
    result = subprocess.run(CLI + ["bench", "up", "--bench", str(real)], cwd=project_root, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "not simulated" in result.stderr
