"""Writing results: atomically, so an interrupted command never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def write_table(frame: pd.DataFrame, path: Path, *, csv: bool = True) -> list[Path]:
    """Write ``frame`` to ``path`` (Parquet) and beside it as CSV, each via a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = [_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))]
    if csv:
        written.append(_atomic(path.with_suffix(".csv"), lambda tmp: frame.to_csv(tmp, index=False)))
    return written


def write_text(text: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return _atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _atomic(path: Path, write) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
