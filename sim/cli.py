"""The ``reformsim`` command line (``python -m sim`` does the same).

Each subcommand lives in its own module in ``sim.commands`` and registers itself with
``add_parser(subparsers)``; this module only collects them, so the list of commands is the list
of files. Errors meant for the user (a bad scenario, a missing file) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import pkgutil
import shlex
import sys

import sim.commands
from sim import __version__
from sim.commands._checks import InputError
from sim.experiment import ExperimentError
from sim.runner.store import StoreBusy, release_locks
from sim.scenario import ScenarioError

ORDER = ("compare", "run", "sweep", "reproduce", "scenarios", "dashboard")


class UsageError(Exception):
    """A command line argparse refused; the message names the command and the argument."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block): ``reformsim run: argument --seed: ...``.

    Subcommand parsers are of the same class (``add_subparsers`` uses the parent's class).
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("reformsim").strip()
        raise UsageError(f"{command + ': ' if command else ''}{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
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
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as err:
        return _refuse(err)
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # how to run this again (printed by a sweep that stops before it is complete)
    args.command_line = "reformsim " + shlex.join(argv)
    try:
        return int(args.func(args) or 0)
    except (ScenarioError, ExperimentError, InputError, StoreBusy) as err:
        return _refuse(err)
    except OSError as err:
        print(f"reformsim: error: {describe_os_error(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("reformsim: interrupted", file=sys.stderr)
        return 130
    finally:
        release_locks()


def _refuse(err: Exception) -> int:
    """One line on stderr, exit code 2."""
    print(f"reformsim: error: {one_line(str(err))}", file=sys.stderr)
    return 2


def one_line(text: str) -> str:
    """``text`` on one line: runs of white space become one space, and any other character that
    is not printable (a control character in a file name, say) is shown escaped."""
    text = " ".join(text.split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def describe_os_error(err: OSError) -> str:
    """A failed read or write as one line: the file, what happened, what to do."""
    where = err.filename if err.filename is not None else ""
    what = err.strerror or str(err)
    text = f"{where}: {what}" if where else what
    if err.errno in FULL or "No space left" in str(err) or "File too large" in str(err):
        text = (f"cannot write {where or 'the results'}: {what} (the disk is full or a file "
                "size limit was reached); nothing half-written was kept -- free some space and "
                "run the same command again to continue")
    return one_line(text)


if __name__ == "__main__":
    raise SystemExit(main())
