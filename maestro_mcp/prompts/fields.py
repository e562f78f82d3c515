"""Readers for the routing fields of a STORI PROMPT (stori-prompt.md §3): each takes the YAML value and
returns the typed value, appending warnings; a ``FieldError`` is a rule broken (§9), reported on the field's
line by the caller.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from maestro_mcp.music.theory import TheoryError, note_to_midi, parse_key

Energy = Literal["very low", "low", "medium", "high", "very high"]
Mode = Literal["compose", "edit", "ask"]
_MODES: dict[str, Mode] = {"compose": "compose", "edit": "edit", "ask": "ask"}
TargetKind = Literal["project", "selection", "track", "region"]

MAX_ROLES = 12
MAX_VIBE_WEIGHT = 10
DENSITY_WORDS = {
    "very sparse": 0.1, "sparse": 0.25, "low": 0.25, "medium sparse": 0.4, "medium": 0.5,
    "medium dense": 0.65, "dense": 0.8, "high": 0.8, "very dense": 0.95, "very high": 0.95,
}  # fmt: skip
DRUM_KITS = {"acoustic": "acoustic", "tr 909": "TR-909", "909": "TR-909", "tr 808": "TR-808",
             "808": "TR-808", "jazz": "jazz"}  # fmt: skip
_BULLET = re.compile(r"^\s*[-*•]+\s*")
_TEMPO = re.compile(r"(\d+(?:\.\d+)?)\s*(?:bpm)?", re.IGNORECASE)
_VIBE = re.compile(r"(.*?)(?:\s+[x×]\s*(\d+)|\s*:\s*(\d+))", re.IGNORECASE)


class FieldError(ValueError):
    """A routing field that breaks its rule; the message has no line prefix."""


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Target(Wire):
    kind: TargetKind = "project"
    name: str | None = None  # for track:<name> and region:<name>


class VibeItem(Wire):
    word: str
    weight: int = 1

    def text(self) -> str:
        """The canonical written form (``dusty x3``; weight 1 is the bare word)."""
        return self.word if self.weight == 1 else f"{self.word} x{self.weight}"


class Constraints(BaseModel):
    """§3.1. Keys stay snake_case on the wire (spec README, wire conventions), hence no camel aliases."""

    bars: int | None = None
    density: float | None = None  # words already mapped to 0–1 (tools.md §10.2)
    no_effects: bool = False
    no_reverb: bool = False
    gm_program: int | dict[str, int] | None = None
    drum_kit: str | None = None
    swing: float | None = None  # resolved amount 0–1 (percentages read as §6 Rhythm.swing)
    syncopation: float | None = None
    note_range: tuple[int, int] | None = None
    seed: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)  # every other key, passed on unchanged


def scalar_text(value: Any) -> str | None:
    """Text of a string field: YAML numbers and booleans give their text (§2); lists, maps, null → None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return value if isinstance(value, str) else None


def read_mode(value: Any) -> Mode:
    text = (scalar_text(value) or "").strip()
    mode = _MODES.get(text.lower())
    if mode is not None:
        return mode
    raise FieldError(f"Mode must be compose, edit or ask (got '{text}')")


def read_tempo(value: Any) -> float:
    text = (scalar_text(value) or "").strip()
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (m := _TEMPO.fullmatch(text)):
        number = float(m.group(1))
    if number is None or not math.isfinite(number) or not 40 <= number <= 240:
        raise FieldError(f"Tempo must be a number from 40 to 240 (got '{text}')")
    return number


def read_key(value: Any) -> str:
    text = (scalar_text(value) or "").strip()
    try:
        return parse_key(text).name
    except TheoryError:
        raise FieldError(f"Key '{text}' is not a key") from None


def read_energy(value: Any) -> Energy:
    text = (scalar_text(value) or "").strip()
    folded = re.sub(r"[\s_\-]+", " ", text.lower())
    folded = "medium" if folded == "mid" else folded
    if folded in ("very low", "low", "medium", "high", "very high"):
        return folded  # type: ignore[return-value]
    raise FieldError(f"Energy '{text}' is not an energy level (very low, low, medium, high or very high)")


