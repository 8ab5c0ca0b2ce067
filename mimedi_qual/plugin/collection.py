"""Collect ``.feature`` files directly, so a new protocol needs no Python.

pytest-bdd binds scenarios through ``scenarios(...)`` in a test module; here
each feature file *is* its own module: we build it in memory and let
pytest-bdd fill it. ``pytest features/oq/temperature.feature --bench ...``
runs exactly that protocol.

Each scenario also gets its stage (the ``iq``/``oq``/``pq`` folder) as the
Allure ``epic``.
"""

from __future__ import annotations

import types

import pytest

from mimedi_qual.qualification.protocol import stage_of


class FeatureModule(pytest.Module):
    def _getobj(self):
        module = types.ModuleType(f"feature_{self.path.stem}")
        module.__file__ = str(self.path)
        module.FEATURE_PATH = str(self.path)
        code = compile("from pytest_bdd import scenarios\nscenarios(FEATURE_PATH)\n", str(self.path), "exec")
        exec(code, module.__dict__)
        return module

    def collect(self):
        stage = stage_of(self.path)
        for item in super().collect():
            if stage:
                item.add_marker(pytest.mark.allure_label(stage, label_type="epic"))
                item.add_marker(pytest.mark.allure_label(stage, label_type="parentSuite"))
            yield item
