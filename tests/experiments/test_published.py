"""Every published experiment reproduces (its CI tier), and a changed number is caught."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.publication import Check, Publication
from sim.reproduce import check, compare, find

EXPERIMENTS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "experiments").glob("*.toml")
                     if "[publish]" in p.read_text(encoding="utf-8"))


def test_there_are_at_least_five_published_experiments_each_with_note_table_and_figures():
    assert len(EXPERIMENTS) >= 5
    for name in EXPERIMENTS:
        published = find(name)
        folder = published.folder
        assert (folder / "NOTE.md").exists(), name
        assert published.table_path("full").exists() and published.table_path("ci").exists(), name
        assert list(folder.glob("*.png")), name
        note = (folder / "NOTE.md").read_text(encoding="utf-8")
        assert "olerance" in note and "falls short" in note.lower(), name


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_published_experiment_reproduces_in_its_ci_tier(name, tmp_path, capsys):
    assert main(["reproduce", name, "--tier", "ci", "--workers", "1", "--out", str(tmp_path)]) == 0
    assert "reproduced" in capsys.readouterr().out


def _tables():
    published = pd.DataFrame({"scenario": ["a", "a", "a"], "x": [0.0, 0.5, 1.0],
                              "sector": ["all"] * 3, "quality": [70.0, 72.0, 73.0],
                              "quality_ci95": [0.5] * 3, "runs": [2] * 3})
    return published, published.copy()


def test_a_number_outside_its_tolerance_is_reported_with_both_values():
    published, rerun = _tables()
    rerun.loc[1, "quality"] += 0.3
    diffs = compare(published, rerun, Publication(question="q", tolerance={"quality": 0.25}),
                    ["quality"])
    assert len(diffs) == 1 and diffs[0].published == 72.0 and abs(diffs[0].rerun - 72.3) < 1e-9
    assert "x=0.5" in diffs[0].row
    assert compare(published, rerun, Publication(question="q", tolerance={"quality": 0.5}),
                   ["quality"]) == []


def test_a_missing_row_is_a_difference():
    published, rerun = _tables()
    diffs = compare(published, rerun.iloc[:2], Publication(question="q"), ["quality"])
    assert len(diffs) == 1


def test_pattern_checks_hold_or_fail_with_the_numbers():
    published, _ = _tables()
    ok, detail = check(published, Check(kind="increasing", outcome="quality", along="x"))
    assert ok and "0.5: 72.000" in detail
    assert check(published, Check(kind="diminishing", outcome="quality", along="x"))[0]
    assert not check(published, Check(kind="decreasing", outcome="quality", along="x"))[0]
    assert not check(published, Check(kind="increasing", outcome="quality", along="nope"))[0]


def test_reproduce_refuses_an_unknown_experiment_with_exit_2(capsys):
    assert main(["reproduce", "no_such_experiment"]) == 2
    assert "no such experiment file" in capsys.readouterr().err
