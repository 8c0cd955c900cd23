"""Where runs execute: serially, in local worker processes, or on Dask — one interface.

Every backend hands out a standard ``concurrent.futures.Executor``: a small in-process one for
``serial``, a ``ProcessPoolExecutor`` (spawned processes) for ``local``, and Dask's own
``Client.get_executor()`` for ``dask`` (a ``LocalCluster`` on this machine, or any running
scheduler given by address: ``dask scheduler`` on a head node, or dask-jobqueue on SLURM). The
sweep loop in ``sim.runner.execute`` only ever sees that interface.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

BackendKind = Literal["serial", "local", "dask"]


class SerialExecutor(cf.Executor):
    """Runs each submitted call at once, in this process (for debugging and for tests)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(err)
        return future


class Backend:
    """An executor with a known capacity that can be restarted after a lost worker process."""

    name: str = "serial"
    restartable: bool = False

    def __init__(self) -> None:
        self.executor: cf.Executor = SerialExecutor()

    _closed: bool = False

    def capacity(self) -> int:
        """How many runs can execute at once (for how many to keep in flight)."""
        return 1

    def restart(self) -> None:
        """Replace a broken executor (local processes only)."""
        raise RuntimeError(f"the {self.name} backend cannot be restarted")

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers: after the runs in flight, or at once with ``cancel``."""
        if not self._closed:
            self._closed = True
            self._shutdown(cancel)

    def _shutdown(self, cancel: bool) -> None:
        self.executor.shutdown(wait=not cancel, cancel_futures=cancel)

    def describe(self) -> str:
        return "serial (this process)"

    def lost(self) -> bool:
        """True when the backend itself is gone (a lost Dask scheduler), not just a worker."""
        return False

    def lost_reason(self) -> str:
        return f"the {self.name} backend stopped"

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)


THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")


def single_threaded_libraries() -> None:
    """One thread per worker in BLAS and friends (inherited by spawned workers), unless the user
    set them: N workers on N cores, not N workers each starting N threads."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def _init_worker(parent: int) -> None:
    """Worker initializer: leave Ctrl-C to the parent, and exit when the parent is gone.

    The parent stops its workers cleanly after Ctrl-C or ``kill``; after ``kill -9`` it cannot,
    and an idle pool worker would otherwise wait forever for work that never comes.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="reformsim-parent-watch", daemon=True).start()


class LocalBackend(Backend):
    """Worker processes on this machine (spawned, so nothing is shared but the arguments)."""

    name = "local"
    restartable = True

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.executor = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        single_threaded_libraries()
        return cf.ProcessPoolExecutor(max_workers=self.workers,
                                      mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_init_worker, initargs=(os.getpid(),))

    def capacity(self) -> int:
        return self.workers

    def restart(self) -> None:
        self._shutdown(cancel=True)
        self.executor = self._new_pool()

    def _shutdown(self, cancel: bool) -> None:
        if cancel:
            self._terminate_workers()
        self.executor.shutdown(wait=not cancel, cancel_futures=cancel)

    def _terminate_workers(self) -> None:
        # ProcessPoolExecutor has no public way to stop running calls before Python 3.14;
        # without this an interrupted sweep would wait for the runs in progress.
        processes = getattr(self.executor, "_processes", None) or {}
        for process in list(processes.values()):
            if process.is_alive():
                process.terminate()

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"


class DaskBackend(Backend):
    """Dask distributed: a LocalCluster here, or the scheduler at ``scheduler`` (an address)."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler is None:
            with _workers_ignore_sigint():
                self.cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                            processes=True, host="127.0.0.1",
                                            dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            self.client = Client(scheduler, timeout="30s")
        self.executor = self.client.get_executor(pure=False)
        self.address = scheduler or self.cluster.scheduler_address
        self._threads = (0, 0.0)
        # once the scheduler is gone the client logs each reconnection attempt with a
        # traceback; the sweep says what happened in one line instead. Dask's informational
        # records (e.g. "Batched Comm Closed", with the closed connection's traceback, logged
        # before the client notices it is lost) are not for the sweep's user either.
        self._quiet = _QuietWhenLost(self)
        logging.getLogger("distributed.client").addFilter(self._quiet)
        self._dask_level = logging.getLogger("distributed").level
        logging.getLogger("distributed").setLevel(logging.WARNING)

    def capacity(self) -> int:
        count, checked = self._threads
        if time.monotonic() - checked > 2.0 and not self.lost():
            # workers come and go on an adaptive cluster
            try:
                count = sum(self.client.nthreads().values())
            except Exception:  # noqa: BLE001 - the scheduler is going; lost() will say so
                pass
            self._threads = (count, time.monotonic())
        return max(1, count)

    def lost(self) -> bool:
        """The client is no longer connected to its scheduler (it died or was stopped)."""
        return self.client.status not in ("running", "newly-created")

    def lost_reason(self) -> str:
        return f"lost the Dask scheduler {self.address}"

    def _shutdown(self, cancel: bool) -> None:
        lost = self.lost()
        try:
            self.executor.shutdown(wait=not cancel and not lost)
        finally:
            # with the scheduler gone, do not wait for the client's reconnection attempts
            try:
                if lost:
                    self.client.close(timeout=2)
                else:
                    self.client.close()
            except Exception:  # noqa: BLE001 - closing a client whose scheduler is gone
                pass
            if self.cluster is not None:
                self.cluster.close()
            logging.getLogger("distributed.client").removeFilter(self._quiet)
            logging.getLogger("distributed").setLevel(self._dask_level)

    def describe(self) -> str:
        where = "a local Dask cluster" if self.cluster else f"the Dask scheduler {self.client.scheduler.address}"
        return f"{where} ({self.capacity()} worker threads)"


class _QuietWhenLost(logging.Filter):
    """Drops the Dask client's log records while its scheduler is lost."""

    def __init__(self, backend: DaskBackend) -> None:
        super().__init__()
        self.backend = backend

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.backend.lost()


@contextmanager
def _workers_ignore_sigint() -> Iterator[None]:
    """Start processes with Ctrl-C ignored (inherited): the parent stops them cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def open_backend(kind: BackendKind, workers: int | None = None,
                 scheduler: str | None = None) -> Backend:
    """The backend for ``--backend``/``--workers``/``--scheduler``; use it as a context manager."""
    workers = workers or default_workers()
    if kind == "dask" or scheduler is not None:
        return DaskBackend(workers, scheduler)
    if kind == "local":
        return LocalBackend(workers)
    return Backend()
