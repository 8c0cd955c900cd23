"""Managers decide: effort follows what is at stake and measured; gaming where monitoring is weak;
the ratchet holds effort back; autonomy brings a gain where the unit is monitored and drift
where it is not; practices are tried and kept or dropped."""

from __future__ import annotations

import numpy as np

from tests.conftest import make_model
from tests.mechanisms.compare import run

ON = {"enabled": True}


def _in_scheme(model) -> np.ndarray:
    return model.mechanism("commitments").committed(model)


def test_with_nothing_at_stake_managers_keep_the_norm():
    """No targets and no change under way (no practice tried through informal contact either:
    trials take development time, ``draw_change``): every manager keeps the norm."""
    model = run(3, 1, management={"informal_rate": 0.0})
    mech, u = model.mechanism("management"), model.units_state
    assert np.allclose(mech.allocation, mech.norm())
    assert np.all(u.effort_quality == 0) and np.all(u.indicator_bias == 0)


def test_without_targets_only_changes_under_way_move_the_allocation():
    """In the baseline, practices tried through informal contact take development time (and
    nothing else while the load is within what a unit carries); service shares stay the norm."""
    model = run(3, 1)
    mech, u = model.mechanism("management"), model.units_state
    norm = mech.norm()
    within = u.change_load <= 0.5          # every unit carries at least 0.5 (shared.change_carry)
    assert np.allclose(mech.allocation[within][:, [0, 1, 3, 4]], norm[[0, 1, 3, 4]])
    assert np.all(mech.allocation[:, 2] <= norm[2] + 1e-12)
    assert np.any(mech.allocation[:, 2] < norm[2] - 1e-6)   # some units are trying a practice
    assert np.all(u.effort_quality == 0) and np.all(u.indicator_bias == 0)


def test_effort_moves_toward_the_measured_part_when_monitoring_is_partial():
    model = run(4, 2, commitments={**ON, "measurement_accuracy": 0.6})
    mech = model.mechanism("management")
    inside = _in_scheme(model)
    norm = mech.norm()
    share = mech.allocation[inside]
    assert np.all(share[:, 0] > norm[0] + 0.01)          # measured part up
    assert np.all(share[:, 1] < norm[1] - 0.01)          # unmeasured part down
    assert np.all(share[:, 4] > 0.005)                   # some gaming
    assert np.all(share[:, 3] > norm[3])                 # the sick-leave target: staff support
    u = model.units_state
    assert np.all(u.indicator_bias[inside] > 0)          # the indicator overstates quality
    assert np.allclose(mech.allocation[~inside], norm)


def test_gaming_grows_as_monitoring_weakens_and_vanishes_when_exact():
    def gaming(accuracy: float) -> float:
        model = run(4, 2, commitments={**ON, "measurement_accuracy": accuracy})
        return float(model.mechanism("management").allocation[_in_scheme(model), 4].mean())
    exact, partial, blind = gaming(1.0), gaming(0.6), gaming(0.1)
    assert exact == 0.0
    assert blind > partial > 0.0


def test_a_ratchet_on_this_years_result_holds_effort_back():
    def measured(ratchet: bool) -> float:
        model = run(4, 2, commitments={**ON, "ratchet": ratchet})
        return float(model.mechanism("management").allocation[_in_scheme(model), 0].mean())
    assert measured(True) < measured(False)


def test_autonomy_gains_where_monitored_and_drifts_where_not():
    model = make_model(seed=5, years=1)
    mech, u = model.mechanism("management"), model.units_state
    assert np.all(mech.fit_gain(model) == 0)               # traditional autonomy: no discretion
    u.autonomy[:] = 0.6
    u.monitoring[:] = 1.0
    monitored = mech.fit_gain(model)
    u.monitoring[:] = 0.0
    blind = mech.fit_gain(model)
    assert monitored.mean() > 0.5 and np.all(monitored >= -1e-9)
    assert blind.mean() < monitored.mean() - 0.5
    assert (blind < 0).any()                               # some units drift below the standard


def test_tried_practices_are_kept_where_they_help_and_dropped_where_they_harm():
    model = make_model(seed=6, years=2)
    mech, u, world = model.mechanism("management"), model.units_state, model.world
    live = np.flatnonzero(u.active & ~u.private)
    units = np.repeat(live, 12)
    practices = np.tile(np.arange(12), len(live))
    u.practices[:] = False
    mech.start_trials(model, units, practices)
    u.monitoring[:] = 1.0
    model.run(mech.p.trial_months + 1)
    assert not u.trying.any()
    value = world.practice_quality[None, :] + world.fit_quality
    kept, dropped = u.practices[live], ~u.practices[live]
    assert value[live][kept].mean() > 1.0 > value[live][dropped].mean()
    assert kept.mean() < 0.95 and dropped.mean() > 0.05    # not everything works everywhere
