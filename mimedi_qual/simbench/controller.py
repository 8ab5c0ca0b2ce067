"""SCPI command set of the simulated MiMédi bioreactor controller (MIMEDI BR1-CTRL).

The controller's own interface, the same on the real machine; the contract
is ``instruments/COMMANDS.md``. Behind it sits the real control core in
lockstep with the culture twin (:mod:`.world`).

* identity and configuration: ``*IDN?``, ``SYST:MOD:CAT?``, ``SYST:MOD:FIRM? <module>``,
  ``SYST:CONF:CHECK?``, ``SYST:TIME?`` (seconds since power-up);
* setpoints ``SOUR:TEMP|PH|DO|ROCK|CO2 <value>`` and their queries;
* the controller's probes ``MEAS:TEMP? PH? DO? ROCK? WEIG?`` and outputs ``OUTP:HEAT? CO2? O2? BASE? PERF?``;
* pumps ``PUMP:DISP <pump>,<mL>,<mL/min>``, ``PUMP:STAT? <pump>``;
* modules ``MOD:COMM <module>,<command>`` (refused → ``-221,"Settings conflict;<reason>"``), ``MOD:STAT?``;
* ``ALAR:ACT?``, ``ALAR:UNACK?``, ``ALAR:ACK``; ``INT:ACT?``; ``STAT:OPER?``;
* ``ACC:LOG <user>,<password>``, ``ACC:LOGO``, ``ACC:LEV?``; ``AUD:COUN?``, ``AUD:ENTR? <n>``;
* SUPERVISOR: alarm limits ``ALAR:LIM <alarm>,<value>`` / ``ALAR:LIM? <alarm>`` and loop modes
  ``LOOP:MODE <TEMP|PH|DO>,MAN,<output %>`` / ``LOOP:MODE <loop>,AUTO`` / ``LOOP:MODE? <loop>``;
* ADMIN: accounts ``ACC:USER:ADD <user>,<password>,<level>``, ``ACC:USER:DEL <user>``, ``ACC:USER:LIST?``;
* nobody: ``AUD:CLE`` (refused for every level, the attempt recorded);
* the control core's own scheduler statistics ``DIAG:TIM:PER?``, ``DIAG:TIM? <periods>`` (below).

Who may send which command — the login session, the access levels (anyone reads;
OPERATOR changes the process; SUPERVISOR alarm limits and loop modes; ADMIN
accounts; nobody clears the audit trail) and the ``<ACTION>_DENIED`` record of a
refusal — is :mod:`.access`, the base of the device; the audit trail and its
commands are :mod:`.audit`.

The pH loop's manual output has two owners: ``SOUR:CO2 <n>`` (an operator's
fixed CO2 blend) and ``LOOP:MODE PH,MAN`` (a supervisor's). They exclude each
other: while one holds the loop, the other is refused (-221 naming the holder).
Loop modes are kept like setpoints: a supervisor's manual mode survives setpoint
changes and a power cut (the world re-applies it at boot and the ``RECOVERY``
audit entry names the loops kept in manual), as do alarm limits (the core keeps
them over its reset) — after a power cut the controller is as it was left.

``DIAG:TIM? <periods>`` is what a firmware reports about its own scheduler: the
compiled control core (same parameters as the running one, a separate instance so
the culture's control is not disturbed) is stepped at ``realtime_period_s`` of the
bench profile on wall time for ``periods`` periods (:func:`~mimedi_qual.control.realtime.run_realtime`,
inputs held at the probes' current readings), and the reply is
``<jitter p99 µs>,<jitter max µs>,<latency p99 µs>,<latency max µs>,<missed deadlines>``.
The query blocks the controller's interface for that long, at most ``MAX_TIMING_WALL_S``.

Every change leaves an audit entry (who, what, old, new, reason).

>>> dev = ControllerDevice(identity, world)
>>> dev.handle("SOUR:TEMP 36.5"); dev.handle("SYST:ERR?")          # with require_login: true
'-203,"Command protected;needs OPERATOR or higher"'
>>> dev.handle("ACC:LOG op1,secret;SOUR:TEMP 36.5;SOUR:TEMP?")
'36.500'
"""

