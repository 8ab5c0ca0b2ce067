"""``labgrid-client`` as a subprocess, and the error every place operation raises.

labgrid's in-process client session is tied to its argparse front end, so we
run the command line tool — the one installed beside our Python, because every
labgrid component (coordinator, exporter, client) must be the same version.

>>> client("127.0.0.1:20408", "places").stdout.split()          # doctest: +SKIP
['bench-a', 'bench-b']
>>> client("127.0.0.1:20408", "acquire", place="bench-a", check=False).returncode   # doctest: +SKIP
0
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mimedi_qual.errors import BenchError

CLIENT_TIMEOUT_S = 30.0


class PlaceError(BenchError):
    """A place could not be created, found, acquired or released; the message says why."""


def labgrid_tool(name: str) -> str:
    """The labgrid command next to our Python (same venv, same labgrid version)."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def client(coordinator: str, *args: str, place: str | None = None, check: bool = True,
           timeout_s: float = CLIENT_TIMEOUT_S, user: str | None = None) -> subprocess.CompletedProcess:
    """Run ``labgrid-client -x COORDINATOR [-p PLACE] ARGS``; a failure raises PlaceError with its message.

    ``user`` acts as another lab user (labgrid's ``LG_USERNAME``), e.g. in tests.
    """
    command = [labgrid_tool("labgrid-client"), "-x", coordinator]
    if place:
        command += ["-p", place]
    command += list(args)
    try:
        env = dict(os.environ, LG_USERNAME=user) if user else None
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        raise PlaceError(f"labgrid-client {' '.join(args)}: no answer from coordinator {coordinator} "
                         f"within {timeout_s:g} s") from None
    if check and result.returncode != 0:
        raise PlaceError(client_message(result) or f"labgrid-client {' '.join(args)} failed")
    return result


def client_message(result: subprocess.CompletedProcess) -> str:
    """The one meaningful line of a labgrid-client failure (it also prints tracebacks)."""
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("labgrid-client: error", "labgrid-client: Error", "Server error", "Error")):
            return line.removeprefix("labgrid-client: ")
    return lines[-1] if lines else ""
