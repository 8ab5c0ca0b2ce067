"""The heat-up step (a process recipe's run) on a fake bench: refused unless a culture module regulates.

The controller heats the bag only while TRANSDUCTION or EXPANSION is active
(tests/simbench/test_world.py shows the twin doing so). Before this refusal a
run under SELECTION alone sampled a bag at room temperature for the whole
recipe and reported the heat-up "never reached" as an ordinary deviation.
"""

from __future__ import annotations

import pytest

from mimedi_qual.errors import ProtocolError
from mimedi_qual.steps.actions.operator import ensure_operator
from mimedi_qual.steps.process_steps import run_recipe


def test_a_heat_up_under_selection_alone_is_refused_naming_the_culture_modules(campaign, bench):
    bench.controller.modules["SELECTION"] = "EXECUTE"
    ensure_operator(campaign)
    setpoint_before = bench.controller.temperature_setpoint_c()
    with pytest.raises(ProtocolError, match=r"regulates the temperature only while a culture module "
                                            r"\(TRANSDUCTION or EXPANSION\) is active; now TRANSDUCTION is IDLE, "
                                            r"EXPANSION is IDLE: write 'Given the EXPANSION module is executing'"):
        run_recipe(campaign, "warmup-and-hold", "thermometer")
    assert bench.clock_.now_s() == 0.0 and bench.controller.temperature_setpoint_c() == setpoint_before


@pytest.mark.parametrize("module, state", [("EXPANSION", "EXECUTE"), ("TRANSDUCTION", "EXECUTE"),
                                           ("EXPANSION", "HELD")])
def test_a_heat_up_under_a_culture_module_runs(campaign, bench, module, state):
    bench.controller.modules[module] = state
    ensure_operator(campaign)                          # the scenario's earlier steps log in
    run = run_recipe(campaign, "warmup-and-hold", "thermometer")
    assert len(run.temperatures.values) == 24 * 60           # 3 h warm-up + 21 h activation, one a minute
