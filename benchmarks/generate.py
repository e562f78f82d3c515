"""Wall time of the embedded engine: 16 bars x 6 roles (drums, bass, chords, pads, melody, arp) per run,
each run a different seed, and of writing the result as a MIDI file. Prints median and p95 per style and
overall, notes per second, and the ratio to the target (p95 <= 50 ms for generation).

    .venv/bin/python benchmarks/generate.py [--runs 50] [--styles "lofi hip hop,house,jazz"] [--bars 16]

Not a test: timings on a shared 2-core machine vary; run it on a quiet machine for the closing note.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from maestro_mcp.music.compose import _GENERATOR_MODULES, compose
from maestro_mcp.music.midi import composition_to_midi

ROLES = ("drums", "bass", "chords", "pads", "melody", "arp")
TARGET_P95_MS = 50.0
DEFAULT_STYLES = "lofi hip hop,house,jazz,trap,funk,cinematic,bossa nova,drum and bass"


def available(roles: tuple[str, ...]) -> list[str]:
    return [r for r in roles if importlib.util.find_spec(f"maestro_mcp.music.{_GENERATOR_MODULES[r]}") is not None]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(style: str, roles: list[str], runs: int, bars: int) -> tuple[list[float], list[float], list[float], int]:
    """Wall ms of generation and of MIDI writing, and CPU ms of generation (which other processes on a
    shared machine do not inflate), per run; and the notes made."""
    gen_ms, midi_ms, cpu_ms, notes = [], [], [], 0
    compose(style, roles, bars=bars, seed=10_000)  # warm caches and imports outside the timing
    for seed in range(runs):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        comp = compose(style, roles, bars=bars, seed=seed)
        c1, t1 = time.process_time(), time.perf_counter()
        composition_to_midi(comp)
        t2 = time.perf_counter()
        gen_ms.append((t1 - t0) * 1000)
        cpu_ms.append((c1 - c0) * 1000)
        midi_ms.append((t2 - t1) * 1000)
        notes += sum(len(gp.part.notes) for gp in comp.parts)
    return gen_ms, midi_ms, cpu_ms, notes


def row(label: str, gen: list[float], midi: list[float], cpu: list[float], notes: int) -> list[str]:
    total_s = sum(gen) / 1000
    return [
        label, f"{statistics.median(gen):.1f}", f"{p95(gen):.1f}", f"{p95(gen) / TARGET_P95_MS:.2f}",
        f"{statistics.median(cpu):.1f}", f"{p95(cpu):.1f}",
        f"{notes / total_s:,.0f}" if total_s else "-", f"{statistics.median(midi):.2f}", f"{p95(midi):.2f}",
        f"{notes / max(1, len(gen)):.0f}",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=50, help="runs (seeds) per style")
    ap.add_argument("--styles", default=DEFAULT_STYLES, help="comma-separated style names")
    ap.add_argument("--bars", type=int, default=16)
    args = ap.parse_args()
    roles = available(ROLES)
    missing = [r for r in ROLES if r not in roles]
    if not roles:
        print("no generator modules exist yet: nothing to time")
        return 1
    headers = ["style", "gen median ms", "gen p95 ms", "p95/target", "cpu median ms", "cpu p95 ms", "notes/s",
               "midi median ms",
               "midi p95 ms", "notes/run"]
    rows = []
    all_gen: list[float] = []
    all_midi: list[float] = []
    all_cpu: list[float] = []
    all_notes = 0
    for style in [s.strip() for s in args.styles.split(",") if s.strip()]:
        gen, midi, cpu, notes = run(style, roles, args.runs, args.bars)
        rows.append(row(style, gen, midi, cpu, notes))
        all_gen += gen
        all_midi += midi
        all_cpu += cpu
        all_notes += notes
    rows.append(row("ALL", all_gen, all_midi, all_cpu, all_notes))
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    print(f"{args.bars} bars x {len(roles)} roles ({', '.join(roles)}), {args.runs} seeds per style; "
          f"target: generation p95 <= {TARGET_P95_MS:.0f} ms")
    if missing:
        print(f"(no generator yet for: {', '.join(missing)} -- left out)")
    for r in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    worst = p95(all_gen)
    verdict = "meets" if worst <= TARGET_P95_MS else "MISSES"
    print(f"\noverall generation p95 {worst:.1f} ms wall = {worst / TARGET_P95_MS:.2f} x target: {verdict} the target"
          f" (CPU p95 {p95(all_cpu):.1f} ms = {p95(all_cpu) / TARGET_P95_MS:.2f} x; wall > CPU means other load)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
