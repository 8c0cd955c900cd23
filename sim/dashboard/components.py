"""The dashboard's views: outcome charts, the learning network, one municipality's units, the
side-by-side summary, the lever explanations and the export buttons.

Every view has a plain function that computes what it shows from a :class:`DashboardModel`
(testable without a browser) and a Solara component that displays it. Charts are Matplotlib
PNGs (Altair would need vega files from a CDN). To stay fast enough to watch, each run keeps its
figures and only updates the data of the lines between frames.
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


@solara.component
def OutcomeCharts(model: DashboardModel):
    """Live charts of the four outcomes, your scenario against the comparison."""
    update_counter.get()
    png = solara.use_memo(lambda: figure_png(outcome_figure(model)),
                          [id(model), model.month, update_counter.value])
    with solara.Column(classes=["reformsim-outcomes"]):
        Prose(f"<b>Outcomes month by month.</b> Same seed ({model.seed_value}) in both runs, "
              "so the gap between the lines is the policy's.", small=True)
        solara.Image(png, format="png", classes=["reformsim-chart", "reformsim-chart-outcomes"])


# ---------------------------------------------------------------------------- the network
def _muni_values(run: Any, names: tuple[str, ...], default: float = 0.0) -> np.ndarray:
    """One number per municipality (in network-node order) from the first attribute found."""
    munis = sorted(run.municipalities, key=lambda a: getattr(a, "index", a.unique_id))
    out = []
    for a in munis:
        value = default
        for name in names:
            if hasattr(a, name):
                v = getattr(a, name)
                value = float(len(v)) if hasattr(v, "__len__") else float(v)
                break
        out.append(value)
    return np.asarray(out, dtype=float)


def network_data(dm: DashboardModel) -> dict[str, Any]:
    """Positions, edges, practices adopted and network membership of your run's municipalities."""
    run = dm.mine
    g = run.network
    nodes = sorted(g.nodes)
    pos = dm.view_cache.get("positions")
    if pos is None:
        pos = _positions(run, g)
        dm.view_cache["positions"] = pos
    practices = _muni_values(run, ("practices_adopted", "n_practices", "practices"))
    member = _muni_values(run, ("in_network", "network_member"))
    if len(practices) != len(nodes):
        practices = np.zeros(len(nodes))
    if len(member) != len(nodes):
        member = np.array([g.degree(n) > 0 for n in nodes], dtype=float)
    return {"nodes": nodes, "edges": list(g.edges), "pos": pos, "practices": practices,
            "member": member.astype(bool)}


def _positions(run: Any, g: Any) -> dict[Any, tuple[float, float]]:
    munis = getattr(run, "municipalities_state", None)
    if munis is not None and hasattr(munis, "x") and len(munis.x) == g.number_of_nodes():
        return {n: (float(munis.x[i]), float(munis.y[i])) for i, n in enumerate(sorted(g.nodes))}
    import networkx as nx

    return nx.spring_layout(g, seed=1)


def network_figure(dm: DashboardModel) -> Figure:
    data = network_data(dm)
    cache = dm.view_cache
    if "network" not in cache:
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
        # your municipalities (a world file) by name, the synthetic ones by number
        named = getattr(dm.mine, "world_file", None) is not None
        for i, n in enumerate(data["nodes"]):
            label = dm.mine.municipality_names[n] if named else str(n)
            ax.annotate(label, xy[i], xytext=(0, -11), textcoords="offset points", fontsize=7,
                        ha="center", va="top", color="#333", zorder=3)
        cbar = fig.colorbar(sc, ax=ax, fraction=0.05, pad=0.02)
        cbar.set_label("practices adopted (number)", fontsize=9)
        ax.set_title("Learning network: colour = practices adopted\n"
                     "black ring = in a learning network", fontsize=10)
        ax.set_axis_off()
        ax.margins(0.08)
        cache["network"] = (fig, sc)
    fig, sc = cache["network"]
    sc.set_array(data["practices"])
    sc.set_edgecolors(np.where(data["member"], "black", "white"))
    vmax = max(4.0, float(data["practices"].max()) + 1)
    if vmax > sc.norm.vmax:
        sc.set_clim(0, vmax)
    return fig


