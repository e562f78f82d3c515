"""Validation of one object level against its ``Param`` declarations: spelling (snake/camel, aliases),
unknown keys, converting aliases, required parameters, defaults - and the dispatch of each value to its
kind's validator (``coerce`` for JSON types, ``formats`` for the domain formats, arrays and objects here).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from maestro_mcp.errors import ErrorCode
from maestro_mcp.tools import formats
from maestro_mcp.tools.coerce import (
    INVALID,
    ConversionError,
    Issues,
    boolean,
    integer,
    join,
    json_type,
    mismatch,
    number,
    string,
)
from maestro_mcp.tools.params import NO_DEFAULT, Param, to_camel, to_snake

__all__ = ["INVALID", "ConversionError", "Issues", "check_object", "check_value", "json_type"]


# -- Objects: key spelling, unknown keys, defaults ------------------------------------------------------

@lru_cache(maxsize=4096)
def _spellings(name: str) -> frozenset[str]:
    return frozenset({name, to_snake(name), to_camel(name), to_camel(to_snake(name))})


_IMMUTABLE = (str, int, float, bool, type(None))

# The spelling table of each declared object level (a ``fields`` tuple of the static catalog), built on first
# use: rebuilding it per call cost more than validating the values (per note of a 128-note stori_add_notes).
# Keyed by identity, holding the tuple so the id cannot be reused.
_SPELLING_TABLES: dict[int, tuple[tuple[Param, ...], dict[str, tuple[Param, int]], tuple[Param, ...]]] = {}


def _spelling_table(fields: tuple[Param, ...]) -> tuple[dict[str, tuple[Param, int]], tuple[Param, ...]]:
    """Every accepted spelling of every field, with its rank: 0 canonical, 1 respelled, 2 alias, 3 respelled
    alias; and the converting aliases among the fields (most levels, a note's included, have none)."""
    cached = _SPELLING_TABLES.get(id(fields))
    if cached is not None and cached[0] is fields:
        return cached[1], cached[2]
    by_spelling: dict[str, tuple[Param, int]] = {}
    for f in fields:
        for rank, names in ((1, _spellings(f.name)), (3, {s for a in f.aliases for s in _spellings(a)})):
            for s in names:
                by_spelling.setdefault(s, (f, rank))
        by_spelling[f.name] = (f, 0)
        for a in f.aliases:
            by_spelling.setdefault(a, (f, 2))
    converting = tuple(f for f in fields if f.converts_to is not None)
    _SPELLING_TABLES[id(fields)] = (fields, by_spelling, converting)
    return by_spelling, converting


def check_object(
    fields: tuple[Param, ...],
    raw: dict[str, Any],
    prefix: str,
    issues: Issues,
    new_id_names: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Validate one object level and return its normalised form: canonical names, fields order, defaults."""
    by_spelling, converting = _spelling_table(fields)
    chosen: dict[str, tuple[int, str, Any]] = {}
    for key, value in raw.items():
        hit = by_spelling.get(key) if isinstance(key, str) else None
        if hit is None:
            if key in new_id_names or (isinstance(key, str) and to_camel(key) in new_id_names):
                issues.warnings.append(f"ignored '{join(prefix, key)}': the server assigns ids to new entities")
            else:
                issues.unknown(join(prefix, str(key)))
            continue
        f, rank = hit
        prior = chosen.get(f.name)
        if prior is None or (value is not None and (prior[2] is None or rank < prior[0])):
            if prior is not None and prior[2] is not None:
                issues.warnings.append(f"ignored '{join(prefix, prior[1])}': '{join(prefix, key)}' is also given")
            chosen[f.name] = (rank, key, value)
        elif value is not None:
            issues.warnings.append(f"ignored '{join(prefix, key)}': '{join(prefix, prior[1])}' is also given")

    values: dict[str, Any] = {}
    for f in fields:
        hit_value = chosen.get(f.name)
        if hit_value is not None and hit_value[2] is not None:
            rank, key, value = hit_value
            # Ranks 0 and 1 are the spellings of the field's own name (see _spelling_table): the path says
            # the canonical name; an alias keeps the name the caller wrote.
            path = join(prefix, f.name if rank <= 1 else key)
            values[f.name] = check_value(f, value, path, issues)
    # Converting aliases fill their target only when the canonical parameter is absent (canonical wins).
    for f in converting:
        if f.name not in values:
            continue
        value = values.pop(f.name)
        target = f.converts_to
        if value is INVALID or target is None or target in values:
            continue
        assert f.convert is not None
        try:
            values[target] = f.convert(value)
        except ConversionError as exc:
            issues.error(exc.code, join(prefix, chosen[f.name][1]), str(exc))
            values[target] = INVALID

    out: dict[str, Any] = {}
    for f in fields:
        if f.hidden:
            continue
        if f.name in values:
            out[f.name] = values[f.name]
        elif f.required:
            hint = f" ({f.missing_hint})" if f.missing_hint else ""
            issues.error(ErrorCode.MISSING_REQUIRED, join(prefix, f.name), f"is required{hint}")
        elif f.default is not NO_DEFAULT:
            default = f.default
            # A copy only where the caller could change the shared default (deepcopy is slow per note).
            out[f.name] = default if isinstance(default, _IMMUTABLE) else copy.deepcopy(default)
    return out


def _array(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if not isinstance(value, list):
        return mismatch(issues, path, "an array", value)
    ok = True
    if p.min_items and len(value) < p.min_items:
        issues.error(ErrorCode.INVALID_VALUE, path, f"must contain at least {p.min_items} item")
        ok = False
    if p.max_items is not None and len(value) > p.max_items:
        issues.error(ErrorCode.VALUE_OUT_OF_RANGE, path, f"must have at most {p.max_items} items (got {len(value)})")
        ok = False
    assert p.items is not None
    out = [check_value(p.items, item, f"{path}[{i}]", issues) for i, item in enumerate(value)]
    return out if ok and all(v is not INVALID for v in out) else INVALID


def _object(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if not isinstance(value, dict):
        return mismatch(issues, path, "an object", value)
    before = len(issues.errors)
    out = check_object(p.fields, value, path, issues)
    return out if len(issues.errors) == before else INVALID


_VALIDATORS = {
    "integer": integer,
    "number": number,
    "boolean": boolean,
    "string": string,
    "key": formats.key_text,
    "time_signature": formats.time_signature,
    "color": formats.color,
    "array": _array,
    "object": _object,
    "settings": formats.settings,
    "chords": formats.chord_texts,
    "progression": formats.chord_texts,
    "density": formats.density,
    "note_range": formats.note_range,
}


def check_value(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if value is None:
        # Only array items reach here with null: an absent/null parameter is handled by check_object.
        if p.required:
            return issues.error(ErrorCode.MISSING_REQUIRED, path, "is required")
        return mismatch(issues, path, f"{'an' if p.kind in ('object', 'array', 'integer') else 'a'} {p.kind}", value)
    return _VALIDATORS[p.kind](p, value, path, issues)
