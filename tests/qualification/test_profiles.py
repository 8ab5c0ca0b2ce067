"""The qualification profiles hang together: URS ↔ criteria ↔ registers ↔ recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimedi_qual.errors import ProfileError
from mimedi_qual.profiles import load_acceptance
from mimedi_qual.qualification.recipe import load_recipe
from mimedi_qual.qualification.register import load_register
from mimedi_qual.qualification.traceability import load_requirements


@pytest.fixture
def profiles(project_root: Path) -> Path:
    return project_root / "profiles"


def test_every_criterion_verifies_a_requirement_and_names_its_source(profiles):
    acceptance = load_acceptance(profiles / "acceptance" / "criteria.yaml")
    used = {cid for req in load_requirements(profiles / "urs").values() for cid in req.criteria}
    assert set(acceptance.criteria) - used == set(), "criteria no requirement asks for"
    assert all(c.source.strip() for c in acceptance.criteria.values())


def test_requirements_carry_stage_module_and_risk(profiles):
    requirements = load_requirements(profiles / "urs")
    assert len(requirements) >= 20
    assert {r.stage for r in requirements.values()} == {"IQ", "OQ", "PQ"}
    for rid, req in requirements.items():
        assert rid.startswith(f"URS-{req.stage}-"), rid
        assert req.criteria, rid


def test_equipment_register_and_recipes_load(profiles):
    register = load_register(profiles / "acceptance" / "equipment-register.yaml")
    assert set(register.controller.module_firmware) == {"SELECTION", "TRANSDUCTION", "EXPANSION", "HARVEST"}
    assert len(register.controller.configuration_checksum) == 64
    for name in ("car-t-14d", "car-t-worst-case"):
        recipe = load_recipe(profiles / "process" / f"{name}.yaml")
        assert [s.module for s in recipe.steps] == ["SELECTION", "TRANSDUCTION", "EXPANSION", "HARVEST"]
        expansion = next(s for s in recipe.steps if s.module == "EXPANSION")
        assert 13 * 24 <= expansion.duration_h <= 14 * 24  # [Zhu] ~13 d, [Ghassemi] 9-14 d
    worst = load_recipe(profiles / "process" / "car-t-worst-case.yaml")
    assert {c.event for c in worst.challenges} == {"door_open", "power_cut"}


def test_a_broken_recipe_is_named_with_its_line(profiles, tmp_path):
    broken = tmp_path / "recipe.yaml"
    text = (profiles / "process" / "car-t-14d.yaml").read_text()
    broken.write_text(text.replace("module: HARVEST", "module: CENTRIFUGE"))
    with pytest.raises(ProfileError) as error:
        load_recipe(broken)
    line = next(i for i, row in enumerate(broken.read_text().splitlines(), 1) if "CENTRIFUGE" in row)
    assert f"{broken}:{line}" in str(error.value)


PRODUCT_CRITERIA = {"PQ-VIABILITY", "PQ-CD3", "PQ-CAR", "PQ-VCN", "PQ-ENDOTOXIN", "PQ-STERILITY", "PQ-MYCOPLASMA",
                    "PQ-FOLD-EXPANSION"}


def test_pq_product_criteria_follow_the_published_ranges(profiles, project_root):
    """Published ranges: viability, CD3+ ≥70–80 %; CAR+ ≥10–20 %; endotoxin ≤0.5–5 EU/mL; VCN ≤5; sterile [Castella, CD20, Kym]."""
    c = load_acceptance(profiles / "acceptance" / "criteria.yaml").criteria
    assert PRODUCT_CRITERIA <= set(c)
    assert c["PQ-VIABILITY"].kind == c["PQ-CD3"].kind == "min" and 70.0 <= c["PQ-VIABILITY"].limit <= 80.0
    assert 70.0 <= c["PQ-CD3"].limit <= 80.0 and 10.0 <= c["PQ-CAR"].limit <= 20.0
    assert c["PQ-VCN"].kind == "max" and c["PQ-VCN"].limit <= 5.0
    assert c["PQ-ENDOTOXIN"].kind == "max" and 0.5 <= c["PQ-ENDOTOXIN"].limit <= 5.0
    assert c["PQ-STERILITY"].limit == c["PQ-MYCOPLASMA"].limit == 0
    assert 0 < c["PQ-FOLD-EXPANSION"].limit <= 30.0                    # ~30-fold [Zhu]
    for cid in PRODUCT_CRITERIA - {"PQ-FOLD-EXPANSION"}:
        assert all(ref in c[cid].source for ref in ("Castella", "CD20", "Kym")), cid
    assert "Zhu" in c["PQ-FOLD-EXPANSION"].source
    # every PQ batch, the worst case included, is judged on all of them
    requirements = load_requirements(profiles / "urs")
    assert PRODUCT_CRITERIA <= set(requirements["URS-PQ-004"].criteria)
    feature = (project_root / "features" / "pq" / "car_t_batches.feature").read_text()
    assert feature.count("@URS-PQ-004") == 2
    for cid in PRODUCT_CRITERIA:
        assert feature.count(cid) == 2, cid


def test_the_simulated_bench_has_a_qc_lab(project_root):
    from mimedi_qual.profiles import load_bench

    bench = load_bench(project_root / "profiles" / "benches" / "sim.yaml")
    name, lab = bench.instrument_of_kind("qc_lab")
    assert lab.identity.serial and lab.calibration is None   # a laboratory, not a calibrated instrument
