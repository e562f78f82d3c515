"""JWT access tokens and the generated secret (spec/http-api.md §1.1, spec/README.md configuration)."""

from __future__ import annotations

import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import jwt
import pytest

from maestro_mcp.auth import (
    InvalidTokenError,
    JwtTokenVerifier,
    create_token,
    decode_token,
    token_secret,
    verify_token,
)
from maestro_mcp.config import Settings

SECRET = "0" * 64


def test_round_trip_and_claims() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    token = create_token(SECRET, "alice", lifetime=timedelta(days=2), now=now)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"type": "access", "sub": "alice", "iat": int(now.timestamp()), "exp": int(now.timestamp()) + 2 * 86400}
    assert verify_token(SECRET, create_token(SECRET, "alice")) == "alice"


def test_admin_role() -> None:
    decoded = decode_token(SECRET, create_token(SECRET, "root", role="admin"))
    assert decoded.is_admin and decoded.role == "admin"
    assert not decode_token(SECRET, create_token(SECRET, "bob")).is_admin
    with pytest.raises(ValueError):
        create_token(SECRET, "bob", role="superuser")


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        create_token("1" * 64, "alice"),  # other secret
        create_token(SECRET, "alice", now=datetime.now(UTC) - timedelta(days=31)),  # expired
        jwt.encode({"type": "refresh", "sub": "a", "iat": 0, "exp": 2**40}, SECRET, algorithm="HS256"),
        jwt.encode({"type": "access", "iat": 0, "exp": 2**40}, SECRET, algorithm="HS256"),
        jwt.encode({"type": "access", "sub": "", "iat": 0, "exp": 2**40}, SECRET, algorithm="HS256"),
        jwt.encode({"type": "access", "sub": "a", "iat": 0}, SECRET, algorithm="HS256"),
        jwt.encode({"type": "access", "sub": "a", "iat": 0, "exp": 2**40}, SECRET, algorithm="HS512"),
    ],
)
def test_invalid_tokens(token: str) -> None:
    with pytest.raises(InvalidTokenError):
        verify_token(SECRET, token)


def test_sdk_verifier() -> None:
    verifier = JwtTokenVerifier(SECRET)

    async def check() -> None:
        access = await verifier.verify_token(create_token(SECRET, "alice", role="admin"))
        assert access is not None
        assert (access.client_id, access.subject, access.scopes) == ("alice", "alice", ["admin"])
        assert await verifier.verify_token("garbage") is None

    anyio.run(check)


def test_configured_secret_wins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, access_token_secret="configured")
    assert token_secret(settings) == "configured"
    assert not any(tmp_path.iterdir())


def test_generated_secret_is_private_and_stable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", access_token_secret=None)
    first = token_secret(settings)
    assert len(first) == 64 and int(first, 16) >= 0
    files = list((tmp_path / "data").iterdir())
    assert [f.name for f in files] == ["access_token_secret"]  # no temp files left behind
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert token_secret(settings) == first


def test_concurrent_first_starts_agree(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from maestro_mcp.auth import token_secret;"
        "from maestro_mcp.config import Settings;"
        "print(token_secret(Settings(data_dir=Path(sys.argv[1]), access_token_secret=None)))"
    )
    env = {"PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    outputs = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(outputs) == 1 and len(outputs.pop()) == 64
    assert [f.name for f in tmp_path.iterdir()] == ["access_token_secret"]
