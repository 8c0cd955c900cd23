"""An interrupted sweep (Ctrl-C, then kill -9) started again gives the same table as an
uninterrupted one, and no run is computed twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from sim.cli import main

EXPERIMENT = """
name = "resume"
scenarios = ["baseline", "voucher_choice"]
replications = 3
years = 2
base_seed = 4
[[parameters]]
name = "budget.budget_level"
values = [0.95, 1.0, 1.05]
"""
TOTAL = 2 * 3 * 3


def _start(experiment: Path, out: Path) -> subprocess.Popen:
    """The sweep as a user starts it, in its own process group (as a terminal would)."""
    def terminal_like() -> None:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C reaches it even under xdist

    return subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(experiment), "--workers", "1", "--out", str(out),
         "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=terminal_like)


def _stored(out: Path) -> dict[str, tuple[int, int]]:
    """Finished runs and the identity of their files (inode, modification time)."""
    runs = out / "runs"
    if not runs.is_dir():
        return {}
    return {p.stem: (p.stat().st_ino, p.stat().st_mtime_ns) for p in runs.glob("*.parquet")}


def _interrupt_after(experiment: Path, out: Path, more: int, sig: signal.Signals) -> str:
    """Start the sweep, wait until ``more`` runs are added, send ``sig``, wait for the end."""
    before = len(_stored(out))
    process = _start(experiment, out)
    deadline = time.monotonic() + 90
    while len(_stored(out)) < before + more and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.05)
    if sig == signal.SIGINT:
        os.killpg(process.pid, sig)  # Ctrl-C: the whole foreground group
    else:
        process.send_signal(sig)     # kill -9 of the command alone; its workers must notice
    output, _ = process.communicate(timeout=60)
    return f"rc={process.returncode}\n{output}"


def test_an_interrupted_sweep_resumes_to_the_same_table_without_running_anything_twice(tmp_path):
    experiment = tmp_path / "resume.toml"
    experiment.write_text(EXPERIMENT)
    a, b = tmp_path / "A", tmp_path / "B"
    assert main(["sweep", str(experiment), "--backend", "serial", "--out", str(a),
                 "--no-progress"]) == 0

    log = _interrupt_after(experiment, b, 3, signal.SIGINT)
    assert "rc=130" in log and "interrupted:" in log and "Traceback" not in log
    after_ctrl_c = _stored(b)
    assert 3 <= len(after_ctrl_c) < TOTAL

    log = _interrupt_after(experiment, b, 3, signal.SIGKILL)
    assert "rc=-9" in log
    after_kill = _stored(b)
    assert len(after_ctrl_c) < len(after_kill) < TOTAL

    finish = subprocess.run([sys.executable, "-m", "sim", "sweep", str(experiment), "--workers",
                             "2", "--out", str(b), "--no-progress"],
                            capture_output=True, text=True, timeout=120)
    assert finish.returncode == 0, finish.stderr
    computed = int(re.search(r"(\d+) runs computed", finish.stderr).group(1))
    assert computed == TOTAL - len(after_kill)
    final = _stored(b)
    assert len(final) == TOTAL
    assert not list(b.rglob(".*"))                                 # no half-written file left
    assert all(final[k] == v for k, v in after_kill.items())      # not one run redone
    assert all(final[k] == v for k, v in after_ctrl_c.items())

    table_a = pd.read_parquet(a / "results.parquet")
    table_b = pd.read_parquet(b / "results.parquet")
    assert {"scenario", "seed", "quality", "sick_leave_pct"} <= set(table_a.columns)
    pd.testing.assert_frame_equal(table_a, table_b)
