"""Accounts: who may call, how often, how much at once, and at what cost (spec/http-api.md §1, §4.4, §5).

``Accounts`` sits between the edges and ``store/users.py``:

- ``authenticate``: a bearer token's claims after signature, expiry and revocation checks; the first
  authenticated request provisions the principal with the default budget. The revocation answer for a token
  is cached for a few seconds per process (a revocation made through this process clears the cache at once;
  one made by ``maestro-mcp token revoke`` in another process is seen within the cache lifetime). A database
  failure refuses the token (fail closed).
- budgets (the 402 before a stream, the charge after it), a sliding-window rate limiter per principal and
  bucket (429), and the per-principal limit on concurrent compositions (429 ``TOO_MANY_CONCURRENT``).

The limiters are in memory: they hold for one server process, which is what ``serve`` is.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from types import TracebackType
from typing import Literal

import jwt
from sqlalchemy.exc import SQLAlchemyError

from maestro_mcp.auth import InvalidTokenError, TokenClaims, decode_token, token_secret
from maestro_mcp.config import Settings
from maestro_mcp.store.usage import UsageEntry
from maestro_mcp.store.users import TokenUse, UserRecord, UserStore, token_hash

logger = logging.getLogger(__name__)

RateBucket = Literal["stream", "preview", "tool_call", "default"]
# http-api.md §1.4: requests per principal per sliding 60 s window.
DEFAULT_RATE_LIMITS: Mapping[str, int] = {"stream": 20, "preview": 30, "tool_call": 120, "default": 300}
RATE_WINDOW_SECONDS = 60.0
REVOCATION_CACHE_SECONDS = 5.0
_CACHE_MAX_ENTRIES = 10_000

BudgetState = Literal["normal", "low", "critical", "exhausted"]


class AccountsError(Exception):
    """Base of the errors an edge maps to an HTTP status (or a WebSocket close code)."""


class TokenRevokedError(AccountsError):
    """401 ``Access code has been revoked.``"""


class AccountsUnavailableError(AccountsError):
    """503: the revocation store or the database cannot be reached; fail closed."""


class BudgetExhaustedError(AccountsError):
    """402: less than one cent left."""

    def __init__(self, remaining_cents: int) -> None:
        super().__init__(f"budget exhausted ({remaining_cents} cents left)")
        self.remaining_cents = remaining_cents


class RateLimitedError(AccountsError):
    """429 ``RATE_LIMITED``."""

    def __init__(self, bucket: str, limit: int, retry_after_seconds: int) -> None:
        super().__init__(f"more than {limit} {bucket} requests per minute")
        self.bucket = bucket
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds


class TooManyConcurrentError(AccountsError):
    """429 ``TOO_MANY_CONCURRENT``."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} compositions may run at once")
        self.limit = limit


# -- budgets -------------------------------------------------------------------------------------------


def budget_state(remaining_cents: int) -> BudgetState:
    """http-api.md §4.4, in dollars: exhausted ≤ 0, critical < 0.25, low < 1.0, else normal."""
    if remaining_cents <= 0:
        return "exhausted"
    if remaining_cents < 25:
        return "critical"
    if remaining_cents < 100:
        return "low"
    return "normal"


def dollars(cents: int) -> float:
    return cents / 100


# -- rate limits ---------------------------------------------------------------------------------------


