"""The filled product's sample to the QC release laboratory, and its release results back.

The lab is ``campaign.bench.qc_lab()``: a LIMS on a real bench, the simulated
QC lab on the simulated one. The sample is labelled with the recipe, the
batch and the bench time it was drawn::

    sample_id, release = submit_product_sample(campaign, batch_run)   # 'CAR-T-14D-BATCH-1-T1209600'
    release.viability_pct
"""

from __future__ import annotations

import re

from mimedi_qual.lab.protocols import QcRelease
from mimedi_qual.plugin.context import CampaignContext


def sample_id(batch_run, bench_time_s: float) -> str:
    """The label on the sample: recipe, batch and the bench time it was drawn (unique on a bench)."""
    label = re.sub(r"[^A-Za-z0-9]+", "-", f"{batch_run.recipe}-{batch_run.label}").strip("-").upper()
    return f"{label}-T{int(bench_time_s)}"


def submit_product_sample(campaign: CampaignContext, batch_run) -> tuple[str, QcRelease]:
    """Draw a sample of the batch's product, submit it to the QC lab and return (its label, its release results)."""
    lab = campaign.bench.qc_lab()
    label = sample_id(batch_run, campaign.bench.clock().now_s())
    lab.submit_sample(label)
    return label, lab.results(label)
