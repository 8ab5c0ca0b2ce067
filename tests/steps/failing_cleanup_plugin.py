"""A pytest plugin for one campaign test: the scenario's "clear faults" undo fails after clearing.

Loaded into a campaign through ``PYTEST_PLUGINS=failing_cleanup_plugin`` (with
this directory on ``PYTHONPATH``), as a simulation channel that drops at the
end of a scenario would: the faults are cleared, then the undo raises.
"""

from __future__ import annotations

from mimedi_qual.steps.cleanup import BenchCleanup

MESSAGE = "simulation channel dropped while clearing faults"
_register = BenchCleanup.register


def _register_failing_clear(self: BenchCleanup, name: str, action) -> None:
    if name == "clear faults":
        clear = action

        def action() -> None:
            clear()
            raise OSError(MESSAGE)

    _register(self, name, action)


def pytest_configure(config) -> None:
    """Only in the campaign this plugin is loaded into (importing the module changes nothing)."""
    BenchCleanup.register = _register_failing_clear
