"""The engine's entry points: one part (the generation tools) or a multi-role composition (the CLI and the
agent), both from (style, key, tempo, bars, role, chord plan, seed)."""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import quality
from .context import ROLE_RANGES, GenContext, derive_seed
from .humanize import apply_swing, finalize, humanize
from .parts import Constraints, Part, PartRequest
from .plan import ChordPlan, build_plan
from .styles import StyleProfile, match_style
from .theory import Key, Scale, TheoryError, parse_key

# Generator role -> module in this package with ``generate(ctx: GenContext) -> Part``.
_GENERATOR_MODULES = {
    "drums": "drums", "bass": "bass", "chords": "chords", "keys": "chords", "pads": "pads", "strings": "pads",
    "melody": "melody", "lead": "melody", "arp": "arp", "fx": "fx",
}

# Words people use for a part -> generator role (the full instrument table lives with the STORI PROMPT planner).
ROLE_WORDS = {
    "drums": "drums", "drum": "drums", "beat": "drums", "kit": "drums", "percussion": "drums", "perc": "drums",
    "bass": "bass", "bassline": "bass", "808": "bass", "sub": "bass", "synth bass": "bass", "tuba": "bass",
    "chords": "chords", "chord": "chords", "piano": "chords", "guitar": "chords", "comp": "chords",
    "keys": "keys", "rhodes": "keys", "organ": "keys", "electric piano": "keys",
    "pads": "pads", "pad": "pads", "synth": "pads", "strings": "strings", "string": "strings", "choir": "pads",
    "melody": "melody", "lead": "lead", "synth lead": "lead", "lead guitar": "lead", "electric guitar": "lead",
    "trumpet": "melody", "trombone": "melody", "sax": "melody", "flute": "melody", "violin": "melody",
    "arp": "arp", "arpeggio": "arp", "fx": "fx", "sfx": "fx", "riser": "fx",
}


def resolve_role(word: str) -> tuple[str, str | None]:
    """A part word -> (generator role, warning). Unknown words become a melody, as the planner does."""
    w = " ".join(word.strip().lower().replace("_", " ").replace("-", " ").split())
    if w in ROLE_WORDS:
        return ROLE_WORDS[w], None
    return "melody", f"unknown role '{word}': generated as a melody"


@dataclass(slots=True)
class GeneratedPart:
    part: Part
    role: str
    style: str
    style_profile: str
    key: str
    tempo: float
    bars: int
    seed: int
    time_signature: tuple[int, int]
    scale: str | None
    progression: list[str] | None
    warnings: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Composition:
    parts: list[GeneratedPart]
    style: str
    style_profile: str
    key: str
    tempo: float
    bars: int
    seed: int
    time_signature: tuple[int, int]
    progression: list[str]
    warnings: list[str] = field(default_factory=list)


def _generator(role: str) -> Callable[[GenContext], Part]:
    module = importlib.import_module(f"{__package__}.{_GENERATOR_MODULES[role]}")
    fn: Callable[[GenContext], Part] = module.generate
    return fn


def _effective_scale(key: Key, profile: StyleProfile, role: str, explicit: str | None) -> Scale:
    if explicit:
        return Scale.of(key.root, explicit)
    if profile.scale_bias and role in ("melody", "lead"):
        bias = profile.scale_bias
        if bias == "blues" and not key.is_minor:
            bias = "major_pentatonic"  # the major blues uses the major pentatonic plus blue notes as colour
        return Scale.of(key.root, bias)
    return key.scale


def _density(profile: StyleProfile, role: str, constraints: Constraints) -> float:
    if constraints.density is not None:
        return max(0.0, min(1.0, constraints.density))
    if role == "drums":
        return constraints.complexity if constraints.complexity is not None else profile.drum_density
    return {
        "bass": profile.bass_density, "chords": profile.chord_density, "keys": profile.chord_density,
        "melody": profile.melody_density, "lead": profile.melody_density,
    }.get(role, 0.5)


