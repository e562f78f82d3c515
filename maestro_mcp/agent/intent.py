"""Intent classification (spec/intents.md): a prompt → intent id, mode, confidence, slots, allowlist.

The rules decide alone and deterministically (``classify_rules``); ``classify`` adds the one short LLM
call of §4.8 for text the rules cannot place, when an ``IntentLLM`` is given. STORI PROMPTs are routed by
their ``Mode`` field (``classify_structured``) after the prompt parser has read them; that parser owns the
header test, so ``classify`` only ever sees natural language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from maestro_mcp.daw.model import Project

from . import intent_rules as rules
from .compose_slots import composition_slots, instrument_phrases, role_text
from .slots import RULE_SLOTS, Slots, Texts, mentions_pronoun, names_in_text, target_of

log = logging.getLogger(__name__)


class Mode(StrEnum):
    """The SSE ``state`` of intents.md §1."""

    REASONING = "reasoning"
    EDITING = "editing"
    COMPOSING = "composing"


_EXECUTION_MODE = {Mode.REASONING: "reasoning", Mode.EDITING: "apply", Mode.COMPOSING: "variation"}


class IntentResult(BaseModel):
    """``{intent, confidence, slots, reason}`` of intents.md §3, plus what follows from the intent."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    intent: str
    mode: Mode
    confidence: float
    slots: dict[str, Any] = Field(default_factory=dict)
    reason: str
    allowed_tools: tuple[str, ...] = ()  # the LLM path's allowlist (§2); deterministic calls are trusted
    tool_choice: str | None = None  # "required" | "auto" | None (no tools)
    needs_llm: bool = False  # the deterministic path cannot execute it (§6: LLM_UNAVAILABLE)
    text: str = ""  # the normalised text, letter case kept (what slots were read from)

    @property
    def execution_mode(self) -> str:
        """``executionMode`` of the ``state`` event: apply, variation or reasoning (§1)."""
        return _EXECUTION_MODE[self.mode]

    @property
    def single_tool(self) -> bool:
        """One tool on the LLM path: complete rule slots can then skip the LLM (§6)."""
        return len(self.allowed_tools) == 1

    @property
    def max_llm_turns(self) -> int:
        if self.tool_choice == "required":
            return 1
        return rules.MAX_COMPOSE_TURNS if self.mode is Mode.COMPOSING else rules.MAX_EDIT_TURNS


class IntentLLM(Protocol):
    """The one-call LLM classifier of §4.8. Implementations answer with one of ``categories`` (the
    keys of ``LLM_CATEGORIES``); any exception, or an answer that is not a category, counts as a failed
    call. Time limits are the implementation's."""

    async def classify_category(self, text: str, categories: Sequence[str]) -> str: ...


def make_result(
    intent: str, confidence: float, reason: str, slots: Slots | None = None, text: str = ""
) -> IntentResult:
    state, tools, choice = rules.CATALOGUE[intent]
    slots = dict(slots or {})
    needs_llm = intent in rules.LLM_ONLY_INTENTS or (
        intent in ("notes.add", "region.add") and not slots.get("instrument")
    )
    return IntentResult(
        intent=intent,
        mode=Mode(state),
        confidence=confidence,
        slots=slots,
        reason=reason,
        allowed_tools=tools,
        tool_choice=choice,
        needs_llm=needs_llm,
        text=text,
    )


# -- §4.1 Normalisation ----------------------------------------------------------------------------------

_CONTRACTION_RE = re.compile(
    r"(?<![\w'])(" + "|".join(re.escape(c) for c in rules.CONTRACTIONS) + r")(?![\w'])", re.IGNORECASE
)
# "hi" stays before "hat(s)": "hi hat" is a common spelling of the instrument (extension).
_FILLER_ALTERNATIVES = (
    r"hi(?!\s+hats?\b)" if f == "hi" else re.escape(f).replace(r"\ ", " ") for f in rules.FILLERS
)
_FILLER_RE = re.compile(r"(?<![\w'-])(" + "|".join(_FILLER_ALTERNATIVES) + r")(?![\w'-])", re.IGNORECASE)
_EDGE = set(rules.EDGE_PUNCTUATION) | {" "}


