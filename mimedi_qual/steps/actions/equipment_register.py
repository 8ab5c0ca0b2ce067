"""The approved equipment register: module firmware, configuration checksum, utility wiring.

    register = equipment_register(campaign)
    register.controller.module_firmware      # {'SELECTION': '1.4.2', ...}
    register.gas_supplies["CO2"].dmm_channel
"""

from __future__ import annotations

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.register import load_register, register_path


def equipment_register(campaign: CampaignContext):
    """The approved equipment register beside the acceptance profile in use (else the project's)."""
    path = register_path(campaign.acceptance_path)
    if not path.exists():
        path = register_path(campaign.profiles_dir / "acceptance" / "criteria.yaml")
    return load_register(path)
