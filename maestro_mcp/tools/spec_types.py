"""``ToolSpec``: one tool's declaration, and the JSON Schemas, annotations and REST definition it yields.

Schemas are written from the declaration (never derived from a function signature), so the input schema,
the validator and the output schema cannot drift apart (tools.md §2.1, mcp.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from maestro_mcp.errors import ErrorCode
from maestro_mcp.tools.params import Param, object_schema

Runs = Literal["daw", "server"]

CATEGORY_TITLES = {
    "project": "Project",
    "track": "Track",
    "region": "Region",
    "notes": "Notes",
    "effects": "Effects & routing",
    "automation": "Automation & MIDI control",
    "generation": "Generation",
    "playback": "Playback",
    "ui": "UI",
}


@dataclass(frozen=True)
class ResultField:
    name: str
    schema: dict[str, Any]
    # Null in most results (dawResult without a connected DAW): its null branch is listed first. anyOf is
    # unordered, but validators try branches in order and a failed branch is the costly part (the official
    # Python client validates every result against the output schema).
    usually_null: bool = False


def rf(name: str, kind: str | dict[str, Any]) -> ResultField:
    """A result field: ``kind`` is a JSON type name or a full schema."""
    return ResultField(name, {"type": kind} if isinstance(kind, str) else kind)


STATE_VERSION = rf("stateVersion", "integer")


def nullable(schema: dict[str, Any], *, null_first: bool = False) -> dict[str, Any]:
    """The same schema, also admitting null (every optional output property does, tools.md §2.1).

    Written as ``anyOf`` branches with one ``type`` each rather than a ``type`` array: clients that map
    tool schemas onto single-type dialects (OpenAPI-style function declarations) read that form.
    ``null_first`` puts the null branch first (same meaning, cheaper to validate when the value is null)."""
    if "anyOf" in schema:
        if any(branch.get("type") == "null" for branch in schema["anyOf"]):
            return dict(schema)
        branches = list(schema["anyOf"])
        return {**schema, "anyOf": [{"type": "null"}, *branches] if null_first else [*branches, {"type": "null"}]}
    if schema.get("type") == "null":
        return dict(schema)
    described = {k: schema[k] for k in ("description", "title") if k in schema}
    body = {k: v for k, v in schema.items() if k not in described}
    if isinstance(body.get("type"), list):
        branches = [{**body, "type": t} for t in body["type"] if t != "null"]
    else:
        branches = [body]
    null: list[dict[str, Any]] = [{"type": "null"}]
    return {**described, "anyOf": null + branches if null_first else branches + null}


_ERROR_ITEM = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "enum": [c.value for c in ErrorCode]},
        "field": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["code", "field", "message"],
}
COMMON_OPTIONAL: tuple[ResultField, ...] = (
    rf("executedBy", {"type": "string", "enum": ["daw", "headless", "server"]}),
    rf("warnings", {"type": "array", "items": {"type": "string"}}),
    ResultField("dawResult", {"type": "object"}, usually_null=True),
    rf("errors", {"type": "array", "items": _ERROR_ITEM, "maxItems": 20}),
)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    category: str  # key of CATEGORY_TITLES
    title: str
    description: str
    params: tuple[Param, ...]
    result: tuple[ResultField, ...]  # tool-specific success fields, in output order
    runs: Runs
    read_only: bool
    destructive: bool
    idempotent: bool
    alias_of: str | None = None  # canonical tool name when this is an alias (tools.md §2.8)
    new_ids: tuple[str, ...] = ()  # ids the server mints for this call; a caller's value is ignored
    reject_shorthand: bool = False  # stori_add_notes: "_"-prefixed keys are errors

    @property
    def canonical(self) -> str:
        return self.alias_of or self.name

    @property
    def is_alias(self) -> bool:
        return self.alias_of is not None

    @property
    def in_compact_profile(self) -> bool:
        """mcp.md §7: the compact profile lists every tool but the three aliases."""
        return not self.is_alias

    @property
    def mutating(self) -> bool:
        return any(f.name == "stateVersion" for f in self.result)

    @property
    def result_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.result)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def annotations(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "readOnlyHint": self.read_only,
            "destructiveHint": self.destructive,
            "idempotentHint": self.idempotent,
            "openWorldHint": False,
        }

    def input_schema(self) -> dict[str, Any]:
        return object_schema(self.params)

    def output_schema(self) -> dict[str, Any]:
        """One object schema: ``ok`` and ``tool`` required, everything else optional and nullable, so
        that success and error results both validate (tools.md §2.1)."""
        properties: dict[str, Any] = {"ok": {"type": "boolean"}, "tool": {"type": "string"}}
        for f in (*COMMON_OPTIONAL, *self.result):
            properties.setdefault(f.name, nullable(f.schema, null_first=f.usually_null))
        return {"type": "object", "properties": properties, "required": ["ok", "tool"]}

    def tool_def(self) -> dict[str, Any]:
        """The REST ``ToolDef`` (http-api.md §7); MCP's Tool object is the same minus ``runsOn``."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "inputSchema": self.input_schema(),
            "outputSchema": self.output_schema(),
            "annotations": self.annotations(),
            "runsOn": self.runs,
        }
