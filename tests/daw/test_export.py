"""Exports (http-api.md §9): the MIDI file read back with mido, the PNG and WAV signatures."""

from __future__ import annotations

import io
import shutil

import mido  # type: ignore[import-untyped]
import pytest

from maestro_mcp.daw.export import (
    TICKS_PER_BEAT,
    EmptyProjectError,
    find_soundfont,
    key_signature_name,
    project_to_midi,
    project_to_png,
    project_to_wav,
)
from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project

from .conftest import add_notes, add_region, add_track, note


def _read(project: Project) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(project_to_midi(project)))


def _absolute(track: mido.MidiTrack) -> list[tuple[int, mido.Message]]:
    now, out = 0, []
    for msg in track:
        now += msg.time
        out.append((now, msg))
    return out


@pytest.fixture
def song() -> Project:
    p = Project.new(name="Night Drive", tempo=98, key="F#m")
    drums = add_track(p, "Drums")
    bass = add_track(p, "Bass")
    keys = add_track(p, "Keys")
    add_notes(p, add_region(p, drums, 0, 4), [note(36, 0), note(38, 1)])
    bass_region = add_region(p, bass, 4, 4)
    add_notes(p, bass_region, [note(40, 0, 1), note(43, 3, 2)])  # the second runs past the region's end
    apply(p, "stori_add_midi_cc", {"regionId": bass_region, "cc": 64, "events": [{"beat": 1, "value": 127}]})
    apply(p, "stori_add_pitch_bend", {"regionId": bass_region, "events": [{"beat": 2, "value": 4096}]})
    apply(
        p,
        "stori_add_aftertouch",
        {
            "regionId": bass_region,
            "events": [{"beat": 2, "value": 50}, {"beat": 2, "value": 60, "pitch": 40}],
        },
    )
    add_notes(p, add_region(p, keys, 0, 4), [note(60, 0, 2)])
    apply(p, "stori_mute_track", {"trackId": keys, "muted": True})
    return p


def test_midi_layout_names_tempo_signatures(song: Project) -> None:
    mid = _read(song)
    assert (mid.type, mid.ticks_per_beat, len(mid.tracks)) == (1, TICKS_PER_BEAT, 4)
    meta = {m.type: m for m in mid.tracks[0]}
    assert meta["track_name"].name == "Night Drive"
    assert mido.tempo2bpm(meta["set_tempo"].tempo) == pytest.approx(98, abs=0.01)
    assert (meta["time_signature"].numerator, meta["time_signature"].denominator) == (4, 4)
    assert meta["key_signature"].key == "F#m"
    assert [t.name for t in mid.tracks[1:]] == ["Drums", "Bass", "Keys"]


def test_drums_on_channel_10_and_programs_for_melodic_tracks(song: Project) -> None:
    mid = _read(song)
    drums, bass, keys = mid.tracks[1:]
    assert {m.channel for m in drums if not m.is_meta} == {9}
    assert not any(m.type == "program_change" for m in drums)
    assert [(m.channel, m.program) for m in bass if m.type == "program_change"] == [(0, 33)]
    assert [(m.channel, m.program) for m in keys if m.type == "program_change"] == [(1, 4)]  # keys → Rhodes
    assert any(m.type == "note_on" for m in keys)  # muted tracks are still exported


def test_events_at_absolute_ticks_and_cut_at_region_end(song: Project) -> None:
    events = _absolute(_read(song).tracks[2])
    on = [(t, m.note) for t, m in events if m.type == "note_on"]
    off = [(t, m.note) for t, m in events if m.type == "note_off"]
    assert on == [(4 * 480, 40), (7 * 480, 43)]
    assert off == [(5 * 480, 40), (8 * 480, 43)]  # 43 would end at beat 9: cut at the region end, beat 8
    assert [(t, m.control, m.value) for t, m in events if m.type == "control_change"] == [(5 * 480, 64, 127)]
    assert [(t, m.pitch) for t, m in events if m.type == "pitchwheel"] == [(6 * 480, 4096)]
    assert [(t, m.value) for t, m in events if m.type == "aftertouch"] == [(6 * 480, 50)]
    assert [(t, m.note, m.value) for t, m in events if m.type == "polytouch"] == [(6 * 480, 40, 60)]


def test_explicit_channel_wins(song: Project) -> None:
    apply(song, "stori_set_midi_program", {"trackId": "Bass", "program": 38, "channel": 5})
    bass = _read(song).tracks[2]
    assert {m.channel for m in bass if not m.is_meta} == {4}


def test_key_signatures_of_modes_and_spellings() -> None:
    assert [key_signature_name(k) for k in ("C", "Am", "Bb", "D dorian", "E phrygian", "Ebm", "Gb")] == [
        "C", "Am", "Bb", "C", "C", "Ebm", "Gb",
    ]  # fmt: skip


def test_empty_project_exports_a_conductor_track() -> None:
    mid = _read(Project.new())
    assert len(mid.tracks) == 1


def test_png(song: Project) -> None:
    data = project_to_png(song, width=600, height=300)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert project_to_png(Project.new()).startswith(b"\x89PNG")


def test_wav_refuses_an_empty_project() -> None:
    with pytest.raises(EmptyProjectError):
        project_to_wav(Project.new())


@pytest.mark.skipif(
    shutil.which("fluidsynth") is None or find_soundfont() is None,
    reason="apt-get install fluidsynth fluid-soundfont-gm",
)
def test_wav_renders_with_fluidsynth(song: Project) -> None:
    data = project_to_wav(song)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    # 8 beats at 98 BPM plus the 2 s tail, 44.1 kHz 16-bit stereo
    assert len(data) > (8 * 60 / 98 + 2) * 44100 * 4 * 0.9