def read_target(value: Any) -> Target:
    if isinstance(value, dict) and len(value) == 1:  # `Target: {track: Bass}` reads as track:Bass
        ((k, v),) = value.items()
        value = f"{k}:{scalar_text(v) or ''}"
    text = (scalar_text(value) or "").strip()
    kind, sep, name = text.partition(":")
    kind = kind.strip().lower()
    if not sep and kind in ("project", "selection"):
        return Target(kind=kind)  # type: ignore[arg-type]
    if sep and kind in ("track", "region") and name.strip():
        return Target(kind=kind, name=" ".join(name.split()))  # type: ignore[arg-type]
    raise FieldError(f"Target '{text}' is not a target (project, selection, track:<name> or region:<name>)")


def _split_items(value: Any) -> list[Any]:
    """A YAML list as is; a string split on commas and new lines (one comma-separated string, or a block
    scalar written as a bullet list)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    text = scalar_text(value)
    if text is None:
        return [value]
    return [part for part in re.split(r"[,\n]", text)]


def read_roles(value: Any) -> list[str]:
    roles: list[str] = []
    for item in _split_items(value):
        text = scalar_text(item)
        if text is None:
            raise FieldError("Role must list 1 to 12 instruments (each item an instrument name)")
        cleaned = " ".join(_BULLET.sub("", text).split())
        if cleaned:
            roles.append(cleaned)
    if not 1 <= len(roles) <= MAX_ROLES:
        raise FieldError("Role must list 1 to 12 instruments")
    return roles


def read_vibe(value: Any, warnings: list[str]) -> list[VibeItem]:
    if isinstance(value, dict):  # `Vibe: {dusty: 3, warm: 2}` is the mapping form of the same list
        value = [{k: v} for k, v in value.items()]
    items: list[VibeItem] = []
    for raw in _split_items(value):
        word, weight = _vibe_item(raw, warnings)
        if word:
            if weight > MAX_VIBE_WEIGHT:
                warnings.append(f"Vibe '{word}' weight {weight} is above 10; using 10")
                weight = MAX_VIBE_WEIGHT
            items.append(VibeItem(word=word, weight=weight))
    return items


def _vibe_item(raw: Any, warnings: list[str]) -> tuple[str, int]:
    if isinstance(raw, dict) and len(raw) == 1:
        ((k, v),) = raw.items()
        word = " ".join(str(k).lower().split())
        if isinstance(v, int) and not isinstance(v, bool) and v >= 1:
            return word, v
        warnings.append(f"Vibe '{word}' has weight '{scalar_text(v)}', not an integer 1-10; using 1")
        return word, 1
    text = scalar_text(raw)
    if text is None:
        warnings.append(f"Vibe item {raw!r} is not a word; ignored")
        return "", 1
    text = " ".join(_BULLET.sub("", text).lower().split())
    m = _VIBE.fullmatch(text)
    if m and m.group(1).strip():
        weight = int(m.group(2) or m.group(3))
        if weight < 1:
            warnings.append(f"Vibe '{m.group(1).strip()}' weight {weight} is below 1; using 1")
        return m.group(1).strip(), max(weight, 1)
    return text, 1


# -- Constraints ---------------------------------------------------------------------------------------


def normalise_constraint_key(key: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(key).strip().lower())


def _read_text_value(text: str) -> Any:
    """`"key: value"` strings: integer, else number, else text (§3.1)."""
    stripped = text.strip()
    for convert in (int, float):
        try:
            return convert(stripped)
        except ValueError:
            pass
    return stripped


def constraint_pairs(value: Any) -> list[tuple[str, Any]]:
    """Every shape of §3.1 as (normalised key, value) pairs, in order."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [(normalise_constraint_key(k), v) for k, v in value.items()]
    pairs: list[tuple[str, Any]] = []
    for item in _split_items(value):
        if isinstance(item, dict):
            pairs.extend((normalise_constraint_key(k), v) for k, v in item.items())
            continue
        text = scalar_text(item)
        if text is None or not text.strip():
            continue
        key, sep, rest = text.partition(":")
        pairs.append((normalise_constraint_key(key), _read_text_value(rest) if sep else True))
    return pairs


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def swing_amount(value: Any) -> float | None:
    """Swing as 0–1: a value above 1 (or written with %) is a percentage, mapped by (p − 50) / 25 and
    clamped (§6 Rhythm: 56 % → 0.24, 50 % → 0)."""
    number = _number(value)
    if number is None:
        return None
    percent = number > 1 or (isinstance(value, str) and value.strip().endswith("%"))
    if percent:
        return round(min(max((number - 50) / 25, 0.0), 1.0), 6)
    return number if number >= 0 else None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _midi(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= 127 else None
    if isinstance(value, str):
        try:
            return note_to_midi(value)
        except TheoryError:
            return None
    return None


def drum_kit(value: Any) -> str | None:
    text = scalar_text(value)
    return DRUM_KITS.get(re.sub(r"[\s_\-]+", " ", text.strip().lower())) if text else None


def read_constraints(value: Any, warnings: list[str]) -> Constraints:
    out = Constraints()
    for key, raw in constraint_pairs(value):
        if key == "bars":
            bars = _number(raw)
            if isinstance(raw, bool) or bars is None or bars != int(bars) or not 1 <= bars <= 128:
                raise FieldError("Constraints.bars must be an integer from 1 to 128")
            out.bars = int(bars)
            continue
        parsed, problem = _read_constraint(key, raw)
        if problem:
            warnings.append(f"Constraints.{key}: {problem}; ignored")
        elif key in Constraints.model_fields and key != "extra":
            setattr(out, key, parsed)
        else:
            out.extra[key] = parsed
    return out


def _read_constraint(key: str, raw: Any) -> tuple[Any, str | None]:
    """(value, None) or (None, why it is unusable). Unknown keys pass through unchanged."""
    if key == "density":
        number = _number(raw)
        if number is not None and 0 <= number <= 1:
            return number, None
        word = re.sub(r"[\s_\-]+", " ", str(raw).strip().lower())
        if word in DENSITY_WORDS:
            return DENSITY_WORDS[word], None
        return None, f"'{raw}' is not a density (0-1 or a word such as sparse, medium, dense)"
    if key in ("no_effects", "no_reverb"):
        flag = _boolean(raw)
        return (flag, None) if flag is not None else (None, f"'{raw}' is not true or false")
    if key == "gm_program":
        return _gm_program(raw)
    if key == "drum_kit":
        kit = drum_kit(raw)
        return (kit, None) if kit else (None, f"'{raw}' is not a drum kit (acoustic, TR-909, TR-808, jazz)")
    if key == "swing":
        amount = swing_amount(raw)
        return (amount, None) if amount is not None else (None, f"'{raw}' is not a swing amount")
    if key == "syncopation":
        number = _number(raw)
        ok = number is not None and 0 <= number <= 1
        return (number, None) if ok else (None, f"'{raw}' is not a number from 0 to 1")
    if key == "note_range":
        return _note_range(raw)
    if key == "seed":
        ok = isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0
        return (raw, None) if ok else (None, f"'{raw}' is not a non-negative integer")
    return raw, None


def _gm_program(raw: Any) -> tuple[Any, str | None]:
    def program(v: Any) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 127 else None

    if isinstance(raw, dict):
        mapping = {" ".join(str(k).lower().split()): program(v) for k, v in raw.items()}
        if all(v is not None for v in mapping.values()):
            return mapping, None
        return None, "every program must be an integer from 0 to 127"
    single = program(raw)
    return (single, None) if single is not None else (None, f"'{raw}' is not an integer from 0 to 127")


def _note_range(raw: Any) -> tuple[Any, str | None]:
    items = (
        raw
        if isinstance(raw, list)
        else re.split(r"\s*-\s*|\s*,\s*", raw.strip())
        if isinstance(raw, str)
        else []
    )
    if len(items) == 2:
        low, high = _midi(items[0]), _midi(items[1])
        if low is not None and high is not None and low <= high:
            return (low, high), None
    return None, f"'{raw}' is not a [low, high] MIDI range"
