"""Provider economics shared by the market reforms (not a mechanism): what serving a client costs
a provider and what it is paid, per unit, in NOK per client-year.

A provider serving a client of need ``n`` at the norm service level needs ``n`` times the norm
staff per client, in paid hours divided by its effective productivity (productivity less slack,
``Production.effective_productivity``), at its own wage cost (``units.labour_cost``), plus
non-staff cost per client times its overhead factor. Vouchers use it for entry and for refusing
clients; contracts for the in-house bid and for firms' bids. Source: 000, 'Market mechanisms'
(cost-effectiveness from competition) and docs/sources.md §3 (norms and wages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import ReformModel


def staff_cost_per_need(model: ReformModel) -> np.ndarray:
    """Per sector: yearly staff cost of one need unit at the norm staffing, NOK (municipal wage)."""
    budget = model.mechanism("budget")
    spc = model.params.world.staff_per_client.array()
    return spc * budget.emp_month * 12 * (1 + budget.p.absence_allowance)


def overhead_per_client(model: ReformModel) -> np.ndarray:
    """Per sector: the norm non-staff cost per client-year, NOK."""
    return model.mechanism("budget").p.overhead_per_client.array()


def cost_per_client(model: ReformModel, units: np.ndarray, need: np.ndarray | float,
                    labour_cost: np.ndarray | None = None) -> np.ndarray:
    """Yearly cost for ``units`` of serving a client of ``need`` at the norm service level, NOK."""
    u = model.units_state
    production = model.mechanism("production")
    sector = u.sector[units]
    labour = u.labour_cost[units] if labour_cost is None else labour_cost
    per_need = staff_cost_per_need(model)[sector] * (1 - u.labour_saving[units])
    staff = need * per_need * labour / production.effective_productivity(u)[units]
    return staff + overhead_per_client(model)[sector] * production.overhead_factor(u)[units]


def payment_per_norm(model: ReformModel) -> np.ndarray:
    """Per unit: what its provider is paid per NOK of its clients' norm cost (this month's rate)."""
    u = model.units_state
    norm = model.mechanism("budget").norm_cost(model)
    paid = np.where(u.private, u.budget * u.funding_rate * u.payment_factor, u.budget)
    return np.divide(paid, norm, out=np.ones(len(u)), where=norm > 0)


def group_mean_need(model: ReformModel) -> np.ndarray:
    """Per unit: the mean need of the clients of its municipality and sector."""
    u = model.units_state
    group = u.muni.astype(np.int64) * 4 + u.sector
    n = int(group.max()) + 1
    total = np.bincount(group, weights=u.weighted_clients, minlength=n)
    count = np.bincount(group, weights=u.clients, minlength=n)
    return np.divide(total, count, out=np.ones(n), where=count > 0)[group]


def price_per_client(model: ReformModel, units: np.ndarray, need: np.ndarray) -> np.ndarray:
    """What ``units`` are paid a year for a client of ``need``: the norm cost of that client (at
    the mean need of the market where the price is flat) times the unit's payment rate."""
    u = model.units_state
    sector = u.sector[units]
    basis = np.where(u.flat_price[units], group_mean_need(model)[units], need)
    per_need = staff_cost_per_need(model)[sector] * (1 - u.labour_saving[units])
    norm = basis * per_need + overhead_per_client(model)[sector]
    return norm * payment_per_norm(model)[units]
