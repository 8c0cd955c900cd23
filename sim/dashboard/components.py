"""The dashboard's views: outcome charts, the learning network, one municipality's units, the
side-by-side summary, the lever explanations and the export buttons.

Every view has a plain function that computes what it shows from a :class:`DashboardModel`
(testable without a browser) and a Solara component that displays it. The model plays back runs
recorded in the worker pool, so a view only reads arrays. Charts on the page are small SVG
documents written directly (``sim.dashboard.svg``: about a millisecond a frame, where redrawing a
Matplotlib figure costs 100-250 ms of server CPU); Matplotlib draws the downloadable PNG. Altair
is not used (it would need vega files from a CDN).
"""

from __future__ import annotations

import html
import io
import math
from typing import Any

import numpy as np
import pandas as pd
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from sim import SECTORS
from sim.dashboard import frames, svg
from sim.dashboard.compute import INT_FIELDS, UNIT_FIELDS
from sim.dashboard.levers import available_levers
from sim.dashboard.runs import DashboardModel

#: (column, title, unit, divisor): the four outcomes on the chart, each with its unit.
OUTCOMES: tuple[tuple[str, str, str, float], ...] = (
    ("quality", "Service quality", "score 0-100", 1.0),
    ("satisfaction", "Citizen satisfaction", "score 0-100", 1.0),
    ("cost_per_client", "Cost per client", "1000 NOK per client-year", 1000.0),
    ("sick_leave_pct", "Sick leave", "% of contracted days", 1.0),
)
EXPLAIN = {
    "quality": "Professional quality of the services, 0-100 (staffing, competence, motivation, "
               "practices).",
    "satisfaction": "How satisfied citizens are with the service they get, 0-100.",
    "cost_per_client": "What a client costs per year, administration and reform costs included.",
    "sick_leave_pct": "Share of contracted working days lost to sickness, as in the official "
                      "statistics.",
}
MINE_COLOR, OTHER_COLOR = "#1f6fb4", "#d9822b"
DPI = 72


# ---------------------------------------------------------------------------- outcome charts
def outcome_figure(dm: DashboardModel) -> Figure:
    """The 2x2 chart of quality, satisfaction, cost per client and sick leave, both runs."""
    cache = dm.view_cache
    if "outcomes" not in cache:
        fig = Figure(figsize=(6.4, 4.9), dpi=DPI)
        axes = fig.subplots(2, 2)
        fig.subplots_adjust(left=0.08, right=0.985, top=0.84, bottom=0.08, hspace=0.5,
                            wspace=0.22)
        lines = {}
        for ax, (col, title, unit, _) in zip(axes.flat, OUTCOMES, strict=True):
            ax.set_title(f"{title}\n({unit})", fontsize=9)
            ax.set_xlabel("years", fontsize=8, labelpad=1)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            lines[col] = (ax.plot([], [], color=MINE_COLOR, lw=2)[0],
                          ax.plot([], [], color=OTHER_COLOR, lw=1.6, ls="--")[0])
        handles = [lines[OUTCOMES[0][0]][0], lines[OUTCOMES[0][0]][1]]
        legend = fig.legend(handles, [dm.label("mine"), dm.label("other")], loc="upper center",
                            ncol=2, fontsize=8, frameon=False)
        cache["outcomes"] = (fig, axes, lines, legend)
    fig, axes, lines, _ = cache["outcomes"]
    mine, other = dm.national("mine"), dm.national("other")
    for ax, (col, _, _, div) in zip(axes.flat, OUTCOMES, strict=True):
        for line, df in zip(lines[col], (mine, other), strict=True):
            if len(df) and col in df:
                line.set_data(df["month"].to_numpy() / 12.0, df[col].to_numpy() / div)
        ax.relim()
        ax.autoscale_view()
        lo, hi = ax.get_ylim()
        if hi - lo < 1e-6:
            ax.set_ylim(lo - 1, hi + 1)
        ax.set_xlim(0, max(1.0, dm.month / 12.0))
    return fig


def figure_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def outcome_svg(dm: DashboardModel) -> bytes:
    """The page's 2x2 outcome chart as SVG: both runs up to the month shown."""
    mine, other = dm.national("mine"), dm.national("other")
    panels = []
    for col, title, unit, div in OUTCOMES:
        series = []
        for df in (mine, other):
            if len(df) and col in df:
                series.append((df["month"].to_numpy() / 12.0, df[col].to_numpy() / div))
            else:
                series.append((np.zeros(0), np.zeros(0)))
        panels.append((title, unit, series[0], series[1]))
    return svg.outcome_chart(panels, max(1.0, dm.month / 12.0),
                             (dm.label("mine"), dm.label("other")), (MINE_COLOR, OTHER_COLOR))


