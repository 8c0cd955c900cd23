"""Hostile input, generated: every entry point ends in success or in one line naming the problem
with exit code 2 -- never a traceback, never a half-made output folder.

Property-based (hypothesis), at least ``EXAMPLES`` examples per entry point, all in-process
calls of ``sim.cli.main``. Runs stay tiny so the whole file takes seconds, not minutes: a command
line that would be valid runs one scenario for one or two years on the serial backend, and
experiment files are checked with ``sweep --dry-run`` (validated and counted, never run).

* arbitrary command lines for each subcommand (``run``, ``sweep``, ``compare``, ``scenarios``,
  ``reproduce``, ``dashboard``) and for the program itself: negative, oversize and non-numeric
  seeds and counts, ``--out`` paths that are files, below files, unwritable or too long;
* arbitrary TOML documents as scenario and experiment files, non-UTF-8 files, broken TOML;
* values just inside and just outside every declared range of every scenario parameter (and a
  run of one year with them), and of every numeric field of experiment files.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from sim.cli import main

EXAMPLES = 200
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.filter_too_much])
_COUNTER = itertools.count()


# ------------------------------------------------------------------------------ helpers
def call(argv: list[str]) -> tuple[int, str, str]:
    """Run the command line in this process: (exit code, stdout, stderr). An exception that
    escapes ``main`` (a traceback, for a user) fails the test by itself."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_clean(argv: list[str], code: int, err: str, out_dir: Path | None = None,
                 existed: bool = False) -> None:
    """Success, or one line naming the problem with exit code 2; no folder left behind."""
    event(f"exit {code}")  # shown by --hypothesis-show-statistics: both outcomes occur
    assert "Traceback" not in err, (argv, err)
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) <= 1, (argv, err)
        assert not lines or lines[0].startswith("reformsim"), (argv, err)
        if out_dir is not None and not existed:
            assert not out_dir.exists(), (argv, "left an output folder", sorted(out_dir.rglob("*")))


def fresh(base: Path) -> Path:
    """A path that does not exist yet (one per example)."""
    return base / f"out{next(_COUNTER)}"


junk = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=12)
numbers_bad = st.one_of(
    st.integers(-(2**70), 0).map(str), st.integers(2**63, 2**80).map(str), junk,
    st.sampled_from(["-1", "0", "1.5", "1e3", "0x10", "", " ", "nan", "inf", "١٢", "+-1", "9" * 40]))


def seeds() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["0", "1", "7", str(2**63 - 1)]),
                     st.integers(0, 2**63 - 1).map(str), numbers_bad)


def small_or_bad(valid: list[str]) -> st.SearchStrategy[str]:
    """A count that is either small and valid (the run stays tiny) or refused."""
    return st.one_of(st.sampled_from(valid), numbers_bad, st.integers(101, 10**12).map(str))


def option(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """The option with a value, or nothing (the default)."""
    return st.one_of(st.just([]), values.map(lambda v: [name, v]))


# ------------------------------------------------------------------------------ files
def toml_value(value) -> str:  # noqa: ANN001
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)
        return text if any(c in text for c in ".e") else text + ".0"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def toml_document(data: dict) -> str:
    """A TOML text for ``data`` (scalars first, then one table per nested dict, recursively)."""
    lines: list[str] = []

    def table(prefix: list[str], node: dict) -> None:
        subtables = {k: v for k, v in node.items() if isinstance(v, dict)}
        if prefix:
            lines.append("[" + ".".join(json.dumps(p) for p in prefix) + "]")
        for key, value in node.items():
            if not isinstance(value, dict):
                lines.append(f"{json.dumps(key)} = {toml_value(value)}")
        for key, value in subtables.items():
            table([*prefix, key], value)

    table([], data)
    return "\n".join(lines) + "\n"


scalars = st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), junk)
toml_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)


