"""The tolerances between machines are the measured ones (benchmarks/tolerance_spread.py), not
hand-chosen: every outcome has one, and each equals what the measurement file implies."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.outcomes import OUTCOMES
from sim.publication import (DEFAULT_TOLERANCE, ROUNDING_MARGIN, SPREAD_SAFETY, Publication,
                             measured_tolerance, table_rounding)
from sim.reproduce import compare, find

ROOT = Path(__file__).resolve().parents[2]
MEASUREMENT = ROOT / "docs" / "tolerance_spread.csv"
PUBLISHED = sorted(p.stem for p in (ROOT / "experiments").glob("*.toml")
                   if "[publish]" in p.read_text(encoding="utf-8"))


def measurement() -> pd.DataFrame:
    return pd.read_csv(MEASUREMENT, comment="#").set_index("outcome")


def test_every_outcome_column_has_a_tolerance_equal_to_what_the_measurement_implies():
    measured = measurement()
    assert set(DEFAULT_TOLERANCE) == set(OUTCOMES) == set(measured.index)
    for outcome, row in measured.iterrows():
        implied = measured_tolerance(row["max_abs_diff"], row["max_abs_value"])
        assert DEFAULT_TOLERANCE[outcome] == implied == row["tolerance"], outcome
        assert row["runs_compared"] > 0 and row["variants"] >= 5, outcome


def test_the_measurement_file_says_how_it_was_made():
    header = [li for li in MEASUREMENT.read_text(encoding="utf-8").splitlines()
              if li.startswith("#")]
    text = "\n".join(header)
    assert "benchmarks/tolerance_spread.py" in text and "measured 20" in text
    for variant in ("numpy_baseline_only", "old_cpu", "threads_1", "workers_2"):
        assert variant in text
    measured_tiers = text.split("# tiers:")[1].splitlines()[0]
    for name in PUBLISHED:  # the CI tier of every published experiment was rerun
        assert f"{name} (ci)" in measured_tiers, name


def test_no_experiment_overrides_a_measured_tolerance():
    for name in PUBLISHED:
        publication = find(name).publication
        for outcome, value in publication.tolerance.items():
            assert value == DEFAULT_TOLERANCE[outcome], (name, outcome)
        for outcome in publication.tolerance:
            assert outcome in OUTCOMES, (name, outcome)


@pytest.mark.parametrize(("spread", "size"), [(0.0, 256_374.0), (0.0, 74.3), (0.0, 0.0),
                                              (7.3e-8, 77.3), (0.3, 74.0), (2e-4, 1.2)])
def test_a_tolerance_covers_the_rounding_and_the_spread_with_their_margins(spread, size):
    tol = measured_tolerance(spread, size)
    assert tol >= SPREAD_SAFETY * spread and tol >= ROUNDING_MARGIN * table_rounding(size)
    assert tol < 2 * max(SPREAD_SAFETY * spread, ROUNDING_MARGIN * table_rounding(size))
    assert tol == float(f"{tol:.1g}")  # one significant digit


def test_a_table_rounded_to_six_digits_reproduces_and_a_changed_digit_does_not():
    measured = measurement()
    outcomes = [o for o in OUTCOMES if measured.loc[o, "max_abs_value"] > 0]
    exact = pd.DataFrame({"scenario": ["s"], "sector": ["all"],
                          **{o: [measured.loc[o, "max_abs_value"] * 0.987654321]
                             for o in outcomes}})
    rounded = exact.copy()
    for o in outcomes:
        rounded[o] = float(f"{exact[o].iloc[0]:.6g}")
    publication = Publication(question="q")
    assert compare(rounded, exact, publication, outcomes) == []
    moved = rounded.copy()
    for o in outcomes:  # one unit in the 4th significant digit: a real change
        moved[o] = rounded[o] + 10 ** (math.floor(math.log10(rounded[o].iloc[0])) - 3)
    assert {d.outcome for d in compare(moved, exact, publication, outcomes)} == set(outcomes)
