"""``maestro-mcp generate``: compose a multi-track MIDI file with the embedded engine and print its quality
report. Bad input ends with exit code 2 and one line saying what to do, as a shell user expects."""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
MAX_SEED = 2_147_483_647
ROLE_NAMES = "drums, bass, chords, keys, pads, strings, melody, lead, arp, fx"
EXAMPLES = "piano, guitar, rhodes, 808, synth, trumpet, sax"


class UsageError(Exception):
    """One line for the user; exit code 2."""


def add_generate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "generate",
        help="compose a multi-track MIDI file (embedded engine) and print its quality report",
        description="Compose a multi-track MIDI file with the embedded engine and print its quality report.",
    )
    # Values are read as text and checked here, so every mistake gets one clear line (not argparse's usage).
    p.add_argument("--style", required=True, help='free text, e.g. "lofi hip hop", house, jazz, "dark trap"')
    p.add_argument("--key", default="C", help="C, Cm, F#m, Bb, D dorian ... (default C)")
    p.add_argument("--tempo", help="BPM 40-240 (default: the style's)")
    p.add_argument("--bars", default="8", help="1-64 (default 8)")
    p.add_argument("--roles", help=f"comma-separated: {ROLE_NAMES} or instrument words (default: the style's)")
    p.add_argument("--seed", help=f"0-{MAX_SEED} (default: a random one, printed)")
    p.add_argument("--progression", help='chords or roman numerals, one per bar: "Cm7,Abmaj7,Ebmaj7,Bb7sus4" or "i,bVI,bIII,bVII"')
    p.add_argument("--time-signature", help="e.g. 4/4, 3/4, 6/8 (default: the style's)")
    p.add_argument("-o", "--output", help="MIDI file to write (default: <style>-<seed>.mid)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    p.set_defaults(handler=run_generate)


def _int(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"--{name} must be a whole number from {low} to {high}, not '{text}'") from None
    if not low <= value <= high:
        raise UsageError(f"--{name} must be from {low} to {high}, not {value}")
    return value


def _tempo(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--tempo must be a number of BPM from 40 to 240, not '{text}'") from None
    if not 40 <= value <= 240:
        raise UsageError(f"--tempo must be from 40 to 240 BPM, not {text}")
    return value


def _time_signature(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(1|2|4|8|16)\s*", text)
    if not m or not 1 <= int(m.group(1)) <= 16:
        raise UsageError(f"--time-signature must look like 4/4, 3/4 or 6/8, not '{text}'")
    return int(m.group(1)), int(m.group(2))


def _roles(text: str) -> list[str]:
    from maestro_mcp.music.compose import resolve_role

    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words:
        raise UsageError(f"--roles needs at least one role, e.g. drums,bass,chords ({ROLE_NAMES})")
    for w in words:
        _, warning = resolve_role(w)
        if warning:
            raise UsageError(f"unknown role '{w}': use {ROLE_NAMES} (or an instrument word such as {EXAMPLES})")
    return words


def _style(text: str) -> tuple[Any, str | None]:
    from maestro_mcp.music.styles import PROFILES, match_style

    if not text.strip():
        raise UsageError('--style is empty: give a style such as "lofi hip hop", house, jazz or trap')
    match = match_style(text)
    if match.profile.id == "generic" and match.warning:
        ids = ", ".join(p.id for p in PROFILES if p.id != "generic")
        raise UsageError(f"unknown style '{text}': use a genre name such as {ids}")
    return match.profile, match.warning


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "generated"


def run_generate(args: argparse.Namespace) -> int:
    try:
        return _generate(args)
    except UsageError as exc:
        print(f"maestro-mcp generate: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _generate(args: argparse.Namespace) -> int:
    from maestro_mcp.music.compose import compose
    from maestro_mcp.music.midi import composition_to_midi
    from maestro_mcp.music.quality import composition_report, format_report
    from maestro_mcp.music.theory import TheoryError, parse_key

    profile, style_warning = _style(args.style)
    try:
        key = parse_key(args.key)
    except TheoryError as exc:
        raise UsageError(f"--key: {exc}") from None
    bars = _int(args.bars, "bars", 1, 64)
    tempo = _tempo(args.tempo) if args.tempo is not None else float(profile.tempo)
    roles = _roles(args.roles) if args.roles is not None else list(profile.default_roles)
    meter = _time_signature(args.time_signature) if args.time_signature else profile.meter
    seed_given = args.seed is not None
    seed = _int(args.seed, "seed", 0, MAX_SEED) if seed_given else random.SystemRandom().randrange(MAX_SEED + 1)
    progression = [c for c in re.split(r"[\s,|]+", args.progression) if c] if args.progression else None
    out = Path(args.output) if args.output else Path(f"{_slug(args.style)}-{seed}.mid")
    if not out.parent.exists():
        raise UsageError(f"-o: the folder '{out.parent}' does not exist; create it or write elsewhere")

    try:
        comp = compose(
            args.style, roles, key=key.name, tempo=tempo, bars=bars, seed=seed, time_signature=meter,
            progression=progression,
        )
    except TheoryError as exc:
        raise UsageError(f"--progression: {exc}") from None
    except ImportError as exc:  # a generator module not written yet
        print(f"maestro-mcp generate: this role has no generator yet ({exc.name})", file=sys.stderr)
        return EXIT_FAILED
    data = composition_to_midi(comp)
    try:
        out.write_bytes(data)
    except OSError as exc:
        print(f"maestro-mcp generate: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED

    for warning in ([style_warning] if style_warning else []) + [w for w in comp.warnings if w != style_warning]:
        print(f"warning: {warning}", file=sys.stderr)
    report = composition_report(comp)
    if args.json:
        print(json.dumps({**report, "file": str(out), "seedGiven": seed_given}, indent=2))
        return EXIT_OK
    names = ", ".join(gp.part.name for gp in comp.parts)
    seed_note = "" if seed_given else f" (random; pass --seed {seed} to get this again)"
    print(f"style: {args.style} -> {comp.style_profile}   key: {comp.key}   tempo: {comp.tempo:g} BPM   "
          f"meter: {meter[0]}/{meter[1]}   bars: {bars}")
    print(f"seed: {seed}{seed_note}")
    print(f"progression: {' | '.join(comp.progression)}")
    print(f"wrote {out}: {len(comp.parts)} tracks ({names}), "
          f"{sum(len(gp.part.notes) for gp in comp.parts)} notes, {len(data)} bytes")
    print()
    print(format_report(report))
    return EXIT_OK
