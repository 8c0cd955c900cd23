"""The scenario comparison report: one self-contained HTML file that opens offline.

Plots are matplotlib PNGs embedded as base64 data URIs; the style sheet is inline; there are no
scripts and no external links, so the file can be mailed, archived and opened anywhere.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .55rem;text-align:right;vertical-align:top}
.n{white-space:nowrap}
th{background:#f4f4f4}td.l,th.l{text-align:left}.sub{color:#666;font-size:.85rem}
.better{color:#1a7f37;font-weight:600}.worse{color:#b42318;font-weight:600}
.note{background:#f8f8f8;border-left:3px solid #aaa;padding:.5rem .8rem;font-size:.9rem}
img{max-width:100%;height:auto}code{background:#f4f4f4;padding:0 .2rem}
"""

HIGHER_IS_BETTER: dict[str, bool] = {
    "quality": True, "satisfaction": True, "cost_per_client": False, "sick_leave_pct": False,
    "turnover_pct": False, "quality_spread": False, "practices_adopted": True,
}
"""Which direction of change the report colours as an improvement."""


@dataclass
class ScenarioInfo:
    """What the report shows about one scenario's definition."""

    name: str
    description: str
    source: str
    years: int
    differences: dict[str, Any]


@dataclass
class ComparisonReport:
    """Everything the comparison report shows."""

    title: str
    settings: dict[str, str]
    outcomes: dict[str, tuple[str, str]]          # outcome -> (unit, definition)
    order: list[str]                               # scenarios in display order
    reference: str
    table: pd.DataFrame                            # stats.scenario_table
    sectors: pd.DataFrame                          # stats.sector_means
    bands: dict[str, pd.DataFrame]                 # outcome -> stats.bands
    scenarios: list[ScenarioInfo]
    files: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    municipalities: pd.DataFrame | None = None     # your own municipalities: last-year means
    markets: pd.DataFrame | None = None            # stats.sector_means of the market outcomes
    uncertainty: str = ""                          # HTML: parameter vs stochastic (--posterior)


def render(report: ComparisonReport) -> str:
    """The whole report as one HTML document."""
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(report.title)}</h1>", _settings(report), _failures(report),
        "<h2>Outcomes in the last simulated year</h2>", _headline_table(report),
        report.uncertainty,
        "<h2>Over time</h2>", _plots(report),
        "<h2>By sector (last year, mean over replications)</h2>", _sector_table(report),
        *(["<h2>By municipality (last year, mean over replications)</h2>",
           _municipality_table(report)] if report.municipalities is not None else []),
        _market_table(report),
        "<h2>Scenario definitions</h2>", _scenarios(report),
        "<h2>Definitions and method</h2>", _method(report),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _settings(report: ComparisonReport) -> str:
    items = "".join(f"<tr><th class='l'>{_e(k)}</th><td class='l'>{_e(v)}</td></tr>"
                    for k, v in report.settings.items())
    return f"<table>{items}</table>"


def _failures(report: ComparisonReport) -> str:
    if not report.failures:
        return ""
    items = "".join(f"<li>{_e(f)}</li>" for f in report.failures)
    return (f"<div class='note'><b>{len(report.failures)} run(s) failed and are left out of "
            f"every number below:</b><ul>{items}</ul></div>")


