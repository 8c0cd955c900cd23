"""Fingerprints of the model's results, to check that an optimisation changes nothing.

Runs the baseline at workshop scale for 3 years and at Norway scale for 1 year (seed 1) and
prints a SHA-256 of the national table and of the by-municipality table of each. Run it before
and after a change: the hashes must be equal (docs/performance.md records them).

    .venv/bin/python benchmarks/identity.py [--scenario NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import time

import pandas as pd

from sim.scenario import load_scenario
from sim.simulate import simulate

CASES = (("workshop", 3), ("norway", 1))


def table_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's values, column names and dtypes (bit-exact floats)."""
    digest = hashlib.sha256()
    for name in frame.columns:
        column = frame[name].to_numpy()
        digest.update(f"{name}:{column.dtype}".encode())
        digest.update(column.tobytes() if column.dtype != object else "|".join(map(str, column)).encode())
    return digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    for scale, years in CASES:
        start = time.perf_counter()
        result = simulate(scenario, args.seed, years=years, scale=scale)
        took = time.perf_counter() - start
        print(f"{args.scenario:10s} {scale:8s} {years}y seed {args.seed}: national "
              f"{table_hash(result.national)}  by_municipality {table_hash(result.by_municipality)}"
              f"  ({took:.1f} s)")


if __name__ == "__main__":
    main()
