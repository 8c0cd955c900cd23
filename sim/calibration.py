"""The baseline against the official Norwegian sick-leave statistics.

``python -m sim.calibration`` runs the baseline (workshop scale, several seeds) and prints the
model's sick leave per statistical sector group next to the official figures (total of self-
and doctor-certified absence, share of contracted days). Figures and sources: docs/sources.md §1.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import pandas as pd

from sim import SECTOR_GROUPS
from sim.scenario import load_scenario
from sim.simulate import simulate


@dataclass(frozen=True)
class Statistic:
    """An official figure: value (% of contracted days), range, year and source."""

    value: float
    low: float
    high: float
    year: str
    source: str


OFFICIAL: dict[str, Statistic] = {
    "health_and_care": Statistic(11.0, 10.5, 11.7, "2017-2020",
                                 "Helsedirektoratet quality indicator: 11.7 % total in municipal "
                                 "health and care (2017); 10.8 % Q4 2020"),
    "kindergarten": Statistic(11.2, 10.5, 12.0, "2017-2021",
                              "SSB via PBL: municipal kindergartens 9.6 % doctor-certified (Q4 "
                              "2017) + ~1.3 self-certified; KS: highest municipal sector 2021"),
    "school": Statistic(7.0, 6.5, 7.5, "2019",
                        "KS/ASSS (from memory, not verified here): schools ~5.5-6 % "
                        "doctor-certified, ~6.5-7.5 % total"),
}
"""Total sick leave by sector group; the ordering (kindergartens >= care >> schools) is verified."""


def model_sick_leave(seeds: tuple[int, ...] = (1, 2, 3, 4, 5, 6), years: int = 4,
                     scale: str = "workshop") -> pd.Series:
    """Mean sick leave per sector group over the years after the first, across seeds."""
    frames = []
    for seed in seeds:
        result = simulate(load_scenario("baseline"), seed, years=years, scale=scale,
                          by_municipality=False)
        frames.append(result.national)
    national = pd.concat(frames)
    national = national[(national.year > 1) & (national.sector != "all")]
    days = national.sick_leave_pct * national.employees
    grouped = pd.DataFrame({"group": national.sector.map(SECTOR_GROUPS), "days": days,
                            "employees": national.employees}).groupby("group").sum()
    return grouped.days / grouped.employees


def comparison(seeds: tuple[int, ...] = (1, 2, 3, 4, 5, 6), years: int = 4) -> pd.DataFrame:
    """Model against the official figures, one row per sector group."""
    model = model_sick_leave(seeds, years)
    rows = [{"sector": g, "model_pct": round(model[g], 2), "official_pct": s.value,
             "official_range": f"{s.low}-{s.high}", "within_range": s.low <= model[g] <= s.high,
             "year": s.year, "source": s.source} for g, s in OFFICIAL.items()]
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--years", type=int, default=4)
    args = parser.parse_args()
    table = comparison(tuple(range(1, args.seeds + 1)), args.years)
    print(table.drop(columns="source").to_markdown(index=False) if _has_tabulate()
          else table.drop(columns="source").to_string(index=False))
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
