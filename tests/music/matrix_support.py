"""The conditioning and musical-sanity matrix of issue 2, shared by the tests and
``benchmarks/matrix_report.py``: which cases exist, what every case must hold (read back from its MIDI
file), the issue's musical targets, and the rates table for the closing note.

Roles whose generator module does not exist yet are left out (and listed), so the matrix runs for
whatever the engine has.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

import mido

from maestro_mcp.music.compose import _GENERATOR_MODULES, Composition, compose, resolve_role
from maestro_mcp.music.context import ROLE_RANGES
from maestro_mcp.music.midi import composition_to_midi
from maestro_mcp.music.parts import DRUM_CHANNEL
from maestro_mcp.music.quality import composition_report
from maestro_mcp.music.styles import StyleProfile, match_style

# Every style the issue names -> (profile id, variant or None).
ISSUE_STYLES: dict[str, tuple[str, str | None]] = {
    "lo-fi boom bap": ("lofi", None), "melodic techno": ("techno", "melodic techno"),
    "cinematic orchestral": ("cinematic", None), "afrobeats": ("afrobeats", None),
    "ambient drone": ("ambient", "drone"), "jazz": ("jazz", None), "dark trap": ("trap", "dark"),
    "bossa nova": ("bossa", None), "funk": ("funk", None), "neo-soul": ("neosoul", None),
    "drum & bass": ("dnb", None), "minimal house": ("house", "minimal"), "synthwave": ("synthwave", None),
    "post-rock": ("postrock", None), "reggaeton": ("reggaeton", None),
    "classical string quartet": ("cinematic", "string quartet"), "psytrance": ("psytrance", None),
    "indie folk": ("folk", "indie"), "New Orleans brass": ("brass", None), "Nordic ambient": ("ambient", "nordic"),
    "flamenco fusion": ("flamenco", None), "UK garage": ("garage", None), "lo-fi chill": ("lofi", "chill"),
    "jazz trio": ("jazz", "trio"), "deep house": ("house", "deep house"),
    "house": ("house", None), "techno": ("techno", None), "boom bap": ("hiphop", None), "hip hop": ("hiphop", None),
    "trap": ("trap", None), "rock": ("rock", None), "pop": ("pop", None), "r&b": ("neosoul", "r&b"),
    "reggae": ("reggae", None), "disco": ("house", "disco"), "edm": ("edm", None), "cinematic": ("cinematic", None),
    "blues": ("blues", None),
}
KEYS = ("C", "Am", "F#m", "Eb")
BARS = (4, 8, 16)
SEEDS = (1, 2, 3)

FOUR_ON_FLOOR = frozenset({"four_on_floor", "techno", "minimal", "disco", "psytrance"})
BACKBEAT = frozenset({"boom_bap", "lofi", "funk", "rock", "pop"})
PITCHED_IN_KEY = {"bass": 0.97, "melody": 0.90, "lead": 0.90}  # the rest of the pitched roles: 0.95


def has_generator(role: str) -> bool:
    return importlib.util.find_spec(f"maestro_mcp.music.{_GENERATOR_MODULES[role]}") is not None


def style_roles(profile: StyleProfile) -> tuple[list[str], list[str]]:
    """The style's role words whose generator exists, and those left out."""
    words = list(profile.default_roles)
    ok = [w for w in words if has_generator(resolve_role(w)[0])]
    return ok, [w for w in words if w not in ok]


def tempos(profile: StyleProfile) -> tuple[float, float, float]:
    lo, hi = profile.tempo_range
    return float(lo), (lo + hi) / 2, float(hi)


@dataclass(frozen=True, slots=True)
class Case:
    style: str
    key: str
    tempo: float
    bars: int
    seed: int

    def __str__(self) -> str:
        return f"{self.style}/{self.key}/{self.tempo:g}bpm/{self.bars}bars/seed{self.seed}"


def cases(styles: Iterable[str], keys: Iterable[str] = KEYS, bars: Iterable[int] = BARS,
          seeds: Iterable[int] = SEEDS, tempo_picks: tuple[int, ...] = (0, 1, 2)) -> Iterator[Case]:
    for style in styles:
        profile = match_style(style).profile
        ts = tempos(profile)
        for key in keys:
            for i in tempo_picks:
                for b in bars:
                    for seed in seeds:
                        yield Case(style, key, ts[i], b, seed)


# -- conditioning ------------------------------------------------------------------------------------


