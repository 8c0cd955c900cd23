"""Scenario files: defaults, overrides, and one clear message for every bad file."""

from __future__ import annotations

import pytest

from sim.scenario import ScenarioError, differences, list_scenarios, load_scenario, with_overrides


def test_baseline_is_the_defaults_and_names_its_source():
    baseline = load_scenario("baseline")
    assert baseline.name == "baseline" and baseline.years == 10
    assert "000" in baseline.source
    assert differences(baseline) == {}
    assert "baseline" in dict(list_scenarios())


def test_overrides_are_validated_and_a_file_names_only_what_differs(tmp_path):
    path = tmp_path / "lean.toml"
    path.write_text('name = "lean"\nyears = 3\n[budget]\nbudget_level = 0.9\n'
                    '[world.unit_size]\nschool = 300\n')
    lean = load_scenario(path)
    assert differences(lean) == {"budget.budget_level": 0.9, "world.unit_size.school": 300}
    assert lean.world.unit_size.kindergarten == load_scenario("baseline").world.unit_size.kindergarten
    richer = with_overrides(lean, {"budget.budget_level": 1.1})
    assert richer.budget.budget_level == 1.1 and lean.budget.budget_level == 0.9


@pytest.mark.parametrize("text, expected", [
    ('[health]\nbogus = 1\n', ["unknown key 'health.bogus'", "allowed here:", "recovery", "found 1"]),
    ('[health]\nrecovery = 3\n', ["'health.recovery'", "between 0.25 and 0.45", "found 3"]),
    ('[world.unit_size]\nschool = -3\n', ["'world.unit_size.school'", "between 0", "found -3"]),
    ('[health]\nrecovery = "fast"\n', ["'health.recovery'", "valid number", "found 'fast'"]),
    ('[health\nrecovery = 3\n', ["broken TOML", "line 1"]),
    ('years = 0\n', ["'years'", "between 1 and 50", "found 0"]),
])
def test_a_bad_file_gets_one_message_with_file_key_allowed_values_and_what_was_found(
        tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message
    for part in expected:
        assert part in message


def test_an_unknown_override_key_is_refused_with_the_allowed_keys():
    with pytest.raises(ScenarioError, match="unknown key 'budget.bugdet_level'.*budget_level"):
        with_overrides(load_scenario("baseline"), {"budget.bugdet_level": 0.9})


def test_an_unknown_scenario_name_lists_the_built_in_ones():
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'.*baseline"):
        load_scenario("nope")
