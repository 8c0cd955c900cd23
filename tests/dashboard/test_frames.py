"""The play loop asks for frames; the session's renderer draws them (sim.dashboard.frames)."""

from __future__ import annotations

import threading
import time

import pytest

from sim.dashboard import frames


@pytest.fixture
def session(monkeypatch):
    """A fake served session: a kernel id, and a render that takes 50 ms and counts itself."""
    drawn: list[float] = []
    release = threading.Event()

    def slow_render():
        release.wait(5)
        drawn.append(time.monotonic())

    monkeypatch.setattr(frames, "_kernel_id", lambda: "kernel-1")
    monkeypatch.setattr(frames, "render_now", slow_render)
    return drawn, release


def _until(condition, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def _start(cancel: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=frames.renderer, args=(cancel,), daemon=True)
    thread.start()
    _until(lambda: "kernel-1" in frames._WANTED)
    return thread


def test_a_request_never_waits_for_the_render_and_requests_made_meanwhile_merge(session):
    drawn, release = session
    cancel = threading.Event()
    thread = _start(cancel)
    frames.request()
    _until(lambda: frames._WANTED["kernel-1"].is_set() is False)  # the first frame is drawing
    for _ in range(50):          # the play loop: fifty months while the page is still drawing
        frames.request()         # (the render is held: a request that waited would hang here)
    assert drawn == []
    release.set()
    _until(lambda: len(drawn) == 2)      # the held frame, then one for all fifty requests
    time.sleep(0.3)
    assert len(drawn) == 2
    frames.request()                     # the last month (Pause, Step, the end) gets its frame
    _until(lambda: len(drawn) == 3)
    cancel.set()
    thread.join(2)
    assert not thread.is_alive()
    assert "kernel-1" not in frames._WANTED


def test_frames_are_spaced_by_at_most_the_frame_rate(session):
    drawn, release = session
    release.set()
    cancel = threading.Event()
    thread = _start(cancel)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        frames.request()
        time.sleep(0.002)
    cancel.set()
    thread.join(2)
    gaps = [b - a for a, b in zip(drawn, drawn[1:])]
    assert len(drawn) <= frames.MAX_FPS + 2
    assert all(g >= 0.9 / frames.MAX_FPS for g in gaps)


def test_without_a_renderer_a_request_renders_at_once(monkeypatch):
    drawn = []
    monkeypatch.setattr(frames, "_kernel_id", lambda: None)
    monkeypatch.setattr(frames, "render_now", lambda: drawn.append(1))
    frames.request()
    assert drawn == [1]