def documents(keys: list[str], sections: dict[str, list[str]]) -> st.SearchStrategy[dict]:
    """Arbitrary TOML documents that use the real keys (and others) so validation goes deep."""
    key = st.one_of(st.sampled_from(keys), junk.filter(bool))
    section_names = st.one_of(st.sampled_from(sorted(sections)), junk.filter(bool))

    @st.composite
    def doc(draw) -> dict:  # noqa: ANN001
        data = draw(st.dictionaries(key, toml_values, max_size=4))
        for name in draw(st.lists(section_names, max_size=3, unique=True)):
            inner = st.one_of(st.sampled_from(sections.get(name) or ["x"]), junk.filter(bool))
            data[name] = draw(st.dictionaries(inner, toml_values, max_size=3))
        return data

    return doc()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Files every command-line test can name: good, broken, non-UTF-8, a folder, missing."""
    d = tmp_path_factory.mktemp("inputs")
    out = {
        "good_scenario": d / "good.toml", "bad_key": d / "bad_key.toml",
        "broken": d / "broken.toml", "latin1": d / "latin1.toml", "binary": d / "binary.toml",
        "empty": d / "empty.toml", "folder": d / "folder.toml", "missing": d / "missing.toml",
        "good_experiment": d / "tiny_experiment.toml", "file": d / "a_file",
    }
    out["good_scenario"].write_text('name = "good"\nyears = 1\n[budget]\nbudget_level = 0.9\n')
    out["bad_key"].write_text("[vouchers_typo]\nenabled = true\n")
    out["broken"].write_text("name = \n[[[\n")
    out["latin1"].write_bytes('name = "Tromsø"\n'.encode("latin-1"))
    out["binary"].write_bytes(bytes(range(256)))
    out["empty"].write_text("")
    out["folder"].mkdir()
    out["good_experiment"].write_text(
        'name = "tiny"\nscenarios = ["baseline"]\nreplications = 1\nyears = 1\n'
        '[outputs]\nresolution = "final"\n')
    out["file"].write_text("not a folder\n")
    return out


def file_choice(files: dict[str, Path]) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(str(p) for p in files.values()))


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """Run in an empty folder: a default --out must never land in the repository."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def outs(files: dict[str, Path], base: Path) -> st.SearchStrategy[tuple[str, Path | None]]:
    """(--out value, the folder it would create or None): fresh, a file, below a file, in a
    read-only place, too long, empty."""
    special = [str(files["file"]), str(files["file"] / "sub"), "/proc/reformsim-out",
               "/sys/reformsim-out", "x" * 300, str(base / ("y" * 260) / "z"), ""]
    return st.one_of(st.builds(lambda: fresh(base)).map(lambda p: (str(p), p)),
                     st.sampled_from(special).map(lambda s: (s, None)))


# ------------------------------------------------------------------------------ command lines
@SETTINGS
@given(data=st.data())
def test_run_command_lines(data, files, workdir):
    scenario = data.draw(st.one_of(file_choice(files), st.sampled_from(["baseline", "nope"]),
                                   junk), label="scenario")
    out, created = data.draw(outs(files, workdir), label="out")
    argv = ["run", scenario, "--out", out,
            *data.draw(option("--seed", seeds())),
            *data.draw(option("--years", small_or_bad(["1", "2"]))),
            *data.draw(option("--scale", st.sampled_from(["workshop", "Workshop", "", "galaxy"]))),
            *data.draw(st.lists(st.sampled_from(["--bogus", "-x", "--seed", "extra"]), max_size=1))]
    assume(scenario != str(files["good_scenario"]) or "--years" in argv)  # its 1 year is fine
    code, _, err = call(argv)
    assert_clean(argv, code, err, created)
    if code == 0:
        assert created is None or (created / "monthly.parquet").exists()


@SETTINGS
@given(data=st.data())
def test_sweep_command_lines(data, files, workdir):
    experiment = data.draw(st.one_of(file_choice(files), junk), label="experiment")
    out, created = data.draw(outs(files, workdir), label="out")
    argv = ["sweep", experiment, "--out", out, "--no-progress",
            "--backend", data.draw(st.sampled_from(["serial", "serial", "threads", ""])),
            *data.draw(option("--workers", small_or_bad(["1", "2"]))),
            *data.draw(option("--scheduler", st.one_of(junk, st.sampled_from(
                ["tcp://", "tcp://host", "tcp://1.2.3.4:99999", "8786", ":8786"])))),
            *data.draw(st.lists(st.sampled_from(["--dry-run", "--bogus", "x"]), max_size=2))]
    code, _, err = call(argv)
    assert_clean(argv, code, err, created)
    if code == 0 and "--dry-run" not in argv:
        assert (Path(out) / "results.parquet").exists()


