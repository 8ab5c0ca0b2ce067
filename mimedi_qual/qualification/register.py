"""The equipment register: the approved configuration IQ compares the machine with.

Instrument identities and calibration live in the bench profile (they change
when an instrument is swapped); what the *machine under qualification* must
be lives here, beside the acceptance criteria, because it is approved with
them: the firmware of every process module, the SHA-256 of the controller's
approved configuration, and where the utilities are wired on the DMM.

The register is looked up next to the acceptance profile in use
(``<acceptance dir>/equipment-register.yaml``), so a tightened or altered
copy of the acceptance profile carries its own register.

>>> register = load_register(Path("profiles/acceptance/equipment-register.yaml"))
>>> register.controller.module_firmware["EXPANSION"]
'2.1.0'
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from mimedi_qual.profiles.bench import StrictModel
from mimedi_qual.profiles.loader import load_model

REGISTER_FILE = "equipment-register.yaml"


class ControllerRegister(StrictModel):
    """What the controller must report in IQ."""

    module_firmware: dict[str, str] = Field(description="process module → approved firmware version")
    configuration_checksum: str = Field(description="SHA-256 (hex) of the approved controller configuration")


class UtilityWiring(StrictModel):
    """How a utility reaches the DMM: a DC channel and its transducer scale."""

    dmm_channel: int = Field(ge=1)
    bar_per_volt: float = Field(gt=0)


class EquipmentRegister(StrictModel):
    document: str
    version: str
    controller: ControllerRegister
    gas_supplies: dict[str, UtilityWiring] = Field(default_factory=dict,
                                                   description="gas (CO2, O2) → DMM wiring of its pressure transducer")


def register_path(acceptance_path: Path) -> Path:
    return acceptance_path.parent / REGISTER_FILE


def load_register(path: Path) -> EquipmentRegister:
    """Load and validate (ProfileError with file and line when wrong)."""
    return load_model(path, EquipmentRegister)
