"""BioreactorStrategy: ask for a bench state instead of scripting power-up.

States, in order::

    off ──► powered ──► ready ──► running

* **off** — the PDU outlet feeding the controller is off.
* **powered** — the outlet is on; the controller may still be booting.
* **ready** — the service console answers ``status`` with ``state=READY`` (or
  ``RUNNING``) after a console login, the door switch of the rig reads
  *closed* (coil written, then read back: labgrid's ``ModbusCoilDriver.set``
  does not notice a failed write), and no interlock is active.
* **running** — ``STATus:OPERation?`` is ``RUNNING``; if it is not, the
  strategy sends ``START`` to the run module (``EXPANSION`` by default),
  which needs an operator login on the controller first.

Built on labgrid's own drivers: ``NetworkPowerDriver`` (``rest`` backend on
the simulated PDU), ``SerialDriver`` over a ``NetworkSerialPort`` with
``protocol: raw`` (labgrid's default is rfc2217) and ``ModbusCoilDriver``. A scenario asks::

    strategy = bench.strategy()
    strategy.transition("ready")

Transitions upward pass through every state below them; asking for the state
the bench is in does nothing. A failed transition leaves the strategy
*broken* (labgrid's ``never_retry``): the scenario becomes a deviation, and
the next scenario gets a clear ``StrategyError`` instead of a half-powered
bench. Waiting for the boot uses the bench clock (virtual time on a simulated
bench, wall time on a real one) and a wall-clock limit, so it ends on both.
"""

from __future__ import annotations

import enum
import os
import re
import time

import attr
from labgrid.factory import target_factory
from labgrid.step import step
from labgrid.strategy.common import Strategy, StrategyError, never_retry

from mimedi_qual.errors import InstrumentError

CONSOLE_PROMPT = "mimedi> "
# Both end at the line end: pexpect matches as soon as it can, so an open-ended pattern would match a
# line still arriving ("alarms=1" of "alarms=12").
STATUS_LINE = re.compile(rb"power=(?P<power>\w+) state=(?P<state>\w+) alarms=(?P<alarms>\d+)\r?\n")
VERSION_LINE = re.compile(rb"firmware (?P<firmware>\S+) modules (?P<modules>[^\r\n]*)\r?\n")
POLL_S = 0.2          # wall-clock pause between polls when the bench has no clock driver
BOOT_POLL_S = 2.0     # bench time between polls of a booting controller
CONSOLE_TIMEOUT_S = 5.0
READY_STATES = ("READY", "RUNNING")


class Status(enum.Enum):
    unknown = 0
    off = 1
    powered = 2
    ready = 3
    running = 4


@attr.s(frozen=True)
class ConsoleStatus:
    """What the console's ``status`` command says."""

    power: str = attr.ib()
    state: str = attr.ib()
    alarms: int = attr.ib()


def set_coil_checked(coil, value: bool, what: str) -> None:
    """Write a Modbus coil and read it back; a write that did not take is an error (labgrid's ``ModbusCoilDriver.set`` ignores pyModbusTCP's False)."""
    try:
        coil.set(value)
    except Exception as exc:  # labgrid raises ExecutionError; pyModbusTCP may say nothing at all
        raise StrategyError(f"{what}: writing coil to {int(value)} failed: {exc}") from exc
    actual = coil.get()
    if bool(actual) != bool(value):
        raise StrategyError(f"{what}: coil written {int(value)} but reads back {int(actual)}")


@attr.s(frozen=True)
class ConsoleVersion:
    """What the console's ``version`` command says: ``MiMedi BR1 firmware 2.3.0 modules SELECTION=1.4.2 ...``."""

    firmware: str = attr.ib()
    modules: dict = attr.ib()


