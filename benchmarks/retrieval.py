"""Documentation retrieval: recall@3 of dense-only, sparse-only (BM25) and fused (RRF) retrieval over the
question set of tests/rag/questions.yaml, and query latency (embedding + qdrant query) per mode, as wall
time and as CPU time of the querying thread's process.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/retrieval.py [--repeat N] [--misses]

onnxruntime runs with one intra-op thread (the team standard for tests and benchmarks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import get_args

os.environ.setdefault("OMP_NUM_THREADS", "1")

import yaml

from maestro_mcp.rag.corpus import load_pages
from maestro_mcp.rag.embed import DenseEmbedder
from maestro_mcp.rag.index import DocIndex, Hit, Mode

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "rag" / "questions.yaml"


def load_questions() -> list[tuple[str, set[tuple[str, str]]]]:
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [(item["q"], {(page, heading) for page, heading in item["a"]}) for item in data]


def found(hits: list[Hit], answers: set[tuple[str, str]]) -> bool:
    return any((h.page, h.heading) in answers for h in hits)


def _median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the question set")
    parser.add_argument("--misses", action="store_true", help="print the questions each mode misses")
    args = parser.parse_args()

    questions = load_questions()
    started = time.perf_counter()
    index = DocIndex.in_memory(load_pages(), DenseEmbedder(threads=1))
    build_ms = (time.perf_counter() - started) * 1000

    rows = []
    for mode in get_args(Mode):
        hits = [index.query(q, 3, mode) for q, _ in questions]
        recall = sum(found(h, a) for h, (_, a) in zip(hits, questions, strict=True)) / len(questions)
        wall: list[float] = []
        cpu: list[float] = []
        for _ in range(args.repeat):
            for q, _ in questions:
                t, c = time.perf_counter(), time.process_time()
                index.query(q, 3, mode)
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
        rows.append((mode, recall, *_median_p95(wall), *_median_p95(cpu)))
        if args.misses:
            for h, (q, a) in zip(hits, questions, strict=True):
                if not found(h, a):
                    print(f"  [{mode}] missed: {q}  -> {[(x.page, x.heading) for x in h]}")

    # Wall time includes waiting for a core when other processes compete for the two; CPU time is the work
    # one query costs, which is what the wall time comes down to on an otherwise idle machine.
    load = os.getloadavg()[0]
    print(f"{len(questions)} questions, {index.client.count(index.collection).count} chunks, "
          f"index built in {build_ms:.0f} ms (packaged vectors), onnxruntime threads: 1, "
          f"{os.cpu_count()} cores, load average {load:.2f}")
    print(f"{'retrieval':<10} {'recall@3':>9} {'wall median':>12} {'wall p95':>9} {'cpu median':>11} {'cpu p95':>8}")
    for mode, recall, w_median, w_p95, c_median, c_p95 in rows:
        print(f"{mode:<10} {recall:>9.3f} {w_median:>9.1f} ms {w_p95:>6.1f} ms {c_median:>8.1f} ms {c_p95:>5.1f} ms")


if __name__ == "__main__":
    main()
