"""The dashboard in a room: runs computed in the shared worker pool and played back, sessions
that share runs, free them when they close, and a server that stops promptly.

The browser test at the end (marker ``browser``) starts its own server, plays three sessions at
once in headless Chromium and sends SIGTERM: the server and its worker pool must be gone within
5 seconds. Speed with ten sessions is measured by ``benchmarks/dashboard_speed.py`` (see
docs/performance.md), not asserted here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from sim.cli import main
from sim.dashboard import compute
from sim.dashboard.runs import DashboardModel

SEED = 11


def computed(m: DashboardModel) -> DashboardModel:
    assert m.wait(180), m.problems
    return m


class InstantPool:
    """Hands back a finished future at once, computing nothing (for the cache's bookkeeping)."""

    def submit(self, fn, *args):
        import concurrent.futures as cf

        future = cf.Future()
        future.set_result(object())
        return future


# ------------------------------------------------------------------------------ determinism
def test_a_session_shows_bit_for_bit_what_reformsim_run_writes(tmp_path):
    assert main(["run", "voucher_choice", "--seed", str(SEED), "--out", str(tmp_path)]) == 0
    written = pd.read_parquet(tmp_path / "monthly.parquet").drop(columns=["scenario", "seed"])
    m = computed(DashboardModel(preset="voucher_choice", compare_with="baseline", seed=SEED))
    pd.testing.assert_frame_equal(m.mine.national, written, check_exact=True)
    for _ in range(30):
        m.step()
    shown = m.national("mine", sector="school")
    expected = written[(written.month <= 30) & (written.sector == "school")]
    pd.testing.assert_frame_equal(shown, expected.reset_index(drop=True), check_exact=True)


def test_a_moved_lever_is_played_as_simulate_computes_it():
    from sim.scenario import load_scenario, with_overrides
    from sim.simulate import simulate

    m = computed(DashboardModel(preset="baseline", seed=SEED, budget__budget_level=0.9))
    scenario = with_overrides(load_scenario("baseline"), {"budget.budget_level": 0.9})
    direct = simulate(scenario, SEED).national.drop(columns=["scenario", "seed"])
    pd.testing.assert_frame_equal(m.mine.national, direct, check_exact=True)
    assert not m.mine.national.equals(m.other.national)


def test_no_model_steps_in_the_server_process(monkeypatch):
    """The page only plays back: a model stepped in this process would raise here."""
    from sim.model import ReformModel

    def not_here(self):
        raise AssertionError("a model was stepped in the server process")

    monkeypatch.setattr(ReformModel, "step", not_here)
    m = computed(DashboardModel(seed=SEED + 1))   # the workers are other processes
    for _ in range(24):
        m.step()
    assert m.month == 24 and m.running and not m.problems


# ------------------------------------------------------------------------------ sessions
def test_sessions_share_a_run_and_one_closing_does_not_stop_the_other():
    a = DashboardModel(preset="voucher_choice", seed=SEED + 2)
    b = DashboardModel(preset="baseline", seed=SEED + 2)
    assert a.futures["other"] is b.futures["other"]   # the comparison is computed once
    a.close()
    assert a.closed and not a.running and a.mine is None
    computed(b)
    b.step()
    assert b.month == 1 and not b.problems
    a.step()                                            # a closed page's step is a no-op
    assert a.month == 0


def test_closing_a_waiting_session_gives_up_its_runs_and_the_busy_notice_counts_the_queue():
    cache = compute.RunCache(workers=1)
    try:
        sessions = [DashboardModel(seed=500 + i, cache=cache) for i in range(4)]
        last = sessions[-1]
        assert last.queued_ahead() >= 2                 # what the page shows as "server busy"
        futures = list(last.futures.values())
        last.close()
        assert all(f.cancelled() for f in futures)      # never computed for nobody
        assert last.futures == {} and last.mine is None
        assert computed(sessions[0]).queued_ahead() == 0
    finally:
        cache.shutdown()


def test_the_cache_keeps_a_bounded_number_of_recordings():
    cache = compute.RunCache(workers=1, size=2)
    cache._executor = lambda: InstantPool()
    for i in range(5):
        DashboardModel(seed=600 + i, cache=cache)
    assert len(cache._runs) == 2


def test_a_session_is_small_and_stops_when_its_page_is_closed():
    m = computed(DashboardModel(seed=SEED))
    assert m.mine.nbytes() + m.other.nbytes() < 16 * 2**20   # two recordings, workshop scale
    m._closed_event = threading.Event()
    m.step()
    assert m.month == 1
    m._closed_event.set()                               # Solara closed the page's kernel
    m.step()
    assert m.closed and not m.running and m.month == 1


def test_a_run_that_cannot_be_computed_is_shown_not_raised():
    cache = compute.RunCache(workers=1)
    cache.shutdown()                                    # the server is stopping
    m = DashboardModel(seed=SEED, cache=cache)
    assert not m.running and any("could not be started" in p for p in m.problems)
    m.step()
    assert m.month == 0


# ------------------------------------------------------------------------------ the server
@pytest.mark.browser
@pytest.mark.xdist_group("dashboard-browser")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_server_stops_within_5_s_of_sigterm_while_sessions_play(browser, tmp_path, stop):
    import psutil

    from tests.dashboard.conftest import dashboard_command, free_port, wait_until_serving

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "server.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(dashboard_command("127.0.0.1", port), stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    contexts = []
    try:
        wait_until_serving(url, proc, 90, log)
        pages = []
        for _ in range(3):
            context = browser.new_context(viewport={"width": 1300, "height": 900})
            contexts.append(context)
            page = context.new_page()
            page.goto(url)
            pages.append(page)
        for page in pages:
            page.locator(".reformsim-summary").wait_for(timeout=120_000)   # runs computed
        for page in pages:
            page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                                   "b => b.textContent.trim() === '▶' && !b.disabled)",
                                   timeout=60_000)
            page.get_by_role("button", name="▶", exact=True).click()
        for page in pages:                               # every session is playing
            page.wait_for_function(
                "() => { const e = document.querySelector('.reformsim-month');"
                " return e && parseInt(e.textContent.replace('Month ', '')) >= 3; }",
                timeout=60_000)
        playing = sum(page.get_by_role("button", name="❚❚", exact=True).count() for page in pages)
        assert playing >= 1, "no session was still playing when SIGTERM was sent"
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        assert len(family) >= 2, "the worker pool is not running"
        t0 = time.monotonic()
        proc.send_signal(stop)
        proc.wait(timeout=30)
        stopped = time.monotonic() - t0
        gone = psutil.wait_procs(family, timeout=max(0.1, 5 - (time.monotonic() - t0)))[0]
        all_gone = time.monotonic() - t0
    finally:
        for context in contexts:
            context.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert stopped < 5, f"the server took {stopped:.1f} s to stop after {stop.name}"
    assert len(gone) == len(family) and all_gone < 5, \
        f"{len(family) - len(gone)} process(es) of the server outlived it"
    assert "Traceback" not in log.read_text(errors="replace")
    print(f"server stopped {stopped:.2f} s after {stop.name} with {playing} of 3 sessions playing",
          file=sys.stderr)
