"""The twin profile: every parameter has value, unit and a source; errors name file and line."""

import re

import pytest

from mimedi_qual.errors import ProfileError
from mimedi_qual.twin.parameters import DEFAULT_PROFILE_PATH, load_twin_profile


def test_default_profile_loads_with_a_source_for_every_parameter(profile):
    n = 0
    for _, section in profile:
        for name, q in section:
            n += 1
            assert q.source.strip(), name
            assert q.unit, name
    assert n > 70


def test_domain_facts_are_cited_as_their_source(profile):
    assert profile.source_of("acid_base.pka_apparent").startswith("[HH]")
    assert profile.source_of("metabolism.q_o2_pmol_per_cell_h").startswith("[EPFL]")
    assert profile.source_of("growth.k_death_per_h").startswith("[CHO]")
    assert profile.gas_transfer.o2_saturation_air_um.value == 184.0


def _broken(tmp_path, old, new):
    text = DEFAULT_PROFILE_PATH.read_text()
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1))
    line = text[: text.index(old)].count("\n") + 1
    return path, line


def test_wrong_unit_is_refused_with_file_and_line(tmp_path):
    path, line = _broken(tmp_path, "ua_w_per_k: {value: 1.5, unit: W/K", "ua_w_per_k: {value: 1.5, unit: W/degC")
    with pytest.raises(ProfileError) as err:
        load_twin_profile(path)
    assert f"{path}:{line}:" in str(err.value)
    assert "unit must be 'W/K'" in str(err.value)


def test_unknown_source_key_is_refused(tmp_path):
    path, line = _broken(tmp_path, 'source: "[EPFL] animal cells"', 'source: "[Wikipedia] animal cells"')
    with pytest.raises(ProfileError, match=rf"{re.escape(str(path))}:{line}: .*not a known reference"):
        load_twin_profile(path)


def test_missing_and_unknown_parameters_are_refused(tmp_path):
    path, line = _broken(tmp_path, "  lag_h:", "  lag_hours:")
    with pytest.raises(ProfileError) as err:
        load_twin_profile(path)
    message = str(err.value)
    assert f"{path}:{line}: growth.lag_hours" in message   # the unknown key, at its line
    assert "growth.lag_h: Field required" in message


def test_bad_yaml_names_the_line(tmp_path):
    path, line = _broken(tmp_path, "thermal:\n", "thermal: [\n")
    with pytest.raises(ProfileError, match=rf"{re.escape(str(path))}:\d+: invalid YAML"):
        load_twin_profile(path)


def test_missing_file_is_a_profile_error(tmp_path):
    with pytest.raises(ProfileError, match="file not found"):
        load_twin_profile(tmp_path / "nope.yaml")
