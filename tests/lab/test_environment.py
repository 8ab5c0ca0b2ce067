"""Bench profiles → labgrid environments: the real-bench template, sim addresses, clear errors."""

from __future__ import annotations

import time

from pathlib import Path

import pytest

from mimedi_qual.errors import BenchError, ProfileError
from mimedi_qual.lab.bench import Bench
from mimedi_qual.lab.environment import TARGET_NAME, environment_config, write_environment
from mimedi_qual.profiles import load_bench

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "profiles" / "benches" / "real-bench.template.yaml"


def _names(config: dict, section: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in config["targets"][TARGET_NAME][section]:
        (cls, args), = entry.items()
        found.setdefault(cls, []).append(args["name"])
    return found


def test_real_bench_template_loads_and_builds_every_device():
    bench = load_bench(TEMPLATE)
    assert bench.bench.kind == "real"
    assert {i.kind for i in bench.instruments.values()} == {
        "bioreactor", "thermometer", "ph_do_meter", "gas_analyzer", "tachometer", "multimeter", "balance"}
    assert all(i.calibration for n, i in bench.instruments.items() if n != "controller")
    config = environment_config(bench)
    drivers = _names(config, "drivers")
    assert drivers["BioreactorStrategy"] == ["strategy"]
    assert drivers["ModbusCoilDriver"] == ["door", "alarm_relay"]
    assert drivers["MTSICSBalanceDriver"] == ["balance"]
    assert "balance" not in drivers["SCPIDriver"]
    resources = {cls: args for entry in config["targets"][TARGET_NAME]["resources"] for cls, args in entry.items()}
    assert resources["NetworkSerialPort"]["protocol"] == "raw"
    assert resources["NetworkPowerPort"]["host"] == "http://10.20.14.20:80/outlet/{index}"


def test_template_environment_is_a_valid_labgrid_target_without_touching_the_network(tmp_path):
    bench = load_bench(TEMPLATE)
    env = write_environment(environment_config(bench), tmp_path / "env.yaml")
    target = env.get_target(TARGET_NAME)
    facade = Bench(bench, TEMPLATE, target, env)
    # binding only: nothing is activated, so no device on 10.20.14.x is contacted
    thermometer = target.get_driver("TemperatureSensorProtocol", name="thermometer", activate=False)
    assert str(thermometer.due_on) == "2027-04-12"
    assert thermometer.certificate == "CAL-2026-0412-T"
    assert target.get_driver("PhMeterProtocol", name="phdo_meter", activate=False) is \
        target.get_driver("DoMeterProtocol", name="phdo_meter", activate=False)
    assert type(target.get_strategy()).__name__ == "BioreactorStrategy"
    assert facade.name_of_kind("balance") == "balance"
    target.cleanup()


def test_template_error_names_file_and_line(tmp_path):
    broken = TEMPLATE.read_text().replace('address: "10.20.14.21:502"', 'address: "10.20.14.21"')
    path = tmp_path / "bench-typo.yaml"
    path.write_text(broken)
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if 'address: "10.20.14.21"' in text)
    with pytest.raises(ProfileError) as error:
        load_bench(path)
    message = str(error.value)
    assert f"bench-typo.yaml:{line}: digital_io.address" in message


def test_unknown_instrument_kind_is_an_error_with_a_line(tmp_path):
    broken = TEMPLATE.read_text().replace("kind: tachometer ", "kind: stroboscope ")
    path = tmp_path / "bench-kind.yaml"
    path.write_text(broken)
    with pytest.raises(ProfileError, match=r"\.yaml:\d+: instruments.tachometer.kind"):
        load_bench(path)


def test_sim_address_the_simulator_did_not_report_is_named(tmp_path):
    text = TEMPLATE.read_text().replace('address: "10.20.14.22:4001"', "address: sim")
    path = tmp_path / "half-sim.yaml"
    path.write_text(text)
    bench = load_bench(path)
    with pytest.raises(BenchError, match=r"console has address 'sim' but the simulated bench did not report 'console'"):
        environment_config(bench, {"controller": "127.0.0.1:1"})


def test_simulated_pdu_address_becomes_a_rest_url():
    bench = load_bench(TEMPLATE)
    bench = bench.model_copy(update={"power": bench.power.model_copy(update={"address": "sim"})})
    config = environment_config(bench, {"pdu": "127.0.0.1:40100"})
    resources = {cls: args for entry in config["targets"][TARGET_NAME]["resources"] for cls, args in entry.items()}
    assert resources["NetworkPowerPort"]["host"] == "http://127.0.0.1:40100/outlet/{index}"


def test_operator_prompts_go_to_the_terminal_not_to_captured_stdin(tmp_path, monkeypatch):
    """labgrid's default interact is input(), which fails under pytest; a real bench asks through the terminal."""
    from mimedi_qual.errors import InstrumentError
    from mimedi_qual.lab.drivers import operator

    bench = load_bench(TEMPLATE)
    monkeypatch.setattr(operator, "TERMINAL", str(tmp_path / "no-such-tty"))
    with Bench.open(bench, TEMPLATE, tmp_path) as facade:
        assert facade.env.interact is operator.terminal_prompt
        with pytest.raises(InstrumentError, match="needs an operator at a terminal"):
            facade.operator().load_fresh_bag()
    import os

    controller_side, operator_side = os.openpty()  # a real pseudo-terminal stands in for the operator's
    try:
        monkeypatch.setattr(operator, "TERMINAL", os.ttyname(operator_side))
        os.write(controller_side, b"done\n")
        assert operator.terminal_prompt("load the bag") == "done"
        # The terminal echoes the operator's "done" too, and may hand it back first: read until the
        # prompt shows up (or 5 s pass), rather than assuming one read returns it.
        import select

        seen, deadline = b"", time.monotonic() + 5.0
        while b"OPERATOR: load the bag" not in seen and time.monotonic() < deadline:
            if select.select([controller_side], [], [], 0.1)[0]:
                seen += os.read(controller_side, 4096)
        assert b"OPERATOR: load the bag" in seen, seen
    finally:
        os.close(controller_side)
        os.close(operator_side)


def test_a_real_bench_asks_the_operator_to_route_a_pump_line_and_remembers_it(tmp_path):
    """Nothing on a real bench reports where a tube ends: the operator is asked, and the driver keeps the answer."""
    bench = load_bench(TEMPLATE)
    with Bench.open(bench, TEMPLATE, tmp_path) as facade:
        prompts = []
        facade.env.interact = lambda message: prompts.append(message) or ""
        hands = facade.operator()
        assert hands.pump_line_to_balance("HARVEST") and not hands.pump_line_to_balance("FEED")
        hands.route_pump_line("FEED", to_balance=True)
        assert hands.pump_line_to_balance("FEED")
        hands.route_pump_line("FEED", to_balance=False)
        assert not hands.pump_line_to_balance("FEED")
    assert prompts == ["bench: Lay the outlet tube of the FEED pump line into the receiving vessel on the balance, "
                       "then press Enter",
                       "bench: Lay the outlet tube of the FEED pump line back into the culture bag, then press Enter"]
