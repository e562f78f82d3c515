"""The STORI PROMPT header and YAML body (stori-prompt.md §1–2), down to top-level fields with lines.

PyYAML speaks YAML 1.1, where ``no``, ``off`` and ``yes`` are booleans, ``012`` is octal and ``1:20`` is a
number; a prompt saying ``Constraints: [no reverb]`` or ``Section: on`` must not change meaning by
accident, so the loader below resolves plain scalars with the YAML 1.2 core schema instead. Fields are
taken from the composed node graph rather than from ``safe_load``'s result because errors must name the
line of a key, and duplicate keys (which ``safe_load`` silently collapses) are an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import PromptParseError

HEADERS = ("stori prompt", "maestro prompt")

# Explicit tags that only restate a core-schema type construct nothing dangerous; everything else
# (!!python/..., !!binary, !custom) is refused.
_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")
)
# Aliases share objects, so a 32 KB body can describe a structure too big to ever walk or serialise.
MAX_EXPANDED_NODES = 20_000


class _TagRefused(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class CoreSchemaLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalar resolution and explicit-tag refusal."""

    # Own (empty) table, so the YAML 1.1 resolvers SafeLoader inherits are not consulted.
    yaml_implicit_resolvers = {}  # noqa: RUF012 -- PyYAML's own class-level table

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _CORE_TAGS:
            raise _TagRefused(event.start_mark)
        return super().compose_node(parent, index)


def _core_int(loader: yaml.SafeLoader, node: Node) -> int:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        if text[:2] == "0o":
            return int(text[2:], 8)
        if text[:2] == "0x":
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:
        raise ConstructorError(None, None, f"'{text}' is not an integer", node.start_mark) from None


def _core_float(loader: yaml.SafeLoader, node: Node) -> float:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    lowered = text.lower()
    if lowered.lstrip("+-") == ".inf":
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise ConstructorError(None, None, f"'{text}' is not a number", node.start_mark) from None


_RESOLVERS = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
)
for _tag, _pattern, _first in _RESOLVERS:
    CoreSchemaLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", _core_int)
CoreSchemaLoader.add_constructor("tag:yaml.org,2002:float", _core_float)


@dataclass(frozen=True, slots=True)
class Header:
    """Where the header is: ``line`` is 1-based in the prompt as received (line endings normalised)."""

    line: int
    lines: tuple[str, ...]  # every line of the prompt, for the body and for clamping error lines

    @property
    def body(self) -> str:
        return "\n".join(self.lines[self.line :])


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def find_header(text: str) -> Header | None:
    """The header of a STORI PROMPT, or ``None`` for natural language (§1)."""
    lines = normalise_newlines(text.removeprefix("\ufeff")).split("\n")
    for index, line in enumerate(lines):
        folded = " ".join(line.split()).casefold()
        if not folded:
            continue
        return Header(index + 1, tuple(lines)) if folded in HEADERS else None
    return None


@dataclass(slots=True)
class Field:
    """One top-level entry of the body: the key as written, its node and value, and 1-based lines."""

    key: str
    line: int
    node: Node
    value: Any

    def text(self) -> str | None:
        """The scalar's own text (``1.10`` stays ``1.10``); ``None`` for null, lists and mappings."""
        if isinstance(self.node, ScalarNode) and self.value is not None:
            return str(self.node.value)
        return None


@dataclass(slots=True)
class Body:
    fields: list[Field]
    first_line: int  # of the body, 1-based (the header line when the body is empty)
    warnings: list[str] = field(default_factory=list)


def fold_key(key: str) -> str:
    """Top-level keys compare case-insensitively, ignoring spaces, hyphens and underscores (§2)."""
    return re.sub(r"[\s_\-]+", "", key).casefold()


def load_body(header: Header, display_names: dict[str, str]) -> Body:
    """Compose and construct the body; every YAML problem becomes a PromptParseError with its line.

    ``display_names`` maps folded keys to the canonical field names used in duplicate-field messages.
    """
    offset = header.line + 1  # prompt line of the body's first line (YAML marks are 0-based)
    # An error at the end of the stream is marked past the last line; the last written line is the one
    # a person has to look at.
    last_line = max([header.line] + [i + 1 for i, text in enumerate(header.lines) if text.strip()])

    def at(mark: yaml.Mark | None) -> int:
        return min(offset + mark.line, last_line) if mark is not None else min(offset, last_line)

    loader = CoreSchemaLoader(header.body)
    try:
        root = loader.get_single_node()
        if root is None:
            return Body([], header.line)
        _check_size(root)
        if not isinstance(root, MappingNode):
            raise PromptParseError(
                at(None), "the body must be a YAML mapping of fields (Mode: compose, Style: ..., ...)"
            )
        warnings: list[str] = []
        fields: list[Field] = []
        seen: dict[str, Field] = {}
        for key_node, value_node in root.value:
            key = (
                str(key_node.value)
                if isinstance(key_node, ScalarNode)
                else str(loader.construct_object(key_node))
            )
            line = at(key_node.start_mark)
            folded = fold_key(key)
            if folded in seen:
                name = display_names.get(folded, key)
                raise PromptParseError(line, f"duplicate field {name} (first on line {seen[folded].line})")
            _warn_nested_duplicates(value_node, key, at, warnings)
            value = loader.construct_object(value_node, deep=True)
            entry = Field(key, line, value_node, value)
            seen[folded] = entry
            fields.append(entry)
        return Body(fields, at(None), warnings)
    except PromptParseError:
        raise
    except _TagRefused as exc:
        raise PromptParseError(at(exc.mark), "YAML tags are not allowed") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        raise PromptParseError(at(mark), f"could not parse YAML ({problem})") from None
    except yaml.YAMLError as exc:
        raise PromptParseError(at(None), f"could not parse YAML ({exc})") from None
    finally:
        loader.dispose()


def _check_size(root: Node) -> None:
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        if total > MAX_EXPANDED_NODES:
            raise yaml.MarkedYAMLError(problem="the body is too large once its aliases are expanded",
                                       problem_mark=node.start_mark)  # fmt: skip
        sizes[id(node)] = total
        return total

    size(root)


def _warn_nested_duplicates(node: Node, path: str, at: Any, warnings: list[str]) -> None:
    """Inside blocks a repeated key is not fatal (the later value wins) but silently losing the first
    would hide a typo, so it is reported."""
    stack: list[tuple[Node, str]] = [(node, path)]
    visited: set[int] = set()
    while stack:
        current, where = stack.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        if isinstance(current, MappingNode):
            first: dict[str, int] = {}
            for k, v in current.value:
                if isinstance(k, ScalarNode):
                    name = str(k.value)
                    if name in first:
                        warnings.append(
                            f"line {at(k.start_mark)}: duplicate key '{name}' in {where} "
                            f"(first on line {first[name]}); the later value is used"
                        )
                    else:
                        first[name] = at(k.start_mark)
                    stack.append((v, f"{where}.{name}"))
        elif isinstance(current, SequenceNode):
            stack.extend((child, where) for child in current.value)