@solara.component
def OutcomeCharts(model: DashboardModel):
    """Live charts of the four outcomes, your scenario against the comparison."""
    update_counter.get()
    ready = model.ready()
    chart = solara.use_memo(lambda: outcome_svg(model), [id(model), model.month, ready])
    with solara.Column(classes=["reformsim-outcomes"]):
        Prose(f"<b>Outcomes month by month.</b> Same seed ({model.seed_value}) in both runs, "
              "so the gap between the lines is the policy's.", small=True)
        solara.Image(chart, format="svg+xml",
                     classes=["reformsim-chart", "reformsim-chart-outcomes"])


# ---------------------------------------------------------------------------- the network
def network_data(dm: DashboardModel) -> dict[str, Any] | None:
    """Positions, edges, practices adopted and network membership of your run's municipalities
    as of the last year boundary (benchmarking and adoption are yearly); None until computed."""
    run = dm.mine
    if run is None:
        return None
    net = run.network_at(dm.month)
    nodes = list(net["nodes"])
    pos = {n: (float(run.positions[i, 0]), float(run.positions[i, 1]))
           for i, n in enumerate(nodes)}
    return {"nodes": nodes, "edges": [(nodes[a], nodes[b]) for a, b in net["edges"]],
            "index_edges": list(net["edges"]), "pos": pos, "practices": net["practices"],
            "member": np.asarray(net["member"], dtype=bool), "labels": node_labels(run, nodes)}


def node_labels(run: Any, nodes: list[Any]) -> list[str]:
    """The label under each municipality's dot: its name from your municipalities file, or its
    number in the synthetic world."""
    labels = list(getattr(run, "node_labels", None) or [])
    return [labels[int(n)] if 0 <= int(n) < len(labels) else str(n) for n in nodes]


def network_svg(dm: DashboardModel) -> bytes | None:
    data = network_data(dm)
    if data is None:
        return None
    return svg.network_chart(dm.mine.positions, data["index_edges"], data["practices"],
                             data["member"], data["labels"])


def network_figure(dm: DashboardModel) -> Figure:
    """The same network drawn by Matplotlib (for export and for checking the SVG's content)."""
    data = network_data(dm)
    fig = Figure(figsize=(6.0, 5.2), dpi=DPI)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.02, right=0.88, top=0.9, bottom=0.02)
    xy = np.array([data["pos"][n] for n in data["nodes"]], dtype=float)
    segs = [[data["pos"][a], data["pos"][b]] for a, b in data["edges"]]
    ax.add_collection(LineCollection(segs, colors="#9aa5b1", linewidths=0.8, zorder=1))
    sc = ax.scatter(xy[:, 0], xy[:, 1], c=data["practices"], cmap="viridis", vmin=0,
                    vmax=max(4.0, float(data["practices"].max()) + 1), s=160,
                    edgecolors=np.where(data["member"], "black", "white"), linewidths=1.6,
                    zorder=2)
    for i, label in enumerate(data["labels"]):
        ax.annotate(label, xy[i], xytext=(0, -11), textcoords="offset points", fontsize=7,
                    ha="center", va="top", color="#333", zorder=3)
    cbar = fig.colorbar(sc, ax=ax, fraction=0.05, pad=0.02)
    cbar.set_label("practices adopted (number)", fontsize=9)
    ax.set_title("Learning network: colour = practices adopted\n"
                 "black ring = in a learning network", fontsize=10)
    ax.set_axis_off()
    ax.margins(0.08)
    return fig


