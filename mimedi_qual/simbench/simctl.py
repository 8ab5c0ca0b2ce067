"""The simulation-only control channel.

Not part of any device: it is how the harness's *simulated* clock and
fault-injection drivers reach the twin, the way a test engineer's hands reach
a real bench. A real bench has no such port; its clock driver sleeps instead.
Faults are injected *only* here, never through a device's own interface.

=====================================  =========================================================
``SIMulation:TIME?``                   virtual time in seconds
``SIMulation:ADVance <s>``             run controller and twin in lockstep for <s> seconds
``SIMulation:MODE VIRTual|REALtime``   accelerated virtual time, or the wall clock (and ``?``)
``SIMulation:BAG:LOAD``                a fresh bag at room temperature
``SIMulation:FAULt:INJect <f>[,<target>[,<value>]]``  inject (recorded with virtual time)
``SIMulation:FAULt:CLEar [<f>]``       clear one fault (all of that name) or every fault
``SIMulation:FAULt:LIST?``             ``time,fault,target,value,cleared_time;...`` or ``NONE``
``SIMulation:FAULt:ACTive?``           names of the active faults, or ``NONE``
``SIMulation:PUMP:ROUTe <pump>,BALance|BAG``  where a pump's outlet tube goes (gravimetric tests)
``SIMulation:PUMP:ROUTe? <pump>``      ``BAL`` or ``BAG`` (at start only HARVEST goes to the balance)
``SIMulation:TRUE:<quantity>?``        the twin's true value (diagnostics only, never evidence):
                                       TEMPerature PH DO CO2 VOLume MASS CELLs VIABility
                                       GLUCose LACTate ROCKing
``SIMulation:PLANt:TEMPerature?``      the true culture temperature (same as TRUE:TEMP?)
=====================================  =========================================================

>>> dev = SimulationControlDevice(world)
>>> dev.handle("SIM:FAULT:INJ HEATER_FAIL;SIM:ADV 3600;SIM:FAULT:LIST?")
'0.000,HEATER_FAIL,,,'
"""

from __future__ import annotations

from mimedi_qual.simbench.lockstep import PUMP_NAMES
from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, ScpiDevice, ScpiError, parse_float
from mimedi_qual.simbench.world import FaultError, SimulatedWorld

MAX_ADVANCE_S = 30 * 24 * 3600.0

TRUE_QUANTITIES = {
    "TEMPerature": ("temperature_c", "{:.6f}"),
    "PH": ("ph", "{:.6f}"),
    "DO": ("do_pct_air_sat", "{:.4f}"),
    "CO2": ("headspace_co2_pct", "{:.4f}"),
    "VOLume": ("volume_ml", "{:.3f}"),
    "MASS": ("mass_g", "{:.3f}"),
    "CELLs": ("viable_cells_per_ml", "{:.6e}"),
    "VIABility": ("viability", "{:.6f}"),
    "GLUCose": ("glucose_mm", "{:.6f}"),
    "LACTate": ("lactate_mm", "{:.6f}"),
    "ROCKing": ("rocking_rpm", "{:.4f}"),
}


class SimulationControlDevice(ScpiDevice):
    def __init__(self, world: SimulatedWorld):
        super().__init__(idn="MIMEDI-QUAL,SIMCTL,0,0.2.0")
        self.world = world
        self.register("SIMulation:TIME?", lambda a: f"{world.time_s:.3f}")
        self.register("SIMulation:ADVance", self._advance)
        self.register("SIMulation:MODE", self._mode)
        self.register("SIMulation:MODE?", lambda a: "VIRTUAL" if world.mode == "virtual" else "REALTIME")
        self.register("SIMulation:BAG:LOAD", lambda a: world.load_fresh_bag())
        self.register("SIMulation:FAULt:INJect", self._inject)
        self.register("SIMulation:FAULt:CLEar", self._clear)
        self.register("SIMulation:FAULt:LIST?", lambda a: world.faults.as_scpi())
        self.register("SIMulation:FAULt:ACTive?",
                      lambda a: ",".join(r.fault for r in world.faults.active()) or "NONE")
        self.register("SIMulation:PUMP:ROUTe", self._route)
        self.register("SIMulation:PUMP:ROUTe?", self._route_query)
        self.register("SIMulation:PLANt:TEMPerature?", lambda a: f"{world.culture.temperature_c:.6f}")
        for header, (attribute, fmt) in TRUE_QUANTITIES.items():
            self.register(f"SIMulation:TRUE:{header}?",
                          lambda a, attribute=attribute, fmt=fmt: fmt.format(getattr(world.culture.reading(), attribute)))

    def _advance(self, args: list[str]) -> None:
        duration_s = parse_float(args[0], "duration")
        if not 0 <= duration_s <= MAX_ADVANCE_S:
            raise ScpiError(ILLEGAL_PARAMETER, f"advance {duration_s} s outside 0..{MAX_ADVANCE_S}")
        self.world.advance(duration_s)

    def _mode(self, args: list[str]) -> None:
        mode = args[0].upper()
        if mode in ("VIRT", "VIRTUAL"):
            self.world.mode = "virtual"
        elif mode in ("REAL", "REALTIME"):
            self.world.mode = "realtime"
        else:
            raise ScpiError(ILLEGAL_PARAMETER, f"mode VIRTual or REALtime, got {args[0]!r}")

    def _inject(self, args: list[str]) -> None:
        fault, target, value = (args + ["", ""])[:3]
        try:
            self.world.inject_fault(fault, target, value)
        except FaultError as exc:
            raise ScpiError(ILLEGAL_PARAMETER, str(exc)) from None

    def _clear(self, args: list[str]) -> None:
        self.world.clear_fault(args[0] if args else None)

    @staticmethod
    def _pump(args: list[str]) -> str:
        pump = args[0].strip().upper() if args else ""
        if pump not in PUMP_NAMES:
            raise ScpiError(ILLEGAL_PARAMETER, f"pump one of {', '.join(PUMP_NAMES)}")
        return pump

    def _route_query(self, args: list[str]) -> str:
        return "BAL" if self.world.core.pump_route_to_balance(PUMP_NAMES.index(self._pump(args))) else "BAG"

    def _route(self, args: list[str]) -> None:
        pump = self._pump(args)
        if len(args) < 2:
            raise ScpiError(ILLEGAL_PARAMETER, "route BALance or BAG")
        to = args[1].strip().upper()
        if to not in ("BAL", "BALANCE", "BAG"):
            raise ScpiError(ILLEGAL_PARAMETER, "route BALance or BAG")
        self.world.core.set_pump_route(PUMP_NAMES.index(pump), to.startswith("BAL"))
