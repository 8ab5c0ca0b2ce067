"""``mimedi-qual bench up|down``: the simulated bench by hand, for a person or another tool.

``bench up`` starts every simulated service on loopback, prints where each
one is and serves until interrupted (Ctrl-C, SIGTERM or ``bench down``)::

    $ mimedi-qual bench up --json
    {"controller": "127.0.0.1:41234", ..., "pdu": "http://127.0.0.1:41241/outlet/{index}", ...}

With ``--json`` the first line of stdout is ONE JSON object, service name →
address, so a script can ``head -1`` it. ``bench down`` stops every bench
this user started with ``bench up`` (pid files in the runtime directory,
``$XDG_RUNTIME_DIR/mimedi-qual`` or ``/tmp/mimedi-qual-<uid>``).

Nothing outlives ``bench up``: the simulator is its child, tied to it by a
stdin pipe and PR_SET_PDEATHSIG (:mod:`mimedi_qual.simbench.launcher`).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from mimedi_qual.paths import project_paths

bench_app = typer.Typer(help="Start and stop the simulated bench by hand.", no_args_is_help=True)

STOP_TIMEOUT_S = 10.0
PID_FILE_GLOB = "bench-*.json"


def runtime_dir() -> Path:
    """Where ``bench up`` leaves its pid files (private to this user)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    path = Path(base) / "mimedi-qual" if base else Path(f"/tmp/mimedi-qual-{os.getuid()}")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _print_addresses(addresses: dict[str, str], as_json: bool) -> None:
    if as_json:
        print(json.dumps(addresses), flush=True)
        return
    width = max(len(name) for name in addresses)
    for name, address in addresses.items():
        print(f"{name:<{width}}  {address}")
    print("simulated bench up; Ctrl-C or `mimedi-qual bench down` stops it", flush=True)


def _publish(addresses: dict[str, str], export: str | None = None, place: str | None = None,
             profile=None) -> list:
    """Make the bench reachable beyond this shell: with ``--export``, as a labgrid place.

    Starts a labgrid exporter publishing every service under its name, creates
    the place on the coordinator (tagged with the bench id) and returns it, so
    ``bench up`` withdraws it when the bench goes down
    (:class:`mimedi_qual.lab.places.export.ExportedBench`).
    """
    if export is None:
        return []
    from mimedi_qual.lab.places.export import ExportedBench, resource_classes

    exported = ExportedBench(export, place, addresses, resource_classes(profile), bench_id=profile.bench.id).start()
    print(f"exported as place {place} on coordinator {export}", flush=True)
    return [exported]


@bench_app.command("up")
def up(
    bench: Annotated[Path | None, typer.Option(help="bench profile (default: the simulated bench)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="first line: one JSON object, service → address")] = False,
    export: Annotated[str | None, typer.Option(
        help="labgrid coordinator HOST:PORT: export the bench there as a place (needs --place)")] = None,
    place: Annotated[str | None, typer.Option(help="name of the place to export the bench as")] = None,
) -> None:
    """Start the simulated bench, print every service's address, serve until interrupted."""
    from mimedi_qual.campaign.preflight import load_bench_profile
    from mimedi_qual.errors import MimediQualError
    from mimedi_qual.simbench.launcher import SimulatedBenchError, SimulatedBenchProcess

    bench_path = bench or project_paths().default_bench
    try:
        profile = load_bench_profile(bench_path)   # and the controller and twin profiles it will load
    except MimediQualError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if profile.bench.kind != "simulated":
        typer.echo(f"error: {bench_path}: bench kind is {profile.bench.kind!r}, not simulated", err=True)
        raise typer.Exit(2)
    if (export is None) != (place is None):
        typer.echo("error: --export COORDINATOR and --place NAME go together", err=True)
        raise typer.Exit(2)

    pid_file = runtime_dir() / f"bench-{os.getpid()}.json"
    state_dir = runtime_dir() / f"state-{os.getpid()}"
    sim = SimulatedBenchProcess(bench_path, state_dir=state_dir)

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)   # also when started in the background (SIGINT ignored)
    published: list = []
    try:
        try:
            addresses = sim.start()
        except SimulatedBenchError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        pid_file.write_text(json.dumps({"pid": os.getpid(), "simulator_pid": sim.process.pid,
                                        "bench": str(bench_path), "addresses": addresses}))
        _print_addresses(addresses, as_json)
        try:
            published = _publish(addresses, export, place, profile)
        except Exception as exc:  # PlaceError, or no coordinator: say so, stop the bench
            typer.echo(f"error: cannot export the bench as place {place} on {export}: {exc}", err=True)
            raise typer.Exit(1) from None
        code = sim.process.wait()
        typer.echo(f"simulated bench stopped by itself (exit {code})", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        for item in published:
            item.close()
        sim.close()
        pid_file.unlink(missing_ok=True)
        _remove_tree(state_dir)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _is_bench_up(pid: int) -> bool:
    """The pid still belongs to a ``bench up`` (pids get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"bench" in cmdline and b"up" in cmdline


def _is_simulator(pid: int) -> bool:
    try:
        return b"mimedi_qual.simbench" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@bench_app.command("down")
def down() -> None:
    """Stop every simulated bench this user started with ``bench up``."""
    stopped = 0
    for pid_file in sorted(runtime_dir().glob(PID_FILE_GLOB)):
        try:
            info = json.loads(pid_file.read_text())
            pid = int(info["pid"])
        except (OSError, ValueError, KeyError):
            pid_file.unlink(missing_ok=True)
            continue
        if _alive(pid) and _is_bench_up(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
            simulator = int(info.get("simulator_pid", 0))
            if simulator and _alive(simulator) and _is_simulator(simulator):
                os.kill(simulator, signal.SIGKILL)
            stopped += 1
        pid_file.unlink(missing_ok=True)
    typer.echo(f"stopped {stopped} simulated bench{'es' if stopped != 1 else ''}")
    sys.stdout.flush()
