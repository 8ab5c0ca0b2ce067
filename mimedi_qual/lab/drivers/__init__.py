"""Our labgrid drivers, one module per kind of device."""

from mimedi_qual.lab.drivers import bioreactor, clock, operator, scpi, thermometer  # noqa: F401
