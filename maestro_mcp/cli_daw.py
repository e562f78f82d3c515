"""Command-line pieces of the DAW bridge: ``maestro-mcp daw`` (the headless DAW client) and the
``--connect URL --token JWT`` options of ``maestro-mcp stdio`` (the relay, mcp.md §2)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from urllib.parse import urlparse

import anyio

from maestro_mcp.config import load_settings

EXIT_OK = 0
EXIT_USAGE = 2


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# -- maestro-mcp daw ---------------------------------------------------------------------------------------


def add_daw_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "daw", help="headless DAW client: connect to a server's DAW bridge and run forwarded tool calls"
    )
    parser.add_argument(
        "--url", required=True, help="DAW bridge URL, e.g. ws://127.0.0.1:10001/api/v1/mcp/daw"
    )
    parser.add_argument(
        "--token", help="access token (maestro-mcp token create); not needed with serve --no-auth"
    )
    parser.add_argument("--data-dir", type=Path, help="keep the client's project here across restarts")
    parser.add_argument(
        "--export-dir", type=Path, help="write <project>.mid here after every change and on SIGUSR1"
    )
    parser.set_defaults(handler=run_daw)


def run_daw(args: argparse.Namespace) -> int:
    from maestro_mcp.daw.client import ClientOptions, run_client

    scheme = urlparse(args.url).scheme
    if scheme not in ("ws", "wss"):
        print(f"maestro-mcp daw: --url must be a ws:// or wss:// URL (got {args.url!r})", file=sys.stderr)
        return EXIT_USAGE
    _logging()
    options = ClientOptions(
        url=args.url, token=args.token, data_dir=args.data_dir, export_dir=args.export_dir
    )

    async def main() -> int:
        return await run_client(options)

    return anyio.run(main)


# -- maestro-mcp stdio --connect ----------------------------------------------------------------------------


def add_connect_options(parser: argparse.ArgumentParser) -> None:
    """``--connect URL --token JWT`` on the ``stdio`` parser."""
    parser.add_argument(
        "--connect", metavar="URL", help="relay every tool call to the server at URL (http://HOST:PORT)"
    )
    parser.add_argument("--token", help="access token for --connect (its principal's DAW receives the calls)")


def wants_relay(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "connect", None))


def run_stdio_relay(args: argparse.Namespace) -> int:
    from maestro_mcp.transports.stdio_relay import serve_stdio_relay

    url = args.connect
    if urlparse(url).scheme not in ("http", "https"):
        print(
            f"maestro-mcp stdio: --connect must be an http:// or https:// URL (got {url!r})", file=sys.stderr
        )
        return EXIT_USAGE
    _logging()
    settings = load_settings(
        data_dir=getattr(args, "data_dir", None), tool_profile=getattr(args, "tool_profile", None)
    )
    anyio.run(serve_stdio_relay, settings, url, args.token)
    return EXIT_OK
