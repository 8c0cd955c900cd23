"""Where the built-in files are: in the checkout, or inside the installed package.

The built-in scenarios (``scenarios/``), the experiment files with their published results
(``experiments/``) and the example municipalities (``worlds/``) live at the top of the source
checkout, where they are edited. A wheel carries copies of them as package data in
``sim/_data/`` (``setup.py`` copies them at build time). At run time a checkout's own folders win
(an editable install sees edits at once); an installed package uses its copies.
"""

from __future__ import annotations

from pathlib import Path

KINDS = ("scenarios", "experiments", "worlds")
"""The folders of built-in files."""

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
PACKAGED = PACKAGE / "_data"


def in_checkout() -> bool:
    """Whether this package runs from a source checkout (its ``pyproject.toml`` beside it)."""
    return (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "scenarios").is_dir()


def resource_dir(kind: str) -> Path:
    """The folder of built-in ``kind`` files (``scenarios``, ``experiments`` or ``worlds``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of built-in files {kind!r}; allowed: {', '.join(KINDS)}")
    if in_checkout():
        return CHECKOUT / kind
    return PACKAGED / kind
