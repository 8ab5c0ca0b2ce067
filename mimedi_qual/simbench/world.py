"""The simulated world: virtual clock, control core and culture twin in lockstep, plus the bench around them.

Time only moves when the simulation channel says so (``advance``), or with
the wall clock in real-time mode. Each control period the real control core
(:mod:`mimedi_qual.control`) reads its probes and drives the culture twin
(:mod:`mimedi_qual.twin.culture`) — compiled together in :mod:`.lockstep`.
Everything the bench's devices report is read from here, at the current
virtual time: the reference instruments read the twin's true values through
their own error models (:mod:`.error_model`), the controller reads its own probes.

The world also holds what is *around* the controller: the PDU outlet and
mains that power it (a cut stops the controller, the culture keeps evolving
and cools), the door switch, the balance under the receiving vessel, the
gas-supply pressures, and the record of injected faults.

>>> world = SimulatedWorld.from_profile(load_bench("profiles/benches/sim.yaml"), state_dir)
>>> world.load_fresh_bag(); world.advance(3 * 3600.0)
>>> round(world.culture.temperature_c)
37
>>> world.inject_fault("HEATER_FAIL"); world.advance(3600.0)
>>> world.culture.temperature_c < 36.0
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mimedi_qual.control.codes import ALARM_KINDS, Alarm, Command, Loop, Module, ModuleState
from mimedi_qual.control.parameters import build_controller
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.simbench.audit import AuditTrail
from mimedi_qual.simbench.error_model import seeded_rng
from mimedi_qual.simbench.faults import FaultLog
from mimedi_qual.simbench.lockstep import PROBE_NAMES, PUMP_NAMES, LockstepCore
from mimedi_qual.simbench.simulation_profiles import simulation_profiles
from mimedi_qual.twin.culture import Culture, CultureFault

#: Module states in which a module counts as running (resumed after a power cut).
ACTIVE_STATES = frozenset(ModuleState) - {ModuleState.IDLE, ModuleState.COMPLETED, ModuleState.STOPPED,
                                          ModuleState.ABORTED, ModuleState.ABORTING, ModuleState.STOPPING}

class FaultError(ValueError):
    """A fault injection the world cannot carry out (unknown fault, bad target or value)."""


class SimulatedWorld:
    """Owner of virtual time; everything simulated reads its state."""

    def __init__(self, bench: BenchProfile, state_dir: Path):
        sim = bench.simulation
        if sim is None:
            raise ValueError(f"bench {bench.bench.id} has no simulation section")
        self.bench = bench
        self.sim = sim
        self.seed = sim.seed
        self.time_s = 0.0
        self.mode = sim.mode
        self.faults = FaultLog()
        cfg = sim.controller
        unknown = sorted(set(sim.reference) - set(bench.instruments))
        if unknown:  # a typo would silently give a perfect instrument
            raise ValueError(f"simulation.reference names no instrument of the bench: {', '.join(unknown)}")

        # -- control core, from its profile with the bench's overrides
        profiles = simulation_profiles(bench)      # the controller's and the twin's, as preflight checked them
        profile = profiles.controller
        temperature = {"setpoint_c": cfg.initial_setpoint_c}
        for name, key in (("kp", "kp_pct_per_c"), ("ki", "ki_pct_per_c_s"), ("kd", "kd_pct_s_per_c")):
            if getattr(cfg, name) is not None:
                temperature[key] = getattr(cfg, name)
        profile = profile.model_copy(update={
            "period_s": cfg.control_period_s,
            "temperature": profile.temperature.model_copy(update=temperature),
        })
        self.control_profile = profile
        self.period_s = cfg.control_period_s
        self.controller = build_controller(profile)

        # -- culture twin, the bench's bag
        plant = sim.plant
        twin = profiles.twin
        self.culture = Culture.from_profile(
            twin, rng=seeded_rng(self.seed, "donor"),
            volume_ml=plant.mass_g / twin.vessel.medium_density_g_per_ml.value,
            viable_cells_per_ml=plant.viable_cells_per_ml,
            viability=plant.viability, temperature_c=plant.initial_temperature_c,
            co2_fraction=plant.co2_fraction,
            overrides={"ua_w_per_k": plant.ua_w_per_k, "heater_max_w": plant.heater_max_w,
                       "ambient_c": plant.ambient_c})
        # -- the batch record of the bag: when it was loaded, the plant faults it lived through
        self.bag_loaded_at_s = 0.0
        self.plant_events: list[tuple[float, CultureFault, bool]] = []   # (time s, fault, active)
        self.core = LockstepCore(self.controller, self.culture, rng=seeded_rng(self.seed, "controller-probes"),
                                 rocking_angle_deg=plant.rocking_angle_deg)
        self.core.set_probe(0, cfg.probe_offset_c, cfg.probe_noise_c)
        self.core.set_probe(1, cfg.ph_probe.offset, cfg.ph_probe.noise)
        self.core.set_probe(2, cfg.do_probe.offset, cfg.do_probe.noise)
        lines = sim.pump_lines
        self.core.line_resistance_kpa_per_ml_min = lines.resistance_kpa_per_ml_min
        self.core.line_compliance_ml_per_kpa = lines.compliance_ml_per_kpa
        self.core.pump_stall_kpa = lines.stall_kpa

        # -- the controller's non-volatile memory: setpoints, running modules, audit trail
        self.state_dir = Path(state_dir)
        self.audit = AuditTrail(self.state_dir / "controller-audit.jsonl")
        self.nv_setpoints = {"temperature_c": cfg.initial_setpoint_c, "ph": profile.ph.setpoint,
                             "do_pct": profile.dissolved_oxygen.setpoint_pct,
                             "rocking_rpm": profile.dissolved_oxygen.rocking_min_rpm, "co2_pct": None}
        self.nv_running_modules: list[str] = []
        #: loops a supervisor put in manual (LOOP:MODE) → their output; kept like the setpoints, across
        #: setpoint changes and power cuts (recovery restores them and names them in its audit entry)
        self.nv_loop_modes: dict[Loop, float] = {}

        # -- power: the PDU outlet feeding the controller, and the mains
        self.outlets = {i: True for i in range(1, sim.services.pdu_outlets + 1)}
        self.controller_outlet = sim.services.controller_outlet
        self.outlets[self.controller_outlet] = True
        self.mains_ok = True
        self.boot_done_at_s: float | None = None     # set while booting
        self.powered_off_at_s: float | None = None
        self.powered_on_at_s = 0.0
        self.on_power_change: list = []              # callbacks(powered: bool) for the servers

        # -- the rig around the controller
        self.door_open = False
        self.gas_supply_ok = {"CO2": True, "O2": True}
        self._feed_supply_pressures()

        for name in cfg.running_modules:
            self.controller.command(Module[name.upper()], Command.START)
        self._apply_setpoints()
        self._handover_pending = bool(cfg.running_modules) and self._hand_over_warm()
        self.core.refresh_probes()

    @classmethod
    def from_profile(cls, bench: BenchProfile, state_dir: Path) -> SimulatedWorld:
        return cls(bench, state_dir)

    # ---------------------------------------------------------------- time
    def utc_now(self):
        """The controller's real-time clock now: bench time mapped to UTC (:class:`.audit.AuditTrail`)."""
        return self.audit.utc_at(self.time_s)

    def advance(self, duration_s: float) -> None:
        """Run controller and twin in lockstep for ``duration_s`` of virtual time."""
        if duration_s < 0:
            raise ValueError("time only moves forward")
        end_s = self.time_s + duration_s
        while end_s - self.time_s > 1e-9:
            stop_s = end_s
            if self.boot_done_at_s is not None and self.boot_done_at_s <= stop_s:
                stop_s = self.boot_done_at_s
            self._run_until(stop_s)
            self._record_alarm_events()
            if self.boot_done_at_s is not None and self.time_s >= self.boot_done_at_s - 1e-9:
                self._finish_boot()

    def _record_alarm_events(self) -> None:
        """The firmware's audit trail of its alarms: each raised and cleared alarm, at its control period."""
        events, lost = self.core.drain_alarm_events()
        for controller_time_s, raised, cleared in events:
            time_s = self.time_s - (self.controller.time_s - controller_time_s)   # the event's bench time
            for alarm in Alarm:
                if cleared & (1 << alarm):
                    self.audit.append(time_s, "SYSTEM", "ALARM_CLEARED", alarm.name, "", "condition gone")
                if raised & (1 << alarm):
                    self.audit.append(time_s, "SYSTEM", "ALARM_RAISED", "", alarm.name, "")
        if lost:
            self.audit.append(self.time_s, "SYSTEM", "ALARM_EVENTS_LOST", "", str(lost),
                              "more alarm changes than the event ring holds between two records")

    def _hand_over_warm(self) -> bool:
        """A bench handed over *running* has its temperature loop warm, not cold-started.

        The heater output that holds the setpoint follows from the plant (UA,
        heater power, room): hold it in manual for the first period, then back
        to automatic — bumpless, the integrator has tracked it.
        """
        p = self.culture.parameters
        holding_pct = 100.0 * p["ua_w_per_k"] * (self.nv_setpoints["temperature_c"] - p["ambient_c"]) / p["heater_max_w"]
        self.controller.set_manual(Loop.TEMPERATURE, min(100.0, max(0.0, holding_pct)))
        return True

    def _run_until(self, stop_s: float) -> None:
        n_steps = int((stop_s - self.time_s) / self.period_s + 1e-9)
        if n_steps and self._handover_pending:
            self.core.advance(1, self.period_s)
            self.time_s += self.period_s
            self.controller.set_auto(Loop.TEMPERATURE)
            self._handover_pending = False
            n_steps -= 1
        if n_steps:
            self.core.advance(n_steps, self.period_s)
            self.time_s += n_steps * self.period_s
        remainder_s = stop_s - self.time_s
        if remainder_s > 1e-9:
            # A partial period: one shorter lockstep step (the controller is told its dt).
            self.core.advance(1, remainder_s)
            self.time_s = stop_s
        # The core stepped the culture's kernel behind the Culture's back: an empty
        # set_state() is the public way to make it forget any cached true values.
        self.culture.set_state()

    # ---------------------------------------------------------------- the bag
    def load_fresh_bag(self) -> None:
        """A new bag, filled with medium at room temperature, is placed on the plate."""
        self.culture.set_state(temperature_c=self.sim.plant.ambient_c)
        self.core.refresh_probes()
        self.bag_loaded_at_s = self.time_s
        self.plant_events = [(self.time_s, f, True) for f in self.culture.active_faults]

    def _plant_fault(self, fault: CultureFault, active: bool) -> None:
        """Inject or clear a plant fault in the culture, and note it in the bag's batch record."""
        (self.culture.inject if active else self.culture.clear)(fault)
        self.plant_events.append((self.time_s, CultureFault(fault), active))

    def batch_record(self) -> tuple[float, tuple[tuple[float, CultureFault, bool], ...]]:
        """(seconds the current bag has been on the plate, its plant faults as (s since load, fault, active))."""
        start = self.bag_loaded_at_s
        return self.time_s - start, tuple((max(t - start, 0.0), f, a) for t, f, a in self.plant_events)

    # ---------------------------------------------------------------- power
    @property
    def controller_powered(self) -> bool:
        return self.outlets[self.controller_outlet] and self.mains_ok

    @property
    def booting(self) -> bool:
        return self.boot_done_at_s is not None

    @property
    def controller_answers(self) -> bool:
        """The controller's interfaces are up (powered, booting or booted)."""
        return self.controller_powered

    def set_outlet(self, index: int, on: bool) -> None:
        if index not in self.outlets:
            raise KeyError(index)
        was = self.controller_powered
        self.outlets[index] = on
        self._power_changed(was)

    def _set_mains(self, ok: bool) -> None:
        was = self.controller_powered
        self.mains_ok = ok
        self._power_changed(was)

    def _power_changed(self, was_powered: bool) -> None:
        now = self.controller_powered
        if was_powered and not now:
            self.nv_running_modules = [m.name for m in Module
                                       if self.controller.module_state(m) in ACTIVE_STATES]
            self.powered_off_at_s = self.time_s
            self.boot_done_at_s = None
            self.core.controller_powered = False
            self.core.clear_outputs()
            self._plant_fault(CultureFault.POWER_LOST, True)
            self.audit.forget()
        elif now and not was_powered:
            self.powered_on_at_s = self.time_s
            self.boot_done_at_s = self.time_s + self.sim.controller.boot_time_s
            self.audit.load()
            self.controller.reset()
            if self.boot_done_at_s <= self.time_s:
                self._finish_boot()
        if now != was_powered:
            for callback in self.on_power_change:
                callback(now)

    def _finish_boot(self) -> None:
        """End of boot: recover per the firmware's policy, then control again."""
        self.boot_done_at_s = None
        self._plant_fault(CultureFault.POWER_LOST, False)
        self.controller.reset()
        self._apply_setpoints()
        off_s = (self.powered_on_at_s - self.powered_off_at_s) if self.powered_off_at_s is not None else 0.0
        self.audit.append(self.time_s, "SYSTEM", "POWER_FAILURE", "ON", "OFF",
                          f"power restored after {off_s:.0f} s off")
        resumed = []
        if self.sim.controller.power_recovery == "resume":
            for name in self.nv_running_modules:
                if self.controller.command(Module[name], Command.START).accepted:
                    resumed.append(name)
        manual = "+".join(Loop(loop).name for loop in self.nv_loop_modes)
        self.audit.append(self.time_s, "SYSTEM", "RECOVERY", "",
                          "+".join(resumed) or "SAFE_STATE", f"policy {self.sim.controller.power_recovery}"
                          + (f"; loops kept in manual: {manual}" if manual else ""))
        self.core.controller_powered = True

    def _apply_setpoints(self) -> None:
        sp = self.nv_setpoints
        self.controller.set_temperature_setpoint(sp["temperature_c"])
        self.controller.set_ph_setpoint(sp["ph"])
        self.controller.set_do_setpoint(sp["do_pct"])
        self.core.set_rocking_min_rpm(sp["rocking_rpm"])
        self._apply_co2(sp["co2_pct"])
        for loop, output in self.nv_loop_modes.items():   # a supervisor's manual mode is not undone
            self.controller.set_manual(loop, output)

    def co2_loop_output(self, co2_pct: float) -> float:
        """The pH loop's manual output that makes ``co2_pct`` CO2 in the overlay (``SOUR:CO2 <n>``)."""
        full_scale_pct = 100.0 * self.culture.parameters["co2_valve_full_scale_fraction"]
        valve_pct = min(100.0, 100.0 * co2_pct / full_scale_pct)
        # pH loop output −100..0 opens the CO2 valve proportionally (split range).
        max_pct = self.control_profile.ph.co2_valve_max_pct
        return -100.0 * valve_pct / max_pct if max_pct else 0.0

    def _apply_co2(self, co2_pct: float | None) -> None:
        if co2_pct is None:
            self.controller.set_auto(Loop.PH)
            return
        self.controller.set_manual(Loop.PH, self.co2_loop_output(co2_pct))

    def set_loop_mode(self, loop: Loop, output: float | None) -> None:
        """A supervisor's loop mode into non-volatile memory and applied: manual at ``output``, or AUTO (None)."""
        if output is None:
            self.nv_loop_modes.pop(Loop(loop), None)
            self.controller.set_auto(loop)
        else:
            self.nv_loop_modes[Loop(loop)] = output
            if loop == Loop.TEMPERATURE:
                self._handover_pending = False   # the supervisor's mode replaces the warm hand-over
        self._apply_setpoints()

    def set_setpoint(self, name: str, value: float | None) -> None:
        """Store a setpoint in non-volatile memory and apply it."""
        self.nv_setpoints[name] = value
        self._apply_setpoints()

    # ---------------------------------------------------------------- status
    @property
    def configuration_checksum(self) -> str:
        """SHA-256 of the *active* configuration: the control profile with the alarm limits the
        controller holds now, the loops a supervisor keeps in manual, and the firmware settings.

        Untouched, it is the approved checksum of the equipment register; a supervisor's change
        moves it, and restoring the setting restores it exactly.
        """
        control = self.control_profile.model_dump(mode="json")
        for alarm in Alarm:
            if ALARM_KINDS[alarm] != 0:
                control["alarms"][alarm.name.lower()]["limit"] = self.controller.alarm_limit(alarm)
        active = {"control": control, "firmware": self.sim.controller.model_dump(mode="json")}
        if self.nv_loop_modes:
            active["manual_loops"] = {Loop(loop).name: output for loop, output in sorted(self.nv_loop_modes.items())}
        return hashlib.sha256(json.dumps(active, sort_keys=True).encode()).hexdigest()

    def operation_status(self) -> str:
        if self.booting:
            return "RECOVERING"
        running = any(self.controller.module_state(m) in ACTIVE_STATES for m in Module)
        return "RUNNING" if running else "READY"

    @property
    def alarm_relay(self) -> bool:
        """The controller's alarm relay: energised while an alarm is unacknowledged."""
        return self.controller_powered and not self.booting and self.controller.alarm_unacked_mask != 0

    def set_door(self, open_: bool) -> None:
        """The rig's door: the controller's door switch reads it, and an open door cools the bag."""
        self.door_open = bool(open_)
        self.core.door_open = self.door_open
        self._plant_fault(CultureFault.DOOR_OPEN, self.door_open)

    def probe(self, name: str) -> float:
        """The controller's latest reading of its own probe ``TEMP``, ``PH`` or ``DO``."""
        return self.core.probe_reading(PROBE_NAMES.index(name))

    # ---------------------------------------------------------------- balance
    def balance_gross_g(self) -> float:
        return self.sim.balance.vessel_g + self.core.balance_delivered_ml * self.sim.balance.liquid_density_g_per_ml

    def balance_settled(self) -> bool:
        """Stable once nothing has dripped into the vessel for the balance's settling time."""
        return self.time_s - self.core.balance_changed_at_s >= self.sim.balance.settling_s

    def supply_pressure_bar(self, gas: str) -> float:
        u = self.sim.utilities
        nominal = u.co2_supply_bar if gas == "CO2" else u.o2_supply_bar
        return nominal if self.gas_supply_ok[gas] else 0.0

    def _feed_supply_pressures(self) -> None:
        """The controller's own supply transducers read the same pressures as the DMM's."""
        self.core.co2_supply_bar = self.supply_pressure_bar("CO2")
        self.core.o2_supply_bar = self.supply_pressure_bar("O2")

    # ---------------------------------------------------------------- faults
    def inject_fault(self, fault: str, target: str = "", value: str = "") -> None:
        """Inject ``fault`` (a name of :data:`FAULTS`) on ``target`` with ``value``, and record it.

        The target is checked against the fault's entry and its value parsed before anything
        changes, so a refused injection leaves the world and the fault log as they were.
        """
        fault = fault.upper()
        if fault not in FAULTS:
            raise FaultError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        entry = FAULTS[fault]
        if entry.targets != ():       # instrument names are case-sensitive, the rest are SCPI words
            target = target.upper()
        if entry.targets is None and target:
            raise FaultError(f"{fault} takes no target")
        if entry.targets and target not in entry.targets:
            raise FaultError(f"{fault} target must be one of {', '.join(entry.targets)}, got {target!r}")
        if entry.targets == () and target not in self.bench.instruments:
            raise FaultError(f"{fault}: no instrument {target!r} on this bench")
        entry.set(self, target, value, True)
        self.faults.inject(self.time_s, fault, target, value)

    def clear_fault(self, fault: str | None = None) -> None:
        """Clear every active fault, or every active one named ``fault``: each entry undoes its own effect."""
        for record in self.faults.clear(self.time_s, fault.upper() if fault else None):
            FAULTS[record.fault].set(self, record.target, record.value, False)


