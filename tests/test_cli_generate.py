"""``maestro-mcp generate`` as a user runs it: a real process writes a multi-track MIDI file and prints the
quality report; the same seed gives the same bytes in another process; mistakes end with exit code 2 and
one line saying what to do."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import mido
import pytest

from maestro_mcp.cli import main
from tests.music.matrix_support import has_generator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_ROLES = ("drums", "bass", "chords", "melody")
pytestmark = pytest.mark.skipif(
    not all(has_generator(r) for r in EXAMPLE_ROLES), reason="the example's generators do not all exist yet"
)


def run(*args: str, cwd: Path, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    script = ROOT / ".venv" / "bin" / "maestro-mcp"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "maestro_mcp"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hash_seed}
    return subprocess.run([*cmd, "generate", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def track_names(path: Path) -> list[str]:
    mf = mido.MidiFile(file=io.BytesIO(path.read_bytes()))
    return [m.name for t in mf.tracks for m in t if m.type == "track_name"]


def test_the_issue_example(tmp_path: Path) -> None:
    proc = run("--style", "lofi hip hop", "--key", "Cm", "--tempo", "75", "--bars", "8",
               "--roles", "drums,bass,chords,melody", "--seed", "1", "-o", "out.mid", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out.mid"
    assert track_names(out) == ["Drums", "Bass", "Chords", "Melody"]
    mf = mido.MidiFile(file=io.BytesIO(out.read_bytes()))
    assert mido.tempo2bpm(next(m.tempo for t in mf.tracks for m in t if m.type == "set_tempo")) == pytest.approx(75)
    assert "seed: 1\n" in proc.stdout and "key: Cm" in proc.stdout and "tempo: 75 BPM" in proc.stdout
    header = next(line for line in proc.stdout.splitlines() if line.split()[:1] == ["Drums"])
    assert header.split() == ["Drums", "Bass", "Chords", "Melody"]
    for row in ("in key", "groove bar-to-bar similarity", "bass root/5th on chord", "melody steps"):
        assert any(line.startswith(row) for line in proc.stdout.splitlines()), row


def test_without_seed_one_is_chosen_printed_and_reproducible(tmp_path: Path) -> None:
    first = run("--style", "house", "--bars", "4", "--roles", "drums,bass", "-o", "a.mid", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    m = re.search(r"seed: (\d+) \(random; pass --seed \1 to get this again\)", first.stdout)
    assert m, first.stdout
    assert "tempo: 124 BPM" in first.stdout  # the style's tempo when none is given
    # Another process, another hash seed: the same bytes.
    again = run("--style", "house", "--bars", "4", "--roles", "drums,bass", "--seed", m.group(1), "-o", "b.mid",
                cwd=tmp_path, hash_seed="12345")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()


def test_default_output_name_and_json(tmp_path: Path) -> None:
    proc = run("--style", "deep house", "--key", "F#m", "--bars", "2", "--roles", "drums,bass", "--seed", "7",
               "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["file"] == "deep-house-7.mid" and (tmp_path / "deep-house-7.mid").exists()
    assert [p["role"] for p in report["parts"]] == ["drums", "bass"]
    assert report["key"] == "F#m" and report["seed"] == 7 and report["style_profile"] == "house"


def test_a_bad_key_in_a_real_process(tmp_path: Path) -> None:
    proc = run("--style", "jazz", "--key", "H#", "--roles", "bass", cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "--key" in proc.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--style", "jazz", "--key", "Q"], "--key"),
        (["--style", "xyzzy"], "unknown style"),
        (["--style", "   "], "--style"),
        (["--style", "jazz", "--roles", "kazoo"], "unknown role 'kazoo'"),
        (["--style", "jazz", "--roles", ","], "--roles"),
        (["--style", "jazz", "--bars", "0"], "--bars"),
        (["--style", "jazz", "--bars", "65"], "--bars"),
        (["--style", "jazz", "--bars", "eight"], "--bars"),
        (["--style", "jazz", "--tempo", "500"], "--tempo"),
        (["--style", "jazz", "--seed", "-1"], "--seed"),
        (["--style", "jazz", "--time-signature", "4/3"], "--time-signature"),
        (["--style", "jazz", "--progression", "H7,C"], "--progression"),
        (["--style", "jazz", "-o", "no/such/dir/x.mid"], "does not exist"),
    ],
)
def test_mistakes_exit_2_with_one_line(
    args: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["generate", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err


def test_a_misspelt_style_warns_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--style", "jaz", "--bars", "2", "--roles", "bass", "--seed", "1", "-o", "j.mid"]) == 0
    captured = capsys.readouterr()
    assert "warning: style 'jaz'" in captured.err and "-> jazz" in captured.out
    assert track_names(tmp_path / "j.mid") == ["Bass"]
