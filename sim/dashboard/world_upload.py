"""*Your municipalities*: upload a world file (CSV or Parquet, docs/worlds.md) in the dashboard.

The uploaded file is validated exactly as ``--world FILE`` is (``sim.worldfile.load_world``); a
bad file is refused on the page with the same one line (the file's name, the row, the column,
what is allowed, what was found) and the runs keep their world. An accepted file replaces the
synthetic world of both runs: it goes to the worker pool as plain data (``WorldFile.to_data``)
and is part of the runs' key (``sim.dashboard.compute.run_key``), so a run is bit for bit
``reformsim run PRESET --world FILE --seed N``. Its municipalities' names appear in the
municipality view and under the dots of the network view.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

import solara

from sim.worldfile import WorldError, WorldFile, load_world

MAX_BYTES = 5 * 2**20
"""Largest accepted upload (a file of every Norwegian municipality is well under 1 MB)."""


def parse_upload(name: str, data: bytes | None) -> tuple[WorldFile | None, str | None]:
    """(world, None) for a valid file, else (None, the one-line reason shown on the page)."""
    label = Path(str(name or "upload")).name
    suffix = Path(label).suffix.lower()
    if data is None:
        return None, f"{label}: the file did not arrive; try again"
    if len(data) > MAX_BYTES:
        return None, (f"{label}: at most {MAX_BYTES // 2**20} MB allowed; found "
                      f"{len(data) / 2**20:.1f} MB")
    if suffix not in (".csv", ".parquet"):
        return None, (f"{label}: a municipalities file must be .csv or .parquet; found "
                      f"{suffix or 'no suffix'!r}")
    with tempfile.TemporaryDirectory(prefix="reformsim-world-") as tmp:
        path = Path(tmp) / label
        path.write_bytes(data)
        try:
            world = load_world(path)
        except WorldError as err:
            return None, str(err).replace(str(path), label, 1)
    world.source = label
    return world, None


def describe(world: WorldFile | None) -> str:
    """What the runs are built from, in one line."""
    if world is None:
        return "The synthetic world (workshop scale)."
    return f"{world.source}: {len(world)} municipalities ({', '.join(world.names)})."


@solara.component
def WorldUpload(world: solara.Reactive[Any]):
    """Upload a municipalities file; ``world`` holds the accepted ``WorldFile`` (or None)."""
    problem = solara.use_reactive(None)

    def on_file(info: dict) -> None:
        accepted, why = parse_upload(info.get("name", ""), info.get("data"))
        problem.set(why)
        if accepted is not None:
            world.set(accepted)

    with solara.Card("Your municipalities", classes=["reformsim-world-upload"]):
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(describe(world.value)),
                    style="font-size:12px;color:#555")
        solara.FileDrop(label="Drop a municipalities file (.csv or .parquet) here",
                        on_file=on_file, lazy=False)
        if problem.value:
            solara.Error(problem.value, classes=["reformsim-refused"])
        if world.value is not None:
            solara.Button("Back to the synthetic world", text=True,
                          on_click=lambda: world.set(None))
        solara.HTML(tag="div", unsafe_innerHTML=(
            "One row per municipality: name, population by age group, budget, units per "
            "sector with size and ownership (docs/worlds.md; an example: "
            "worlds/example_region.csv)."), style="font-size:12px;color:#555")
