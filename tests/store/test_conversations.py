"""Conversations and messages (http-api.md §6): scoping by principal, listing filters and order, search
scores, turns with retitling and storePrompt, the LLM history, persistence across a reopen (real SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from maestro_mcp.store.conversation_models import (
    PROMPT_NOT_STORED,
    AssistantTurn,
    HistoryMessage,
    MessageAction,
    ToolCallRecord,
    auto_title,
    summarise,
)
from maestro_mcp.store.conversations import ConversationStore
from maestro_mcp.store.db import Database

pytestmark = pytest.mark.anyio


def open_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'maestro.db'}")
    db.create_all()
    return db


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    db = open_db(tmp_path)
    yield ConversationStore(db)
    db.dispose()


def reply(text: str = "Done.", **extra: object) -> AssistantTurn:
    return AssistantTurn(content=text, **extra)  # type: ignore[arg-type]


async def test_create_get_and_principal_scoping(store: ConversationStore) -> None:
    made = await store.create("ann", project_id="p1", project_context={"tempo": 90})
    assert made.title == "New Conversation" and made.messages == [] and not made.is_archived
    got = await store.get("ann", made.id.upper())  # ids are case-insensitive UUIDs
    assert got is not None and got.project_context == {"tempo": 90} and got.project_id == "p1"
    wire = got.model_dump(by_alias=True, mode="json")
    assert set(wire) == {
        "id",
        "title",
        "projectId",
        "createdAt",
        "updatedAt",
        "isArchived",
        "projectContext",
        "messages",
    }
    # Another principal sees nothing of it.
    assert await store.get("bea", made.id) is None
    assert not await store.exists("bea", made.id) and await store.exists("ann", made.id)
    assert await store.update("bea", made.id, title="mine") is None
    assert not await store.delete("bea", made.id)
    assert await store.store_turn("bea", made.id, prompt="x", store_prompt=True, assistant=reply()) is None
    assert (await store.history("bea", made.id)).empty


async def test_turns_retitle_and_respect_store_prompt(store: ConversationStore) -> None:
    conv = await store.create("cal")
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    call = ToolCallRecord(id="t1", name="stori_set_tempo", arguments={"tempo": 96})
    action = MessageAction(id="a1", action_type="stori_set_tempo", description="Set tempo to 96", success=True,
                           timestamp=started)  # fmt: skip
    stored = await store.store_turn(
        "cal", conv.id,
        prompt="Set the tempo to 96 and make the whole thing feel a bit more relaxed overall please",
        store_prompt=True,
        assistant=reply("Tempo set.", model_used="m", prompt_tokens=120, completion_tokens=8, cost_cents=2,
                        tool_calls=[call], sse_events=[{"type": "state"}], actions=[action], offers_composition=True),
        started_at=started,
    )  # fmt: skip
    assert stored is not None
    full = await store.get("cal", conv.id)
    assert full is not None
    assert full.title == "Set the tempo to 96 and make the whole thing feel a bit more r"[:60]
    user, assistant = full.messages
    assert (user.role, user.timestamp, user.offers_composition, user.model_used) == (
        "user",
        started,
        None,
        None,
    )
    assert assistant.model_dump(by_alias=True, mode="json") | {"id": "", "timestamp": ""} == {
        "id": "", "timestamp": "", "role": "assistant", "content": "Tempo set.", "modelUsed": "m",
        "tokensUsed": {"prompt": 120, "completion": 8}, "cost": 0.02,
        "toolCalls": [{"id": "t1", "type": "function", "name": "stori_set_tempo", "arguments": {"tempo": 96}}],
        "sseEvents": [{"type": "state"}],
        "actions": [{"id": "a1", "actionType": "stori_set_tempo", "description": "Set tempo to 96", "success": True,
                     "errorMessage": None, "timestamp": "2026-01-02T03:04:05Z"}],
        "offersComposition": True,
    }  # fmt: skip
    assert full.updated_at > conv.updated_at

    private = await store.create("cal")
    await store.store_turn("cal", private.id, prompt="secret plan", store_prompt=False, assistant=reply())
    hidden = await store.get("cal", private.id)
    assert (
        hidden is not None and hidden.title == "New Conversation"
    )  # the prompt is not kept, not even as title
    assert hidden.messages[0].content == PROMPT_NOT_STORED

    named = await store.create("cal", title="Mine")
    await store.store_turn("cal", named.id, prompt="anything", store_prompt=True, assistant=reply())
    assert (await store.get("cal", named.id)).title == "Mine"  # type: ignore[union-attr]


async def test_listing_filters_order_and_pages(store: ConversationStore) -> None:
    a = await store.create("dee", title="A", project_id="p1")
    b = await store.create("dee", title="B")
    c = await store.create("dee", title="C", project_id="p2")
    d = await store.create("dee", title="D", project_id="p1")
    await store.create("eve", title="other principal")
    await store.store_turn("dee", a.id, prompt="hello", store_prompt=True, assistant=reply("x" * 150))
    await store.update("dee", d.id, is_archived=True)

    items, total = await store.page("dee")
    assert [i.title for i in items] == ["A", "C", "B"] and total == 3  # newest update first, archived hidden
    assert items[0].message_count == 2 and items[0].preview == "x" * 100 and items[1].preview is None
    assert [i.title for i in (await store.page("dee", include_archived=True))[0]] == ["D", "A", "C", "B"]
    assert [i.title for i in (await store.page("dee", project_id="p1"))[0]] == ["A"]
    assert [i.title for i in (await store.page("dee", project_id="p1", include_global=True))[0]] == ["A", "B"]
    assert [i.title for i in (await store.page("dee", project_id=None))[0]] == ["B"]
    page, total = await store.page("dee", limit=1, offset=1)
    assert [i.title for i in page] == ["C"] and total == 3
    assert [i.id for i in (await store.page("dee", limit=5, offset=9))[0]] == []
    assert {b.id, c.id} <= {i.id for i in (await store.page("dee"))[0]}


async def test_search_scores(store: ConversationStore) -> None:
    titled = await store.create("fay", title="Funky Bass ideas")
    body = await store.create("fay", title="Untitled jam")
    await store.store_turn("fay", body.id, prompt="make the BASS walk", store_prompt=True, assistant=reply())
    await store.create("gus", title="bass for gus")
    await store.create("fay", title="100%_literal")
    results = await store.search("fay", "bass")
    assert [(r.id, r.relevance_score) for r in results] == [(titled.id, 1.0), (body.id, 0.7)]
    assert results[1].preview == "Done."
    assert [r.title for r in await store.search("fay", "%_")] == ["100%_literal"]  # wildcards are literal
    assert len(await store.search("fay", "a", limit=1)) == 1


async def test_update_and_delete(store: ConversationStore) -> None:
    conv = await store.create("hal", title="T", project_id="p")
    changed = await store.update("hal", conv.id, project_id=None)
    assert changed is not None and changed.project_id is None and changed.title == "T"  # null unlinks
    renamed = await store.update("hal", conv.id, title="New", is_archived=True)
    assert renamed is not None and (renamed.title, renamed.is_archived) == ("New", True)
    await store.store_turn("hal", conv.id, prompt="p", store_prompt=True, assistant=reply())
    assert await store.delete("hal", conv.id)
    assert await store.get("hal", conv.id) is None and not await store.delete("hal", conv.id)
    rows = await store.db.read(
        lambda conn: conn.exec_driver_sql("SELECT count(*) FROM conversation_messages").scalar()
    )
    assert rows == 0


async def test_history_keeps_the_last_twenty_and_summarises_older(store: ConversationStore) -> None:
    conv = await store.create("ida")
    for turn in range(12):  # 24 messages
        await store.store_turn("ida", conv.id, prompt=f"Prompt {turn}. More words.", store_prompt=True,
                               assistant=reply(f"Answer {turn}! Details follow."))  # fmt: skip
    history = await store.history("ida", conv.id)
    assert len(history.messages) == 20
    assert history.messages[0] == HistoryMessage("user", "Prompt 2. More words.")
    assert history.messages[-1] == HistoryMessage("assistant", "Answer 11! Details follow.")
    assert history.summary is not None
    assert history.summary.splitlines()[1:] == [
        "user: Prompt 0.",
        "assistant: Answer 0!",
        "user: Prompt 1.",
        "assistant: Answer 1!",
    ]
    assert (await store.history("ida", None)).empty
    assert (await store.history("ida", "00000000-0000-0000-0000-000000000000")).empty


def test_titles_and_summaries() -> None:
    assert (
        auto_title("STORI PROMPT\nMode: compose\n  Style: jazz") == "STORI PROMPT Mode: compose Style: jazz"
    )
    assert len(auto_title("x" * 200)) == 60 and auto_title("   ") == "New Conversation"
    assert summarise([HistoryMessage("user", PROMPT_NOT_STORED)]) is None
    long = summarise([HistoryMessage("assistant", "y" * 500)])
    assert long is not None and long.endswith("…") and len(long.splitlines()[1]) == len("assistant: ") + 160


async def test_conversations_survive_a_reopen(tmp_path: Path) -> None:
    first = open_db(tmp_path)
    conv = await ConversationStore(first).create("jo", project_context={"k": [1, 2]})
    await ConversationStore(first).store_turn(
        "jo", conv.id, prompt="hi", store_prompt=True, assistant=reply()
    )
    first.dispose()
    second = open_db(tmp_path)
    try:
        again = await ConversationStore(second).get("jo", conv.id)
        assert again is not None and again.title == "hi" and len(again.messages) == 2
        assert again.project_context == {"k": [1, 2]}
    finally:
        second.dispose()
