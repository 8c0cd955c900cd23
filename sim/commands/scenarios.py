"""``reformsim scenarios [list | show NAME | validate FILE]``."""

from __future__ import annotations

import argparse

from sim.scenario import ScenarioError, differences, list_scenarios, load_scenario, scenario_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenarios", help="list, show or validate scenario files")
    p.add_argument("action", nargs="?", choices=("list", "show", "validate"), default="list")
    p.add_argument("target", nargs="?", help="scenario name (show) or file (validate)")
    p.set_defaults(func=scenarios_command)


def scenarios_command(args: argparse.Namespace) -> int:
    if args.action == "list":
        for name, description in list_scenarios():
            print(f"{name:<24} {description}")
        return 0
    if not args.target:
        raise ScenarioError(f"scenarios {args.action}: give a scenario name or file")
    if args.action == "show":
        path = scenario_path(args.target)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise ScenarioError(f"{path}: not a UTF-8 text file (byte {err.start})") from None
        except OSError as err:
            raise ScenarioError(f"{path}: cannot read: {err.strerror}") from None
        print(text, end="")
        return 0
    scenario = load_scenario(args.target)
    changed = differences(scenario)
    print(f"{args.target}: valid scenario {scenario.name!r}, {scenario.years} years, "
          f"{len(changed)} parameter(s) differ from the defaults")
    for key, value in changed.items():
        print(f"  {key} = {value!r}")
    return 0
