"""Outcomes: what is recorded each month, per municipality and sector, and aggregated.

Every column has a unit and a definition (``OUTCOMES``); the same names are used in the
scenario files, the results, the report and the dashboard. Recording sums the state into one
row per municipality and sector with ``numpy.bincount`` (no loop over people); aggregates are
computed from those sums, so national figures equal the sum of their parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import SECTORS

if TYPE_CHECKING:
    from sim.model import ReformModel

OUTCOMES: dict[str, tuple[str, str]] = {
    "quality": ("points, 0-100", "professional quality of the provider, averaged over clients"),
    "quality_indicator": ("points, 0-100", "quality as performance indicators see it: true "
                          "quality plus managers' over-weighting of measured work and gaming "
                          "(sim.mechanisms.management), averaged over clients"),
    "satisfaction": ("points, 0-100", "citizens' satisfaction, averaged over clients"),
    "cost_per_client": ("NOK per client-year", "monthly cost of units plus administration and "
                        "reform transaction costs, times 12, divided by clients"),
    "sick_leave_pct": ("% of contracted days", "working days lost to sickness (short and long "
                       "spells, graded) as a share of contracted days, as in the official "
                       "statistics"),
    "turnover_pct": ("% per year", "employees leaving their unit in the month, times 12, as a "
                     "share of employees"),
    "private_share": ("% of clients", "share of clients served by private providers"),
    "providers": ("count", "operating units (public and private)"),
    "practices_adopted": ("practices per unit", "institutionalised work practices, mean over "
                          "operating units (of 12 possible; practices on trial not counted)"),
    "quality_spread": ("points", "standard deviation of experienced quality across citizens "
                       "(equity: lower is more equal)"),
    "switching_pct": ("% per year", "clients who changed provider by choice in the month, "
                      "times 12"),
    "need_private": ("need weight (mean 1)", "mean care need of the clients of private "
                     "providers (cream-skimming shows as a value below need_public); empty "
                     "(NaN) where there is none, as for the other means by provider type"),
    "need_public": ("need weight (mean 1)", "mean care need of the clients of public units"),
    "entries": ("count per year", "private providers opening in the month, times 12"),
    "exits": ("count per year", "providers closing in the month, times 12"),
    "slack_public": ("% of paid hours", "slack of operating public units (unit mean)"),
    "slack_private": ("% of paid hours", "slack of operating private units (unit mean)"),
    "productivity_public": ("output per staff hour, norm = 1", "productivity before slack of "
                            "operating public units (unit mean)"),
    "productivity_private": ("output per staff hour, norm = 1", "productivity before slack of "
                             "operating private units (unit mean)"),
    "contracts_shaded": ("% of contracted units", "contracted units whose operator staffs "
                         "below the contract where the purchaser has not seen it"),
    "contracts_detected": ("count per year", "shading caught by the purchaser's monitoring in "
                           "the month, times 12"),
    "clients": ("count", "service users"),
    "employees": ("count", "employees (head count)"),
    "cost": ("NOK per month", "total cost: units plus administration"),
}
"""Outcome column -> (unit, definition)."""

BY_PROVIDER_TYPE = ("need_private", "need_public", "slack_public", "slack_private",
                    "productivity_public", "productivity_private")
"""Means over one type of provider: NaN where a place or sector has no provider of that type."""

# Sums recorded per group and month; outcomes are ratios of these.
_SUMS = ("clients", "q_sum", "sat_sum", "exp_sum", "exp_sq", "cost", "staff", "days_lost",
         "leavers", "private_clients", "providers", "practices", "switchers", "private_need",
         "public_need", "entries", "exits", "public_units", "public_slack", "private_slack",
         "public_productivity", "private_productivity", "contracted", "shaded", "detected",
         "ind_sum")


class Recorder:
    """Collects the monthly sums per (municipality, sector) in preallocated arrays."""

    def __init__(self, n_municipalities: int, months: int) -> None:
        self.n_groups = n_municipalities * len(SECTORS)
        self.n_municipalities = n_municipalities
        self.data = np.zeros((months, len(_SUMS), self.n_groups))
        self.months = 0

    def record(self, model: ReformModel) -> None:
        """Add one month of sums (grows the buffer if the model runs past its horizon)."""
        if self.months == len(self.data):
            self.data = np.concatenate([self.data, np.zeros_like(self.data[:12])])
        c, u, m = (model.citizens_state, model.units_state,
                      model.municipalities_state)
        G = self.n_groups
        cg = self._citizen_groups(c)
        ug = u.muni.astype(np.int64) * 4 + u.sector
        admin_by_unit = _admin_share(u, m)
        row = self.data[self.months]
        # Sums over citizens of a unit's property are taken over units, weighted by clients
        # (a unit serves only its own municipality and sector): the same numbers, 15,000 terms
        # instead of a million. Counts are exact; the quality sum is exact when _exact_by_unit.
        clients = np.bincount(c.unit, minlength=len(u))
        row[0] = self._group_clients
        row[1] = (np.bincount(ug, weights=u.quality.astype(np.float64) * clients, minlength=G)
                  if _exact_by_unit(u.quality, clients, self._group_clients) else
                  np.bincount(cg, weights=u.quality[c.unit], minlength=G))
        row[2] = np.bincount(cg, weights=c.satisfaction, minlength=G)
        row[3] = np.bincount(cg, weights=c.experienced, minlength=G)
        row[4] = np.bincount(cg, weights=np.square(c.experienced, dtype=np.float64), minlength=G)
        row[5] = np.bincount(ug, weights=u.payment_month + admin_by_unit, minlength=G)
        row[6] = np.bincount(ug, weights=u.staff, minlength=G)
        row[7] = np.bincount(ug, weights=model.unit_days_lost, minlength=G)
        row[8] = np.bincount(ug, weights=model.unit_leavers, minlength=G)
        row[9] = np.bincount(ug, weights=u.private * clients, minlength=G)
        row[10] = np.bincount(ug, weights=u.active, minlength=G)
        kept = (u.practices & ~u.trying).sum(axis=1)   # institutionalised: not on trial
        row[11] = np.bincount(ug, weights=kept * u.active, minlength=G)
        row[12] = np.bincount(cg[c.switched], minlength=G)
        self._record_market(model, row, ug, G)
        row[25] = row[1] + np.bincount(ug, weights=u.indicator_bias.astype(np.float64) * clients,
                                       minlength=G)
        self.months += 1

    def _record_market(self, model: ReformModel, row: np.ndarray, ug: np.ndarray, G: int) -> None:
        """Providers by type: need of their clients, openings and closings, slack, productivity,
        and contracts shaded and caught (sums per group; ratios in ``_ratios``)."""
        u = model.units_state
        public, private = u.active & ~u.private, u.active & u.private
        was = getattr(self, "_was_active", None)
        was = u.active if was is None else was
        sums = lambda w: np.bincount(ug, weights=w, minlength=G)
        row[13] = sums(u.weighted_clients * private)
        row[14] = sums(u.weighted_clients * public)
        row[15] = sums(private & ~was)
        row[16] = sums(was & ~u.active)
        row[17] = sums(public)
        row[18] = sums(u.slack * public)
        row[19] = sums(u.slack * private)
        row[20] = sums(u.productivity * public)
        row[21] = sums(u.productivity * private)
        row[22] = sums(u.active & (u.contract_staff > 0))
        row[23] = sums(u.active & u.shaded)
        row[24] = sums(u.detected)
        self._was_active = u.active.copy()

    def _citizen_groups(self, c) -> np.ndarray:
        """Each citizen's (municipality, sector) group, computed once: a citizen slot never
        changes place or sector (renewal keeps both; choice changes only the provider)."""
        if getattr(self, "_cg_of", None) is not c.muni:
            self._cg = c.muni.astype(np.int64) * 4 + c.sector
            self._group_clients = np.bincount(self._cg, minlength=self.n_groups)
            self._cg_of = c.muni
        return self._cg

    def by_municipality(self) -> pd.DataFrame:
        """One row per month, municipality and sector."""
        sums = self.data[: self.months]                      # months x sums x groups
        months = np.repeat(np.arange(self.months), self.n_groups)
        flat = {name: sums[:, i, :].ravel() for i, name in enumerate(_SUMS)}
        frame = _ratios(flat)
        frame.insert(0, "sector", np.tile(np.array(SECTORS * self.n_municipalities), self.months))
        frame.insert(0, "municipality", np.tile(np.repeat(np.arange(self.n_municipalities), 4),
                                                self.months))
        _insert_time(frame, months)
        return frame

    def national(self) -> pd.DataFrame:
        """One row per month and sector, plus ``sector == "all"``, summed over municipalities."""
        sums = self.data[: self.months].reshape(self.months, len(_SUMS), self.n_municipalities, 4)
        by_sector = sums.sum(axis=2)                         # months x sums x 4
        total = by_sector.sum(axis=2, keepdims=True)
        both = np.concatenate([total, by_sector], axis=2)    # months x sums x 5
        flat = {name: both[:, i, :].ravel() for i, name in enumerate(_SUMS)}
        frame = _ratios(flat)
        frame.insert(0, "sector", np.tile(np.array(("all",) + SECTORS), self.months))
        _insert_time(frame, np.repeat(np.arange(self.months), 5))
        return frame

    def national_month(self, month: int | None = None) -> dict[str, float]:
        """The national outcomes (all sectors) of one recorded month (default: the latest), summed
        in the same order as ``national()``, so the numbers are the same bits."""
        m = self.months - 1 if month is None else month
        if not 0 <= m < self.months:
            return {}
        sums = self.data[m:m + 1].reshape(1, len(_SUMS), self.n_municipalities, 4)
        total = sums.sum(axis=2).sum(axis=2, keepdims=True)           # 1 x sums x 1
        frame = _ratios({name: total[:, i, :].ravel() for i, name in enumerate(_SUMS)})
        return dict(zip(frame.columns, frame.to_numpy(dtype=object)[0], strict=True))

    def latest(self) -> dict[str, float]:
        """The national outcomes of the last recorded month (all sectors)."""
        frame = self.national()
        return frame[frame.sector == "all"].iloc[-1].to_dict()


def _exact_by_unit(quality: np.ndarray, clients: np.ndarray, group_clients: np.ndarray) -> bool:
    """Whether summing float32 ``quality`` (0-100) per client in float64 is exact in any order.

    Every value of at least 1/16 is a multiple of 2**-27, and a group of fewer than 2**19
    clients at under 128 points each sums to less than 2**26, so every partial sum is exactly
    representable: summing over units (quality x clients) gives the same bits as summing over
    citizens one by one. Otherwise the recorder sums over citizens.
    """
    served = np.abs(quality[clients > 0])
    tiny = (served > 0) & (served < 1 / 16)
    return (not tiny.any() and bool(np.all(served < 128))
            and int(group_clients.max(initial=0)) < 2**19)


def _admin_share(u, m) -> np.ndarray:
    """Municipal administration cost per unit: reform costs tied to a unit stay with it; the rest
    is spread over units in proportion to what the municipality pays them."""
    tied = np.bincount(u.muni, weights=u.transaction_cost_month, minlength=len(m))
    service = np.bincount(u.muni, weights=u.payment_month, minlength=len(m))
    share = np.divide(u.payment_month, service[u.muni], out=np.zeros(len(u)),
                      where=service[u.muni] > 0)
    return share * (m.admin_month - tied)[u.muni] + u.transaction_cost_month


def _ratios(s: dict[str, np.ndarray]) -> pd.DataFrame:
    from sim.mechanisms.budget import WORKDAYS_PER_MONTH

    clients, staff = s["clients"], s["staff"]
    mean_exp = _div(s["exp_sum"], clients)
    var = np.maximum(_div(s["exp_sq"], clients) - mean_exp**2, 0)
    return pd.DataFrame({
        "quality": _div(s["q_sum"], clients),
        "quality_indicator": _div(s["ind_sum"], clients),
        "satisfaction": _div(s["sat_sum"], clients),
        "cost_per_client": _div(12 * s["cost"], clients),
        "sick_leave_pct": 100 * _div(s["days_lost"], staff * WORKDAYS_PER_MONTH),
        "turnover_pct": 100 * 12 * _div(s["leavers"], staff),
        "private_share": 100 * _div(s["private_clients"], clients),
        "providers": s["providers"].astype(np.int64),
        "practices_adopted": _div(s["practices"], s["providers"]),
        "quality_spread": np.sqrt(var),
        "switching_pct": 100 * 12 * _div(s["switchers"], clients),
        "need_private": _mean(s["private_need"], s["private_clients"]),
        "need_public": _mean(s["public_need"], clients - s["private_clients"]),
        "entries": 12 * s["entries"],
        "exits": 12 * s["exits"],
        "slack_public": 100 * _mean(s["public_slack"], s["public_units"]),
        "slack_private": 100 * _mean(s["private_slack"], s["providers"] - s["public_units"]),
        "productivity_public": _mean(s["public_productivity"], s["public_units"]),
        "productivity_private": _mean(s["private_productivity"], s["providers"] - s["public_units"]),
        "contracts_shaded": 100 * _div(s["shaded"], s["contracted"]),
        "contracts_detected": 12 * s["detected"],
        "clients": clients.astype(np.int64),
        "employees": staff.astype(np.int64),
        "cost": s["cost"],
    })


def _insert_time(frame: pd.DataFrame, months: np.ndarray) -> None:
    frame.insert(0, "year", months // 12 + 1)
    frame.insert(0, "month", months + 1)


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros(len(a)), where=b > 0)


def _mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A mean over a provider type: NaN where there is none (not a zero that would drag averages
    over replications or municipalities down)."""
    return np.divide(a, b, out=np.full(len(a), np.nan), where=b > 0)
