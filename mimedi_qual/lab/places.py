"""Many benches: export a bench as a labgrid *place*; acquire a place for a campaign.

labgrid's own coordinator keeps the list of places and who holds each one;
an exporter on each lab PC publishes that PC's bench. A campaign acquires a
place, takes the device addresses from it, runs, and releases it — whatever
happens (failure, Ctrl-C, SIGTERM)::

    # once per lab, on any machine (TRAPS 13: loopback or a trusted network, temp working dir)
    labgrid-coordinator --listen 127.0.0.1:20408

    # on each bench PC: start the (simulated) bench and publish it as a place
    mimedi-qual bench up --export 127.0.0.1:20408 --place bench-a

    # anywhere: run a campaign on whichever place you name
    mimedi-qual run --coordinator 127.0.0.1:20408 --place bench-a

What a place holds: one labgrid resource per device of the bench, under the
device's name in the bench profile. Our own resource classes
(``SCPITCPInstrument``, ``MTSICSTCPInstrument``, ``SimulationControlPort``)
are ``NetworkResource`` s: the exporter publishes unknown classes as plain
parameters (host, port) without importing them, and a client that wants to
rebuild them only needs ``imports: [mimedi_qual.lab]``. The PDU, Modbus I/O
and console are exported as labgrid's ``NetworkPowerPort``, ``ModbusTCPCoil``
and ``NetworkSerialPort`` (raw). The place is tagged ``bench=<bench id>``;
a campaign refuses a place whose tag names another bench than its profile.

A campaign does not use ``RemotePlace`` in its environment: it reads the
acquired place's resources once (``labgrid-client env``), turns them into
the name → address map the simulated bench also produces, and builds the
same local environment as always (:mod:`mimedi_qual.lab.environment`). The
place is the *lock*; the bench profile stays the single description of the
bench. Every labgrid-client call is a subprocess of the same labgrid
version (all components must match, TRAPS 13).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

CLIENT_TIMEOUT_S = 30.0
COORDINATOR_START_S = 15.0
EXPORT_VISIBLE_S = 20.0
ACQUIRE_POLL_S = 2.0
BENCH_TAG = "bench"


class PlaceError(RuntimeError):
    """A place could not be created, found, acquired or released; the message says why."""


def _labgrid_tool(name: str) -> str:
    """The labgrid command next to our Python (same venv, same labgrid version)."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def client(coordinator: str, *args: str, place: str | None = None, check: bool = True,
           timeout_s: float = CLIENT_TIMEOUT_S, user: str | None = None) -> subprocess.CompletedProcess:
    """Run ``labgrid-client -x COORDINATOR [-p PLACE] ARGS``; a failure raises PlaceError with its message.

    ``user`` acts as another lab user (labgrid's ``LG_USERNAME``), e.g. in tests.
    """
    command = [_labgrid_tool("labgrid-client"), "-x", coordinator]
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
        raise PlaceError(_client_message(result) or f"labgrid-client {' '.join(args)} failed")
    return result


