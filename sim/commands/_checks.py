"""Checks every subcommand applies to its command line before anything runs or is written.

Each ``argparse`` type here refuses a bad value with one sentence (argparse adds the option's
name: ``argument --seed: ...``), and :func:`check_out` refuses an output folder that could not be
written before any run starts, so a bad command line never leaves a half-made output folder.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

MAX_SEED = 2**63 - 1
"""Seeds are stored in int64 columns (and the experiment's ``base_seed`` has the same bound)."""

MAX_WORKERS = 256
"""More worker processes than this on one machine is a typo, not a plan."""

MAX_YEARS = 100
"""The longest horizon an experiment file may ask for (``Experiment.years``)."""


class InputError(ValueError):
    """A command line the user must correct; ``str(error)`` is the one line shown."""


def _whole(text: str) -> int:
    try:
        return int(str(text).strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None


def bounded_int(low: int, high: int, what: str = "") -> argparse._ActionsContainer:
    """argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = _whole(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{what + ' ' if what else ''}must be a whole number from {low} to {high}; "
                f"found {value}")
        return value

    parse.__name__ = "whole number"
    return parse  # type: ignore[return-value]


seed = bounded_int(0, MAX_SEED, "a seed")
years = bounded_int(1, MAX_YEARS)
workers = bounded_int(1, MAX_WORKERS)


def check_out(out: Path, option: str = "--out") -> Path:
    """Refuse an output folder that exists as a file or cannot be created or written.

    Nothing is created here: the folder is made when the first result is written.
    """
    text = str(out)
    if not text.strip() or "\x00" in text:
        raise InputError(f"{option} {text!r}: not a usable folder name")
    try:
        path = Path(os.path.abspath(out))
    except (OSError, ValueError) as err:
        raise InputError(f"{option} {text!r}: not a usable folder name ({err})") from None
    try:
        if path.exists():
            if not path.is_dir():
                raise InputError(f"{option} {out}: exists and is not a folder")
            _probe(path, out, option, "the folder is not writable")
            return out
        parent = path.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise InputError(f"{option} {out}: cannot be created, {parent} is a file")
        _probe(parent, out, option, f"cannot be created, {parent} is not writable")
        if any(len(part.encode(errors="surrogateescape")) > 255 for part in path.parts) or \
                len(str(path).encode(errors="surrogateescape")) > 4000:
            raise InputError(f"{option} {out}: the folder name is too long")
    except OSError as err:  # e.g. a name too long for the file system
        raise InputError(f"{option} {out}: {err.strerror or err}") from None
    return out


def _probe(folder: Path, out: Path, option: str, problem: str) -> None:
    """Create and remove a file in ``folder``: the only check that also holds for root and for
    read-only or special file systems (``os.access`` says yes to root everywhere)."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".reformsim-probe-"):
            pass
    except OSError as err:
        raise InputError(f"{option} {out}: {problem} ({err.strerror or err})") from None
