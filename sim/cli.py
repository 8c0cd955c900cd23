"""The ``reformsim`` command line (``python -m sim`` does the same).

Each subcommand lives in its own module in ``sim.commands`` and registers itself with
``add_parser(subparsers)``; this module only collects them, so the list of commands is the list
of files. Errors meant for the user (a bad scenario, a missing file) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import sim.commands
from sim import __version__
from sim.scenario import ScenarioError

ORDER = ("compare", "run", "sweep", "reproduce", "scenarios", "dashboard")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reformsim",
        description="Agent-based simulator of decentralisation reforms in local government.")
    parser.add_argument("--version", action="version", version=f"reformsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [m.name for m in pkgutil.iter_modules(sim.commands.__path__)]
    for name in sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else 99, n)):
        module = importlib.import_module(f"sim.commands.{name}")
        if hasattr(module, "add_parser"):
            module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ScenarioError as err:
        print(f"reformsim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("reformsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
