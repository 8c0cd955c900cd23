"""How fast the dashboard plays for a room: N sessions at once in headless Chromium.

Starts ``reformsim dashboard`` on a free loopback port, opens N pages (each its own browser
context, so its own Solara session and its own two runs), waits until every session's runs are
computed, presses Play on all of them and samples each page's month counter every second for
``--seconds``. Prints months per second per session (both runs play together: one month is a
month of your run and of the comparison) and the server's peak memory (the server process and its
worker pool, resident set). The bar (docs/performance.md): every session at least 5 months/s with
10 sessions, and the server under 2 GiB.

    .venv/bin/python benchmarks/dashboard_speed.py [--sessions 10] [--seconds 15]
    .venv/bin/python benchmarks/dashboard_speed.py --frame    # server-side cost of one frame

``--frame`` measures, without a browser, what one played-back month costs the server: the
SVG outcome chart, the side-by-side table, the units table and (yearly) the network.
Each session differs (its own seed), so no two sessions share a run.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TARGET_RATE = 5.0
TARGET_MEMORY = 2 * 1024**3
HORIZON = 120  # months of the default preset (ten years)
CHROMIUM = os.environ.get("REFORMSIM_CHROMIUM", "/usr/bin/chromium")
READ = ("() => { const e = document.querySelector('.reformsim-month');"
        " return e ? parseInt(e.textContent.replace('Month ', '')) : -1; }")


def bench_frame(months: int = 120) -> None:
    from sim.dashboard import components as c
    from sim.dashboard.runs import DashboardModel

    dm = DashboardModel(seed=7)
    assert dm.wait(300), dm.problems
    option = c.municipality_options(dm)[1]
    t0 = time.perf_counter()
    while dm.running and dm.month < months:
        dm.step()
        c.outcome_svg(dm)
        if dm.month % 12 == 0:
            c.network_svg(dm)
        c._html_table(c.summary_table(dm), "s")
        c._html_table(c.units_table(dm, option), "u")
    dt = time.perf_counter() - t0
    print(f"frame: {dm.month} months played back with every view rebuilt in {dt:.2f} s = "
          f"{1000 * dt / dm.month:.1f} ms of server CPU per month (model steps: none, the runs "
          f"were computed in the worker pool in {dm.mine.seconds:.2f} s and "
          f"{dm.other.seconds:.2f} s)")


class Memory(threading.Thread):
    """Samples the resident memory of a process and its children; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                return
            time.sleep(0.5)


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU time used so far by the server (with its workers) and by the rest of our children
    (the browser)."""
    import psutil

    def used(procs) -> float:  # noqa: ANN001
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    server = psutil.Process(server_pid)
    family = {server.pid} | {c.pid for c in server.children(recursive=True)}
    mine = psutil.Process().children(recursive=True)
    return (used([p for p in mine if p.pid in family]),
            used([p for p in mine if p.pid not in family]))


def bench_room(sessions: int, seconds: float) -> bool:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    server = os.environ.get("REFORMSIM_BENCH_SERVER")  # e.g. a profiling wrapper of sim.cli
    start = [sys.executable, server] if server else [sys.executable, "-m", "sim"]
    log = os.environ.get("REFORMSIM_BENCH_LOG")  # where the server's messages go
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([*start, "dashboard", "--port", str(port)],
                            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))
    memory = Memory(proc.pid)
    memory.start()
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows"])
            pages = []
            t_open = time.perf_counter()
            for i in range(sessions):
                page = browser.new_context(viewport={"width": 1500, "height": 1100}).new_page()
                page.goto(url)
                pages.append(page)
            for i, page in enumerate(pages):
                page.get_by_role("button", name="Step", exact=True).wait_for(timeout=120_000)
                seed = page.get_by_label("Seed (the same for both runs)")
                seed.fill(str(100 + i))           # every session its own runs
                seed.press("Enter")
            for i, page in enumerate(pages):  # each session's own runs are computed
                page.wait_for_function(
                    "s => { const o = document.querySelector('.reformsim-outcomes');"
                    " return o && o.textContent.includes(s)"
                    " && document.querySelector('.reformsim-summary'); }",
                    arg=f"Same seed ({100 + i})", timeout=300_000)
            ready = time.perf_counter() - t_open
            started: list[float] = []
            for page in pages:
                play = page.get_by_role("button", name="▶", exact=True)
                page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                                       "b => b.textContent.trim() === '▶' && !b.disabled)",
                                       timeout=60_000)
                play.click()
                started.append(time.perf_counter())
            samples: list[list[tuple[float, int]]] = [[] for _ in pages]
            cpu0 = cpu_seconds(proc.pid)
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                for k, page in enumerate(pages):
                    if not samples[k] or samples[k][-1][1] < HORIZON:
                        samples[k].append((time.perf_counter(), page.evaluate(READ)))
                if all(series and series[-1][1] >= HORIZON for series in samples):
                    break
                time.sleep(0.2)
            cpu1 = cpu_seconds(proc.pid)
            wall = time.perf_counter() - t0
            browser.close()
    finally:
        memory.stop.set()
        proc.terminate()
        proc.wait(timeout=10)
    if os.environ.get("REFORMSIM_BENCH_VERBOSE"):
        for k, series in enumerate(samples):
            print(k, [(round(t - started[k], 2), m) for t, m in series])
    rates = []
    for start, series in zip(started, samples, strict=True):
        # from pressing Play to the last sample (or the first that reached the horizon)
        t, m = series[-1]
        rates.append(m / (t - start) if t > start else 0.0)
    print(f"room: {sessions} sessions in headless Chromium, each playing both runs; "
          f"{ready:.1f} s from opening the pages until every session's runs were computed")
    print("months/s per session: " + ", ".join(f"{r:.1f}" for r in rates))
    print(f"slowest session {min(rates):.1f} months/s, mean {sum(rates) / len(rates):.1f} "
          f"(bar: >= {TARGET_RATE:g})")
    print(f"CPU while playing ({wall:.1f} s): server and its workers {cpu1[0] - cpu0[0]:.1f} s, "
          f"the browser {cpu1[1] - cpu0[1]:.1f} s, on {os.cpu_count()} cores "
          f"(load average {os.getloadavg()[0]:.1f} at the end: the machine is shared)")
    print(f"server peak memory (server + worker pool, resident): {memory.peak / 2**20:,.0f} MiB "
          f"(bar: < {TARGET_MEMORY / 2**30:g} GiB)")
    ok = min(rates) >= TARGET_RATE and memory.peak < TARGET_MEMORY
    print(f"target: {'met' if ok else 'NOT met'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--frame", action="store_true",
                    help="only the server-side cost of one played-back month (no browser)")
    args = ap.parse_args()
    if args.frame:
        bench_frame()
        return 0
    return 0 if bench_room(args.sessions, args.seconds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
