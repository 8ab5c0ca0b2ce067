"""Profile loading: good files load, broken ones name the file and the line."""

from __future__ import annotations

import pytest

from mimedi_qual.errors import ProfileError
from mimedi_qual.profiles import load_acceptance, load_bench, load_process, load_urs


def test_shipped_profiles_load(project_root):
    bench = load_bench(project_root / "profiles/benches/sim.yaml")
    assert bench.bench.kind == "simulated"
    assert bench.instruments["thermometer"].calibration.certificate
    criteria = load_acceptance(project_root / "profiles/acceptance/criteria.yaml").criteria
    assert criteria["OQ-TEMP-ACC"].low == pytest.approx(36.5)
    assert criteria["OQ-TEMP-ACC"].high == pytest.approx(37.5)
    urs = load_urs(project_root / "profiles/urs/mimedi-urs.yaml")
    for requirement in urs.requirements.values():
        assert set(requirement.criteria) <= set(criteria), "URS names a criterion that does not exist"
    assert load_process(project_root / "profiles/process/warmup-and-hold.yaml").phases


def test_invalid_yaml_syntax_names_file_and_line(tmp_path):
    bad = tmp_path / "bench.yaml"
    bad.write_text("bench:\n  id: X\n  kind: [simulated\nclock: wall\n")
    with pytest.raises(ProfileError) as err:
        load_bench(bad)
    assert err.value.path == bad
    assert err.value.line in (4, 5)
    assert str(err.value).startswith(f"{bad}:")


def test_wrong_value_names_the_line_of_the_key(tmp_path, project_root):
    text = (project_root / "profiles/benches/sim.yaml").read_text()
    broken = text.replace("due_on: 2027-04-12", "due_on: next spring")
    path = tmp_path / "sim.yaml"
    path.write_text(broken)
    expected_line = broken.splitlines().index("      due_on: next spring") + 1
    with pytest.raises(ProfileError) as err:
        load_bench(path)
    assert err.value.line == expected_line
    assert "instruments.thermometer.calibration.due_on" in str(err.value)


def test_unknown_key_is_an_error_not_ignored(tmp_path, project_root):
    text = (project_root / "profiles/acceptance/criteria.yaml").read_text()
    path = tmp_path / "criteria.yaml"
    path.write_text(text.replace("    tolerance: 0.5\n", "    tolerance: 0.5\n    tolerence: 0.1\n", 1))
    with pytest.raises(ProfileError, match=r"tolerence: Extra inputs are not permitted"):
        load_acceptance(path)


def test_band_criterion_needs_its_numbers(tmp_path):
    path = tmp_path / "criteria.yaml"
    path.write_text('version: "1"\ncriteria:\n  X:\n    description: d\n    kind: band\n    unit: C\n    source: ours\n')
    with pytest.raises(ProfileError) as err:
        load_acceptance(path)
    assert err.value.line == 3
    assert "needs target and tolerance" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ProfileError, match="file not found"):
        load_bench(tmp_path / "nope.yaml")


def test_bad_address_shape(tmp_path, project_root):
    text = (project_root / "profiles/benches/sim.yaml").read_text()
    path = tmp_path / "sim.yaml"
    path.write_text(text.replace("address: sim", "address: 10.0.0.5", 1))
    with pytest.raises(ProfileError, match="host:port"):
        load_bench(path)


def test_a_simulated_error_model_for_no_instrument_names_its_line(tmp_path, project_root):
    """A typo in simulation.reference would give a perfect instrument: refused with the line of the typo."""
    text = (project_root / "profiles/benches/sim.yaml").read_text()
    assert "\n    phdo: {ph:" in text
    broken = text.replace("\n    phdo: {ph:", "\n    phd0: {ph:", 1)
    path = tmp_path / "sim.yaml"
    path.write_text(broken)
    line = broken.splitlines().index(next(t for t in broken.splitlines() if t.startswith("    phd0:"))) + 1
    with pytest.raises(ProfileError, match=r"simulation.reference: phd0 is no instrument of the bench") as err:
        load_bench(path)
    assert err.value.line == line


def test_a_key_given_twice_is_an_error_not_the_last_one_silently(tmp_path, project_root):
    """YAML keeps the last of two equal keys: a criterion defined twice would silently lose its first limits."""
    lines = (project_root / "profiles/acceptance/criteria.yaml").read_text().splitlines()
    first = lines.index("  OQ-TEMP-ACC:") + 1
    end = next(n for n in range(first, len(lines)) if lines[n].startswith("  ") and lines[n][2] != " ")
    again = [line.replace("tolerance: 0.5", "tolerance: 5.0") for line in lines[first - 1:end]]
    path = tmp_path / "criteria.yaml"
    path.write_text("\n".join(lines + again) + "\n")
    with pytest.raises(ProfileError) as err:
        load_acceptance(path)
    assert err.value.line == len(lines) + 1
    assert f"criteria.OQ-TEMP-ACC: duplicate key (first at line {first})" in str(err.value)
