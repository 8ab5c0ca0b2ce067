"""BioreactorStrategy on the simulated bench: PDU (rest), raw console, Modbus door coil.

The bench is ``profiles/benches/sim.yaml`` with its power, digital_io and
console sections at ``sim`` addresses: the real simbench services.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from labgrid.strategy.common import StrategyError

from mimedi_qual.campaign.bench import bench_session
from mimedi_qual.errors import BenchError
from mimedi_qual.lab.bench import Bench
from mimedi_qual.lab.strategy import Status, set_coil_checked
from mimedi_qual.profiles import load_bench

ROOT = Path(__file__).resolve().parents[2]
SIM_BENCH = ROOT / "profiles" / "benches" / "sim.yaml"
TEMPLATE = ROOT / "profiles" / "benches" / "real-bench.template.yaml"


@pytest.fixture
def bench(tmp_path):
    profile = load_bench(SIM_BENCH)
    assert profile.power and profile.console and profile.digital_io, "sim.yaml lost its strategy sections"
    with bench_session(profile, SIM_BENCH, tmp_path / "campaign") as bench:   # starts the simulated bench
        yield bench


def test_off_ready_running_and_back(bench):
    strategy = bench.strategy()
    strategy.transition("off")
    assert bench.power().get() is False
    strategy.transition("ready")
    assert strategy.status == Status.ready
    assert bench.power().get() is True
    assert bench.door().get() is False  # closed, and read back
    assert strategy.console_status().state in ("READY", "RUNNING")
    assert bench.clock().now_s() >= 20.0  # the simulated controller's boot took bench time, not wall time
    strategy.transition("running")
    assert bench.bioreactor().operation_status() == "RUNNING"
    strategy.transition("off")
    assert bench.power().get() is False


def test_power_cut_is_survived_and_audited(bench):
    strategy = bench.strategy()
    bench.ensure_state("running")
    before = bench.bioreactor().audit_count()
    strategy.power_cut(600.0)
    assert strategy.status == Status.powered
    bench.ensure_state("ready")
    controller = bench.bioreactor()  # reconnected: the old session died with the power
    entries = controller.audit_entries(first=before + 1)
    assert any(e.action == "POWER_FAILURE" for e in entries), entries


def test_a_coil_write_that_did_not_take_is_caught(bench):
    """The alarm relay coil is read-only: labgrid's ModbusCoilDriver.set() does not notice a failed write, the read-back does."""
    relay = bench.alarm_relay()
    assert relay.get() is False
    with pytest.raises(StrategyError, match="coil written 1 but reads back 0"):
        set_coil_checked(relay, True, "alarm relay")


def test_strategy_needs_power_and_console_sections():
    profile = load_bench(TEMPLATE).model_copy(update={"console": None})
    facade = Bench(profile, TEMPLATE, target=None, env=None)
    with pytest.raises(BenchError, match="needs both a 'power' and a 'console' section"):
        facade.strategy()


def test_console_version_names_controller_and_module_firmware(bench):
    bench.ensure_state("ready")
    version = bench.strategy().console_version()
    controller = bench.register_entry("controller")
    assert version.firmware == controller.identity.firmware
    assert set(version.modules) == set(bench.bioreactor().module_catalog())
    assert version.modules["EXPANSION"] == bench.bioreactor().module_firmware("EXPANSION")
