"""Charts as small SVG documents, written directly: the page's cheap per-month update.

Redrawing a Matplotlib figure to PNG costs 100-250 ms of server CPU per frame; a room of
participants playing at several months a second each cannot afford that in one server process.
An SVG of four panels with two lines each is a few kilobytes of text built in about a
millisecond, and the browser draws it. The same numbers go in; only the drawing is cheaper.
(Matplotlib still draws the PNG chart for the *Download chart* button.)
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np

FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values covering ``lo``..``hi`` (steps of 1, 2, 2.5 or 5 times a power of 10)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else [0.0]
    raw = (hi - lo) / max(1, target - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + 1e-9 * step and len(ticks) < 50:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _fmt(v: float) -> str:
    if abs(v) >= 1000 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2g}"


def _limits(values: Sequence[np.ndarray]) -> tuple[float, float]:
    finite = [v[np.isfinite(v)] for v in values if len(v)]
    finite = [v for v in finite if len(v)]
    if not finite:
        return 0.0, 1.0
    lo = float(min(v.min() for v in finite))
    hi = float(max(v.max() for v in finite))
    if hi - lo < 1e-6:
        lo, hi = lo - 1, hi + 1
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def _points(x: np.ndarray, y: np.ndarray, sx, sy) -> str:  # noqa: ANN001
    ok = np.isfinite(y)
    px = np.round(sx(x[ok]), 1)
    py = np.round(sy(y[ok]), 1)
    return " ".join(f"{a},{b}" for a, b in zip(px.tolist(), py.tolist(), strict=True))


def outcome_chart(panels: Sequence[tuple[str, str, tuple[np.ndarray, np.ndarray],
                                         tuple[np.ndarray, np.ndarray]]],
                  x_max: float, labels: tuple[str, str], colors: tuple[str, str],
                  width: int = 640, height: int = 490) -> bytes:
    """A 2x2 chart: each panel ``(title, unit, (x, y) of yours, (x, y) of the comparison)``."""
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' {FONT} font-size='11'>",
           f"<rect width='{width}' height='{height}' fill='white'/>"]
    mine_c, other_c = colors
    # legend
    out.append(f"<line x1='120' y1='16' x2='150' y2='16' stroke='{mine_c}' stroke-width='2.5'/>"
               f"<text x='156' y='20'>{html.escape(labels[0])}</text>"
               f"<line x1='{width // 2 + 20}' y1='16' x2='{width // 2 + 50}' y2='16' "
               f"stroke='{other_c}' stroke-width='2' stroke-dasharray='6,3'/>"
               f"<text x='{width // 2 + 56}' y='20'>{html.escape(labels[1])}</text>")
    cols, rows = 2, 2
    top, cell_w, cell_h = 34, width / cols, (height - 34) / rows
    x_ticks = nice_ticks(0, x_max, 6)
    for k, (title, unit, (xm, ym), (xo, yo)) in enumerate(panels):
        c, r = k % cols, k // cols
        x0, y0 = c * cell_w + 52, top + r * cell_h + 34
        w, h = cell_w - 66, cell_h - 62
        lo, hi = _limits([ym, yo])

        def sx(v: float, x0=x0, w=w) -> float:
            return x0 + w * v / x_max

        def sy(v: float, y0=y0, h=h, lo=lo, hi=hi) -> float:
            return y0 + h * (1 - (v - lo) / (hi - lo))

        out.append(f"<text x='{x0 + w / 2:.0f}' y='{y0 - 20:.0f}' text-anchor='middle' "
                   f"font-size='12'>{html.escape(title)}</text>"
                   f"<text x='{x0 + w / 2:.0f}' y='{y0 - 7:.0f}' text-anchor='middle' "
                   f"font-size='10' fill='#555'>({html.escape(unit)})</text>")
        out.append(f"<rect x='{x0:.1f}' y='{y0:.1f}' width='{w:.1f}' height='{h:.1f}' "
                   "fill='none' stroke='#888' stroke-width='0.8'/>")
        for t in nice_ticks(lo, hi, 5):
            if lo <= t <= hi:
                y = sy(t)
                out.append(f"<line x1='{x0:.1f}' y1='{y:.1f}' x2='{x0 + w:.1f}' y2='{y:.1f}' "
                           "stroke='#ddd' stroke-width='0.6'/>"
                           f"<text x='{x0 - 4:.1f}' y='{y + 3.5:.1f}' text-anchor='end' "
                           f"font-size='9'>{_fmt(t)}</text>")
        for t in x_ticks:
            x = sx(t)
            out.append(f"<line x1='{x:.1f}' y1='{y0:.1f}' x2='{x:.1f}' y2='{y0 + h:.1f}' "
                       "stroke='#eee' stroke-width='0.6'/>"
                       f"<text x='{x:.1f}' y='{y0 + h + 12:.1f}' text-anchor='middle' "
                       f"font-size='9'>{_fmt(t)}</text>")
        out.append(f"<text x='{x0 + w / 2:.0f}' y='{y0 + h + 24:.0f}' text-anchor='middle' "
                   "font-size='9' fill='#555'>years</text>")
        if len(xo):
            out.append(f"<polyline fill='none' stroke='{other_c}' stroke-width='1.8' "
                       f"stroke-dasharray='6,3' points='{_points(xo, yo, sx, sy)}'/>")
        if len(xm):
            out.append(f"<polyline fill='none' stroke='{mine_c}' stroke-width='2.2' "
                       f"points='{_points(xm, ym, sx, sy)}'/>")
    out.append("</svg>")
    return "".join(out).encode()


def _viridis(values: np.ndarray, vmax: float) -> list[str]:
    from matplotlib import colormaps

    rgba = colormaps["viridis"](np.clip(values / vmax, 0, 1))
    return ["#%02x%02x%02x" % tuple(int(255 * c) for c in row[:3]) for row in rgba]


def network_chart(positions: np.ndarray, edges: Sequence[tuple[int, int]], practices: np.ndarray,
                  member: np.ndarray, labels: Sequence[str], width: int = 600,
                  height: int = 520) -> bytes:
    """Municipalities as dots (colour: practices adopted; black ring: in a learning network)
    and who meets whom as lines, with a colour bar."""
    vmax = max(4.0, float(practices.max()) + 1 if len(practices) else 4.0)
    pos = np.asarray(positions, dtype=float)
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    box_x, box_y, box_w, box_h = 30, 60, width - 130, height - 90
    xy = np.column_stack([box_x + box_w * (pos[:, 0] - lo[0]) / span[0],
                          box_y + box_h * (1 - (pos[:, 1] - lo[1]) / span[1])])
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' {FONT} font-size='10'>",
           f"<rect width='{width}' height='{height}' fill='white'/>",
           f"<text x='{width / 2:.0f}' y='20' text-anchor='middle' font-size='13'>Learning "
           "network: colour = practices adopted</text>",
           f"<text x='{width / 2:.0f}' y='37' text-anchor='middle' font-size='13'>black ring = "
           "in a learning network</text>"]
    for a, b in edges:
        out.append(f"<line x1='{xy[a, 0]:.1f}' y1='{xy[a, 1]:.1f}' x2='{xy[b, 0]:.1f}' "
                   f"y2='{xy[b, 1]:.1f}' stroke='#9aa5b1' stroke-width='0.8'/>")
    for i, color in enumerate(_viridis(practices, vmax)):
        ring = "black" if member[i] else "white"
        out.append(f"<circle cx='{xy[i, 0]:.1f}' cy='{xy[i, 1]:.1f}' r='8' fill='{color}' "
                   f"stroke='{ring}' stroke-width='1.8'/>"
                   f"<text x='{xy[i, 0]:.1f}' y='{xy[i, 1] + 19:.1f}' text-anchor='middle' "
                   f"font-size='8' fill='#333'>{html.escape(str(labels[i]))}</text>")
    # colour bar
    bx, by, bh = width - 70, 60, height - 100
    stops = "".join(f"<stop offset='{k / 10:.1f}' stop-color='{c}'/>"
                    for k, c in enumerate(_viridis(np.linspace(vmax, 0, 11), vmax)))
    out.append(f"<defs><linearGradient id='cb' x1='0' y1='0' x2='0' y2='1'>{stops}"
               f"</linearGradient></defs><rect x='{bx}' y='{by}' width='14' height='{bh}' "
               "fill='url(#cb)' stroke='#888' stroke-width='0.5'/>")
    for t in nice_ticks(0, vmax, 5):
        y = by + bh * (1 - t / vmax)
        out.append(f"<text x='{bx + 18}' y='{y + 3:.1f}' font-size='9'>{_fmt(t)}</text>")
    out.append(f"<text transform='translate({bx + 48},{by + bh / 2:.0f}) rotate(90)' "
               "text-anchor='middle' font-size='10'>practices adopted (number)</text>")
    out.append("</svg>")
    return "".join(out).encode()
