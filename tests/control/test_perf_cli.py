"""``mimedi-qual perf control``: the JSON has every key and sane values (timings are not judged)."""

from __future__ import annotations

import json
import math

from typer.testing import CliRunner

from mimedi_qual.cli.perf import perf_app

KEYS = {"batch_step_ns", "call_step_ns", "reference_step_ns", "simple_pid_step_ns",
        "p999_step_ns", "max_step_ns", "closed_loop_14d_s", "ratios", "targets", "samples"}


def test_json_is_one_object_with_every_figure():
    result = CliRunner().invoke(perf_app, ["control", "--json", "--steps", "5000"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)                 # exactly one JSON document
    assert KEYS <= data.keys()
    for key in KEYS - {"ratios", "targets", "samples"}:
        assert isinstance(data[key], float) and math.isfinite(data[key]) and data[key] > 0, key
    assert data["p999_step_ns"] <= data["max_step_ns"]
    assert data["ratios"]["reference_over_batch"] == data["reference_step_ns"] / data["batch_step_ns"]
    assert set(data["targets"]) == {"batch_step_ns", "call_step_ns", "reference_over_batch",
                                    "closed_loop_14d_s"}
    assert all(isinstance(t["met"], bool) for t in data["targets"].values())
    assert data["samples"]["closed_loop_steps"] == 14 * 86400
    assert abs(data["samples"]["closed_loop_final_temperature_c"] - 37.0) < 0.1


def test_table_output_names_the_figures():
    result = CliRunner().invoke(perf_app, ["control", "--steps", "2000"])
    assert result.exit_code == 0, result.output
    assert "batch_step_ns" in result.stdout and "closed_loop_14d_s" in result.stdout


def test_registered_on_the_main_cli():
    from mimedi_qual.cli import _register_commands, app

    _register_commands()
    result = CliRunner().invoke(app, ["perf", "--help"])
    assert result.exit_code == 0 and "control" in result.stdout
