"""Our labgrid drivers, one module per kind of device."""

from mimedi_qual.lab.drivers import (  # noqa: F401  (registration with labgrid's target factory)
    balance,
    bioreactor,
    clock,
    gas_analyzer,
    multimeter,
    operator,
    phdo_meter,
    qc_lab,
    scpi,
    tachometer,
    thermometer,
)
