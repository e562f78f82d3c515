"""Instruments of a composition (spec/stori-prompt.md §6, §7): each Role → track name, voice (GM program or
drum kit, with ``Orchestration`` and ``Constraints`` overrides), register, key, and the generator
constraints the dimension blocks give (``Harmony``, ``Rhythm``, ``Dynamics``, ``Melody``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from maestro_mcp.daw.instruments import match_instrument, palette_color
from maestro_mcp.daw.model import Project
from maestro_mcp.music.styles import StyleProfile
from maestro_mcp.music.theory import TheoryError, note_to_midi, parse_key
from maestro_mcp.prompts import ResolvedRole, StoriPrompt, resolve_roles
from maestro_mcp.prompts.fields import Constraints, drum_kit

from .planner import Agent, agent_id_of
from .planner_expression import fold

SWING_ROLES = frozenset({"drums", "bass", "chords", "melody", "lead", "arp"})
MELODIC_RANGE_ROLES = frozenset({"melody", "lead"})


def block_get(block: Any, key: str) -> Any:
    if isinstance(block, dict):
        for k, v in block.items():
            if fold(k) == key:
                return v
    return None


def _register(text: Any) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*([A-Ga-g][#b]?-?\d)\s*(?:-|to|–)\s*([A-Ga-g][#b]?-?\d)\s*", str(text or ""))
    if not m:
        return None
    try:
        lo, hi = note_to_midi(m.group(1)), note_to_midi(m.group(2))
    except TheoryError:
        return None
    return (lo, hi) if lo <= hi else (hi, lo)


def progression_of(harmony: Any) -> list[str] | None:
    value = block_get(harmony, "progression")
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,|]+|\s-\s", value) if v and v != "-"]
    if isinstance(value, list) and value:
        return [str(v).strip() for v in value][:64]
    return None


@dataclass
class Instrument:
    role: ResolvedRole
    agent: Agent
    existing_id: str | None
    program: int | None
    kit: str | None
    icon: str
    note_range: tuple[int, int] | None
    key: str


def instruments_of(
    prompt: StoriPrompt,
    project: Project,
    texts: list[str],
    profile: StyleProfile,
    key: str,
    warnings: list[str],
) -> list[Instrument]:
    roles = resolve_roles(texts)
    orchestration = prompt.orchestration if isinstance(prompt.orchestration, dict) else {}
    c: Constraints = prompt.constraints
    melody_range = _register(block_get(prompt.melody, "register"))
    part_key = _melody_key(prompt, key, warnings)
    out: list[Instrument] = []
    created = 0
    for role in roles:
        existing = next((t for t in project.tracks if t.name.casefold() == role.track_name.casefold()), None)
        orch = _orchestration_for(orchestration, role)
        program = role.gm_program
        kit = None
        if role.is_drums:
            kit = drum_kit(orch.get("kit")) or c.drum_kit or profile.drum_kit
        else:
            if isinstance(c.gm_program, int):
                program = c.gm_program
            elif isinstance(c.gm_program, dict):
                for k, v in c.gm_program.items():
                    if str(k).casefold() in (role.text.casefold(), role.track_name.casefold()):
                        program = v
            text = orch.get("instrument") or orch.get("character")
            inst = match_instrument(str(text)) if text else None
            if inst is not None and inst.program is not None:
                program = inst.program
            if isinstance(orch.get("program"), int) and 0 <= orch["program"] <= 127:
                program = orch["program"]
        note_range = _register(orch.get("register"))
        if note_range is None and role.generator_role in MELODIC_RANGE_ROLES:
            note_range = melody_range or c.note_range
        elif note_range is None and not role.is_drums and c.note_range:
            note_range = c.note_range
        if existing is not None:
            color = (
                existing.color
                if existing.color and existing.color.startswith("#")
                else palette_color(created)
            )
        else:
            color = palette_color(created)
            created += 1
        name = existing.name if existing is not None else role.track_name
        agent = Agent(
            agent_id=agent_id_of(name), track_name=name, role_text=role.text, generator_role=role.generator_role,
            color=color, instrument=kit if kit else f"GM {program}",
            track_ref=existing.id if existing is not None else "", reused=existing is not None,
        )  # fmt: skip
        inst_key = part_key if role.generator_role in MELODIC_RANGE_ROLES else key
        out.append(Instrument(role, agent, existing.id if existing else None, program, kit, role.icon, note_range,
                               inst_key))  # fmt: skip
    return out


def _orchestration_for(block: dict[str, Any], role: ResolvedRole) -> dict[str, Any]:
    for k, v in block.items():
        if isinstance(v, dict) and str(k).strip().casefold() in (
            role.text.casefold(),
            role.track_name.casefold(),
        ):
            return {fold(kk): vv for kk, vv in v.items()}
    return {}


def _melody_key(prompt: StoriPrompt, key: str, warnings: list[str]) -> str:
    """``Melody.scale`` naming a root different from Key's sets the key of the melody/lead parts."""
    scale = block_get(prompt.melody, "scale")
    m = re.match(r"\s*([A-Ga-g][#b]?)\s+(.+)", str(scale or ""))
    if not m:
        return key
    try:
        base_root = parse_key(key).root
        scale_key = parse_key(m.group(1).upper() + ("m" if "minor" in m.group(2).lower() else "")).root
    except TheoryError:
        return key
    if scale_key == base_root:
        return key
    try:
        part = parse_key(f"{m.group(1).upper()} {m.group(2).strip().replace('_', ' ')}").name
    except TheoryError:
        part = parse_key(m.group(1).upper() + ("m" if "minor" in m.group(2).lower() else "")).name
    warnings.append(f"Melody.scale '{scale}' names another root than Key {key}; melody parts use {part}")
    return part


def common_constraints(prompt: StoriPrompt) -> dict[str, Any]:
    c = prompt.constraints
    out: dict[str, Any] = {}
    if c.density is not None:
        out["density"] = c.density
    if c.syncopation is not None:
        out["syncopation"] = c.syncopation
    accent = block_get(prompt.dynamics, "accent_velocity")
    ghost = block_get(prompt.dynamics, "ghost_velocity")
    if isinstance(accent, int) and 1 <= accent <= 127:
        out["velocityCeiling"] = accent
    if isinstance(ghost, int) and 1 <= ghost <= 127 and ghost <= out.get("velocityCeiling", 127):
        out["velocityFloor"] = ghost
    return out


def generator_constraints(
    inst: Instrument, common: dict[str, Any], swing: float | None, progression: list[str] | None
) -> dict[str, Any]:
    role = inst.role.generator_role
    out = dict(common)
    if swing and role in SWING_ROLES:
        out["swing"] = swing
    if inst.note_range is not None and not inst.role.is_drums:
        out["noteRange"] = list(inst.note_range)
    if progression:
        if role in ("chords", "pads"):
            out["progression"] = progression
        elif role == "bass" and all(re.match(r"[A-G]", p) for p in progression):
            out["chords"] = progression
    return out
