"""Which code and which dependencies made a result: the code version and the lock file's hash.

``code_version()`` is a hash of the package's source files that can change a run's numbers: the
model, its mechanisms, state, world, scenario schema, parameters, outcomes, the experiment's
seeds and the worker that reduces a run to its table. It reads the installed files (not git),
so it works the same in a checkout, an editable install and a wheel. Files that only present or
schedule results (command line, reports, dashboard, the sweep loop and store, calibration and
reproduction) are left out, so editing a report does not invalidate stored runs.

A run's key (``sim.runner.plan.run_id``) includes the code version: after a model change a
resumed sweep or ``reproduce --out DIR`` recomputes instead of mixing old and new runs.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

PRESENTATION: tuple[str, ...] = (
    "commands/", "dashboard/", "report/", "runner/execute.py", "runner/executors.py",
    "runner/progress.py", "runner/session.py", "runner/store.py", "runner/__init__.py",
    "calibrate/", "cli.py", "docs.py", "__main__.py", "provenance.py", "reproduce.py",
    "publication.py", "validation.py", "calibration.py", "api.py",
)
"""Source files (relative to the package, folders end in /) that cannot change a run's numbers."""

LOCK_FILE = PACKAGE.parent / "requirements.lock"


def result_files() -> list[Path]:
    """The package's source files that can change results, in a fixed order."""
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if "__pycache__" in rel or any(rel == p or (p.endswith("/") and rel.startswith(p))
                                       for p in PRESENTATION):
            continue
        files.append(path)
    return files


@cache
def code_version() -> str:
    """12 hex digits: a hash of the result-affecting source files (paths and contents)."""
    digest = hashlib.sha256()
    for path in result_files():
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def lock_hash(lock: Path = LOCK_FILE) -> str:
    """12 hex digits of the lock file's hash, or ``none`` when it is not there (e.g. a wheel)."""
    try:
        return hashlib.sha256(lock.read_bytes()).hexdigest()[:12]
    except OSError:
        return "none"
