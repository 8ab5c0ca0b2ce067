"""Where the protocols and profiles are: the project root.

The root is the directory holding ``features/`` and ``profiles/``: the
``MIMEDI_QUAL_HOME`` environment variable if set, else the current directory
if it is one, else the checkout this package was installed from (editable).
"""

from __future__ import annotations

import os
from pathlib import Path

import mimedi_qual


def _is_root(path: Path) -> bool:
    return (path / "features").is_dir() and (path / "profiles").is_dir()


def project_root() -> Path:
    env = os.environ.get("MIMEDI_QUAL_HOME")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd()
    if _is_root(cwd):
        return cwd
    checkout = Path(mimedi_qual.__file__).resolve().parent.parent
    if _is_root(checkout):
        return checkout
    return cwd


DEFAULT_BENCH = Path("profiles/benches/sim.yaml")
