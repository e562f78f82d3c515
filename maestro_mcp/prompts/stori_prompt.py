"""The STORI PROMPT (stori-prompt.md): header detection and the parsed, validated prompt.

``parse_stori_prompt(text)`` returns ``None`` for natural language, a ``StoriPrompt`` for a valid prompt,
and raises ``PromptParseError`` (code, message, line) for a prompt whose header is valid but whose body
breaks a rule of §9. Routing fields are typed; dimension blocks (§6) and extension blocks are kept as the
YAML gave them, since their vocabulary is open and the planner and the LLM read them differently.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from . import fields as f
from .errors import PromptParseError
from .fields import Constraints, Energy, FieldError, Mode, Target, VibeItem
from .position import Position, PositionError, parse_position
from .yaml_body import Field as BodyField
from .yaml_body import find_header, fold_key, load_body

ROUTING_FIELDS = (
    "Mode", "Request", "Section", "Position", "After", "Target", "Style", "Key", "Tempo", "Energy", "Role",
    "Constraints", "Vibe",
)  # fmt: skip
DIMENSION_BLOCKS = (
    "Harmony", "Melody", "Rhythm", "Dynamics", "Orchestration", "Effects", "MidiExpressiveness",
    "Automation", "Humanization", "Form", "Expression", "Texture",
)  # fmt: skip
_CANONICAL = {fold_key(name): name for name in (*ROUTING_FIELDS, *DIMENSION_BLOCKS)}
MAX_SECTION = 50
MAX_STYLE = 100
DEFAULT_BARS = 4
_BARS_PHRASE = re.compile(r"(?<![\w-])(\d{1,3})\s+bars?\b", re.IGNORECASE)


class StoriPrompt(BaseModel):
    """A parsed STORI PROMPT. ``lines`` gives the 1-based prompt line of every field present (canonical
    names for known fields, the key as written for extension blocks), for warnings that point somewhere."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    mode: Mode
    request: str
    request_synthesised: bool = False  # True when Request was absent and the compose default was written
    section: str | None = None
    position: Position | None = None  # Position, or After read as `after <ref>`
    target: Target = Field(default_factory=Target)
    style: str | None = None
    key: str | None = None  # canonical Key form (tools.md §3): Cm, F#m, Bb, D dorian
    tempo: float | None = None
    energy: Energy | None = None
    roles: list[str] = Field(default_factory=list)  # Role items as written, bullets stripped
    constraints: Constraints = Field(default_factory=Constraints)
    vibe: list[VibeItem] = Field(default_factory=list)
    # Dimension blocks (§6), as written.
    harmony: Any = None
    melody: Any = None
    rhythm: Any = None
    dynamics: Any = None
    orchestration: Any = None
    effects: Any = None
    midi_expressiveness: Any = None
    automation: Any = None
    humanization: Any = None
    form: Any = None
    expression: Any = None
    texture: Any = None
    extensions: dict[str, Any] = Field(default_factory=dict)  # unknown top-level keys, as written
    warnings: list[str] = Field(default_factory=list)
    header_line: int = 1
    lines: dict[str, int] = Field(default_factory=dict)

    @property
    def bars(self) -> int:
        """Length of the new material (§3.1): Constraints.bars, else a `<n> bars` phrase in Request, else 4."""
        if self.constraints.bars is not None:
            return self.constraints.bars
        if not self.request_synthesised:
            for m in _BARS_PHRASE.finditer(self.request):
                if 1 <= int(m.group(1)) <= 128:
                    return int(m.group(1))
        return DEFAULT_BARS

    def blocks(self) -> dict[str, Any]:
        """The dimension blocks present, by canonical name, in §6 order."""
        out: dict[str, Any] = {}
        for name in DIMENSION_BLOCKS:
            value = getattr(self, _attribute(name))
            if value is not None:
                out[name] = value
        return out

    def swing(self) -> float | None:
        """Swing amount 0–1: Rhythm.swing wins over Constraints.swing (§3.1, §6)."""
        if isinstance(self.rhythm, dict):
            for k, v in self.rhythm.items():
                if str(k).strip().lower() == "swing":
                    amount = f.swing_amount(v)
                    if amount is not None:
                        return amount
        return self.constraints.swing


