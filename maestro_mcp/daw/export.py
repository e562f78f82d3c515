"""Exports of a project (spec/http-api.md §9): Standard MIDI File, WAV (via FluidSynth) and a piano roll.

The MIDI file is written with mido directly: the renderer needs per-track channels, region cut-offs,
aftertouch and a chosen end-of-track time, which the generators' Part type does not carry.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import mido  # type: ignore[import-untyped]

from maestro_mcp.music.theory import TheoryError, parse_key

from .instruments import display_color
from .model import Project, Track

TICKS_PER_BEAT = 480
WAV_SAMPLE_RATE = 44100
WAV_TAIL_SECONDS = 2.0
RENDER_TIMEOUT_SECONDS = 300
SOUNDFONT_CANDIDATES = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/default-GM.sf2"),
    Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/default.sf2"),
)
INSTALL_HINT = (
    "install FluidSynth and a General MIDI SoundFont: apt-get install fluidsynth fluid-soundfont-gm"
)


class RendererUnavailableError(RuntimeError):
    """No means to render this export on this system (HTTP 501 RENDERER_UNAVAILABLE)."""

    code = "RENDERER_UNAVAILABLE"


class EmptyProjectError(ValueError):
    """The project has no note to render (HTTP 422 EMPTY_PROJECT)."""

    code = "EMPTY_PROJECT"


# -- MIDI ------------------------------------------------------------------------------------------

# Major and minor key-signature names by tonic pitch class, as the SMF key-signature meta event spells them.
_MAJOR_SIG = {
    0: "C",
    7: "G",
    2: "D",
    9: "A",
    4: "E",
    11: "B",
    6: "F#",
    1: "Db",
    8: "Ab",
    3: "Eb",
    10: "Bb",
    5: "F",
}
_MINOR_SIG = {
    9: "Am",
    4: "Em",
    11: "Bm",
    6: "F#m",
    1: "C#m",
    8: "G#m",
    3: "Ebm",
    10: "Bbm",
    2: "Dm",
    7: "Gm",
    0: "Cm",
    5: "Fm",
}
_MODE_TO_IONIAN = {
    "major": 0,
    "minor": 3,
    "dorian": 10,
    "phrygian": 8,
    "lydian": 7,
    "mixolydian": 5,
    "locrian": 1,
}


def key_signature_name(key: str) -> str:
    """The SMF key signature for a project key; modes use the signature of their parent major scale."""
    try:
        parsed = parse_key(key)
    except TheoryError:
        return "C"
    if parsed.mode == "minor":
        return _MINOR_SIG[parsed.root]
    ionian = (parsed.root + _MODE_TO_IONIAN[parsed.mode]) % 12
    if ionian == 6 and parsed.flats:
        return "Gb"
    return _MAJOR_SIG[ionian]


def _ticks(beat: float) -> int:
    return max(0, round(beat * TICKS_PER_BEAT))


def _track_events(track: Track, channel: int, audible: bool) -> list[tuple[int, int, mido.Message]]:
    """(tick, order, message) for every event of the track's regions; order puts note-offs first at
    a tick so a note repeated back to back is not cut by its own predecessor's note-off."""
    events: list[tuple[int, int, mido.Message]] = []
    for region in track.regions:
        origin, end = region.start_beat, region.end_beat
        if audible:
            for n in region.notes:
                start = origin + n.start_beat
                stop = min(start + n.duration_beats, end)  # a note running past its region is cut there
                if stop - start <= 0:
                    continue
                events.append(
                    (
                        _ticks(start),
                        2,
                        mido.Message("note_on", channel=channel, note=n.pitch, velocity=n.velocity),
                    )
                )
                events.append(
                    (_ticks(stop), 0, mido.Message("note_off", channel=channel, note=n.pitch, velocity=0))
                )
        for c in region.cc_events:
            events.append(
                (
                    _ticks(origin + c.beat),
                    1,
                    mido.Message("control_change", channel=channel, control=c.cc, value=c.value),
                )
            )
        for b in region.pitch_bends:
            events.append(
                (_ticks(origin + b.beat), 1, mido.Message("pitchwheel", channel=channel, pitch=b.value))
            )
        for a in region.aftertouch:
            if a.pitch is None:
                msg = mido.Message("aftertouch", channel=channel, value=a.value)
            else:
                msg = mido.Message("polytouch", channel=channel, note=a.pitch, value=a.value)
            events.append((_ticks(origin + a.beat), 1, msg))
    events.sort(key=lambda e: (e[0], e[1]))
    return events


def _delta(events: Iterable[tuple[int, mido.Message]], track: mido.MidiTrack) -> int:
    now = 0
    for tick, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    return now


