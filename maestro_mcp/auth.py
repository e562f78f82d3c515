"""Access tokens: HS256 JWTs (spec/http-api.md §1.1, spec/mcp.md §8).

Claims: ``type: "access"``, ``sub`` (the principal), ``iat``, ``exp`` and, for administrators,
``role: "admin"``. The secret is ``STORI_ACCESS_TOKEN_SECRET`` or, when unset, a random secret generated once
into the data dir, so ``serve`` and ``token create`` on one data dir agree without configuration.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt

from maestro_mcp.config import Settings

if TYPE_CHECKING:  # the SDK is only needed by the /mcp verifier; token commands start without it
    from mcp.server.auth.provider import AccessToken

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
TOKEN_TYPE = "access"
ADMIN_ROLE = "admin"
DEFAULT_LIFETIME = timedelta(days=30)
SECRET_FILE_NAME = "access_token_secret"
# Tolerated clock difference between the process that minted a token and the one checking it.
LEEWAY_SECONDS = 30


class InvalidTokenError(Exception):
    """Bad signature, expired, wrong ``type``, missing ``sub``, or not a JWT at all."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    sub: str
    role: str | None
    issued_at: datetime
    expires_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN_ROLE


def token_secret(settings: Settings) -> str:
    """The HS256 secret: configured, else read from (or generated once into) the data dir."""
    if settings.access_token_secret:
        return settings.access_token_secret
    return _load_or_create_secret_file(settings.data_dir / SECRET_FILE_NAME)


def _load_or_create_secret_file(path: Path) -> str:
    with contextlib.suppress(FileNotFoundError):
        return _read_secret(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file with mode 0600, so the secret is never readable by others, even briefly.
    fd, tmp_name = tempfile.mkstemp(prefix=".secret-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as tmp:
            tmp.write(secrets.token_hex(32) + "\n")
            tmp.flush()
            os.fsync(tmp.fileno())
        try:
            # link() fails if the name exists, so of several processes starting together exactly one
            # publishes its secret and all of them read that one back (a rename would let the last win).
            os.link(tmp_name, path)
            logger.info("generated an access-token secret in %s", path)
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links: publish with rename, unless someone already did.
            if not path.exists():
                os.replace(tmp_name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    secret = path.read_text(encoding="ascii").strip()
    if not secret:
        raise RuntimeError(f"the access-token secret file {path} is empty; delete it to generate a new one")
    return secret


def create_token(
    secret: str,
    user_id: str,
    *,
    lifetime: timedelta = DEFAULT_LIFETIME,
    role: str | None = None,
    now: datetime | None = None,
) -> str:
    """A signed access token for principal ``user_id``."""
    if not user_id:
        raise ValueError("user_id must not be empty")
    if lifetime <= timedelta(0):
        raise ValueError("lifetime must be positive")
    if role not in (None, ADMIN_ROLE):
        raise ValueError(f"unknown role {role!r}; the only role is {ADMIN_ROLE!r}")
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "type": TOKEN_TYPE,
        "sub": user_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
    }
    if role is not None:
        claims["role"] = role
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(secret: str, token: str) -> TokenClaims:
    """The verified claims of ``token``; raises ``InvalidTokenError``."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    if claims.get("type") != TOKEN_TYPE:
        raise InvalidTokenError("not an access token")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise InvalidTokenError("missing subject")
    role = claims.get("role")
    return TokenClaims(
        sub=sub,
        role=role if isinstance(role, str) else None,
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


def verify_token(secret: str, token: str) -> str:
    """The principal (``sub``) of a valid token; raises ``InvalidTokenError``."""
    return decode_token(secret, token).sub


class JwtTokenVerifier:
    """The MCP SDK's token-verifier hook for ``/mcp``: our JWTs become SDK access tokens."""

    def __init__(self, secret: str, is_revoked: Callable[[str, TokenClaims], Awaitable[bool]] | None = None) -> None:
        self._secret = secret
        self._is_revoked = is_revoked

    async def verify_token(self, token: str) -> AccessToken | None:
        from mcp.server.auth.provider import AccessToken

        try:
            claims = decode_token(self._secret, token)
        except InvalidTokenError as exc:
            logger.info("rejected bearer token: %s", exc)
            return None
        if self._is_revoked is not None:
            try:
                if await self._is_revoked(token, claims):
                    logger.info("rejected bearer token of %s: revoked", claims.sub)
                    return None
            except Exception:
                # Fail closed (http-api.md §1.1); the SDK's hook can answer 401 only, not 503.
                logger.exception("revocation check failed; refusing the token")
                return None
        return AccessToken(
            token=token,
            client_id=claims.sub,
            subject=claims.sub,
            scopes=[ADMIN_ROLE] if claims.is_admin else [],
            expires_at=int(claims.expires_at.timestamp()),
        )
