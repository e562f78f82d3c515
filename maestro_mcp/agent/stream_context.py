"""What one stream works on (spec/sse.md §2): the validated request, the project context and apply target
(§2.3), a scratch copy for COMPOSING proposals, and the ids the request mints (README wire convention 3).
"""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel

from maestro_mcp.config import Settings
from maestro_mcp.daw.model import Project
from maestro_mcp.store.mirrors import MirrorStore, MirrorTarget

from .stream_snapshot import SnapshotError, parse_snapshot

T = TypeVar("T")

MAX_PROMPT = 32_768
MAX_SEED = 2147483647
OPENROUTER_BASE = "https://openrouter.ai/api/v1"
OPENROUTER_MODELS = ("anthropic/claude-sonnet-4.6", "anthropic/claude-opus-4.6")
QUALITY_PRESETS = ("fast", "balanced", "quality")
# uuid5 namespace of seeded requests (any fixed UUID works; this one is ours).
SEED_NAMESPACE = uuid.UUID("6b1f3c2e-7d4a-5e9b-8c0d-1a2b3c4d5e6f")

ApplyTarget = Literal["client", "daw", "headless"]


class ProjectLike(Protocol):
    """``ProjectStore``'s two methods: what ``dispatch`` needs of a project context."""

    async def read(self, principal: str) -> tuple[Project, int]: ...

    async def mutate(self, principal: str, fn: Callable[[Project], T]) -> tuple[T, int]: ...


class Ids:
    """The ids one request mints, in order: random UUIDs, or UUID version 5 from (seed, prompt, mint
    order) when the request carries a seed, so a seeded request reproduces its stream."""

    def __init__(self, seed: int | None = None, prompt: str = "") -> None:
        self._seed = seed
        self._prompt = prompt
        self._count = 0

    def __call__(self) -> str:
        if self._seed is None:
            return str(uuid.uuid4())
        self._count += 1
        return seeded_uuid(f"{self._seed}\x00{self._prompt}\x00{self._count}")


_SEED_PREFIX = SEED_NAMESPACE.bytes


