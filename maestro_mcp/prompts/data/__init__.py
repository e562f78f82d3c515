"""Package data of the prompts package: placeholders, prompt templates and the inspiration cards."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml


def load(name: str) -> dict[str, Any]:
    """One data file as a mapping. These are our own files, so the plain safe loader is enough."""
    data = yaml.safe_load(files(__name__).joinpath(name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise RuntimeError(f"prompts data file {name} is not a mapping")
    return data
