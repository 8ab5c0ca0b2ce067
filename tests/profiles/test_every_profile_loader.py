"""Every YAML profile of the project is read by the one loader: a broken file names file and line.

The harness's profiles (bench, URS, acceptance, equipment register, process,
protocol document), the control core's (controller, tuning targets), the
twin's (parameters, recipe) and the user registry all go through
``mimedi_qual.profiles.loader.load_model`` / ``yaml_lines``: invalid YAML, an
unknown key, a binary file — each is a ProfileError ``path:line: problem``,
never a PyYAML or pydantic traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mimedi_qual.control.parameters import load_controller_profile
from mimedi_qual.control.tuning import load_tuning_targets
from mimedi_qual.errors import ProfileError
from mimedi_qual.evidence.users import UserRegistry
from mimedi_qual.profiles import load_acceptance, load_bench, load_process, load_urs
from mimedi_qual.profiles.loader import load_protocol_document, load_signature_meanings
from mimedi_qual.qualification.recipe import load_recipe as load_process_recipe
from mimedi_qual.qualification.register import load_register
from mimedi_qual.twin.parameters import load_twin_profile
from mimedi_qual.twin.recipe import load_recipe as load_twin_recipe

ROOT = Path(__file__).resolve().parents[2]

# (loader, shipped profile, whether an unknown top-level key is refused)
PROFILES = {
    "bench": (load_bench, "profiles/benches/sim.yaml", True),
    "urs": (load_urs, "profiles/urs/mimedi-urs.yaml", True),
    "acceptance": (load_acceptance, "profiles/acceptance/criteria.yaml", True),
    "equipment register": (load_register, "profiles/acceptance/equipment-register.yaml", True),
    "process": (load_process, "profiles/process/warmup-and-hold.yaml", True),
    "process recipe": (load_process_recipe, "profiles/process/car-t-14d.yaml", True),
    "protocol document": (load_protocol_document, "profiles/protocol/mimedi-qualification.yaml", True),
    "controller": (load_controller_profile, "profiles/control/controller.yaml", True),
    "tuning targets": (load_tuning_targets, "profiles/control/tuning-targets.yaml", True),
    "twin parameters": (load_twin_profile, "profiles/twin/default.yaml", True),
    "twin recipe": (load_twin_recipe, "profiles/twin/recipe-default.yaml", True),
    "user registry": (UserRegistry.load, "profiles/users/users.yaml", False),
    "signature meanings": (load_signature_meanings, "profiles/signatures/meanings.yaml", True),
}

BROKEN_YAML = "first: 1\nsecond: 2\n  indented: 3\n"   # line 3: a mapping value where none is allowed
BINARY_FILES = {
    "control characters": b"bench:\x00\x01\x02\x1b[0m\n",
    "not UTF-8": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
}


@pytest.fixture(params=sorted(PROFILES), ids=lambda name: name.replace(" ", "-"))
def profile(request):
    loader, shipped, strict = PROFILES[request.param]
    return loader, ROOT / shipped, strict


def _message_is_located(err: ProfileError, path: Path, line: int | None) -> None:
    assert err.path == path
    assert err.line == line
    where = f"{path}:{line}: " if line else f"{path}: "
    assert str(err).startswith(where), str(err)


def test_the_shipped_profile_loads(profile):
    loader, shipped, _ = profile
    assert loader(shipped) is not None


def test_invalid_yaml_names_file_and_line(profile, tmp_path):
    loader, shipped, _ = profile
    path = tmp_path / shipped.name
    path.write_text(BROKEN_YAML, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        loader(path)
    _message_is_located(err.value, path, 3)
    assert "invalid YAML" in str(err.value)


def test_an_unknown_key_names_its_line(profile, tmp_path):
    loader, shipped, strict = profile
    if not strict:
        pytest.skip("the user registry reads only its 'users' list")
    text = shipped.read_text(encoding="utf-8").rstrip("\n") + "\n"
    path = tmp_path / shipped.name
    path.write_text(text + "zz_not_a_key: 1\n", encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        loader(path)
    line = text.count("\n") + 1
    assert f"{path}:{line}: zz_not_a_key: Extra inputs are not permitted" in str(err.value)


@pytest.mark.parametrize("content", sorted(BINARY_FILES), ids=lambda c: c.replace(" ", "-"))
def test_a_binary_file_is_a_profile_error_naming_the_file(profile, tmp_path, content):
    loader, shipped, _ = profile
    path = tmp_path / shipped.name
    path.write_bytes(BINARY_FILES[content])
    with pytest.raises(ProfileError) as err:
        loader(path)
    _message_is_located(err.value, path, 1)
    assert "binary file" in str(err.value)


def test_a_directory_or_a_missing_file_names_the_path(profile, tmp_path):
    loader, shipped, _ = profile
    # the acceptance profile is a folder of criteria files: an empty folder holds none
    with pytest.raises(ProfileError, match="is a directory|no acceptance criteria file") as err:
        loader(tmp_path)
    _message_is_located(err.value, tmp_path, None)
    if shipped.name == "users.yaml":
        assert list(loader(tmp_path / "nope.yaml")) == []     # no registry yet: nobody may sign
        return
    with pytest.raises(ProfileError, match="file not found") as err:
        loader(tmp_path / "nope.yaml")
    _message_is_located(err.value, tmp_path / "nope.yaml", None)


def test_an_empty_user_registry_is_an_empty_registry(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text("# no users yet\n", encoding="utf-8")
    assert list(UserRegistry.load(path)) == []


def test_a_bad_user_entry_names_its_line(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text("# signing users\nusers:\n  - user_id: no.key\n    printed_name: No Key\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=rf"^{re.escape(str(path))}:3: users\[0\]: invalid user entry"):
        UserRegistry.load(path)
    path.write_text("users:\n  - user_id: No Capitals\n    printed_name: X\n    roles: [reviewer]\n"
                    "    public_key_ed25519: 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=rf"^{re.escape(str(path))}:2: users\[0\]: user_id 'No Capitals' must match"):
        UserRegistry.load(path)


@pytest.fixture(scope="module")
def cli_app():
    from mimedi_qual.cli import _register_commands, app

    if not app.registered_groups:       # registering twice would add every sub-command twice
        _register_commands()
    return app


@pytest.mark.parametrize("content", sorted(BINARY_FILES), ids=lambda c: c.replace(" ", "-"))
def test_run_with_a_binary_bench_file_exits_2_naming_it(cli_app, tmp_path, content):
    """`mimedi-qual run --bench <binary file>`: exit 2, the file named, no traceback, nothing run."""
    bench = tmp_path / "bench.yaml"
    bench.write_bytes(BINARY_FILES[content])
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli_app, ["run", "--bench", str(bench), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"{bench}:1: " in result.output
    assert "binary file" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("section, key", [("controller", "control_profile"), ("plant", "twin_profile")])
def test_run_with_a_broken_controller_or_twin_profile_exits_2_before_anything_runs(cli_app, tmp_path, section,
                                                                                   key):
    """The simulated bench's own profiles are checked in preflight: `path:line`, exit 2, no campaign directory."""
    broken = tmp_path / f"broken-{key}.yaml"
    broken.write_text(BROKEN_YAML, encoding="utf-8")
    before, simulation = (ROOT / "profiles/benches/sim.yaml").read_text(encoding="utf-8").split("\nsimulation:", 1)
    anchor = f"\n  {section}:"
    assert anchor in simulation, f"sim.yaml has no simulation.{section} section"
    head, tail = simulation.split(anchor, 1)
    first_line, rest = tail.split("\n", 1)
    bench = tmp_path / "bench.yaml"
    bench.write_text(f"{before}\nsimulation:{head}{anchor}{first_line}\n    {key}: {broken}\n{rest}",
                     encoding="utf-8")
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli_app, ["run", "--bench", str(bench), "--stage", "iq", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"{broken}:3: invalid YAML" in result.output
    assert not out.exists() or not any(out.iterdir())
