"""``maestro-mcp token revoke`` (spec/mcp.md §2): add a token, or every token of a principal, to the
revocation list in the data dir's database.

A running server on the same data dir refuses the token within its revocation-cache lifetime
(``accounts.REVOCATION_CACHE_SECONDS``); revocations made through the server's own API take effect at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import anyio

from maestro_mcp.config import load_settings

# The server's revocation cache (accounts.REVOCATION_CACHE_SECONDS), repeated so the CLI starts without
# importing the accounts stack (it pulls in the MCP SDK; every command would pay for it).
REVOCATION_NOTICE_SECONDS = 5

EXIT_OK = 0
EXIT_USAGE = 2


def add_revoke_parser(token_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``token revoke`` under the ``token`` command's subparsers."""
    revoke = token_subparsers.add_parser(
        "revoke",
        help="revoke a token, or every token of a principal",
        description="Revoke one access token (give the token, or '-' to read it from stdin), or with --user "
        "every token issued to that principal until now. A running server notices within "
        f"{REVOCATION_NOTICE_SECONDS:g} s.",
    )
    revoke.add_argument("token", nargs="?", help="the token to revoke ('-': read it from stdin)")
    revoke.add_argument("--user", "--sub", dest="user", help="revoke every token of this principal")
    revoke.add_argument("--data-dir", type=Path, help="data directory holding the database")
    revoke.set_defaults(handler=run_token_revoke)


def run_token_revoke(args: argparse.Namespace) -> int:
    token: str | None = args.token
    if (token is None) == (args.user is None):
        print("maestro-mcp token revoke: give either a token or --user ID", file=sys.stderr)
        return EXIT_USAGE
    if token == "-":
        token = sys.stdin.readline()
    if token is not None:
        token = token.strip()
        if not token:
            print("maestro-mcp token revoke: the token is empty", file=sys.stderr)
            return EXIT_USAGE
    from maestro_mcp.accounts import Accounts
    from maestro_mcp.store.db import Database
    from maestro_mcp.store.users import UserStore

    settings = load_settings(data_dir=args.data_dir)
    db = Database(settings.effective_database_url)
    try:
        db.create_all()
        accounts = Accounts(settings, UserStore(db, settings.default_budget_cents))
        if token is not None:
            fresh = anyio.run(accounts.revoke_token, token)
            print("Token revoked." if fresh else "Token was already revoked.", flush=True)
        else:
            user: str = args.user
            count = anyio.run(lambda: accounts.revoke_all(user, create_user=True))
            print(
                f"Revoked {count or 0} known token(s) of {user!r}; every token issued to {user!r} until now "
                "is refused.",
                flush=True,
            )
    finally:
        db.dispose()
    return EXIT_OK