from __future__ import annotations

from mimedi_qual.control.codes import Alarm, Command, Interlock, Loop, Module
from mimedi_qual.control.parameters import build_controller
from mimedi_qual.control.realtime import NominalCulture, run_realtime
from mimedi_qual.profiles.bench import Identity, SimulatedProbe
from mimedi_qual.simbench.access import SUPERVISOR_ACTIONS, AccessControl
from mimedi_qual.simbench.audit import register_audit_commands
from mimedi_qual.simbench.lockstep import PUMP_NAMES
from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, SETTINGS_CONFLICT, ScpiError, parse_float
from mimedi_qual.simbench.error_model import Reading, seeded_rng
from mimedi_qual.simbench.world import SimulatedWorld

#: Limit alarms by the variable they watch: ALARm:LIMit takes these (codes.Alarm names).
LIMIT_ALARMS = {"TEMPERATURE": (Alarm.TEMPERATURE_HIGH, Alarm.TEMPERATURE_LOW),
                "PH": (Alarm.PH_HIGH, Alarm.PH_LOW), "DO": (Alarm.DO_HIGH, Alarm.DO_LOW)}
#: LOOP:MODE loop names → the core's loops; the output ranges of pH (split range: −100 CO2 … +100 base)
#: and DO (cascade: 0…100 rocking, 100…200 O2 enrichment) are the core's; the heater's is the profile's.
LOOPS = {"TEMP": Loop.TEMPERATURE, "PH": Loop.PH, "DO": Loop.DISSOLVED_OXYGEN}
LOOP_OUTPUT_RANGES = {Loop.PH: (-100.0, 100.0), Loop.DISSOLVED_OXYGEN: (0.0, 200.0)}
SETPOINT_RANGES = {             # what the firmware accepts; outside → -224
    "temperature_c": (4.0, 42.0),
    "ph": (6.0, 8.0),
    "do_pct": (0.0, 100.0),
    "rocking_rpm": (0.0, 40.0),
    "co2_pct": (0.0, 10.0),
}
MAX_PUMP_FLOW_ML_MIN = 100.0
DEFAULT_MODULE_FIRMWARE = "1.0.0"
MAX_TIMING_WALL_S = 30.0        # DIAG:TIM? runs at most this long on wall time


def _names(mask: int, enum) -> str:
    names = [member.name for member in enum if mask & (1 << member.value)]
    return ",".join(names) if names else "NONE"