@solara.component
def NetworkView(model: DashboardModel):
    """The municipal learning network of your scenario, coloured by adopted practices."""
    update_counter.get()
    png = solara.use_memo(
        lambda: figure_png(network_figure(model)) if model.mine is not None else None,
        # benchmarking and adoption are yearly: redraw once a year (and after a reset)
        [id(model), model.month // 12])
    if png is None:
        return solara.Warning("No model to show.")
    with solara.Column(classes=["reformsim-network"]):
        solara.Image(png, format="png", classes=["reformsim-chart", "reformsim-chart-network"])
        Prose("Each dot is a municipality; lines are who meets whom. Municipalities "
              "compare results yearly and copy better peers' practices (Quality in "
              "Local Government programme).", small=True)


# ---------------------------------------------------------------------------- one municipality
UNIT_COLUMNS = (
    ("sector", "Service", ("sector", "sector_name")),
    ("owner", "Owner", ("private", "public")),
    ("clients", "Clients", ("clients", "n_clients")),
    ("staff", "Staff", ("staff", "employees", "n_employees")),
    ("quality", "Quality (0-100)", ("quality",)),
    ("workload", "Workload (1 = norm)", ("workload",)),
    ("sick_leave_pct", "Sick leave (%)", ("sick_leave_pct", "sick_leave")),
    ("practices", "Practices adopted", ("practices_adopted", "n_practices", "practices")),
    ("autonomy", "Autonomy (0-1)", ("autonomy",)),
    ("empowerment", "Empowerment (0-1)", ("empowerment",)),
)


def municipality_options(dm: DashboardModel) -> list[str]:
    munis = sorted(dm.mine.municipalities, key=lambda a: getattr(a, "index", a.unique_id))
    return [_muni_name(a) for a in munis]


def _muni_name(a: Any) -> str:
    idx = getattr(a, "index", a.unique_id)
    name = getattr(a, "name", None)
    return f"{idx}: {name}" if name and str(name) != str(idx) else f"Municipality {idx}"


def _value(agent: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        if hasattr(agent, name):
            v = getattr(agent, name)
            if name == "public":
                return "public" if v else "private"
            if name == "private":
                return "private" if v else "public"
            if isinstance(v, (set, list, tuple, np.ndarray)):
                return len(v)
            return v
    return None


def units_table(dm: DashboardModel, municipality: str | None) -> pd.DataFrame:
    """The units of one municipality in your run: sector, owner, clients, staff, quality..."""
    munis = sorted(dm.mine.municipalities, key=lambda a: getattr(a, "index", a.unique_id))
    chosen = next((a for a in munis if _muni_name(a) == municipality), munis[0] if munis else None)
    if chosen is None:
        return pd.DataFrame()
    rows = []
    for u in sorted(dm.mine.units, key=lambda a: getattr(a, "index", a.unique_id)):
        if not getattr(u, "active", True):
            continue
        owner = getattr(u, "municipality", None)
        owner_id = getattr(owner, "unique_id", owner)
        if owner is not chosen and owner_id not in (chosen.unique_id, getattr(chosen, "index", None)):
            continue
        rows.append({label: _value(u, names) for _, label, names in UNIT_COLUMNS})
    df = pd.DataFrame(rows)
    df = df.dropna(axis=1, how="all") if len(df) else df
    for col in df.columns:
        if df[col].dtype.kind == "f":
            df[col] = df[col].round(1)
    return df


def _html_table(df: pd.DataFrame, cls: str) -> str:
    if df.empty:
        return "<p>No units.</p>"
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(str(c))}</th>"
                   for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 8px'>{html.escape(str(v))}</td>"
                                    for v in row) + "</tr>" for row in df.itertuples(index=False))
    return f"<table class='{cls}' style='border-collapse:collapse;font-size:13px'>" \
           f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@solara.component
def MunicipalityView(model: DashboardModel):
    """One municipality's service units in your scenario."""
    update_counter.get()
    options = municipality_options(model) if model.mine is not None else []
    chosen = solara.use_reactive(options[0] if options else None)
    if not options:
        return solara.Warning("No model to show.")
    if chosen.value not in options and options:
        chosen.set(options[0])
    with solara.Column(classes=["reformsim-municipality"]):
        solara.Select("Municipality", values=options, value=chosen)
        df = units_table(model, chosen.value)
        solara.HTML(tag="div", unsafe_innerHTML=_html_table(df, "reformsim-units"))
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
    with solara.Column(classes=["reformsim-status"]):
        Prose(f"<b class='reformsim-month'>Month {model.month}</b> (year {years}, month "
              f"{months}) of {model.horizon}. {'Running' if model.running else 'Stopped'}."
              + ("" if model.month else " Press <b>Step</b> or <b>▶</b> to start."))
        changes = ", ".join(f"{html.escape(k)} = {v:g}" if isinstance(v, float) else
                            f"{html.escape(k)} = {v}" for k, v in model.overrides.items())
        Prose(f"<span class='reformsim-label-mine'>{html.escape(model.label('mine'))}</span>"
              f" (solid line){': ' + changes if changes else ''}<br>"
              f"<span class='reformsim-label-other'>{html.escape(model.label('other'))}</span>"
              " (dashed line)", small=True)
        for problem in model.problems[-5:]:
            solara.Error(problem, classes=["reformsim-refused"])
        if not model.running and model.month >= model.horizon:
            solara.Info("The run reached its horizon. Press Reset to start again.")
        if model.mine is not None and model.other is not None:
            solara.HTML(tag="div", unsafe_innerHTML=_html_table(summary_table(model),
                                                                 "reformsim-summary"))
        ExportButtons(model)


# ---------------------------------------------------------------------------- export
def export_csv(dm: DashboardModel) -> bytes:
    df = dm.export_frame()
    header = "# reformsim dashboard run; lever changes: " + \
             (", ".join(f"{k}={v}" for k, v in dm.overrides.items()) or "none") + "\n"
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
