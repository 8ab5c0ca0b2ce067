"""Routing a pump line to the balance (the gravimetric steps), on a fake bench.

Before the routing step, only the HARVEST line could be weighed: a FEED
delivery "onto the balance" went into the bag, the balance weighed nothing and
the systematic flow error came out near −100 % as an ordinary deviation.
"""

from __future__ import annotations


import pytest

from mimedi_qual.errors import BenchError, ProtocolError
from mimedi_qual.steps.actions.operator import ensure_operator
from mimedi_qual.steps.cleanup import BenchCleanup
from mimedi_qual.steps.pump_steps import deliver_onto_balance, line_routed_to_balance, systematic_error_meets


def test_a_routed_feed_line_is_weighed_and_meets_the_flow_criterion(campaign, bench):
    cleanup = BenchCleanup()
    line_routed_to_balance(campaign, cleanup, "FEED")
    assert bench.operator_.pump_line_to_balance("FEED")
    ensure_operator(campaign)
    run = deliver_onto_balance(campaign, "FEED", volume_ml=10.0, flow_ml_min=5.0, replicates=3)
    assert run.flows_ml_min == pytest.approx([5.0] * 3)
    systematic_error_meets(campaign, run, "OQ-PUMP-ACC")
    cleanup.run()                                       # the scenario ends: the line goes back to the bag
    assert not bench.operator_.pump_line_to_balance("FEED")
    assert bench.operator_.routings == [("FEED", True), ("FEED", False)]


def test_the_harvest_line_is_on_the_balance_already_and_is_left_there(campaign, bench):
    cleanup = BenchCleanup()
    line_routed_to_balance(campaign, cleanup, "HARVEST")
    cleanup.run()
    assert bench.operator_.routings == [] and bench.operator_.pump_line_to_balance("HARVEST")


def test_weighing_a_line_that_is_not_routed_is_refused_naming_the_line_and_the_routing_step(campaign, bench):
    ensure_operator(campaign)
    with pytest.raises(ProtocolError, match="the PERFUSION pump line is not routed to the balance .*"
                                            "'Given the PERFUSION pump line is routed to the balance'"):
        deliver_onto_balance(campaign, "PERFUSION", volume_ml=10.0, flow_ml_min=5.0, replicates=3)
    assert bench.controller.runs == []                  # refused before anything was delivered


def test_a_bench_without_a_balance_cannot_route_a_line(campaign, bench):
    instruments = {name: entry for name, entry in bench.profile.instruments.items() if entry.kind != "balance"}
    bench.profile = bench.profile.model_copy(update={"instruments": instruments})
    with pytest.raises(BenchError, match="has 0 balances: the FEED pump line cannot be routed to the balance"):
        line_routed_to_balance(campaign, BenchCleanup(), "FEED")
    assert bench.operator_.routings == []
