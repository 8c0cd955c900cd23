"""``reformsim dashboard``: the live workshop dashboard (Solara, Mesa's SolaraViz).

Serves ``sim.dashboard.app`` on loopback by default; every front-end file comes from the app
itself, so it works with no internet (see ``sim.dashboard.server``).
"""

from __future__ import annotations

import argparse

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``dashboard`` subcommand."""
    p = subparsers.add_parser(
        "dashboard",
        help="live workshop dashboard in the browser (sliders, presets, charts, network)",
        description="Start the live dashboard: a Solara app on Mesa's SolaraViz at workshop scale. "
                    "It listens on loopback (127.0.0.1) unless --host says otherwise, and needs no "
                    "internet connection.",
    )
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only; "
                        "0.0.0.0 lets others in the room connect)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT,
                   help=f"port to listen on (default {DEFAULT_PORT})")
    p.set_defaults(func=run)
    return p


def _port(text: str) -> int:
    """argparse type: a TCP port, 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, found {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, found {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from sim.commands._checks import InputError
    from sim.dashboard import server

    if args.port and not server.port_is_free(args.host, args.port):
        raise InputError(f"dashboard: cannot listen on {args.host}:{args.port} (the address is "
                         "not this machine's, or the port is in use); choose another --host or "
                         "--port")
    return server.serve(host=args.host, port=args.port)
