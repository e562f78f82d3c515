"""The five generation tools (tools.md §10): validated parameters -> ``PartRequest`` -> the embedded
generator -> the §10.1 result, optionally written into a region through the DAW route.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from maestro_mcp.config import Settings
from maestro_mcp.errors import ErrorCode, ErrorItem, ToolError
from maestro_mcp.music import theory
from maestro_mcp.music.compose import GeneratedPart, generate_part
from maestro_mcp.music.parts import Constraints, Note, PartRequest

# A nested call through dispatch (same principal and project context): name, arguments -> payload.
WriteCall = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]

NOTES_PER_CALL = 128  # tools.md §7.1
EVENTS_PER_CALL = 1024  # tools.md §3
MAX_SEED = 2147483647
SERVER = "server"

_ROLE_OF_TOOL = {
    "stori_generate_drums": "drums",
    "stori_generate_bass": "bass",
    "stori_generate_melody": "melody",
    "stori_generate_chords": "chords",
}


def build_request(tool: str, params: dict[str, Any], project_key: str, time_signature: tuple[int, int]) -> PartRequest:
    """The generator request for validated ``params``; the project supplies the default key and the
    time signature (tools.md §10.1)."""
    c: dict[str, Any] = params.get("constraints") or {}
    progression = c.get("progression") or c.get("chords") or params.get("chords") or params.get("progression")
    note_range = c.get("noteRange")
    return PartRequest(
        role=params.get("role") or _ROLE_OF_TOOL[tool],
        style=params["style"],
        tempo=float(params["tempo"]),
        bars=int(params["bars"]),
        seed=int(params["seed"]),
        key=params.get("key") or project_key,
        time_signature=time_signature,
        progression=tuple(progression) if progression else None,
        constraints=Constraints(
            density=c.get("density"),
            complexity=params.get("complexity"),
            syncopation=c.get("syncopation"),
            swing=c.get("swing"),
            note_range=(note_range[0], note_range[1]) if note_range else None,
            velocity_floor=c.get("velocityFloor"),
            velocity_ceiling=c.get("velocityCeiling"),
            octave=params.get("octave"),
            scale=params.get("scale"),
        ),
    )


async def _generate(settings: Settings, request: PartRequest) -> tuple[GeneratedPart, str, bool, str | None]:
    """The part plus (backend, fallback, fallbackReason).

    The Orpheus backend (tools.md §10.7: try it first when ``settings.orpheus_url`` is set, fall back to the
    embedded generator on failure, timeout or an open circuit breaker) plugs in here; until it exists every
    call is embedded and reports no fallback.
    """
    # The generator is CPU-bound and pure: a worker thread keeps the event loop (other agents' calls,
    # the DAW bridge) responsive while it runs.
    part = await anyio.to_thread.run_sync(generate_part, request)
    return part, "embedded", False, None


def _note_wire(note: Note, channel: int) -> dict[str, Any]:
    return {**note.to_wire(), "channel": channel}


def _report(gen: GeneratedPart, notes: list[dict[str, Any]]) -> dict[str, Any]:
    pitches = [n["pitch"] for n in notes]
    r = gen.report
    in_key = r.get("in_key_ratio")
    if "in_key_ratio" not in r and gen.role != "drums" and pitches:
        pcs = theory.parse_key(gen.key).in_key_pcs()
        in_key = sum(p % 12 in pcs for p in pitches) / len(pitches)
    return {
        "inKeyRatio": in_key,
        "pitchMin": r.get("pitch_min", min(pitches, default=None)),
        "pitchMax": r.get("pitch_max", max(pitches, default=None)),
        "notesPerBar": r.get("notes_per_bar", len(pitches) / gen.bars),
    }


def _theory_field(tool: str, params: dict[str, Any], message: str) -> str:
    """Which argument a generator's ``TheoryError`` is about: a chord text it names, else the key."""
    for name in ("chords", "progression"):
        texts = params.get(name) or (params.get("constraints") or {}).get(name) or []
        prefix = "constraints." if name not in params else ""
        for i, text in enumerate(texts):
            if f"'{text}'" in message:
                return f"{prefix}{name}[{i}]"
    return "key"