def build_midi(project: Project, audible_only: bool = False, tail_seconds: float = 0.0) -> mido.MidiFile:
    """The SMF of http-api.md §9 as a mido object. ``audible_only`` drops the notes of muted tracks
    (and of unsoloed tracks when any track is soloed); ``tail_seconds`` extends the end of the file."""
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=project.name, time=0))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(project.tempo), time=0))
    ts = project.time_signature
    conductor.append(
        mido.MetaMessage("time_signature", numerator=ts.numerator, denominator=ts.denominator, time=0)
    )
    conductor.append(mido.MetaMessage("key_signature", key=key_signature_name(project.key), time=0))
    mid.tracks.append(conductor)

    soloing = any(t.solo for t in project.tracks)
    channels = project.track_channels()
    last_tick = 0
    tracks: list[mido.MidiTrack] = []
    for t in project.tracks:
        channel = channels[t.id] - 1
        audible = not audible_only or (not t.muted and (t.solo or not soloing))
        mt = mido.MidiTrack()
        mt.append(mido.MetaMessage("track_name", name=t.name, time=0))
        if not t.is_drums and t.gm_program is not None:
            mt.append(mido.Message("program_change", channel=channel, program=t.gm_program, time=0))
        last_tick = max(
            last_tick, _delta(((tick, msg) for tick, _, msg in _track_events(t, channel, audible)), mt)
        )
        tracks.append(mt)
    # Every track ends at the same tick, the last event plus the tail: a renderer plays to the end.
    end_tick = last_tick + _ticks(tail_seconds * project.tempo / 60)
    for mt in [conductor, *tracks]:
        elapsed = sum(msg.time for msg in mt)
        mt.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - elapsed)))
    mid.tracks.extend(tracks)
    return mid


def project_to_midi(project: Project) -> bytes:
    """Standard MIDI File, format 1, 480 ticks per quarter note (http-api.md §9)."""
    buffer = io.BytesIO()
    build_midi(project).save(file=buffer)
    return buffer.getvalue()


# -- WAV -------------------------------------------------------------------------------------------


def find_soundfont() -> Path | None:
    return next((p for p in SOUNDFONT_CANDIDATES if p.is_file()), None)


def project_to_wav(project: Project, soundfont: Path | None = None) -> bytes:
    """44.1 kHz 16-bit stereo WAV rendered by the ``fluidsynth`` program; muted tracks are silent, solo
    is honoured, 2 s of tail. Blocking (runs a subprocess): call it from a worker thread."""
    if project.note_count() == 0:
        raise EmptyProjectError("the project has no notes to render")
    binary = shutil.which("fluidsynth")
    font = soundfont or find_soundfont()
    if binary is None:
        raise RendererUnavailableError(f"the fluidsynth program is not installed; {INSTALL_HINT}")
    if font is None or not font.is_file():
        raise RendererUnavailableError(f"no General MIDI SoundFont found; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="maestro-wav-") as tmp:
        midi_path, wav_path = Path(tmp) / "project.mid", Path(tmp) / "project.wav"
        build_midi(project, audible_only=True, tail_seconds=WAV_TAIL_SECONDS).save(str(midi_path))
        command = [
            binary, "-n", "-i", "-q",
            "-r", str(WAV_SAMPLE_RATE), "-T", "wav", "-O", "s16",
            "-F", str(wav_path), str(font), str(midi_path),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, timeout=RENDER_TIMEOUT_SECONDS, check=False)
        if done.returncode != 0 or not wav_path.is_file():
            detail = done.stderr.decode(errors="replace").strip()[-500:]
            raise RuntimeError(f"fluidsynth failed (exit {done.returncode}): {detail}")
        return wav_path.read_bytes()


# -- piano roll ------------------------------------------------------------------------------------

DRUM_MARK_BEATS = 0.12  # drum hits have no meaningful length: draw a short mark


def project_to_png(project: Project, width: int = 1200, height: int = 400) -> bytes:
    """A piano roll: one lane per track (pitch up, time across, bars labelled) in the track colour."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - matplotlib is a dependency; guards a slim install
        raise RendererUnavailableError("matplotlib is not installed; pip install matplotlib") from exc

    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)  # attaches the Agg canvas: no GUI backend, no global pyplot state
    lanes = max(1, len(project.tracks))
    axes = fig.subplots(lanes, 1, sharex=True, squeeze=False)[:, 0]
    bar = project.beats_per_bar
    end = max((r.end_beat for t in project.tracks for r in t.regions), default=0.0)
    end = max(end, bar * 4)

    for index, (ax, track) in enumerate(zip(axes, project.tracks, strict=False)):
        color = display_color(track.color, index)
        starts, widths, pitches = [], [], []
        for region in track.regions:
            ax.axvspan(region.start_beat, region.end_beat, color=color, alpha=0.08, linewidth=0)
            for n in region.notes:
                starts.append(region.start_beat + n.start_beat)
                widths.append(DRUM_MARK_BEATS if track.is_drums else n.duration_beats)
                pitches.append(n.pitch)
        if pitches:
            ax.barh(pitches, widths, left=starts, height=0.8, color=color, edgecolor="none")
            ax.set_ylim(min(pitches) - 1.5, max(pitches) + 1.5)
        ax.set_ylabel(track.name, rotation=0, ha="right", va="center", fontsize=8)
        ax.tick_params(axis="y", labelsize=6)
        ax.yaxis.get_major_locator().set_params(integer=True)  # pitches are whole numbers
    if not project.tracks:
        axes[0].text(0.5, 0.5, "empty project", ha="center", va="center", transform=axes[0].transAxes)

    bars = int(end // bar) + 1
    step = max(1, bars // 16)  # at most ~16 labels, whatever the song length
    last = axes[-1]
    last.set_xlim(0, end)
    last.set_xticks([i * bar for i in range(0, bars, step)])
    last.set_xticklabels([str(i + 1) for i in range(0, bars, step)], fontsize=7)
    last.set_xlabel("bar", fontsize=8)
    for ax in axes:
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.5)
    fig.suptitle(f"{project.name} · {project.tempo:g} BPM · {project.key}", fontsize=9)
    fig.subplots_adjust(left=0.12, right=0.99, top=0.9, bottom=0.12, hspace=0.15)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
