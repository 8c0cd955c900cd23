"""A run's id includes the code version: a model change recomputes, a report change does not."""

from __future__ import annotations

import re

from sim.provenance import code_version, result_files

EXPERIMENT = """
name = "resume_after_change"
scenarios = ["baseline"]
replications = 2
years = 1
base_seed = 3
"""
VERSION = "from sim.provenance import code_version; print(code_version())"


def test_the_code_version_covers_the_model_and_not_the_presentation():
    names = {p.name for p in result_files()}
    assert {"model.py", "health.py", "world.py", "worker.py"} <= names
    assert not names & {"cli.py", "html.py", "compare.py", "store.py", "reproduce.py"}
    assert re.fullmatch(r"[0-9a-f]{12}", code_version())


def test_editing_a_mechanism_changes_the_code_version_and_editing_a_report_does_not(package_copy):
    same = package_copy.run(code=VERSION).stdout.strip()
    assert same == code_version()
    package_copy.append("sim/report/html.py", "\n# a report change\n")
    assert package_copy.run(code=VERSION).stdout.strip() == same
    package_copy.edit("sim/mechanisms/health.py", "import", "import math as _unused  # edited\nimport")
    assert package_copy.run(code=VERSION).stdout.strip() != same


def _counts(stderr: str) -> tuple[int, int]:
    found = re.search(r"(\d+) runs computed, (\d+) skipped", stderr)
    assert found, stderr
    return int(found.group(1)), int(found.group(2))


def test_a_resumed_sweep_after_a_model_change_recomputes_unless_stale_runs_are_accepted(
        package_copy, tmp_path):
    experiment = tmp_path / "e.toml"
    experiment.write_text(EXPERIMENT, encoding="utf-8")
    out = tmp_path / "out"
    sweep = ["sweep", str(experiment), "--workers", "1", "--backend", "serial", "--no-progress",
             "--out", str(out)]
    first = package_copy.run(*sweep)
    assert first.returncode == 0, first.stderr
    assert _counts(first.stderr) == (2, 0)
    assert _counts(package_copy.run(*sweep).stderr) == (0, 2)  # same code: resumed, nothing new

    # one model coefficient changes in the source: the resumed sweep recomputes both runs
    package_copy.append("sim/mechanisms/health.py", "\nHealthParams.model_fields"
                        "['short_spell_days'].default = 6.0\nHealthParams.model_rebuild(force=True)\n")
    again = package_copy.run(*sweep)
    assert again.returncode == 0, again.stderr
    assert _counts(again.stderr) == (2, 0)
    assert len(list((out / "runs").glob("*.parquet"))) == 4  # old and new, side by side

    # a change of code alone (no parameter value changes): recomputed too
    package_copy.append("sim/mechanisms/health.py", "\n# a code change\n")
    assert _counts(package_copy.run(*sweep).stderr) == (2, 0)

    # another code version with --reuse-stale: nothing is computed, and it says so
    package_copy.append("sim/mechanisms/health.py", "\n# another change\n")
    stale = package_copy.run(*sweep, "--reuse-stale")
    assert stale.returncode == 0, stale.stderr
    assert _counts(stale.stderr) == (0, 2)
    assert "WARNING: 2 of 2 runs were made by other model code" in stale.stderr
    assert (out / "STALE_RUNS.txt").exists()


def test_reproduce_into_a_kept_folder_after_a_code_change_recomputes_or_flags_stale_runs(
        package_copy, tmp_path):
    out = tmp_path / "rerun"
    args = ["reproduce", "sick_leave_baseline", "--tier", "ci", "--workers", "1", "--out", str(out)]
    first = package_copy.run(*args)
    assert first.returncode == 0 and "reproduced" in first.stdout, first.stdout + first.stderr
    runs = len(list((out / "runs").glob("*.parquet")))
    package_copy.append("sim/model.py", "\n# a code change that leaves the numbers alone\n")
    stale = package_copy.run(*args, "--reuse-stale")
    assert stale.returncode == 0, stale.stdout + stale.stderr
    assert "WARNING: 3 runs were made by other model code" in stale.stdout
    assert "reproduced (with stale runs)" in stale.stdout
    assert len(list((out / "runs").glob("*.parquet"))) == runs  # nothing recomputed
    fresh = package_copy.run(*args)
    assert fresh.returncode == 0 and "WARNING" not in fresh.stdout
    assert "DIFFERENT CODE" in fresh.stdout  # the published table names the code that made it
    assert len(list((out / "runs").glob("*.parquet"))) == 2 * runs  # recomputed, side by side
