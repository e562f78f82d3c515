"""How a variation is computed (spec/variations.md §3): a pure diff of two projects, split into phrases.

``compute_variation(base, proposed, …)`` compares every region of the two projects: notes matched one to
one (same pitch, starts within 0.05 beat), controller events matched exactly; the changes are grouped by
(region, bucket of ``bucket_bars`` bars from the region start) into phrases with a label, tags and an
explanation. Nothing here reads a clock or a random source of its own: ids and the time come in.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from maestro_mcp.daw.model import Note, Project, Region, Track

from .variation_model import (
    ControllerChange,
    CreatedRegion,
    NoteChange,
    NoteCounts,
    Phrase,
    ToolCallRecord,
    Variation,
    iso,
    new_uuid,
    utc_now,
)

START_TOLERANCE = 0.05  # beats: same note when the pitch is equal and the starts this close (§3.1)
DURATION_TOLERANCE = 0.05
CONTROLLER_BEAT_TOLERANCE = 0.001
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Scope:
    """``scope`` of a proposal (§6.1): changes outside it are dropped. Empty lists mean "everything"."""

    track_ids: tuple[str, ...] = ()
    region_ids: tuple[str, ...] = ()
    beat_range: tuple[float, float] | None = None  # project-absolute [start, end)


# -- notes ------------------------------------------------------------------------------------------------


def match_notes(base: Sequence[Note], proposed: Sequence[Note]) -> list[NoteChangeDraft]:
    """§3.1: one-to-one matches by pitch, earliest starts first, within START_TOLERANCE."""
    by_pitch: dict[int, list[Note]] = defaultdict(list)
    for n in proposed:
        by_pitch[n.pitch].append(n)
    for notes in by_pitch.values():
        notes.sort(key=lambda n: n.start_beat)
    taken: set[int] = set()  # ids of matched proposal notes (object identity: notes carry no id)
    drafts: list[NoteChangeDraft] = []
    for b in sorted(base, key=lambda n: (n.start_beat, n.pitch)):
        match = next(
            (
                p
                for p in by_pitch.get(b.pitch, ())
                if id(p) not in taken and abs(p.start_beat - b.start_beat) <= START_TOLERANCE + _EPS
            ),
            None,
        )
        if match is None:
            drafts.append(NoteChangeDraft("removed", b, None))
            continue
        taken.add(id(match))
        if abs(match.duration_beats - b.duration_beats) > DURATION_TOLERANCE + _EPS or match.velocity != b.velocity:
            drafts.append(NoteChangeDraft("modified", b, match))
    drafts.extend(
        NoteChangeDraft("added", None, p)
        for p in sorted(proposed, key=lambda n: (n.start_beat, n.pitch))
        if id(p) not in taken
    )
    return drafts


@dataclass(frozen=True, slots=True)
class NoteChangeDraft:
    change_type: str
    before: Note | None
    after: Note | None

    @property
    def beat(self) -> float:
        note = self.before if self.change_type == "removed" else self.after
        assert note is not None
        return note.start_beat


# -- controllers ------------------------------------------------------------------------------------------


def _controller_events(region: Region | None) -> list[ControllerChange]:
    """Every CC, pitch-bend and aftertouch event of ``region`` as an ``added`` change (compared below)."""
    if region is None:
        return []
    events = [ControllerChange(kind="cc", change_type="added", beat=e.beat, value=e.value, cc=e.cc) for e in region.cc_events]
    events += [ControllerChange(kind="pitchBend", change_type="added", beat=e.beat, value=e.value) for e in region.pitch_bends]
    events += [
        ControllerChange(kind="aftertouch", change_type="added", beat=e.beat, value=e.value, pitch=e.pitch)
        for e in region.aftertouch
    ]
    return events


def same_controller(a: ControllerChange, b: ControllerChange) -> bool:
    return (
        a.kind == b.kind
        and a.cc == b.cc
        and a.pitch == b.pitch
        and a.value == b.value
        and abs(a.beat - b.beat) <= CONTROLLER_BEAT_TOLERANCE + _EPS
    )


def match_controllers(base: Region | None, proposed: Region | None) -> list[ControllerChange]:
    before, after = _controller_events(base), _controller_events(proposed)
    unmatched_after = list(after)
    removed: list[ControllerChange] = []
    for b in before:
        hit = next((a for a in unmatched_after if same_controller(a, b)), None)
        if hit is None:
            removed.append(b.model_copy(update={"change_type": "removed"}))
        else:
            unmatched_after.remove(hit)
    return removed + unmatched_after


# -- phrases ----------------------------------------------------------------------------------------------


def bar_label(start_beat: float, end_beat: float, beats_per_bar: float) -> str:
    first = math.floor(start_beat / beats_per_bar + _EPS) + 1
    last = max(first, math.ceil(end_beat / beats_per_bar - _EPS))
    return f"Bar {first}" if first == last else f"Bars {first}-{last}"


def phrase_tags(changes: Sequence[NoteChange]) -> list[str]:
    """§3.3, sorted."""
    added = [c.after for c in changes if c.change_type == "added" and c.after is not None]
    removed = [c.before for c in changes if c.change_type == "removed" and c.before is not None]
    modified = [c for c in changes if c.change_type == "modified" and c.before and c.after]
    tags: set[str] = set()
    free = list(added)
    unpaired = False
    for r in sorted(removed, key=lambda n: (n.start_beat, n.pitch)):
        near = [a for a in free if abs(a.start_beat - r.start_beat) <= START_TOLERANCE + _EPS]
        if not near:
            unpaired = True
            continue
        partner = min(near, key=lambda a: (abs(a.pitch - r.pitch), a.start_beat, a.pitch))
        free.remove(partner)
        interval = abs(partner.pitch - r.pitch)
        if interval:
            tags.add("pitchChange")
        if interval in (1, 2):
            tags.add("scaleChange")
        if interval in (3, 4):
            tags.add("harmonyChange")
        if interval >= 12:
            tags.add("registerChange")
    if unpaired or free:
        tags.add("rhythmChange")
    if len(added) != len(removed):
        tags.add("densityChange")
    for c in modified:
        assert c.before is not None and c.after is not None
        if abs(c.before.duration_beats - c.after.duration_beats) > DURATION_TOLERANCE + _EPS:
            tags.add("articulationChange")
        if c.before.velocity != c.after.velocity:
            tags.add("velocityChange")
    return sorted(tags)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def phrase_explanation(counts: NoteCounts, controller_changes: int) -> str:
    """§2.2: ``Adds 3 notes, removes 1, changes 2; 4 controller changes``."""
    parts = [(verb, n) for verb, n in (("adds", counts.added), ("removes", counts.removed), ("changes", counts.modified)) if n]
    sections: list[str] = []
    if parts:
        (verb, n), rest = parts[0], parts[1:]
        sections.append(", ".join([f"{verb} {_plural(n, 'note')}", *(f"{v} {m}" for v, m in rest)]))
    if controller_changes:
        sections.append(_plural(controller_changes, "controller change"))
    text = "; ".join(sections) or "No changes"
    return text[0].upper() + text[1:]


def _counts(changes: Sequence[NoteChange]) -> NoteCounts:
    return NoteCounts(
        added=sum(c.change_type == "added" for c in changes),
        removed=sum(c.change_type == "removed" for c in changes),
        modified=sum(c.change_type == "modified" for c in changes),
    )


def _regions_in_order(base: Track | None, proposed: Track | None) -> list[tuple[Region | None, Region | None]]:
    """Pairs (base, proposed) of one track's regions by id, ordered by region start."""
    base_regions = {r.id: r for r in base.regions} if base else {}
    pairs: list[tuple[Region | None, Region | None]] = []
    for r in proposed.regions if proposed else []:
        pairs.append((base_regions.pop(r.id, None), r))
    pairs += [(r, None) for r in base_regions.values()]

    def start(pair: tuple[Region | None, Region | None]) -> float:
        region = pair[1] or pair[0]
        assert region is not None
        return region.start_beat

    return sorted(pairs, key=start)


