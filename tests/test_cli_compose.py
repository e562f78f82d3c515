"""``maestro-mcp compose`` as a user runs it: real processes write a MIDI file with one track per role, a PNG
and a WAV; malformed prompts and missing renderers end with the right exit code and a message saying what to
do. One in-process run checks that the written file holds exactly the notes the stream proposed."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import mido  # type: ignore[import-untyped]
import pytest

from maestro_mcp.cli import main
from maestro_mcp.cli_compose import compose_job, parse_job
from maestro_mcp.daw.export import TICKS_PER_BEAT

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = """STORI PROMPT
Mode: compose
Style: house
Key: Am
Tempo: 124
Role: [drums, bass, chords, lead]
Constraints: {bars: 4}
"""
SHORT = "STORI PROMPT\nMode: compose\nStyle: lofi\nRole: [drums, keys]\nConstraints: {bars: 2}\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def run(*args: str, cwd: Path, path: str | None = None) -> subprocess.CompletedProcess[str]:
    script = ROOT / ".venv" / "bin" / "maestro-mcp"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "maestro_mcp"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORI_")}
    env.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", STORI_DATA_DIR=str(cwd / "user-data"))
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [*cmd, "compose", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def midi(path: Path) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(path.read_bytes()))


def track_names(mf: mido.MidiFile) -> list[str]:
    return [next(m.name for m in t if m.type == "track_name") for t in mf.tracks[1:]]


def test_the_readme_example_writes_one_track_per_role_and_a_piano_roll(tmp_path: Path) -> None:
    proc = run(EXAMPLE, "-o", "song.mid", "--png", "song.png", "--seed", "5", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    mf = midi(tmp_path / "song.mid")
    assert track_names(mf) == ["Drums", "Bass", "Chords", "Lead"]
    for track in mf.tracks[1:]:
        assert any(m.type == "note_on" and m.velocity > 0 for m in track), track.name
    tempo = next(m.tempo for m in mf.tracks[0] if m.type == "set_tempo")
    assert mido.tempo2bpm(tempo) == pytest.approx(124)
    assert (tmp_path / "song.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The plan's progress on stderr: every step ended, each with its mark; the result on stdout.
    assert "plan: " in proc.stderr and "✓ Create Drums track" in proc.stderr and "✗" not in proc.stderr
    assert "♪ lead:" in proc.stderr and "summary: 4 tracks" in proc.stderr
    assert proc.stdout.startswith("wrote song.mid: 4 tracks (Drums, Bass, Chords, Lead)")
    assert not (tmp_path / "user-data").exists(), "the user's data dir is never touched"


def test_prompt_file_and_wav(tmp_path: Path) -> None:
    (tmp_path / "prompt.txt").write_text(SHORT, encoding="utf-8")
    proc = run("-f", "prompt.txt", "-o", "song.mid", "--wav", "song.wav", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert track_names(midi(tmp_path / "song.mid")) == ["Drums", "Keys"]
    wav = (tmp_path / "song.wav").read_bytes()
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and len(wav) > 44
    assert "pass --seed" in proc.stderr, "a random seed is printed so the song can be made again"


def test_malformed_prompt_names_its_line(tmp_path: Path) -> None:
    bad = "STORI PROMPT\nMode: compose\nStyle: house\nTempo: fast\n"
    (tmp_path / "bad.txt").write_text(bad, encoding="utf-8")
    proc = run("-f", "bad.txt", "-o", "song.mid", cwd=tmp_path)
    assert proc.returncode == 2
    assert "STORI PROMPT line 4: Tempo must be a number" in proc.stderr and "bad.txt" in proc.stderr
    assert not (tmp_path / "song.mid").exists()


def test_usage_errors_exit_2_and_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process through the real entry point (the process edge is covered above): six interpreters are slow.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORI_DATA_DIR", str(tmp_path / "user-data"))
    cases = [
        (("-o", "a.mid"), "no prompt given"),
        (("x", "-f", "p.txt", "-o", "a.mid"), "not both"),
        (("-f", "missing.txt", "-o", "a.mid"), "no such file 'missing.txt'"),
        (("lofi beat", "-o", "nowhere/a.mid"), "the folder 'nowhere' does not exist"),
        (("lofi beat", "-o", "a.mid", "--seed", "-3"), "--seed must be from 0"),
        (("   ", "-o", "a.mid"), "is empty"),
        (("what is a STORI PROMPT?", "-o", "a.mid", "--seed", "1"), "not as music to compose"),
    ]
    for args, message in cases:
        code = main(["compose", *args])
        err = capsys.readouterr().err
        assert (code, message in err) == (2, True), (args, err)
    assert not (tmp_path / "a.mid").exists() and not (tmp_path / "user-data").exists()


def test_wav_without_fluidsynth_gives_the_install_command(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = run(SHORT, "-o", "song.mid", "--wav", "song.wav", cwd=tmp_path, path=str(empty))
    assert proc.returncode == 1
    assert "apt-get install fluidsynth" in proc.stderr
    assert not (tmp_path / "song.mid").exists(), "fails before composing"


@pytest.mark.anyio
async def test_the_file_holds_exactly_the_proposed_notes(tmp_path: Path) -> None:
    args = argparse.Namespace(prompt=EXAMPLE, file=None, output=str(tmp_path / "s.mid"), png=None, wav=None,
                              seed="11", data_dir=tmp_path / "data")  # fmt: skip
    events: list[dict[str, Any]] = []

    async def collect(event: dict[str, Any]) -> None:
        events.append(event)

    with anyio.fail_after(60):
        assert await compose_job(parse_job(args), collect) == 0
    assert events[-1]["type"] == "complete" and events[-1]["success"] is True
    region_at = {e["params"]["regionId"]: e["params"]["startBeat"] for e in events
                 if e["type"] == "toolCall" and e["name"] == "stori_add_midi_region"}  # fmt: skip
    proposed = sorted(
        (round((region_at[e["params"]["regionId"]] + n["startBeat"]) * TICKS_PER_BEAT), n["pitch"], n["velocity"])
        for e in events if e["type"] == "toolCall" and e["name"] == "stori_add_notes" for n in e["params"]["notes"]
    )  # fmt: skip
    written = []
    for track in midi(tmp_path / "s.mid").tracks[1:]:
        tick = 0
        for m in track:
            tick += m.time
            if m.type == "note_on" and m.velocity > 0:
                written.append((tick, m.note, m.velocity))
    assert proposed and sorted(written) == proposed
    assert (tmp_path / "data" / "maestro.db").is_file(), "--data-dir keeps the project"

    # The same prompt and seed make the same file, from a fresh (temporary) store.
    again = tmp_path / "again"
    again.mkdir()
    args.output, args.data_dir = str(again / "s.mid"), None

    async def ignore(event: dict[str, Any]) -> None:
        pass

    with anyio.fail_after(60):
        assert await compose_job(parse_job(args), ignore) == 0
    assert (again / "s.mid").read_bytes() == (tmp_path / "s.mid").read_bytes()
