"""The labgrid daemons we start ourselves (coordinator, exporter): they die with us.

A daemon left behind would keep a place published, or a port taken, after the
campaign or test that started it is gone; so each child asks the kernel to
send it SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), and :func:`stop_daemon`
ends it politely, then firmly.

>>> process = start_daemon(["labgrid-coordinator", "--listen", "127.0.0.1:20408"], workdir, workdir / "log")  # doctest: +SKIP
>>> stop_daemon(process)                                                                                    # doctest: +SKIP
"""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

STOP_GRACE_S = 5.0
#: prctl option: the signal a child gets when its parent thread dies
PR_SET_PDEATHSIG = 1


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_daemon(command: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    """Start a labgrid daemon that dies with us (PR_SET_PDEATHSIG), logging to ``log``."""
    def die_with_parent():
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except OSError:
            pass   # not Linux: the daemon outlives a killed parent, close() still stops it

    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)


def stop_daemon(process: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL after ``STOP_GRACE_S``; nothing if it is not running."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
