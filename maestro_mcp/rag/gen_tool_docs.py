"""The tool reference page (``docs/tools.md``), written from the tool catalog so it cannot drift from it.

``render_tool_reference()`` is also what the MCP resource ``stori://reference/tools`` serves (mcp.md §5).
Regenerate the committed page with ``python -m maestro_mcp.rag.build_docs``; a test fails when it differs.
"""

from __future__ import annotations

import json
from typing import Any

from maestro_mcp.tools.catalog import CATALOG
from maestro_mcp.tools.params import NO_DEFAULT, Param
from maestro_mcp.tools.spec_types import CATEGORY_TITLES, ToolSpec

_KIND_NAMES = {
    "key": "key",
    "time_signature": "time signature",
    "color": "colour",
    "chords": "chord list",
    "progression": "progression",
    "density": "number or word",
    "note_range": "[low, high]",
    "settings": "object",
}
_RUNS = {
    "daw": "in the DAW: the connected Stori DAW, or the headless DAW when none is connected",
    "server": "in the server (generation)",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _type(param: Param) -> str:
    if param.kind == "array" and param.items is not None:
        inner = "object" if param.items.kind == "object" else _KIND_NAMES.get(param.items.kind, param.items.kind)
        return f"array of {inner}"
    return _KIND_NAMES.get(param.kind, param.kind)


def _rules(param: Param) -> str:
    rules: list[str] = []
    bounds = [_number(b) for b in (param.minimum, param.maximum) if b is not None]
    if bounds and all(b in param.description for b in bounds):
        pass  # the description already gives the range
    elif param.minimum is not None and param.maximum is not None:
        rules.append(f"{_number(param.minimum)} to {_number(param.maximum)}")
    elif param.minimum is not None:
        rules.append(f"at least {_number(param.minimum)}")
    elif param.maximum is not None:
        rules.append(f"at most {_number(param.maximum)}")
    if param.choices is not None:
        rules.append("one of " + ", ".join(f"`{v}`" for v in param.choices.values))
    if param.min_items is not None or param.max_items is not None:
        rules.append(f"{param.min_items or 0}-{param.max_items if param.max_items is not None else '…'} items")
    if param.max_length is not None:
        rules.append(f"at most {param.max_length} characters")
    if param.aliases:
        rules.append("also accepted as " + ", ".join(f"`{a}`" for a in param.aliases))
    return "; ".join(rules)


def _default(param: Param) -> str:
    if param.required:
        return "required"
    if param.default is NO_DEFAULT or param.default is None:
        return "optional"
    value: Any = param.default
    return f"default `{json.dumps(value) if not isinstance(value, str) else value}`"


def _param_rows(params: tuple[Param, ...], prefix: str = "") -> list[str]:
    rows = []
    for p in params:
        if p.hidden:
            continue
        name = f"{prefix}{p.name}"
        description = "; ".join(x for x in (p.description, _rules(p)) if x)
        rows.append(f"| `{name}` | {_type(p)} | {_default(p)} | {_cell(description)} |")
        if p.kind == "object" and p.fields:
            rows.extend(_param_rows(p.fields, f"{name}."))
        if p.kind == "array" and p.items is not None and p.items.kind == "object":
            rows.extend(_param_rows(p.items.fields, f"{name}[]."))
    return rows


def _hints(spec: ToolSpec) -> str:
    hints = ["read-only" if spec.read_only else "changes the project"]
    if spec.destructive:
        hints.append("destructive")
    if spec.idempotent:
        hints.append("idempotent")
    return ", ".join(hints)


def render_tool(spec: ToolSpec) -> str:
    lines = [f"### {spec.name}", "", f"**{spec.title}.** {spec.description}", ""]
    if spec.alias_of:
        lines += [f"Alias of `{spec.alias_of}`: same behaviour and result; hidden by the compact profile.", ""]
    lines += [f"Runs {_RUNS[spec.runs]}. Hints: {_hints(spec)}.", ""]
    rows = _param_rows(spec.params)
    if rows:
        lines += ["| Parameter | Type | Required / default | Meaning |", "| --- | --- | --- | --- |", *rows, ""]
    else:
        lines += ["No parameters.", ""]
    if spec.result:
        fields = ", ".join(f"`{f.name}`" for f in spec.result)
        lines += [f"Result fields on success (besides `ok` and `tool`): {fields}.", ""]
    if spec.new_ids:
        lines += ["The server assigns " + ", ".join(f"`{i}`" for i in spec.new_ids)
                  + "; a value sent by the caller is ignored.", ""]
    return "\n".join(lines)


def render_tool_reference() -> str:
    """The whole page, Markdown, ending with one newline."""
    out = [
        "# Tool reference",
        "",
        "<!-- Generated from maestro_mcp/tools/catalog.py by `python -m maestro_mcp.rag.build_docs`. "
        "Do not edit by hand. -->",
        "",
        f"maestro-mcp exposes {len(CATALOG)} tools, the same over every transport (stdio, streamable HTTP, "
        "the REST tool route and the agent behind the Stori stream). Tools named `stori_generate_*` run in "
        "the server; every other tool runs in the DAW: your connected Stori DAW when there is one, otherwise "
        "the server's headless DAW, which keeps the project in its database.",
        "",
        "Every result is an object with `ok` and `tool`. On failure `ok` is false and `errors` lists "
        "`{code, field, message}` items; nothing was changed. Changing tools return the project's new "
        "`stateVersion`. Times are in beats (quarter notes); tracks and regions may be named by id or by name.",
        "",
    ]
    for category, title in CATEGORY_TITLES.items():
        specs = [s for s in CATALOG if s.category == category]
        if not specs:
            continue
        names = ", ".join(f"`{s.name}`" for s in specs)
        out += [f"## {title} tools", "", f"Tools in this group: {names}.", ""]
        out += [render_tool(s) for s in specs]
    return "\n".join(out).rstrip("\n") + "\n"
