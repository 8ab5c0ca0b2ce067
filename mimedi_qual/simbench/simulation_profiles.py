"""The profiles a simulated bench loads besides its bench profile: the control core's and the twin's.

A bench profile's ``simulation`` section may name them —
``simulation.controller.control_profile`` and ``simulation.plant.twin_profile``,
relative to the project root — or leave them out for the project's defaults
(``profiles/control/controller.yaml``, ``profiles/twin/default.yaml``).
:func:`simulation_profiles` is the one place that resolves and loads them: the
simulator calls it when it starts, and a campaign's preflight calls it before
anything runs, so a broken controller or twin profile is bad input reported as
``path:line: problem`` — not a simulator that fails to start mid-campaign.

>>> from mimedi_qual.profiles import load_bench
>>> profiles = simulation_profiles(load_bench("profiles/benches/sim.yaml"))
>>> profiles.controller_path.name, profiles.twin_path.name
('controller.yaml', 'default.yaml')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mimedi_qual.control.parameters import DEFAULT_PROFILE_PATH as DEFAULT_CONTROLLER_PROFILE_PATH
from mimedi_qual.control.parameters import ControllerProfile, load_controller_profile
from mimedi_qual.errors import BenchError
from mimedi_qual.paths import project_paths
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.twin.parameters import DEFAULT_PROFILE_PATH as DEFAULT_TWIN_PROFILE_PATH
from mimedi_qual.twin.parameters import TwinProfile, load_twin_profile


@dataclass(frozen=True)
class SimulationProfiles:
    """The control core's and the twin's profiles of one simulated bench, loaded and validated."""

    controller_path: Path
    controller: ControllerProfile
    twin_path: Path
    twin: TwinProfile


def _resolve(path: str | None, default: Path) -> Path:
    """A profile the bench profile names (relative: to the project root), or ``default``."""
    if path is None:
        return default
    candidate = Path(path)
    return candidate if candidate.is_absolute() else project_paths().root / candidate


def simulation_profiles(bench: BenchProfile) -> SimulationProfiles:
    """Resolve and load the controller and twin profiles of ``bench`` (a ProfileError names file and line)."""
    sim = bench.simulation
    if sim is None:
        raise BenchError(f"bench {bench.bench.id} has no simulation section")
    controller_path = _resolve(sim.controller.control_profile, DEFAULT_CONTROLLER_PROFILE_PATH)
    twin_path = _resolve(sim.plant.twin_profile, DEFAULT_TWIN_PROFILE_PATH)
    return SimulationProfiles(controller_path, load_controller_profile(controller_path),
                              twin_path, load_twin_profile(twin_path))
