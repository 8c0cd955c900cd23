"""The package as a user installs it: a wheel in a fresh environment, used from an empty folder.

Builds the wheel offline (``pip wheel --no-deps --no-build-isolation``), installs it with
``--no-deps`` into a new virtual environment that reuses this environment's installed
dependencies (a ``.pth`` line to their site-packages, and links to their data folders
``share/`` and ``etc/``, where Solara's offline assets and Jupyter's configuration live), and
runs the commands there from an empty temporary folder: nothing of the checkout is reachable.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# one wheel and one environment for the module: keep its tests on one xdist worker
pytestmark = pytest.mark.xdist_group(name="wheel")


SOURCE = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "sim", "scenarios",
          "experiments", "worlds")
"""What a build needs from the checkout."""
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(bin folder of the fresh environment, an empty working folder, the environment)."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "wheels"
    # build from a copy of the source: pip builds in the source tree (build/), and the copy
    # keeps that out of the checkout and apart from any other build running at the same time
    source = base / "source"
    source.mkdir()
    for name in SOURCE:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(
            ROOT / name, source / name, **({"ignore": IGNORE} if (ROOT / name).is_dir() else {}))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", "-w", str(wheels), str(source)], check=True)
    wheel = next(wheels.glob("reformsim-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], capture_output=True, text=True, check=True).stdout
    (Path(purelib.strip()) / "_project_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    for folder in ("share", "etc"):
        source = Path(sys.prefix) / folder
        if source.is_dir():
            (venv / folder).mkdir(exist_ok=True)
            for entry in source.iterdir():
                (venv / folder / entry.name).symlink_to(entry)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--no-index", "-q", str(wheel)], check=True)
    empty = base / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv / "bin", empty, env


def _run(installed, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    bin_dir, empty, env = installed
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=empty, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_installed_package_is_not_the_checkout_and_lists_the_built_in_scenarios(installed):
    done = _run(installed, "python", "-c", "import sim, sim.resources as r; "
                "print(sim.__file__); print(r.resource_dir('scenarios'))")
    assert done.returncode == 0, done.stderr
    where, scenarios = done.stdout.split()
    assert str(ROOT) not in where and "site-packages" in where
    assert scenarios.endswith("sim/_data/scenarios")
    listed = _run(installed, "reformsim", "scenarios", "list")
    assert listed.returncode == 0, listed.stderr
    names = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    assert names == {p.stem for p in (ROOT / "scenarios").glob("*.toml")}


def test_compare_writes_its_report_from_an_empty_folder(installed):
    done = _run(installed, "reformsim", "compare", "baseline", "voucher_choice",
                "--replications", "2", "--years", "1", "--backend", "serial", "--no-progress")
    assert done.returncode == 0, done.stderr
    out = installed[1] / "results" / "compare"
    assert (out / "report.html").stat().st_size > 10_000
    assert "voucher_choice" in done.stdout and "[" in done.stdout   # means with intervals


def test_the_python_api_and_the_packaged_files_work_from_an_empty_folder(installed):
    code = ("import sim; from sim.worldfile import example_path; from sim.reproduce import find\n"
            "r = sim.run('voucher_choice', seed=1, years=1, world=example_path())\n"
            "print(sorted(r.by_municipality.municipality_name.unique())[:2])\n"
            "c = sim.compare(['baseline', 'voucher_choice'], replications=2, years=1)\n"
            "print(c.summary.shape, find('tendering').table_path('ci').exists())\n")
    done = _run(installed, "python", "-c", code)
    assert done.returncode == 0, done.stderr
    assert "['Bjørkedal', 'Fjellheim']" in done.stdout
    assert "(8, 9) True" in done.stdout


def test_the_dashboard_starts_and_serves_its_page_and_assets_offline(installed):
    bin_dir, empty, env = installed
    port = _free_port()
    server = subprocess.Popen([str(bin_dir / "reformsim"), "dashboard", "--port", str(port)],
                              cwd=empty, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        page = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert page is not None, f"the dashboard did not answer: {server.poll()!r}"
        assert "/_solara/cdn/requirejs@2.3.6/require.js" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_solara/cdn/requirejs@2.3.6/"
                                    "require.js", timeout=10) as asset:
            assert asset.status == 200 and b"requirejs" in asset.read()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
