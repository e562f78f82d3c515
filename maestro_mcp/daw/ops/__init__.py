"""The headless DAW's tool handlers, one module per tool category of tools.md §1."""

from __future__ import annotations

from . import control, mixing, notes, project, regions, tracks, transport
from ._common import Handler

HANDLERS: dict[str, Handler] = {
    **project.HANDLERS,
    **tracks.HANDLERS,
    **regions.HANDLERS,
    **notes.HANDLERS,
    **mixing.HANDLERS,
    **control.HANDLERS,
    **transport.HANDLERS,
}

__all__ = ["HANDLERS", "Handler"]
