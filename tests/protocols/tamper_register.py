"""pytest plugin for the tightened-criteria tests: the registers disagree with the bench.

Loaded into a campaign with ``PYTEST_PLUGINS=tamper_register`` (this directory on
``PYTHONPATH``). Every instrument's registered serial number gets a suffix and
every calibration certificate falls due yesterday, so each identity and
calibration criterion (kind ``exact``) must fail — the 'tightening' of a
criterion whose expected value lives in a register, not in the acceptance profile.
"""

from __future__ import annotations

import datetime as dt

from mimedi_qual.lab.bench import Bench

_original_register_entry = Bench.register_entry


def _tampered_register_entry(self, name: str):
    entry = _original_register_entry(self, name)
    identity = entry.identity.model_copy(update={"serial": entry.identity.serial + "-TAMPERED"})
    update = {"identity": identity}
    if entry.calibration is not None:
        yesterday = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
        update["calibration"] = entry.calibration.model_copy(update={"due_on": yesterday})
    return entry.model_copy(update=update)


Bench.register_entry = _tampered_register_entry