class RateLimiter:
    """A sliding-window counter per (bucket, key): at most ``limits[bucket]`` hits in any ``window``."""

    def __init__(
        self,
        limits: Mapping[str, int] = DEFAULT_RATE_LIMITS,
        *,
        window_seconds: float = RATE_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(limits)
        self.window = window_seconds
        self._clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._since_sweep = 0

    def hit(self, bucket: str, key: str) -> None:
        """Count one request, or raise ``RateLimitedError`` (the request is then not counted)."""
        limit = self.limits.get(bucket, self.limits.get("default", 0))
        if limit <= 0:  # 0 or absent: unlimited
            return
        now = self._clock()
        hits = self._hits.setdefault((bucket, key), deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= limit:
            retry = max(1, math.ceil(hits[0] + self.window - now))
            raise RateLimitedError(bucket, limit, retry)
        hits.append(now)
        self._sweep(now)

    def _sweep(self, now: float) -> None:
        # Keys of callers who went quiet would otherwise stay forever.
        self._since_sweep += 1
        if self._since_sweep < 1000:
            return
        self._since_sweep = 0
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]


# -- concurrent compositions ---------------------------------------------------------------------------


class CompositionSlot:
    """One running composition of a principal; released exactly once (``release``, or leaving ``with``)."""

    def __init__(self, limiter: CompositionLimiter, principal: str) -> None:
        self._limiter = limiter
        self.principal = principal
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._limiter._release(self.principal)

    def __enter__(self) -> CompositionSlot:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    async def __aenter__(self) -> CompositionSlot:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class CompositionLimiter:
    """At most ``limit`` slots per principal at once (0 = unlimited)."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError("limit must be >= 0")
        self.limit = limit
        self._running: dict[str, int] = {}

    def acquire(self, principal: str) -> CompositionSlot:
        """A slot, taken now; raises ``TooManyConcurrentError`` when the principal has none left."""
        running = self._running.get(principal, 0)
        if self.limit and running >= self.limit:
            raise TooManyConcurrentError(self.limit)
        self._running[principal] = running + 1
        return CompositionSlot(self, principal)

    def running(self, principal: str) -> int:
        return self._running.get(principal, 0)

    def _release(self, principal: str) -> None:
        left = self._running.get(principal, 0) - 1
        if left > 0:
            self._running[principal] = left
        else:
            self._running.pop(principal, None)


# -- the service ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    remaining_cents: int
    limit_cents: int
    sessions_used: int

    @property
    def state(self) -> BudgetState:
        return budget_state(self.remaining_cents)


class Accounts:
    """Authentication with revocation, budgets, rate limits and the composition limit, for one process."""

    def __init__(
        self,
        settings: Settings,
        users: UserStore,
        *,
        rate_limits: Mapping[str, int] = DEFAULT_RATE_LIMITS,
        revocation_cache_seconds: float = REVOCATION_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.users = users
        self.rate_limiter = RateLimiter(rate_limits, clock=clock)
        self.compositions = CompositionLimiter(settings.max_concurrent_compositions)
        self._cache_seconds = revocation_cache_seconds
        self._clock = clock
        self._admitted: dict[str, float] = {}  # token digest -> monotonic time the answer expires

    @cached_property
    def token_secret(self) -> str:
        """Read (or generated) on first use, like ``Services.token_secret``: the same file, the same value."""
        return token_secret(self.settings)

    # -- tokens ----------------------------------------------------------------------------------------

    async def authenticate(self, token: str) -> TokenClaims:
        """The claims of a valid, unrevoked token. Raises ``InvalidTokenError`` (from ``auth``),
        ``TokenRevokedError`` or ``AccountsUnavailableError``."""
        claims = decode_token(self.token_secret, token)
        if await self.is_revoked(token, claims):
            raise TokenRevokedError("token revoked")
        return claims

    async def is_revoked(self, token: str, claims: TokenClaims) -> bool:
        """Whether a token with verified ``claims`` is revoked; admits it (provisions the principal, records
        the token's use) otherwise. Raises ``AccountsUnavailableError`` when the store cannot answer."""
        digest = token_hash(token)
        now = self._clock()
        if self._admitted.get(digest, -math.inf) > now:
            return False
        use = TokenUse(
            digest=digest, user_id=claims.sub, issued_at=claims.issued_at, expires_at=claims.expires_at
        )
        try:
            revoked = await self.users.admit_token(use)
        except SQLAlchemyError as exc:
            logger.error("token check failed, refusing the token: %s", exc)
            raise AccountsUnavailableError(str(exc)) from exc
        if revoked:
            self._admitted.pop(digest, None)
            return True
        if self._cache_seconds > 0:
            if len(self._admitted) >= _CACHE_MAX_ENTRIES:
                self._admitted.clear()
            self._admitted[digest] = now + self._cache_seconds
        return False

    async def revoke_token(self, token: str) -> bool:
        """Revoke one token (signature not required: any holder may ask for a token to stop working).
        True if it was not revoked before."""
        self._admitted.clear()
        try:
            claims = decode_token(self.token_secret, token)
        except InvalidTokenError:
            # Another secret or an expired token: keep what the payload says for the listing, if anything.
            user_id, issued_at, expires_at = _unverified_claims(token)
            return await self.users.revoke_token(
                token_hash(token), user_id=user_id, issued_at=issued_at, expires_at=expires_at
            )
        return await self.users.revoke_token(
            token_hash(token), user_id=claims.sub, issued_at=claims.issued_at, expires_at=claims.expires_at
        )

    async def revoke_all(self, principal: str, *, create_user: bool = False) -> int | None:
        """Revoke every token of ``principal`` issued so far; None when the principal does not exist."""
        self._admitted.clear()
        return await self.users.revoke_all(principal, create_user=create_user)

    # -- budgets ---------------------------------------------------------------------------------------

    async def user(self, principal: str) -> UserRecord:
        """The principal's record, provisioned if new."""
        try:
            return await self.users.ensure(principal)
        except SQLAlchemyError as exc:
            raise AccountsUnavailableError(str(exc)) from exc

    async def budget(self, principal: str) -> BudgetStatus:
        user = await self.user(principal)
        return BudgetStatus(user.budget_cents, user.budget_limit_cents, user.sessions_used)

    async def check_budget(self, principal: str) -> BudgetStatus:
        """The 402 check before a stream or a charged request: at least one cent must be left."""
        status = await self.budget(principal)
        if status.remaining_cents < 1:
            raise BudgetExhaustedError(status.remaining_cents)
        return status

    async def charge(self, principal: str, entry: UsageEntry) -> BudgetStatus:
        """Record a finished request (also a failed or cut-off one) and take its cost; the new status is
        what the stream's ``budgetUpdate`` reports."""
        user = await self.users.charge(principal, entry)
        return BudgetStatus(user.budget_cents, user.budget_limit_cents, user.sessions_used)

    # -- limits ----------------------------------------------------------------------------------------

    def check_rate(self, principal: str, bucket: RateBucket) -> None:
        """Count one request of ``principal`` in ``bucket``; raises ``RateLimitedError`` beyond the limit."""
        self.rate_limiter.hit(bucket, principal)

    def composition_slot(self, principal: str) -> CompositionSlot:
        """Take one of the principal's concurrent-composition slots now (``TooManyConcurrentError`` if none
        is free); release it when the stream ends: ``with accounts.composition_slot(p): ...``."""
        return self.compositions.acquire(principal)


def _unverified_claims(token: str) -> tuple[str | None, datetime | None, datetime | None]:
    """``sub``, ``iat`` and ``exp`` of a token whose signature cannot be checked (for the token listing)."""
    try:
        payload = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None, None, None
    sub = payload.get("sub")

    def moment(claim: str) -> datetime | None:
        value = payload.get(claim)
        return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None

    return (sub if isinstance(sub, str) and sub else None), moment("iat"), moment("exp")


class LedgerBudget:
    """The agent loop's ``Budget`` (``agent/stream.py``: dollars in, dollars out) over the accounts ledger:
    every finished stream is a usage-log row and a session, its cost (rounded up to whole cents) is taken
    from the budget. Edges that know the model and token counts call ``Accounts.charge`` directly."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    async def remaining(self, principal: str) -> float:
        return dollars((await self.accounts.budget(principal)).remaining_cents)

    async def charge(self, principal: str, cost: float) -> float:
        cents = max(0, math.ceil(cost * 100 - 1e-9))
        status = await self.accounts.charge(principal, UsageEntry(cost_cents=cents))
        return dollars(status.remaining_cents)
