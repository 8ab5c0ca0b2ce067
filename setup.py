"""Build hook: compile every Cython module of the package.

Metadata lives in pyproject.toml; this file exists only because extension
modules are still declared in code. The extensions are required: a missing
compiler fails the install instead of shipping a pure-Python fallback.
"""

from Cython.Build import cythonize
from setuptools import setup

setup(
    ext_modules=cythonize(
        "mimedi_qual/**/*.pyx",
        compiler_directives={
            "language_level": "3",
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    ),
)
