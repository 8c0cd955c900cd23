"""Serve the dashboard with Solara, fully offline.

Solara's page loads its front end (Vue, Vuetify, the widget manager, fonts, RequireJS) from
``{cdn}/...``. With ``solara.settings.assets.proxy`` on (its default outside Colab/VS Code) that
``{cdn}`` is the app's own ``/_solara/cdn`` route, which serves files from
``<venv>/share/solara/cdn`` -- the directory the ``solara-assets`` package fills. A file missing
there would make the *server* fetch it from ``solara.settings.assets.cdn`` (jsDelivr); we point
that at an unreachable loopback address, so a missing file fails at once instead of reaching for
the internet. We also switch off Solara's telemetry (server-side requests to mixpanel), its
version check (a request to PyPI) and the development-mode "check" iframe (solara.dev), by running
in production mode. Nothing else on the page comes from outside: charts are Matplotlib PNGs.

The settings are environment variables read when Solara is first imported, so
:func:`offline_environment` must run before ``import solara``; :func:`serve` does that.
"""

from __future__ import annotations

import os
import socket
import sys

APP_MODULE = "sim.dashboard.app"

#: Environment for an offline Solara server (set before Solara is imported).
OFFLINE_ENV: dict[str, str] = {
    # serve /_solara/cdn/* from the local solara-assets copy (the default; made explicit)
    "SOLARA_ASSETS_PROXY": "True",
    # a cache miss must never go to jsdelivr: send it to a closed loopback port instead
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    # no server-side telemetry to api.mixpanel.com
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    # production mode: no solara.dev check iframe, no auto-reload, no dev tooling
    "SOLARA_MODE": "production",
    "SOLARA_THEME_TITLE": "reformsim dashboard",
    "SOLARA_THEME_SHOW_BANNER": "False",
    # matplotlib must never try to open a window on the server
    "MPLBACKEND": "Agg",
    # a session whose page went away without closing (a laptop lid shut, a dropped network)
    # is freed after two minutes, not Solara's default of a day
    "SOLARA_KERNEL_CULL_TIMEOUT": "2m",
}

STOP_WITHIN = 2.5
"""Seconds between SIGTERM/Ctrl-C and the process ending, whatever sessions are doing."""


def offline_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """Put the offline settings into ``env`` (default ``os.environ``) unless already set."""
    target = os.environ if env is None else env
    for key, value in OFFLINE_ENV.items():
        target.setdefault(key, value)
    return target


def port_is_free(host: str, port: int) -> bool:
    """True when this process could listen on ``host:port`` (False for a bad host, too)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except (OSError, ValueError, TypeError, OverflowError):
            return False
    return True


def serve(host: str = "127.0.0.1", port: int = 8765, *, app: str = APP_MODULE,
          log_level: str = "warning") -> int:
    """Run the dashboard server until interrupted. Returns a process exit code."""
    if not 0 <= port <= 65535:
        print(f"reformsim dashboard: --port must be between 0 and 65535, found {port}", file=sys.stderr)
        return 2
    if port and not port_is_free(host, port):
        print(f"reformsim dashboard: cannot listen on {host}:{port} (in use or not allowed); "
              "choose another with --port", file=sys.stderr)
        return 2
    offline_environment()
    import solara.server.settings as server_settings
    import solara.settings

    # in case Solara was imported before the environment was set
    solara.settings.assets.proxy = True
    solara.settings.assets.cdn = OFFLINE_ENV["SOLARA_ASSETS_CDN"]
    server_settings.telemetry.mixpanel_enable = False

    from solara.__main__ import cli

    from sim.dashboard import compute

    compute.runs().warm()  # the worker pool starts while the server does
    _stop_promptly()

    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"reformsim dashboard: listening on {host} -- reachable from other machines",
              file=sys.stderr)
    print(f"reformsim dashboard: open http://{host}:{port}/ in a browser (Ctrl+C stops)",
          file=sys.stderr)
    args = ["run", app, "--host", host, "--port", str(port), "--production", "--no-open",
            "--no-check-version", "--log-level", log_level]
    import click

    try:
        cli.main(args=args, prog_name="reformsim dashboard", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        pass
    compute.shutdown()
    print("reformsim dashboard: stopped", file=sys.stderr)
    # End here: a session's Play loop may still be sleeping in a non-daemon thread, and there
    # is nothing left to write (the dashboard keeps no files).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _stop_promptly() -> None:
    """Make SIGTERM and Ctrl-C end the server within ``STOP_WITHIN`` seconds.

    Uvicorn (under Solara) handles both signals by a graceful shutdown, which waits for open
    websockets and for the sessions' threads; with pages playing that could take long or never
    end. On the first signal we stop the worker pool at once and start a timer that ends the
    process after ``STOP_WITHIN`` seconds if the graceful shutdown has not finished by then
    (nothing of value is lost: the dashboard writes no files).
    """
    import threading
    import time

    import uvicorn

    from sim.dashboard import compute

    original = uvicorn.Server.handle_exit
    if getattr(original, "_reformsim", False):
        return

    def handle_exit(self, sig, frame) -> None:  # noqa: ANN001
        def end_soon() -> None:
            time.sleep(STOP_WITHIN)
            os._exit(0)

        threading.Thread(target=end_soon, name="reformsim-stop", daemon=True).start()
        threading.Thread(target=compute.shutdown, name="reformsim-stop-pool", daemon=True).start()
        original(self, sig, frame)

    handle_exit._reformsim = True  # type: ignore[attr-defined]
    uvicorn.Server.handle_exit = handle_exit
