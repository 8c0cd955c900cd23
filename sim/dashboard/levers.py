"""The dashboard's levers: what a workshop audience can change, in plain language.

Each lever is one scenario parameter (a dotted override key, as in ``sim.scenario.with_overrides``)
with a label and a one-sentence explanation a non-specialist understands, the seed passage it
stands on (file and heading, as in ``../shared/seeds/INDEX.md``), and the range the slider offers.
The slider range never exceeds what the scenario schema allows; a lever whose key the schema does
not know is left out of the page (and ``tests/dashboard/test_components.py`` fails, so that it is
noticed) rather than crashing the dashboard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

SEEDS = {
    "000": "000_d814103682f13165.txt",
    "001": "001_85880d72c06ed4b5.txt",
    "002": "002_ec08a885aefc56e2.txt",
    "003": "003_bfdc65d4c3bfc63f.txt",
    "004": "004_b588b95426d827e3.txt",
}


@dataclass(frozen=True)
class Lever:
    """One slider or switch on the page."""

    key: str                       # dotted scenario key, e.g. "empowerment.intensity"
    label: str                     # plain-language label shown on the slider
    explanation: str               # one or two sentences for a workshop audience
    source: str                    # seed file and heading
    group: str                     # the reform it belongs to (heading on the page)
    kind: Literal["switch", "slider"] = "slider"
    min: float = 0.0
    max: float = 1.0
    step: float = 0.05
    unit: str = ""

    @property
    def param_name(self) -> str:
        """The keyword name of the lever in the dashboard model (a Python identifier)."""
        return self.key.replace(".", "__")

    @property
    def is_int(self) -> bool:
        return self.kind == "slider" and all(
            float(v).is_integer() for v in (self.min, self.max, self.step))


LEVERS: tuple[Lever, ...] = (
    # --- the municipal budget ------------------------------------------------------------------
    Lever("budget.budget_level", "Budget level",
          "How much money the municipalities have for these services: 1 = what they normally "
          "cost, 0.9 = a 10 % cut (fewer staff per client), 1.1 = 10 % more.",
          f"{SEEDS['001']}, 'The programme' (work within the municipality's own financial "
          f"limits); {SEEDS['000']}, 'Decentralization and Management Systems'",
          "Money", min=0.7, max=1.3, step=0.05, unit="× norm cost"),
    # --- employee empowerment (Model Municipality Methodology) ---------------------------------
    Lever("empowerment.enabled", "Empowerment programme",
          "Employees take part in changing their own work: they get more say, information and "
          "training, and try out their own ideas.",
          f"{SEEDS['002']}, 'Involvement of employees'", "Employee empowerment", kind="switch"),
    Lever("empowerment.intensity", "Employee involvement",
          "0 = hardly at all, 1 = employees lead the change work. More involvement gives more "
          "control over one's work, but too many changes at once overload people.",
          f"{SEEDS['002']}, 'Involvement of employees' and 'MMM CHALLENGES' (prevent overload)",
          "Employee empowerment", min=0.0, max=1.0, step=0.05, unit="0-1"),
    # --- commitments / management by results (CQM) --------------------------------------------
    Lever("commitments.enabled", "Yearly commitments",
          "Each unit agrees every year on what it will deliver, and gets its budget and freedom "
          "to decide in return (management by results).",
          f"{SEEDS['000']}, 'CQM highlights' and 'COMMITMENTS'", "Commitments", kind="switch"),
    Lever("commitments.autonomy", "Unit freedom",
          "How much the units decide themselves about how to use their budget and staff.",
          f"{SEEDS['000']}, 'Decentralization and Management Systems'", "Commitments",
          min=0.0, max=1.0, step=0.05, unit="0-1"),
    Lever("commitments.measurement_accuracy", "Measurement accuracy",
          "How accurately the council sees each unit's real quality. Poor measurement rewards "
          "the wrong units.",
          f"{SEEDS['000']}, 'The purchaser's evaluation according to CQM'", "Commitments",
          min=0.0, max=1.0, step=0.05, unit="0-1"),
    # --- voucher choice ------------------------------------------------------------------------
    Lever("vouchers.enabled", "Vouchers (free choice)",
          "Citizens choose their nursing home, home care or kindergarten; the provider "
          "they choose gets the money. Private providers may enter.",
          f"{SEEDS['000']}, 'Customer choice'", "Free choice (vouchers)", kind="switch"),
    Lever("vouchers.information", "Citizens' information",
          "0 = citizens choose almost blindly, 1 = they know each provider's quality well "
          "(surveys and published indicators help).",
          f"{SEEDS['000']}, 'Customer choice'; {SEEDS['003']}, 'Surveys on customer satisfaction'", "Free choice (vouchers)", min=0.0, max=1.0, step=0.05, unit="0-1"),
    # --- purchaser-provider contracts -----------------------------------------------------------
    Lever("contracts.enabled", "Competitive tendering",
          "The municipality buys services by tender: its own units and private firms bid on "
          "price and quality.",
          f"{SEEDS['000']}, 'Market mechanisms'", "Tendering", kind="switch"),
    Lever("contracts.quality_weight", "Quality weight in awards",
          "0 = the cheapest bid wins, 1 = the best quality wins.",
          f"{SEEDS['000']}, 'Market mechanisms'", "Tendering",
          min=0.0, max=1.0, step=0.05, unit="0-1"),
    Lever("contracts.monitoring", "Contract monitoring",
          "Contractors may cut quality the contract cannot see; checking catches it, but costs "
          "money.",
          f"{SEEDS['000']}, 'Market mechanisms' (contractors cutting quality)", "Tendering",
          min=0.0, max=1.0, step=0.05, unit="0-1"),
    # --- network learning (Quality in Local Government) ---------------------------------------
    Lever("networks.enabled", "Learning networks",
          "Municipalities meet in networks, compare results every year and copy the good "
          "practices of better peers.",
          f"{SEEDS['001']}, 'Organisation of the programme'", "Learning networks", kind="switch"),
    Lever("networks.participation", "Network participation",
          "The programme aimed at more than half of all municipalities taking part.",
          f"{SEEDS['001']}, 'The programme'; {SEEDS['004']}, 'Nature of Agreement'",
          "Learning networks", min=0.0, max=1.0, step=0.05, unit="share"),
    # --- Danish Quality Reform levers ------------------------------------------------------------
    Lever("danish_levers.enabled", "Danish quality reform",
          "Quality contracts with citizens, satisfaction surveys, quality indicators, "
          "accreditation, welfare technology, training and shared service centres.",
          f"{SEEDS['003']}, 'Implementation of the Quality Reform'", "Danish quality reform",
          kind="switch"),
    Lever("danish_levers.welfare_technology", "Welfare technology",
          "Labour-saving technology (e.g. sensors, robots): costs money up front, frees staff "
          "time later.",
          f"{SEEDS['003']}, 'Investments in the welfare state of tomorrow'",
          "Danish quality reform", min=0.0, max=1.0, step=0.05, unit="0-1"),
)

LEVERS_BY_PARAM: dict[str, Lever] = {lv.param_name: lv for lv in LEVERS}


def _schema():
    from sim.scenario import scenario_class

    return scenario_class()


def field_bounds(key: str) -> tuple[bool, float | None, float | None]:
    """(known, ge, le) of a dotted scenario key, read from the pydantic schema."""
    model: Any = _schema()
    info = None
    for part in key.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False, None, None
        info = fields[part]
        ann = info.annotation
        if isinstance(ann, type) and hasattr(ann, "model_fields"):
            model = ann
        elif info.default_factory is not None:
            model = type(info.default_factory())
        else:
            model = None
    lo = hi = None
    for meta in getattr(info, "metadata", []):
        lo = getattr(meta, "ge", lo) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", hi) if getattr(meta, "le", None) is not None else hi
    return True, lo, hi


@cache
def available_levers() -> tuple[Lever, ...]:
    """The levers whose key the scenario schema knows, with ranges clipped to the schema."""
    out = []
    for lv in LEVERS:
        known, lo, hi = field_bounds(lv.key)
        if not known:
            continue
        if lv.kind == "slider":
            new_min = max(lv.min, lo) if lo is not None else lv.min
            new_max = min(lv.max, hi) if hi is not None else lv.max
            if new_max <= new_min:
                continue
            lv = Lever(**{**lv.__dict__, "min": new_min, "max": new_max})
        out.append(lv)
    return tuple(out)


def unknown_levers() -> list[str]:
    """Lever keys the scenario schema does not know (should be empty)."""
    return [lv.key for lv in LEVERS if not field_bounds(lv.key)[0]]


def get_value(scenario: Any, key: str) -> Any:
    """The value of a dotted key in a scenario (pydantic model or nested dict)."""
    node = scenario
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def snap(lever: Lever, value: Any) -> Any:
    """A value as the lever's widget shows it (bool for a switch, on the slider grid)."""
    if lever.kind == "switch":
        return bool(value)
    v = float(value)
    v = min(max(v, lever.min), lever.max)
    k = round((v - lever.min) / lever.step)
    v = lever.min + k * lever.step
    v = round(min(max(v, lever.min), lever.max), 6)
    return int(v) if lever.is_int else v


