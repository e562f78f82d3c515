"""Effects of a composition: the ``Effects`` block, effect inference (spec/stori-prompt.md §7.5) and the
Reverb-bus rule (§7.6). Reverb planned by the server is never an insert: it becomes a send."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

EFFECT_TYPES = ("reverb", "delay", "compressor", "eq", "distortion", "overdrive", "filter", "chorus", "tremolo",
                "phaser", "flanger", "modulation")  # fmt: skip
# tools.md §3 input synonyms, plus the reverb words of §6 (all of which mean the shared bus).
EFFECT_SYNONYMS = {
    "compression": "compressor", "equalizer": "eq", "equaliser": "eq", "saturation": "overdrive",
    "tape": "overdrive", "tube": "overdrive", "warmth": "overdrive", "fuzz": "distortion", "echo": "delay",
    "lowpass": "filter", "highpass": "filter", "lpf": "filter", "hpf": "filter",
    "room": "reverb", "hall": "reverb", "plate": "reverb", "spring": "reverb", "ambience": "reverb",
}  # fmt: skip
REVERB_BUS = "Reverb"
DEFAULT_SEND_DB = -10.5
MAX_SETTINGS = 32

# Role defaults of §7.5, by generator role.
ROLE_EFFECTS: dict[str, tuple[str, ...]] = {
    "drums": ("compressor",), "bass": ("compressor",), "pads": ("reverb",), "lead": ("reverb",),
    "arp": ("reverb",), "fx": ("reverb", "delay"),
}  # fmt: skip

# Inferred style effects of §7.4, by profile id, then generator role.
STYLE_EFFECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "lofi": {"drums": ("filter", "compressor"), "chords": ("reverb", "chorus")},
    "neosoul": {"chords": ("chorus", "reverb"), "bass": ("overdrive",)},
    "hiphop": {"chords": ("reverb",)},
    "trap": {"bass": ("filter",)},
    "dnb": {"bass": ("distortion", "filter")},
    "garage": {"bass": ("filter",), "chords": ("chorus",)},
    "house": {"bass": ("compressor", "filter"), "pads": ("reverb", "chorus")},
    "psytrance": {"bass": ("filter",), "lead": ("delay", "reverb")},
    "techno": {"bass": ("distortion", "filter"), "lead": ("delay",)},
    "edm": {"lead": ("reverb", "delay"), "bass": ("compressor",)},
    "synthwave": {"lead": ("chorus", "delay", "reverb"), "pads": ("chorus", "reverb")},
    "ambient": {"pads": ("reverb", "delay", "chorus"), "melody": ("reverb", "delay")},
    "cinematic": {"pads": ("reverb",), "chords": ("reverb",), "melody": ("reverb",)},
    "jazz": {"chords": ("reverb",), "bass": ("eq",)},
    "bossa": {"chords": ("reverb", "chorus")},
    "afrobeats": {"chords": ("chorus",), "lead": ("delay",)},
    "reggaeton": {"bass": ("filter",)},
    "funk": {"bass": ("compressor",), "chords": ("phaser",)},
    "postrock": {"lead": ("distortion", "delay", "reverb"), "chords": ("chorus", "reverb")},
    "rock": {"lead": ("distortion", "reverb"), "bass": ("overdrive",)},
    "blues": {"lead": ("overdrive", "reverb")},
    "flamenco": {"chords": ("reverb",), "melody": ("reverb",)},
    "folk": {"chords": ("reverb",), "melody": ("reverb",)},
    "brass": {"melody": ("reverb",)},
    "pop": {"lead": ("reverb", "delay"), "chords": ("reverb",)},
}


def effect_word(word: str) -> str | None:
    """The effect type of one word (any case, synonyms of tools.md §3); None when it names none."""
    w = re.sub(r"[\s_-]+", " ", str(word).strip().lower())
    if w in EFFECT_TYPES:
        return w
    return EFFECT_SYNONYMS.get(w)


def effects_in_text(text: str) -> list[str]:
    found: list[str] = []
    for token in re.findall(r"[a-z]+", text.lower()):
        e = effect_word(token)
        if e is not None and e not in found:
            found.append(e)
    return found


@dataclass
class BlockEffect:
    type: str
    settings: dict[str, Any] | None = None


@dataclass
class TrackEffects:
    inserts: list[BlockEffect] = field(default_factory=list)
    reverb: bool = False
    send_db: float = DEFAULT_SEND_DB


def _flat_settings(value: Any) -> dict[str, Any] | None:
    """Mapping settings as ``settings`` (scalar values only, at most 32 keys); anything else → None."""
    if not isinstance(value, dict):
        return None
    out = {str(k): v for k, v in value.items() if isinstance(v, (int, float, str, bool))}
    return dict(list(out.items())[:MAX_SETTINGS]) or None


def _wet_db(value: Any) -> float | None:
    """A ``wet``/``mix`` setting (percentage or 0–1) as a send level: 20·log10(wet), 0.1 dB (0 → −60)."""
    if not isinstance(value, dict):
        return None
    for k, v in value.items():
        if str(k).strip().lower() not in ("wet", "mix"):
            continue
        text = str(v).strip()
        try:
            amount = float(text.rstrip("%").strip())
        except ValueError:
            return None
        if text.endswith("%") or amount > 1:
            amount /= 100
        if amount <= 0:
            return -60.0
        return round(max(20 * math.log10(min(amount, 1.0)), -60.0), 1)
    return None


def block_entries(value: Any, warnings: list[str], where: str) -> list[tuple[str, Any]]:
    """Entries of one track's ``Effects`` value: ``{word: settings}``, ``[words]`` or free text."""
    entries: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            e = effect_word(str(k))
            if e is None:
                found = effects_in_text(str(k))
                if not found:
                    warnings.append(f"Effects.{where}: '{k}' is not an effect; skipped")
                    continue
                e = found[0]
            entries.append((e, v))
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                entries.extend(block_entries(item, warnings, where))
            else:
                e = effect_word(str(item)) or next(iter(effects_in_text(str(item))), None)
                if e is None:
                    warnings.append(f"Effects.{where}: '{item}' is not an effect; skipped")
                else:
                    entries.append((e, None))
    elif value is not None:
        found = effects_in_text(str(value))
        if not found:
            warnings.append(f"Effects.{where}: no effect word in '{value}'; skipped")
        entries.extend((e, None) for e in found)
    return entries


def track_effects(
    entries: list[tuple[str, Any]],
    generator_role: str,
    profile_id: str,
    *,
    no_effects: bool,
    no_reverb: bool,
) -> TrackEffects:
    """§7.5: block entries, then role defaults, then style effects, duplicates removed; reverb → bus."""
    out = TrackEffects()
    seen: set[str] = set()
    candidates: list[tuple[str, Any]] = list(entries)
    if not no_effects:
        candidates += [(e, None) for e in ROLE_EFFECTS.get(generator_role, ())]
        candidates += [(e, None) for e in STYLE_EFFECTS.get(profile_id, {}).get(generator_role, ())]
    for effect, settings in candidates:
        if effect in seen:
            continue
        seen.add(effect)
        if effect == "reverb":
            if not no_reverb:
                out.reverb = True
                wet = _wet_db(settings)
                if wet is not None:
                    out.send_db = wet
            continue
        out.inserts.append(BlockEffect(effect, _flat_settings(settings)))
    return out
