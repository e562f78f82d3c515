"""Run issue 2's matrix (or a part of it) and print the rates table for the closing note: mean figures
per style and role against the issue's targets ('!' marks a miss), conditioning failures, and the
musical-sanity misses. Same cases and checks as ``pytest -m matrix`` (tests/music/matrix_support.py).

    .venv/bin/python benchmarks/matrix_report.py                 # the full matrix (minutes)
    .venv/bin/python benchmarks/matrix_report.py --seeds 1 --styles "jazz,funk"
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.music.matrix_support import (
    BARS,
    ISSUE_STYLES,
    KEYS,
    cases,
    run_style,
    sanity_failures,
    summary_table,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--styles", help="comma-separated style names (default: every style the issue names)")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per case (default 3)")
    ap.add_argument("--show", type=int, default=10, help="conditioning failures to list per style")
    args = ap.parse_args()
    styles = [s.strip() for s in args.styles.split(",")] if args.styles else list(ISSUE_STYLES)
    t0 = time.perf_counter()
    results = []
    for style in styles:
        res = run_style(style, cases([style], KEYS, BARS, range(1, args.seeds + 1)))
        results.append(res)
        print(f"{style}: {res.cases} compositions, {len(res.failures)} conditioning failures", file=sys.stderr)
    print(summary_table(results))
    misses = [m for r in results for m in sanity_failures(r)]
    print(f"\nmusical-sanity misses ({len(misses)}):")
    for m in misses:
        print(f"  {m}")
    for r in results:
        for f in r.failures[: args.show]:
            print(f"  conditioning: {f}")
    print(f"\n{sum(r.cases for r in results)} compositions in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
