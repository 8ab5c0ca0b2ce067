"""How a simulated instrument misreads the truth: a fixed offset plus seeded noise, per channel.

Each channel of each instrument draws its noise from its own stream, derived
from the bench's seed and the channel's name, so a campaign on the simulated
bench is reproducible and adding an instrument does not shift another one's
noise. The offset and noise come from the bench profile
(``simulation.reference.<instrument>.<channel>``).

>>> read_ph = Reading(SimulatedProbe(offset=0.02, noise=0.0), seeded_rng(42, "phmeter:ph"))
>>> read_ph(7.20)
7.22
"""

from __future__ import annotations

import zlib

import numpy as np

from mimedi_qual.profiles.bench import SimulatedProbe


def seeded_rng(seed: int, stream: str) -> np.random.Generator:
    """An independent, reproducible noise stream per instrument channel (``stream``: its name)."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


class Reading:
    """One instrument channel's error model applied to a true value: offset + seeded noise."""

    def __init__(self, probe: SimulatedProbe, rng: np.random.Generator):
        self.probe = probe
        self.rng = rng

    def __call__(self, true_value: float) -> float:
        noise = self.rng.normal(0.0, self.probe.noise) if self.probe.noise else 0.0
        return true_value + self.probe.offset + noise
