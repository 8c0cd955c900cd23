"""Checks against the world: paired differences and levels with 95 % intervals, power, known
failures, and the note's Validation section."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from sim.publication import Check
from sim.validation import evaluate, replace_section, validation_section


def _results(effect: float, noise: float, n: int = 12, seed: int = 0) -> pd.DataFrame:
    """Two scenarios with common random numbers: a shared per-replication level plus a small
    independent noise; ``b`` is ``a`` + ``effect``."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(10.0, 1.0, n)  # large between-replication spread, common to both
    rows = []
    for r in range(n):
        for scenario, shift in (("a", 0.0), ("b", effect)):
            rows.append({"scenario": scenario, "replication": r, "sector": "all", "year": 3,
                         "sick_leave_pct": shared[r] + shift + rng.normal(0, noise)})
            rows.append({"scenario": scenario, "replication": r, "sector": "all", "year": 2,
                         "sick_leave_pct": 99.0})  # not the last year: never selected
    return pd.DataFrame(rows)


def _difference(**update) -> Check:
    data = dict(kind="difference", outcome="sick_leave_pct", scenario="b", than="a",
                expect="direction", high=0.0, source="test", in_sample=False)
    data.update(update)
    return Check(**data)


def test_a_paired_difference_detects_an_effect_far_smaller_than_the_spread_across_seeds():
    verdict = evaluate(_results(effect=-0.3, noise=0.05), _difference())
    assert verdict.holds and verdict.n == 12
    assert -0.4 < verdict.low < verdict.estimate < verdict.high < -0.2
    assert verdict.detectable < 0.1  # the shared spread (sd 1.0) cancels in the pairs


def test_a_difference_in_the_wrong_direction_or_indistinguishable_from_zero_fails():
    assert not evaluate(_results(effect=0.3, noise=0.05), _difference()).holds
    unclear = evaluate(_results(effect=-0.01, noise=0.5), _difference())
    assert not unclear.holds and unclear.high > 0


def test_within_a_range_means_the_whole_interval_inside_it():
    results = _results(effect=-0.3, noise=0.05)
    assert evaluate(results, _difference(expect="within", low=-0.5, high=-0.1)).holds
    assert not evaluate(results, _difference(expect="within", low=-0.28, high=-0.1)).holds


def test_a_relative_difference_is_in_percent_of_the_comparison():
    verdict = evaluate(_results(effect=-1.0, noise=0.01), _difference(relative=True))
    assert -12 < verdict.estimate < -8  # about -1 point of about 10 %


def test_a_level_check_uses_the_interval_across_replications():
    results = _results(effect=0.0, noise=0.01, n=30)
    level = Check(kind="level", outcome="sick_leave_pct", scenario="a", low=9.0, high=11.0,
                  source="test", in_sample=True)
    verdict = evaluate(results, level)
    assert verdict.holds and 9.0 < verdict.low < verdict.high < 11.0
    narrow = level.model_copy(update={"low": 9.9, "high": 10.1})
    assert not evaluate(results, narrow).holds


def test_months_of_the_year_select_a_season():
    rows = []
    for r in range(6):
        for month in range(13, 25):  # year 2, cumulative months
            rows.append({"scenario": "a", "replication": r, "sector": "all", "year": 2,
                         "month": month, "x": 2.0 if (month - 1) % 12 < 3 else 0.0})
    results = pd.DataFrame(rows).rename(columns={"x": "sick_leave_pct"})
    check = _difference(scenario="a", than=None, months=[1, 2, 3], than_months=[7, 8, 9],
                        high=None, low=1.0)
    verdict = evaluate(results, check)
    assert verdict.estimate == pytest.approx(2.0) and verdict.holds
    assert evaluate(results, check.model_copy(update={"months": [7, 8, 9]})).estimate == 0.0


def test_a_world_check_must_cite_its_source_and_say_whether_it_was_fitted():
    with pytest.raises(ValidationError, match="source"):
        Check(kind="level", outcome="quality", low=1.0, in_sample=True)
    with pytest.raises(ValidationError, match="in_sample"):
        Check(kind="level", outcome="quality", low=1.0, source="x")
    with pytest.raises(ValidationError, match="one side of zero"):
        Check(kind="difference", outcome="quality", expect="direction", low=-1.0, high=1.0,
              source="x", in_sample=False)


def test_a_known_failure_passes_only_while_it_fails():
    results = _results(effect=0.3, noise=0.05)
    failing = evaluate(results, _difference(known_failure="documented shortfall"))
    assert not failing.holds and failing.passes and "KNOWN FAILURE" in failing.status()
    fixed = evaluate(_results(effect=-0.3, noise=0.05),
                     _difference(known_failure="documented shortfall"))
    assert fixed.holds and not fixed.passes  # the note must be updated


def test_the_validation_section_lists_in_and_out_of_sample_checks_and_history():
    results = _results(effect=-0.3, noise=0.05)
    verdicts = [evaluate(results, _difference(says="out", history=["changed because Y"])),
                evaluate(results, Check(kind="level", outcome="sick_leave_pct", scenario="a",
                                        low=0.0, high=1.0, source="src", in_sample=True,
                                        says="in"))]
    section = validation_section(verdicts, 12)
    assert section.index("In-sample") < section.index("| in |") < section.index("Out-of-sample")
    assert section.index("Out-of-sample") < section.index("| out |")
    assert "**NO**" in section and "out: changed because Y" in section
    note = "# T\n\n**Result.** x\n\n**Tolerance.** y\n"
    once = replace_section(note, section)
    assert once.index("## Validation") < once.index("**Tolerance.**")
    assert replace_section(once, section) == once  # regenerated in place, not appended again
