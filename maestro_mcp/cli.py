"""The ``maestro-mcp`` command line (spec/mcp.md §2).

Each subcommand registers its parser in ``build_parser`` and sets ``handler``: a function from the parsed
arguments to an exit code. No subcommand means ``stdio``. Logs go to stderr; stdout carries only the
MCP protocol (``stdio``) or a command's result (the token of ``token create``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

import anyio

from maestro_mcp.cli_accounts import add_revoke_parser
from maestro_mcp.cli_compose import add_compose_parser
from maestro_mcp.cli_daw import add_connect_options, add_daw_parser, run_stdio_relay, wants_relay
from maestro_mcp.cli_docs import add_ingest_parser
from maestro_mcp.cli_generate import add_generate_parser
from maestro_mcp.config import Settings, load_settings

EXIT_OK = 0
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def _configure_logging(level: int = logging.INFO) -> None:
    # Before the SDK's own logging setup, whose basicConfig then leaves ours in place.
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpx2", "mcp.server.streamable_http", "mcp.server.streamable_http_manager"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        data_dir=getattr(args, "data_dir", None),
        tool_profile=getattr(args, "tool_profile", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


def _add_common_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="data directory (default: STORI_DATA_DIR or the user data dir)")
    parser.add_argument(
        "--tool-profile", choices=["full", "compact"], help="tools to list: full (41) or compact (38)"
    )


# -- stdio ---------------------------------------------------------------------------------------------


def _run_stdio(args: argparse.Namespace) -> int:
    from maestro_mcp.transports.stdio import serve_stdio

    if wants_relay(args):
        return run_stdio_relay(args)
    _configure_logging()
    anyio.run(serve_stdio, _settings(args))
    return EXIT_OK


def _add_stdio(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("stdio", help="serve MCP on stdin/stdout (principal 'local')")
    _add_common_server_options(parser)
    add_connect_options(parser)
    parser.set_defaults(handler=_run_stdio)


# -- serve ---------------------------------------------------------------------------------------------


def _run_serve(args: argparse.Namespace) -> int:
    from maestro_mcp.transports.http import base_url, is_loopback, serve_http

    settings = _settings(args)
    if args.no_auth and not is_loopback(settings.host):
        print(f"maestro-mcp serve: --no-auth is only allowed on a loopback host, not {settings.host}", file=sys.stderr)
        return EXIT_USAGE
    _configure_logging()
    base = base_url(settings.host, settings.port)
    if args.print_config:
        print(_first_run_banner(settings, base, auth=not args.no_auth), file=sys.stderr, flush=True)
    else:
        print(
            f"stori-maestro listening on {base}\n"
            f"  MCP (streamable HTTP): {base}/mcp{'  [no auth: principal local]' if args.no_auth else ''}\n"
            f"  REST API:              {base}/api/v1\n"
            f"  Health:                {base}/api/v1/health",
            file=sys.stderr,
            flush=True,
        )

    async def run() -> None:
        await serve_http(settings, host=settings.host, port=settings.port, auth=not args.no_auth)

    anyio.run(run)
    return EXIT_OK


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("serve", help="HTTP server: /mcp (streamable HTTP) and the REST API")
    parser.add_argument("--host", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default 10001)")
    _add_common_server_options(parser)
    parser.add_argument(
        "--no-auth", action="store_true", help="no token needed; every request is principal 'local' (loopback only)"
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="before serving, print (to stderr) the URLs, a new 30-day token for principal 'local' and "
        "ready-to-paste Claude Desktop / Cursor configuration (what `make run` shows)",
    )
    parser.set_defaults(handler=_run_serve)


def _first_run_banner(settings: Settings, base: str, *, auth: bool) -> str:
    from maestro_mcp.cli_serve import first_run
    from maestro_mcp.services import package_version

    default_dir = Settings.model_fields["data_dir"].get_default(call_default_factory=True)
    return first_run(
        settings, base_url=base, auth=auth, default_data_dir=default_dir, version=package_version()
    ).banner()


# -- token ---------------------------------------------------------------------------------------------


def _run_token_create(args: argparse.Namespace) -> int:
    from maestro_mcp.auth import create_token, token_secret

    if args.days is not None:
        lifetime = timedelta(days=args.days)
    elif args.hours is not None:
        lifetime = timedelta(hours=args.hours)
    elif args.minutes is not None:
        lifetime = timedelta(minutes=args.minutes)
    else:
        lifetime = timedelta(days=30)
    if lifetime <= timedelta(0):
        print("maestro-mcp token create: the lifetime must be positive", file=sys.stderr)
        return EXIT_USAGE
    token = create_token(token_secret(_settings(args)), args.user, lifetime=lifetime, role=args.role)
    print(f"Access token for {args.user!r}{' (admin)' if args.role else ''}, valid for {lifetime}:", file=sys.stderr)
    print(token, flush=True)
    return EXIT_OK


def _add_token(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("token", help="manage access tokens")
    token_sub = parser.add_subparsers(dest="token_command", required=True, metavar="{create,revoke}")
    create = token_sub.add_parser("create", help="print a signed access token for a principal")
    create.add_argument("--user", "--sub", dest="user", required=True, help="principal (the token's sub)")
    create.add_argument("--role", choices=["admin"], help="grant the admin role")
    lifetime = create.add_mutually_exclusive_group()
    lifetime.add_argument("--days", type=float, help="lifetime in days (default 30)")
    lifetime.add_argument("--hours", type=float, help="lifetime in hours")
    lifetime.add_argument("--minutes", type=float, help="lifetime in minutes")
    create.add_argument("--data-dir", type=Path, help="data directory holding the generated secret")
    create.set_defaults(handler=_run_token_create)
    add_revoke_parser(token_sub)


# -- parser --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maestro-mcp", description="MCP-first music server (stori-maestro). Without a command: stdio."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_stdio(sub)
    _add_serve(sub)
    _add_token(sub)
    # ---- other subcommands (e.g. `generate`, owned by the lead) register here: _add_<name>(sub) ----
    add_generate_parser(sub)
    add_compose_parser(sub)
    add_ingest_parser(sub)
    add_daw_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # `maestro-mcp` alone, or with only stdio options, is `maestro-mcp stdio` (mcp.md §2).
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help")):
        args_list = ["stdio", *args_list]
    args = parser.parse_args(args_list)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
