"""What a calibration leaves behind: the posterior (Parquet), the fit to each target (posterior
predictive), and a self-contained HTML report (inline CSS, embedded PNGs, no other file)."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.calibrate.config import Calibration
from sim.calibrate.fit import Fit
from sim.calibrate.model import ParticleModel, particle_seed, statistics

PREDICTIVE_DRAWS = 40


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cum = np.cumsum(w) - 0.5 * w
    return float(np.interp(q * w.sum(), cum, v))


def parameter_table(posterior: pd.DataFrame, priors: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per parameter: prior range, posterior mean, median and 95 % interval (weighted)."""
    w = posterior["weight"].to_numpy()
    rows = []
    for name, (lo, hi) in priors.items():
        v = posterior[name].to_numpy()
        rows.append({"parameter": name, "prior_low": lo, "prior_high": hi,
                     "mean": float(np.average(v, weights=w)),
                     "median": weighted_quantile(v, w, 0.5),
                     "low95": weighted_quantile(v, w, 0.025),
                     "high95": weighted_quantile(v, w, 0.975)})
    return pd.DataFrame(rows)


def draw(posterior: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` particles drawn with replacement by weight (a seeded generator)."""
    rng = np.random.default_rng(seed)
    index = rng.choice(len(posterior), size=n, replace=True,
                       p=posterior["weight"].to_numpy() / posterior["weight"].sum())
    return posterior.iloc[index].reset_index(drop=True)


def _predict(model: ParticleModel, overrides: dict[str, float], seed: int) -> dict[str, float]:
    return statistics(model.simulate(overrides, seed), model.calibration)


def predictive(calibration: Calibration, model: ParticleModel, posterior: pd.DataFrame,
               backend, draws: int = PREDICTIVE_DRAWS) -> pd.DataFrame:  # noqa: ANN001
    """Fit to each target: the posterior predictive mean and 95 % range against the target's
    interval, whether the mean is inside it, and by how much it misses."""
    names = [p.name for p in calibration.parameters]
    sample = draw(posterior, draws, calibration.seed + 1)
    futures = []
    for i, row in sample.iterrows():
        overrides = {n: float(row[n]) for n in names}
        seed = particle_seed(calibration.seed + 7919 * (i + 1), overrides)
        futures.append(backend.executor.submit(_predict, model, overrides, seed))
    stats = pd.DataFrame([f.result() for f in futures])
    rows = []
    for t in calibration.targets:
        values = stats[t.name].to_numpy(dtype=float)
        mean = float(np.nanmean(values))
        miss = 0.0 if t.low <= mean <= t.high else (mean - t.high if mean > t.high
                                                    else mean - t.low)
        rows.append({"target": t.name, "outcome": t.outcome, "value": t.value, "low": t.low,
                     "high": t.high, "model_mean": mean,
                     "model_low95": float(np.nanpercentile(values, 2.5)),
                     "model_high95": float(np.nanpercentile(values, 97.5)),
                     "inside": miss == 0.0, "outside_by": miss,
                     "outside_by_sd": miss / t.scale, "source": t.source})
    return pd.DataFrame(rows)


@dataclass
class CalibrationReport:
    calibration: Calibration
    file: str
    tier: str
    fit: Fit
    parameters: pd.DataFrame
    targets: pd.DataFrame
    priors: dict[str, tuple[float, float]]
    seconds: float
    backend: str


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _marginals(report: CalibrationReport) -> str:
    from sim.report.html import png_data_uri

    posterior = report.fit.posterior
    names = list(report.priors)
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig = Figure(figsize=(4.2 * cols, 2.8 * rows), dpi=90)
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, i + 1)
        lo, hi = report.priors[name]
        ax.hist(posterior[name], bins=20, range=(lo, hi), weights=posterior["weight"],
                color="#4c72b0", alpha=0.85)
        ax.axhline(1 / 20, color="#999", linestyle="--", linewidth=1)  # the flat prior's bar
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return f"<img alt='posterior marginals' src='{png_data_uri(fig)}'>"


def _fit_figure(report: CalibrationReport) -> str:
    from sim.report.html import png_data_uri

    t = report.targets
    fig = Figure(figsize=(7.5, 0.5 + 0.55 * len(t)), dpi=90)
    ax = fig.add_subplot(1, 1, 1)
    for i, r in enumerate(t.itertuples()):
        scale = max(abs(r.high - r.low), 1e-9)
        z = lambda x, r=r, scale=scale: (x - r.value) / scale  # noqa: E731
        ax.plot([z(r.low), z(r.high)], [i, i], color="#2ca02c", linewidth=8, alpha=0.35,
                label="target interval" if i == 0 else None)
        ax.plot([z(r.model_low95), z(r.model_high95)], [i, i], color="#1f77b4", linewidth=2,
                label="model 95 % (posterior predictive)" if i == 0 else None)
        ax.plot([z(r.model_mean)], [i], "o", color="#d62728" if not r.inside else "#1f77b4")
    ax.set_yticks(range(len(t)), t["target"], fontsize=8)
    ax.axvline(0, color="#666", linewidth=0.8)
    ax.set_xlabel("deviation from the target value, in widths of the target's interval",
                  fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return f"<img alt='fit to each target' src='{png_data_uri(fig)}'>"


def _table(frame: pd.DataFrame, digits: int = 4) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float | np.floating):
                cells.append(f"<td>{v:.{digits}g}</td>")
            elif isinstance(v, bool | np.bool_):
                cells.append(f"<td>{'yes' if v else '<b>NO</b>'}</td>")
            else:
                cells.append(f"<td class='l'>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


CSS = """body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;
color:#222;line-height:1.45}table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}td.l{text-align:left}
th{background:#f3f3f3}img{max-width:100%}.bad{color:#b00020;font-weight:600}
.ok{color:#1a7f37;font-weight:600}code{background:#f5f5f5;padding:0 .2rem}"""


def render(report: CalibrationReport) -> str:
    c, fit = report.calibration, report.fit
    outside = report.targets[~report.targets["inside"]]
    if outside.empty:
        verdict = (f"<p class='ok'>Every calibration target is inside its interval "
                   f"(posterior predictive mean of {PREDICTIVE_DRAWS} draws).</p>")
    else:
        items = "".join(f"<li><b>{_e(r.target)}</b>: model {r.model_mean:.3g} against "
                        f"[{r.low:g}, {r.high:g}], outside by {r.outside_by:+.3g} "
                        f"({r.outside_by_sd:+.2g} target sd)</li>" for r in outside.itertuples())
        verdict = (f"<p class='bad'>{len(outside)} of {len(report.targets)} targets are "
                   f"outside their interval:</p><ul>{items}</ul>")
    settings = {
        "file": report.file, "tier": report.tier, "scenario": c.scenario,
        "simulated years per particle": f"{c.years} (first {c.burn_in} dropped)",
        "scale": c.scale, "particles per generation": c.smc.population,
        "generations": f"{fit.generations} (this start resumed after {fit.resumed_from})",
        "simulations (run count)": fit.simulations,
        "distance thresholds (epsilon) by generation": ", ".join(f"{e:.3g}" for e in fit.epsilons),
        "backend": report.backend, "wall time of this start": f"{report.seconds:.0f} s",
        "made": f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
    }
    from sim.provenance import code_version

    settings["code version"] = code_version()
    rows = "".join(f"<tr><td class='l'>{_e(k)}</td><td class='l'>{_e(v)}</td></tr>"
                   for k, v in settings.items())
    targets = report.targets.drop(columns=["outcome"])
    return "".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>reformsim calibration: {_e(c.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>Calibration: {_e(c.name)}</h1><p>{_e(c.description)}</p>",
        "<p>ABC-SMC (pyabc): particles are accepted when the distance between the model's "
        "statistics and the targets, each in units of its target's uncertainty, falls below a "
        "threshold that shrinks generation by generation. The posterior is the last "
        "generation's weighted particles.</p>", verdict,
        "<h2>Fit to each target</h2>", _fit_figure(report), _table(targets),
        "<h2>Posterior marginals</h2><p>Weighted histograms over each prior's range (dashed: "
        "the flat prior).</p>", _marginals(report), _table(report.parameters, 4),
        f"<h2>Settings</h2><table>{rows}</table>",
        "<p>Files: <code>posterior.parquet</code> (particles and weights), "
        "<code>parameters.csv</code>, <code>targets.csv</code>, <code>abc.db</code> "
        "(pyabc History; the same command resumes it).</p></body></html>"])
