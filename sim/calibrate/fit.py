"""The ABC-SMC run: pyabc on the project's backends, resumable from its History database.

``OUT/abc.db`` is pyabc's History (SQLite); ``OUT/runs.json`` maps a hash of the calibration
(file contents and tier) to its run id in that database. Starting the same calibration again
with the same ``--out`` loads that run and samples only the generations still missing; a
different calibration in the same folder starts a new run id beside it.

Samplers: the serial backend uses pyabc's ``SingleCoreSampler``; local worker processes its
``ConcurrentFutureSampler`` on the runner's process pool; Dask (a local cluster, or
``--scheduler ADDRESS``) its ``DaskDistributedSampler`` on the runner's Dask client. Each
particle's run seed is fixed by its parameter values, but which particles are proposed depends
on the order results come back, so a parallel calibration is reproducible in distribution, not
bit for bit (a serial one is).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.config import Calibration
from sim.calibrate.model import Distance, ParticleModel, key
from sim.io import write_text


@dataclass
class Fit:
    """The outcome of a calibration run."""

    posterior: pd.DataFrame           # one row per particle: parameters and weight
    generations: int
    epsilons: list[float]
    simulations: int
    resumed_from: int                 # generations already done when this start began


def config_hash(calibration: Calibration) -> str:
    return hashlib.sha256(calibration.model_dump_json().encode()).hexdigest()[:16]


def sampler_for(backend):  # noqa: ANN001, ANN201 - a sim.runner Backend, a pyabc Sampler
    """The pyabc sampler that runs particles on the project's backend."""
    from pyabc.sampler import ConcurrentFutureSampler, DaskDistributedSampler, SingleCoreSampler

    if backend.name == "dask":
        return DaskDistributedSampler(dask_client=backend.client,
                                      client_max_jobs=2 * backend.capacity())
    if backend.name == "local":
        return ConcurrentFutureSampler(cfuture_executor=backend.executor,
                                       client_max_jobs=2 * backend.capacity())
    return SingleCoreSampler()


def run_fit(calibration: Calibration, priors: dict[str, tuple[float, float]], out: Path,
            backend) -> Fit:  # noqa: ANN001
    """Run (or resume) ABC-SMC into ``out``; return the last generation's particles."""
    import pyabc

    from sim.scenario import load_scenario

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{(out / 'abc.db').resolve()}"
    scenario = load_scenario(calibration.scenario).model_dump(mode="json")
    model = ParticleModel(calibration, scenario)
    prior = pyabc.Distribution(**{key(n): pyabc.RV("uniform", lo, hi - lo)
                                  for n, (lo, hi) in priors.items()})
    distance = Distance({t.name: t.scale for t in calibration.targets})
    abc = pyabc.ABCSMC(model, prior, distance, population_size=calibration.smc.population,
                       sampler=sampler_for(backend))
    runs_path = out / "runs.json"
    runs = json.loads(runs_path.read_text(encoding="utf-8")) if runs_path.exists() else {}
    digest = config_hash(calibration)
    np.random.seed(calibration.seed)  # pyabc draws proposals from numpy's global generator
    if digest in runs:
        history = abc.load(url, runs[digest])
        done = history.max_t + 1
    else:
        history = abc.new(url, {t.name: t.value for t in calibration.targets},
                          meta_info={"calibration": calibration.name, "hash": digest})
        runs[digest] = history.id
        write_text(json.dumps(runs, indent=2), runs_path)
        done = 0
    remaining = calibration.smc.generations - done
    if remaining > 0:
        history = abc.run(minimum_epsilon=calibration.smc.min_epsilon,
                          max_nr_populations=remaining,
                          max_total_nr_simulations=calibration.smc.max_simulations or np.inf)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    names = {key(n): n for n in priors}
    posterior = frame.rename(columns=names)[list(priors)].reset_index(drop=True)
    posterior["weight"] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    populations = history.get_all_populations()
    epsilons = [float(e) for e in populations[populations["t"] >= 0]["epsilon"]]
    return Fit(posterior, history.max_t + 1, epsilons, int(history.total_nr_simulations), done)
