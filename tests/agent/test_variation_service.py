"""VariationService over a real SQLite file and the real project store: record, get, commit, discard, expiry,
persistence (variations.md §4–§6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maestro_mcp.agent.variation import (
    ToolCallRecord,
    Variation,
    VariationError,
    VariationService,
    compute_variation,
)
from maestro_mcp.agent.variation_model import new_uuid
from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project
from maestro_mcp.store.db import Database
from maestro_mcp.store.projects import MemoryProjectStore

pytestmark = pytest.mark.anyio
ME = "alice"
Store = MemoryProjectStore[Project]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    return request.param


@pytest.fixture
def service(db: Database, projects: MemoryProjectStore[Project]) -> VariationService:
    return VariationService(db, projects)


def n(pitch: int, start: float, duration: float = 1.0, velocity: int = 100) -> dict[str, Any]:
    return {"pitch": pitch, "startBeat": start, "durationBeats": duration, "velocity": velocity}


async def song(projects: Store) -> tuple[str, str]:
    """Keys with one 32-beat region: notes in both 16-beat buckets, and one CC event."""

    def build(p: Project) -> tuple[str, str]:
        track = str(apply(p, "stori_add_midi_track", {"name": "Keys"})["trackId"])
        region = str(apply(p, "stori_add_midi_region", {"trackId": track, "startBeat": 0, "durationBeats": 32})["regionId"])
        apply(p, "stori_add_notes", {"regionId": region, "notes": [n(60, 0), n(62, 1), n(64, 2, 1, 80), n(67, 20)]})
        apply(p, "stori_add_midi_cc", {"regionId": region, "cc": 74, "events": [{"beat": 0, "value": 20}]})
        return track, region

    ids, _ = await projects.mutate(ME, build)
    return ids


def rewrite(region: str) -> Callable[[Project], list[ToolCallRecord]]:
    """A proposal touching the region in both buckets, plus a new Drums track with a region (whose creation
    calls are recorded) and a new Pad track (whose creation is not: the commit must still create it)."""

    def change(p: Project) -> list[ToolCallRecord]:
        found = p.region(region)
        assert found is not None
        r = found[1]
        r.notes = [x for x in r.notes if x.pitch != 62]  # removed
        next(x for x in r.notes if x.pitch == 64).velocity = 110  # modified
        apply(p, "stori_add_notes", {"regionId": region, "notes": [n(72, 3), n(69, 24)]})  # added, both buckets
        apply(p, "stori_add_midi_cc", {"regionId": region, "cc": 74, "events": [{"beat": 4, "value": 90}]})
        drums = str(apply(p, "stori_add_midi_track", {"name": "Drums", "drumKitId": "TR-808"})["trackId"])
        apply(p, "stori_set_tempo", {"tempo": 96})
        calls = [
            ToolCallRecord(name="stori_add_midi_track", params={"name": "Drums", "drumKitId": "TR-808", "trackId": drums}),
            ToolCallRecord(name="stori_set_tempo", params={"tempo": 96}),
        ]
        made = apply(p, "stori_add_midi_region", {"trackId": drums, "startBeat": 0, "durationBeats": 16})
        calls.append(ToolCallRecord(name="stori_add_midi_region", params={"trackId": drums, "regionId": made["regionId"], "startBeat": 0, "durationBeats": 16, "name": made["name"]}))
        apply(p, "stori_add_notes", {"regionId": made["regionId"], "notes": [n(36, 0), n(38, 1)]})
        pad = str(apply(p, "stori_add_midi_track", {"name": "Pad"})["trackId"])
        pad_region = apply(p, "stori_add_midi_region", {"trackId": pad, "startBeat": 16, "durationBeats": 16})["regionId"]
        apply(p, "stori_add_notes", {"regionId": pad_region, "notes": [n(57, 0, 8)]})
        return calls

    return change


async def propose(
    service: VariationService, projects: Store, change: Callable[[Project], list[ToolCallRecord]], intent: str = "make it busier"
) -> tuple[Variation, Project]:
    base, version = await projects.read(ME)
    scratch = base.model_copy(deep=True)
    calls = change(scratch)
    variation = compute_variation(base, scratch, variation_id=new_uuid(), intent=intent, base_state_id=version, tool_calls=calls)
    return await service.record(ME, variation), scratch


async def commit(service: VariationService, variation: Variation, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "project_id": variation.project_id, "variation_id": variation.variation_id,
        "base_state_id": int(variation.base_state_id), "accepted_phrase_ids": [p.phrase_id for p in variation.phrases],
    }  # fmt: skip
    return await service.commit(ME, **{**args, **overrides})


async def refused(call: Any) -> VariationError:
    with pytest.raises(VariationError) as info:
        await call
    return info.value


async def test_commit_all_yields_exactly_the_proposed_project(service: VariationService, projects: Store) -> None:
    _, region = await song(projects)
    variation, scratch = await propose(service, projects, rewrite(region))
    assert [p.label for p in variation.phrases] == ["Bars 1-4", "Bars 5-8", "Bars 1-4", "Bars 5-8"]
    assert variation.note_counts.model_dump() == {"added": 5, "removed": 1, "modified": 1}
    stored = await service.get(ME, variation.variation_id)
    assert stored.status == "ready" and stored.rest() == variation.rest()

    answer = await commit(service, variation)
    project, version = await projects.read(ME)
    assert project.canonical_form() == scratch.canonical_form()
    assert answer["newStateId"] == str(version) == "2"
    assert answer["appliedPhraseIds"] == [p.phrase_id for p in variation.phrases]
    assert answer["undoLabel"] == "Accept Variation: make it busier"
    assert [c["name"] for c in answer["toolCalls"]] == ["stori_add_midi_track", "stori_set_tempo", "stori_add_midi_region"]
    assert answer["warnings"] == []
    updated = {r["regionId"]: r for r in answer["updatedRegions"]}
    assert [x["pitch"] for x in updated[region]["notes"]] == [60, 64, 72, 67, 69]
    assert updated[region]["ccEvents"] == [{"cc": 74, "beat": 0.0, "value": 20}, {"cc": 74, "beat": 4.0, "value": 90}]
    assert "startBeat" not in updated[region]
    created = [r for r in answer["updatedRegions"] if r["regionId"] != region]
    assert all({"startBeat", "durationBeats", "name"} <= set(r) for r in created)
    assert (await service.get(ME, variation.variation_id)).status == "committed"


async def test_partial_accept_applies_only_the_accepted_phrases(service: VariationService, projects: Store) -> None:
    _, region = await song(projects)
    variation, _ = await propose(service, projects, rewrite(region))
    second = variation.phrases[1]  # Keys, bars 5-8: adds 69 at 24
    answer = await commit(service, variation, accepted_phrase_ids=[second.phrase_id])
    project, _ = await projects.read(ME)
    assert [t.name for t in project.tracks] == ["Keys"] and project.tempo == 96  # project-level calls always
    assert sorted(x.pitch for x in project.tracks[0].regions[0].notes) == [60, 62, 64, 67, 69]
    assert answer["toolCalls"] == [{"id": variation.tool_calls[1].id, "name": "stori_set_tempo", "params": {"tempo": 96}}]


async def test_commit_refusals_in_the_spec_order(service: VariationService, projects: Store) -> None:
    _, region = await song(projects)
    variation, _ = await propose(service, projects, rewrite(region))
    vid, base = variation.variation_id, int(variation.base_state_id)

    assert (await refused(service.commit("bob", project_id=variation.project_id, variation_id=vid,
                                         base_state_id=base, accepted_phrase_ids=[]))).status == 404  # fmt: skip
    assert (await refused(commit(service, variation, variation_id="nope"))).code == "VARIATION_NOT_FOUND"
    assert (await refused(commit(service, variation, project_id="other"))).code == "VARIATION_NOT_FOUND"
    empty = await refused(commit(service, variation, accepted_phrase_ids=[]))
    assert (empty.status, empty.extra["errors"][0]["field"]) == (422, "acceptedPhraseIds")
    mismatch = await refused(commit(service, variation, base_state_id=base + 5, force=True))
    assert (mismatch.status, mismatch.code, mismatch.extra) == (409, "BASELINE_MISMATCH", {"variationBaseStateId": "1"})
    bad = await refused(commit(service, variation, accepted_phrase_ids=[variation.phrases[0].phrase_id, "x"]))
    assert (bad.status, bad.code, bad.extra) == (400, "INVALID_PHRASE_IDS", {"invalidPhraseIds": ["x"]})

    await projects.mutate(ME, lambda p: apply(p, "stori_set_key", {"key": "Am"}))
    conflict = await refused(commit(service, variation))
    assert (conflict.status, conflict.code, conflict.extra) == (409, "STATE_CONFLICT", {"currentStateId": "2"})
    assert conflict.detail()["error"] == "State conflict"

    await commit(service, variation, force=True)
    again = await refused(commit(service, variation, force=True))
    assert (again.status, again.code) == (409, "ALREADY_COMMITTED")

    other, _ = await propose(service, projects, rewrite(region))
    await service.discard(ME, other.variation_id)
    wrong = await refused(commit(service, other))
    assert (wrong.status, wrong.code, wrong.extra) == (409, "INVALID_STATE", {"currentStatus": "discarded"})


async def test_force_skips_vanished_notes_and_a_failed_apply_changes_nothing(service: VariationService, projects: Store) -> None:
    _, region = await song(projects)
    variation, _ = await propose(service, projects, rewrite(region))

    def drop_62(p: Project) -> None:
        found = p.region(region)
        assert found is not None
        found[1].notes = [x for x in found[1].notes if x.pitch != 62]

    await projects.mutate(ME, drop_62)
    answer = await commit(service, variation, accepted_phrase_ids=[variation.phrases[0].phrase_id], force=True)
    assert len(answer["warnings"]) == 1 and "no longer exists; skipped" in answer["warnings"][0]

    other, _ = await propose(service, projects, rewrite(region))
    await projects.mutate(ME, lambda p: apply(p, "stori_delete_region", {"regionId": region}))
    before = await projects.read(ME)
    failed = await refused(commit(service, other, force=True))
    assert (failed.status, failed.code) == (500, "APPLICATION_FAILED")
    after = await projects.read(ME)
    assert after[1] == before[1] and after[0].canonical_form() == before[0].canonical_form()
    assert (await service.get(ME, other.variation_id)).status == "ready"


async def test_discard_cases(service: VariationService, projects: Store) -> None:
    _, region = await song(projects)
    variation, _ = await propose(service, projects, rewrite(region))
    await service.discard(ME, "unknown")  # idempotent: nothing happens
    await service.discard("bob", variation.variation_id)
    assert (await service.get(ME, variation.variation_id)).status == "ready"
    await service.discard(ME, variation.variation_id, variation.project_id)
    await service.discard(ME, variation.variation_id)
    assert (await service.get(ME, variation.variation_id)).status == "discarded"
    assert (await projects.read(ME))[1] == 1  # discarding never touches the project

    kept, _ = await propose(service, projects, rewrite(region))
    await commit(service, kept)
    refusal = await refused(service.discard(ME, kept.variation_id))
    assert (refusal.status, refusal.code, refusal.extra) == (409, "INVALID_STATE", {"currentStatus": "committed"})


async def test_other_principals_never_see_a_variation(service: VariationService, projects: Store) -> None:
    _, region = await song(projects)
    variation, _ = await propose(service, projects, rewrite(region))
    missing = await refused(service.get("bob", variation.variation_id))
    assert (missing.status, missing.code, missing.extra) == (404, "VARIATION_NOT_FOUND", {"variationId": variation.variation_id})


async def test_ready_variations_expire_after_24_hours(db: Database, projects: Store) -> None:
    now = [datetime(2030, 1, 1, tzinfo=UTC)]
    service = VariationService(db, projects, clock=lambda: now[0])
    _, region = await song(projects)
    variation, _ = await propose(service, projects, rewrite(region))
    now[0] += timedelta(hours=23, minutes=59)
    assert (await service.get(ME, variation.variation_id)).status == "ready"
    now[0] += timedelta(minutes=1)
    assert (await service.get(ME, variation.variation_id)).status == "expired"
    assert (await refused(commit(service, variation))).extra == {"currentStatus": "expired"}


async def test_variations_survive_a_database_reopen(db_url: str, projects: Store) -> None:
    first = Database(db_url)
    first.create_all()
    _, region = await song(projects)
    variation, scratch = await propose(VariationService(first, projects), projects, rewrite(region))
    first.dispose()

    second = Database(db_url)
    second.create_all()
    try:
        service = VariationService(second, projects)
        assert (await service.get(ME, variation.variation_id)).rest() == variation.rest()
        await commit(service, variation)
        assert (await projects.read(ME))[0].canonical_form() == scratch.canonical_form()
        events = [e async for e in await service.stream(ME, variation.variation_id) if e is not None]
        assert [(e["type"], e["seq"]) for e in events] == [("meta", 1), *(("phrase", i) for i in range(2, 6)), ("done", 6)]
    finally:
        second.dispose()


async def test_commit_request_id_returns_the_first_response(service: VariationService, projects: Store) -> None:
    _, region = await song(projects)
    variation, _ = await propose(service, projects, rewrite(region))
    first = await commit(service, variation, request_id="r-1")
    assert await commit(service, variation, request_id="r-1") == first
    assert (await refused(commit(service, variation, request_id="r-2"))).code == "ALREADY_COMMITTED"


async def test_a_structure_only_variation_commits_with_no_phrases(service: VariationService, projects: Store) -> None:
    track, _ = await song(projects)

    def add_reverb(p: Project) -> list[ToolCallRecord]:
        effect = apply(p, "stori_add_insert_effect", {"trackId": track, "type": "reverb"})["effectId"]
        return [ToolCallRecord(name="stori_add_insert_effect", params={"trackId": track, "type": "reverb", "effectId": effect})]

    variation, scratch = await propose(service, projects, add_reverb, intent="add reverb to the keys")
    assert variation.phrases == [] and variation.last_sequence == 2
    events = [e async for e in await service.stream(ME, variation.variation_id) if e is not None]
    assert [(e["type"], e["seq"]) for e in events] == [("meta", 1), ("done", 2)]
    answer = await commit(service, variation, accepted_phrase_ids=[])
    assert answer["appliedPhraseIds"] == [] and answer["updatedRegions"] == [] and answer["newStateId"] == "2"
    assert (await projects.read(ME))[0].canonical_form() == scratch.canonical_form()
