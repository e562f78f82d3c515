"""Users, tokens with revocation, budgets, the usage log and the per-principal limits (http-api.md §1, §4.4,
§5), over a real SQLite file; persistence across a reopen of the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from maestro_mcp.accounts import (
    Accounts,
    AccountsUnavailableError,
    BudgetExhaustedError,
    CompositionLimiter,
    LedgerBudget,
    RateLimitedError,
    RateLimiter,
    TokenRevokedError,
    TooManyConcurrentError,
    budget_state,
)
from maestro_mcp.auth import InvalidTokenError, create_token
from maestro_mcp.config import Settings
from maestro_mcp.store.db import Database
from maestro_mcp.store.usage import UsageEntry
from maestro_mcp.store.users import UserStore, token_hash, token_public_id

pytestmark = pytest.mark.anyio

SECRET = "5" * 64


class Clock:
    """A hand-driven monotonic clock, so window and cache expiry are tested without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def open_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'maestro.db'}")
    db.create_all()
    return db


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path)
    yield database
    database.dispose()


def settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path, access_token_secret=SECRET, **extra)  # type: ignore[arg-type]


def accounts_over(db: Database, tmp_path: Path, **kwargs: object) -> Accounts:
    s = settings(tmp_path)
    return Accounts(s, UserStore(db, s.default_budget_cents), **kwargs)  # type: ignore[arg-type]


async def test_provisioning_and_budget_setting(db: Database) -> None:
    users = UserStore(db, default_budget_cents=500)
    assert await users.get("alice") is None
    alice = await users.ensure("alice")
    assert (alice.budget_cents, alice.budget_limit_cents, alice.usage_count, alice.sessions_used) == (
        500,
        500,
        0,
        0,
    )
    assert (await users.ensure("alice")).created_at == alice.created_at  # idempotent
    assert alice.created_at.tzinfo is not None

    raised = await users.set_budget("alice", 800)
    assert raised is not None and (raised.budget_cents, raised.budget_limit_cents) == (800, 800)
    lowered = await users.set_budget("alice", 100)
    assert lowered is not None and (lowered.budget_cents, lowered.budget_limit_cents) == (100, 800)
    assert await users.set_budget("nobody", 100) is None
    with pytest.raises(ValueError):
        await users.set_budget("alice", -1)


async def test_charging_records_usage_and_never_goes_below_zero(db: Database) -> None:
    users = UserStore(db, default_budget_cents=10)
    after = await users.charge(
        "bob", UsageEntry(model="m", input_tokens=1000, output_tokens=50, cost_cents=3, prompt="hi")
    )
    assert (after.budget_cents, after.usage_count, after.sessions_used) == (7, 1, 1)
    preview = await users.charge("bob", UsageEntry(kind="preview", cost_cents=1))
    assert (preview.budget_cents, preview.usage_count, preview.sessions_used) == (6, 2, 1)  # not a session
    drained = await users.charge("bob", UsageEntry(cost_cents=50, prompt=None))
    assert drained.budget_cents == 0
    log = await users.usage("bob")
    assert [row["cost_cents"] for row in log] == [50, 1, 3]
    assert log[2]["prompt"] == "hi" and log[0]["prompt"] is None and log[2]["input_tokens"] == 1000
    reset = await users.set_budget("bob", 200)
    assert reset is not None and reset.sessions_used == 0 and reset.usage_count == 3


def test_budget_states() -> None:
    assert [budget_state(c) for c in (-5, 0, 1, 24, 25, 99, 100, 500)] == [
        "exhausted", "exhausted", "critical", "critical", "low", "low", "normal", "normal",
    ]  # fmt: skip


