"""The inspiration pool (http-api.md §4.2): 22 complete STORI PROMPTs, four drawn at random per call.

Previews and sections are derived from each card's prompt as parsed, so they always agree with it.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from .data import load
from .errors import PromptNotFound
from .fields import constraint_pairs
from .render import PromptFields, PromptSection, Wire
from .stori_prompt import StoriPrompt, parse_stori_prompt
from .yaml_body import find_header, fold_key, load_body

CARDS_PER_DRAW = 4


class InspirationCard(Wire):
    id: str
    title: str
    preview: str
    full_prompt: str


class CardDetail(InspirationCard):
    """A card looked up by id on the template route (extension): the card plus its sections."""

    sections: list[PromptSection]


def preview_of(prompt: StoriPrompt) -> str:
    """Four lines: mode and section; style, key and tempo; roles; the first three vibe items."""
    tempo = f"{prompt.tempo:g}" if prompt.tempo is not None else "?"
    return "\n".join(
        [
            f"Mode: {prompt.mode} · Section: {prompt.section or '-'}",
            f"Style: {prompt.style or '-'} · Key: {prompt.key or '-'} · {tempo} BPM",
            f"Role: {', '.join(prompt.roles)}",
            f"Vibe: {', '.join(item.text() for item in prompt.vibe[:3])}",
        ]
    )


def sections_of(full_prompt: str, prompt: StoriPrompt) -> list[PromptSection]:
    """The routing fields as one-line values; Constraints shown as written (``density: medium-sparse``,
    not the 0.4 it resolves to)."""
    header = find_header(full_prompt)
    assert header is not None  # the caller parsed it already
    raw = {fold_key(f.key): f.value for f in load_body(header, {}).fields}
    constraints = dict(constraint_pairs(raw.get("constraints")))
    return PromptFields(
        style=prompt.style or "",
        key=prompt.key,
        tempo=prompt.tempo,
        roles=prompt.roles,
        constraints=constraints,
        vibe=[item.text() for item in prompt.vibe],
        request=prompt.request,
        section=prompt.section,
        mode=prompt.mode,
    ).sections()


@cache
def _pool() -> tuple[tuple[CardDetail, StoriPrompt], ...]:
    out = []
    for entry in load("cards.yaml")["cards"]:
        text = str(entry["prompt"]).rstrip("\n")
        prompt = parse_stori_prompt(text)
        if prompt is None:  # a card that is not a STORI PROMPT is a bug in the data file
            raise RuntimeError(f"card {entry['id']} has no STORI PROMPT header")
        card = CardDetail(id=str(entry["id"]), title=str(entry["title"]), preview=preview_of(prompt),
                          full_prompt=text, sections=sections_of(text, prompt))  # fmt: skip
        out.append((card, prompt))
    return tuple(out)


def inspiration_cards() -> list[InspirationCard]:
    """The whole pool, in data-file order."""
    return [InspirationCard.model_validate(card.model_dump(exclude={"sections"})) for card, _ in _pool()]


def card_prompt(card_id: str) -> StoriPrompt:
    """The parsed prompt of a card (for planners and tests)."""
    for card, prompt in _pool():
        if card.id == card_id:
            return prompt
    raise PromptNotFound(card_id)


def get_card(card_id: str) -> CardDetail:
    for card, _ in _pool():
        if card.id == card_id:
            return card
    raise PromptNotFound(card_id)


def draw_cards(count: int = CARDS_PER_DRAW, seed: int | None = None) -> list[InspirationCard]:
    """``count`` distinct cards drawn uniformly; a ``seed`` makes the draw repeatable (extension)."""
    pool = inspiration_cards()
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    return rng.sample(pool, min(count, len(pool)))


def inspiration_response(seed: int | None = None) -> dict[str, Any]:
    """Body of ``GET /api/v1/maestro/prompts``."""
    return {"prompts": [card.model_dump(by_alias=True) for card in draw_cards(seed=seed)]}