def _in_scope(scope: Scope | None, track_id: str, region: Region, beat: float) -> bool:
    if scope is None:
        return True
    if scope.track_ids and track_id not in scope.track_ids:
        return False
    if scope.region_ids and region.id not in scope.region_ids:
        return False
    if scope.beat_range is not None:
        absolute = region.start_beat + beat
        return scope.beat_range[0] - _EPS <= absolute < scope.beat_range[1] - _EPS
    return True


def compute_variation(
    base: Project,
    proposed: Project,
    *,
    variation_id: str,
    intent: str,
    base_state_id: int | str = 0,
    project_id: str | None = None,
    ai_explanation: str | None = None,
    tool_calls: Sequence[ToolCallRecord] = (),
    track_order: Sequence[str] | None = None,
    bucket_bars: int = 4,
    scope: Scope | None = None,
    ids: Callable[[], str] = new_uuid,
    now: str | None = None,
) -> Variation:
    """The variation turning ``base`` into ``proposed`` (§3), status ``ready``, sequences assigned
    (meta 1, phrases 2…N+1, done N+2 = ``lastSequence``).

    ``ids`` mints the phrase ids and the note-change ids, in phrase order (pass a seeded source for a
    reproducible variation). ``track_order`` is the plan's track order; tracks it does not name follow in
    the proposed project's order, then tracks only the base has. ``tool_calls`` are the proposal's
    structural calls, kept for the commit. ``project_id`` defaults to ``base.id``.
    """
    bucket = bucket_bars * proposed.beats_per_bar
    bpb = proposed.beats_per_bar
    base_tracks = {t.id: t for t in base.tracks}
    order = list(dict.fromkeys([*(track_order or ()), *(t.id for t in proposed.tracks), *base_tracks]))
    proposed_tracks = {t.id: t for t in proposed.tracks}

    phrases: list[Phrase] = []
    created_regions: list[CreatedRegion] = []
    for track_id in order:
        old_track, new_track = base_tracks.get(track_id), proposed_tracks.get(track_id)
        if old_track is None and new_track is None:
            continue
        for old, new in _regions_in_order(old_track, new_track):
            region = new or old
            assert region is not None
            drafts = match_notes(old.notes if old else [], new.notes if new else [])
            controllers = match_controllers(old, new)
            buckets: dict[int, tuple[list[NoteChangeDraft], list[ControllerChange]]] = defaultdict(lambda: ([], []))
            for d in drafts:
                if _in_scope(scope, track_id, region, d.beat):
                    buckets[math.floor(d.beat / bucket + _EPS)][0].append(d)
            for c in controllers:
                if _in_scope(scope, track_id, region, c.beat):
                    buckets[math.floor(c.beat / bucket + _EPS)][1].append(c)
            if buckets and old is None:
                created_regions.append(
                    CreatedRegion(
                        region_id=region.id, track_id=track_id, name=region.name, start_beat=region.start_beat,
                        duration_beats=region.duration_beats, color=region.color,
                    )
                )
            for k in sorted(buckets):
                note_drafts, ctrl = buckets[k]
                phrase_id = ids()
                changes = [
                    NoteChange(note_id=ids(), change_type=d.change_type, before=d.before, after=d.after)  # type: ignore[arg-type]
                    for d in note_drafts
                ]
                start = region.start_beat + k * bucket
                end = region.start_beat + max(min((k + 1) * bucket, region.duration_beats), k * bucket)
                counts = _counts(changes)
                phrases.append(
                    Phrase(
                        phrase_id=phrase_id, sequence=len(phrases) + 2, track_id=track_id, region_id=region.id,
                        start_beat=start, end_beat=end, label=bar_label(start, end, bpb), tags=phrase_tags(changes),
                        explanation=phrase_explanation(counts, len(ctrl)), note_changes=changes, controller_changes=ctrl,
                    )
                )

    totals = _counts([c for p in phrases for c in p.note_changes])
    affected_tracks = list(dict.fromkeys(p.track_id for p in phrases))
    created_tracks = [
        t.model_copy(update={"regions": []}, deep=True)
        for t in proposed.tracks
        if t.id not in base_tracks and t.id in affected_tracks
    ]
    stamp = now or iso(utc_now())
    return Variation(
        variation_id=variation_id,
        project_id=project_id or base.id,
        base_state_id=str(base_state_id),
        intent=intent,
        status="ready",
        ai_explanation=ai_explanation,
        affected_tracks=affected_tracks,
        affected_regions=list(dict.fromkeys(p.region_id for p in phrases)),
        note_counts=totals,
        phrases=phrases,
        phrase_count=len(phrases),
        last_sequence=len(phrases) + 2,
        created_at=stamp,
        updated_at=stamp,
        tool_calls=list(tool_calls),
        created_tracks=created_tracks,
        created_regions=created_regions,
    )
