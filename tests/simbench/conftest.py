"""Fixtures for the simulated-bench tests: a running bench, a pyvisa resource manager.

Helpers (clients, profile variants) live in ``bench_clients.py``: a test
module imports them from there, never from ``conftest`` (every test folder
has a ``conftest.py``; importing one by name picks whichever came first).
"""

from __future__ import annotations

import pytest
import pyvisa

from bench_clients import SIM_PROFILE
from mimedi_qual.simbench.process import BenchThread


@pytest.fixture(scope="session")
def visa():
    rm = pyvisa.ResourceManager("@py")
    yield rm
    rm.close()


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """One bench for a whole test module (the process itself is tested in test_bench_process)."""
    with BenchThread(SIM_PROFILE, tmp_path_factory.mktemp("bench-state")) as sim:
        yield sim


@pytest.fixture
def fresh_bench(tmp_path):
    """A bench of its own for a test that changes the world for good (same sockets, in a thread: fast)."""
    with BenchThread(SIM_PROFILE, tmp_path / "bench-state") as sim:
        yield sim
