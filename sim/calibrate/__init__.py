"""Calibration by approximate Bayesian computation (ABC-SMC with pyabc).

- ``config``: the calibration file (TOML): parameters with priors, targets with sources and
  uncertainty, the simulation and the SMC settings; validated with one-line errors.
- ``model``: one simulation of a particle and its summary statistics (the targets' outcomes).
- ``fit``: the ABC-SMC run on the project's backends, resumable from pyabc's History database.
- ``report``: ``posterior.parquet`` and a self-contained HTML report.
- ``posterior``: draws from a posterior for ``compare``/``sweep --posterior``, and the
  posterior's summary written as a defaults file.
"""
