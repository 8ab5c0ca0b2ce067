"""labgrid resources of our own: data about where things are, no behaviour.

``SCPITCPInstrument`` exists because labgrid's ``PyVISADriver`` cannot open a
raw-socket resource (``host::port`` silently becomes VXI-11, TRAPS 7).

In an environment file::

    resources:
      - SCPITCPInstrument:
          name: thermometer
          host: 127.0.0.1
          port: 5025
"""

from __future__ import annotations

import attr
from labgrid.factory import target_factory
from labgrid.resource.common import NetworkResource


@target_factory.reg_resource
@attr.s(eq=False)
class SCPITCPInstrument(NetworkResource):
    """An instrument speaking SCPI on a raw TCP socket (LAN port 5025 style).

    Args:
        host: host name or address of the instrument
        port: TCP port of its SCPI socket
        read_termination / write_termination: line ends (explicit: TRAPS 15)
        timeout_s: reply timeout in seconds
        visa_library: PyVISA backend; ``@py`` (pure Python sockets) on every
            bench, ``<definitions>.yaml@sim`` for pyvisa-sim driver tests
    """

    port = attr.ib(validator=attr.validators.instance_of(int))
    read_termination = attr.ib(default="\n", validator=attr.validators.instance_of(str))
    write_termination = attr.ib(default="\n", validator=attr.validators.instance_of(str))
    timeout_s = attr.ib(default=5.0, converter=float)
    visa_library = attr.ib(default="@py", validator=attr.validators.instance_of(str))

    @property
    def visa_address(self) -> str:
        return f"TCPIP0::{self.host}::{self.port}::SOCKET"


@target_factory.reg_resource
@attr.s(eq=False)
class SimulationControlPort(NetworkResource):
    """The simulated bench's simulation-only channel (clock, bag, faults)."""

    port = attr.ib(validator=attr.validators.instance_of(int))