@SETTINGS
@given(data=st.data())
def test_compare_command_lines(data, files, workdir):
    names = data.draw(st.lists(st.one_of(st.sampled_from(["baseline", "voucher_choice", "nope"]),
                                         file_choice(files), junk), min_size=1, max_size=2))
    out, created = data.draw(outs(files, workdir), label="out")
    argv = ["compare", *names, "--out", out, "--no-progress", "--backend",
            data.draw(st.sampled_from(["serial", "serial", "mpi"])),
            "--replications", data.draw(small_or_bad(["1"])),
            "--years", data.draw(small_or_bad(["1"])),
            *data.draw(option("--seed", seeds())),
            *data.draw(option("--scale", st.sampled_from(["workshop", "galaxy", ""])))]
    assume(not any(n.startswith("-") for n in names))
    code, _, err = call(argv)
    assert_clean(argv, code, err, created)


@SETTINGS
@given(data=st.data())
def test_scenarios_command_lines(data, files, workdir):
    argv = ["scenarios", *data.draw(st.lists(st.one_of(
        st.sampled_from(["list", "show", "validate", "baseline"]), file_choice(files), junk),
        max_size=3))]
    code, _, err = call(argv)
    assert_clean(argv, code, err)


@SETTINGS
@given(data=st.data())
def test_reproduce_command_lines(data, files, workdir):
    name = data.draw(st.one_of(file_choice(files), junk,
                               st.sampled_from(["nope", "../etc/passwd", "smoke.toml"])))
    assume(not name.startswith("-"))
    assume(not (Path(__file__).resolve().parents[2] / "experiments" / f"{name}.toml").is_file())
    out, created = data.draw(outs(files, workdir), label="out")
    argv = ["reproduce", name, "--out", out,
            *data.draw(option("--tier", st.sampled_from(["ci", "full", "none", ""]))),
            *data.draw(option("--workers", small_or_bad(["1"])))]
    code, _, err = call(argv)
    assert_clean(argv, code, err, created)


@SETTINGS
@given(data=st.data())
def test_dashboard_command_lines(data, workdir, monkeypatch):
    """Bad hosts and ports are refused before the server starts (which is replaced here)."""
    from sim.dashboard import server

    started: list[tuple[str, int]] = []
    monkeypatch.setattr(server, "serve", lambda host, port: started.append((host, port)) or 0)
    argv = ["dashboard",
            *data.draw(option("--host", st.one_of(junk, st.sampled_from(
                ["127.0.0.1", "localhost", "0.0.0.0", "::1", "256.1.1.1", "example.invalid",
                 "a" * 300])))),
            *data.draw(option("--port", st.one_of(st.integers(-5, 70000).map(str),
                                                  numbers_bad)))]
    started.clear()
    code, _, err = call(argv)
    assert_clean(argv, code, err)
    assert (code == 0) == bool(started)


@SETTINGS
@given(argv=st.lists(st.one_of(junk, st.sampled_from(["--help", "--version", "-h", "help"])),
                     max_size=4))
def test_program_command_lines(argv, workdir):
    from sim.cli import ORDER

    assume(not argv or argv[0] not in ORDER)  # a subcommand's lines are generated above
    code, _, err = call(argv)
    assert "Traceback" not in err
    assert code in (0, 2)
    assert len([line for line in err.splitlines() if line.strip()]) <= 1, err


# ------------------------------------------------------------------------------ scenario files
def _scenario_keys() -> tuple[list[str], dict[str, list[str]]]:
    from sim.scenario import ScenarioHeader, scenario_class

    cls = scenario_class()
    sections = {name: list(info.annotation.model_fields) for name, info in cls.model_fields.items()
                if name not in ScenarioHeader.model_fields}
    return list(ScenarioHeader.model_fields), sections


