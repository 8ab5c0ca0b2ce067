"""Many benches: export a bench as a labgrid *place*; acquire a place for a campaign.

labgrid's own coordinator keeps the list of places and who holds each one;
an exporter on each lab PC publishes that PC's bench. A campaign acquires a
place, takes the device addresses from it, runs, and releases it — whatever
happens (failure, Ctrl-C, SIGTERM)::

    # once per lab, on any machine: the coordinator has no authentication (bind it to
    # loopback or a trusted network) and writes state files into its working directory
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
bench.

The modules, one concern each:

* :mod:`.client` — ``labgrid-client`` as a subprocess (every labgrid component
  must be the same labgrid version, so it is the one beside our Python) and
  :class:`~.client.PlaceError`;
* :mod:`.daemons` — labgrid daemons we start (they die with us) and a free loopback port;
* :mod:`.coordinator` — a coordinator on loopback for tests and a one-machine lab;
* :mod:`.export` — publishing a bench as a place (:class:`~.export.ExportedBench`);
* :mod:`.lease` — holding a place for a campaign (:class:`~.lease.PlaceLease`).
"""
