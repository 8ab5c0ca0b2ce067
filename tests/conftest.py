"""Shared fixtures for the harness's own tests, and the tiers the suite runs in.

The suite has three tiers, chosen by marker (``--strict-markers``: an unknown
marker is an error, so a typo cannot put a test in the wrong tier):

* **unit** — every test without a tier marker. No campaign runs: drivers,
  steps and the evidence recorder meet fake devices, in-process simulated
  instruments and example campaigns. A CLI test that is refused before any
  bench starts (bad input, exit 2) belongs here too. The whole tier finishes
  in under 2 minutes; ``make test-fast`` runs it alone and ``make test`` runs
  it first, stopping there if it fails. Both run it on two workers, module by
  module (``-n 2 --dist loadfile``): a module's tests may share a
  ``scope="module"`` bench and run in file order, as in a plain ``pytest``.
* ``@pytest.mark.campaign`` — the test starts a campaign on a simulated bench:
  ``mimedi-qual run``, ``pytest`` on ``features/``, or a campaign on a labgrid
  place. Seconds to a minute or two each.
* ``@pytest.mark.protocol`` — the guards of the protocol itself: every
  acceptance criterion, tightened below what the twin achieves, fails its
  scenario; every OQ requirement passes on its own on a fresh bench. About 40
  campaigns.

``make test`` runs the campaign and protocol tiers after the unit tier, four
campaigns at a time (``pytest -n 4 --dist loadgroup``: a campaign mostly waits
on its bench, so four share the two cores well). Tests there must not share
anything on disk or on the network: each campaign writes under its own
``tmp_path`` (``--out``) and every simulated bench picks free ports. A module
whose tests share one bench or one campaign (a ``scope="module"`` fixture)
also carries ``pytest.mark.xdist_group(<module>)`` so that one worker runs all
of it and the fixture starts once.

Campaigns whose test reads only the evidence record, ``measurements.jsonl`` or
the console run with ``--no-views``: no Allure results, ``report.html`` or
``summary.pdf`` are rendered for nobody to read.

Run one tier: ``pytest -m "not campaign and not protocol"``, ``pytest -m
campaign``, ``pytest -m protocol``; plain ``pytest`` runs all three in one
process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project_root() -> Path:
    return ROOT


@pytest.fixture
def sim_profile() -> Path:
    return ROOT / "profiles" / "benches" / "sim.yaml"


@pytest.fixture(scope="session", autouse=True)
def _session_lab_ledger(tmp_path_factory: pytest.TempPathFactory):
    """Campaigns started by tests anchor their heads in a temporary lab ledger, never the project's
    (``$MIMEDI_QUAL_LEDGER``, read by ``run`` and ``verify``; mimedi_qual.evidence.ledger)."""
    import os

    path = tmp_path_factory.mktemp("lab-ledger") / "lab-ledger.jsonl"
    before = os.environ.get("MIMEDI_QUAL_LEDGER")
    os.environ["MIMEDI_QUAL_LEDGER"] = str(path)
    yield path
    if before is None:
        os.environ.pop("MIMEDI_QUAL_LEDGER", None)
    else:
        os.environ["MIMEDI_QUAL_LEDGER"] = before


@pytest.fixture(autouse=True)
def _test_lab_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """And each test its own (the example campaigns of two tests share a campaign id; a lab's never do).

    Beside the test's tmp_path, not in it: tests use tmp_path as a run's --out and expect only
    campaign directories there."""
    path = tmp_path.parent / f"{tmp_path.name}-ledger" / "lab-ledger.jsonl"
    monkeypatch.setenv("MIMEDI_QUAL_LEDGER", str(path))
    return path
