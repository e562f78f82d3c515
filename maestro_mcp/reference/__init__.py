"""Reference texts served to models and users: the STORI PROMPT guide (``stori://reference/stori-prompt``).

Kept as package data beside the code so the MCP resource, the docs and the tests read one file.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

GUIDE_FILE = "stori_prompt.md"


@cache
def stori_prompt_guide() -> str:
    """The user guide to the STORI PROMPT format, as Markdown."""
    return files(__name__).joinpath(GUIDE_FILE).read_text(encoding="utf-8")
