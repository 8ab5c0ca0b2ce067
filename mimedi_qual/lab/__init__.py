"""Bench access through labgrid: resources, drivers, protocols.

A bench is a labgrid target. Resources say *where* a thing is (address,
port); drivers say *how* to talk to it and implement our protocols; steps ask
the target for a protocol by name (``target.get_driver("TemperatureSensorProtocol",
name="thermometer")``) and never see an address.

Importing this package registers our classes with labgrid's target factory,
which is what the ``imports:`` line of the generated environment file does.
"""

from mimedi_qual.lab import drivers, resources, strategy  # noqa: F401  (registration)
