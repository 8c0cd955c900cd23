"""A copy of the package that a test may edit, run in its own Python process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Copy:
    """``sim/``, ``scenarios/``, ``experiments/`` and ``worlds/`` copied to a folder; ``run`` starts Python
    there, so ``import sim`` finds the copy (and its edits), not the installed package."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for name in ("sim", "scenarios", "experiments", "worlds"):
            shutil.copytree(ROOT / name, folder / name, ignore=ignore)
        # a checkout (sim.resources): the built-in files are read from beside the package
        for name in ("requirements.lock", "pyproject.toml"):
            shutil.copy(ROOT / name, folder / name)

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.folder / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{relative}: {old!r} not found"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def append(self, relative: str, text: str) -> None:
        path = self.folder / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    def run(self, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONPATH": str(self.folder), "MPLBACKEND": "Agg"}
        command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "sim",
                                                                     *args]
        return subprocess.run(command, cwd=self.folder, env=env, capture_output=True, text=True,
                              timeout=300)


@pytest.fixture
def package_copy(tmp_path: Path) -> Copy:
    return Copy(tmp_path / "copy")
