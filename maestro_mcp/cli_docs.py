"""``maestro-mcp ingest-docs``: fill a Qdrant server's documentation index (STORI_QDRANT_URL)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from maestro_mcp.config import load_settings


def _run_ingest(args: argparse.Namespace) -> int:
    from maestro_mcp.rag.ingest import ingest

    settings = load_settings(qdrant_url=args.qdrant_url)
    if not settings.qdrant_url:
        print("maestro-mcp ingest-docs: set STORI_QDRANT_URL (or pass --qdrant-url) to the Qdrant server to fill; "
              "without one every server builds its index in memory and needs no ingest.", file=sys.stderr)
        return 2
    try:
        report = ingest(settings, args.path)
    except ValueError as exc:
        print(f"maestro-mcp ingest-docs: {exc}", file=sys.stderr)
        return 2
    print(report.describe())
    return 0


def add_ingest_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("ingest-docs", help="index the documentation into the Qdrant server at STORI_QDRANT_URL")
    parser.add_argument("path", nargs="?", type=Path, help="folder of Markdown pages (default: the packaged docs)")
    parser.add_argument("--qdrant-url", help="Qdrant server URL (default: STORI_QDRANT_URL)")
    parser.set_defaults(handler=_run_ingest)
