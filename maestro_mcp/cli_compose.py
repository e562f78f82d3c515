"""``maestro-mcp compose``: run the agent loop of the Stori stream on a local headless project, show the plan's
progress on stderr, accept the proposed variation and write the song as MIDI (and a piano-roll PNG, a WAV).

Where it works: a project store of its own, never the user's ``local`` project. By default that is a SQLite
file in a temporary directory, removed on exit, so nothing outside the output files is left behind. With
``--data-dir`` the store is that directory's database and the song is composed for a fresh principal
``cli-<12 hex digits>``: the project stays there for later inspection (a token for that principal reads it
over REST). Both run the same code as the HTTP edge: ``run_stream`` records the variation, and
``VariationService.commit`` accepts every phrase, so the files hold exactly the proposed notes.

Exit codes: 0 written; 2 the command line or the prompt is wrong (the message says which line); 1 anything
else (no notes produced, a renderer missing, a file that cannot be written).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the heavy modules load only when a composition runs
    from maestro_mcp.config import Settings
    from maestro_mcp.daw.model import Project

OnEvent = Callable[[dict[str, Any]], Awaitable[None]]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
MAX_SEED = 2_147_483_647
EXAMPLE = (
    'maestro-mcp compose "a chill lo-fi beat in A minor with drums, bass and keys" -o song.mid, '
    "or a STORI PROMPT with 'Mode: compose' in a file: maestro-mcp compose -f prompt.txt -o song.mid"
)


class CommandError(Exception):
    """One message for the user and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def add_compose_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "compose",
        help="compose a song from a prompt with the agent loop (no server) and write MIDI/PNG/WAV",
        description=(
            "Compose from a plain-English prompt or a STORI PROMPT with the same agent loop as the Stori "
            "stream, on a private headless project; the proposed variation is accepted and written out."
        ),
    )
    p.add_argument("prompt", nargs="?", help="the prompt text (or use -f)")
    p.add_argument("-f", "--file", help="read the prompt from this file ('-' for stdin)")
    p.add_argument("-o", "--output", required=True, help="Standard MIDI File to write (.mid)")
    p.add_argument("--png", help="also write a piano-roll image here")
    p.add_argument("--wav", help="also render audio here (needs fluidsynth and a General MIDI SoundFont)")
    p.add_argument("--seed", help=f"0-{MAX_SEED}: same seed and prompt, same song (default: random, printed)")
    p.add_argument(
        "--data-dir", type=Path,
        help="keep the composed project in this data directory's database (principal cli-<id>); "
        "default: a temporary store, removed on exit",
    )  # fmt: skip
    p.set_defaults(handler=run_compose)


# -- arguments ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComposeJob:
    prompt: str
    source: str  # where the prompt came from, for error messages
    seed: int
    seed_given: bool
    midi: Path
    png: Path | None
    wav: Path | None
    data_dir: Path | None


def _read_prompt(args: argparse.Namespace) -> tuple[str, str]:
    if args.prompt is not None and args.file is not None:
        raise CommandError("give the prompt as text or with -f, not both", EXIT_USAGE)
    if args.file is None:
        if args.prompt is None:
            raise CommandError(f"no prompt given; for example: {EXAMPLE}", EXIT_USAGE)
        return str(args.prompt), "the prompt"
    if args.file == "-":
        return sys.stdin.read(), "stdin"
    path = Path(args.file)
    try:
        return path.read_text(encoding="utf-8-sig"), str(path)
    except FileNotFoundError:
        raise CommandError(f"-f: no such file '{path}'", EXIT_USAGE) from None
    except UnicodeDecodeError:
        raise CommandError(f"-f: '{path}' is not UTF-8 text", EXIT_USAGE) from None
    except OSError as exc:
        raise CommandError(f"-f: cannot read '{path}': {exc.strerror}", EXIT_USAGE) from None


def _output(text: str | None, flag: str) -> Path | None:
    if text is None:
        return None
    path = Path(text)
    if path.is_dir():
        raise CommandError(f"{flag}: '{path}' is a folder; give a file name", EXIT_USAGE)
    if not path.parent.exists():
        raise CommandError(
            f"{flag}: the folder '{path.parent}' does not exist; create it or write elsewhere", EXIT_USAGE
        )
    return path


