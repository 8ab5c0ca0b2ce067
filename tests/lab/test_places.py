"""Many benches on one machine: a labgrid coordinator, two exported simulated benches, two campaigns at once.

Everything on loopback; the coordinator runs in a temporary directory (it
writes its state files into its working directory). This is the issue's acceptance test for "campaigns across many
benches": places listed, two campaigns concurrently on two places, a held
place refused with the holder's name, a place released after SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mimedi_qual.lab.places.client import client
from mimedi_qual.lab.places.coordinator import Coordinator
from mimedi_qual.lab.places.export import exporter_config
from mimedi_qual.lab.places.lease import addresses_from_env

# Every test but one uses the module's coordinator with two exported benches: one worker runs them all.
pytestmark = [pytest.mark.campaign, pytest.mark.xdist_group("labgrid-places")]

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from mimedi_qual.cli import main; main()"]
EXPORT_TIMEOUT_S = 40.0


def _bench_up(coordinator: str, place: str) -> tuple[subprocess.Popen, list[str]]:
    """Start `mimedi-qual bench up --export` in the background; its stdout lines collect in the list."""
    process = subprocess.Popen([*CLI, "bench", "up", "--json", "--export", coordinator, "--place", place],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []

    def read():
        for line in process.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def _wait_exported(process: subprocess.Popen, lines: list[str]) -> None:
    deadline = time.monotonic() + EXPORT_TIMEOUT_S
    while not any("exported as place" in line for line in lines):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"bench up did not export: {lines} {process.stderr.read()}")
        time.sleep(0.1)
    json.loads(lines[0])  # the first line stays the address map


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _run(coordinator: str, place: str, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "run", "--coordinator", coordinator, "--place", place, "--stage", "iq",
                             "--out", str(out), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, COLUMNS="200"))


def _acquired_by(coordinator: str, place: str) -> str:
    for line in client(coordinator, "show", place=place).stdout.splitlines():
        if line.strip().startswith("acquired:"):
            return line.split(":", 1)[1].strip()
    return ""


@pytest.fixture(scope="module")
def lab():
    with Coordinator() as coordinator:
        benches = [_bench_up(coordinator.address, name) for name in ("bench-a", "bench-b")]  # side by side
        try:
            for process, lines in benches:
                _wait_exported(process, lines)
            yield coordinator.address
        finally:
            for process, _ in benches:
                _stop(process)


def test_coordinator_lists_both_exported_benches(lab):
    places = client(lab, "places").stdout.split()
    assert places == ["bench-a", "bench-b"]
    shown = client(lab, "show", place="bench-a").stdout
    assert "tags: bench=SIM-BENCH-01" in shown


def test_two_campaigns_on_two_places_at_once(lab, tmp_path):
    runs = {place: _run(lab, place, tmp_path / place) for place in ("bench-a", "bench-b")}
    outputs = {place: run.communicate(timeout=120)[0] for place, run in runs.items()}
    for place, run in runs.items():
        assert run.returncode == 0, outputs[place][-3000:]
        assert f"acquired place {place}" in outputs[place]
    # two independent campaigns: their own evidence, each on its own bench's devices
    addresses = [json.loads(next((tmp_path / place).glob("*/place-addresses.json")).read_text())
                 for place in ("bench-a", "bench-b")]
    assert addresses[0]["controller"] != addresses[1]["controller"]
    campaigns = [next((tmp_path / place).glob("*/allure-results")).parent for place in ("bench-a", "bench-b")]
    assert campaigns[0].name != campaigns[1].name
    for campaign_dir in campaigns:
        assert list((campaign_dir / "allure-results").glob("*-result.json")), f"no results in {campaign_dir}"
    for place in ("bench-a", "bench-b"):
        assert _acquired_by(lab, place) == "None"  # released after the campaign


def test_a_place_held_by_someone_else_is_refused_with_the_holder(lab, tmp_path):
    client(lab, "acquire", place="bench-a", user="anna")
    try:
        run = _run(lab, "bench-a", tmp_path, "--wait", "0")
        output = run.communicate(timeout=60)[0]
        assert run.returncode == 4, output
        assert "bench unavailable" in output and "place bench-a is held by someone else" in output
        assert "/anna" in output  # the holder, as host/user
        assert not list(tmp_path.glob("*/allure-results")), "nothing may run on a bench we do not hold"
    finally:
        client(lab, "release", place="bench-a", user="anna")


def test_the_place_is_released_when_the_campaign_is_terminated(lab, tmp_path):
    run = subprocess.Popen([*CLI, "run", "--coordinator", lab, "--place", "bench-b", "--stage", "oq",
                            "--out", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(run.stdout), daemon=True).start()
    deadline = time.monotonic() + 60
    while not any("acquired place bench-b" in line for line in lines):
        assert run.poll() is None and time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)
    assert _acquired_by(lab, "bench-b") != "None"
    time.sleep(1.0)  # the campaign is running its scenarios now
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=90)
    assert _acquired_by(lab, "bench-b") == "None", "".join(lines)


def test_exporter_config_and_env_round_trip():
    """What an exporter publishes comes back as the same name → address map."""
    addresses = {"controller": "127.0.0.1:5025", "pdu": "http://127.0.0.1:8080/outlet/{index}",
                 "modbus": "127.0.0.1:5020", "console": "127.0.0.1:4001", "balance": "127.0.0.1:4305"}
    classes = {"pdu": "NetworkPowerPort", "modbus": "ModbusTCPCoil", "console": "NetworkSerialPort",
               "balance": "MTSICSTCPInstrument"}
    group = exporter_config("bench-a", addresses, classes)["bench-a"]
    env = {"targets": {"bench-a": {"resources": [
        {args.pop("cls"): {"name": name, **args}} for name, args in group.items()]}}}
    import yaml

    assert addresses_from_env(yaml.safe_dump(env)) == addresses


def test_a_campaign_waits_for_a_place_until_it_is_released(lab):
    """--wait: poll until the holder lets go, then take the place."""
    from mimedi_qual.lab.places.lease import PlaceLease

    client(lab, "acquire", place="bench-a")
    waits: list[str] = []
    releaser = threading.Timer(3.0, lambda: client(lab, "release", place="bench-a"))
    releaser.start()
    try:
        with PlaceLease(lab, "bench-a", wait_s=30, expected_bench="SIM-BENCH-01", on_wait=waits.append) as lease:
            assert "controller" in lease.addresses and "simctl" in lease.addresses
            assert _acquired_by(lab, "bench-a") != "None"
        assert waits and "already acquired" in waits[0]
        assert _acquired_by(lab, "bench-a") == "None"
    finally:
        releaser.join()


def test_a_place_of_another_bench_is_refused(lab):
    from mimedi_qual.lab.places.client import PlaceError
    from mimedi_qual.lab.places.lease import PlaceLease

    with pytest.raises(PlaceError, match="place bench-b is bench SIM-BENCH-01, but the bench profile describes "
                                         "BENCH-LAB2-03"):
        PlaceLease(lab, "bench-b", expected_bench="BENCH-LAB2-03").acquire()
    assert _acquired_by(lab, "bench-b") == "None"


def test_an_unknown_place_is_named(lab):
    from mimedi_qual.lab.places.client import PlaceError
    from mimedi_qual.lab.places.lease import PlaceLease

    with pytest.raises(PlaceError, match="place bench-z on coordinator"):
        PlaceLease(lab, "bench-z").acquire()
