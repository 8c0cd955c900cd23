"""Placing users with providers (not a mechanism): candidate tables per municipality and sector,
rationing of places, and placing the users of a closing provider at the nearest unit with room.
Used by voucher choice (``sim/mechanisms/vouchers.py``); 000, 'Customer choice'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import SECTORS

if TYPE_CHECKING:
    from sim.model import ReformModel


class CandidateTable:
    """The eligible units of every (municipality, sector) group, for padded candidate matrices.

    Choosers are bucketed by the power of two at or above their group's number of units, so a
    bucket is one dense matrix (choosers x width) and the work stays near the number of real
    (chooser, unit) pairs even where one group has hundreds of units.
    """

    def __init__(self, model: ReformModel, eligible: np.ndarray) -> None:
        u = model.units_state
        n_groups = len(model.municipalities_state) * len(SECTORS)
        units = np.flatnonzero(eligible)
        group = u.muni[units].astype(np.int64) * len(SECTORS) + u.sector[units]
        order = np.argsort(group, kind="stable")
        self.units = units[order]
        self.count = np.bincount(group, minlength=n_groups)
        self.start = np.cumsum(self.count) - self.count

    def buckets(self, muni: np.ndarray, sector: np.ndarray, all_widths: bool = False):
        """Yield (rows of the choosers, candidate units, valid mask) per width bucket; groups
        with a single unit are skipped unless ``all_widths`` (there is nothing to choose)."""
        g = muni.astype(np.int64) * len(SECTORS) + sector
        count = self.count[g]
        width = np.where(count > 0, 2 ** np.ceil(np.log2(np.maximum(count, 1))), 0).astype(int)
        for w in np.unique(width):
            if w == 0 or (w == 1 and not all_widths):
                continue
            rows = np.flatnonzero(width == w)
            cols = np.arange(w)
            valid = cols[None, :] < count[rows][:, None]
            idx = np.where(valid, self.start[g[rows]][:, None] + cols[None, :], 0)
            yield rows, self.units[idx], valid


def place_nearest(model: ReformModel, who: np.ndarray) -> np.ndarray:
    """A new provider for each of ``who``: the nearest active unit of their municipality and
    sector with a free place, in rounds (nearest first); if none has room, the nearest one,
    which must take them (its capacity grows). Every citizen gets an active provider."""
    c, u = model.citizens_state, model.units_state
    out = np.full(len(who), -1, dtype=np.int32)
    model.refresh_clients()
    free = np.maximum(u.capacity - u.clients, 0)
    free[~u.active] = 0
    rng = model.stream(f"placement-{model.month}")
    table = CandidateTable(model, u.active)
    for rows, cand, valid in table.buckets(c.muni[who], c.sector[who], all_widths=True):
        people = who[rows]
        dist = np.hypot(u.x[cand] - c.x[people][:, None], u.y[cand] - c.y[people][:, None])
        ranked = np.take_along_axis(cand, np.argsort(np.where(valid, dist, np.inf), axis=1), 1)
        n_valid = valid.sum(axis=1)
        waiting = np.arange(len(rows))
        for k in range(cand.shape[1]):
            waiting = waiting[k < n_valid[waiting]]
            if len(waiting) == 0:
                break
            choice = ranked[waiting, k]
            ok = ration(choice, free, rng)
            out[rows[waiting[ok]]] = choice[ok]
            free -= np.bincount(choice[ok], minlength=len(free))
            waiting = waiting[~ok]
        left = np.flatnonzero(out[rows] < 0)
        out[rows[left]] = ranked[left, 0]
    counts = np.bincount(out, minlength=len(u)) + u.clients
    grow = u.active & (counts > u.capacity)
    u.capacity[grow] = counts[grow]
    return out


def ration(wanted: np.ndarray, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which requests for places are granted: at most ``free[unit]`` per unit, in random order."""
    if len(wanted) == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort((rng.random(len(wanted)), wanted))
    sorted_units = wanted[order]
    first = np.searchsorted(sorted_units, sorted_units)
    rank = np.empty(len(wanted), dtype=np.int64)
    rank[order] = np.arange(len(wanted)) - first
    return rank < free[wanted]