async def test_budget_check_and_ledger(db: Database, tmp_path: Path) -> None:
    accounts = accounts_over(db, tmp_path)
    assert (await accounts.check_budget("carol")).remaining_cents == 500
    budget = LedgerBudget(accounts)
    assert await budget.charge("carol", 0.0) == 5.0  # a deterministic stream: no cost, one session
    assert await budget.charge("carol", 0.031) == 4.96  # rounded up to whole cents
    status = await accounts.budget("carol")
    assert (status.remaining_cents, status.sessions_used, status.state) == (496, 2, "normal")
    await accounts.users.set_budget("carol", 0)
    with pytest.raises(BudgetExhaustedError) as exhausted:
        await accounts.check_budget("carol")
    assert exhausted.value.remaining_cents == 0


async def test_tokens_are_recorded_on_use_and_listed(db: Database) -> None:
    users = UserStore(db, default_budget_cents=500)
    token = create_token(SECRET, "dave")
    from maestro_mcp.auth import decode_token
    from maestro_mcp.store.users import TokenUse

    claims = decode_token(SECRET, token)
    use = TokenUse(token_hash(token), "dave", claims.issued_at, claims.expires_at)
    assert await users.admit_token(use) is False
    assert (await users.get("dave")) is not None  # provisioned by the first authenticated request
    listed = await users.list_tokens("dave")
    assert len(listed) == 1
    assert listed[0].id == token_public_id(token_hash(token)) and len(listed[0].id) == 16
    assert listed[0].last_used_at is not None and not listed[0].revoked
    assert listed[0].expires_at == claims.expires_at

    assert await users.revoke_token(token_hash(token)) is True
    assert await users.revoke_token(token_hash(token)) is False  # already revoked
    assert await users.admit_token(use) is True
    assert (await users.list_tokens("dave"))[0].revoked


async def test_revoke_all_cuts_off_unseen_tokens_but_not_later_ones(db: Database, tmp_path: Path) -> None:
    accounts = accounts_over(db, tmp_path, revocation_cache_seconds=0)
    past = datetime.now(UTC) - timedelta(minutes=5)
    seen = create_token(SECRET, "erin", now=past)
    unseen = create_token(SECRET, "erin", now=past - timedelta(seconds=1))
    other = create_token(SECRET, "frank", now=past)
    await accounts.authenticate(seen)
    await accounts.authenticate(other)

    assert await accounts.revoke_all("nobody") is None
    assert await accounts.revoke_all("erin") == 1  # the one known token
    for token in (seen, unseen):
        with pytest.raises(TokenRevokedError):
            await accounts.authenticate(token)
    assert (await accounts.authenticate(other)).sub == "frank"  # principals are independent
    # A token issued after the revocation (iat has second resolution: the next second) is valid.
    later = create_token(SECRET, "erin", now=datetime.now(UTC) + timedelta(seconds=2))
    assert (await accounts.authenticate(later)).sub == "erin"
    assert await accounts.revoke_all("erin") == 1  # only `later` was still valid
    assert [t.revoked for t in await accounts.users.list_tokens("erin")] == [True, True, True]


async def test_revocation_cache_and_another_process_revoking(db: Database, tmp_path: Path) -> None:
    clock = Clock()
    server = accounts_over(db, tmp_path, clock=clock, revocation_cache_seconds=5.0)
    cli = accounts_over(db, tmp_path)  # stands for `maestro-mcp token revoke` in another process
    token = create_token(SECRET, "gina")
    await server.authenticate(token)
    assert await cli.revoke_token(token) is True
    await server.authenticate(token)  # still cached as admitted
    clock.now += 5.0
    with pytest.raises(TokenRevokedError):
        await server.authenticate(token)
    # A revocation through this process's own API takes effect at once.
    fresh = create_token(SECRET, "gina", now=datetime.now(UTC) + timedelta(seconds=2))
    await server.authenticate(fresh)
    assert await server.revoke_token(fresh) is True
    with pytest.raises(TokenRevokedError):
        await server.authenticate(fresh)
    with pytest.raises(InvalidTokenError):
        await server.authenticate("not-a-token")


