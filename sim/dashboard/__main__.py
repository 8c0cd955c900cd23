"""``python -m sim.dashboard [--host H] [--port P]`` -- the same as ``reformsim dashboard``."""

import argparse

from sim.commands.dashboard import add_parser

parser = argparse.ArgumentParser(prog="python -m sim.dashboard")
sub = parser.add_subparsers(dest="command")
add_parser(sub)
args = parser.parse_args(["dashboard", *__import__("sys").argv[1:]])
raise SystemExit(args.func(args))