@solara.component
def NetworkView(model: DashboardModel):
    """The municipal learning network of your scenario, coloured by adopted practices."""
    update_counter.get()
    ready = model.ready()
    # benchmarking and adoption are yearly: redrawn once a year (and after a reset)
    chart = solara.use_memo(lambda: network_svg(model), [id(model), model.month // 12, ready])
    if chart is None:
        return solara.Info("The learning network appears when your runs are computed.")
    with solara.Column(classes=["reformsim-network"]):
        solara.Image(chart, format="svg+xml",
                     classes=["reformsim-chart", "reformsim-chart-network"])
        Prose("Each dot is a municipality; lines are who meets whom. Municipalities "
              "compare results yearly and copy better peers' practices (Quality in "
              "Local Government programme).", small=True)


# ---------------------------------------------------------------------------- one municipality
def municipality_options(dm: DashboardModel) -> list[str]:
    run = dm.mine
    return list(run.municipalities) if run is not None else []


def units_table(dm: DashboardModel, municipality: str | None) -> pd.DataFrame:
    """The units of one municipality in your run at the month shown: sector, owner, clients,
    staff, quality...

    ``municipality`` is one of ``municipality_options`` (the recording's labels, in the order of
    the municipalities' indices), so its position is the index the units' ``muni`` array holds:
    a unit is shown when its own municipality index is the chosen one -- never compared with an
    agent's ``unique_id`` (Mesa counts those from 1, which showed the units of the municipality
    before the chosen one too).
    """
    run = dm.mine
    if run is None or not run.municipalities:
        return pd.DataFrame()
    names = run.municipalities
    chosen = names.index(municipality) if municipality in names else 0
    month = min(dm.month, run.months)
    rows = np.flatnonzero((run.unit_muni[month] == chosen) & run.unit_active[month])
    table: dict[str, Any] = {
        "Service": [SECTORS[int(k)] for k in run.unit_sector[month, rows]],
        "Owner": np.where(run.unit_private[month, rows], "private", "public").tolist(),
    }
    labels = dict(UNIT_FIELDS)
    for j, name in enumerate(run.unit_fields):
        values = run.units[month, rows, j].astype(float)
        table[labels[name]] = (np.rint(values).astype(int) if name in INT_FIELDS
                               else np.round(values, 1))
    return pd.DataFrame(table)


def _html_table(df: pd.DataFrame, cls: str) -> str:
    if df.empty:
        return "<p>No units.</p>"
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(str(c))}</th>"
                   for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 8px'>{html.escape(str(v))}</td>"
                                    for v in row) + "</tr>"
                   for row in zip(*(df[c].tolist() for c in df.columns), strict=True))
    return f"<table class='{cls}' style='border-collapse:collapse;font-size:13px'>" \
           f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@solara.component
def MunicipalityView(model: DashboardModel):
    """One municipality's service units in your scenario."""
    update_counter.get()
    options = municipality_options(model)
    chosen = solara.use_reactive(options[0] if options else None)
    table = solara.use_memo(lambda: _html_table(units_table(model, chosen.value),
                                                "reformsim-units"),
                            [id(model), model.month, chosen.value, bool(options)])
    if not options:
        return solara.Info("The municipalities appear when your runs are computed.")
    if chosen.value not in options and options:
        chosen.set(options[0])
    with solara.Column(classes=["reformsim-municipality"]):
        solara.Select("Municipality", values=options, value=chosen)
        solara.HTML(tag="div", unsafe_innerHTML=table)
        Prose("Each row is a service unit (nursing home, home care, kindergarten, "
              "school), public or private, in your scenario.", small=True)


# ---------------------------------------------------------------------------- side by side
def summary_table(dm: DashboardModel) -> pd.DataFrame:
    """The latest value of each outcome in both runs and the difference (yours - comparison)."""
    mine, other = dm.national("mine"), dm.national("other")
    rows = []
    for col, title, unit, div in OUTCOMES:
        a = float(mine[col].iloc[-1]) / div if len(mine) and col in mine else float("nan")
        b = float(other[col].iloc[-1]) / div if len(other) and col in other else float("nan")
        rows.append({"Outcome": title, "Unit": unit, "Yours": _fmt(a), "Comparison": _fmt(b),
                     "Difference": _fmt(a - b, signed=True)})
    return pd.DataFrame(rows)


def _fmt(x: float, signed: bool = False) -> str:
    if math.isnan(x):  # nothing recorded yet
        return "–"
    return f"{x:+.1f}" if signed else f"{x:.1f}"