def _ranges() -> list[tuple[str | None, str, object, object, bool]]:
    """(section, key, low, high, is_int) of every declared numeric range (None: the header)."""
    from sim.scenario import ScenarioHeader, scenario_class

    out = []
    cls = scenario_class()
    models = [(None, ScenarioHeader)] + [(n, i.annotation) for n, i in cls.model_fields.items()
                                         if n not in ScenarioHeader.model_fields]
    for section, model in models:
        for key, info in model.model_fields.items():
            lo = hi = None
            for meta in info.metadata:
                lo = getattr(meta, "ge", getattr(meta, "gt", None)) if lo is None else lo
                hi = getattr(meta, "le", getattr(meta, "lt", None)) if hi is None else hi
            if lo is not None or hi is not None:
                out.append((section, key, lo, hi, info.annotation is int))
    return out


def near(low, high, is_int: bool) -> st.SearchStrategy:  # noqa: ANN001
    """Values on, just inside and just outside a declared range (and some of the wrong type)."""
    points = []
    for bound, inward in ((low, 1), (high, -1)):
        if bound is None:
            continue
        if is_int:
            points += [bound, bound + inward, bound - inward]
        else:
            b = float(bound)
            points += [b, math.nextafter(b, b + inward), math.nextafter(b, b - inward),
                       b + inward * 1e-9, b - inward * 1e-6]
    wrong = st.sampled_from([True, "0.5", [1], float("nan"), float("inf"), 10**30])
    return st.one_of(st.sampled_from(points), wrong)


RANGES = _ranges()


@SETTINGS
@given(data=st.data())
def test_scenario_values_near_every_declared_range_run_or_are_refused(data, workdir):
    """A scenario with 1-3 values at the edges of their ranges: validated, then run one year."""
    picks = data.draw(st.lists(st.sampled_from(RANGES), min_size=1, max_size=3,
                               unique_by=lambda r: (r[0], r[1])))
    doc: dict = {"name": "edge"}
    for section, key, lo, hi, is_int in picks:
        value = data.draw(near(lo, hi, is_int), label=f"{section}.{key}")
        (doc.setdefault(section, {}) if section else doc)[key] = value
    path = workdir / f"edge{next(_COUNTER)}.toml"
    path.write_text(toml_document(doc), encoding="utf-8")
    out = fresh(workdir)
    argv = ["run", str(path), "--years", "1", "--out", str(out)]
    code, _, err = call(argv)
    assert_clean(argv, code, err, out)
    code2, _, err2 = call(["scenarios", "validate", str(path)])
    assert_clean(["scenarios", "validate", str(path)], code2, err2)
    assert code == code2, (doc, err, err2)  # what validates also runs