async def run_generation(
    tool: str,
    params: dict[str, Any],
    warnings: list[str],
    settings: Settings,
    project_key: str,
    time_signature: tuple[int, int],
    write: WriteCall,
) -> dict[str, Any]:
    """Generate, optionally write, and return the §10.1 result fields (the envelope is the caller's).
    Appends non-blocking notes to ``warnings``; raises ``ToolError`` on failure."""
    params = dict(params)
    if params.get("seed") is None:
        params["seed"] = random.SystemRandom().randint(0, MAX_SEED)
    request = build_request(tool, params, project_key, time_signature)
    started = time.perf_counter()
    try:
        gen, backend, fallback, fallback_reason = await _generate(settings, request)
    except theory.TheoryError as exc:
        raise ToolError.one(ErrorCode.INVALID_VALUE, _theory_field(tool, params, str(exc)), str(exc)) from exc
    except Exception as exc:  # a generator bug must surface as a tool error, not a traceback
        raise ToolError.one(ErrorCode.GENERATION_FAILED, "", f"music generation failed: {exc}", SERVER) from exc
    duration_ms = round((time.perf_counter() - started) * 1000)
    if not gen.part.notes:
        raise ToolError.one(ErrorCode.GENERATION_FAILED, "", "music generation failed: no notes produced", SERVER)
    warnings.extend(gen.warnings)

    notes = [_note_wire(n, gen.part.channel) for n in sorted(gen.part.notes, key=lambda n: (n.start, n.pitch))]
    cc_events = [c.to_wire() for c in gen.part.cc]
    pitch_bends = [b.to_wire() for b in gen.part.pitch_bends]
    fields: dict[str, Any] = {
        "role": gen.role,
        "style": params["style"],
        "styleProfile": gen.style_profile,
        "key": gen.key,
        "tempo": params["tempo"],
        "bars": gen.bars,
        "seed": gen.seed,
        "timeSignature": {"numerator": gen.time_signature[0], "denominator": gen.time_signature[1]},
        "scale": gen.scale,
        "progression": gen.progression,
        "backend": backend,
        "fallback": fallback,
        "fallbackReason": fallback_reason,
        "durationMs": duration_ms,
        "noteCount": len(notes),
        "notes": notes,
        "ccEvents": cc_events,
        "pitchBends": pitch_bends,
        "written": False,
        "report": _report(gen, notes),
    }
    if params.get("regionId"):
        fields.update(await write_events(params["regionId"], notes, cc_events, pitch_bends, write, warnings))
    return fields


async def write_events(
    region: str,
    notes: list[dict[str, Any]],
    cc_events: list[dict[str, Any]],
    pitch_bends: list[dict[str, Any]],
    write: WriteCall,
    warnings: list[str],
) -> dict[str, Any]:
    """Append the events to ``region`` as stori_add_notes (≤128 notes per call), then stori_add_midi_cc per
    controller and stori_add_pitch_bend (≤1024 events per call). Returns the written* result fields."""
    calls: list[tuple[str, dict[str, Any]]] = [
        ("stori_add_notes", {"notes": notes[i:i + NOTES_PER_CALL]}) for i in range(0, len(notes), NOTES_PER_CALL)
    ]
    for cc in sorted({e["cc"] for e in cc_events}):
        events = [{"beat": e["beat"], "value": e["value"]} for e in cc_events if e["cc"] == cc]
        calls += [("stori_add_midi_cc", {"cc": cc, "events": events[i:i + EVENTS_PER_CALL]})
                  for i in range(0, len(events), EVENTS_PER_CALL)]
    calls += [("stori_add_pitch_bend", {"events": pitch_bends[i:i + EVENTS_PER_CALL]})
              for i in range(0, len(pitch_bends), EVENTS_PER_CALL)]

    region_id = region
    last: dict[str, Any] = {}
    for name, arguments in calls:
        last = await write(name, {"regionId": region_id, **arguments})
        if not last.get("ok"):
            errors = [ErrorItem(ErrorCode(e["code"]), e["field"], e["message"]) for e in last.get("errors") or []]
            raise ToolError(errors, executed_by=last.get("executedBy") or SERVER, daw_result=last.get("dawResult"))
        # The first call resolves a region name; later calls use the id so they hit the same region.
        region_id = last.get("regionId") or region_id
        warnings.extend(last.get("warnings") or [])
    return {
        "written": True,
        "regionId": region_id,
        "writtenBy": last.get("executedBy"),
        "stateVersion": last.get("stateVersion"),
    }
