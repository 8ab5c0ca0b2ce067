"""A labgrid coordinator on loopback, for tests and a one-machine lab.

A shared lab runs ``labgrid-coordinator`` as a service. The coordinator writes
its state files into its working directory, so this one gets a temporary
directory of its own, removed on close.

>>> with Coordinator() as coordinator:       # doctest: +SKIP
...     coordinator.address
'127.0.0.1:39411'
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from mimedi_qual.lab.places.client import PlaceError, client, labgrid_tool
from mimedi_qual.lab.places.daemons import free_loopback_port, start_daemon, stop_daemon

COORDINATOR_START_S = 15.0
START_POLL_S = 0.2


class Coordinator:
    """A labgrid coordinator on ``127.0.0.1:<port>`` (a free port unless given); ``close()`` stops it."""

    def __init__(self, port: int | None = None):
        self.port = port or free_loopback_port()
        self.address = f"127.0.0.1:{self.port}"
        self.workdir = Path(tempfile.mkdtemp(prefix="mimedi-coordinator-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> Coordinator:
        """Start it and wait until ``labgrid-client places`` answers, at most ``COORDINATOR_START_S``."""
        self.process = start_daemon([labgrid_tool("labgrid-coordinator"), "--listen", self.address],
                                    self.workdir, self.workdir / "coordinator.log")
        deadline = time.monotonic() + COORDINATOR_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PlaceError(f"labgrid-coordinator exited: {(self.workdir / 'coordinator.log').read_text()}")
            if client(self.address, "places", check=False, timeout_s=5).returncode == 0:
                return self
            time.sleep(START_POLL_S)
        self.close()
        raise PlaceError(f"labgrid-coordinator did not answer on {self.address} within {COORDINATOR_START_S:g} s")

    def close(self) -> None:
        stop_daemon(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Coordinator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
