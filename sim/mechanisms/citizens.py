"""Citizens: turnover of service users, experienced quality, expectations and satisfaction.

Each month some users leave the service (children start school or finish it, older people die
or move) and a new user takes the slot, keeping their provider if it operates (under vouchers
the voucher mechanism lets newcomers choose). A user experiences their provider's quality plus
their personal fit and a monthly noise; expectations adapt slowly to experience and are pulled
toward published quality targets where those exist (Danish quality contracts, 003); satisfaction
rises with the gap between experience and expectation and with the level of experience.

Sources: 000 ("systematic customer feedback", expectation and perceived quality); 003 (quality
contracts with citizens set yearly targets; national user satisfaction surveys). Rates of
leaving the service: estimated from typical lengths of stay (docs/sources.md §3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import Mechanism
from sim.params import Params, SectorShare, param, per_sector
from sim.world import draw_need

if TYPE_CHECKING:
    from sim.model import ReformModel


class CitizensParams(Params):
    """Service users' turnover, expectations and satisfaction."""

    renewal: SectorShare = per_sector(0.036, 0.03, 0.02, 0.0083, "Monthly chance that a user leaves "
                                 "the service and a new user takes the place", unit="per month",
                                 ge=0, le=1, source="estimated: stays of ~2.3 years in nursing "
                                 "homes, ~4 in kindergarten, 10 in school")
    expectation_gap: float = param(2.0, "How far new users' expectations sit above the quality "
                                        "they will meet", ge=-50, le=50, unit="points",
                                   source="estimated")
    expectation_spread: float = param(5.0, "Spread of new users' expectations", ge=0, le=50,
                                      unit="points", source="estimated")
    adaptation: float = param(0.05, "Monthly adaptation of expectations to experience", ge=0,
                              le=1, unit="per month", source="estimated")
    experience_noise: float = param(3.0, "Month-to-month noise in experienced quality", ge=0,
                                    le=50, unit="points", source="estimated")
    satisfaction_bias: float = param(1.1, "Log-odds of satisfaction when experience meets "
                                          "expectation at reference quality", ge=-10, le=10,
                                     source="calibrated: ~75/100, near national user surveys")
    satisfaction_gap: float = param(0.12, "Log-odds of satisfaction per point of experience "
                                          "above expectation", ge=0, le=2, source="estimated")
    satisfaction_level: float = param(0.04, "Log-odds of satisfaction per point of experience "
                                            "above 70", ge=0, le=2, source="estimated")


class Citizens(Mechanism):
    """Renewal of users, experience, expectations and satisfaction."""

    name = "citizens"
    Params = CitizensParams

    def setup(self, model: ReformModel) -> None:
        self.rng = model.stream("citizens")
        c, u = model.citizens_state, model.units_state
        # Users at the start have used the service a while: their expectations have adapted to
        # what they meet (newcomers later expect a little more, ``expectation_gap``).
        noise = self.rng.normal(0, self.p.expectation_spread / 2, len(c))
        c.expectation[:] = (u.quality[c.unit] + c.match + noise).astype(np.float32)
        self.experience(model)

    def _new_expectations(self, quality: np.ndarray) -> np.ndarray:
        noise = self.rng.normal(0, self.p.expectation_spread, len(quality))
        return (quality + self.p.expectation_gap + noise).astype(np.float32)

    def monthly(self, model: ReformModel) -> None:
        self.renew(model)
        self.experience(model)

    def renew(self, model: ReformModel) -> None:
        """Users who leave are replaced by new ones in the same slot (same place, same sector)."""
        c, u = model.citizens_state, model.units_state
        leaving = self.rng.random(len(c)) < self._renewal_rate(c)
        idx = np.flatnonzero(leaving)
        c.person_id[idx] = model.next_person_ids(len(idx))
        c.need[idx] = draw_need(c.sector[idx], self.rng)
        c.match[idx] = self.rng.normal(0, 5.0, len(idx)).astype(np.float32)
        c.months_with_provider[idx] = 0
        target = model.targets_quality[c.sector[idx]] if model.targets_quality is not None else \
            u.quality[c.unit[idx]]
        c.expectation[idx] = self._new_expectations(target)
        model.newcomers = idx
        model.refresh_clients()

    def _renewal_rate(self, c) -> np.ndarray:
        """Each citizen's monthly chance of leaving (cached: a slot never changes sector)."""
        rates = self.p.renewal.array()
        if getattr(self, "_rate_of", None) is not c.sector or not np.array_equal(self._rates, rates):
            self._rate, self._rates, self._rate_of = rates[c.sector], rates, c.sector
        return self._rate

    def experience(self, model: ReformModel) -> None:
        p, c, u = self.p, model.citizens_state, model.units_state
        # the same numbers as rng.normal(0, sd, n), drawn faster
        noise = (self.rng.standard_normal(len(c)) * p.experience_noise).astype(np.float32)
        c.experienced[:] = np.clip(u.quality[c.unit] + c.match + noise, 0, 100)
        pull = c.experienced if model.targets_quality is None else \
            0.5 * (c.experienced + model.targets_quality[c.sector])
        c.expectation += p.adaptation * (pull - c.expectation)
        logit = (p.satisfaction_bias + p.satisfaction_gap * (c.experienced - c.expectation)
                 + p.satisfaction_level * (c.experienced - 70))
        c.satisfaction[:] = 100 / (1 + np.exp(-logit))
        c.months_with_provider += 1


MECHANISM = Citizens
