"""QC release laboratory (LIMS gateway, SCPI-like over TCP) → QcLabProtocol.

``SAMP:SUBM <id>`` hands a sample over, ``SAMP:STAT? <id>`` says whether its
results are complete, ``RES? <id>`` returns them as ``KEY=value`` pairs
(``instruments/COMMANDS.md``). A refused submission (duplicate id, no product
on the bench) is a :class:`~mimedi_qual.lab.errors.CommandRefused`; a reply
that is not the expected set of results is an
:class:`~mimedi_qual.lab.errors.InstrumentError`.
"""

from __future__ import annotations

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.drivers.scpi import refusal
from mimedi_qual.lab.protocols import QcLabProtocol, QcRelease

#: Result key in the reply → (field of QcRelease, numeric?)
RESULT_FIELDS = {
    "COUNT": ("viable_cells_per_ml", True),
    "VIABILITY": ("viability_pct", True),
    "CD3": ("cd3_pct", True),
    "CAR": ("car_pct", True),
    "VCN": ("vector_copies_per_cell", True),
    "ENDOTOXIN": ("endotoxin_eu_per_ml", True),
    "STERILITY": ("sterility", False),
    "MYCOPLASMA": ("mycoplasma", False),
    "FOLD": ("fold_expansion", True),
}
QUALITATIVE = ("NEGATIVE", "POSITIVE")


def parse_results(instrument: str, sample_id: str, reply: str) -> QcRelease:
    """``KEY=value,...`` → :class:`QcRelease`; anything missing or malformed is an instrument fault."""
    values: dict[str, float | str] = {}
    try:
        pairs = dict(item.split("=", 1) for item in reply.split(","))
    except ValueError:
        raise InstrumentError(instrument, f"malformed results for {sample_id}: {reply!r}") from None
    for key, (name, numeric) in RESULT_FIELDS.items():
        if key not in pairs:
            raise InstrumentError(instrument, f"results for {sample_id} lack {key}: {reply!r}")
        text = pairs[key].strip()
        if numeric:
            try:
                values[name] = float(text)
            except ValueError:
                raise InstrumentError(instrument, f"non-numeric {key} {text!r} for {sample_id}") from None
        else:
            if text.upper() not in QUALITATIVE:
                raise InstrumentError(instrument, f"{key} of {sample_id} is {text!r}, not {'/'.join(QUALITATIVE)}")
            values[name] = text.upper()
    return QcRelease(sample_id=sample_id, **values)


@target_factory.reg_driver
@attr.s(eq=False)
class QcLabDriver(Driver, QcLabProtocol):
    bindings = {"scpi": "SCPIDriver"}

    def identify(self) -> str:
        return self.scpi.identify()

    @Driver.check_active
    @step(title="QC lab: submit sample", args=["sample_id"])
    def submit_sample(self, sample_id: str) -> None:
        # The lab computes the assays on receipt: its timeout_s in the bench profile allows for that.
        self.scpi.write(f'SAMP:SUBM "{sample_id}"')
        if self.scpi.query(f'SAMP:STAT? "{sample_id}"') != "COMPLETE":
            errors = self.scpi.pop_errors()
            raise refusal(self.scpi.instrument_name, f"SAMP:SUBM {sample_id}", errors or ["no results"])
        errors = self.scpi.pop_errors()
        if errors:
            raise refusal(self.scpi.instrument_name, f"SAMP:SUBM {sample_id}", errors)

    @Driver.check_active
    @step(title="QC lab: results", args=["sample_id"], result=True)
    def results(self, sample_id: str) -> QcRelease:
        if self.scpi.query(f'SAMP:STAT? "{sample_id}"') != "COMPLETE":
            raise InstrumentError(self.scpi.instrument_name, f"no results for sample {sample_id}")
        reply = self.scpi.query(f'RES? "{sample_id}"')
        return parse_results(self.scpi.instrument_name, sample_id, reply)