def check_value(lever: Lever, value: Any) -> str | None:
    """None if ``value`` is acceptable for ``lever``, else a plain-language refusal."""
    if lever.kind == "switch":
        if isinstance(value, bool) or value in (0, 1):
            return None
        return f"'{lever.label}' must be on or off; found {value!r}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return f"'{lever.label}' must be a number; found {value!r}"
    if math.isnan(v) or not lever.min - 1e-9 <= v <= lever.max + 1e-9:
        return (f"'{lever.label}' must be between {lever.min:g} and {lever.max:g}"
                f"{' ' + lever.unit if lever.unit else ''}; found {value!r}")
    return None


def model_params(scenario: Any, levers: tuple[Lever, ...] | None = None) -> dict[str, dict]:
    """Mesa SolaraViz ``model_params`` for the levers, starting at the values in ``scenario``."""
    out: dict[str, dict] = {}
    for lv in levers if levers is not None else available_levers():
        value = snap(lv, get_value(scenario, lv.key))
        if lv.kind == "switch":
            out[lv.param_name] = {"type": "Checkbox", "value": value, "label": lv.label}
        else:
            out[lv.param_name] = {
                "type": "SliderInt" if lv.is_int else "SliderFloat", "value": value,
                "min": int(lv.min) if lv.is_int else lv.min,
                "max": int(lv.max) if lv.is_int else lv.max,
                "step": int(lv.step) if lv.is_int else lv.step,
                "label": lv.label,
            }
    return out
