"""Reading one quantity on one instrument, as a scenario names them (``the pH on the ph_do_meter``).

An instrument is named as the bench profile does or by its kind; where an
instrument measures several things the quantity says which::

    read, column = reader(campaign, "ph_do_meter", "DO")   # column 'do_pct_air_sat'
    read()                                                  # one reading, in the column's unit
    resolve_instrument(campaign, "gas_analyzer")            # → 'co2'
"""

from __future__ import annotations

from collections.abc import Callable

from mimedi_qual.errors import ProtocolError
from mimedi_qual.plugin.context import CampaignContext

#: the unit of each column a reader returns: the raw series file and its plot name it
UNIT_OF_COLUMN = {"temperature_c": "°C", "ph": "pH", "do_pct_air_sat": "% air saturation", "co2_pct": "%",
                  "speed_rpm": "rpm", "mains_v": "V", "weight_g": "g", "o2_enrichment_pct": "%", "heater_pct": "%"}

#: what an instrument of each kind reads when the scenario names no quantity
DEFAULT_QUANTITY = {"thermometer": "temperature", "gas_analyzer": "CO2", "tachometer": "rocking speed",
                    "ph_do_meter": "pH", "multimeter": "mains voltage", "bioreactor": "temperature"}


def reader(campaign: CampaignContext, instrument: str, quantity: str | None = None) -> tuple[Callable[[], float], str]:
    """A zero-argument function reading ``quantity`` on ``instrument``, and the column name with unit."""
    bench = campaign.bench
    instrument = resolve_instrument(campaign, instrument)
    kind = bench.register_entry(instrument).kind
    quantity = quantity or DEFAULT_QUANTITY.get(kind, "")
    table: dict[tuple[str, str], Callable[[], tuple[Callable[[], float], str]]] = {
        ("thermometer", "temperature"): lambda: (bench.thermometer(instrument).read_temperature_c, "temperature_c"),
        ("ph_do_meter", "pH"): lambda: (bench.ph_meter(instrument).read_ph, "ph"),
        ("ph_do_meter", "DO"): lambda: (bench.do_meter(instrument).read_do_pct, "do_pct_air_sat"),
        ("ph_do_meter", "temperature"): lambda: (bench.ph_meter(instrument).read_temperature_c, "temperature_c"),
        ("gas_analyzer", "CO2"): lambda: (bench.gas_analyzer(instrument).read_co2_pct, "co2_pct"),
        ("tachometer", "rocking speed"): lambda: (bench.speed_sensor(instrument).read_speed_rpm, "speed_rpm"),
        ("multimeter", "mains voltage"): lambda: (bench.multimeter(instrument).read_ac_voltage_v, "mains_v"),
        ("bioreactor", "temperature"): lambda: (bench.bioreactor(instrument).read_temperature_c, "temperature_c"),
        ("bioreactor", "pH"): lambda: (bench.bioreactor(instrument).read_ph, "ph"),
        ("bioreactor", "DO"): lambda: (bench.bioreactor(instrument).read_do_pct, "do_pct_air_sat"),
        ("bioreactor", "weight"): lambda: (bench.bioreactor(instrument).read_weight_g, "weight_g"),
        ("bioreactor", "rocking speed"): lambda: (bench.bioreactor(instrument).read_rocking_rpm, "speed_rpm"),
        ("bioreactor", "O2 enrichment"): lambda: (bench.bioreactor(instrument).o2_enrichment_pct, "o2_enrichment_pct"),
        ("bioreactor", "heater output"): lambda: (bench.bioreactor(instrument).heater_output_pct, "heater_pct"),
    }
    try:
        return table[(kind, quantity)]()
    except KeyError:
        raise ProtocolError(None, None, f"the {instrument} ({kind}) cannot read '{quantity}'") from None


def resolve_instrument(campaign: CampaignContext, name_or_kind: str) -> str:
    """An instrument's bench name from its name or its kind (``gas_analyzer`` → ``co2``)."""
    if name_or_kind in campaign.bench.profile.instruments:
        return name_or_kind
    return campaign.bench.name_of_kind(name_or_kind)
