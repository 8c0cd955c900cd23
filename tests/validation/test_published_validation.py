"""Every published experiment is checked against the world: cited ranges, in-sample and
out-of-sample checks, and a Validation section in its note."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.reproduce import find
from sim.validation import VALIDATION_BEGIN, VALIDATION_END

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = sorted(p.stem for p in (ROOT / "experiments").glob("*.toml")
                   if "[publish]" in p.read_text(encoding="utf-8"))


def test_every_published_experiment_has_an_out_of_sample_check_against_a_cited_range():
    assert len(PUBLISHED) >= 5
    for name in PUBLISHED:
        checks = find(name).publication.checks
        world = [c for c in checks if c.world]
        assert world and len(world) == len(checks), f"{name}: every check compares with the world"
        assert any(c.in_sample is False for c in world), f"{name}: no out-of-sample check"
        assert all(c.source and c.says for c in world), name


def test_every_note_has_a_validation_section_matching_its_checks():
    for name in PUBLISHED:
        published = find(name)
        note = (published.folder / "NOTE.md").read_text(encoding="utf-8")
        assert VALIDATION_BEGIN in note and VALIDATION_END in note, name
        section = note.split(VALIDATION_BEGIN)[1].split(VALIDATION_END)[0]
        assert "In-sample" in section and "Out-of-sample" in section and "History" in section
        table = pd.read_csv(published.folder / "checks.csv")
        assert list(table["says"]) == [c.says for c in published.publication.checks if c.world]
        for says in table["says"]:
            assert f"| {says} |" in section, (name, says)


def test_published_tables_carry_the_code_version_and_the_lock_hash():
    for name in PUBLISHED:
        table = pd.read_csv(find(name).table_path("full"), dtype={"code_version": str})
        assert {"code_version", "lock"} <= set(table.columns), name
        assert table["code_version"].str.fullmatch(r"[0-9a-f]{12}").all(), name
