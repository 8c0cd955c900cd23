"""Writing results: atomically, so an interrupted command never leaves half a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def write_table(frame: pd.DataFrame, path: Path, *, csv: bool = True) -> list[Path]:
    """Write ``frame`` to ``path`` (Parquet) and beside it as CSV, each via a temporary file."""
    written = [atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))]
    if csv:
        written.append(atomic_write(path.with_suffix(".csv"),
                                    lambda tmp: frame.to_csv(tmp, index=False)))
    return written


def write_text(text: str, path: Path) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


TMP_MARK = ".tmp-"
"""Marks the temporary file of a write in progress: ``.NAME.tmp-PID`` beside ``NAME``."""


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Write ``path`` through ``write(tmp)`` on a temporary file in the same folder, then move
    it into place: the file is either complete or absent, whatever interrupts the write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as err:  # name the file being written, not its temporary name
        raise OSError(err.errno, err.strerror or str(err), str(path)) from err
    finally:
        tmp.unlink(missing_ok=True)
    return path
