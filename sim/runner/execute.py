"""The sweep loop: submit runs, store each as it finishes, isolate failures, stop cleanly.

Only a window of runs (twice the backend's capacity) is in flight at a time, and each finished
run's table is written and dropped at once, so memory stays flat however large the sweep is and
Ctrl-C stops quickly. Runs already stored are skipped: starting the same sweep again computes
only what is missing. A run that raises is recorded with its error and traceback and the others
go on. A worker process that dies (killed, out of memory) breaks the local pool and takes every
run in flight with it: those runs are retried one at a time on a fresh pool, so the run that
kills its worker is found and recorded as a failure, and the innocent ones are stored.
"""

from __future__ import annotations

import concurrent.futures as cf
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field

from sim.runner.executors import Backend
from sim.runner.plan import RunSpec
from sim.runner.progress import Progress
from sim.runner.store import Failure, RunStore
from sim.runner.worker import Model, RunOutput, compute_run

MAX_ATTEMPTS = 2
"""How often a run is tried alone when its worker process dies under it."""


@dataclass
class SweepSummary:
    """What one start of a sweep did."""

    total: int
    skipped: int
    computed: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    lost: str | None = None
    """Why the backend was lost (e.g. the Dask scheduler): the sweep stopped and can resume."""
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Every run of the plan is stored."""
        return not self.interrupted and not self.failures


def run_specs(specs: Sequence[RunSpec], store: RunStore, backend: Backend, *,
              model: Model | None = None, progress: bool = True,
              label: str = "runs") -> SweepSummary:
    """Compute every run of ``specs`` not yet in ``store``; return what happened."""
    start = time.perf_counter()
    store.open()
    finished = store.finished_ids()
    todo = list({s.run_id: s for s in specs if s.run_id not in finished}.values())
    unique = len({s.run_id for s in specs})
    summary = SweepSummary(total=unique, skipped=unique - len(todo))
    bar = Progress(len(todo), label=label, enabled=progress)
    loop = _Loop(store, backend, model, bar, summary)
    try:
        with _sigterm_as_interrupt():
            loop.run(todo)
    except KeyboardInterrupt:
        summary.interrupted = True
        loop.cancel()
    except BackendLost as lost:
        summary.interrupted = True
        summary.lost = str(lost)
        loop.cancel()
    finally:
        bar.close()
    summary.seconds = time.perf_counter() - start
    return summary


class _Loop:
    """Keeps a window of runs in flight and handles each outcome as it arrives."""

    def __init__(self, store: RunStore, backend: Backend, model: Model | None, bar: Progress,
                 summary: SweepSummary) -> None:
        self.store, self.backend, self.model = store, backend, model
        self.bar, self.summary = bar, summary
        self.failures = store.failures()
        self.in_flight: dict[cf.Future, RunSpec] = {}
        self.queue: deque[RunSpec] = deque()
        self.suspects: deque[RunSpec] = deque()  # in flight when a worker died: retried alone
        self.alone: str | None = None              # the suspect now running by itself
        self.lost: Counter[str] = Counter()

    def run(self, todo: list[RunSpec]) -> None:
        self.queue.extend(todo)
        while self.queue or self.suspects or self.in_flight:
            self._fill()
            done, _ = cf.wait(list(self.in_flight), timeout=1.0, return_when=cf.FIRST_COMPLETED)
            broken = False
            for future in done:
                spec = self.in_flight.pop(future)
                broken |= self._handle(future, spec)
            if broken:
                self._restart_after_lost_worker()

    def _fill(self) -> None:
        if self.suspects:
            if not self.in_flight:
                spec = self.suspects.popleft()
                self.alone = spec.run_id
                self._submit(spec)
            return
        window = 2 * self.backend.capacity()
        while self.queue and len(self.in_flight) < window:
            self._submit(self.queue.popleft())

    def _submit(self, spec: RunSpec) -> None:
        self.in_flight[self.backend.executor.submit(compute_run, spec, self.model)] = spec

    def _handle(self, future: cf.Future, spec: RunSpec) -> bool:
        """Store or record one outcome; True when its worker process was lost."""
        alone, self.alone = spec.run_id == self.alone, None
        try:
            output: RunOutput = future.result()
        except BrokenProcessPool:
            if not alone:  # any run in flight may have been the one that killed the worker
                self.suspects.append(spec)
                return True
            self.lost[spec.run_id] += 1
            if self.lost[spec.run_id] < MAX_ATTEMPTS:
                self.suspects.appendleft(spec)
            else:
                self._fail(spec, "the worker process died while running it (killed or out of "
                                 "memory)", "")
            return True
        except cf.CancelledError:
            # nobody cancelled it: on Dask this is how a lost scheduler shows (every future in
            # flight is cancelled at once). It says nothing about the run: stop, keep what is
            # stored, and let the user resume.
            if self.backend.lost():
                raise BackendLost(self.backend.lost_reason()) from None
            self._fail(spec, "cancelled", "")
            return False
        except Exception as err:  # noqa: BLE001 - e.g. a Dask worker killed too often
            if self.backend.lost():
                raise BackendLost(self.backend.lost_reason()) from None
            self._fail(spec, f"{type(err).__name__}: {err}", "")
            return False
        if output.error is not None:
            self._fail(spec, output.error, output.traceback or "")
        else:
            self._store(spec, output)
        return False

    def _store(self, spec: RunSpec, output: RunOutput) -> None:
        self.store.write_run(spec.run_id, output.table)
        self.summary.computed.append(spec.run_id)
        if self.failures.pop(spec.run_id, None) is not None:
            self.store.save_failures(self.failures)
        self.bar.finished()

    def _fail(self, spec: RunSpec, error: str, traceback: str) -> None:
        failure = Failure.of(spec, error, traceback)
        self.failures[spec.run_id] = failure
        self.store.save_failures(self.failures)
        self.summary.failures.append(failure)
        self.bar.failure()

    def _restart_after_lost_worker(self) -> None:
        # Every run in flight on a broken pool is lost with it: retry them alone, on a fresh pool.
        self.suspects.extend(self.in_flight.values())
        self.in_flight.clear()
        self.bar.write("a worker process died; restarting the workers and retrying its runs")
        self.backend.restart()

    def cancel(self) -> None:
        """Stop everything in flight (after Ctrl-C): finished runs are already stored."""
        for future in self.in_flight:
            future.cancel()
        self.backend.close(cancel=True)


class BackendLost(RuntimeError):
    """The backend itself went away (the Dask scheduler): no run failed, the sweep must stop."""


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat ``kill`` (SIGTERM) like Ctrl-C, so workers are stopped and no file is half written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
