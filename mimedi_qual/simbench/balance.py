"""The simulated Mettler Toledo balance speaking MT-SICS (TCP, CR LF), for gravimetric pump tests.

It weighs the receiving vessel on its pan: the vessel plus every mL a pump
routed to it has delivered (``PUMP:DISPense`` on the controller; HARVEST
goes to the balance by default, ``SIM:PUMP:ROUT <pump>,BAL`` re-routes
another), times the liquid's density, with the balance's own noise. While a
pump is filling the vessel and for ``settling_s`` after, the weight is
*dynamic*: ``S`` answers ``S D`` (not yet stable), then ``S S`` once settled.

==========  =====================================================
``I2``      ``I2 A "<model> <capacity> g"``
``I4``      ``I4 A "<serial>"``
``S``       ``S S     12.345 g`` stable, ``S D     12.300 g`` dynamic
``SI``      immediate weight, ``S S`` or ``S D``
``Z``       zero → ``Z A`` (``Z I`` while dynamic)
``T``       tare → ``T S     12.345 g`` (``T I`` while dynamic)
errors      ``ES`` syntax (unknown command), ``EL`` logical (command
            known but not possible now), ``S +`` / ``S -`` over/underload
==========  =====================================================

>>> dev = BalanceDevice(identity, world, "balance")
>>> dev.handle("S")
'S S     120.001 g'
"""

from __future__ import annotations

from mimedi_qual.profiles.bench import Identity
from mimedi_qual.simbench.error_model import seeded_rng
from mimedi_qual.simbench.world import SimulatedWorld


class BalanceDevice:
    """Line protocol like :class:`~.scpi.ScpiDevice` (``handle`` → reply), MT-SICS syntax."""

    terminator = b"\r\n"

    def __init__(self, identity: Identity, world: SimulatedWorld, name: str):
        self.identity = identity
        self.world = world
        self.spec = world.sim.balance
        self.rng = seeded_rng(world.seed, f"{name}:weight")
        self.tare_g = 0.0
        self.zero_g = 0.0

    def push_error(self, error) -> None:
        """Server hook for an internal error: MT-SICS has no error queue."""

    def _net_g(self) -> float:
        gross = self.world.balance_gross_g()
        noise = self.rng.normal(0.0, self.spec.noise_g) if self.spec.noise_g else 0.0
        if not self.world.balance_settled():
            noise *= 20.0  # the pan is still moving
        return gross - self.zero_g - self.tare_g + noise

    def _weight(self, prefix: str, stable_word: str = "S") -> str:
        gross_g = self.world.balance_gross_g()
        if gross_g > self.spec.capacity_g:
            return f"{prefix} +"
        if gross_g - self.zero_g < -self.spec.readability_g * 10:
            return f"{prefix} -"
        status = stable_word if self.world.balance_settled() else "D"
        value = round(self._net_g() / self.spec.readability_g) * self.spec.readability_g
        return f"{prefix} {status} {value:10.3f} g"

    def handle(self, line: str) -> str:
        command, _, rest = line.strip().partition(" ")
        command = command.upper()
        if command == "I2":
            return f'I2 A "{self.identity.model} {self.spec.capacity_g:g} g"'
        if command == "I4":
            return f'I4 A "{self.identity.serial}"'
        if command == "I3":
            return f'I3 A "{self.identity.firmware}"'
        if command in ("S", "SI"):
            return self._weight("S")
        if command == "Z":
            if not self.world.balance_settled():
                return "Z I"
            self.zero_g = self.world.balance_gross_g()
            self.tare_g = 0.0
            return "Z A"
        if command == "T":
            if not self.world.balance_settled():
                return "T I"
            if self.world.balance_gross_g() - self.zero_g <= 0.0:
                return "EL"
            self.tare_g = self.world.balance_gross_g() - self.zero_g
            return f"T S {self.tare_g:10.3f} g"
        if command == "TA":
            return f"TA A {self.tare_g:10.3f} g"
        if command == "@":
            self.tare_g = 0.0
            return f'I4 A "{self.identity.serial}"'
        return "ES"