def _headline_table(report: ComparisonReport) -> str:
    outcomes = list(dict.fromkeys(report.table["outcome"]))
    head = "<tr><th class='l'>scenario</th>" + "".join(
        f"<th>{_e(o)}<br><span class='sub'>{_e(report.outcomes[o][0])}</span></th>"
        for o in outcomes) + "</tr>"
    by = report.table.set_index(["scenario", "outcome"])
    body = []
    for scenario in report.order:
        cells = [f"<td class='l'>{_e(scenario)}</td>"]
        for o in outcomes:
            r = by.loc[(scenario, o)]
            mean = (f"<span class='n'>{_fmt(r['mean'])} <span class='sub'>[{_fmt(r['ci_low'])}, "
                    f"{_fmt(r['ci_high'])}]</span></span>")
            cells.append(f"<td>{mean}<br>{_diff(scenario == report.reference, o, r)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    runs = int(report.table["runs"].min()) if len(report.table) else 0
    note = (f"<p class='sub'>In each cell, first line: the mean over replications ({runs} per "
            f"scenario) of each run's mean over its last simulated year, all sectors together, "
            f"with its 95% interval; second line: the difference from {_e(report.reference)}, "
            f"paired by seed (common random numbers), with its 95% interval. "
            f"<span class='better'>Green</span> and <span class='worse'>red</span> mark "
            f"differences whose interval excludes zero (better or worse).</p>")
    return f"<table>{head}{''.join(body)}</table>{note}"


def _diff(is_reference: bool, outcome: str, r: pd.Series) -> str:
    if is_reference:
        return "<span class='sub'>reference</span>"
    d = _digits(r["mean"])
    text = (f"{_fmt(r['diff'], True, d)} [{_fmt(r['diff_low'], True, d)}, "
            f"{_fmt(r['diff_high'], True, d)}]")
    css = "n sub"
    if outcome in HIGHER_IS_BETTER and np.isfinite(r["diff_low"]) and (r["diff_low"] > 0 or r["diff_high"] < 0):
        better = (r["diff"] > 0) == HIGHER_IS_BETTER[outcome]
        css = "n better" if better else "n worse"
    return f"<span class='{css}'>{text}</span>"


def _market_table(report: ComparisonReport) -> str:
    """Providers by type: private share, entry and exit, slack, productivity, need mix and
    contracts shaded and caught, per sector (units in the definitions below)."""
    if report.markets is None:
        return ""
    return ("<h2>Markets by sector (last year, mean over replications)</h2>"
            + _sector_table(report, report.markets))


def _sector_table(report: ComparisonReport, frame: pd.DataFrame | None = None) -> str:
    frame = report.sectors if frame is None else frame
    outcomes = [c for c in frame.columns if c not in ("scenario", "sector")]
    head = "<tr><th class='l'>scenario</th><th class='l'>sector</th>" + "".join(
        f"<th>{_e(o)}</th>" for o in outcomes) + "</tr>"
    rows = []
    for scenario in report.order:
        for _, r in frame[frame["scenario"] == scenario].iterrows():
            rows.append(f"<tr><td class='l'>{_e(scenario)}</td><td class='l'>{_e(r['sector'])}</td>"
                        + "".join(f"<td>{_fmt(r[o])}</td>" for o in outcomes) + "</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _municipality_table(report: ComparisonReport) -> str:
    """One row per municipality (by name) and scenario: its last-year means, all sectors."""
    frame = report.municipalities
    outcomes = [c for c in frame.columns if c not in ("municipality", "scenario", "runs")]
    head = "<tr><th class='l'>municipality</th><th class='l'>scenario</th>" + "".join(
        f"<th>{_e(o)}</th>" for o in outcomes) + "</tr>"
    rows = []
    for name in dict.fromkeys(frame["municipality"]):
        for scenario in report.order:
            for _, r in frame[(frame["municipality"] == name) & (frame["scenario"] == scenario)].iterrows():
                rows.append(f"<tr><td class='l'>{_e(name)}</td><td class='l'>{_e(scenario)}</td>"
                            + "".join(f"<td>{_fmt(r[o])}</td>" for o in outcomes) + "</tr>")
    return (f"<table>{head}{''.join(rows)}</table><p class='sub'>Each municipality of the "
            "municipalities file: the mean over replications of its last simulated year, all "
            "sectors together.</p>")


def _plots(report: ComparisonReport) -> str:
    out = []
    for outcome, frame in report.bands.items():
        unit, definition = report.outcomes[outcome]
        uri = png_data_uri(timeseries_figure(frame, outcome, unit, report.order))
        out.append(f"<h3>{_e(outcome)} <span class='sub'>({_e(unit)}): {_e(definition)}</span></h3>"
                   f"<img alt='{_e(outcome)} over time by scenario, with 95% bands' src='{uri}'>")
    out.append("<p class='sub'>Lines: mean over replications, month by month, all sectors; "
               "shaded: 95% interval of that mean.</p>")
    return "\n".join(out)


def timeseries_figure(frame: pd.DataFrame, outcome: str, unit: str, order: list[str]) -> Figure:
    """One line per scenario (mean over replications) with its 95% band, over months."""
    fig = Figure(figsize=(10, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    colours = _colours(len(order))
    for colour, scenario in zip(colours, order, strict=True):
        rows = frame[frame["scenario"] == scenario]
        years = rows["month"].to_numpy() / 12
        ax.plot(years, rows["mean"], color=colour, lw=1.6, label=scenario)
        ax.fill_between(years, rows["ci_low"], rows["ci_high"], color=colour, alpha=0.18, lw=0)
    ax.set_xlabel("years since the reform started")
    ax.set_ylabel(f"{outcome} ({unit})")
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=9)
    return fig


def _colours(n: int) -> list[Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def png_bytes(fig: Figure) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def png_data_uri(fig: Figure) -> str:
    """A figure as a base64 PNG data URI (embedded, so the report needs no other file)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig)).decode("ascii")


def _scenarios(report: ComparisonReport) -> str:
    out = []
    for s in report.scenarios:
        diffs = "".join(f"<tr><td class='l'><code>{_e(k)}</code></td><td class='l'>{_e(_value(v))}</td></tr>"
                        for k, v in s.differences.items())
        table = (f"<table><tr><th class='l'>parameter (differs from the defaults)</th>"
                 f"<th class='l'>value</th></tr>{diffs}</table>" if diffs
                 else "<p class='sub'>All parameters at their defaults.</p>")
        out.append(f"<h3>{_e(s.name)}</h3><p>{_e(s.description)}</p>"
                   f"<p class='sub'>Source: {_e(s.source) or '-'}. Horizon in the file: {s.years} years.</p>"
                   f"{table}")
    return "\n".join(out)


def _method(report: ComparisonReport) -> str:
    rows = "".join(f"<tr><td class='l'><code>{_e(o)}</code></td><td class='l'>{_e(u)}</td>"
                   f"<td class='l'>{_e(d)}</td></tr>" for o, (u, d) in report.outcomes.items())
    files = "".join(f"<li><code>{_e(f)}</code></li>" for f in report.files)
    return (f"<table><tr><th class='l'>outcome</th><th class='l'>unit</th><th class='l'>definition"
            f"</th></tr>{rows}</table>"
            "<p>Each scenario runs with the same replication seeds (common random numbers), "
            "spawned from the base seed with NumPy's SeedSequence. Intervals are Student-t 95% "
            "intervals over replications; differences from the reference are computed run by run "
            "on the same seed.</p>"
            + (f"<p>Data files beside this report:</p><ul>{files}</ul>" if files else ""))


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _digits(x: float) -> int:
    """Decimals for a number of this size: 254,049; 74.9; 9.18."""
    ax = abs(x) if x is not None and np.isfinite(x) else 0.0
    return 0 if ax >= 1000 else 1 if ax >= 10 else 2


def _fmt(x: float, sign: bool = False, digits: int | None = None) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    digits = _digits(x) if digits is None else digits
    return f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
