"""Processes that stand in for hardware on the simulated bench.

Everything here is reached by the harness only over loopback sockets, exactly
as the real bench is reached over the lab network: the harness cannot tell the
difference except through the bench profile. The command sets are the
contract in ``instruments/COMMANDS.md``.

The heart:

* :mod:`.lockstep` — the real control core (:mod:`mimedi_qual.control`) and
  the culture twin (:mod:`mimedi_qual.twin`) stepped together in C, with the
  controller's probes and pumps; 14 virtual days take about a second;
* :mod:`.world` — virtual clock (or real time), power, door, balance vessel,
  gas supplies and the fault table (what each injectable fault does and how it
  is cleared); every device reads it;
* :mod:`.faults`, :mod:`.audit` — the record of injected faults, the
  controller's non-volatile audit trail (and its ``AUD:*`` commands);
* :mod:`.error_model` — how an instrument misreads the truth (offset + seeded noise).

The devices, one listening port each:

* :mod:`.scpi` — IEEE 488.2 / SCPI interpreter (long and short forms,
  case-insensitive, ``SYST:ERR?`` queue with standard codes);
* :mod:`.server` — line server hosting one device (power and link faults);
* :mod:`.controller` — the MiMédi BR1 controller's SCPI set (setpoints, modules,
  pumps, alarms, interlocks, loop modes), on :mod:`.access` (login session,
  access levels, accounts: :mod:`.accounts`);
* :mod:`.thermometer`, :mod:`.reference_meters` (pH/DO, CO2, tachometer),
  :mod:`.multimeter`, :mod:`.balance` (MT-SICS) — reference instruments;
* :mod:`.pdu` (HTTP for labgrid's ``rest`` power backend), :mod:`.modbus_io`
  (door and alarm-relay coils), :mod:`.console` (raw-TCP service console);
* :mod:`.simctl` — the simulation-only channel (advance time, real-time
  mode, load a bag, inject faults, true values), never part of a device.

Running it:

* :mod:`.process` — one process hosting every service (prints one JSON line
  of addresses), or :class:`.process.BenchThread` for tests;
* :mod:`.launcher` — starts the process, leaves no orphans;
  ``mimedi-qual bench up|down`` (:mod:`mimedi_qual.cli.bench`) for people.

>>> from mimedi_qual.simbench.launcher import SimulatedBenchProcess
>>> with SimulatedBenchProcess("profiles/benches/sim.yaml") as sim:
...     sorted(sim.addresses)
['balance', 'co2', 'console', 'controller', 'dmm', 'modbus', 'pdu', 'phdo', 'simctl', 'tachometer', 'thermometer']
"""