def _seed(text: str | None) -> tuple[int, bool]:
    if text is None:
        return random.SystemRandom().randrange(MAX_SEED + 1), False
    try:
        value = int(text)
    except ValueError:
        raise CommandError(
            f"--seed must be a whole number from 0 to {MAX_SEED}, not '{text}'", EXIT_USAGE
        ) from None
    if not 0 <= value <= MAX_SEED:
        raise CommandError(f"--seed must be from 0 to {MAX_SEED}, not {value}", EXIT_USAGE)
    return value, True


def _check_wav_renderer() -> None:
    """Before composing: a WAV that cannot be rendered should not cost the user a composition first."""
    import shutil

    from maestro_mcp.daw.export import INSTALL_HINT, find_soundfont

    if shutil.which("fluidsynth") is None:
        raise CommandError(f"--wav: the fluidsynth program is not installed; {INSTALL_HINT} (or drop --wav)")
    if find_soundfont() is None:
        raise CommandError(f"--wav: no General MIDI SoundFont found; {INSTALL_HINT} (or drop --wav)")


def parse_job(args: argparse.Namespace) -> ComposeJob:
    prompt, source = _read_prompt(args)
    if not prompt.strip():
        raise CommandError(f"the prompt in {source} is empty; for example: {EXAMPLE}", EXIT_USAGE)
    _check_structured(prompt, source)
    seed, given = _seed(args.seed)
    midi = _output(args.output, "-o")
    assert midi is not None  # required by the parser
    wav = _output(args.wav, "--wav")
    if wav is not None:
        _check_wav_renderer()
    return ComposeJob(prompt, source, seed, given, midi, _output(args.png, "--png"), wav, args.data_dir)


# -- running ------------------------------------------------------------------------------------------------


def run_compose(args: argparse.Namespace) -> int:
    import anyio

    from maestro_mcp.cli_compose_progress import Progress

    try:
        job = parse_job(args)
        progress = Progress(sys.stderr)
        return anyio.run(compose_job, job, progress)
    except CommandError as exc:
        print(f"maestro-mcp compose: {exc}", file=sys.stderr)
        return exc.code


@contextmanager
def _store_dir(job: ComposeJob) -> Iterator[Path]:
    if job.data_dir is not None:
        try:
            job.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(
                f"--data-dir: cannot create '{job.data_dir}': {exc.strerror}", EXIT_USAGE
            ) from None
        yield job.data_dir
        return
    with tempfile.TemporaryDirectory(prefix="maestro-compose-") as tmp:
        yield Path(tmp)


async def compose_job(job: ComposeJob, progress: OnEvent) -> int:
    """Compose ``job`` and write its files; ``progress`` receives every event (``async (event) -> None``)."""
    from maestro_mcp.config import load_settings

    with _store_dir(job) as data_dir:
        settings = load_settings(data_dir=data_dir)
        # The CLI has no DAW to talk to, and a temporary store must not follow STORI_DATABASE_URL elsewhere.
        update: dict[str, Any] = {"daw_mode": "headless"}
        if job.data_dir is None:
            update["database_url"] = None
        return await _compose(job, settings.model_copy(update=update), progress)


async def _compose(job: ComposeJob, settings: Settings, progress: OnEvent) -> int:
    from maestro_mcp.agent.events import Emitter
    from maestro_mcp.agent.stream import AgentDeps, StaticBudget, run_stream
    from maestro_mcp.agent.stream_context import RequestError, open_context, parse_request
    from maestro_mcp.agent.variation import VariationService
    from maestro_mcp.agent.variation_model import VariationError
    from maestro_mcp.services import open_services
    from maestro_mcp.store.mirrors import MirrorStore

    principal = f"cli-{uuid.uuid4().hex[:12]}"
    try:
        request = parse_request({"prompt": job.prompt, "seed": job.seed}, settings)
    except RequestError as exc:
        detail = "; ".join(f"{e['field']} {e['message']}" for e in exc.errors) or exc.message
        raise CommandError(f"the prompt in {job.source} is not usable: {detail}", EXIT_USAGE) from None
    seed_note = "" if job.seed_given else f" (random; pass --seed {job.seed} to get this song again)"
    print(f"seed: {job.seed}{seed_note}", file=sys.stderr)

    async with open_services(settings) as services:
        assert services.db is not None
        variations = VariationService(services.db, services.projects)
        await services.projects.mutate(principal, lambda p: setattr(p, "name", job.midi.stem or "Untitled"))
        ctx = await open_context(principal, request, settings, services.projects, MirrorStore(services.db))
        deps = AgentDeps(settings=settings, budget=StaticBudget(settings), variations=variations)
        events: list[dict[str, Any]] = []

        async def send(event: dict[str, Any]) -> None:
            events.append(event)
            await progress(event)

        await run_stream(deps, ctx, request, Emitter(send))
        outcome = _outcome(events, job.source)
        try:
            await variations.commit(
                principal, project_id=outcome.project_id, variation_id=outcome.variation_id,
                base_state_id=outcome.base_state_id, accepted_phrase_ids=outcome.phrase_ids,
            )  # fmt: skip
        except VariationError as exc:  # nothing else writes this project: a bug, but say it plainly
            raise CommandError(f"could not accept the composition ({exc.code}): {exc}") from None
        project, _ = await services.projects.read(principal)
    if project.note_count() == 0:
        raise CommandError("no notes were produced; try more bars, other roles or another style")
    await _write_files(job, project)
    if job.data_dir is not None:
        print(f"project kept in {job.data_dir} for principal {principal}", file=sys.stderr)
    return EXIT_OK