class Normalised(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str  # lower-cased, final "?" removed: what rules §4.4–§4.7 see
    cased: str  # the same words with their letter case kept (aligned with ``text``)
    question_mark: bool  # the text ended with "?"
    unfiltered: str  # lower-cased, before filler removal (affirmatives such as "please do")

    @property
    def display(self) -> str:
        """The normalised text of §4.1, with its final ``?``."""
        return self.text + ("?" if self.question_mark else "")


def _squash(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"\s+([,;])", r"\1", text)  # "tempo , to" left by a removed filler
    return re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)


def _strip_edges(text: str) -> tuple[str, bool]:
    start, end = 0, len(text)
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return text[start:end], "?" in text[end:]


def normalise(text: str) -> Normalised:
    """§4.1, in its order: trim, typographic quotes to ASCII, contractions, whitespace, fillers,
    whitespace, edge punctuation (remembering a final ``?``). Lower-casing is applied last to a
    case-keeping copy, so the two stay aligned word for word."""
    cased = text.strip().translate(rules.TYPOGRAPHIC)
    cased = _CONTRACTION_RE.sub(lambda m: rules.CONTRACTIONS[m.group(1).lower()], cased)
    cased = " ".join(cased.split())
    unfiltered, _ = _strip_edges(cased.lower())
    cased = _squash(_FILLER_RE.sub(" ", cased))
    cased, question = _strip_edges(cased)
    lowered = cased.lower()
    if len(lowered) != len(cased):  # a few non-ASCII letters change length when lower-cased
        cased = lowered
    return Normalised(text=lowered, cased=cased, question_mark=question, unfiltered=unfiltered)


# -- helpers --------------------------------------------------------------------------------------------


