"""Background proposals and the variation stream (variations.md §6.1–6.2, §6.5, sse.md §5.5), and the
restart rule of §4."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from maestro_mcp.agent.variation import (
    Proposal,
    ProposalFailed,
    ProposalRequest,
    VariationError,
    VariationService,
)
from maestro_mcp.agent.variation_model import INTERRUPTED_MESSAGE
from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project
from maestro_mcp.store import variations as store
from maestro_mcp.store.db import Database
from maestro_mcp.store.projects import MemoryProjectStore

pytestmark = pytest.mark.anyio
ME = "alice"
Store = MemoryProjectStore[Project]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    return request.param


async def add_bass(request: ProposalRequest) -> Proposal:
    p = request.project
    track = apply(p, "stori_add_midi_track", {"name": "Bass"})["trackId"]
    region = apply(p, "stori_add_midi_region", {"trackId": track, "startBeat": 0, "durationBeats": 32})["regionId"]
    notes = [{"pitch": 40, "startBeat": float(b), "durationBeats": 1.0} for b in range(0, 32, 4)]
    apply(p, "stori_add_notes", {"regionId": region, "notes": notes})
    return Proposal(project=p, ai_explanation="Composed 1 instrument over 8 bars")


async def collect(service: VariationService, variation_id: str, from_sequence: int = 0) -> list[dict[str, Any]]:
    with anyio.fail_after(10):
        return [e async for e in await service.stream(ME, variation_id, from_sequence, poll_seconds=0.05) if e is not None]


async def test_propose_streams_meta_phrases_done_and_commits(db: Database, projects: Store) -> None:
    service = VariationService(db, projects, proposer=add_bass)
    project, version = await projects.read(ME)
    async with service.running():
        answer = await service.propose(ME, project_id=project.id, base_state_id=version, intent="add a bass line")
        vid = answer["variationId"]
        assert answer == {
            "variationId": vid, "projectId": project.id, "baseStateId": "0", "intent": "add a bass line",
            "aiExplanation": None, "streamUrl": f"/api/v1/variation/stream?variation_id={vid}",
        }  # fmt: skip
        events = await collect(service, vid)
    assert [(e["type"], e["seq"]) for e in events] == [("meta", 1), ("phrase", 2), ("phrase", 3), ("done", 4)]
    assert all(e["protocolVersion"] == "1.0.0" for e in events)
    assert events[0]["aiExplanation"] == "Composed 1 instrument over 8 bars"
    assert events[-1] == {"type": "done", "seq": 4, "protocolVersion": "1.0.0", "variationId": vid,
                          "phraseCount": 2, "status": "ready"}  # fmt: skip
    assert [e["seq"] for e in await collect(service, vid, from_sequence=2)] == [3, 4]
    assert (await projects.read(ME))[1] == 0  # proposing never changes the project

    variation = await service.get(ME, vid)
    assert (variation.status, variation.last_sequence, variation.phrase_count) == ("ready", 4, 2)
    await service.commit(ME, project_id=project.id, variation_id=vid, base_state_id=0,
                         accepted_phrase_ids=[p.phrase_id for p in variation.phrases])  # fmt: skip
    after, new_version = await projects.read(ME)
    assert new_version == 1 and [len(r.notes) for t in after.tracks for r in t.regions] == [8]


async def test_propose_checks_the_project_and_the_state(db: Database, projects: Store) -> None:
    service = VariationService(db, projects, proposer=add_bass)
    project, _ = await projects.read(ME)
    async with service.running():
        with pytest.raises(VariationError) as unknown:
            await service.propose(ME, project_id="nope", base_state_id=0, intent="x")
        assert (unknown.value.status, unknown.value.code, unknown.value.extra) == (404, "PROJECT_NOT_FOUND", {"projectId": "nope"})
        with pytest.raises(VariationError) as stale:
            await service.propose(ME, project_id=project.id, base_state_id=3, intent="x")
        assert (stale.value.status, stale.value.code, stale.value.extra) == (409, "STATE_CONFLICT", {"currentStateId": "0"})
        with pytest.raises(VariationError) as bad:
            await service.propose(ME, project_id=project.id, base_state_id=0, intent="STORI PROMPT\nMode: [unclosed")
        assert (bad.value.status, bad.value.code) == (400, "PROMPT_PARSE_ERROR") and bad.value.extra["line"] >= 1
        first = await service.propose(ME, project_id=project.id, base_state_id=0, intent="x", request_id="k")
        assert await service.propose(ME, project_id=project.id, base_state_id=0, intent="x", request_id="k") == first
        await collect(service, first["variationId"])


async def test_a_failed_proposal_publishes_error_then_done(db: Database, projects: Store) -> None:
    async def refuse(_request: ProposalRequest) -> Proposal:
        raise ProposalFailed("INTENT_NOT_SUPPORTED", "Questions cannot be proposed as a variation.")

    service = VariationService(db, projects, proposer=refuse)
    project, _ = await projects.read(ME)
    async with service.running():
        vid = (await service.propose(ME, project_id=project.id, base_state_id=0, intent="what is a chord?"))["variationId"]
        events = await collect(service, vid)
    assert [(e["type"], e["seq"]) for e in events] == [("error", 1), ("done", 2)]
    assert (events[0]["error"], events[0]["fatal"]) == ("INTENT_NOT_SUPPORTED", True)
    assert events[1]["status"] == "failed" and events[1]["phraseCount"] == 0
    variation = await service.get(ME, vid)
    assert (variation.status, variation.error_message) == ("failed", "Questions cannot be proposed as a variation.")


async def test_discard_while_streaming_cancels_the_proposal(db: Database, projects: Store) -> None:
    started, cancelled = anyio.Event(), anyio.Event()

    async def slow(_request: ProposalRequest) -> Proposal:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        raise AssertionError("unreachable")

    service = VariationService(db, projects, proposer=slow)
    project, _ = await projects.read(ME)
    async with service.running():
        vid = (await service.propose(ME, project_id=project.id, base_state_id=0, intent="x"))["variationId"]
        with anyio.fail_after(10):
            await started.wait()
        assert (await service.get(ME, vid)).status == "streaming"
        async with anyio.create_task_group() as tg:
            seen: list[dict[str, Any]] = []

            async def listen() -> None:
                seen.extend(await collect(service, vid))

            tg.start_soon(listen)
            await anyio.sleep(0.05)
            await service.discard(ME, vid)
        with anyio.fail_after(10):
            await cancelled.wait()
    assert seen == [{"type": "done", "seq": 1, "protocolVersion": "1.0.0", "variationId": vid,
                     "phraseCount": 0, "status": "discarded"}]  # fmt: skip
    assert (await service.get(ME, vid)).status == "discarded"


async def test_restart_fails_unfinished_variations(db: Database, projects: Store) -> None:
    project, _ = await projects.read(ME)
    row = store.VariationRow(
        variation_id="v-live", principal=ME, project_id=project.id, status="streaming", last_sequence=0,
        error_message=None, created_at="2030-01-01T00:00:00.000Z", updated_at="2030-01-01T00:00:00.000Z",
        ready_at=None, doc=f'{{"variationId":"v-live","projectId":"{project.id}","baseStateId":"0","intent":"x"}}',
    )
    await db.write(lambda conn: store.insert_variation(conn, row))
    service = VariationService(db, projects)
    assert await service.recover_interrupted() == ["v-live"]
    variation = await service.get(ME, "v-live")
    assert (variation.status, variation.error_message) == ("failed", INTERRUPTED_MESSAGE)
    assert [e["type"] for e in await collect(service, "v-live")] == ["error", "done"]
    assert await service.recover_interrupted() == []


async def test_propose_without_a_proposer_is_unavailable(db: Database, projects: Store) -> None:
    service = VariationService(db, projects)
    project, _ = await projects.read(ME)
    with pytest.raises(VariationError) as info:
        await service.propose(ME, project_id=project.id, base_state_id=0, intent="x")
    assert info.value.status == 503