def _check_structured(prompt: str, source: str) -> None:
    """A malformed STORI PROMPT is the user's to fix: say which line before anything is composed (the stream
    would report the same error, after its preamble and the import of the whole agent loop)."""
    from maestro_mcp.prompts import PromptParseError, parse_stori_prompt

    try:
        parse_stori_prompt(prompt)
    except PromptParseError as exc:
        where = "" if source == "the prompt" else f" (in {source})"
        raise CommandError(f"{exc.message}{where}", EXIT_USAGE) from None


@dataclass(frozen=True)
class Outcome:
    variation_id: str
    project_id: str
    base_state_id: int
    phrase_ids: list[str]


def _outcome(events: list[dict[str, Any]], source: str) -> Outcome:
    """What the stream produced, or the ``CommandError`` that tells the user what went wrong."""
    complete = events[-1] if events and events[-1]["type"] == "complete" else None
    errors = [e for e in events if e["type"] == "error"]
    parse_error = next((e for e in errors if e["error"] == "PROMPT_PARSE_ERROR"), None)
    if parse_error is not None:
        where = "" if source == "the prompt" else f" (in {source})"
        raise CommandError(f"{parse_error['message']}{where}", EXIT_USAGE)
    state = next((e for e in events if e["type"] == "state"), None)
    if state is not None and state["state"] != "composing":
        raise CommandError(
            f"this prompt was read as {state['state']} ({state['intent']}), not as music to compose; "
            f"describe the music to make, e.g. {EXAMPLE}",
            EXIT_USAGE,
        )
    if complete is None:
        raise CommandError("the composition stopped before it finished")
    if not complete["success"]:
        fatal = next((e for e in errors if e.get("fatal")), None)
        reason = fatal["message"] if fatal else complete.get("error") or "the composition failed"
        if complete.get("error") == "No notes were generated":
            reason = "no notes were produced; try more bars, other roles or another style"
        raise CommandError(reason)
    meta = next((e for e in events if e["type"] == "meta"), None)
    phrases = [e["phraseId"] for e in events if e["type"] == "phrase"]
    if meta is None or not phrases:
        raise CommandError("no notes were produced; try more bars, other roles or another style")
    return Outcome(meta["variationId"], meta["projectId"], int(meta["baseStateId"]), phrases)


async def _write_files(job: ComposeJob, project: Project) -> None:
    import anyio

    from maestro_mcp.daw import export

    def write(path: Path, data: bytes) -> None:
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}") from None

    midi = export.project_to_midi(project)
    write(job.midi, midi)
    names = ", ".join(t.name for t in project.tracks)
    print(f"wrote {job.midi}: {_plural(len(project.tracks), 'track')} ({names}), {project.note_count()} notes, "
          f"{project.tempo:g} BPM, {project.key}")  # fmt: skip
    try:
        if job.png is not None:
            write(job.png, await anyio.to_thread.run_sync(export.project_to_png, project))
            print(f"wrote {job.png}: piano roll")
        if job.wav is not None:
            print("rendering audio with fluidsynth ...", file=sys.stderr, flush=True)
            write(job.wav, await anyio.to_thread.run_sync(export.project_to_wav, project))
            print(f"wrote {job.wav}: 44.1 kHz stereo audio")
    except export.RendererUnavailableError as exc:
        raise CommandError(f"{exc} (the MIDI file was written)") from None
    except RuntimeError as exc:  # fluidsynth ran and failed
        raise CommandError(f"{exc} (the MIDI file was written)") from None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
