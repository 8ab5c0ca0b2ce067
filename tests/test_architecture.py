"""The package's layers hold: the import contract in pyproject.toml is kept, and it bites.

``[tool.importlinter]`` in ``pyproject.toml`` writes the dependency rules down
as import-linter contracts: the harness layers (cli → plugin → steps →
campaign → report → qualification | lab | evidence → profiles → paths |
errors), the never-rules (control/ and twin/ know no harness and not each
other; simbench/ knows no harness; the harness reaches the simulated bench
only over the network; evidence/ knows no Gherkin and no hardware) and no
import cycles among siblings at any depth. These tests run ``lint-imports`` on
the package, show that it fails — naming the broken contract and the import —
when a forbidden import or a cycle is added to a copy of the package, and
cover what import-linter cannot see: a cycle between a package's ``__init__``
and its own modules, Cython ``.pyx``/``.pxd`` imports, and directories it
would skip because they are not packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mimedi_qual"
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {c["id"]: c for c in tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
             ["contracts"]}


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` with the project's contracts on the ``mimedi_qual`` found in ``package_parent``."""
    env = dict(os.environ, PYTHONPATH=str(package_parent), COLUMNS="400")  # one contract per line
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", str(PYPROJECT)], cwd=package_parent,
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_package_keeps_every_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in CONTRACTS.values():
        assert f"{contract['name']} KEPT" in result.stdout


def _add_import(copy: Path, module_file: str, statement: str) -> None:
    path = copy / "mimedi_qual" / module_file
    text = path.read_text(encoding="utf-8")
    # After the module docstring and `from __future__` (which must stay first), before the rest.
    anchor = "from __future__ import annotations\n"
    assert anchor in text, f"{module_file} has no `{anchor.strip()}` to put the import after"
    path.write_text(text.replace(anchor, anchor + statement + "\n", 1), encoding="utf-8")


# (module of the copy, the import added to it, the contract it breaks, what the report must name)
FORBIDDEN_IMPORTS = {
    # the harness reaches the simulated bench only over the network
    "evidence->simbench": ("evidence/store.py", "import mimedi_qual.simbench", "harness-reaches-bench-over-network",
                           "mimedi_qual.evidence.store -> mimedi_qual.simbench"),
    "steps->twin": ("steps/waiting.py", "import mimedi_qual.twin", "harness-reaches-bench-over-network",
                    "mimedi_qual.steps.waiting -> mimedi_qual.twin"),
    # evidence knows no Gherkin and no hardware
    "evidence->pytest_bdd": ("evidence/deviations.py", "import pytest_bdd", "evidence-knows-no-gherkin-or-hardware",
                             "mimedi_qual.evidence.deviations -> pytest_bdd"),
    "evidence->pyvisa": ("evidence/verify.py", "import pyvisa", "evidence-knows-no-gherkin-or-hardware",
                         "mimedi_qual.evidence.verify -> pyvisa"),
    # the control core knows no harness
    "control->lab": ("control/parameters.py", "import mimedi_qual.lab", "cores-know-no-harness",
                     "mimedi_qual.control.parameters -> mimedi_qual.lab"),
    # the control core and the plant model are independent
    "twin->control": ("twin/parameters.py", "import mimedi_qual.control.codes", "core-and-plant-independent",
                      "mimedi_qual.twin.parameters -> mimedi_qual.control.codes"),
    # the campaign starts the simulator as processes, it does not run the twin in-process
    "campaign->twin": ("campaign/views.py", "import mimedi_qual.twin", "campaign-starts-the-simulator-as-a-process",
                       "mimedi_qual.campaign.views -> mimedi_qual.twin"),
    # imports point down the layers
    "qualification->report": ("qualification/measurement.py", "import mimedi_qual.report", "layers",
                              "mimedi_qual.qualification.measurement -> mimedi_qual.report"),
    "profiles->evidence": ("profiles/loader.py", "import mimedi_qual.evidence", "layers",
                           "mimedi_qual.profiles.loader -> mimedi_qual.evidence"),
    # a cycle inside a package: schema.py is imported by the store, and now imports it back
    "cycle-in-evidence": ("evidence/schema.py", "import mimedi_qual.evidence.store", "no-cycles",
                          "No cycles are allowed in mimedi_qual.evidence"),
}


