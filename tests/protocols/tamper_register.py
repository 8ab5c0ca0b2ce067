"""pytest plugin for the tightened-criteria tests: the registers disagree with the bench.

Loaded into a campaign with ``PYTEST_PLUGINS=tamper_register`` (this directory on
``PYTHONPATH``); ``MIMEDI_TAMPER`` says what to alter (``identity``, ``calibration``). Every instrument's registered serial number gets a suffix and
every calibration certificate falls due yesterday, so each identity and
calibration criterion (kind ``exact``) must fail — the 'tightening' of a
criterion whose expected value lives in a register, not in the acceptance profile.
"""

from __future__ import annotations

import datetime as dt
import os

from mimedi_qual.lab.bench import Bench

#: what to tamper with: "identity", "calibration" or both, comma-separated
TAMPER = set(os.environ.get("MIMEDI_TAMPER", "identity,calibration").split(","))

_original_register_entry = Bench.register_entry


def _tampered_register_entry(self, name: str):
    entry = _original_register_entry(self, name)
    update = {}
    if "identity" in TAMPER:
        update["identity"] = entry.identity.model_copy(update={"serial": entry.identity.serial + "-TAMPERED"})
    if "calibration" in TAMPER and entry.calibration is not None:
        yesterday = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
        update["calibration"] = entry.calibration.model_copy(update={"due_on": yesterday})
    return entry.model_copy(update=update)


Bench.register_entry = _tampered_register_entry
