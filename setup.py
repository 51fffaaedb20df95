"""Copy the repository's schema/ into the package at build time.

schema/ at the repository root is the single source of truth (editors point at it); the wheel
must carry the same bytes so `wfc schema` and validation work from an installed package.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithSchema(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "schema"
        target = Path(self.build_lib) / "wfc" / "schema"
        target.mkdir(parents=True, exist_ok=True)
        for schema in sorted(source.glob("*.json")):
            shutil.copyfile(schema, target / schema.name)


setup(cmdclass={"build_py": BuildPyWithSchema})