@pytest.fixture(scope="module")
def broken_copy(tmp_path_factory) -> subprocess.CompletedProcess:
    """lint-imports on a copy of the package with every import of FORBIDDEN_IMPORTS added (one run for all)."""
    copy = tmp_path_factory.mktemp("forbidden-imports")
    shutil.copytree(PACKAGE, copy / "mimedi_qual", ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__"))
    for module_file, statement, _, _ in FORBIDDEN_IMPORTS.values():
        _add_import(copy, module_file, statement)
    return lint_imports(copy)


@pytest.mark.parametrize("case", sorted(FORBIDDEN_IMPORTS))
def test_a_forbidden_import_breaks_its_contract(broken_copy, case):
    _, _, contract_id, named = FORBIDDEN_IMPORTS[case]
    assert broken_copy.returncode != 0, broken_copy.stdout
    assert f"{CONTRACTS[contract_id]['name']} BROKEN" in broken_copy.stdout, broken_copy.stdout
    report = broken_copy.stdout.split("Broken contracts", 1)[1]
    assert named in report, report   # the offending import (or the package with the cycle) is named


def _import_cycles(graph, package: str = "mimedi_qual") -> list[list[str]]:
    """Every strongly connected set of ``package``'s modules (Tarjan): each is an import cycle."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] == package)
    imports = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i.split(".")[0] == package)
               for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(imports[root]))]           # iterative: no recursion limit on deep chains
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(imports[child])))
                elif child in stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_module_imports_itself_back_through_others():
    """Stricter than the contract's sibling rule: no cycle at all, also between a package and its own modules
    (``cli/__init__`` importing ``cli.run`` importing ``cli``) — including imports inside functions."""
    import grimp

    assert _import_cycles(grimp.build_graph("mimedi_qual", cache_dir=None)) == []


def test_the_cycle_check_finds_a_package_init_cycle(tmp_path):
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("def main():\n    from cyclic import run\n")
    (package / "run.py").write_text("from cyclic import main\n")
    (package / "other.py").write_text("import cyclic.run\n")
    import grimp

    sys.path.insert(0, str(tmp_path))
    try:
        graph = grimp.build_graph("cyclic", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    assert _import_cycles(graph, "cyclic") == [["cyclic", "cyclic.run"]]


def test_every_package_directory_is_a_package():
    """import-linter sees only packages: a directory of modules without ``__init__.py`` would escape every rule."""
    missing = sorted(str(d.relative_to(ROOT)) for d in PACKAGE.rglob("*")
                     if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))
                     and not (d / "__init__.py").exists())
    assert missing == [], f"directories of modules without __init__.py: {missing}"


_CYTHON_IMPORT = re.compile(r"^\s*(?:from\s+(mimedi_qual(?:\.\w+)*)\s+c?import|c?import\s+(mimedi_qual(?:\.\w+)*))",
                            re.MULTILINE)


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _never_rules() -> list[tuple[list[str], list[str], str]]:
    """(sources, forbidden, contract name) of every forbidden and independence contract."""
    rules = []
    for contract in CONTRACTS.values():
        if contract["type"] == "forbidden":
            rules.append((contract["source_modules"], contract["forbidden_modules"], contract["name"]))
        elif contract["type"] == "independence":
            for module in contract["modules"]:
                others = [m for m in contract["modules"] if m != module]
                rules.append(([module], others, contract["name"]))
    return rules


def _cython_violations(package_parent: Path) -> list[str]:
    """Imports in the ``.pyx``/``.pxd`` files under ``package_parent/mimedi_qual`` that break a never-rule."""
    broken = []
    cython_files = sorted([*(package_parent / "mimedi_qual").rglob("*.pyx"),
                           *(package_parent / "mimedi_qual").rglob("*.pxd")])
    for sources, forbidden, name in _never_rules():
        for path in cython_files:
            module = ".".join(path.relative_to(package_parent).with_suffix("").parts)
            if not any(_is_within(module, source) for source in sources):
                continue
            for match in _CYTHON_IMPORT.finditer(path.read_text(encoding="utf-8")):
                imported = match.group(1) or match.group(2)
                if any(_is_within(imported, other) for other in forbidden):
                    broken.append(f"{path.relative_to(package_parent)} imports {imported} ({name})")
    return broken


def test_cython_modules_keep_the_never_rules_too():
    """import-linter reads only ``.py`` files: the forbidden and independence rules are checked on ``.pyx``/``.pxd``."""
    assert any(PACKAGE.rglob("*.pyx")), "no Cython sources found"
    assert _cython_violations(ROOT) == []


def test_the_cython_check_finds_a_core_that_cimports_the_plant(tmp_path):
    (tmp_path / "mimedi_qual" / "control").mkdir(parents=True)
    (tmp_path / "mimedi_qual" / "control" / "fast.pyx").write_text(
        "from libc.math cimport exp\nfrom mimedi_qual.twin.culture_kernel cimport CultureKernel\n")
    (broken,) = _cython_violations(tmp_path)
    assert "imports mimedi_qual.twin.culture_kernel" in broken and CONTRACTS["core-and-plant-independent"]["name"] in broken


def test_the_cython_check_sees_a_forbidden_cimport():
    text = "from mimedi_qual.control.pid cimport PidState\nfrom mimedi_qual.lab.drivers import scpi\n"
    assert [m.group(1) or m.group(2) for m in _CYTHON_IMPORT.finditer(text)] == [
        "mimedi_qual.control.pid", "mimedi_qual.lab.drivers"]