class ControllerDevice(AccessControl):
    """The controller's SCPI interface on a simulated world; ``name`` is its instrument name on the bench."""

    def __init__(self, identity: Identity, world: SimulatedWorld, name: str = "controller"):
        super().__init__(identity.as_idn(), world, name)
        self.identity = identity
        errors = world.sim.reference.get(name, {})
        self.weight = Reading(errors.get("weight_g", SimulatedProbe()), seeded_rng(world.seed, f"{name}:weight"))
        self.rocking = Reading(errors.get("rocking_rpm", SimulatedProbe()), seeded_rng(world.seed, f"{name}:rocking"))
        register_audit_commands(self, world.audit, self._refuse_audit_clear)

        ctl = world.controller
        self.register("SYSTem:MODule:CATalog?", lambda a: ",".join(m.name for m in Module))
        self.register("SYSTem:MODule:FIRMware?", self._module_firmware)
        self.register("SYSTem:CONFiguration:CHECKsum?", lambda a: world.configuration_checksum)
        self.register("SYSTem:TIME?", lambda a: f"{ctl.time_s:.1f}")
        for key, header, fmt in (("temperature_c", "TEMPerature", "{:.3f}"), ("ph", "PH", "{:.3f}"),
                                 ("do_pct", "DO", "{:.2f}"), ("rocking_rpm", "ROCKing", "{:.2f}"),
                                 ("co2_pct", "CO2", "{:.2f}")):
            self.register(f"SOURce:{header}", lambda a, key=key: self._set_setpoint(key, a))
            self.register(f"SOURce:{header}?", lambda a, key=key, fmt=fmt: self._setpoint(key, fmt))
        self.register("MEASure:TEMPerature?", lambda a: f"{world.probe('TEMP'):.3f}")
        self.register("MEASure:PH?", lambda a: f"{world.probe('PH'):.3f}")
        self.register("MEASure:DO?", lambda a: f"{world.probe('DO'):.2f}")
        self.register("MEASure:ROCKing?", lambda a: f"{max(0.0, self.rocking(world.culture.rocking_rpm)):.2f}")
        self.register("MEASure:WEIGht?", lambda a: f"{self.weight(world.culture.mass_g):.1f}")
        outputs = world.core
        self.register("OUTPut:HEATer?", lambda a: f"{outputs.outputs['heater_pct']:.2f}")
        self.register("OUTPut:CO2?", lambda a: f"{outputs.outputs['co2_valve_pct']:.2f}")
        self.register("OUTPut:O2?", lambda a: f"{outputs.outputs['o2_enrichment_pct']:.2f}")
        self.register("OUTPut:BASE?", lambda a: f"{outputs.outputs['base_pump_ml_min']:.4f}")
        self.register("OUTPut:PERFusion?", lambda a: f"{outputs.outputs['perfusion_ml_min']:.4f}")
        self.register("PUMP:DISPense", self._dispense)
        self.register("PUMP:STATe?", self._pump_state)
        self.register("PUMP:STOP", self._stop_pump)
        self.register("PUMP:PRESsure?", lambda a: f"{world.core.pump_line_kpa(self._pump(a[0])):.1f}")
        self.register("MODule:COMMand", self._module_command)
        self.register("MODule:STATe?", lambda a: ctl.module_state(self._module(a[0])).name)
        self.register("ALARm:ACTive?", lambda a: _names(ctl.alarm_active_mask, Alarm))
        self.register("ALARm:UNACKnowledged?", lambda a: _names(ctl.alarm_unacked_mask, Alarm))
        self.register("ALARm:ACKNowledge", self._acknowledge)
        self.register("ALARm:LIMit", self._set_alarm_limit)
        self.register("ALARm:LIMit?", lambda a: f"{ctl.alarm_limit(self._limit_alarm(a[0])):g}")
        self.register("LOOP:MODE", self._set_loop_mode)
        self.register("LOOP:MODE?", lambda a: self._loop_mode(self._loop(a[0])))
        self.register("INTerlock:ACTive?", self._interlocks)
        self.register("STATus:OPERation?", lambda a: world.operation_status())
        self.register("DIAGnostic:TIMing:PERiod?", lambda a: f"{self.world.sim.controller.realtime_period_s:.6g}")
        self.register("DIAGnostic:TIMing?", self._timing)

    # ---------------------------------------------------------------- setpoints
    def _setpoint(self, key: str, fmt: str) -> str:
        value = self.world.nv_setpoints[key]
        if value is None:  # CO2 follows the pH loop: report the blend it makes
            full_scale_pct = 100.0 * self.world.culture.parameters["co2_valve_full_scale_fraction"]
            value = self.world.core.outputs["co2_valve_pct"] * full_scale_pct / 100.0
        return fmt.format(value)

    def _set_setpoint(self, key: str, args: list[str]) -> None:
        if key == "co2_pct" and args and args[0].upper() == "AUTO":
            value = None
        else:
            value = parse_float(args[0], key)
            low, high = SETPOINT_RANGES[key]
            if not low <= value <= high:
                raise ScpiError(ILLEGAL_PARAMETER, f"{key} {value} outside {low}..{high}")
        user = self._require(f"SETPOINT_{key.upper()}")
        if key == "co2_pct" and value is not None and Loop.PH in self.world.nv_loop_modes:
            self._audit(user, "SETPOINT_CO2_PCT_REFUSED", "", f"{value:g}", "pH loop in manual by LOOP:MODE")
            raise ScpiError(SETTINGS_CONFLICT, reason="the pH loop is in manual (LOOP:MODE PH): "
                                                      "a supervisor's LOOP:MODE PH,AUTO first")
        old = self.world.nv_setpoints[key]
        self.world.set_setpoint(key, value)
        self._audit(user, f"SETPOINT_{key.upper()}", "AUTO" if old is None else f"{old:g}",
                    "AUTO" if value is None else f"{value:g}")

    # ---------------------------------------------------------------- modules, pumps, alarms
    @staticmethod
    def _module(name: str) -> Module:
        try:
            return Module[name.strip().upper()]
        except KeyError:
            raise ScpiError(ILLEGAL_PARAMETER, f"no module {name!r}") from None

    def _module_firmware(self, args: list[str]) -> str:
        module = self._module(args[0])
        return self.world.sim.controller.module_firmware.get(module.name, DEFAULT_MODULE_FIRMWARE)

    def _module_command(self, args: list[str]) -> None:
        module = self._module(args[0])
        try:
            command = Command[args[1].strip().upper()]
        except KeyError:
            raise ScpiError(ILLEGAL_PARAMETER, f"no command {args[1]!r}") from None
        if command in (Command.NONE, Command.ACKNOWLEDGE):
            raise ScpiError(ILLEGAL_PARAMETER, f"{command.name} is not a module command")
        user = self._require(f"MODULE_{command.name}")
        old = self.world.controller.module_state(module).name
        result = self.world.controller.command(module, command)
        if not result.accepted:
            self._audit(user, f"MODULE_{command.name}_REFUSED", old, old, result.reason)
            raise ScpiError(SETTINGS_CONFLICT, reason=result.reason)
        self._audit(user, f"MODULE_{command.name}", f"{module.name}:{old}",
                    f"{module.name}:{self.world.controller.module_state(module).name}")

    def _pump(self, name: str) -> int:
        name = name.strip().upper()
        for index, pump in enumerate(PUMP_NAMES):
            if pump == name or pump[:4] == name:
                return index
        raise ScpiError(ILLEGAL_PARAMETER, f"no pump {name!r}")

    def _dispense(self, args: list[str]) -> None:
        pump = self._pump(args[0])
        volume_ml = parse_float(args[1], "volume")
        flow_ml_min = parse_float(args[2], "flow")
        if not (0.0 < volume_ml <= 5000.0 and 0.0 < flow_ml_min <= MAX_PUMP_FLOW_ML_MIN):
            raise ScpiError(ILLEGAL_PARAMETER, "volume 0..5000 mL, flow 0..100 mL/min")
        user = self._require(f"PUMP_DISPENSE_{PUMP_NAMES[pump]}")
        if self.world.door_open:
            raise ScpiError(SETTINGS_CONFLICT, reason="DOOR_OPEN interlock: pumps are stopped")
        if self.world.controller.interlock_mask & Interlock.PUMP_OCCLUSION:
            raise ScpiError(SETTINGS_CONFLICT, reason="PUMP_OCCLUSION interlock: a pump line is over pressure")
        if self.world.core.pump_state(pump)[0]:
            raise ScpiError(SETTINGS_CONFLICT, reason=f"pump {PUMP_NAMES[pump]} is already running")
        self.world.core.dispense(pump, volume_ml, flow_ml_min)
        self._audit(user, f"PUMP_DISPENSE_{PUMP_NAMES[pump]}", "", f"{volume_ml:g} mL at {flow_ml_min:g} mL/min")

    def _stop_pump(self, args: list[str]) -> None:
        pump = self._pump(args[0])
        user = self._require(f"PUMP_STOP_{PUMP_NAMES[pump]}")
        running, dispensed_ml = self.world.core.pump_state(pump)
        if running:
            self.world.core.stop_pump(pump)
            self._audit(user, f"PUMP_STOP_{PUMP_NAMES[pump]}", "RUNNING", f"IDLE,{dispensed_ml:.3f} mL")

    def _pump_state(self, args: list[str]) -> str:
        running, dispensed_ml = self.world.core.pump_state(self._pump(args[0]))
        return f"RUNNING,{dispensed_ml:.3f}" if running else "IDLE"

    def _acknowledge(self, args: list[str]) -> None:
        user = self._require("ALARM_ACKNOWLEDGE")
        old = _names(self.world.controller.alarm_unacked_mask, Alarm)
        self.world.controller.acknowledge()
        self._audit(user, "ALARM_ACKNOWLEDGE", old, _names(self.world.controller.alarm_unacked_mask, Alarm))

    def _interlocks(self, args: list[str]) -> str:
        mask = self.world.controller.interlock_mask
        names = []
        if mask & Interlock.DOOR_OPEN:
            names.append("DOOR_OPEN")
        if mask & Interlock.OVER_TEMPERATURE:
            names.append("OVER_TEMPERATURE")
        if mask & (Interlock.TEMPERATURE_SENSOR_FAILED | Interlock.PH_SENSOR_FAILED | Interlock.DO_SENSOR_FAILED):
            names.append("SENSOR_FAILED")
        if mask & Interlock.PUMP_OCCLUSION:
            names.append("PUMP_OCCLUSION")
        return ",".join(names) if names else "NONE"

    # ---------------------------------------------------------------- SUPERVISOR: alarm limits, loop modes
    @staticmethod
    def _limit_alarm(name: str) -> Alarm:
        """A limit alarm by its ``codes.Alarm`` name; anything else → -224 naming it."""
        name = name.strip().upper()
        for high, low in LIMIT_ALARMS.values():
            if name in (high.name, low.name):
                return Alarm[name]
        known = ", ".join(a.name for pair in LIMIT_ALARMS.values() for a in pair)
        raise ScpiError(ILLEGAL_PARAMETER, reason=f"no limit alarm {name!r} (one of {known})")

    def _set_alarm_limit(self, args: list[str]) -> None:
        """``ALARm:LIMit <alarm>,<value>``: SUPERVISOR; high stays above low, both within the probe's range."""
        alarm = self._limit_alarm(args[0])
        limit = parse_float(args[1], "alarm limit")
        variable, side = alarm.name.rsplit("_", 1)
        high, low = LIMIT_ALARMS[variable]
        sensor = {"TEMPERATURE": self.world.control_profile.temperature, "PH": self.world.control_profile.ph,
                  "DO": self.world.control_profile.dissolved_oxygen}[variable].sensor
        if not sensor.valid_min <= limit <= sensor.valid_max:
            raise ScpiError(ILLEGAL_PARAMETER, reason=f"{alarm.name} {limit:g} outside the probe's range "
                                                      f"{sensor.valid_min:g}..{sensor.valid_max:g}")
        ctl = self.world.controller
        partner = low if alarm is high else high
        partner_limit = ctl.alarm_limit(partner)
        if (alarm is high and limit <= partner_limit) or (alarm is low and limit >= partner_limit):
            relation = "above" if alarm is high else "below"
            raise ScpiError(ILLEGAL_PARAMETER, reason=f"{alarm.name} {limit:g} must be {relation} "
                                                      f"{partner.name} {partner_limit:g}")
        user = self._require(f"ALARM_LIMIT_{alarm.name}", SUPERVISOR_ACTIONS)
        old = ctl.alarm_limit(alarm)
        ctl.set_alarm_limit(alarm, limit)
        self._audit(user, f"ALARM_LIMIT_{alarm.name}", f"{old:g}", f"{limit:g}")

    @staticmethod
    def _loop(name: str) -> Loop:
        try:
            return LOOPS[name.strip().upper()]
        except KeyError:
            raise ScpiError(ILLEGAL_PARAMETER, reason=f"no loop {name.strip()!r} (one of {', '.join(LOOPS)})") from None

    def _loop_output_range(self, loop: Loop) -> tuple[float, float]:
        if loop is Loop.TEMPERATURE:
            t = self.world.control_profile.temperature
            return t.heater_min_pct, t.heater_max_pct
        return LOOP_OUTPUT_RANGES[loop]

    def _loop_mode(self, loop: Loop) -> str:
        """``AUTO`` or ``MAN,<output>``: a supervisor's manual mode, or the pH loop held by ``SOUR:CO2 <n>``."""
        output = self.world.nv_loop_modes.get(loop)
        co2_pct = self.world.nv_setpoints["co2_pct"]
        if output is None and loop is Loop.PH and co2_pct is not None:
            output = self.world.co2_loop_output(co2_pct)
        return "AUTO" if output is None else f"MAN,{output:.2f}"

    def _set_loop_mode(self, args: list[str]) -> None:
        """``LOOP:MODE <loop>,MAN,<output>`` / ``LOOP:MODE <loop>,AUTO``: SUPERVISOR.

        The pH loop has a second owner of its manual output: ``SOUR:CO2 <n>``
        (an operator's fixed CO2 blend). The two exclude each other — while
        one holds the loop the other is refused (-221, naming the holder),
        so neither silently undoes the other.
        """
        loop = self._loop(args[0])
        name = next(k for k, v in LOOPS.items() if v is loop)
        mode = args[1].strip().upper() if len(args) > 1 else ""
        if mode in ("MAN", "MANUAL"):
            output = parse_float(args[2], "loop output")
            low, high = self._loop_output_range(loop)
            if not low <= output <= high:
                raise ScpiError(ILLEGAL_PARAMETER, reason=f"{name} loop output {output:g} outside {low:g}..{high:g} %")
        elif mode == "AUTO":
            output = None
        else:
            raise ScpiError(ILLEGAL_PARAMETER, reason=f"loop mode must be MAN,<output> or AUTO, got {mode!r}")
        action = f"LOOP_MODE_{name}"
        user = self._require(action, SUPERVISOR_ACTIONS)
        old = self._loop_mode(loop).replace(",", " ")
        co2_pct = self.world.nv_setpoints["co2_pct"]
        if loop is Loop.PH and co2_pct is not None:
            reason = f"the pH loop's CO2 side is held by SOUR:CO2 {co2_pct:g}: SOUR:CO2 AUTO first"
            self._audit(user, f"{action}_REFUSED", old, old, reason)
            raise ScpiError(SETTINGS_CONFLICT, reason=reason)
        self.world.set_loop_mode(loop, output)
        self._audit(user, action, old, self._loop_mode(loop).replace(",", " "))

    # ---------------------------------------------------------------- diagnostics
    def _timing(self, args: list[str]) -> str:
        """Run the control core in real-time mode for N periods; its timing statistics."""
        period_s = self.world.sim.controller.realtime_period_s
        try:
            periods = int(args[0]) if args else 0
        except ValueError:
            raise ScpiError(ILLEGAL_PARAMETER, "periods") from None
        if not 2 <= periods <= int(MAX_TIMING_WALL_S / period_s):
            raise ScpiError(ILLEGAL_PARAMETER, f"periods 2..{int(MAX_TIMING_WALL_S / period_s)}")
        profile = self.world.control_profile.model_copy(update={"period_s": period_s})
        core = build_controller(profile)
        world = self.world
        inputs = NominalCulture(temperature_c=world.probe("TEMP"), ph=world.probe("PH"), do_pct=world.probe("DO"),
                                cell_density_e6_per_ml=world.culture.viable_cells_per_ml / 1e6)
        report = run_realtime(core, period_s=period_s, periods=periods, read_inputs=inputs)
        return (f"{report.period_jitter_us.p99:.1f},{report.period_jitter_us.max:.1f},"
                f"{report.step_latency_us.p99:.1f},{report.step_latency_us.max:.1f},{report.missed_deadlines}")

    def reset(self) -> None:
        """``*RST`` changes nothing in the process: a bioreactor must not drop its culture."""
