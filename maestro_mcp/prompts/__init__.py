"""STORI PROMPT parsing, Position, role resolution, prompt templates, inspiration cards, UI placeholders.

A services-layer package: pure functions and data that the agent loop, the HTTP routes and the MCP prompt
registration call. Nothing here does I/O beyond reading its own package data.
"""

from .cards import InspirationCard, draw_cards, get_card, inspiration_cards, inspiration_response
from .errors import PromptArgumentError, PromptNotFound, PromptParseError
from .placeholders import placeholders, placeholders_response
from .position import Position, PositionError, parse_position, resolve_position
from .roles import ResolvedRole, resolve_role, resolve_roles, track_name
from .stori_prompt import StoriPrompt, is_stori_prompt, parse_stori_prompt
from .templates import get_template, mcp_prompt_names, mcp_prompt_text, prompt_response, prompt_templates

__all__ = [
    "InspirationCard", "Position", "PositionError", "PromptArgumentError", "PromptNotFound",
    "PromptParseError", "ResolvedRole", "StoriPrompt", "draw_cards", "get_card", "get_template",
    "inspiration_cards", "inspiration_response", "is_stori_prompt", "mcp_prompt_names", "mcp_prompt_text",
    "parse_position", "parse_stori_prompt", "placeholders", "placeholders_response", "prompt_response",
    "prompt_templates", "resolve_position", "resolve_role", "resolve_roles", "track_name",
]  # fmt: skip
