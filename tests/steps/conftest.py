"""Fixtures of the step tests: a fake bench and an in-process campaign context (see :mod:`fake_bench`).

``campaign`` here replaces the plugin's (which opens a real bench): steps and
actions are called as plain functions with it, and the plugin's own
``bench_cleanup`` fixture runs on top of it unchanged.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from fake_bench import FakeBench

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.profiles import load_acceptance, load_bench

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "profiles"
ACCEPTANCE = PROFILES / "acceptance" / "criteria.yaml"


@cache
def _profiles():
    """The simulated bench profile and the acceptance criteria, read once per test session."""
    return load_bench(PROFILES / "benches" / "sim.yaml"), load_acceptance(ACCEPTANCE)


@pytest.fixture
def bench() -> FakeBench:
    """A fresh fake bench (controller, clock, balance, relay, door, fault injector) from the simulated bench profile."""
    return FakeBench(_profiles()[0])


@pytest.fixture
def campaign(bench: FakeBench, tmp_path: Path) -> CampaignContext:
    """An in-process campaign on the fake bench: real criteria, measurements into ``tmp_path``, no evidence store."""
    return CampaignContext(bench=bench, acceptance=_profiles()[1], acceptance_path=ACCEPTANCE,
                           profiles_dir=PROFILES, campaign_dir=tmp_path)
