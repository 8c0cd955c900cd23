"""Results on disk: one Parquet file per finished run, a failures file, and resume.

Layout of an output directory::

    OUT/runs/<run_id>.parquet   one file per finished run, written as it finishes
    OUT/failures.json           runs whose last attempt failed: error and traceback
    OUT/results.parquet         every finished run of the plan, in plan order (written at the end)
    OUT/sweep.lock              held by the sweep writing into OUT: a second one is refused

Every file is written to a temporary name in the same directory and then moved into place with
``os.replace``, so a run's file is either complete or absent: after Ctrl-C, a killed worker or a
crash, the finished runs are exactly the files in ``runs/``, and a new start computes the rest.
Only the parent process writes; workers send their tables back.

Run ids end in the code version (``<key>-<code version>``, see ``sim.runner.plan``), so a run
stored by other code is not "finished" for this code and is computed again. With
``reuse_stale=True`` (``--reuse-stale``) a stored run of the same key made by other code stands
in for it; ``stale`` records which, so reports can flag them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io import TMP_MARK, atomic_write
from sim.provenance import code_version
from sim.runner.plan import RunSpec

LOCK_NAME = "sweep.lock"
"""The lock file of an output folder: held (``flock``) by the one sweep writing into it."""

_HELD: dict[Path, tuple[int, RunStore]] = {}
"""Locks this process holds, by folder; released by :func:`release_locks` (or by exiting)."""


class StoreBusy(RuntimeError):
    """Another process is writing into the same output folder; the message says which."""


def release_locks() -> None:
    """Release every output-folder lock this process holds (the command line does this at the
    end of each command; the operating system does it when a process dies, even by SIGKILL)."""
    for key in list(_HELD):
        fd, _ = _HELD.pop(key)
        os.close(fd)


@dataclass
class Failure:
    """A run whose last attempt raised: what it was and what went wrong."""

    run_id: str
    scenario: str
    point: int
    replication: int
    seed: int
    overrides: dict[str, float]
    error: str
    traceback: str

    @classmethod
    def of(cls, spec: RunSpec, error: str, traceback: str) -> Failure:
        return cls(spec.run_id, spec.scenario_name, spec.point, spec.replication, spec.seed,
                   dict(spec.overrides), error, traceback)


class RunStore:
    """The output directory of a sweep or a comparison."""

    def __init__(self, out: str | Path, *, reuse_stale: bool = False) -> None:
        self.out = Path(out)
        self.reuse_stale = reuse_stale
        self.stale: dict[str, str] = {}  # run id of this code -> stored id made by other code
        self.runs_dir = self.out / "runs"
        self.failures_path = self.out / "failures.json"
        self.results_path = self.out / "results.parquet"

    created: bool = False
    """True when this store made its folder (so it may remove it again if nothing was stored)."""

    def lock(self) -> RunStore:
        """Take the folder's lock, or raise :class:`StoreBusy` naming the sweep that holds it.

        Policy: a second sweep (or comparison) into a folder another one is writing to is
        refused at once, before it computes anything; the lock is an ``flock`` on
        ``OUT/sweep.lock``, so it is released however the holder ends (even ``kill -9``),
        and a stale lock file never blocks anyone.
        """
        key = Path(os.path.abspath(self.out))
        if key in _HELD:
            return self
        self.created = self.created or not self.out.exists()
        self.out.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise StoreBusy(f"--out {self.out}: another sweep is writing into this folder "
                            f"({holder}); wait until it ends (then run the same command to "
                            "add what is missing) or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {dt.datetime.now():%Y-%m-%d %H:%M:%S}"
                  .encode(), 0)
        _HELD[key] = (fd, self)
        return self

    def discard_if_empty(self) -> bool:
        """Remove the folder again when this store created it and no run was stored in it
        (a sweep refused after it was opened leaves no output folder behind)."""
        if not self.created or self.finished_ids():
            return False
        key = Path(os.path.abspath(self.out))
        if key in _HELD:
            os.close(_HELD.pop(key)[0])
        shutil.rmtree(self.out, ignore_errors=True)
        return True

    def open(self) -> RunStore:
        """Create the directories and remove temporary files left by an interrupted write."""
        self.created = self.created or not self.out.exists()
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        for folder in (self.out, self.runs_dir):
            for stale in folder.glob(f".*{TMP_MARK}*"):
                stale.unlink(missing_ok=True)
        return self

    def finished_ids(self) -> set[str]:
        """Run ids with a complete results file."""
        if not self.runs_dir.is_dir():
            return set()
        stems = {p.stem for p in self.runs_dir.glob("*.parquet")}
        if not self.reuse_stale:
            return stems
        version = code_version()
        for stem in sorted(stems):
            key, _, made_by = stem.partition("-")
            alias = f"{key}-{version}"
            if made_by and made_by != version and alias not in stems:
                self.stale[alias] = stem
        return stems | set(self.stale)

    def stale_ids(self, run_ids: Iterable[str]) -> list[str]:
        """Which of ``run_ids`` are answered by a stored run made by other code."""
        return [r for r in run_ids if r in self.stale]

    def run_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{self.stale.get(run_id, run_id)}.parquet"

    def write_run(self, run_id: str, table: pd.DataFrame) -> Path:
        """Store one finished run's table, atomically."""
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        self.stale.pop(run_id, None)
        return atomic_write(self.run_path(run_id), lambda tmp: pq.write_table(arrow, tmp))

    def read_run(self, run_id: str) -> pd.DataFrame:
        return pq.read_table(self.run_path(run_id)).to_pandas()

    # failures -------------------------------------------------------------------------------

    def failures(self) -> dict[str, Failure]:
        """The recorded failures, by run id."""
        if not self.failures_path.exists():
            return {}
        records = json.loads(self.failures_path.read_text(encoding="utf-8"))
        return {r["run_id"]: Failure(**r) for r in records}

    def save_failures(self, failures: dict[str, Failure]) -> None:
        """Rewrite the failures file (removed when there are none), atomically."""
        if not failures:
            self.failures_path.unlink(missing_ok=True)
            return
        text = json.dumps([asdict(f) for f in failures.values()], indent=2)
        self.write_text(self.failures_path.name, text)

    # whole-sweep files ----------------------------------------------------------------------

    def combine(self, specs: Iterable[RunSpec], path: Path | None = None) -> Path | None:
        """Write every finished run of ``specs`` into one Parquet file, in plan order.

        Streams one run at a time, so memory does not grow with the number of runs. Returns
        None when no run has finished.
        """
        path = path or self.results_path
        finished = self.finished_ids()
        ids = [s for s in specs if s.run_id in finished]
        if not ids:
            return None

        def write(tmp: Path) -> None:
            schema = pq.read_schema(self.run_path(ids[0].run_id)).remove_metadata()
            with pq.ParquetWriter(tmp, schema) as writer:
                for spec in ids:
                    writer.write_table(_as_planned(pq.read_table(self.run_path(spec.run_id)), spec)
                                       .cast(schema))

        return atomic_write(path, write)

    def read_results(self, specs: Iterable[RunSpec]) -> pd.DataFrame:
        """The finished runs of ``specs`` as one DataFrame (for reports on small experiments)."""
        finished = self.finished_ids()
        tables = [_as_planned(pq.read_table(self.run_path(s.run_id)), s)
                  for s in specs if s.run_id in finished]
        if not tables:
            return pd.DataFrame()
        return pa.concat_tables(tables, promote_options="default").to_pandas()

    def write_text(self, name: str, text: str) -> Path:
        """Write a text file into the output directory, atomically."""
        return atomic_write(self.out / name, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def write_bytes(self, name: str, data: bytes) -> Path:
        return atomic_write(self.out / name, lambda tmp: tmp.write_bytes(data))

    def write_frame(self, name: str, frame: pd.DataFrame) -> Path:
        """Write a DataFrame as Parquet or CSV (by the name's suffix), atomically."""
        if name.endswith(".csv"):
            return atomic_write(self.out / name, lambda tmp: frame.to_csv(tmp, index=False))
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        return atomic_write(self.out / name, lambda tmp: pq.write_table(arrow, tmp))


def _as_planned(table: pa.Table, spec: RunSpec) -> pa.Table:
    """A stored run labelled with this spec's point: two design points can be the same run."""
    i = table.schema.get_field_index("point")
    if i < 0 or table.num_rows == 0 or table.column(i)[0].as_py() == spec.point:
        return table
    return table.set_column(i, table.schema.field(i), pa.array([spec.point] * table.num_rows,
                                                               pa.int64()))
