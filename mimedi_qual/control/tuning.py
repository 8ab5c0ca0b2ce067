"""Step-response metrics of a control loop and the tuning targets they must meet.

The numbers a loop is tuned to (overshoot, settling time, steady-state error)
live in ``profiles/control/tuning-targets.yaml``; the closed-loop tests and,
later, the OQ acceptance profile check the same numbers. This module computes
the metrics from a recorded response and compares them with a target.

>>> import numpy as np
>>> t = np.arange(1.0, 3601.0)
>>> temperature_c = 37.0 - 15.0 * np.exp(-t / 300.0)
>>> m = step_response_metrics(t, temperature_c, setpoint=37.0, settling_band=0.1,
...                           steady_state_window_s=600.0)
>>> round(m.settling_time_s), m.overshoot
(1504, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mimedi_qual.paths import package_profiles
from mimedi_qual.profiles.loader import load_model

DEFAULT_TARGETS_PATH = package_profiles() / "control" / "tuning-targets.yaml"


@dataclass(frozen=True)
class StepResponseMetrics:
    """How a loop answered a step, in the loop's own unit (°C for temperature)."""

    overshoot: float            # how far the response went past the setpoint (≥ 0)
    settling_time_s: float      # from the step until it stays inside the band
    steady_state_error: float   # |mean − setpoint| over the final window


class StepTarget(BaseModel):
    """One tuning target (a scenario and its limits) from the tuning-targets profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    initial_temperature_c: float
    setpoint_c: float
    observation_s: float = Field(gt=0)
    settling_band_c: float = Field(gt=0)
    max_overshoot_c: float = Field(ge=0)
    max_settling_time_s: float = Field(gt=0)
    max_steady_state_error_c: float = Field(ge=0)
    steady_state_window_s: float = Field(gt=0)

    def violations(self, m: StepResponseMetrics) -> list[str]:
        """Human-readable list of the limits a response breaks (empty: all met)."""
        out = []
        if m.overshoot > self.max_overshoot_c:
            out.append(f"overshoot {m.overshoot:.3f} °C > {self.max_overshoot_c} °C")
        if m.settling_time_s > self.max_settling_time_s:
            out.append(f"settling time {m.settling_time_s:.0f} s > {self.max_settling_time_s} s")
        if m.steady_state_error > self.max_steady_state_error_c:
            out.append(f"steady-state error {m.steady_state_error:.3f} °C "
                       f"> {self.max_steady_state_error_c} °C")
        return out


class TuningTargets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sensor_noise_c: float = Field(ge=0)
    temperature: dict[str, StepTarget]


def load_tuning_targets(path: str | Path | None = None) -> TuningTargets:
    """Read and validate the tuning targets (a ProfileError with file and line when wrong)."""
    return load_model(path or DEFAULT_TARGETS_PATH, TuningTargets)


def step_response_metrics(time_s, response, *, setpoint: float, settling_band: float,
                          steady_state_window_s: float) -> StepResponseMetrics:
    """Metrics of ``response`` sampled at ``time_s`` (seconds after the step).

    Overshoot is measured in the direction of the step, so it works for steps
    up and down; a response that never enters the band settles at infinity.
    """
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(response, dtype=float)
    direction = 1.0 if setpoint >= y[0] else -1.0
    overshoot = max(0.0, float(np.max(direction * (y - setpoint))))
    outside = np.nonzero(np.abs(y - setpoint) > settling_band)[0]
    if len(outside) == 0:
        settling = float(t[0])
    elif outside[-1] == len(y) - 1:
        settling = float("inf")
    else:
        settling = float(t[outside[-1] + 1])
    window = t >= t[-1] - steady_state_window_s
    error = abs(float(np.mean(y[window])) - setpoint)
    return StepResponseMetrics(overshoot, settling, error)
