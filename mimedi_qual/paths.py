"""Where a project's protocols, profiles, reports and tools are: :class:`ProjectPaths`, resolved once.

A *project* is a directory holding ``features/`` (the Gherkin protocols) and
``profiles/`` (benches, URS, acceptance criteria, recipes). The harness finds
it in this order, and nowhere else:

1. ``$MIMEDI_QUAL_HOME`` when set (it must hold ``features/`` and ``profiles/``);
2. the current directory, when it holds both;
3. the checkout the package runs from (an editable install: ``make`` installs
   it that way), when it holds both.

Every module asks :func:`project_paths` rather than building paths from
``__file__`` or the current directory::

    >>> paths = project_paths()
    >>> paths.profiles / "acceptance" / "criteria.yaml"     # doctest: +SKIP
    PosixPath('/work/main/profiles/acceptance/criteria.yaml')

``tools`` is where ``make`` installed the npm tools (the Allure generator):
``<root>/.tools`` when the project has one, else the installing checkout's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HOME_VARIABLE = "MIMEDI_QUAL_HOME"
#: the equipment register's file name: it lives beside the acceptance profile it is approved with
EQUIPMENT_REGISTER_FILE = "equipment-register.yaml"
#: the checkout the package was installed from (editable install): mimedi_qual/..
PACKAGE_CHECKOUT = Path(__file__).resolve().parent.parent


def is_project(path: Path) -> bool:
    """A project directory holds ``features/`` and ``profiles/``."""
    return (path / "features").is_dir() and (path / "profiles").is_dir()


@dataclass(frozen=True)
class ProjectPaths:
    """The directories of one project; build with :meth:`at` or :func:`project_paths`."""

    root: Path
    features: Path
    profiles: Path
    reports: Path
    tools: Path
    #: how the root was found, for messages ("$MIMEDI_QUAL_HOME", "current directory", "package checkout")
    found_by: str = "given"

    @classmethod
    def at(cls, root: Path, found_by: str = "given") -> ProjectPaths:
        root = Path(root).resolve()
        tools = root / ".tools"
        if not tools.is_dir():
            tools = PACKAGE_CHECKOUT / ".tools"
        return cls(root=root, features=root / "features", profiles=root / "profiles",
                   reports=root / "reports", tools=tools, found_by=found_by)

    # -- well-known files -------------------------------------------------------
    @property
    def default_bench(self) -> Path:
        """The simulated bench profile: what ``mimedi-qual run`` uses without ``--bench``."""
        return self.profiles / "benches" / "sim.yaml"

    @property
    def default_acceptance(self) -> Path:
        """The acceptance profile of the approved protocol."""
        return self.profiles / "acceptance" / "criteria.yaml"

    @property
    def default_equipment_register(self) -> Path:
        """The equipment register beside the default acceptance profile."""
        return self.default_acceptance.parent / EQUIPMENT_REGISTER_FILE

    def equipment_register_for(self, acceptance_path: Path) -> Path:
        """The register a campaign judging by ``acceptance_path`` uses: the one beside it, else the project's."""
        beside = Path(acceptance_path).parent / EQUIPMENT_REGISTER_FILE
        return beside if beside.is_file() else self.default_equipment_register

    @property
    def urs(self) -> Path:
        return self.profiles / "urs"

    @property
    def process_recipes(self) -> Path:
        """The process recipes (``<name>.yaml``) that PQ steps run by name."""
        return self.profiles / "process"

    @property
    def protocol_document(self) -> Path:
        """The protocol's identity (id, version, objective, scope, files it consists of)."""
        return self.profiles / "protocol" / "mimedi-qualification.yaml"

    @property
    def approvals(self) -> Path:
        """Pre-approval signatures of the protocol (``mimedi-qual approve-protocol`` writes them)."""
        return self.profiles / "approvals"

    @property
    def users_registry(self) -> Path:
        """The user registry (public keys, roles); ``$MIMEDI_QUAL_USERS`` names another one."""
        return Path(os.environ.get("MIMEDI_QUAL_USERS") or self.profiles / "users" / "users.yaml")

    @property
    def users_keys(self) -> Path:
        """The keystore (password-encrypted private keys): ``$MIMEDI_QUAL_KEYS``, else ``keys/`` beside the registry."""
        return Path(os.environ.get("MIMEDI_QUAL_KEYS") or self.users_registry.parent / "keys")

    @property
    def signature_meanings(self) -> Path:
        """What a signature may mean, per role (``mimedi-qual sign --meaning``): a fixed list."""
        return self.profiles / "signatures" / "meanings.yaml"

    def describe(self) -> str:
        """One line for messages: where the project is and how it was found."""
        return f"project {self.root} (found by {self.found_by})"


def resolve_project(environ: dict[str, str] | None = None, cwd: Path | None = None) -> ProjectPaths:
    """Find the project as the module docstring says (pure: for tests, pass ``environ`` and ``cwd``)."""
    environ = os.environ if environ is None else environ
    home = environ.get(HOME_VARIABLE)
    if home:
        return ProjectPaths.at(Path(home), found_by=f"${HOME_VARIABLE}")
    cwd = Path.cwd() if cwd is None else cwd
    if is_project(cwd):
        return ProjectPaths.at(cwd, found_by="current directory")
    if is_project(PACKAGE_CHECKOUT):
        return ProjectPaths.at(PACKAGE_CHECKOUT, found_by="package checkout")
    return ProjectPaths.at(cwd, found_by="current directory (holds no features/ and profiles/)")


@lru_cache(maxsize=1)
def project_paths() -> ProjectPaths:
    """The project of this process, resolved once (see the module docstring)."""
    return resolve_project()


def package_profiles() -> Path:
    """The profiles shipped with the harness checkout: defaults of the control core and the twin.

    The control core and the twin are the product under test, not the harness; their default
    parameters are the checkout's, whatever project a campaign runs.
    """
    return PACKAGE_CHECKOUT / "profiles"