def conditioning_failures(case: Case, comp: Composition, words: list[str]) -> list[str]:
    """Everything the issue asks at 100%, read from the composition and from its MIDI file."""
    fails: list[str] = []
    profile = match_style(case.style).profile
    bpb = profile.meter[0] * 4 / profile.meter[1]
    total = case.bars * bpb
    if comp.tempo != case.tempo or comp.time_signature != profile.meter or comp.bars != case.bars:
        fails.append(f"asked {case.tempo} {profile.meter} {case.bars} bars, got {comp.tempo} {comp.time_signature} {comp.bars}")
    if len(comp.parts) != len(words):
        fails.append(f"{len(comp.parts)} parts for {len(words)} roles")
    for gp, word in zip(comp.parts, words, strict=False):
        part, role = gp.part, gp.role
        tag = f"{word}({role})"
        if role != resolve_role(word)[0]:
            fails.append(f"{tag}: generated as {role}")
        if not part.notes:
            fails.append(f"{tag}: no notes")
            continue
        if part.is_drums != (role == "drums"):
            fails.append(f"{tag}: channel {part.channel}")
        low, high = ROLE_RANGES[role]
        bad = [n for n in part.notes if not low <= n.pitch <= high]
        if bad:
            fails.append(f"{tag}: {len(bad)} pitches outside {low}-{high}, e.g. {bad[0]}")
        outside = [n for n in part.notes if not (0 <= n.start < total and n.end <= total + 1e-6)]
        if outside:
            fails.append(f"{tag}: {len(outside)} notes outside [0, {total}), e.g. {outside[0]}")
        if not any(n.start >= total - bpb for n in part.notes):
            fails.append(f"{tag}: last bar empty")
        by_pitch: dict[int, float] = {}
        for n in sorted(part.notes, key=lambda n: (n.start, n.pitch)):
            if n.start < by_pitch.get(n.pitch, -1.0) - 1e-6:
                fails.append(f"{tag}: same-pitch overlap at {n}")
                break
            by_pitch[n.pitch] = max(by_pitch.get(n.pitch, -1.0), n.end)
    fails += midi_failures(comp, total)
    return fails


def midi_failures(comp: Composition, total_beats: float) -> list[str]:
    mf = mido.MidiFile(file=io.BytesIO(composition_to_midi(comp)))
    fails: list[str] = []
    tempo = [m.tempo for t in mf.tracks for m in t if m.type == "set_tempo"]
    if len(tempo) != 1 or abs(mido.tempo2bpm(tempo[0]) - comp.tempo) > 1e-3:
        fails.append(f"midi tempo {tempo}")
    ts = [(m.numerator, m.denominator) for t in mf.tracks for m in t if m.type == "time_signature"]
    if ts != [comp.time_signature]:
        fails.append(f"midi time signature {ts}")
    named = [t for t in mf.tracks if any(m.type == "track_name" for m in t)]
    names = [next(m.name for m in t if m.type == "track_name") for t in named]
    if names != [gp.part.name for gp in comp.parts]:
        fails.append(f"midi track names {names}")
    last_tick = 0
    for track, gp in zip(named, comp.parts, strict=False):
        notes = [m for m in track if m.type == "note_on" and m.velocity > 0]
        channels = {m.channel for m in track if not m.is_meta}
        if gp.role == "drums":
            if channels - {DRUM_CHANNEL} or any(not 35 <= m.note <= 81 for m in notes):
                fails.append(f"midi drums: channels {channels}, keys outside 35-81")
        elif DRUM_CHANNEL in channels:
            fails.append(f"midi {gp.part.name}: on the drum channel")
        if len(notes) != len(gp.part.notes):
            fails.append(f"midi {gp.part.name}: {len(notes)} notes for {len(gp.part.notes)}")
        last_tick = max(last_tick, sum(m.time for m in track))
    if last_tick > round(total_beats * mf.ticks_per_beat) + 1:  # + the end-of-track tick
        fails.append(f"midi runs {last_tick} ticks for {total_beats} beats")
    return fails


# -- musical sanity ----------------------------------------------------------------------------------


@dataclass(slots=True)
class StyleResult:
    style: str
    profile: StyleProfile
    roles: list[str]
    missing: list[str]
    cases: int = 0
    failures: list[str] = field(default_factory=list)  # conditioning
    reports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # role word -> part reports


def run_style(style: str, case_iter: Iterable[Case]) -> StyleResult:
    profile = match_style(style).profile
    words, missing = style_roles(profile)
    result = StyleResult(style, profile, words, missing)
    if not words:
        return result
    for case in case_iter:
        comp = compose(case.style, words, key=case.key, tempo=case.tempo, bars=case.bars, seed=case.seed,
                       time_signature=profile.meter)
        result.cases += 1
        result.failures += [f"{case}: {f}" for f in conditioning_failures(case, comp, words)]
        for word, rep in zip(words, composition_report(comp)["parts"], strict=False):
            result.reports.setdefault(word, []).append(rep)
    return result


def mean_of(reports: list[dict[str, Any]], metric: str) -> float | None:
    values = [r[metric] for r in reports if r.get(metric) is not None]
    return fmean(values) if values else None


