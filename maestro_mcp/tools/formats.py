"""Validators of the wire's domain formats (tools.md §3): key, time signature, colour, chord texts,
density words, note ranges and free effect settings."""

from __future__ import annotations

import math
import re
from typing import Any

from maestro_mcp.errors import ErrorCode
from maestro_mcp.music import theory
from maestro_mcp.tools.coerce import INVALID, Issues, as_number, integer, join, mismatch, number
from maestro_mcp.tools.params import COLOR_CHOICES, DENOMINATORS, DENSITY_WORDS, Param, density_word


def key_text(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if not isinstance(value, str):
        return mismatch(issues, path, "a string", value)
    try:
        return theory.parse_key(value).name
    except theory.TheoryError as exc:
        return issues.error(ErrorCode.INVALID_VALUE, path, str(exc))


def time_signature(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
        if not m:
            return issues.error(ErrorCode.INVALID_VALUE, path, f"must be N/D such as 4/4 (got '{value}')")
        num, den = int(m.group(1)), int(m.group(2))
    elif isinstance(value, dict):
        sub = Issues()
        num_raw, den_raw = value.get("numerator"), value.get("denominator")
        num = integer(Param("numerator", "integer"), num_raw, join(path, "numerator"), sub)
        den = integer(Param("denominator", "integer"), den_raw, join(path, "denominator"), sub)
        if num_raw is None or den_raw is None or sub.errors:
            return issues.error(
                ErrorCode.INVALID_VALUE, path, "must be {numerator, denominator} with integer values"
            )
    else:
        return mismatch(issues, path, "a string N/D or an object {numerator, denominator}", value)
    if not 1 <= num <= 32:
        return issues.error(ErrorCode.INVALID_VALUE, path, f"numerator must be between 1 and 32 (got {num})")
    if den not in DENOMINATORS:
        return issues.error(
            ErrorCode.INVALID_VALUE, path, f"denominator must be one of 1, 2, 4, 8, 16, 32 (got {den})"
        )
    return {"numerator": num, "denominator": den}


def color(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if not isinstance(value, str):
        return mismatch(issues, path, "a string", value)
    text = value.strip()
    if text.startswith("#"):
        if re.fullmatch(r"#[0-9A-Fa-f]{6}", text):
            return text.upper()
        return issues.error(ErrorCode.INVALID_VALUE, path, f"must be a colour name or #RRGGBB (got '{value}')")
    hit = COLOR_CHOICES.lookup(text)
    if hit is None:
        return issues.error(
            ErrorCode.INVALID_ENUM, path, f"must be one of {COLOR_CHOICES.listing()} or #RRGGBB (got '{value}')"
        )
    return hit


def settings(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if not isinstance(value, dict):
        return mismatch(issues, path, "an object", value)
    if len(value) > 32:
        return issues.error(ErrorCode.VALUE_OUT_OF_RANGE, path, f"must have at most 32 keys (got {len(value)})")
    before = len(issues.errors)
    for k, v in value.items():
        if isinstance(v, bool | str) or (isinstance(v, int | float) and math.isfinite(v)):
            continue
        mismatch(issues, join(path, str(k)), "a number, string or boolean", v)
    return dict(value) if len(issues.errors) == before else INVALID


def chord_texts(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if isinstance(value, str):
        texts = [t for t in re.split(r"[\s,|\-]+", value) if t]
        paths = [path] * len(texts)
    elif isinstance(value, list):
        texts, paths = [], []
        for i, t in enumerate(value):
            if not isinstance(t, str):
                mismatch(issues, f"{path}[{i}]", "a string", t)
                continue
            texts.append(t.strip())
            paths.append(f"{path}[{i}]")
    else:
        return mismatch(issues, path, "an array of chord symbols or a string", value)
    if not texts:
        return issues.error(ErrorCode.INVALID_VALUE, path, "must contain at least one chord")
    if len(texts) > 64:
        return issues.error(ErrorCode.VALUE_OUT_OF_RANGE, path, f"must have at most 64 chords (got {len(texts)})")
    # Roman numerals are key-relative; their syntax does not depend on the key, so C major checks them.
    c_major = theory.parse_key("C")
    before = len(issues.errors)
    for text, at in zip(texts, paths, strict=True):
        try:
            chord = theory.resolve_chord(text, c_major) if p.kind == "progression" else theory.parse_chord(text)
        except theory.TheoryError as exc:
            issues.error(ErrorCode.INVALID_VALUE, at, str(exc))
            continue
        issues.warnings.extend(f"{at}: {w}" for w in chord.warnings)
    return texts if len(issues.errors) == before else INVALID


def density(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if isinstance(value, str) and as_number(value) is None:
        hit = density_word(value)
        if hit is None:
            words = ", ".join(DENSITY_WORDS)
            return issues.error(
                ErrorCode.INVALID_ENUM, path, f"must be a number 0-1 or one of {words} (got '{value}')"
            )
        return hit
    return number(p, value, path, issues)


def note_range(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if not isinstance(value, list):
        return mismatch(issues, path, "an array [low, high]", value)
    if len(value) != 2:
        return issues.error(ErrorCode.INVALID_VALUE, path, f"must be [low, high] (got {len(value)} items)")
    pitch = Param("pitch", "integer", minimum=0, maximum=127)
    low, high = (integer(pitch, v, f"{path}[{i}]", issues) for i, v in enumerate(value))
    if low is INVALID or high is INVALID:
        return INVALID
    if low > high:
        return issues.error(ErrorCode.INVALID_VALUE, path, f"low must not exceed high (got [{low}, {high}])")
    return [low, high]


