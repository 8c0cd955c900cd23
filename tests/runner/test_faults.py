"""Faults a real sweep meets, with real processes: a Dask worker killed with SIGKILL, a lost
scheduler, a full disk, and two sweeps started into one folder.

The Dask tests start ``dask scheduler`` and ``dask worker`` with the dask command line on
127.0.0.1 (random ports), as a user would on a cluster, and run ``python -m sim sweep`` (the
same code as ``reformsim sweep``) against them. Every result is compared with a serial sweep of
the same experiment: a fault may cost time, never a different number or a run stored twice.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.runner.store import LOCK_NAME, RunStore, StoreBusy, release_locks

pytestmark = [pytest.mark.dask, pytest.mark.xdist_group("runner-faults")]

REPO = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).parent / "dask"
RUNS = 12
EXPERIMENT = f"""name = "faults"
scenarios = ["baseline"]
replications = {RUNS}
years = 2
base_seed = 5
[outputs]
resolution = "yearly"
"""
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("experiment") / "faults.toml"
    path.write_text(EXPERIMENT)
    return path


@pytest.fixture(scope="module")
def serial(experiment, tmp_path_factory) -> pd.DataFrame:
    """The reference: the same experiment, serially, in this process."""
    out = tmp_path_factory.mktemp("serial")
    assert main(["sweep", str(experiment), "--backend", "serial", "--no-progress",
                 "--out", str(out)]) == 0
    return pd.read_parquet(out / "results.parquet")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored(out: Path) -> set[str]:
    return {p.stem for p in (out / "runs").glob("*.parquet")}


def wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the sweep ended (rc={proc.returncode}) before {what}:\n"
                                 + proc.stderr.read() if proc.stderr else "")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def processes():
    """Processes started in the block; each is killed (its whole group) at the end."""
    started: list[subprocess.Popen] = []
    try:
        yield started
    finally:
        for proc in started:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait(timeout=30)


def start_scheduler(started: list, tmp: Path, port: int = 0) -> tuple[subprocess.Popen, str]:
    """``dask scheduler`` on 127.0.0.1; returns the process and its address."""
    info = tmp / f"scheduler-{len(started)}.json"
    log = (tmp / f"scheduler-{len(started)}.log").open("wb")
    proc = subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                             "--no-dashboard", "--scheduler-file", str(info)],
                            stdout=log, stderr=subprocess.STDOUT, env=ENV,
                            start_new_session=True)
    started.append(proc)

    def ready() -> bool:
        try:
            return bool(json.loads(info.read_text())["address"])
        except (OSError, ValueError, KeyError):
            return False

    wait_for(ready, 60, "the scheduler to start")
    return proc, json.loads(info.read_text())["address"]


def start_worker(started: list, tmp: Path, address: str) -> subprocess.Popen:
    """``dask worker`` (one thread, no nanny: SIGKILL really ends it) on 127.0.0.1."""
    log = (tmp / f"worker-{len(started)}.log").open("wb")
    proc = subprocess.Popen([str(DASK), "worker", address, "--nthreads", "1", "--no-nanny",
                             "--no-dashboard", "--host", "127.0.0.1", "--death-timeout", "60"],
                            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=ENV,
                            start_new_session=True)
    started.append(proc)
    return proc


def wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=60)


def sweep(experiment: Path, out: Path, *extra: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(experiment), "--out",
                             str(out), "--no-progress", *extra], cwd=REPO, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def computed(stderr: str) -> int:
    return int(re.search(r"(\d+) runs computed", stderr).group(1))


def assert_same_as_serial(out: Path, serial: pd.DataFrame) -> None:
    table = pd.read_parquet(out / "results.parquet")
    assert table["run_id"].nunique() == RUNS and len(table) == len(serial)
    pd.testing.assert_frame_equal(table, serial)
    assert not [p for p in out.rglob(".*")], "a temporary file was left"


# ------------------------------------------------------------------------------ Dask
def test_a_worker_killed_with_sigkill_mid_sweep_costs_no_run_and_changes_no_number(
        experiment, serial, tmp_path):
    out = tmp_path / "out"
    with processes() as started:
        _, address = start_scheduler(started, tmp_path)
        victim = start_worker(started, tmp_path, address)
        start_worker(started, tmp_path, address)
        wait_for_workers(address, 2)
        proc = sweep(experiment, out, "--scheduler", address)
        started.append(proc)
        wait_for(lambda: len(stored(out)) >= 2, 120, "two runs stored", proc)
        before = len(stored(out))
        victim.send_signal(signal.SIGKILL)           # mid-sweep: runs are in flight on it
        victim.wait(timeout=10)
        _, err = proc.communicate(timeout=300)
    assert before < RUNS, "the worker was killed after the sweep had finished"
    assert proc.returncode == 0, err
    assert computed(err) == RUNS                     # each run written once, none failed
    assert "0 failed" in err
    assert len(stored(out)) == RUNS
    assert_same_as_serial(out, serial)


def test_a_lost_scheduler_ends_the_sweep_with_one_line_and_a_resume_command_that_completes_it(
        experiment, serial, tmp_path):
    out = tmp_path / "out"
    port = free_port()
    with processes() as started:
        scheduler, address = start_scheduler(started, tmp_path, port)
        start_worker(started, tmp_path, address)
        wait_for_workers(address, 1)
        proc = sweep(experiment, out, "--scheduler", address)
        started.append(proc)
        wait_for(lambda: len(stored(out)) >= 2, 120, "two runs stored", proc)
        t0 = time.monotonic()
        scheduler.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        ended_after = time.monotonic() - t0
        have = stored(out)
        assert proc.returncode == 75, err           # EX_TEMPFAIL: resume later
        lines = [line for line in err.splitlines() if line.startswith("reformsim: error:")]
        assert len(lines) == 1, err
        assert "lost the Dask scheduler" in lines[0] and f"{len(have)} of {RUNS} runs" in lines[0]
        assert "Traceback" not in err
        assert ended_after < 30, f"the sweep took {ended_after:.0f} s to notice"
        assert 0 < len(have) < RUNS
        assert not (out / "results.parquet").exists()
        command = lines[0].split("resume with: ", 1)[1]
        argv = shlex.split(command)
        assert argv[:2] == ["reformsim", "sweep"] and address in argv

        # the scheduler comes back at the same address; the worker reconnects or a new one joins
        start_scheduler(started, tmp_path, port)
        start_worker(started, tmp_path, address)
        wait_for_workers(address, 1)
        done = subprocess.run([sys.executable, "-m", "sim", *argv[1:]], cwd=REPO, env=ENV,
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert computed(done.stderr) == RUNS - len(have)  # nothing stored is computed again
    assert_same_as_serial(out, serial)


# ------------------------------------------------------------------------------ disk
def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_ends_with_a_clear_message_and_nothing_half_written(experiment, serial,
                                                                        tmp_path):
    """A write-size limit (RLIMIT_FSIZE) stands in for a full disk: every run file fits, the
    combined table does not."""
    out = tmp_path / "out"
    proc = sweep(experiment, out, "--backend", "serial", preexec_fn=_file_size_limit(12_000))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err
    lines = [line for line in err.splitlines() if line.startswith("reformsim: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "results.parquet" in lines[0] and "disk is full" in lines[0], lines[0]
    assert "run the same command again" in lines[0]
    assert not (out / "results.parquet").exists()
    assert not [p for p in out.rglob(".*")], "a half-written temporary file was left"
    for path in (out / "runs").glob("*.parquet"):     # every file there is whole
        assert len(pd.read_parquet(path)) > 0
    assert len(stored(out)) == RUNS

    # with room again, the same command finishes without computing anything again
    again = sweep(experiment, out, "--backend", "serial")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert computed(err) == 0
    assert_same_as_serial(out, serial)


def test_a_disk_full_from_the_first_run_leaves_no_run_and_no_temporary_file(experiment,
                                                                            tmp_path):
    out = tmp_path / "out"
    proc = sweep(experiment, out, "--backend", "serial", preexec_fn=_file_size_limit(3_000))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err
    assert "disk is full" in err and "Traceback" not in err
    assert not stored(out)
    assert not [p for p in out.rglob(".*")]


# ------------------------------------------------------------------------------ two sweeps
def test_a_second_sweep_into_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    """Policy: refuse at once with a message naming the holder; after it ends, the same command
    adds only what is missing (here: nothing)."""
    longer = tmp_path / "longer.toml"
    longer.write_text(EXPERIMENT.replace(f"replications = {RUNS}", "replications = 30"))
    out = tmp_path / "out"
    first = sweep(longer, out, "--backend", "serial")
    wait_for(lambda: len(stored(out)) >= 1, 120, "the first sweep to store a run", first)
    second = sweep(longer, out, "--backend", "serial")
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=300)
    assert second.returncode == 2, err2
    assert len(err2.strip().splitlines()) == 1, err2
    assert "another sweep is writing into this folder" in err2
    assert f"pid {first.pid}" in err2                  # refused because the first held it
    assert "0 runs computed" not in err2
    assert first.returncode == 0, err1
    assert computed(err1) == 30                        # every run computed once, by the first
    assert len(stored(out)) == 30
    third = sweep(longer, out, "--backend", "serial")
    _, err3 = third.communicate(timeout=120)
    assert third.returncode == 0 and computed(err3) == 0, err3


def test_the_lock_is_released_when_its_holder_is_killed(experiment, tmp_path):
    out = tmp_path / "out"
    first = sweep(experiment, out, "--backend", "serial")
    wait_for(lambda: len(stored(out)) >= 1, 120, "a run stored", first)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    assert (out / LOCK_NAME).exists()                  # a stale file never blocks
    try:
        RunStore(out).lock()                           # StoreBusy if the dead sweep held it
        RunStore(out).lock()                           # the same process may take it again
    finally:
        release_locks()


def test_a_lock_held_by_another_process_is_refused_in_process(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from sim.runner.store import RunStore; "
         f"RunStore({str(out)!r}).lock(); print('locked', flush=True); time.sleep(60)"],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreBusy, match=f"pid {holder.pid}"):
            RunStore(out).lock()
    finally:
        holder.kill()
        holder.wait()