def _has_words(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def _is_affirmative(n: Normalised) -> bool:
    for text in (n.text, n.unfiltered):
        if text in rules.AFFIRMATIVE_PHRASES:
            return True
        words = text.split()
        if 0 < len(words) <= 3 and any(_has_words(text, p) for p in rules.AFFIRMATIVE_PHRASES):
            return True
    return False


def is_question(n: Normalised) -> bool:
    """§4.3. The auxiliary form needs a word after its subject, so the vague commands "do it",
    "do this", "do that" of §4.5 stay commands (spec question raised in the report)."""
    words = n.text.split()
    if not words:
        return False
    first = words[0]
    if first in rules.WH_WORDS and len(words) >= 2:
        return True
    if first in rules.AUX_WORDS and len(words) >= 3 and words[1] in rules.AUX_SUBJECTS:
        return True
    return n.question_mark and first not in rules.COMMAND_VERBS


def has_stori_keyword(text: str) -> bool:
    lowered = text.lower()
    return any(_has_words(lowered, kw) for kw in rules.STORI_KEYWORDS)


def offers_composition(answer: str) -> bool:
    """Whether an assistant answer ends by offering to compose (§4.2: an offer phrase together with a
    generation word); the server stores the result as the turn's ``offersComposition``."""
    lowered = " ".join(answer.lower().translate(rules.TYPOGRAPHIC).split())
    return any(p in lowered for p in rules.OFFER_PHRASES) and any(
        _has_words(lowered, w) for w in rules.OFFER_WORDS
    )


def match_idiom(text: str) -> tuple[str, str] | None:
    """The producer idiom of §4.6 in ``text``: (intent, direction), first row first."""
    lowered = text.lower()
    for intent, phrases, direction in rules.IDIOMS:
        if any(_has_words(lowered, p) for p in phrases):
            return intent, direction
    return None


_RULES = tuple(
    (rule_id, tuple(re.compile(p) for p in patterns), intent, conf)
    for rule_id, patterns, intent, conf in rules.ORDERED_RULES
)


def _ordered_rule(t: Texts, bpb: float) -> IntentResult | None:
    for rule_id, patterns, intent, conf in _RULES:
        for pattern in patterns:
            m = pattern.search(t.norm)
            if m:
                return make_result(intent, conf, rule_id, RULE_SLOTS[rule_id](m, t, bpb), t.cased)
    return None


def _track_targets(text: str, project: Project | None) -> list[str]:
    if project is None:
        return []
    names = [tr.name for tr in project.tracks]
    return [names[i] for i in names_in_text(text, names)]


def _notes_slots(t: Texts) -> Slots:
    found = instrument_phrases(t.norm)
    slots: Slots = {"instrument": None, "role": None, "target": None}
    if found:
        phrase, inst = found[0]
        slots.update(instrument=role_text(phrase, inst), role=inst.role)
    to = re.search(r"\bto\b", t.norm)
    if to:
        slots["target"] = target_of(t, to.end())
    return slots


def _is_generation(text: str) -> bool:
    return any(p.search(text) for p in rules.GENERATION_PATTERNS)


# -- classification -------------------------------------------------------------------------------------


def classify_rules(
    text: str, *, offered_composition: bool = False, project: Project | None = None
) -> IntentResult:
    """Steps 2–10 of §3 for natural language, without any LLM. ``offered_composition`` is the
    ``offersComposition`` flag of the previous assistant turn; ``project`` (optional) fills slots that
    depend on it (bar → beat, composition defaults, track names found in an idiom)."""
    n = normalise(text)
    t = Texts(n.text, n.cased)
    bpb = project.beats_per_bar if project is not None else 4.0

    if offered_composition and _is_affirmative(n):
        slots = composition_slots(text, project).model_dump(by_alias=True)
        return make_result("compose.generate_music", 0.85, "affirmative_confirmation", slots, n.cased)
    if is_question(n):
        intent = "ask.stori_docs" if has_stori_keyword(n.text) else "ask.general"
        return make_result(intent, rules.QUESTION_CONFIDENCE, "question", {}, n.cased)
    ruled = _ordered_rule(t, bpb)
    if ruled is not None:
        return ruled
    if n.text in rules.VAGUE_PHRASES:
        return make_result("control.needs_clarification", rules.VAGUE_CONFIDENCE, "vague", {}, n.cased)
    idiom = match_idiom(n.text)
    if idiom is not None:
        slots = {"direction": idiom[1], "target": _track_targets(n.text, project),
                 "pronoun": mentions_pronoun(n.text)}  # fmt: skip
        return make_result(idiom[0], rules.IDIOM_CONFIDENCE, "idiom", slots, n.cased)
    words = set(n.text.split())
    if words & rules.ADD_TO_VERBS and "to" in words:
        return make_result("notes.add", rules.ADD_TO_CONFIDENCE, "add_to", _notes_slots(t), n.cased)
    if _is_generation(n.text):
        slots = composition_slots(text, project).model_dump(by_alias=True)
        return make_result(
            "compose.generate_music", rules.GENERATION_CONFIDENCE, "generation", slots, n.cased
        )
    return make_result("control.unknown", rules.UNKNOWN_CONFIDENCE, "unknown", {}, n.cased)


def _from_category(category: str, text: str, project: Project | None) -> IntentResult:
    n = normalise(text)
    intent = rules.LLM_CATEGORIES[category]
    if category == "question":
        intent = "ask.stori_docs" if has_stori_keyword(n.text) else "ask.general"
    slots: Slots = {}
    if intent == "compose.generate_music":
        slots = composition_slots(text, project).model_dump(by_alias=True)
    elif intent == "region.add":
        slots = _notes_slots(Texts(n.text, n.cased))
    elif intent == "mix.energy":
        slots = {"direction": "increase", "target": _track_targets(n.text, project),
                 "pronoun": mentions_pronoun(n.text)}  # fmt: skip
    conf = rules.LLM_OTHER_CONFIDENCE if category == "other" else rules.LLM_CONFIDENCE
    return make_result(intent, conf, f"llm:{category}", slots, n.cased)


async def classify(
    text: str,
    *,
    offered_composition: bool = False,
    project: Project | None = None,
    llm: IntentLLM | None = None,
) -> IntentResult:
    """§3 for natural language: the rules, then (only for ``control.unknown`` and only with ``llm``)
    one classification call. A failed call leaves ``control.unknown`` at confidence 0.3."""
    result = classify_rules(text, offered_composition=offered_composition, project=project)
    if result.intent != "control.unknown" or llm is None:
        return result
    try:
        answer = await llm.classify_category(text, tuple(rules.LLM_CATEGORIES))
    except Exception:  # the fallback must never break the stream: any failure is "the call failed"
        log.warning("intent LLM fallback failed", exc_info=True)
        answer = ""
    category = answer.strip().strip("`'\".").lower().replace(" ", "_").replace("-", "_")
    if category not in rules.LLM_CATEGORIES:
        return make_result("control.unknown", rules.LLM_FAILED_CONFIDENCE, "llm_failed", {}, result.text)
    return _from_category(category, text, project)


# -- §3 step 1: STORI PROMPTs, after parsing -------------------------------------------------------------


def classify_structured(
    mode: str,
    *,
    vibe: Sequence[tuple[str, int]] = (),
    constraint_keys: Iterable[str] = (),
    request: str | None = None,
    blocks: Iterable[str] = (),
    project: Project | None = None,
) -> IntentResult:
    """Route a parsed STORI PROMPT by ``Mode`` (stori-prompt.md §5), confidence 0.99.

    ``vibe`` is the Vibe list as (word, weight) in prompt order; ``constraint_keys`` the normalised
    Constraints keys; ``blocks`` the top-level keys present (any spelling), whose tools join an edit's
    allowlist (intents.md §2).
    """
    mode = mode.strip().lower()
    conf = rules.STRUCTURED_CONFIDENCE
    if mode == "compose":
        return make_result("compose.generate_music", conf, "stori_prompt")
    if mode == "ask":
        return make_result("ask.general", conf, "stori_prompt")
    if mode != "edit":
        raise ValueError(f"Mode must be compose, edit or ask (got {mode!r})")

    result: IntentResult | None = None
    best: tuple[int, int] | None = None  # (-weight, position): the highest weight, earliest on ties
    for position, (word, weight) in enumerate(vibe):
        idiom = match_idiom(word)
        if idiom is not None and (best is None or (-weight, position) < best):
            best = (-weight, position)
            result = make_result(idiom[0], conf, "stori_prompt:vibe", {"direction": idiom[1], "vibe": word})
    if result is None and set(k.lower() for k in constraint_keys) & rules.CONSTRAINT_EFFECT_WORDS:
        effect = next(k.lower() for k in constraint_keys if k.lower() in rules.CONSTRAINT_EFFECT_WORDS)
        result = make_result("fx.add_insert", conf, "stori_prompt:constraints", {"effect": effect})
    if result is None and request:
        ruled = classify_rules(request, project=project)
        if ruled.mode is Mode.EDITING:
            result = make_result(
                ruled.intent, conf, f"stori_prompt:request:{ruled.reason}", ruled.slots, ruled.text
            )
    if result is None:
        # Reported only: no idiom action follows from it (stori-prompt.md §11).
        result = make_result("mix.energy", conf, "stori_prompt:default", {"reportOnly": True})
    extra = [tool for b in blocks for tool in rules.BLOCK_TOOLS.get(re.sub(r"[\s_-]", "", b.lower()), ())]
    if extra:
        tools = tuple(dict.fromkeys((*result.allowed_tools, *extra)))
        result = result.model_copy(update={"allowed_tools": tools})
    return result


def invalid_prompt(message: str) -> IntentResult:
    """``control.invalid_prompt`` for a STORI PROMPT whose body breaks a rule (sse.md §5.6)."""
    return make_result("control.invalid_prompt", rules.STRUCTURED_CONFIDENCE, "stori_prompt:invalid",
                       {"message": message})  # fmt: skip
