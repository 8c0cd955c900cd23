"""Fixtures for the dashboard tests.

* ``dashboard_url`` starts ``python -m sim dashboard --host 127.0.0.1 --port P`` (the same code path
  as ``reformsim dashboard``) in a subprocess on a free loopback port, waits until it answers and
  yields the URL; the server is stopped afterwards.
* ``browser`` is headless Debian Chromium (``/usr/bin/chromium``) driven by Playwright's Python API.
  Playwright's own downloaded browsers are never used: these machines have no internet.
* ``page`` is a fresh page that records every request, console error and uncaught script error
  (``pageerror``), so a test can assert that the page raised none and never left the machine.

Without Chromium the browser tests are skipped with a reason, except under CI (``CI=true``), where a
missing browser is a failure (``.ci/run`` and ``make test`` install it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("REFORMSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 90.0
ARTIFACTS = Path(os.environ.get("REFORMSIM_TEST_ARTIFACTS", REPO / "results" / "test-artifacts"))


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _require(condition: bool, reason: str) -> None:
    """Skip locally, fail under CI."""
    if condition:
        return
    if _in_ci():
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dashboard_command(host: str, port: int) -> list[str]:
    """The command the fixture runs: ``reformsim dashboard`` via ``python -m sim``."""
    return [sys.executable, "-m", "sim", "dashboard", "--host", host, "--port", str(port)]


def wait_until_serving(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"dashboard server exited with code {proc.returncode} before serving; log:\n"
                + log.read_text(errors="replace")[-4000:])
        try:
            with urllib.request.urlopen(url + "readyz", timeout=2) as r:
                if r.status == 200:
                    # the page itself must render too (the app module is imported lazily)
                    with urllib.request.urlopen(url, timeout=30) as r2:
                        if r2.status == 200:
                            return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:  # not up yet
            last = e
        time.sleep(0.3)
    raise RuntimeError(f"dashboard did not answer at {url} within {timeout:.0f} s ({last}); log:\n"
                       + log.read_text(errors="replace")[-4000:])


@pytest.fixture(scope="session")
def dashboard_server(tmp_path_factory):
    """A running dashboard server: yields (url, log_path). Shared by the session's browser tests."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    with log.open("wb") as fh:
        proc = subprocess.Popen(dashboard_command("127.0.0.1", port), cwd=REPO, env=env,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_serving(url, proc, SERVER_START_TIMEOUT, log)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def dashboard_url(dashboard_server) -> str:
    return dashboard_server[0]


@pytest.fixture(scope="session")
def browser():
    _require(Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None,
              f"Chromium not found at {CHROMIUM}: install Debian's chromium "
              "(apt-get install -y chromium, or `make chromium`) to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in the test extra
        _require(False, "the playwright Python package is not installed (pip install -e .[test])")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageLog:
    """What a page did: every request URL, console errors and uncaught script errors."""

    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_hosts(self) -> set[str]:
        """Hosts other than loopback that the page asked for (must stay empty offline)."""
        hosts = set()
        for u in self.requests:
            p = urlparse(u)
            if p.scheme in ("data", "blob", "about", "chrome-extension"):
                continue
            if p.hostname not in ("127.0.0.1", "localhost", "::1"):
                hosts.add(p.hostname or u)
        return hosts

    def assert_clean(self) -> None:
        assert not self.page_errors, f"uncaught script errors on the page: {self.page_errors}"
        assert not self.console_errors, f"console errors on the page: {self.console_errors}"
        assert not self.foreign_hosts(), f"page requested non-loopback hosts: {self.foreign_hosts()}"


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
    pg = context.new_page()
    log = PageLog()
    pg.on("request", lambda r: log.requests.append(r.url))
    pg.on("requestfailed", lambda r: log.failed.append(f"{r.url} {r.failure}"))
    pg.on("pageerror", lambda e: log.page_errors.append(str(e)))
    pg.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    pg.log = log  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):  # best effort
                pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"),
                              full_page=True)
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
