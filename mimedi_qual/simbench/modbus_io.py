"""The bench rig's Modbus TCP I/O module (labgrid ``ModbusTCPCoil``), served with pymodbus.

=======  ==================================================================
coil 0   door switch, driven by the rig (1 = door open): writing it opens or
         closes the simulated door — the controller sees it on its next
         period (``DOOR_OPEN`` interlock and alarm, pumps stop)
coil 1   the controller's alarm relay (1 = an unacknowledged alarm);
         read-only: a write is refused with exception 2 ILLEGAL_DATA_ADDRESS
=======  ==================================================================

Coils are computed from the world on every read, so they are never stale.

>>> from pyModbusTCP.client import ModbusClient
>>> io = ModbusClient(host="127.0.0.1", port=40502, auto_open=True)
>>> io.write_single_coil(0, True); io.read_coils(1, 1)
True
[True]
"""

from __future__ import annotations

import logging

from pymodbus.constants import ExcCodes
from pymodbus.datastore import ModbusServerContext, ModbusSimulatorContext
from pymodbus.server import ModbusTcpServer

from mimedi_qual.simbench.server import LOOPBACK
from mimedi_qual.simbench.world import SimulatedWorld

DOOR_COIL = 0
ALARM_RELAY_COIL = 1
N_COILS = 2
READ_COILS, WRITE_COIL, WRITE_COILS = 1, 5, 15


class RigCoils(ModbusSimulatorContext):
    """A device context whose coils are the world's door and alarm relay.

    Subclasses pymodbus's simulator context only for its dispatch hooks
    (``async_OLD_getValues`` / ``async_OLD_setValues``); none of its
    register machinery is used.
    """

    def __init__(self, world: SimulatedWorld):  # noqa: D107 - deliberately not calling super()
        self.world = world

    def _coils(self) -> list[bool]:
        return [self.world.door_open, self.world.alarm_relay]

    async def async_OLD_getValues(self, func_code, address, count=1):  # noqa: N802 (pymodbus API)
        # pymodbus reads back after a write (function 5/15) to build the echo.
        if func_code not in (READ_COILS, WRITE_COIL, WRITE_COILS):
            return ExcCodes.ILLEGAL_FUNCTION
        if address < 0 or address + count > N_COILS:
            return ExcCodes.ILLEGAL_ADDRESS
        return self._coils()[address:address + count]

    async def async_OLD_setValues(self, func_code, address, values):  # noqa: N802
        if func_code not in (WRITE_COIL, WRITE_COILS):
            return ExcCodes.ILLEGAL_FUNCTION
        if address != DOOR_COIL or len(values) != 1:
            return ExcCodes.ILLEGAL_ADDRESS
        self.world.set_door(bool(values[0]))
        return None


class ModbusIoServer:
    def __init__(self, name: str, world: SimulatedWorld):
        self.name = name
        self.world = world
        self._server: ModbusTcpServer | None = None
        self.port: int | None = None

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    async def start(self) -> None:
        logging.getLogger("pymodbus").setLevel(logging.ERROR)  # its deprecation notices are not ours
        context = ModbusServerContext(devices=RigCoils(self.world), single=True)
        self._server = ModbusTcpServer(context, address=(LOOPBACK, 0))
        await self._server.serve_forever(background=True)
        self.port = self._server.transport.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()
