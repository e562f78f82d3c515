"""Users, their access tokens and budgets, and the usage log (spec/http-api.md §1.1, §4.4, §5).

A user is a principal (the token's ``sub``, or ``local``). Tokens are minted offline by ``maestro-mcp token
create``, so the server learns of a token when it is first presented: each admitted token gets a row keyed by
its SHA-256 (its public id is the first 16 hex digits). Revocation has two forms: a row marked revoked (one
token), and a per-user cut-off ``tokens_revoked_through`` (every token issued at or before that second, also
tokens this server has never seen). Budgets are integer cents; the remaining budget never goes below 0.

``Database.create_all`` emits ``CREATE TABLE`` only (no separate ``CREATE INDEX``), so the lookups by user
ride on unique constraints, which SQLite and Postgres back with an index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from maestro_mcp.store.db import Database, metadata
from maestro_mcp.store.timestamps import UtcDateTime, utc_now
from maestro_mcp.store.usage import STREAM_KIND, UsageEntry, recent_usage, record_usage

users = Table(
    "users",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("budget_cents", Integer, nullable=False),
    Column("budget_limit_cents", Integer, nullable=False),
    Column("usage_count", Integer, nullable=False),  # every charged request, all time
    # Stream requests since the budget was last set (budget status `sessionsUsed`).
    Column("sessions_used", Integer, nullable=False),
    # Tokens with iat (epoch seconds) <= this are revoked; NULL: no revoke-all yet.
    Column("tokens_revoked_through", BigInteger, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    # NULL for a token revoked by the CLI whose claims could not be read.
    Column("user_id", String(255), nullable=True),
    Column("issued_at", UtcDateTime, nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    UniqueConstraint("user_id", "token_hash", name="uq_access_tokens_user"),
)


# How stale a token's `lastUsedAt` may get before a use writes it again.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_public_id(digest: str) -> str:
    """The id of a token in the API: the first 16 hex digits of its SHA-256."""
    return digest[:16]


@dataclass(frozen=True, slots=True)
class UserRecord:
    user_id: str
    budget_cents: int
    budget_limit_cents: int
    usage_count: int
    sessions_used: int
    created_at: datetime
    tokens_revoked_through: int | None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    user_id: str | None
    issued_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class TokenUse:
    """A token being presented: its digest and verified claims."""

    digest: str
    user_id: str
    issued_at: datetime
    expires_at: datetime


def _user(row: Mapping[Any, Any]) -> UserRecord:
    return UserRecord(
        user_id=row["user_id"],
        budget_cents=row["budget_cents"],
        budget_limit_cents=row["budget_limit_cents"],
        usage_count=row["usage_count"],
        sessions_used=row["sessions_used"],
        created_at=row["created_at"],
        tokens_revoked_through=row["tokens_revoked_through"],
    )


def _revoked_by_cutoff(issued_at: datetime | None, cutoff: int | None) -> bool:
    return cutoff is not None and issued_at is not None and int(issued_at.timestamp()) <= cutoff


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    """INSERT unless the primary key exists (safe against a concurrent insert on both backends)."""
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(table).values(**values).on_conflict_do_nothing())
    elif conn.dialect.name == "sqlite":
        conn.execute(sqlite.insert(table).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - the two supported backends are above
        key = [c.name for c in table.primary_key.columns]
        exists = select(func.count()).select_from(table).where(*(table.c[k] == values[k] for k in key))
        if not conn.execute(exists).scalar_one():
            conn.execute(table.insert().values(**values))


class UserStore:
    """Users, tokens, budgets and the usage log over a ``Database``. Every method is one transaction."""

    def __init__(self, db: Database, default_budget_cents: int) -> None:
        if default_budget_cents < 0:
            raise ValueError("default_budget_cents must be >= 0")
        self.db = db
        self.default_budget_cents = default_budget_cents

    # -- users -----------------------------------------------------------------------------------------

    def _ensure(self, conn: Connection, user_id: str) -> UserRecord:
        insert_ignore(
            conn,
            users,
            {
                "user_id": user_id,
                "budget_cents": self.default_budget_cents,
                "budget_limit_cents": self.default_budget_cents,
                "usage_count": 0,
                "sessions_used": 0,
                "tokens_revoked_through": None,
                "created_at": utc_now(),
            },
        )
        found = _get(conn, user_id)
        assert found is not None
        return found

    async def get(self, user_id: str) -> UserRecord | None:
        return await self.db.read(lambda conn: _get(conn, user_id))

    async def ensure(self, user_id: str) -> UserRecord:
        """The user, provisioned with the default budget if new (http-api.md §1.1)."""
        found = await self.get(user_id)
        if found is not None:
            return found
        return await self.db.write(lambda conn: self._ensure(conn, user_id))

    async def set_budget(self, user_id: str, cents: int) -> UserRecord | None:
        """Set the remaining budget; the limit rises to at least that. None if the user does not exist."""
        if cents < 0:
            raise ValueError("budget must be >= 0")

        def run(conn: Connection) -> UserRecord | None:
            found = _get(conn, user_id)
            if found is None:
                return None
            conn.execute(
                update(users)
                .where(users.c.user_id == user_id)
                .values(
                    budget_cents=cents,
                    budget_limit_cents=max(found.budget_limit_cents, cents),
                    sessions_used=0,
                )
            )
            return _get(conn, user_id)

        return await self.db.write(run)

    async def charge(self, user_id: str, entry: UsageEntry) -> UserRecord:
        """Record one request in the usage log and take its cost from the budget (not below 0)."""
        if entry.cost_cents < 0:
            raise ValueError("cost must be >= 0")

        def run(conn: Connection) -> UserRecord:
            self._ensure(conn, user_id)
            session = 1 if entry.kind == STREAM_KIND else 0
            conn.execute(
                update(users)
                .where(users.c.user_id == user_id)
                .values(
                    budget_cents=func.max(users.c.budget_cents - entry.cost_cents, 0)
                    if conn.dialect.name == "sqlite"
                    else func.greatest(users.c.budget_cents - entry.cost_cents, 0),
                    usage_count=users.c.usage_count + 1,
                    sessions_used=users.c.sessions_used + session,
                )
            )
            record_usage(conn, user_id, entry, utc_now())
            found = _get(conn, user_id)
            assert found is not None
            return found

        return await self.db.write(run)

    async def usage(self, user_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """The user's most recent usage-log rows, newest first (diagnostics and tests)."""
        return await self.db.read(lambda conn: recent_usage(conn, user_id, limit))

    # -- tokens ----------------------------------------------------------------------------------------

    async def admit_token(self, use: TokenUse, *, now: datetime | None = None) -> bool:
        """Note that a verified token was presented: provision its user, record the token and its last use.
        Returns True when the token is revoked (the caller must refuse it).

        A token seen within ``LAST_USED_RESOLUTION`` needs only a read: writers serialise on SQLite's lock,
        and ``lastUsedAt`` does not need to be finer than that."""
        moment = now or utc_now()

        def check(conn: Connection) -> bool | None:
            row = conn.execute(
                select(
                    access_tokens.c.revoked_at, access_tokens.c.last_used_at, users.c.tokens_revoked_through
                )
                .join(users, users.c.user_id == access_tokens.c.user_id)
                .where(access_tokens.c.token_hash == use.digest)
            ).one_or_none()
            if row is None:
                return None
            if row.revoked_at is not None or _revoked_by_cutoff(use.issued_at, row.tokens_revoked_through):
                return True
            if row.last_used_at is None or moment - row.last_used_at >= LAST_USED_RESOLUTION:
                return None  # due for a write
            return False

        known = await self.db.read(check)
        if known is not None:
            return known

        def run(conn: Connection) -> bool:
            user = self._ensure(conn, use.user_id)
            insert_ignore(
                conn,
                access_tokens,
                {
                    "token_hash": use.digest,
                    "user_id": use.user_id,
                    "issued_at": use.issued_at,
                    "expires_at": use.expires_at,
                    "last_used_at": None,
                    "revoked_at": None,
                },
            )
            row = (
                conn.execute(select(access_tokens).where(access_tokens.c.token_hash == use.digest))
                .mappings()
                .one()
            )
            if row["revoked_at"] is not None or _revoked_by_cutoff(
                use.issued_at, user.tokens_revoked_through
            ):
                return True
            conn.execute(
                update(access_tokens)
                .where(access_tokens.c.token_hash == use.digest)
                .values(
                    last_used_at=moment,
                    user_id=use.user_id,
                    issued_at=use.issued_at,
                    expires_at=use.expires_at,
                )
            )
            return False

        return await self.db.write(run)

    async def list_tokens(self, user_id: str) -> list[TokenRecord]:
        """The user's tokens this server has seen (or revoked), most recently issued first."""

        def run(conn: Connection) -> list[TokenRecord]:
            user = _get(conn, user_id)
            cutoff = user.tokens_revoked_through if user else None
            rows = conn.execute(
                select(access_tokens)
                .where(access_tokens.c.user_id == user_id)
                .order_by(access_tokens.c.issued_at.desc(), access_tokens.c.token_hash)
            ).mappings()
            return [
                TokenRecord(
                    id=token_public_id(row["token_hash"]),
                    user_id=row["user_id"],
                    issued_at=row["issued_at"],
                    expires_at=row["expires_at"],
                    last_used_at=row["last_used_at"],
                    revoked=row["revoked_at"] is not None or _revoked_by_cutoff(row["issued_at"], cutoff),
                )
                for row in rows
            ]

        return await self.db.read(run)

    async def revoke_token(
        self,
        digest: str,
        *,
        user_id: str | None = None,
        issued_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> bool:
        """Revoke one token by digest (it need not have been seen before). True if it was not revoked yet."""
        moment = utc_now()

        def run(conn: Connection) -> bool:
            insert_ignore(
                conn,
                access_tokens,
                {
                    "token_hash": digest,
                    "user_id": user_id,
                    "issued_at": issued_at,
                    "expires_at": expires_at,
                    "last_used_at": None,
                    "revoked_at": None,
                },
            )
            result = conn.execute(
                update(access_tokens)
                .where(access_tokens.c.token_hash == digest, access_tokens.c.revoked_at.is_(None))
                .values(revoked_at=moment)
            )
            return bool(result.rowcount)

        return await self.db.write(run)

    async def revoke_all(
        self, user_id: str, *, create_user: bool = False, now: datetime | None = None
    ) -> int | None:
        """Revoke every known token of ``user_id`` and every one issued up to now. Returns how many known tokens
        became revoked, or None when the user does not exist (and ``create_user`` is false)."""
        moment = now or utc_now()
        # iat has whole-second resolution, so the whole current second is cut off: a token minted in the
        # same second as the revocation cannot be told apart from one minted just before it.
        cutoff = int(moment.timestamp())

        def run(conn: Connection) -> int | None:
            user = self._ensure(conn, user_id) if create_user else _get(conn, user_id)
            if user is None:
                return None
            already = user.tokens_revoked_through
            rows: list[tuple[str, datetime | None]] = [
                (row.token_hash, row.issued_at)
                for row in conn.execute(
                    select(access_tokens.c.token_hash, access_tokens.c.issued_at).where(
                        access_tokens.c.user_id == user_id, access_tokens.c.revoked_at.is_(None)
                    )
                )
            ]
            # Every known token goes, including one whose iat is ahead of our clock (another host's).
            newly = [digest for digest, issued in rows if not _revoked_by_cutoff(issued, already)]
            through = max(
                [cutoff, already or cutoff, *(int(i.timestamp()) for _, i in rows if i is not None)]
            )
            if newly:
                conn.execute(
                    update(access_tokens)
                    .where(access_tokens.c.token_hash.in_(newly))
                    .values(revoked_at=moment)
                )
            conn.execute(
                update(users).where(users.c.user_id == user_id).values(tokens_revoked_through=through)
            )
            return len(newly)

        return await self.db.write(run)


def _get(conn: Connection, user_id: str) -> UserRecord | None:
    row = conn.execute(select(users).where(users.c.user_id == user_id)).mappings().one_or_none()
    return _user(row) if row is not None else None
