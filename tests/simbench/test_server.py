"""LoopbackServer: the start/stop/address life cycle every simulated service shares."""

import asyncio

from mimedi_qual.simbench.server import LOOPBACK, LoopbackServer


class EchoServer(LoopbackServer):
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while line := await reader.readline():
                writer.write(line)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            writer.close()


def test_restart_listens_on_the_same_port_and_stop_hangs_up_on_clients():
    async def scenario():
        server = EchoServer("echo")
        await server.start()
        port = server.port
        assert server.online and server.address == f"{LOOPBACK}:{port}"
        reader, writer = await asyncio.open_connection(LOOPBACK, port)
        writer.write(b"ping\n")
        assert await reader.readline() == b"ping\n"
        await server.stop()
        assert not server.online
        assert await asyncio.wait_for(reader.read(), 5) == b""   # the client was hung up on
        writer.close()
        await server.stop()                                      # a second stop does nothing
        await server.start()
        assert server.port == port and server.online
        await server.stop()

    asyncio.run(scenario())
