"""Holding a place for a campaign: acquire it, read its devices' addresses, always release it.

A campaign acquires the place it is told (``--coordinator … --place …``),
refusing one tagged as another bench than its profile describes; if someone
else holds it, it waits up to ``--wait`` seconds, then fails naming the
holder. It releases the place whatever happens — a failure, Ctrl-C, or a
SIGTERM (:func:`sigterm_as_interrupt` turns it into KeyboardInterrupt so the
``finally`` runs).

>>> with PlaceLease("127.0.0.1:20408", "bench-a", expected_bench="SIM-BENCH-01") as lease:   # doctest: +SKIP
...     lease.addresses["controller"]
'127.0.0.1:5025'
"""

from __future__ import annotations

import contextlib
import signal
import time

import yaml

from mimedi_qual.lab.places.client import PlaceError, client, client_message
from mimedi_qual.lab.places.export import BENCH_TAG

ACQUIRE_POLL_S = 2.0


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
            message = client_message(shown)
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
            message = client_message(result)
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
    def interrupt(_signum, _frame):
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
