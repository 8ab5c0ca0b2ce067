"""The one error type for bad configuration: it names the file and line."""

from __future__ import annotations

from pathlib import Path


class ProfileError(Exception):
    """A profile that cannot be used, with where and why.

    ``str(err)`` reads like a compiler message, ``path:line: problem``, so an
    engineer can jump straight to the offending line.
    """

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else f"{self.path}"
        super().__init__(f"{where}: {message}")
