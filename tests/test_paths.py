"""ProjectPaths: one way to find the project (root, features, profiles, reports, tools)."""

from __future__ import annotations

from pathlib import Path

from mimedi_qual.paths import PACKAGE_CHECKOUT, ProjectPaths, resolve_project


def make_project(path: Path) -> Path:
    (path / "features").mkdir(parents=True)
    (path / "profiles").mkdir()
    return path


def test_home_variable_wins_over_the_current_directory(tmp_path):
    home, cwd = make_project(tmp_path / "home"), make_project(tmp_path / "cwd")
    paths = resolve_project({"MIMEDI_QUAL_HOME": str(home)}, cwd=cwd)
    assert paths.root == home.resolve() and paths.found_by == "$MIMEDI_QUAL_HOME"
    assert paths.features == home.resolve() / "features" and paths.profiles == home.resolve() / "profiles"
    assert paths.reports == home.resolve() / "reports"


def test_current_directory_when_it_is_a_project(tmp_path):
    cwd = make_project(tmp_path / "p")
    paths = resolve_project({}, cwd=cwd)
    assert paths.root == cwd.resolve() and paths.found_by == "current directory"
    assert paths.default_bench == cwd.resolve() / "profiles" / "benches" / "sim.yaml"


def test_else_the_package_checkout(tmp_path):
    paths = resolve_project({}, cwd=tmp_path)
    assert paths.root == PACKAGE_CHECKOUT and paths.found_by == "package checkout"
    assert "package checkout" in paths.describe()


def test_tools_fall_back_to_the_installing_checkout(tmp_path):
    project = make_project(tmp_path / "p")
    assert ProjectPaths.at(project).tools == PACKAGE_CHECKOUT / ".tools"
    (project / ".tools").mkdir()
    assert ProjectPaths.at(project).tools == project.resolve() / ".tools"
