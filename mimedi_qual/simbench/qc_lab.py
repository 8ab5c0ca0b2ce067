"""The simulated QC release laboratory: samples of a batch in, release results out.

A real QC lab (or its LIMS) receives a sample labelled with an id, runs the
release assays and reports. The simulated one does the same on loopback,
SCPI-like (``instruments/COMMANDS.md``):

=============================  ===================================================================
``SAMPle:SUBMit <id>``         the sample of the product just filled on the bench, under ``<id>``
``SAMPle:STATus? <id>``        ``COMPLETE`` (results ready) or ``UNKNOWN``
``SAMPle:LIST?``               the submitted ids, comma-separated (``NONE`` if none)
``RESult? <id>``               ``KEY=value`` pairs, comma-separated (below)
``RESult:<KEY>? <id>``         one result, e.g. ``RES:VIAB? B1``
=============================  ===================================================================

Result keys: ``COUNT`` (viable cells/mL), ``VIABility`` (%), ``CD3`` (% of viable), ``CAR``
(% of viable), ``VCN`` (vector copies per cell), ``ENDotoxin`` (EU/mL; ``<LOQ`` reported as the LOQ),
``STERility`` and ``MYCOplasma`` (``NEGATIVE``/``POSITIVE``), ``FOLD`` (fold expansion).

What the product is follows what the bench did to *this* bag: the world's
batch record (time on the plate since the bag was loaded, the plant faults it
lived through — power cuts, door openings, heater failure, the loss of the
CO2 or of the O2 cylinder (each its own plant fault: the air keeps flowing),
a nitrogen purge of the gas inlets, occluded pumps — and any ``CONTAMINATION``
fault injected since) drives the twin's whole process model
(:func:`mimedi_qual.twin.process.run_process`: selection, transduction,
expansion under those faults, harvest, fill, QC assays with their own
noise), seeded by the bench seed and the sample id.

Not replayed: what changed the bag's *medium* rather than its plant — an
``ACID_BOLUS`` and the pump runs commanded over ``PUMP:DISP`` (the medium
exchange that follows an acid challenge, for one). The replayed expansion
runs the recipe's volumes (300 mL growing to 1 L), not the bench bag's, so
an amount of acid has no faithful counterpart there without the volumes and
pump runs it lived through.
"""

from __future__ import annotations

import zlib

from mimedi_qual.profiles.bench import Identity
from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, MISSING_PARAMETER, SETTINGS_CONFLICT, ScpiDevice, ScpiError
from mimedi_qual.simbench.world import SimulatedWorld
from mimedi_qual.twin.expansion import FaultEvent
from mimedi_qual.twin.process import ProcessResult, run_process
from mimedi_qual.twin.recipe import Recipe

#: A batch recipe's harvest-and-fill time, on the plate after the expansion (not expansion).
HARVEST_S = 4 * 3600.0
#: Shortest expansion the lab accepts a sample of (a bag loaded minutes ago has no product).
MIN_EXPANSION_S = 86400.0

RESULT_KEYS = ("COUNT", "VIABility", "CD3", "CAR", "VCN", "ENDotoxin", "STERility", "MYCOplasma", "FOLD")


def _results(result: ProcessResult) -> dict[str, str]:
    qc = result.qc
    return {
        "COUNT": f"{qc.viable_cells_per_ml:.4e}",
        "VIABILITY": f"{100.0 * qc.viability:.2f}",
        "CD3": f"{100.0 * qc.cd3_positive_fraction:.2f}",
        "CAR": f"{100.0 * qc.car_positive_fraction:.2f}",
        "VCN": f"{qc.vector_copies_per_cell:.3f}",
        "ENDOTOXIN": f"{qc.endotoxin_eu_per_ml:.3f}",
        "STERILITY": qc.sterility.upper(),
        "MYCOPLASMA": qc.mycoplasma.upper(),
        "FOLD": f"{result.expansion.fold_expansion:.2f}",
    }


class QcLabDevice(ScpiDevice):
    def __init__(self, identity: Identity, world: SimulatedWorld, name: str):
        super().__init__(idn=identity.as_idn())
        self.world = world
        self.name = name
        self.samples: dict[str, dict[str, str]] = {}
        self.register("SAMPle:SUBMit", self._submit)
        self.register("SAMPle:STATus?", lambda a: "COMPLETE" if self._id(a) in self.samples else "UNKNOWN")
        self.register("SAMPle:LIST?", lambda a: ",".join(self.samples) or "NONE")
        self.register("RESult?", lambda a: ",".join(f"{k}={v}" for k, v in self._sample(a).items()))
        for key in RESULT_KEYS:
            self.register(f"RESult:{key}?", lambda a, k=key.upper(): self._sample(a)[k])

    @staticmethod
    def _id(args: list[str]) -> str:
        if not args or not args[0].strip().strip('"'):
            raise ScpiError(MISSING_PARAMETER, "a sample id")
        sample_id = args[0].strip().strip('"')
        if not sample_id.replace("-", "").replace("_", "").replace(".", "").isalnum() or len(sample_id) > 64:
            raise ScpiError(ILLEGAL_PARAMETER, f"bad sample id {sample_id!r}")
        return sample_id

    def _sample(self, args: list[str]) -> dict[str, str]:
        sample_id = self._id(args)
        if sample_id not in self.samples:
            raise ScpiError(ILLEGAL_PARAMETER, f"no sample {sample_id}")
        return self.samples[sample_id]

    def _submit(self, args: list[str]) -> None:
        sample_id = self._id(args)
        if sample_id in self.samples:
            raise ScpiError(SETTINGS_CONFLICT, f"sample {sample_id} already submitted", reason="duplicate sample id")
        on_plate_s, events = self.world.batch_record()
        expansion_s = on_plate_s - HARVEST_S
        if expansion_s < MIN_EXPANSION_S:
            raise ScpiError(SETTINGS_CONFLICT, f"bag on the plate {on_plate_s / 3600:.1f} h", reason="no product")
        start_s = self.world.time_s - on_plate_s
        contaminated = any(r.fault == "CONTAMINATION" and r.time_s >= start_s - 1e-9
                           for r in self.world.faults.records)
        fault_events = tuple(FaultEvent(at_s=t, fault=f, active=a) for t, f, a in events if t < expansion_s)
        result = run_process(Recipe(expansion_duration_d=expansion_s / 86400.0),
                             seed=[self.world.seed, zlib.crc32(f"{self.name}:{sample_id}".encode())],
                             fault_events=fault_events, contaminated=contaminated)
        self.samples[sample_id] = _results(result)
