"""docs/python.md: every Python example runs, in order, in an empty folder (as a new user would)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "python.md"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_examples_of_docs_python_md_run_and_cover_every_api_function(tmp_path, monkeypatch, capsys):
    blocks = code_blocks(DOC.read_text(encoding="utf-8"))
    code = "\n".join(blocks)
    for name in ("sim.scenarios(", "sim.load(", "sim.override(", "sim.run(", "sim.compare(",
                 "sim.sweep(", "sim.read_results(", "sim.load_world(", "sim.ReformModel(",
                 "mesa.batch_run(", "datacollector", "sim.ScenarioError"):
        assert name in code, f"docs/python.md has no example of {name}"
    shutil.copytree(ROOT / "worlds", tmp_path / "worlds")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_python_md"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"docs/python.md block {i + 1}", "exec"), namespace)  # noqa: S102
        except Exception as err:
            raise AssertionError(f"docs/python.md block {i + 1} failed: {err!r}\n{block}") from err
    out = capsys.readouterr().out
    assert "must be between 0 and 1; found 7" in out       # the error example prints it
    assert "Havbyen" in out                                     # municipalities by name
    assert (tmp_path / "information-results" / "results.parquet").exists()


def test_every_public_name_has_a_docstring_and_type_hints():
    import inspect

    for name in sim.__all__:
        obj = getattr(sim, name)
        if name in ("SECTORS", "SECTOR_GROUPS", "__version__"):
            continue
        assert inspect.getdoc(obj), f"sim.{name} has no docstring"
        if inspect.isfunction(obj):
            hints = obj.__annotations__
            assert "return" in hints, f"sim.{name} has no return type"
            params = [p for p in inspect.signature(obj).parameters if p not in ("self",)]
            assert all(p in hints for p in params), f"sim.{name}: a parameter has no type hint"
