"""PQ product steps: a sample of the filled product goes to the QC laboratory, its release results are judged.

After a batch (``When the batch recipe ... runs as batch 1``) the product in
the filled bags is sampled and submitted to the QC release laboratory
(``campaign.bench.qc_lab()``: a LIMS on a real bench, the simulated QC lab on
the simulated one — which computes the results from what the bench did to
this batch). Every result is judged against its criterion by id::

    Then the QC release of the batch meets viability PQ-VIABILITY, CD3+ PQ-CD3, sterility PQ-STERILITY
    Then the viability of the product meets PQ-VIABILITY

The first form judges (and records) every listed result before it fails, so
one batch shows all its out-of-specification results at once. Results:
viability, CD3+, CAR+ (% of viable cells), vector copies (per cell),
endotoxin (EU/mL), sterility and mycoplasma (positive tests: 0 or 1),
fold expansion, viable count (cells/mL).

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

import re

from pytest_bdd import parsers, then

from mimedi_qual.errors import ProtocolError
from mimedi_qual.lab.protocols import QcRelease
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import Measurement, judge_value
from mimedi_qual.qualification.quantities import ByParameter, Pairs, QC_RESULTS, judges
from mimedi_qual.report.allure_evidence import attach_table
from mimedi_qual.steps.actions.qc_release import submit_product_sample
from mimedi_qual.steps.actions.verdicts import expect_met

#: result name in a step phrase → how to read it from the QC release (in the criterion's unit)
RESULTS = {
    "viability": lambda r: r.viability_pct,
    "CD3+": lambda r: r.cd3_pct,
    "CAR+": lambda r: r.car_pct,
    "vector copies": lambda r: r.vector_copies_per_cell,
    "endotoxin": lambda r: r.endotoxin_eu_per_ml,
    "sterility": lambda r: 1.0 if r.sterility == "POSITIVE" else 0.0,
    "mycoplasma": lambda r: 1.0 if r.mycoplasma == "POSITIVE" else 0.0,
    "fold expansion": lambda r: r.fold_expansion,
    "viable count": lambda r: r.viable_cells_per_ml,
}
_PAIR = re.compile(r"^\s*(?P<result>.+?)\s+(?P<criterion>(?:IQ|OQ|PQ)-[A-Z0-9]+(?:-[A-Z0-9]+)*)\s*$")


def qc_release(campaign: CampaignContext, batch_run) -> QcRelease:
    """The QC release of the batch's product: sampled and submitted once, the results kept on the run."""
    release = getattr(batch_run, "qc_release", None)
    if release is None:
        sample_id, release = submit_product_sample(campaign, batch_run)
        batch_run.qc_release = release
        rows = [(name, read(release)) for name, read in RESULTS.items()]
        attach_table(f"{batch_run.label}: QC release of sample {sample_id}", ["result", "value"], rows)
    return release


def _judge(campaign: CampaignContext, batch_run, result: str, criterion_id: str) -> Measurement:
    if result not in RESULTS:
        raise ProtocolError(None, None, f"no QC result {result!r}; known: {', '.join(RESULTS)}")
    value = RESULTS[result](qc_release(campaign, batch_run))
    return campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), value,
                                       campaign.bench.name_of_kind("qc_lab"), statistic=f"QC result ({result})"))


@then(parsers.parse("the QC release of the batch meets {pairs}"))
@judges(pairs=Pairs(QC_RESULTS))
def qc_release_meets(campaign: CampaignContext, batch_run, pairs: str) -> None:
    """Judge every listed QC result (``<result> <criterion id>``, comma-separated) against its criterion; fail after all."""
    judged = []
    for item in pairs.split(","):
        match = _PAIR.match(item)
        if match is None:
            raise ProtocolError(None, None, f"expected '<result> <criterion id>', got {item.strip()!r}")
        judged.append(_judge(campaign, batch_run, match["result"], match["criterion"]))
    failed = [m.summary() for m in judged if not m.passed]
    assert not failed, f"{batch_run.label}: " + "; ".join(failed)


@then(parsers.re(r"the (?P<result>viability|CD3\+|CAR\+|vector copies|endotoxin|sterility|mycoplasma|"
                 r"fold expansion|viable count) of the product meets (?P<criterion_id>[\w-]+)"))
@judges(criterion_id=ByParameter("result", QC_RESULTS))
def product_result_meets(campaign: CampaignContext, batch_run, result: str, criterion_id: str) -> None:
    """One QC release result of the batch's product against its criterion."""
    measurement = _judge(campaign, batch_run, result, criterion_id)
    expect_met(measurement, context=batch_run.label)
