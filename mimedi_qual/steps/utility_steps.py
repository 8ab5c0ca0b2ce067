"""IQ steps: the utilities the machine is installed on — mains, gas supplies, network.

Read with the bench's DMM: mains on its AC input, each gas supply through a
pressure transducer on a DC channel (wiring and scale from the equipment
register, ``profiles/acceptance/equipment-register.yaml``)::

    Then the mains voltage meets IQ-UTIL-MAINS
    And the CO2 supply pressure meets IQ-UTIL-CO2
    And every device of the bench answers on the network (IQ-UTIL-NETWORK)
"""

from __future__ import annotations

from pytest_bdd import parsers, then

from mimedi_qual.errors import BenchError, InstrumentError
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, PRESSURE, VOLTAGE, judges
from mimedi_qual.steps.actions.equipment_register import equipment_register
from mimedi_qual.steps.actions.verdicts import expect_met


@then(parsers.parse("the mains voltage meets {criterion_id}"))
@judges(criterion_id=VOLTAGE)
def mains_voltage_meets(campaign: CampaignContext, criterion_id: str) -> None:
    """Mains AC voltage at the machine's supply, read by the DMM, within the criterion (V)."""
    dmm = campaign.bench.multimeter()
    name = campaign.bench.name_of_kind("multimeter")
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              dmm.read_ac_voltage_v(), name))
    expect_met(measurement)


@then(parsers.re(r"the (?P<gas>CO2|O2) supply pressure meets (?P<criterion_id>[\w-]+)"))
@judges(criterion_id=PRESSURE)
def gas_supply_pressure_meets(campaign: CampaignContext, gas: str, criterion_id: str) -> None:
    """Gas-supply pressure (bar) from its transducer on the DMM channel named in the equipment register."""
    wiring = equipment_register(campaign).gas_supplies.get(gas)
    if wiring is None:
        raise BenchError(f"the equipment register has no wiring for the {gas} supply")
    name = campaign.bench.name_of_kind("multimeter")
    pressure_bar = campaign.bench.multimeter().read_dc_voltage_v(wiring.dmm_channel) * wiring.bar_per_volt
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), pressure_bar, name))
    expect_met(measurement)


@then(parsers.parse("every device of the bench answers on the network ({criterion_id})"))
@judges(criterion_id=COUNT)
def every_device_answers(campaign: CampaignContext, criterion_id: str) -> None:
    """Count of registered devices that do not answer their identity query (judged, normally ≤ 0)."""
    silent = []
    for name in campaign.bench.profile.instruments:
        try:
            campaign.bench.identify(name)
        except (InstrumentError, OSError) as exc:
            silent.append(f"{name}: {exc}")
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(silent)), "network", statistic="count"))
    expect_met(measurement, "".join(f"\n  {s}" for s in silent))
