"""Build step of the package (metadata: pyproject.toml).

The built-in scenarios, the experiment files with their published results and the example
municipalities live at the top of the checkout (``scenarios/``, ``experiments/``, ``worlds/``),
where they are edited. A wheel carries copies of them as package data: ``build_py`` copies the
three folders into ``sim/_data/`` of the build, and ``sim.resources`` finds them there when the
package runs from an installation rather than a checkout. Editable installs skip the copy (the
checkout's own folders are used).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_FOLDERS = ("scenarios", "experiments", "worlds")


class BuildWithData(build_py):
    """``build_py`` plus copies of the built-in files in ``sim/_data``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "sim" / "_data"
        for name in DATA_FOLDERS:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source} is missing: cannot build the package data")
            destination = target / name
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(source, destination,
                            ignore=shutil.ignore_patterns("__pycache__", ".*", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