@SETTINGS
@given(data=st.data())
def test_arbitrary_scenario_files_are_validated_or_refused(data, workdir):
    header, sections = _scenario_keys()
    kind = data.draw(st.sampled_from(["doc", "doc", "text", "bytes"]))
    path = workdir / f"any{next(_COUNTER)}.toml"
    if kind == "doc":
        path.write_text(toml_document(data.draw(documents(header, sections))), encoding="utf-8")
    elif kind == "text":
        path.write_text(data.draw(st.text(max_size=80)), encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(data.draw(st.binary(max_size=80)))
    for argv in (["scenarios", "validate", str(path)], ["scenarios", "show", str(path)]):
        code, _, err = call(argv)
        assert_clean(argv, code, err)


# ------------------------------------------------------------------------------ experiment files
EXPERIMENT_KEYS = ["name", "description", "scenarios", "parameters", "design", "replications",
                   "years", "scale", "base_seed", "outputs"]
EXPERIMENT_SECTIONS = {"design": ["kind", "samples", "levels", "second_order"],
                       "outputs": ["resolution", "outcomes", "sectors"], "publish": ["x"]}


@SETTINGS
@given(data=st.data())
def test_arbitrary_experiment_files_are_validated_or_refused(data, workdir):
    kind = data.draw(st.sampled_from(["doc", "doc", "text", "bytes"]))
    path = workdir / f"exp{next(_COUNTER)}.toml"
    if kind == "doc":
        path.write_text(toml_document(data.draw(documents(EXPERIMENT_KEYS, EXPERIMENT_SECTIONS))),
                        encoding="utf-8")
    elif kind == "text":
        path.write_text(data.draw(st.text(max_size=80)), encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(data.draw(st.binary(max_size=80)))
    out = fresh(workdir)
    argv = ["sweep", str(path), "--dry-run", "--out", str(out)]
    code, _, err = call(argv)
    assert_clean(argv, code, err, out)
    assert not out.exists()  # a dry run writes nothing


def _experiment_near_range(data) -> dict:  # noqa: ANN001
    section, key, lo, hi, is_int = data.draw(st.sampled_from([r for r in RANGES if r[0]]),
                                             label="parameter")
    kind = data.draw(st.sampled_from(["grid", "latin", "sobol", "morris"]))
    param: dict = {"name": f"{section}.{key}"}
    if kind == "grid":
        param["values"] = data.draw(st.lists(near(lo, hi, is_int), min_size=1, max_size=3))
    else:
        param["low"] = data.draw(near(lo, hi, is_int))
        param["high"] = data.draw(near(lo, hi, is_int))
        if is_int:
            param["integer"] = True
    design = {"kind": kind,
              "samples": data.draw(st.sampled_from([0, 1, 2, 8, 1_000_000, 1_000_001, -1])),
              "levels": data.draw(st.sampled_from([1, 2, 4, 100, 101]))}
    doc = {"name": data.draw(st.sampled_from(["edge", "bad name", "", "a/b"])),
           "scenarios": data.draw(st.sampled_from([["baseline"], [], ["baseline", "baseline"],
                                                   ["nope"], ["voucher_choice", "baseline"]])),
           "replications": data.draw(st.sampled_from([0, 1, 100_000, 100_001, -1, 2**63])),
           "years": data.draw(st.sampled_from([0, 1, 100, 101, 2.5])),
           "base_seed": data.draw(st.sampled_from([-1, 0, 2**63 - 1, 2**63])),
           "scale": data.draw(st.sampled_from(["workshop", "norway", "moon"])),
           "parameters": [param], "design": design,
           "outputs": {"resolution": data.draw(st.sampled_from(["monthly", "final", "daily"]))}}
    return doc


def toml_with_tables(doc: dict) -> str:
    """Like ``toml_document``, with ``parameters`` as an array of tables."""
    params = doc.pop("parameters")
    text = toml_document(doc)
    for p in params:
        text += "[[parameters]]\n" + "".join(f"{json.dumps(k)} = {toml_value(v)}\n"
                                             for k, v in p.items())
    return text


@SETTINGS
@given(data=st.data())
def test_experiment_values_near_every_declared_range_are_planned_or_refused(data, workdir):
    doc = _experiment_near_range(data)
    path = workdir / f"near{next(_COUNTER)}.toml"
    path.write_text(toml_with_tables(doc), encoding="utf-8")
    argv = ["sweep", str(path), "--dry-run"]
    code, out, err = call(argv)
    assert_clean(argv, code, err)
    if code == 0:
        assert "runs" in out and "nothing was run" in out


# ------------------------------------------------------------------------------ worked cases
def test_the_cases_of_the_issue_end_in_one_line_and_exit_2(files, workdir):
    for argv, words in [
        (["run", "baseline", "--seed", "-1"], ["--seed", "-1", "0 to"]),
        (["run", "baseline", "--seed", str(2**64)], ["--seed", str(2**64)]),
        (["run", "baseline", "--out", str(files["file"])], ["exists and is not a folder"]),
        (["run", "baseline", "--out", str(files["file"] / "sub")], ["is a file"]),
        (["run", str(files["latin1"])], ["not a UTF-8 text file"]),
        (["scenarios", "show", str(files["latin1"])], ["not a UTF-8 text file"]),
        (["sweep", str(files["latin1"])], ["cannot read"]),
        (["sweep", str(files["good_experiment"]), "--workers", "0"], ["--workers"]),
        (["compare", "baseline", "--seed", "-5"], ["--seed"]),
    ]:
        code, _, err = call(argv)
        assert code == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1 and all(w in err for w in words), (argv, err)
        assert "Traceback" not in err
    assert not (workdir / "results").exists()


def test_an_oversize_seed_at_the_bound_still_runs(workdir):
    code, out, err = call(["run", "baseline", "--years", "1", "--seed", str(2**63 - 1),
                           "--out", str(workdir / "big")])
    assert code == 0, err
    assert (workdir / "big" / "monthly.parquet").exists()


def test_no_temporary_probe_file_is_left(files, workdir):
    before = set(os.listdir(workdir))
    call(["run", "nope", "--out", str(workdir / "x")])
    assert set(os.listdir(workdir)) == before