def _context(
    role: str, profile: StyleProfile, key: Key, plan: ChordPlan, req: PartRequest
) -> GenContext:
    c = req.constraints
    low, high = c.note_range if c.note_range and role != "drums" else ROLE_RANGES[role]
    swing = c.swing if c.swing is not None else profile.swing
    return GenContext(
        role=role, profile=profile, key=key, scale=_effective_scale(key, profile, role, c.scale),
        tempo=req.tempo, bars=req.bars, time_signature=req.time_signature, plan=plan, constraints=c,
        seed=req.seed, rng=random.Random(derive_seed(req.seed, role)), low=low, high=high,
        density=_density(profile, role, c), swing=max(0.0, min(1.0, swing)),
    )


def _beats_per_bar(ts: tuple[int, int]) -> float:
    return ts[0] * 4 / ts[1]


def generate_part(req: PartRequest, plan: ChordPlan | None = None) -> GeneratedPart:
    """One role's part. Raises ``TheoryError`` for a key, scale or chord text that cannot be read."""
    role, role_warning = resolve_role(req.role)
    match = match_style(req.style)
    profile = match.profile
    key = parse_key(req.key)
    warnings = [w for w in (match.warning, role_warning) if w]
    if req.bars < 1:
        raise TheoryError("bars must be at least 1")
    if plan is None:
        plan, plan_warnings = build_plan(
            key, profile, req.bars, _beats_per_bar(req.time_signature),
            random.Random(derive_seed(req.seed, "plan")), req.progression,
        )
        warnings += plan_warnings
    ctx = _context(role, profile, key, plan, req)
    part = _generator(role)(ctx)
    notes = part.notes
    if ctx.swing > 0:
        notes = apply_swing(notes, ctx.swing, profile.swing_unit)
    notes = humanize(notes, ctx.rng_for(role, "humanize"), profile.humanize_timing, profile.humanize_velocity)
    part.notes = finalize(
        notes, ctx.total_beats, ctx.low, ctx.high, drums=role == "drums",
        velocity_floor=req.constraints.velocity_floor, velocity_ceiling=req.constraints.velocity_ceiling,
    )
    part.cc = [e for e in part.cc if 0 <= e.beat < ctx.total_beats]
    part.pitch_bends = [e for e in part.pitch_bends if 0 <= e.beat < ctx.total_beats]
    part.sort()
    drums = role == "drums"
    return GeneratedPart(
        part=part, role=role, style=req.style, style_profile=profile.id, key=key.name, tempo=req.tempo,
        bars=req.bars, seed=req.seed, time_signature=req.time_signature,
        scale=None if drums else ctx.scale.name,
        progression=None if drums else plan.symbols_per_bar(),
        warnings=warnings, report=quality.part_report(part, ctx),
    )


def compose(
    style: str,
    roles: Sequence[str],
    *,
    key: str = "C",
    tempo: float | None = None,
    bars: int = 8,
    seed: int = 0,
    time_signature: tuple[int, int] = (4, 4),
    progression: Sequence[str] | None = None,
    constraints: Constraints | None = None,
) -> Composition:
    """Several roles over one shared chord plan. ``tempo`` defaults to the style's."""
    match = match_style(style)
    profile = match.profile
    k = parse_key(key)
    bpm = float(tempo if tempo is not None else profile.tempo)
    plan, warnings = build_plan(
        k, profile, bars, _beats_per_bar(time_signature), random.Random(derive_seed(seed, "plan")), progression
    )
    if match.warning:
        warnings.insert(0, match.warning)
    parts: list[GeneratedPart] = []
    for word in roles:
        req = PartRequest(
            role=word, style=style, tempo=bpm, bars=bars, seed=seed, key=key,
            time_signature=time_signature, progression=tuple(progression) if progression else None,
            constraints=constraints or Constraints(),
        )
        gp = generate_part(req, plan)
        gp.part.name = _track_name(word, [p.part.name for p in parts])
        parts.append(gp)
    return Composition(
        parts=parts, style=style, style_profile=profile.id, key=k.name, tempo=bpm, bars=bars, seed=seed,
        time_signature=time_signature, progression=plan.symbols_per_bar(), warnings=warnings,
    )


def _track_name(word: str, taken: list[str]) -> str:
    base = " ".join(w.upper() if w in ("fx", "sfx") else w.capitalize() for w in word.strip().split())
    name, n = base, 2
    while name.lower() in (t.lower() for t in taken):
        name, n = f"{base} {n}", n + 1
    return name