def sanity_targets(profile: StyleProfile, role: str) -> list[tuple[str, str, float]]:
    """(metric, comparison, threshold) the issue sets for this role in this style."""
    out: list[tuple[str, str, float]] = []
    if role == "drums":
        out += [("drum_similarity", ">=", 0.75), ("velocity_sd", ">=", 8.0)]
        grooves = set(profile.grooves)
        if grooves <= FOUR_ON_FLOOR:
            out.append(("four_on_floor", ">=", 0.90))
        if grooves <= BACKBEAT:
            out.append(("backbeat", ">=", 0.85))
        if grooves == {"trap"}:
            out.append(("snare_on_3", ">=", 0.85))
        if grooves == {"bossa"}:
            out.append(("backbeat", "<=", 0.10))
        if grooves == {"funk"}:
            out.append(("odd_16th", ">=", 0.25))
        return out
    in_key = 0.80 if profile.loose_key else PITCHED_IN_KEY.get(role, 0.95)
    out += [("in_key_ratio", ">=", in_key), ("velocity_sd", ">=", 3.0)]
    if role in ("melody", "lead"):
        out += [("step_rate", ">=", 0.35), ("mean_interval", "<=", 5.0), ("leap_share", "<=", 0.02),
                ("chord_tone_strong", ">=", 0.70)]
    if role == "bass":
        out.append(("bass_root_fifth", ">=", 0.85))
    if role in ("chords", "keys", "pads", "strings"):
        out.append(("chord_voices_ok", ">=", 0.95))
    return out


def swing_measured(result: StyleResult) -> float | None:
    return mean_of([r for reps in result.reports.values() for r in reps], "swing_amount")


def sanity_failures(result: StyleResult) -> list[str]:
    fails = []
    for word, reps in result.reports.items():
        role = resolve_role(word)[0]
        for metric, op, threshold in sanity_targets(result.profile, role):
            value = mean_of(reps, metric)
            if value is None:
                continue
            ok = value >= threshold if op == ">=" else value <= threshold
            if not ok:
                fails.append(f"{result.style} {word}: {metric} {value:.3f} (target {op} {threshold})")
    if result.profile.swing >= 0.3:
        measured = swing_measured(result)
        if measured is not None and measured < 0.5 * result.profile.swing:
            fails.append(f"{result.style}: swing measured {measured:.2f} for the style's {result.profile.swing}")
    return fails


# -- the table for the closing note ------------------------------------------------------------------

_COLUMNS = (
    ("in_key_ratio", "inkey"), ("step_rate", "steps"), ("mean_interval", "|int|"), ("leap_share", "leaps"),
    ("chord_tone_strong", "ct@strong"), ("bass_root_fifth", "root/5"), ("chord_voices_ok", ">=3v"),
    ("drum_similarity", "groove"), ("four_on_floor", "4otf"), ("backbeat", "2&4"), ("snare_on_3", "sn3"),
    ("odd_16th", "odd16"), ("velocity_sd", "vel sd"), ("swing_amount", "swing"),
)


def summary_table(results: Iterable[StyleResult]) -> str:
    """Mean figures per style x role, then per role over all styles; failing means marked '!'."""
    results = list(results)
    headers = ["style", "role", "cases", *[label for _, label in _COLUMNS]]
    rows: list[list[str]] = []
    pooled: dict[str, list[dict[str, Any]]] = {}
    for res in results:
        for word, reps in res.reports.items():
            role = resolve_role(word)[0]
            pooled.setdefault(role, []).extend(reps)
            targets = {m: (op, t) for m, op, t in sanity_targets(res.profile, role)}
            rows.append([res.style, word, str(len(reps)), *[_fmt(mean_of(reps, m), targets.get(m)) for m, _ in _COLUMNS]])
    for role, reps in sorted(pooled.items()):
        rows.append(["ALL", role, str(len(reps)), *[_fmt(mean_of(reps, m), None) for m, _ in _COLUMNS]])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [headers, ["-" * w for w in widths], *rows]]
    conditioning = sum(len(r.failures) for r in results)
    total = sum(r.cases for r in results)
    missing = sorted({m for r in results for m in r.missing})
    lines.append(f"\nconditioning: {total - len({f.split(': ')[0] for r in results for f in r.failures})}/{total} "
                 f"compositions pass ({conditioning} failures)")
    if missing:
        lines.append(f"left out (no generator yet): {', '.join(missing)}")
    return "\n".join(line.rstrip() for line in lines)


def _fmt(value: float | None, goal: tuple[str, float] | None) -> str:
    if value is None:
        return "-"
    text = f"{value:.2f}"
    if goal is not None:
        op, t = goal
        if not (value >= t if op == ">=" else value <= t):
            text += "!"
    return text
