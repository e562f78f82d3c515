"""Prompt templates (http-api.md §4.3) and the MCP prompts built on them (mcp.md §4).

A template is stored as fields; its ``sections`` and flat ``fullPrompt`` are rendered from them, so an MCP
prompt that overrides Key, Tempo or bars is the same rendering with other values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache
from typing import Any

from maestro_mcp.music.styles import match_style

from .cards import get_card
from .data import load
from .errors import PromptArgumentError, PromptNotFound
from .fields import FieldError, read_key, read_roles
from .render import PromptFields, PromptSection, Wire, flat_prompt

MCP_INSTRUCTION = (
    "Realise this STORI PROMPT with the stori_* tools: create the tracks and regions, generate or write "
    "the notes, add the effects, then list the track and region ids you created."
)
COMPOSE_PROMPT = "compose"
DEFAULT_COMPOSE_BARS = 8


class PromptTemplate(Wire):
    id: str
    title: str
    full_prompt: str
    sections: list[PromptSection]


@dataclasses.dataclass(frozen=True, slots=True)
class _Template:
    id: str
    title: str
    fields: PromptFields

    def render(self, fields: PromptFields | None = None) -> PromptTemplate:
        sections = (fields or self.fields).sections()
        return PromptTemplate(
            id=self.id, title=self.title, full_prompt=flat_prompt(sections), sections=sections
        )


@cache
def _templates() -> dict[str, _Template]:
    out: dict[str, _Template] = {}
    for entry in load("templates.yaml")["templates"]:
        fields = PromptFields(
            style=str(entry["style"]),
            key=str(entry["key"]),
            tempo=float(entry["tempo"]),
            roles=[str(r) for r in entry["roles"]],
            constraints={"bars": int(entry["bars"])},
            vibe=[str(v) for v in entry.get("vibe", [])],
            request=str(entry["request"]),
            section=str(entry["section"]),
        )
        out[str(entry["id"])] = _Template(str(entry["id"]), str(entry["title"]), fields)
    return out


def template_ids() -> list[str]:
    return list(_templates())


def prompt_templates() -> list[PromptTemplate]:
    return [t.render() for t in _templates().values()]


def get_template(template_id: str) -> PromptTemplate:
    template = _templates().get(template_id)
    if template is None:
        raise PromptNotFound(template_id)
    return template.render()


def prompt_response(prompt_id: str) -> dict[str, Any]:
    """Body of ``GET /api/v1/maestro/prompts/{id}``: a template, else a card with sections and preview
    (extension); PromptNotFound → ``404 TEMPLATE_NOT_FOUND``."""
    template = _templates().get(prompt_id)
    if template is not None:
        return template.render().model_dump(by_alias=True)
    return get_card(prompt_id).model_dump(by_alias=True)


# -- MCP prompts (mcp.md §4) ----------------------------------------------------------------------------


def mcp_prompt_names() -> list[str]:
    """The twelve MCP prompts: one per template, then ``compose``."""
    return [*template_ids(), COMPOSE_PROMPT]


def mcp_prompt_title(name: str) -> str:
    if name == COMPOSE_PROMPT:
        return "Compose"
    template = _templates().get(name)
    if template is None:
        raise PromptNotFound(name)
    return template.title


def mcp_prompt_text(name: str, arguments: Mapping[str, str | None] | None = None) -> str:
    """The one user message of an MCP prompt: the instruction, an empty line, a complete STORI PROMPT.
    Raises PromptArgumentError (→ JSON-RPC -32602) or PromptNotFound."""
    args = {k: v for k, v in (arguments or {}).items() if v is not None and str(v).strip()}
    if name == COMPOSE_PROMPT:
        fields = _compose_fields(args)
    else:
        template = _templates().get(name)
        if template is None:
            raise PromptNotFound(name)
        fields = _override(template.fields, args)
    return f"{MCP_INSTRUCTION}\n\n{flat_prompt(fields.sections())}"


def _override(base: PromptFields, args: Mapping[str, str]) -> PromptFields:
    changes: dict[str, Any] = {}
    if "key" in args:
        changes["key"] = _key(args["key"])
    if "tempo" in args:
        changes["tempo"] = _tempo(args["tempo"])
    if "bars" in args:
        changes["constraints"] = {**base.constraints, "bars": _bars(args["bars"])}
    return dataclasses.replace(base, **changes)


def _compose_fields(args: Mapping[str, str]) -> PromptFields:
    style = " ".join(str(args.get("style", "")).split())
    if not style:
        raise PromptArgumentError("style", "is required")
    profile = match_style(style).profile
    if "roles" in args:
        try:
            roles = read_roles(args["roles"])
        except FieldError:
            raise PromptArgumentError("roles", "must list 1 to 12 instruments, separated by commas") from None
    else:
        roles = list(profile.default_roles)
    request = args.get("request") or f"Compose {style} {', '.join(roles)}"
    return PromptFields(
        style=style,
        key=_key(args["key"]) if "key" in args else "C",
        tempo=_tempo(args["tempo"]) if "tempo" in args else float(profile.tempo),
        roles=roles,
        constraints={"bars": _bars(args["bars"]) if "bars" in args else DEFAULT_COMPOSE_BARS},
        request=request,
        section=" ".join(args["section"].split()).lower() if "section" in args else None,
    )


def _key(text: str) -> str:
    try:
        return read_key(text)
    except FieldError:
        raise PromptArgumentError("key", "must be a key such as C, Cm, F#m, Bb or D dorian") from None


def _tempo(text: str) -> float:
    try:
        tempo = float(str(text).strip())
    except ValueError:
        tempo = -1.0
    if not 40 <= tempo <= 240:  # also rejects NaN
        raise PromptArgumentError("tempo", "must be a number from 40 to 240")
    return tempo


def _bars(text: str) -> int:
    try:
        number = float(str(text).strip())
    except ValueError:
        number = 0.0
    if not (number.is_integer() and 1 <= number <= 128):
        raise PromptArgumentError("bars", "must be an integer from 1 to 128")
    return int(number)
