"""Voucher choice: money follows the citizen, who chooses among authorised providers (mechanism 5).

Under a voucher (free-choice) scheme the municipality funds individuals, not institutions: each
unit's budget follows its current clients month by month (``model.money_follows_client``) at the
voucher price, need-adjusted (the norm cost of the client's need) or flat (the norm cost at the
market's mean need), times a price level the council sets. Every month a share of the users in
the scheme's sectors reviews their provider, and last month's newcomers make their first choice.
A user compares the providers of their municipality and sector that have a free place: their own
provider as they experience it, the others by reputation seen through noise (the noise falls as
public information on quality rises), less the cost of travelling and, for a change, a switching
cost. Users who never choose actively are more often those with a high need. A unit that fills
up takes no more users; where the scenario allows it, a private provider refuses a user whose
expected cost exceeds what it is paid for them (cream-skimming under a flat price).

Providers respond through their own decisions: a unit that loses users by choice, or whose
quality is published, is pressed to cut slack (``units.pressure``, ``sim/mechanisms/production.py``)
and gets no quality for free. A firm opens a dormant private unit where its expected profit is
positive: the clients it expects (the market's active choosers shared among one more provider,
more where incumbents are poorly reputed or places are short) times the voucher price less its
cost per client at its own productivity, less its yearly entry cost. A private provider leaves
after a year of low occupancy or losses; its users are all placed at once at the nearest unit
with a free place, so no citizen is ever without an active provider.

Source: 000, 'Customer choice' ("a service cheque/money grant/voucher ... valid as a means of
payment"; "Producers are obliged to compete for customers, which increases quality";
"customers can take their business elsewhere and providers must constantly seek feedback")
and 'Market mechanisms' (funds that "go together with the child/patient/pupil"). Calibration:
docs/sources.md §6 (Danish free choice in home care: ~40 % of users unaware of their choice,
first-time and personal-care users choose private less often; a few % switch per year; private
share 10-45 % depending on the service; Swedish LOV municipalities without private providers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from sim import SECTORS
from sim.mechanisms import Mechanism, market
from sim.mechanisms.entry import ProviderEntry
from sim.mechanisms.placement import CandidateTable, ration
from sim.mechanisms.shared import LeverShare, ScalarShare
from sim.params import Params, SectorAmount, param, per_sector

if TYPE_CHECKING:
    from sim.model import ReformModel

Sector = Literal["nursing_home", "home_care", "kindergarten", "school"]


class VouchersParams(Params):
    """Free choice of provider with money following the user."""

    enabled: bool = param(False, "Switch on voucher choice", source="000, 'Customer choice'")
    sectors: list[Sector] = Field(
        default_factory=lambda: ["nursing_home", "home_care", "kindergarten"],
        description="Sectors in the voucher scheme. Default: care and kindergartens, where Nordic "
                    "free-choice schemes operate (Danish frit valg in home care and nursing homes "
                    "since 2002-03, Swedish LOV, Norwegian per-child kindergarten funding); "
                    "schools are left out because Norwegian pupils attend their local school "
                    "(opplæringslova §8-1) and private schools need state approval. "
                    "Source: 000, 'Customer choice'; docs/sources.md §6")
    review_rate: float = param(0.1, "Monthly chance that an active chooser reviews their "
                                     "provider", ge=0, le=1, unit="per month",
                               source="estimated; calibrated to a few % switching per year "
                                      "(docs/sources.md §6)")
    passive_share: float = param(0.35, "Share of users who never choose actively (they keep "
                                       "the default provider)", ge=0, le=1,
                                 source="docs/sources.md §6: ~40 % of Danish home-care users "
                                        "do not know they may choose")
    information: float = param(0.3, "Public information on providers' quality from the scheme "
                                    "itself (provider lists, comparison pages); other reforms "
                                    "add to it", ge=0, le=1, unit="0-1",
                               source="000, 'Customer choice' (providers must seek feedback); "
                                      "estimated")
    consideration_set: int = param(15, "Other providers a user considers: the nearest ones to "
                                       "their own", ge=1, le=100, unit="providers",
                                   source="estimated (users weigh a handful of nearby options)")
    noise: float = param(8.0, "Spread of a user's impression of another provider's quality "
                              "when no information is published", ge=0, le=50,
                         unit="quality points (sd)", source="estimated")
    uncertainty_aversion: float = param(2.0, "Utility a user gives up per point of uncertainty "
                                               "(sd) about another provider's quality", ge=0,
                                         le=5, source="estimated (risk-averse choice: with "
                                                      "little information users stay put)")
    switching_cost: float = param(3.0, "Cost of changing provider, in quality points", ge=0,
                                  le=50, unit="points", source="estimated")
    distance_cost: SectorAmount = per_sector(
        6.0, 0.0, 12.0, 15.0, "Cost of distance, per width of the municipality", unit="points",
        ge=0, source="estimated (home care comes to the user's home)")
    reputation_speed: float = param(0.15, "Monthly adjustment of a provider's reputation to its "
                                          "quality", ge=0, le=1, unit="per month",
                                    source="estimated")
    pressure_per_loss: float = param(5.0, "Pressure on a unit's manager per share of its users "
                                          "lost by choice (net) in the last year", ge=0, le=50,
                                     unit="pressure per share lost",
                                     source="000, 'Customer choice' (customers take their "
                                            "business elsewhere); estimated")
    comparison_pressure: float = param(0.3, "Pressure on managers of the scheme's units per unit "
                                            "of published information on their quality", ge=0,
                                       le=1, source="000, 'Customer choice' (providers must "
                                                    "seek feedback); estimated")
    price: Literal["need_adjusted", "flat"] = Field(
        "need_adjusted", description="Voucher price: 'need_adjusted' pays the norm cost of each "
                                     "client's need (today's funding), 'flat' the norm cost at "
                                     "the market's mean need for every client. Source: 000, "
                                     "'Customer choice' (a subsidy per individual); scenario "
                                     "choice")
    price_level: float = param(1.0, "Voucher price relative to the norm cost (the council's "
                                    "budget follows it)", ge=0.5, le=1.5, source="scenario lever")
    refusal: bool = param(False, "Private providers may refuse a user whose expected cost exceeds "
                                 "what they are paid for them (public units must take everyone)",
                          source="scenario choice (Swedish LOV and Danish frit valg oblige "
                                 "authorised providers to accept; estimated)")
    passive_need: float = param(1.0, "How much more often users of high need never choose: the "
                                     "chance of being passive is passive_share × need^this",
                                ge=0, le=5, source="docs/sources.md §6 (first-time and "
                                                   "personal-care users choose private less "
                                                   "often); estimated")
    intake_slack: float = param(0.1, "Users a provider takes beyond what its present staff serve "
                                     "at the norm", ge=0, le=2, unit="share",
                                source="estimated (providers take no more users than they can "
                                       "staff; new staff follow the money)")
    expansion: float = param(0.1, "Yearly growth of capacity of a provider that is full, up to "
                                  "the room of its premises and staff", ge=0, le=1,
                             unit="per year", source="estimated")
    entry_rate: float = param(0.5, "Yearly chance that a firm acts on a profitable market "
                                   "(finds premises, is authorised)", ge=0, le=1,
                              unit="per year", source="estimated")
    entry_occupancy: float = param(0.9, "Occupancy of a market above which places are short "
                                        "(the shortfall adds to an entrant's expected clients)",
                                   ge=0, le=2, source="estimated")
    attraction_scale: float = param(4.0, "Quality points by which an entrant must beat the "
                                         "incumbents' reputation to expect e times its share of "
                                         "choosers", ge=0.1, le=50, unit="points",
                                   source="estimated")
    entry_cost: SectorAmount = per_sector(
        3_000_000, 1_000_000, 2_000_000, 4_000_000, "Sunk cost of opening a provider "
        "(premises, authorisation, recruitment)", unit="NOK", ge=0, source="estimated")
    payback_years: float = param(5.0, "Years over which an entrant must earn back its entry "
                                      "cost", ge=1, le=30, unit="years", source="estimated")
    startup_staff: float = param(0.3, "Staff a new provider starts with, as a share of the staff "
                                      "its capacity needs", ge=0, le=1, source="estimated")
    ramp_up_years: float = param(2.0, "Years a new provider gives itself to fill its places "
                                      "and cover its costs before empty places or losses make "
                                      "it leave (start-up losses are part of its entry cost)",
                                 ge=0, le=10,
                                 unit="years", source="estimated")
    exit_occupancy: float = param(0.4, "Occupancy (12-month average) below which a private "
                                       "provider leaves", ge=0, le=1, source="estimated")
    exit_loss: float = param(0.05, "Operating loss (12-month average, share of revenue) above "
                                   "which a private provider leaves", ge=0, le=1,
                             source="estimated")


class Vouchers(ProviderEntry, Mechanism):
    """Monthly choice of provider, and yearly entry and exit of private providers."""

    name = "vouchers"
    Params = VouchersParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        u, c = model.units_state, model.citizens_state
        model.money_follows_client = True
        self.rng = model.stream("vouchers")
        self.in_scheme = np.array([s in self.p.sectors for s in SECTORS])
        scheme_units = self.in_scheme[u.sector]
        u.flat_price[scheme_units] = self.p.price == "flat"
        u.price_factor[scheme_units] *= self.p.price_level
        self.passive = self.rng.random(len(c)) < self._passive_chance(c.need)
        self.reputation = u.quality.astype(np.float64)
        self.occupancy = _occupancy(u)
        self.result = np.zeros(len(u))        # 12-month average operating result, share of revenue
        self.opened = np.full(len(u), -999)   # month a provider entered
        self.lost = np.zeros(len(u))          # users lost by choice this year, net of those won
        self.lost_share = np.zeros(len(u))    # ... as a share of users, last year
        self.entries = np.zeros(len(u), dtype=np.int32)   # openings this year (for outcomes)
        self.exits = np.zeros(len(u), dtype=np.int32)     # closings this year
        self.moves = np.zeros(len(u))         # users who moved to the unit by choice, 12-month sum
        self.pressure = LeverShare(u.pressure)
        self._considered: np.ndarray | None = None
        self._live = np.zeros(0, dtype=bool)
        self.info = ScalarShare(model, "information")
        self.info.set(self.p.information)

    def _passive_chance(self, need: np.ndarray) -> np.ndarray:
        return np.clip(self.p.passive_share * need ** self.p.passive_need, 0.0, 1.0)

    # --- yearly: the council sets the price; providers respond, leave and enter ---------------
    def yearly(self, model: ReformModel) -> None:
        self._price_budget(model)
        self.entries[:] = 0
        self.exits[:] = 0
        if model.month == 0:
            return
        self._respond(model)
        self._exit(model)
        self._enter(model)

    def _price_budget(self, model: ReformModel) -> None:
        """The council's budget pays the voucher price it sets (the price level scales the
        scheme's share of the norm; the budget mechanism set it at the norm)."""
        if self.p.price_level == 1.0:
            return
        u, m = model.units_state, model.municipalities_state
        budget = model.mechanism("budget")
        norm = budget.norm_cost(model) * u.price_factor * u.active
        level = np.where(self.in_scheme[u.sector], self.p.price_level, 1.0)
        after = np.bincount(u.muni, weights=norm, minlength=len(m))
        before = np.bincount(u.muni, weights=norm / level, minlength=len(m))
        m.budget *= np.divide(after, before, out=np.ones(len(m)), where=before > 0)
        budget.fund_units(model)

    def _respond(self, model: ReformModel) -> None:
        """Last year's net loss of users becomes pressure on the unit's manager (to cut slack,
        ``production``); full units grow within the room of their premises and staff slots."""
        u = model.units_state
        self.lost_share = np.maximum(self.lost, 0) / np.maximum(u.clients + self.lost, 1)
        self.lost[:] = 0
        spc = model.params.world.staff_per_client.array()[u.sector]
        room = np.floor((u.slot_end - u.slot_start) / spc)
        full = u.active & self.in_scheme[u.sector] & (self.occupancy > self.p.entry_occupancy)
        grown = np.ceil(u.capacity * (1 + self.p.expansion))
        u.capacity[:] = np.where(full, np.maximum(u.capacity, np.minimum(grown, room)),
                                 u.capacity).astype(np.int32)

    def _press(self, model: ReformModel) -> None:
        """Pressure on the scheme's managers: users lost by choice and published comparison."""
        u, p = model.units_state, self.p
        press = p.pressure_per_loss * self.lost_share + p.comparison_pressure * model.information
        self.pressure.set(np.where(u.active & self.in_scheme[u.sector], np.minimum(press, 1), 0))

    # --- monthly: providers' standing, users' choices ----------------------------------------
    def monthly(self, model: ReformModel) -> None:
        self._track_providers(model)
        self.info.set(self.p.information)
        self._press(model)
        self._choose(model)

    def _track_providers(self, model: ReformModel) -> None:
        u = model.units_state
        a = self.p.reputation_speed
        self.reputation += a * (u.quality - self.reputation)
        self.occupancy += (_occupancy(u) - self.occupancy) / 12
        revenue = u.payment_month
        result = np.divide(revenue - u.cost_month, revenue, out=np.zeros(len(u)), where=revenue > 0)
        self.result += (np.where(u.active, result, 0.0) - self.result) / 12

    def _choose(self, model: ReformModel) -> None:
        """Reviewing users and newcomers choose; full units turn away the surplus at random, and
        where refusal is allowed private providers turn away users they would serve at a loss."""
        c, u = model.citizens_state, model.units_state
        newcomers = model.newcomers
        self.passive[newcomers] = (self.rng.random(len(newcomers))
                                   < self._passive_chance(c.need[newcomers]))
        eligible = self.in_scheme[c.sector] & ~self.passive
        new = np.zeros(len(c), dtype=bool)
        new[newcomers] = True
        review = eligible & (new | (self.rng.random(len(c)) < self.p.review_rate))
        who = np.flatnonzero(review)
        old = c.unit[who]
        wanted = self._best(model, who, new[who])
        movers = wanted != old
        who, old, wanted, first = who[movers], old[movers], wanted[movers], new[who][movers]
        if self.p.refusal:
            ok = self.accepts(model, wanted, c.need[who])
            who, old, wanted, first = who[ok], old[ok], wanted[ok], first[ok]
        ok = ration(wanted, self.free_places(model), self.rng)
        who, old, wanted, first = who[ok], old[ok], wanted[ok], first[ok]
        c.unit[who] = wanted
        c.switched[who[~first]] = True
        c.months_with_provider[who] = 0
        c.match[who] = self.rng.normal(0.0, 5.0, len(who)).astype(np.float32)  # fit is new
        self.lost += np.bincount(old[~first], minlength=len(u))
        self.lost -= np.bincount(wanted[~first], minlength=len(u))
        self.moves += np.bincount(wanted, minlength=len(u)) - self.moves / 12
        model.refresh_clients()

    def accepts(self, model: ReformModel, units: np.ndarray, need: np.ndarray) -> np.ndarray:
        """Whether each provider takes a user of the given need: public units take everyone; a
        private provider takes a user whose price, less its margin, covers the expected cost of
        serving them (under a flat price high-need users do not pay their way)."""
        u = model.units_state
        price = market.price_per_client(model, units, need)
        margin = model.mechanism("budget").margin(u)[units]
        cost = market.cost_per_client(model, units, need)
        return ~u.private[units] | (price * (1 - margin) >= cost)

    def _best(self, model: ReformModel, who: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Each chooser's best provider among those they consider (one padded matrix)."""
        c, u, p = model.citizens_state, model.units_state, self.p
        cand = self.considered(model)[c.unit[who]]
        valid = cand >= 0
        cand = np.where(valid, cand, 0)
        current = cand == c.unit[who][:, None]
        new = first[:, None]
        sd = p.noise * (1.0 - model.information)
        noise = self.rng.standard_normal(cand.shape, dtype=np.float32)
        seen = self.reputation[cand] + noise * sd - p.uncertainty_aversion * sd
        util = np.where(current & ~new, c.experienced[who][:, None], seen)
        dist = np.hypot(u.x[cand] - c.x[who][:, None], u.y[cand] - c.y[who][:, None])
        util -= p.distance_cost.array()[c.sector[who]][:, None] * dist
        util -= p.switching_cost * (~current & ~new)
        full = self.free_places(model)[cand] <= 0
        util[~valid | (full & ~current)] = -np.inf
        return cand[np.arange(len(who)), util.argmax(axis=1)]

    def considered(self, model: ReformModel) -> np.ndarray:
        """Per unit, the providers its users consider: itself and the ``consideration_set``
        nearest other active units of its municipality and sector (-1 pads). Rebuilt when
        providers open or close."""
        u = model.units_state
        live = u.active & self.in_scheme[u.sector]
        if self._considered is not None and np.array_equal(live, self._live):
            return self._considered
        k = self.p.consideration_set + 1
        out = np.full((len(u), k), -1, dtype=np.int64)
        units = np.flatnonzero(live)
        table = CandidateTable(model, live)
        for rows, cand, valid in table.buckets(u.muni[units], u.sector[units], all_widths=True):
            dist = np.hypot(u.x[cand] - u.x[units[rows]][:, None],
                            u.y[cand] - u.y[units[rows]][:, None])
            order = np.argsort(np.where(valid, dist, np.inf), axis=1)[:, :k]
            near = np.take_along_axis(cand, order, 1)
            ok = np.take_along_axis(valid, order, 1)
            out[units[rows], : near.shape[1]] = np.where(ok, near, -1)
        self._considered, self._live = out, live
        return out

    def free_places(self, model: ReformModel) -> np.ndarray:
        """Places a provider offers now: within its capacity, and no more users than its
        present staff serve at the norm plus a slack (it hires as the money comes); a new
        provider in its ramp-up offers all its places (it opened to fill them)."""
        u = model.units_state
        spc = model.params.world.staff_per_client.array()[u.sector]
        staffed = np.floor(u.present / spc * (1 + self.p.intake_slack))
        ramping = model.month - self.opened < 12 * self.p.ramp_up_years
        staffed = np.where(ramping, u.capacity, staffed)
        places = np.minimum(u.capacity, np.maximum(staffed, 1))
        return np.where(u.active, np.maximum(places - u.clients, 0), 0)


def _occupancy(u) -> np.ndarray:
    return np.divide(u.clients, u.capacity, out=np.zeros(len(u)), where=(u.capacity > 0) & u.active)


MECHANISM = Vouchers