def _attribute(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def is_stori_prompt(text: str) -> bool:
    """True when the first non-blank line is the header (§1); the body is not looked at."""
    return find_header(text) is not None


def parse_stori_prompt(text: str) -> StoriPrompt | None:
    """``None`` for natural language; the parsed prompt; or PromptParseError for a malformed body."""
    header = find_header(text)
    if header is None:
        return None
    body = load_body(header, _CANONICAL)
    warnings = list(body.warnings)
    known: dict[str, BodyField] = {}
    extensions: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for entry in body.fields:
        name = _CANONICAL.get(fold_key(entry.key))
        if name is None:
            extensions[entry.key] = entry.value
            lines[entry.key] = entry.line
        else:
            known[name] = entry
            lines[name] = entry.line

    mode_field = known.get("Mode")
    if mode_field is None or mode_field.value is None:
        raise PromptParseError(mode_field.line if mode_field else header.line, "missing required field Mode")
    values: dict[str, Any] = {"mode": _read(mode_field, f.read_mode)}

    for name, entry in known.items():
        if entry.value is None or name in ("Mode", "Request"):
            continue  # `Field:` with nothing after it is the same as leaving the field out
        if name in DIMENSION_BLOCKS:
            values[_attribute(name)] = entry.value
        else:
            _read_routing(name, entry, values, warnings)

    request_field = known.get("Request")
    request = _text(request_field, "Request") if request_field is not None else None
    if request:
        values["request"] = request.strip()
    elif values["mode"] != "compose":
        raise PromptParseError(mode_field.line, f"Request is required when Mode is {values['mode']}")
    else:
        values["request"] = _default_request(values.get("style"), values.get("roles", []))
        values["request_synthesised"] = True

    after = known.get("After")
    if after is not None and after.value is not None:
        if "position" in values and known.get("Position") is not None:
            warnings.append(f"line {after.line}: both Position and After are given; using Position")
        else:
            values["position"] = _read(after, lambda v: parse_position(f"after {f.scalar_text(v) or ''}"))

    return StoriPrompt(
        **values, extensions=extensions, warnings=warnings, header_line=header.line, lines=lines
    )


def _read_routing(name: str, entry: BodyField, values: dict[str, Any], warnings: list[str]) -> None:
    if name == "Section":
        section = " ".join(_text(entry, name).split()).lower()
        values["section"] = _truncate(section, MAX_SECTION, name, entry.line, warnings)
    elif name == "Style":
        style = " ".join(_text(entry, name).split())
        values["style"] = _truncate(style, MAX_STYLE, name, entry.line, warnings)
    elif name == "Position":
        values["position"] = _read(entry, lambda v: parse_position(_text(entry, name)))
    elif name == "Target":
        values["target"] = _read(entry, f.read_target)
    elif name == "Key":
        values["key"] = _read(entry, f.read_key)
    elif name == "Tempo":
        values["tempo"] = _read(entry, f.read_tempo)
    elif name == "Energy":
        values["energy"] = _read(entry, f.read_energy)
    elif name == "Role":
        values["roles"] = _read(entry, f.read_roles)
    elif name == "Constraints":
        values["constraints"] = _read(entry, lambda v: f.read_constraints(v, _at(entry, warnings)))
    elif name == "Vibe":
        values["vibe"] = _read(entry, lambda v: f.read_vibe(v, _at(entry, warnings)))


class _LineWarnings(list[str]):
    """A warnings list that prefixes what it receives with the field's line."""

    def __init__(self, line: int, sink: list[str]) -> None:
        super().__init__()
        self._line = line
        self._sink = sink

    def append(self, message: str) -> None:
        self._sink.append(f"line {self._line}: {message}")


def _at(entry: BodyField, warnings: list[str]) -> list[str]:
    return _LineWarnings(entry.line, warnings)


def _read(entry: BodyField, reader: Any) -> Any:
    try:
        return reader(entry.value)
    except (FieldError, PositionError) as exc:
        raise PromptParseError(entry.line, str(exc)) from None


def _text(entry: BodyField, name: str) -> str:
    text = entry.text()
    if text is None:
        if entry.value is None:
            return ""
        raise PromptParseError(entry.line, f"{name} must be text")
    return text


def _truncate(text: str, limit: int, name: str, line: int, warnings: list[str]) -> str:
    if len(text) <= limit:
        return text
    warnings.append(
        f"line {line}: {name} is longer than {limit} characters; cut to '{text[:limit].rstrip()}'"
    )
    return text[:limit].rstrip()


def _default_request(style: str | None, roles: list[str]) -> str:
    """§3: `Compose <Style> <roles joined by ", ">`, or `Compose <roles>`, or `Compose music`."""
    parts = [p for p in (style, ", ".join(roles)) if p]
    return "Compose " + " ".join(parts) if parts else "Compose music"
