"""The documentation generated from the code is current."""

from __future__ import annotations

from sim.docs import DOC, render


def test_parameter_tables_in_the_docs_match_the_code():
    assert DOC.read_text(encoding="utf-8") == render(), \
        "docs/parameters.md is stale: run `python -m sim.docs`"


def test_every_parameter_has_a_description_with_a_source():
    text = render()
    rows = [line for line in text.splitlines() if line.startswith("| `") and "Source:" not in line]
    outcome_rows = [r for r in rows if "|" in r and r.count("|") == 4]
    assert len(rows) == len(outcome_rows), rows[:5]