# ---------------------------------------------------------------------------- the fault table
# Each entry's ``set(world, target, value, active)`` both injects (active) and clears (not active) its
# fault, so the two directions cannot drift apart. A plant fault is the culture twin's own
# ``CultureFault``: the world notes it in the bag's batch record, which the QC lab replays.

def _rate_per_h(fault: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise FaultError(f"{fault} needs a rate in units per hour, got {value!r}") from None


def _probe_drift(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
    """The controller's own probe drifts at ``value`` units per hour (TEMP °C/h, PH pH/h, DO %/h)."""
    world.core.set_probe_drift(PROBE_NAMES.index(target), _rate_per_h("SENSOR_DRIFT", value) if active else 0.0)


def _probe_failed(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
    """The controller's own probe reads NaN: its loop goes to its safe output, the interlock trips."""
    world.core.set_probe_failed(PROBE_NAMES.index(target), active)


def _plant(fault: CultureFault) -> FaultSetter:
    """A fault that is only the twin's plant fault (the heater, the gas mixer)."""
    def set_plant_fault(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
        world._plant_fault(fault, active)
    return set_plant_fault


#: The pumps whose occluded line the twin feels (no base, feed or perfusion reaches the bag); a blocked
#: harvest line only stalls the controller's pump.
_PUMP_PLANT_FAULT = {"BASE": CultureFault.BASE_PUMP_OCCLUDED, "FEED": CultureFault.FEED_PUMP_OCCLUDED,
                     "PERFUSION": CultureFault.PERFUSION_PUMP_OCCLUDED}


def _pump_occluded(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
    """The pump's line is blocked: its pressure rises to the stall pressure, nothing is delivered."""
    world.core.set_pump_occluded(PUMP_NAMES.index(target), active)
    if target in _PUMP_PLANT_FAULT:
        world._plant_fault(_PUMP_PLANT_FAULT[target], active)


def _door_open(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
    world.set_door(active)


_GAS_PLANT_FAULT = {"CO2": CultureFault.CO2_SUPPLY_LOST, "O2": CultureFault.O2_SUPPLY_LOST}


def _gas_lost(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
    """One cylinder lost: its supply pressure falls to 0 bar and only that gas leaves the blend (air still flows)."""
    world.gas_supply_ok[target] = not active
    world._feed_supply_pressures()
    world._plant_fault(_GAS_PLANT_FAULT[target], active)


def _acid_bolus(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
    """``value`` mmol of acid through the sample port, at once (a one-shot addition).

    It titrates the culture's bicarbonate to CO2 (``Culture.add_acid``); the probes see it at
    once. Not a plant fault: clearing it changes nothing, the pH recovers only as the controller
    adds base and the CO2 leaves.
    """
    if not active:
        return
    try:
        acid_mmol = float(value)
    except ValueError:
        acid_mmol = float("nan")
    if not 0.0 < acid_mmol < float("inf"):
        raise FaultError(f"ACID_BOLUS needs the acid added in mmol, a number > 0, got {value!r}")
    world.culture.add_acid(acid_mmol)
    world.core.refresh_probes()


def _mains_lost(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
    """The mains feeding the PDU fail: the controller goes dark; restored, it boots and recovers."""
    world._set_mains(not active)


def _recorded_only(world: SimulatedWorld, target: str, value: str, active: bool) -> None:
    """Nothing changes in the world: whoever the fault acts on reads it from the fault log."""


FaultSetter = Callable[[SimulatedWorld, str, str, bool], None]


@dataclass(frozen=True)
class FaultEntry:
    """One fault of the simulation channel (``SIM:FAULT:INJ <fault>[,<target>[,<value>]]``).

    ``targets``: ``None`` — the fault takes no target; ``()`` — any instrument name of the bench;
    otherwise the target names allowed. ``set`` injects (``active=True``) or clears it.
    """

    targets: tuple[str, ...] | None
    set: FaultSetter


#: fault name → entry, in the order ``SIM:FAULT`` lists them when refusing an unknown one.
FAULTS: dict[str, FaultEntry] = {
    "SENSOR_DRIFT": FaultEntry(PROBE_NAMES, _probe_drift),
    "SENSOR_FAIL": FaultEntry(PROBE_NAMES, _probe_failed),
    "HEATER_FAIL": FaultEntry(None, _plant(CultureFault.HEATER_FAILED)),
    "PUMP_OCCLUSION": FaultEntry(PUMP_NAMES, _pump_occluded),
    "DOOR_OPEN": FaultEntry(None, _door_open),
    "GAS_LOSS": FaultEntry(("CO2", "O2"), _gas_lost),
    # the mixer's air/O2 inlets fed nitrogen: no O2 reaches the bag
    "NITROGEN_PURGE": FaultEntry(None, _plant(CultureFault.NITROGEN_PURGE)),
    "ACID_BOLUS": FaultEntry(None, _acid_bolus),
    # an instrument's link: its server reads the fault log and times out, answers garbage or hangs up
    "INSTRUMENT_TIMEOUT": FaultEntry((), _recorded_only),
    "INSTRUMENT_GARBAGE": FaultEntry((), _recorded_only),
    "INSTRUMENT_DISCONNECT": FaultEntry((), _recorded_only),
    "POWER_LOSS": FaultEntry(None, _mains_lost),
    # the bag's closure breached: the QC lab reads the fault log, its product fails sterility
    "CONTAMINATION": FaultEntry(None, _recorded_only),
}