@solara.component
def SideBySide(model: DashboardModel):
    """Status, refusals and the two runs' latest values side by side."""
    update_counter.get()
    years, months = divmod(model.month, 12)
    ready = model.ready()
    solara.use_thread(lambda cancel: _refresh_when_ready(model, cancel), dependencies=[id(model)],
                      intrusive_cancel=False)
    with solara.Column(classes=["reformsim-status"]):
        if not ready and model.running:
            ahead = model.queued_ahead()
            if ahead:
                solara.Warning(f"The server is busy: {ahead} run{'s' * (ahead != 1)} asked for "
                               "earlier (by others in the room) "
                               f"{'are' if ahead != 1 else 'is'} computed before yours. Your "
                               "runs start playing as soon as they are ready; Play and Step "
                               "wait for them.", classes=["reformsim-busy"])
            else:
                solara.Info("Computing your two runs (a second or two)...",
                            classes=["reformsim-computing"])
        Prose(f"<b class='reformsim-month'>Month {model.month}</b> (year {years}, month "
              f"{months}) of {model.horizon}. {'Running' if model.running else 'Stopped'}."
              + ("" if model.month else " Press <b>Step</b> or <b>▶</b> to start."))
        changes = ", ".join(f"{html.escape(k)} = {v:g}" if isinstance(v, float) else
                            f"{html.escape(k)} = {v}" for k, v in model.overrides.items())
        Prose(f"<span class='reformsim-label-mine'>{html.escape(model.label('mine'))}</span>"
              f" (solid line){': ' + changes if changes else ''}<br>"
              f"<span class='reformsim-label-other'>{html.escape(model.label('other'))}</span>"
              " (dashed line)<br><span class='reformsim-world'>Both runs: "
              f"{html.escape(model.world_label())}</span>", small=True)
        for problem in model.problems[-5:]:
            solara.Error(problem, classes=["reformsim-refused"])
        if not model.running and model.month >= model.horizon:
            solara.Info("The run reached its horizon. Press Reset to start again.")
        if ready:
            solara.HTML(tag="div", unsafe_innerHTML=_html_table(summary_table(model),
                                                                 "reformsim-summary"))
        ExportButtons(model)


def _refresh_when_ready(model: DashboardModel, cancel: Any) -> None:
    """Redraw the page once the runs arrive (and every second while waiting, so the busy notice
    stays current); runs in a thread of this session only."""
    while not model.ready() and model.running and not cancel.is_set():
        if model.wait(1.0):
            break
        frames.request()
    if not cancel.is_set() and not model.closed:
        frames.request()


# ---------------------------------------------------------------------------- export
def export_csv(dm: DashboardModel) -> bytes:
    df = dm.export_frame()
    header = "# reformsim dashboard run; lever changes: " + \
             (", ".join(f"{k}={v}" for k, v in dm.overrides.items()) or "none") + \
             f"; municipalities: {dm.world_label()}\n"
    return header.encode() + df.to_csv(index=False).encode()


def export_png(dm: DashboardModel) -> bytes:
    fig = outcome_figure(dm)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


@solara.component
def ExportButtons(model: DashboardModel):
    with solara.Row():
        solara.FileDownload(lambda: export_csv(model), filename=f"reformsim-{model.preset}-"
                            f"seed{model.seed_value}-month{model.month}.csv",
                            label="Download data (CSV)")
        solara.FileDownload(lambda: export_png(model), filename=f"reformsim-{model.preset}-"
                            f"seed{model.seed_value}-month{model.month}.png",
                            label="Download chart (PNG)", mime_type="image/png")


# ---------------------------------------------------------------------------- lever help
def lever_help_html() -> str:
    parts = ["<b>What the charts show</b><ul>"]
    parts += [f"<li><b>{t}</b> ({html.escape(u)}): {html.escape(EXPLAIN[c])}</li>"
              for c, t, u, _ in OUTCOMES]
    parts += ["</ul>",
              ("<b>What the levers mean</b> (change them in the sidebar under <i>Model "
               "Parameters</i>, then press <i>Reset</i>):")]
    group = None
    for lv in available_levers():
        if lv.group != group:
            if group is not None:
                parts.append("</ul>")
            group = lv.group
            parts.append(f"<div style='margin-top:6px'><i>{html.escape(group)}</i></div><ul>")
        unit = f" [{html.escape(lv.unit)}]" if lv.unit else ""
        parts.append(f"<li><b>{html.escape(lv.label)}</b>{unit}: {html.escape(lv.explanation)} "
                     f"<small style='color:#666'>Source: {html.escape(lv.source)}</small></li>")
    if group is not None:
        parts.append("</ul>")
    return "".join(parts)


@solara.component
def LeverHelp(model: DashboardModel):
    """Plain-language explanation and seed source of every lever."""
    with solara.Column(classes=["reformsim-lever-help"]):
        Prose(lever_help_html(), small=True)


CSS = """
.vue-grid-item { overflow: auto; }
.reformsim-chart { max-width: 100%; height: auto; }
.reformsim-units td, .reformsim-summary td { border-top: 1px solid #eee; }
/* a card with nothing in it (Mesa's "Model Parameters": the levers have their own card) */
.v-card:has(> .v-card__text > div:only-child:empty) { display: none; }
"""


@solara.component
def Prose(text_html: str, small: bool = False):
    """A paragraph of (already escaped) HTML: no Markdown, so no extra front-end assets."""
    style = "font-size:13px;color:#333" if small else "font-size:14px"
    solara.HTML(tag="div", unsafe_innerHTML=text_html, style=style)