def seeded_uuid(name: str) -> str:
    """``str(uuid.uuid5(SEED_NAMESPACE, name))`` without building a ``UUID`` object: a composition mints an
    id per note change, hundreds per stream."""
    digest = bytearray(hashlib.sha1(_SEED_PREFIX + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class ScratchStore:
    """A private copy of the base project: COMPOSING proposals run here, never on the project itself
    (variations.md §3.1). The scratch store owns its project, so calls apply in place (a stream makes ~20
    of them; a whole-project copy each was most of a stream's time). What keeps a failed call from leaving a
    half-applied change is a JSON record of the project taken before the call, which pydantic's serialiser
    makes far faster than a copy; the project is rebuilt from it only when a failing call changed something.
    Readers still get their own copy."""

    def __init__(self, base: Project, version: int) -> None:
        self.project = clone_model(base)
        self.version = version

    async def read(self, principal: str) -> tuple[Project, int]:
        return clone_model(self.project), self.version

    async def mutate(self, principal: str, fn: Callable[[Project], T]) -> tuple[T, int]:
        before = self.project.model_dump_json()
        try:
            result = fn(self.project)
        except BaseException:
            # The scratch project is left as it was (the ProjectStore contract); most failing calls fail
            # before they change anything, and then there is nothing to rebuild.
            if self.project.model_dump_json() != before:
                self.project = type(self.project).model_validate_json(before)
            raise
        return result, self.version


_ATOMIC = frozenset({str, int, float, bool, type(None)})
M = TypeVar("M", bound=BaseModel)


def clone_model(model: M) -> M:
    """A deep copy of a tree of models, lists and dicts (what ``model_copy(deep=True)`` gives for the
    project model, which shares nothing and has no cycles) without ``copy.deepcopy``'s memo bookkeeping:
    several times faster on a project with hundreds of notes."""
    return _clone(model)  # type: ignore[no-any-return]


def _clone(value: Any) -> Any:
    kind = type(value)
    if kind in _ATOMIC:
        return value
    if kind is list:
        return [v if type(v) in _ATOMIC else _clone(v) for v in value]
    if kind is dict:
        return {k: v if type(v) in _ATOMIC else _clone(v) for k, v in value.items()}
    if isinstance(value, BaseModel):
        fields = value.__dict__.copy()
        for name, v in fields.items():
            if type(v) not in _ATOMIC:
                fields[name] = _clone(v)
        new = object.__new__(kind)
        # The slots pydantic's own copy sets; pydantic models are built this way by ``model_copy`` too.
        object.__setattr__(new, "__dict__", fields)
        object.__setattr__(new, "__pydantic_fields_set__", set(value.__pydantic_fields_set__))
        object.__setattr__(new, "__pydantic_extra__", _clone(value.__pydantic_extra__))
        object.__setattr__(new, "__pydantic_private__", _clone(value.__pydantic_private__))
        return new
    return copy.deepcopy(value)  # anything else (tuples, sets, enums): the general route


# -- request (§2.1) ---------------------------------------------------------------------------------------


class RequestError(ValueError):
    def __init__(
        self, status: int, code: str, errors: list[dict[str, str]] | None = None, message: str = ""
    ) -> None:
        super().__init__(message or code)
        self.status = status
        self.code = code
        self.errors = errors or []
        self.message = message


@dataclass(frozen=True)
class StreamRequest:
    prompt: str  # cleaned: control and invisible characters removed, line endings \n
    project: dict[str, Any] | None = None
    conversation_id: str | None = None
    model: str | None = None
    store_prompt: bool = True
    quality_preset: str = "quality"
    seed: int | None = None


_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def clean_prompt(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))


def _pick(body: dict[str, Any], camel: str, snake: str) -> Any:
    return body[camel] if camel in body else body.get(snake)


def parse_request(body: Any, settings: Settings) -> StreamRequest:
    """Validate a stream request body (§2.1); raises ``RequestError`` (400 INVALID_JSON, 422)."""
    if not isinstance(body, dict):
        raise RequestError(400, "INVALID_JSON", message="The body must be a JSON object.")
    errors: list[dict[str, str]] = []

    def bad(code: str, path: str, message: str) -> None:
        errors.append({"code": code, "field": path, "message": message})

    prompt = body.get("prompt")
    if prompt is None:
        bad("MISSING_REQUIRED", "prompt", "is required")
    elif not isinstance(prompt, str):
        bad("TYPE_MISMATCH", "prompt", "must be a string")
    elif "\x00" in prompt:
        bad("INVALID_VALUE", "prompt", "must not contain NUL characters")
    elif not 1 <= len(prompt.strip()) <= MAX_PROMPT:
        bad("VALUE_OUT_OF_RANGE", "prompt", f"must be 1 to {MAX_PROMPT} characters")
    conversation = _pick(body, "conversationId", "conversation_id")
    if conversation is not None:
        try:
            conversation = str(uuid.UUID(str(conversation))).lower()
        except ValueError:
            bad("INVALID_VALUE", "conversationId", "must be a UUID")
    model = body.get("model")
    if model is not None:
        if not isinstance(model, str) or not model.strip():
            bad("INVALID_VALUE", "model", "must be a non-empty string")
        elif settings.llm_base_url.rstrip("/") == OPENROUTER_BASE and model not in OPENROUTER_MODELS:
            bad("INVALID_ENUM", "model", f"must be one of {', '.join(OPENROUTER_MODELS)} (got '{model}')")
    store = _pick(body, "storePrompt", "store_prompt")
    if store is not None and not isinstance(store, bool):
        bad("TYPE_MISMATCH", "storePrompt", "must be a boolean")
    preset = _pick(body, "qualityPreset", "quality_preset")
    if preset is not None and preset not in QUALITY_PRESETS:
        bad("INVALID_ENUM", "qualityPreset", f"must be one of {', '.join(QUALITY_PRESETS)} (got '{preset}')")
    seed = body.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
    ):
        bad(
            "VALUE_OUT_OF_RANGE" if isinstance(seed, int) else "TYPE_MISMATCH",
            "seed",
            f"must be an integer from 0 to {MAX_SEED}",
        )
    project = body.get("project")
    if project is not None:
        try:
            parse_snapshot(project)
        except SnapshotError as exc:
            errors += exc.errors
    if errors:
        raise RequestError(422, "VALIDATION_ERROR", errors[:20], "Invalid request.")
    return StreamRequest(
        prompt=clean_prompt(str(prompt)), project=project, conversation_id=conversation, model=model,
        store_prompt=True if store is None else bool(store), quality_preset=preset or "quality", seed=seed,
    )  # fmt: skip


# -- project context (§2.3) -------------------------------------------------------------------------------


@dataclass
class StreamContext:
    """The project the stream works on, who applies EDITING calls, and the settings its calls see."""

    principal: str
    project_id: str
    store: ProjectLike
    apply_target: ApplyTarget
    settings: Settings
    notices: list[str] = field(default_factory=list)  # status messages (clamped snapshot fields)

    async def read(self) -> tuple[Project, int]:
        return await self.store.read(self.principal)


async def open_context(
    principal: str, request: StreamRequest, settings: Settings, headless: ProjectLike, mirrors: MirrorStore
) -> StreamContext:
    """§2.3 rows 1 and 4 (the DAW mirror is a later edge's): a request snapshot replaces and persists the
    principal's client-snapshot mirror; otherwise the principal's headless project."""
    if request.project is not None:
        project, absent, clamped = parse_snapshot(request.project)
        await mirrors.replace(principal, project, absent)
        target: MirrorTarget = mirrors.target(project.id)
        # Calls on a mirror are applied by the server's headless semantics whatever STORI_DAW_MODE says.
        mirror_settings = settings.model_copy(update={"daw_mode": "headless"})
        notices = [f"Snapshot values clamped: {', '.join(clamped)}"] if clamped else []
        return StreamContext(principal, project.id, target, "client", mirror_settings, notices)
    project, _ = await headless.read(principal)
    return StreamContext(principal, project.id, headless, "headless", settings)
