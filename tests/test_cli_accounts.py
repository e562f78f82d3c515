"""``maestro-mcp token revoke`` (mcp.md §2) against a real data dir: the revocation is in the database a
server on that data dir reads."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from maestro_mcp.accounts import Accounts, TokenRevokedError
from maestro_mcp.auth import create_token, token_secret
from maestro_mcp.cli_accounts import add_revoke_parser
from maestro_mcp.config import Settings
from maestro_mcp.store.db import Database
from maestro_mcp.store.users import UserStore


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="maestro-mcp token")
    add_revoke_parser(parser.add_subparsers(dest="token_command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.handler(args)
    return code


def revoked(data_dir: Path, token: str) -> bool:
    settings = Settings(data_dir=data_dir)
    db = Database(settings.effective_database_url)
    try:
        accounts = Accounts(settings, UserStore(db, 500), revocation_cache_seconds=0)
        try:
            anyio.run(accounts.authenticate, token)
        except TokenRevokedError:
            return True
        return False
    finally:
        db.dispose()


def test_revoke_one_token_and_all_of_a_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STORI_ACCESS_TOKEN_SECRET", raising=False)
    secret = token_secret(Settings(data_dir=tmp_path))
    past = datetime.now(UTC) - timedelta(minutes=1)
    # Distinct issue times: two tokens with equal claims would be one and the same token.
    one, two, other = (
        create_token(secret, user, now=past - timedelta(seconds=i)) for i, user in enumerate("aab")
    )

    assert run_cli("revoke", one, "--data-dir", str(tmp_path)) == 0
    assert capsys.readouterr().out == "Token revoked.\n"
    assert revoked(tmp_path, one) and not revoked(tmp_path, two)

    monkeypatch.setattr("sys.stdin", io.StringIO(one + "\n"))
    assert run_cli("revoke", "-", "--data-dir", str(tmp_path)) == 0
    assert capsys.readouterr().out == "Token was already revoked.\n"

    assert run_cli("revoke", "--user", "a", "--data-dir", str(tmp_path)) == 0
    assert "Revoked 1 known token(s) of 'a'" in capsys.readouterr().out  # `two` was seen above
    assert revoked(tmp_path, two) and not revoked(tmp_path, other)


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("revoke", "--data-dir", str(tmp_path)) == 2
    assert run_cli("revoke", "tok", "--user", "ann", "--data-dir", str(tmp_path)) == 2
    assert "either a token or --user" in capsys.readouterr().err


def test_revoke_help_quotes_the_servers_revocation_cache() -> None:
    from maestro_mcp import accounts, cli_accounts

    assert cli_accounts.REVOCATION_NOTICE_SECONDS == accounts.REVOCATION_CACHE_SECONDS
