"""Errors of the prompts package, as values the edges can turn into wire shapes without guessing.

``PromptParseError`` is the one failure of a STORI PROMPT with a valid header (stori-prompt.md §9): the
stream reports it as an ``error`` event, the preview and propose routes as ``400``; both need the code, the
full message and the 1-based line. ``PromptNotFound`` is the ``404 TEMPLATE_NOT_FOUND`` of http-api.md §4.3.
"""

from __future__ import annotations

from typing import Any

PROMPT_PARSE_ERROR = "PROMPT_PARSE_ERROR"
TEMPLATE_NOT_FOUND = "TEMPLATE_NOT_FOUND"


class PromptParseError(ValueError):
    """A STORI PROMPT whose body breaks a rule. ``message`` starts with ``STORI PROMPT line <n>: ``."""

    code = PROMPT_PARSE_ERROR

    def __init__(self, line: int, detail: str) -> None:
        self.line = line
        self.detail = detail
        self.message = f"STORI PROMPT line {line}: {detail}"
        super().__init__(self.message)

    def to_wire(self) -> dict[str, Any]:
        """The fields the SSE ``error`` event and the 400 bodies share (``fatal`` is the stream's)."""
        return {"error": self.code, "message": self.message, "line": self.line}


class PromptNotFound(LookupError):
    """No prompt template or inspiration card has this id."""

    code = TEMPLATE_NOT_FOUND

    def __init__(self, prompt_id: str) -> None:
        self.prompt_id = prompt_id
        self.message = f"Prompt '{prompt_id}' not found."
        super().__init__(self.message)

    def to_wire(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class PromptArgumentError(ValueError):
    """An MCP prompt argument that breaks its rule (mcp.md §4: JSON-RPC -32602 naming the argument)."""

    def __init__(self, argument: str, rule: str) -> None:
        self.argument = argument
        self.message = f"Invalid argument {argument}: {rule}"
        super().__init__(self.message)
