"""The Danish Quality Reform's levers (brief, mechanism 8).

Eight switches, each a lever of the 2007-2008 reform, each with its cost:

* quality contracts with citizens: published yearly targets per sector (``model.targets_quality``,
  last year's mean quality plus an ambition) that shape citizens' expectations;
* user satisfaction surveys, key performance indicators and national comparison pages produce
  information, each with a cost (money, and staff time as ``paperwork`` for the indicators) and
  an accuracy. Users read it when they choose (``model.information``); the municipality sees
  its units' results more accurately (``units.monitoring``: less drift of autonomous units,
  better judgement of tried practices); managers see their gap to peers (``units.benchmark``)
  and try what better units keep (``management``). No quality points are added: what the
  information is worth depends on who uses it;
* accreditation (self-assessment and external audit) of nursing homes and day care: the audit
  reviews the practices each unit has institutionalised and drops those that do not work there
  (with the audit's accuracy), and raises monitoring, with the paperwork of the process;
* welfare technology in elderly care (a scale from none to the planned programme, not a plain
  switch): after an investment period, a share of care labour is saved (``units.labour_saving``, so fewer staff are needed for the same clients);
* training of employees and managers (``units.training``: competence grows faster) with a
  systematic dialogue on the work environment (a little more ``mgmt_support``);
* shared service centres: administration costs less (``model.admin_factor`` below 1) after a
  set-up period and its cost;
* deregulation: less time on documentation and reporting (``units.paperwork`` down).

Source: 003 "Implementation of the Quality Reform": "Quality contracts with citizens" ("once a
year set clear targets"), "Surveys on customer satisfaction" ("day-care institutions, nursing
homes"), "Information of professional quality" ("a handful of key performance indicators"),
"Accreditation" ("self-assessment and external audit"; "systematic and continuous
quality-development and -control"), "Surveys on customer satisfaction" ("a knowledgebase for
the institutions in order to identify and learn from best practice"), "Investments in the welfare state of
tomorrow" (DKK 3 billion 2009-2015 "in technologies that can make ... elderly care less labour
intensive"), "Better basic and supplementary training" (and the work environment), "Shared
service centres" (DKK 802 million a year from centralising administration), "Deregulation -
cutting bureaucracy". Sizes are estimates unless the parameter says otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import SECTORS
from sim.mechanisms import Mechanism
from sim.mechanisms.shared import LeverShare, ScalarShare
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import ReformModel

CARE = np.array([s in ("nursing_home", "home_care") for s in SECTORS])
"""Sectors of elderly care (welfare technology)."""
ACCREDITED = np.array([s in ("nursing_home", "kindergarten") for s in SECTORS])
"""Sectors with accreditation (003: nursing homes and day care)."""


class DanishLeversParams(Params):
    """Quality contracts, surveys, KPIs, accreditation, welfare technology, training, shared
    service centres, deregulation."""

    enabled: bool = param(False, "Switch the Danish Quality Reform levers on (each lever has its "
                                 "own switch below)", source="scenario switch")
    quality_contracts: bool = param(True, "Publish yearly quality targets per sector",
                                    source="003 'Quality contracts with citizens'")
    target_ambition: float = param(2.0, "Published target above last year's mean quality",
                                   ge=-20, le=20, unit="points", source="estimated")
    contract_nok: float = param(5_000, "Cost of preparing and reporting the contract per unit",
                                ge=0, unit="NOK/unit-year", source="estimated")
    surveys: bool = param(True, "National user satisfaction surveys",
                          source="003 'Surveys on customer satisfaction'")
    survey_accuracy: float = param(0.4, "Accuracy of survey results as a picture of a unit's "
                                        "quality (0-1)", ge=0, le=1,
                                   source="estimated (satisfaction is a noisy proxy of quality)")
    survey_nok: float = param(150, "Cost of surveys per client", ge=0, unit="NOK/client-year",
                              source="estimated")
    kpis: bool = param(True, "Key performance indicators of professional quality",
                       source="003 'Information of professional quality'")
    kpi_accuracy: float = param(0.5, "Accuracy of the indicators as a picture of a unit's "
                                     "quality (0-1)", ge=0, le=1,
                                source="003 ('a handful of key performance indicators'); "
                                       "estimated")
    kpi_paperwork: float = param(0.01, "Extra share of working time on documenting indicators",
                                 ge=0, le=0.5, unit="share of time", source="estimated")
    kpi_nok: float = param(20_000, "Cost of indicator systems per unit", ge=0,
                           unit="NOK/unit-year", source="estimated")
    accreditation: bool = param(True, "Accreditation of nursing homes and day care",
                                source="003 'Accreditation'")
    audit_accuracy: float = param(0.6, "Accuracy of the external audit: monitoring of accredited "
                                       "units and the precision of its review of their practices",
                                  ge=0, le=1, source="003 (external audit); estimated")
    audit_years: int = param(3, "Years between audits of a unit", ge=1, le=10, unit="years",
                             source="estimated (accreditation cycles of about three years)")
    comparison_pages: bool = param(True, "National web pages comparing units on the surveys and "
                                         "indicators", source="003 (results published; 'learn "
                                                              "from best practice')")
    comparison_benchmark: float = param(0.6, "How well a manager sees the unit's gap to peers on "
                                             "the comparison pages (times the information's "
                                             "accuracy)", ge=0, le=1, source="estimated")
    comparison_nok: float = param(1_000, "Cost of the comparison pages per unit", ge=0,
                                  unit="NOK/unit-year", source="estimated")
    accreditation_paperwork: float = param(0.02, "Extra share of working time on self-assessment "
                                                 "and audit", ge=0, le=0.5, unit="share of time",
                                           source="estimated")
    accreditation_nok: float = param(60_000, "Cost of self-assessment and external audit per unit",
                                     ge=0, unit="NOK/unit-year", source="estimated")
    welfare_technology: float = param(1.0, "Scale of the investment in labour-saving welfare "
                                           "technology in elderly care (0 = none, 1 = the planned "
                                           "programme); saving and cost scale with it", ge=0, le=1,
                                      source="003 'Investments in the welfare state of tomorrow'")
    labour_saving: float = param(0.04, "Share of care labour saved once the technology is in use",
                                 ge=0, le=0.5, unit="share of staff need", source="estimated")
    investment_years: int = param(3, "Years of investment before the full saving", ge=1, le=20,
                                  unit="years", source="003 (investment 2009-2015); estimated")
    technology_nok: float = param(6_000, "Investment per care client and year during the "
                                         "investment period", ge=0, unit="NOK/client-year",
                                  source="003: DKK 3 billion over 7 years for ~5.9 million "
                                         "Danes; estimated per client")
    training: bool = param(True, "Better basic and supplementary training of employees and "
                                 "managers", source="003 'Better basic and supplementary training'")
    training_level: float = param(0.3, "Extra competence development (units.training)", ge=0,
                                  le=1, source="estimated")
    training_support: float = param(0.02, "Management support from managers' training and the "
                                           "work-environment dialogue", ge=0, le=0.5,
                                    source="003 ('systematic dialogue about ... the working "
                                           "environment'); estimated")
    training_nok: float = param(6_000, "Cost of training per employee", ge=0,
                                unit="NOK/employee-year", source="estimated")
    shared_services: bool = param(True, "Shared service centres for administration",
                                  source="003 'Shared service centres'")
    admin_saving: float = param(0.15, "Share of administration cost saved once the centres run",
                                ge=0, le=0.9, source="003: DKK 802 million a year; share estimated")
    setup_years: int = param(2, "Years to set up the centres (saving phased in)", ge=1, le=10,
                             unit="years", source="estimated")
    setup_nok: float = param(300, "Set-up cost per inhabitant, spread over the set-up years",
                             ge=0, unit="NOK/inhabitant", source="estimated")
    change_per_lever: float = param(0.06, "Change load on every unit per lever while it is "
                                          "introduced (the set-up years)", ge=0, le=1,
                                    source="002 (too many changes at once overload); estimated")
    running_share: float = param(0.4, "Change load of the levers once introduced, as a share of "
                                      "the load while they are introduced", ge=0, le=1,
                                 source="estimated (reporting, audits and surveys recur)")
    deregulation: bool = param(True, "Cut rules and reporting", source="003 'Deregulation - "
                                                                       "cutting bureaucracy'")
    paperwork_cut: float = param(0.02, "Share of working time freed from documentation", ge=0,
                                 le=0.15, unit="share of time", source="estimated")


class DanishLevers(Mechanism):
    """The eight levers of the Danish Quality Reform, each with its cost."""

    name = "danish_levers"
    Params = DanishLeversParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        u = model.units_state
        self.rng = model.stream("danish_levers")
        self.paperwork = LeverShare(u.paperwork)
        self.labour_saving = LeverShare(u.labour_saving)
        self.training = LeverShare(u.training)
        self.mgmt_support = LeverShare(u.mgmt_support)
        self.monitoring = LeverShare(u.monitoring)
        self.benchmark = LeverShare(u.benchmark)
        self.change_load = LeverShare(u.change_load)
        self.information = ScalarShare(model, "information")
        self.admin = ScalarShare(model, "admin_factor", lo=0.0, hi=10.0)
        # audits spread over the cycle: each accredited unit is audited in its own year
        self.audit_year = self.rng.integers(0, self.p.audit_years, len(u))
        self.reviewed = np.zeros(len(u), dtype=np.int64)   # practices dropped after an audit

    def accuracy(self) -> float:
        """Accuracy of the published picture of units' quality: surveys and indicators
        together (each misses what the other may catch)."""
        p = self.p
        return 1 - (1 - p.surveys * p.survey_accuracy) * (1 - p.kpis * p.kpi_accuracy)

    def yearly(self, model: ReformModel) -> None:
        p, u = self.p, model.units_state
        year = model.month // 12
        if p.quality_contracts:
            model.targets_quality = self.published_targets(model)
        seen = self.accuracy()
        accredited = p.accreditation & ACCREDITED[u.sector] & u.active
        audited = 1 - (1 - seen) * (1 - accredited * p.audit_accuracy)
        self.monitoring.set(u.active * audited)
        self.benchmark.set(u.active * p.comparison_pages * p.comparison_benchmark * seen)
        self.information.set(seen * (1.0 if p.comparison_pages else 0.5))
        if p.accreditation:
            self._audit(model, accredited & (self.audit_year == year % p.audit_years))
        in_process = p.accreditation & ACCREDITED[u.sector]
        self.paperwork.set(p.kpis * p.kpi_paperwork + in_process * p.accreditation_paperwork
                           - p.deregulation * p.paperwork_cut)
        phase = min(1.0, (year + 1) / p.investment_years)
        self.labour_saving.set(p.welfare_technology * CARE[u.sector] * p.labour_saving * phase)
        self.training.set(p.training * p.training_level)
        self.mgmt_support.set(p.training * p.training_support)
        setup = min(1.0, (year + 1) / p.setup_years)
        self.admin.set(-p.shared_services * p.admin_saving * setup)
        levers = (p.shared_services + p.kpis + p.accreditation + (p.welfare_technology > 0)
                  + p.surveys + p.comparison_pages + p.training)
        running = 1.0 if year < p.setup_years else p.running_share
        self.change_load.set(u.active * p.change_per_lever * levers * running)

    def _audit(self, model: ReformModel, units: np.ndarray) -> None:
        """The external audit reviews the practices the audited units keep and has them drop
        those it judges not to work there (with the audit's accuracy)."""
        u, w, p = model.units_state, model.world, self.p
        rows, cols = np.nonzero(u.practices & ~u.trying & units[:, None])
        if len(rows) == 0:
            return
        truth = w.practice_quality[cols] + w.fit_quality[rows, cols]
        noise = model.mechanism("management").p.judgement_noise * (1 - p.audit_accuracy)
        seen = truth + self.rng.normal(0, 1, len(truth)) * noise
        drop = seen < 0
        u.practices[rows[drop], cols[drop]] = False
        np.add.at(self.reviewed, rows[drop], 1)

    def published_targets(self, model: ReformModel) -> np.ndarray:
        """Per sector: this year's mean quality of operating units, weighted by clients, plus the
        ambition (0-100)."""
        u = model.units_state
        w = u.clients * u.active
        total = np.bincount(u.sector, weights=u.quality * w, minlength=len(SECTORS))
        count = np.bincount(u.sector, weights=w, minlength=len(SECTORS))
        mean = np.divide(total, count, out=np.full(len(SECTORS), 70.0), where=count > 0)
        return np.clip(mean + self.p.target_ambition, 0, 100)

    def monthly(self, model: ReformModel) -> None:
        m = model.municipalities_state
        m.reform_cost_month += self.yearly_cost(model) / 12

    def yearly_cost(self, model: ReformModel) -> np.ndarray:
        """This year's cost of the levers per municipality (NOK/year)."""
        p, u, m = self.p, model.units_state, model.municipalities_state
        year = model.month // 12
        live = u.active
        per_unit = live * (p.quality_contracts * p.contract_nok + p.kpis * p.kpi_nok
                           + p.comparison_pages * p.comparison_nok
                           + p.accreditation * ACCREDITED[u.sector] * p.accreditation_nok)
        per_unit = per_unit + live * u.clients * (
            p.surveys * p.survey_nok
            + p.welfare_technology * (year < p.investment_years) * CARE[u.sector] * p.technology_nok)
        per_unit = per_unit + live * u.staff * p.training * p.training_nok
        cost = np.bincount(u.muni, weights=per_unit, minlength=len(m))
        if p.shared_services and year < p.setup_years:
            cost = cost + m.population * p.setup_nok / p.setup_years
        return cost


MECHANISM = DanishLevers