@target_factory.reg_driver
@attr.s(eq=False)
class BioreactorStrategy(Strategy):
    """Move the bench between off, powered, ready and running.

    Args (from the bench profile's ``console`` section):
        console_user: service-console user name
        console_password_env: environment variable holding the console password
        console_password: the password itself (simulated benches only)
        boot_timeout_s: wall-clock limit for the controller to become READY
        run_module: the module started to reach ``running``
    """

    bindings = {
        "power": "PowerProtocol",
        "console": "ConsoleProtocol",
        "controller": "BioreactorProtocol",
        "door": {"DigitalOutputProtocol", None},
        "clock": {"ClockProtocol", None},
    }

    console_user = attr.ib(default="service", validator=attr.validators.instance_of(str))
    console_password_env = attr.ib(default="MIMEDI_CONSOLE_PASSWORD", validator=attr.validators.instance_of(str))
    console_password = attr.ib(default=None, validator=attr.validators.optional(attr.validators.instance_of(str)))
    boot_timeout_s = attr.ib(default=60.0, converter=float)
    run_module = attr.ib(default="EXPANSION", validator=attr.validators.instance_of(str))
    status = attr.ib(default=Status.unknown)

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._console_logged_in = False

    # -- transitions --------------------------------------------------------
    @never_retry
    @step(args=["status"])
    def transition(self, status, *, step):  # pylint: disable=redefined-outer-name
        if not isinstance(status, Status):
            status = Status[status]
        if status == Status.unknown:
            raise StrategyError(f"can not transition to {status}")
        if status == self.status and not (status in (Status.ready, Status.running) and not self._still_ready()):
            step.skip("nothing to do")
            return
        if status == Status.off:
            self._drop_connections()
            self.target.activate(self.power)
            self.power.off()
        elif status == Status.powered:
            self.target.activate(self.power)
            if not self.power.get():
                self._drop_connections()
                self.power.on()
        elif status == Status.ready:
            if self.status not in (Status.powered, Status.running):
                self.transition(Status.powered)
            self._wait_until_ready()
            self._close_door()
            self._check_no_interlock()
        elif status == Status.running:
            if self.status != Status.ready:
                self.transition(Status.ready)
            self._start_run()
        else:  # pragma: no cover - the enum has no other members
            raise StrategyError(f"no transition to {status}")
        self.status = status

    @never_retry
    @step(args=["status"])
    def force(self, status, *, step):  # pylint: disable=redefined-outer-name
        """Declare the bench to be in ``status`` without acting (it is known to be there)."""
        if not isinstance(status, Status):
            status = Status[status]
        self.target.activate(self.power)
        self.status = status

    @never_retry
    @step(args=["duration_s"])
    def power_cut(self, duration_s: float) -> None:
        """Cut the controller's power for ``duration_s`` of bench time, then restore it.

        Leaves the bench *powered* (booting): ask for ``ready`` next to wait
        for the boot. The controller's connections are dropped and reopened
        on next use, as after any power cycle.
        """
        self._drop_connections()
        self.target.activate(self.power)
        self.power.off()
        self.status = Status.off
        self._bench_wait(duration_s)
        self.power.on()
        self.status = Status.powered

    # -- the pieces ------------------------------------------------------------
    def _still_ready(self) -> bool:
        """Is a bench the strategy brought to *ready* still there? (Power may have gone and come back.)

        The console's ``status``: READY or RUNNING is. Anything else — booting (``RECOVERING``),
        silent (no power), a dropped console — is not: the strategy then re-establishes the bench
        from *powered* (waits for the boot, closes the door, checks the interlocks) and the
        controller's session is reopened (:class:`~mimedi_qual.lab.drivers.scpi.SCPIDriver`
        reconnects a broken link on its next command).
        """
        try:
            if self.console_status().state in READY_STATES:
                return True
        except Exception:  # noqa: BLE001 — a silent or dropped console is "not ready", said below
            pass
        self._console_logged_in = False
        self.target.deactivate(self.console)
        self.status = Status.powered
        return False

    def _drop_connections(self) -> None:
        """Close console and controller sessions: the device side closes them when power goes."""
        self.target.deactivate(self.console)
        self._console_logged_in = False
        transport = getattr(self.controller, "scpi", None) or self.controller
        self.target.deactivate(transport)

    def _bench_wait(self, duration_s: float) -> None:
        """Let bench time pass: the clock driver if the bench has one, else sleep."""
        if self.clock is not None:
            self.target.activate(self.clock)
            self.clock.wait_s(duration_s)
        else:
            time.sleep(duration_s)

    def _password(self) -> str:
        password = os.environ.get(self.console_password_env) or self.console_password
        if password is None:
            raise StrategyError(f"console password: set the environment variable {self.console_password_env}")
        return password

    def _console_login(self) -> None:
        console = self.console
        console.sendline("")
        index, _, _, _ = console.expect([r"login: ", CONSOLE_PROMPT], timeout=CONSOLE_TIMEOUT_S)
        if index == 0:
            console.sendline(self.console_user)
            console.expect(r"password: ", timeout=CONSOLE_TIMEOUT_S)
            console.sendline(self._password())
            index, _, _, _ = console.expect([CONSOLE_PROMPT, r"login: ", r"(?i)incorrect|denied"],
                                            timeout=CONSOLE_TIMEOUT_S)
            if index != 0:
                raise StrategyError(f"console login as {self.console_user!r} refused")
        self._console_logged_in = True

    @step(result=True)
    def console_status(self) -> ConsoleStatus:
        """Log in to the service console if needed and parse its ``status`` line."""
        self.target.activate(self.console)
        if not self._console_logged_in:
            self._console_login()
        self.console.sendline("status")
        _, _, match, _ = self.console.expect(STATUS_LINE.pattern.decode(), timeout=CONSOLE_TIMEOUT_S)
        self.console.expect(CONSOLE_PROMPT, timeout=CONSOLE_TIMEOUT_S)
        return ConsoleStatus(match.group("power").decode(), match.group("state").decode().upper(),
                             int(match.group("alarms")))

    @step(result=True)
    def console_version(self) -> ConsoleVersion:
        """The console's ``version`` line: controller firmware and each module's firmware (IQ evidence)."""
        self.target.activate(self.console)
        if not self._console_logged_in:
            self._console_login()
        self.console.sendline("version")
        _, _, match, _ = self.console.expect(VERSION_LINE.pattern.decode(), timeout=CONSOLE_TIMEOUT_S)
        self.console.expect(CONSOLE_PROMPT, timeout=CONSOLE_TIMEOUT_S)
        modules = dict(part.split("=", 1) for part in match.group("modules").decode().split() if "=" in part)
        return ConsoleVersion(match.group("firmware").decode(), modules)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.boot_timeout_s
        last = "no answer"
        while True:
            try:
                status = self.console_status()
                last = f"state={status.state}"
                if status.state in READY_STATES:
                    return
            except Exception as exc:  # booting: the console may be silent or drop us
                last = f"{type(exc).__name__}: {exc}"
                self._console_logged_in = False
                self.target.deactivate(self.console)
            if time.monotonic() >= deadline:
                raise StrategyError(f"controller not READY within {self.boot_timeout_s:g} s (last: {last})")
            self._poll_pause()

    def _close_door(self) -> None:
        if self.door is None:
            return
        self.target.activate(self.door)
        set_coil_checked(self.door, False, "door switch (close the door)")

    def _check_no_interlock(self) -> None:
        self.target.activate(self.controller)
        interlocks = self.controller.active_interlocks()
        if interlocks:
            raise StrategyError(f"bench not ready: interlock(s) active: {', '.join(interlocks)}")

    def _start_run(self) -> None:
        controller = self.controller
        self.target.activate(controller)
        if controller.operation_status() == "RUNNING":
            return
        try:
            controller.module_command(self.run_module, "START")
        except InstrumentError as exc:
            raise StrategyError(f"cannot start {self.run_module} to reach 'running' "
                                f"(an operator must be logged in on the controller): {exc}") from exc
        deadline = time.monotonic() + self.boot_timeout_s
        while controller.operation_status() != "RUNNING":
            if time.monotonic() >= deadline:
                raise StrategyError(f"controller not RUNNING {self.boot_timeout_s:g} s after START of "
                                    f"{self.run_module} (module state {controller.module_state(self.run_module)})")
            self._poll_pause()

    def _poll_pause(self) -> None:
        """Between two polls: bench time passes (a booting simulated controller needs it), a little wall time too."""
        if self.clock is not None:
            self._bench_wait(BOOT_POLL_S)
        time.sleep(POLL_S / 4)