async def test_revoking_a_token_of_another_secret_keeps_its_claims(db: Database, tmp_path: Path) -> None:
    accounts = accounts_over(db, tmp_path)
    foreign = create_token("9" * 64, "hank")
    assert await accounts.revoke_token(foreign) is True
    listed = await accounts.users.list_tokens("hank")
    assert len(listed) == 1 and listed[0].revoked and listed[0].expires_at is not None
    assert await accounts.revoke_token("garbage") is True  # not a JWT: revoked by digest all the same


async def test_fail_closed_when_the_store_breaks(db: Database, tmp_path: Path) -> None:
    accounts = accounts_over(db, tmp_path, revocation_cache_seconds=0)
    await db.write(lambda conn: conn.execute(text("DROP TABLE access_tokens")))
    with pytest.raises(AccountsUnavailableError):
        await accounts.authenticate(create_token(SECRET, "ivy"))


async def test_everything_survives_a_reopen(tmp_path: Path) -> None:
    first = open_db(tmp_path)
    accounts = accounts_over(first, tmp_path)
    token = create_token(SECRET, "judy")
    await accounts.authenticate(token)
    await accounts.users.set_budget("judy", 42)
    await accounts.charge("judy", UsageEntry(cost_cents=2))
    await accounts.revoke_token(token)
    first.dispose()

    second = open_db(tmp_path)
    try:
        reopened = accounts_over(second, tmp_path)
        status = await reopened.budget("judy")
        assert (status.remaining_cents, status.limit_cents, status.sessions_used) == (40, 500, 1)
        with pytest.raises(TokenRevokedError):
            await reopened.authenticate(token)
        assert len(await reopened.users.usage("judy")) == 1
    finally:
        second.dispose()


def test_rate_limiter_sliding_window() -> None:
    clock = Clock()
    limiter = RateLimiter({"stream": 3, "default": 0}, clock=clock)
    for _ in range(3):
        limiter.hit("stream", "kim")
        clock.now += 10
    with pytest.raises(RateLimitedError) as limited:
        limiter.hit("stream", "kim")
    # The oldest hit was at 1000, now is 1030: it leaves the window in 30 s.
    assert (limited.value.limit, limited.value.retry_after_seconds) == (3, 30)
    limiter.hit("stream", "lee")  # per key
    for _ in range(50):
        limiter.hit("default", "kim")  # 0: unlimited
    clock.now = 1060.0  # the first hit (t=1000) has slid out
    limiter.hit("stream", "kim")
    with pytest.raises(RateLimitedError):
        limiter.hit("stream", "kim")


def test_composition_limit() -> None:
    limiter = CompositionLimiter(2)
    first, second = limiter.acquire("mo"), limiter.acquire("mo")
    with pytest.raises(TooManyConcurrentError) as too_many:
        limiter.acquire("mo")
    assert too_many.value.limit == 2
    limiter.acquire("ned").release()  # per principal
    first.release()
    first.release()  # idempotent: frees one slot once
    assert limiter.running("mo") == 1
    with pytest.raises(RuntimeError), limiter.acquire("mo"):
        raise RuntimeError("stream failed")
    assert limiter.running("mo") == 1  # released on the way out
    second.release()
    assert limiter.running("mo") == 0
    unlimited = CompositionLimiter(0)
    slots = [unlimited.acquire("mo") for _ in range(10)]
    assert unlimited.running("mo") == 10 and len(slots) == 10


async def test_accounts_limits_follow_settings(db: Database, tmp_path: Path) -> None:
    s = settings(tmp_path, max_concurrent_compositions=1)
    accounts = Accounts(s, UserStore(db, 500), rate_limits={"stream": 1})
    async with accounts.composition_slot("olga"):
        with pytest.raises(TooManyConcurrentError):
            accounts.composition_slot("olga")
    accounts.composition_slot("olga").release()
    accounts.check_rate("olga", "stream")
    with pytest.raises(RateLimitedError):
        accounts.check_rate("olga", "stream")
