"""Frames: each session's page is redrawn by a renderer thread of its own, never by the play loop.

Mesa's play loop (``ModelController``) steps the model and then calls ``force_update``. Rendering
inside that loop ties the months played to the frames drawn: a page that takes 150 ms to redraw
-- ten sessions and their browsers sharing two cores -- plays 6 months a second, and whether a
session's render happens inline or is left to another thread of the session was a matter of
timing, so a room split into fast and slow sessions (measured: 4-6 against 15-25 months/s).

Here ``force_update`` (patched into Mesa by ``sim.dashboard.app``) only *asks* for a frame. The
session's renderer thread (started by the page, stopped when it closes) draws the latest month
whenever it is asked, at most :data:`MAX_FPS` times a second; requests that arrive while it draws
become one frame. So Play keeps its pace (one month per play interval) whatever the page costs,
and a slow page shows the months in fewer, larger steps -- every month is still in the charts,
which draw the whole history up to the month shown. Step, Pause and the end of a run each ask
for a frame after their last step, so the page always ends on the month the model is at.

Outside a served page (tests, scripts) there is no renderer and a request renders at once.
"""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext

from mesa.visualization.utils import update_counter

#: At most this many frames a second per session (a frame costs the server 5-20 ms and the
#: browser about as much; more would only take CPU from the other sessions in the room).
MAX_FPS = 15

_WANTED: dict[str, threading.Event] = {}  # kernel id -> the request flag of its renderer
_LOCK = threading.Lock()


def _kernel_id() -> str | None:
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context().id
    except Exception:  # noqa: BLE001 - outside a served page
        return None


def render_now() -> None:
    """Show the model's current month: one render of the page.

    Four views read Mesa's update counter; changing it outside a render makes Solara re-render
    the page once per view, one after another. Inside the session's render context the four
    updates are batched into one render: the same page for about a third of the server's CPU.
    """
    import reacton.core

    try:
        from solara.server import kernel_context

        rc = kernel_context.get_current_context().app_object
    except Exception:  # noqa: BLE001 - outside a served page (tests): no batching needed
        rc = None
    with rc if isinstance(rc, reacton.core._RenderContext) else nullcontext():
        update_counter.value += 1


def request() -> None:
    """Mesa's ``force_update``: ask this session's renderer for a frame (render at once when the
    session has none)."""
    key = _kernel_id()
    wanted = _WANTED.get(key) if key is not None else None
    if wanted is None:
        render_now()
    else:
        wanted.set()


def renderer(cancel: threading.Event) -> None:
    """The session's renderer: one frame per request (requests made while drawing are merged),
    at most ``MAX_FPS`` a second, until ``cancel`` is set (the page closed or was rebuilt).
    Run it with ``solara.use_thread`` so it carries the session's kernel context."""
    key = _kernel_id()
    if key is None:
        return
    wanted = threading.Event()
    with _LOCK:
        _WANTED[key] = wanted
    try:
        while not cancel.is_set():
            if not wanted.wait(0.25):
                continue
            wanted.clear()
            start = time.monotonic()
            render_now()
            rest = 1.0 / MAX_FPS - (time.monotonic() - start)
            if rest > 0:
                cancel.wait(rest)
    finally:
        with _LOCK:
            if _WANTED.get(key) is wanted:
                del _WANTED[key]
        if wanted.is_set() and not cancel.is_set():
            render_now()  # a request that came in as we stopped
