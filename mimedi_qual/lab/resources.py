"""labgrid resources of our own: data about where things are, no behaviour.

``SCPITCPInstrument`` exists because labgrid's ``PyVISADriver`` cannot open a
raw-socket resource (``host::port`` silently becomes VXI-11).
``MTSICSTCPInstrument`` is a Mettler Toledo balance on a raw socket (MT-SICS,
CR LF). ``SimulationControlPort`` is the simulated bench's simulation-only
channel. All three are ``NetworkResource``s: an exporter publishes them as
plain parameters (host, port) without importing them, and a client only needs
``imports: [mimedi_qual.lab]`` to rebuild them.

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
        read_termination / write_termination: line ends (explicit: a pyvisa-py SOCKET
            resource without them times out on every query)
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


@target_factory.reg_resource
@attr.s(eq=False)
class MTSICSTCPInstrument(NetworkResource):
    """A balance speaking Mettler Toledo MT-SICS on a raw TCP socket (CR LF line ends).

    Args:
        host / port: where its socket is (a LAN interface or a serial-to-LAN server)
        timeout_s: reply timeout in seconds
        visa_library: PyVISA backend, as for :class:`SCPITCPInstrument`
    """

    port = attr.ib(validator=attr.validators.instance_of(int))
    timeout_s = attr.ib(default=5.0, converter=float)
    visa_library = attr.ib(default="@py", validator=attr.validators.instance_of(str))

    @property
    def visa_address(self) -> str:
        return f"TCPIP0::{self.host}::{self.port}::SOCKET"
