"""Start the simulated bench process and make sure it ends with us.

>>> with SimulatedBenchProcess("profiles/benches/sim.yaml") as sim:
...     sim.addresses["thermometer"]
'127.0.0.1:40231'

``addresses`` maps every service to its address: instruments by their name
in the bench profile (``host:port``), ``simctl``, ``modbus`` and ``console``
(``host:port``) and ``pdu`` (the ``rest`` backend's URL template
``http://127.0.0.1:PORT/outlet/{index}``).

The child is tied to the parent three ways, so no simulator outlives a
campaign that failed, was interrupted or was killed: its stdin is a pipe from
us (EOF → it stops), the kernel sends it SIGTERM if we die (PR_SET_PDEATHSIG),
and ``close()`` terminates then kills it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from mimedi_qual.errors import BenchError

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0


class SimulatedBenchError(BenchError):
    """The simulated bench process failed to start (the message carries its last output)."""


class SimulatedBenchProcess:
    def __init__(self, bench_profile: str | Path, state_dir: str | Path | None = None):
        self.bench_profile = Path(bench_profile)
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.process: subprocess.Popen | None = None
        self.addresses: dict[str, str] = {}

    def start(self) -> dict[str, str]:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "mimedi_qual.simbench", "--bench", str(self.bench_profile)]
        if self.state_dir is not None:
            command += ["--state-dir", str(self.state_dir)]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            # Its own session: a Ctrl-C at the terminal reaches only us, and we close it in order.
            start_new_session=True,
        )
        line = self._read_first_line()
        if not line:
            self.close()
            stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
            raise SimulatedBenchError(
                f"simulated bench from {self.bench_profile} did not start: {stderr.strip() or 'no output'}"
            )
        self.addresses = json.loads(line)
        # Drain stderr so a chatty simulator can never block on a full pipe.
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()
        return self.addresses

    def _read_first_line(self) -> str:
        result: list[bytes] = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        return result[0].decode().strip() if result else ""

    @staticmethod
    def _drain(stream) -> None:
        for _ in iter(lambda: stream.read(4096), b""):
            pass

    def close(self) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=STOP_TIMEOUT_S)
        except (subprocess.TimeoutExpired, OSError):
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self) -> SimulatedBenchProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