def _client_message(result: subprocess.CompletedProcess) -> str:
    """The one meaningful line of a labgrid-client failure (it also prints tracebacks)."""
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("labgrid-client: error", "labgrid-client: Error", "Server error", "Error")):
            return line.removeprefix("labgrid-client: ")
    return lines[-1] if lines else ""


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _child(command: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    """Start a labgrid daemon that dies with us (PR_SET_PDEATHSIG), logging to ``log``."""
    def die_with_parent():
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)
        except OSError:
            pass

    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Coordinator:
    """A labgrid coordinator on loopback, in its own temporary working directory (it writes state files there).

    For tests and for a one-machine lab; a shared lab runs ``labgrid-coordinator`` as a service.

    >>> with Coordinator() as coordinator:
    ...     coordinator.address
    '127.0.0.1:39411'
    """

    def __init__(self, port: int | None = None):
        self.port = port or free_loopback_port()
        self.address = f"127.0.0.1:{self.port}"
        self.workdir = Path(tempfile.mkdtemp(prefix="mimedi-coordinator-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> Coordinator:
        self.process = _child([_labgrid_tool("labgrid-coordinator"), "--listen", self.address],
                              self.workdir, self.workdir / "coordinator.log")
        deadline = time.monotonic() + COORDINATOR_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PlaceError(f"labgrid-coordinator exited: {(self.workdir / 'coordinator.log').read_text()}")
            if client(self.address, "places", check=False, timeout_s=5).returncode == 0:
                return self
            time.sleep(0.2)
        self.close()
        raise PlaceError(f"labgrid-coordinator did not answer on {self.address} within {COORDINATOR_START_S:g} s")

    def close(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Coordinator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


# -- exporting a bench ----------------------------------------------------------

def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def exporter_config(place: str, addresses: dict[str, str], kinds: dict[str, str]) -> dict:
    """The labgrid exporter configuration publishing ``addresses`` as group ``place``.

    ``kinds`` maps a device name to its labgrid resource class; devices not
    named there are SCPI instruments.

    >>> exporter_config("bench-a", {"thermometer": "127.0.0.1:5025"}, {})
    {'bench-a': {'thermometer': {'cls': 'SCPITCPInstrument', 'host': '127.0.0.1', 'port': 5025}}}
    """
    group: dict[str, dict] = {}
    for name, address in addresses.items():
        cls = kinds.get(name, "SCPITCPInstrument")
        if cls == "NetworkPowerPort":
            group[name] = {"cls": cls, "model": "rest", "host": address, "index": 0}
        elif cls == "ModbusTCPCoil":
            group[name] = {"cls": cls, "host": address, "coil": 0}
        else:
            host, port = _split(address)
            group[name] = {"cls": cls, "host": host, "port": port}
            if cls == "NetworkSerialPort":
                group[name]["protocol"] = "raw"
    return {place: group}


def resource_classes(profile) -> dict[str, str]:
    """Device name → exported resource class, for a simulated bench's address map."""
    from mimedi_qual.lab.environment import SIMCTL, SIM_KEYS

    classes = {SIMCTL: "SimulationControlPort"}
    for key in SIM_KEYS["power"]:
        classes[key] = "NetworkPowerPort"
    for key in SIM_KEYS["digital_io"]:
        classes[key] = "ModbusTCPCoil"
    for key in SIM_KEYS["console"]:
        classes[key] = "NetworkSerialPort"
    for name, instrument in profile.instruments.items():
        if instrument.transport == "mt-sics-tcp":
            classes[name] = "MTSICSTCPInstrument"
    return classes


class ExportedBench:
    """A bench published as a place: exporter process + place on the coordinator. ``close()`` withdraws both.

    >>> exported = ExportedBench("127.0.0.1:20408", "bench-a", addresses, classes, bench_id="SIM-BENCH-01")
    >>> exported.start()
    >>> exported.close()
    """

    def __init__(self, coordinator: str, place: str, addresses: dict[str, str], classes: dict[str, str],
                 bench_id: str):
        self.coordinator = coordinator
        self.place = place
        self.addresses = addresses
        self.classes = classes
        self.bench_id = bench_id
        self.exporter_name = f"{socket.gethostname()}-{place}"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"mimedi-export-{place}-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> ExportedBench:
        places = client(self.coordinator, "places").stdout.split()
        if self.place in places:
            raise PlaceError(f"place {self.place} already exists on {self.coordinator}: choose another name "
                             f"or delete it (labgrid-client -x {self.coordinator} -p {self.place} delete)")
        config = self.workdir / "exporter.yaml"
        config.write_text(yaml.safe_dump(exporter_config(self.place, self.addresses, self.classes)))
        self.process = _child([_labgrid_tool("labgrid-exporter"), "-c", self.coordinator,
                               "--name", self.exporter_name, "--hostname", "127.0.0.1", str(config)],
                              self.workdir, self.workdir / "exporter.log")
        try:
            client(self.coordinator, "create", place=self.place)
            client(self.coordinator, "add-match", f"{self.exporter_name}/{self.place}/*", place=self.place)
            client(self.coordinator, "set-tags", f"{BENCH_TAG}={self.bench_id}", place=self.place)
            self._wait_visible()
        except BaseException:
            self.close()
            raise
        return self

    def _wait_visible(self) -> None:
        """Until every device is listed by the coordinator (the exporter registers asynchronously)."""
        deadline = time.monotonic() + EXPORT_VISIBLE_S
        while True:
            if self.process.poll() is not None:
                raise PlaceError(f"labgrid-exporter exited: {(self.workdir / 'exporter.log').read_text()[-2000:]}")
            listing = client(self.coordinator, "-v", "resources", check=False).stdout
            if all(f"{self.exporter_name}/{self.place}/{self.classes.get(n, 'SCPITCPInstrument')}[/{n}]" in listing
                   for n in self.addresses):
                return
            if time.monotonic() > deadline:
                raise PlaceError(f"exported resources of {self.place} not visible on {self.coordinator} "
                                 f"within {EXPORT_VISIBLE_S:g} s")
            time.sleep(0.3)

    def close(self) -> None:
        try:
            client(self.coordinator, "delete", place=self.place, check=False, timeout_s=10)
        except PlaceError:
            pass  # coordinator gone: nothing left to withdraw there
        _stop(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)


# -- acquiring a place -----------------------------------------------------------

def addresses_from_env(env_yaml: str) -> dict[str, str]:
    """Device name → address from ``labgrid-client env`` output (the acquired place's resources).

    >>> addresses_from_env('''targets: {p: {resources: [
    ...   {SCPITCPInstrument: {name: controller, host: 127.0.0.1, port: 5025}},
    ...   {NetworkPowerPort: {name: pdu, host: "http://127.0.0.1:80/outlet/{index}", index: 0, model: rest}}]}}''')
    {'controller': '127.0.0.1:5025', 'pdu': 'http://127.0.0.1:80/outlet/{index}'}
    """
    config = yaml.safe_load(env_yaml) or {}
    addresses: dict[str, str] = {}
    for target in (config.get("targets") or {}).values():
        for entry in target.get("resources") or []:
            for cls, args in entry.items():
                name = args.get("name", cls)
                host = str(args.get("host", ""))
                if host.startswith(("http://", "https://")) or "port" not in args:
                    addresses[name] = host
                else:
                    addresses[name] = f"{host}:{args['port']}"
    return addresses


class PlaceLease:
    """Hold a place for the length of a ``with`` block; always release it.

    If someone else holds the place, wait up to ``wait_s`` (polling), then fail
    with the holder's name. ``addresses`` is the place's name → address map.

    >>> with PlaceLease("127.0.0.1:20408", "bench-a", expected_bench="SIM-BENCH-01") as lease:
    ...     Bench.open(profile, path, campaign_dir, addresses=lease.addresses)
    """

    def __init__(self, coordinator: str, place: str, wait_s: float = 0.0, expected_bench: str | None = None,
                 on_wait=None):
        self.coordinator = coordinator
        self.place = place
        self.wait_s = wait_s
        self.expected_bench = expected_bench
        self.on_wait = on_wait
        self.addresses: dict[str, str] = {}
        self.acquired = False

    def _tags(self) -> dict[str, str]:
        shown = client(self.coordinator, "show", place=self.place, check=False)
        if shown.returncode != 0:
            message = _client_message(shown)
            raise PlaceError(f"place {self.place} on coordinator {self.coordinator}: {message}")
        for line in shown.stdout.splitlines():
            line = line.strip()
            if line.startswith("tags:"):
                return dict(part.split("=", 1) for part in line[len("tags:"):].split() if "=" in part)
        return {}

    def acquire(self) -> PlaceLease:
        tags = self._tags()
        if self.expected_bench and tags.get(BENCH_TAG) not in (None, self.expected_bench):
            raise PlaceError(f"place {self.place} is bench {tags[BENCH_TAG]}, but the bench profile describes "
                             f"{self.expected_bench}: refusing to run with the wrong equipment register")
        deadline = time.monotonic() + self.wait_s
        while True:
            result = client(self.coordinator, "acquire", place=self.place, check=False)
            if result.returncode == 0:
                self.acquired = True
                break
            message = _client_message(result)
            held = "already acquired" in message
            if not held or time.monotonic() >= deadline:
                if held and "You have already acquired" in message:
                    raise PlaceError(
                        f"place {self.place} is already held by this user on this host: another campaign here, "
                        f"or one that was killed (then free it: labgrid-client -x {self.coordinator} "
                        f"-p {self.place} release); waited {self.wait_s:g} s")
                if held:
                    raise PlaceError(f"place {self.place} is held by someone else ({message.split(': ', 1)[-1]}); "
                                     f"waited {self.wait_s:g} s. Use --wait SECONDS to wait longer, or another place.")
                raise PlaceError(f"cannot acquire place {self.place}: {message}")
            if self.on_wait:
                self.on_wait(message)
            time.sleep(ACQUIRE_POLL_S)
        try:
            self.addresses = addresses_from_env(client(self.coordinator, "env", place=self.place).stdout)
            if not self.addresses:
                raise PlaceError(f"place {self.place} has no resources (is its exporter running?)")
        except BaseException:
            self.release()
            raise
        return self

    def release(self) -> None:
        if not self.acquired:
            return
        self.acquired = False
        client(self.coordinator, "release", place=self.place, check=False)

    def __enter__(self) -> PlaceLease:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Within the block SIGTERM raises KeyboardInterrupt, so ``finally`` (release the place) runs."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
