"""The SMF writer: read back with mido (an independent reader), everything we put in comes out."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import mido
import pytest

from maestro_mcp.music.compose import Composition, GeneratedPart
from maestro_mcp.music.midi import composition_to_midi, key_signature, write_smf
from maestro_mcp.music.parts import DRUM_CHANNEL, ControlChange, Note, Part, PitchBend
from maestro_mcp.music.theory import TheoryError, parse_key


def parts() -> list[Part]:
    drums = Part("drums", "Drums", 0, DRUM_CHANNEL,
                 [Note(36, b * 4.0, 0.25, 110) for b in range(4)] + [Note(38, b * 4.0 + 1, 0.25, 96) for b in range(4)]
                 + [Note(42, i * 0.5, 0.1, 60 + (i % 2) * 20) for i in range(32)])
    bass = Part("bass", "808", 38, 1, [Note(36, 0.0, 1.0, 100), Note(36, 1.0, 1.0, 90), Note(43, 2.0, 2.0, 95)],
                pitch_bends=[PitchBend(1.5, 0), PitchBend(1.75, 4096), PitchBend(2.0, -8192), PitchBend(2.5, 8191)])
    keys = Part("keys", "Rhodes", 4, 3, [Note(p, 0.0, 4.0, 70) for p in (60, 63, 67, 70)],
                cc=[ControlChange(64, 0.0, 127), ControlChange(64, 3.9, 0), ControlChange(11, 2.0, 90)])
    return [drums, bass, keys]


def read(data: bytes) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(data))


def metas(mf: mido.MidiFile, kind: str) -> list[Any]:
    return [m for t in mf.tracks for m in t if m.is_meta and m.type == kind]


def by_track(mf: mido.MidiFile) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for track in mf.tracks:
        names = [m.name for m in track if m.type == "track_name"]
        if names:
            out[names[0]] = [m for m in track if not m.is_meta]
    return out


def test_header_tempo_meter_key_and_title() -> None:
    mf = read(write_smf(parts(), tempo=82.5, time_signature=(3, 4), key="F#m", title="demo", ticks_per_beat=960))
    assert mf.type == 1 and mf.ticks_per_beat == 960
    (tempo,) = metas(mf, "set_tempo")
    assert mido.tempo2bpm(tempo.tempo) == pytest.approx(82.5, abs=1e-3)
    (ts,) = metas(mf, "time_signature")
    assert (ts.numerator, ts.denominator, ts.time) == (3, 4, 0)
    (ks,) = metas(mf, "key_signature")
    assert ks.key == "F#m"
    assert [m.text for m in metas(mf, "marker")] == ["demo"]


def test_one_named_track_per_part_with_programs_and_channels() -> None:
    mf = read(write_smf(parts(), tempo=120, key="Cm"))
    tracks = by_track(mf)
    assert list(tracks) == ["Drums", "808", "Rhodes"]
    channels: dict[str, set[int]] = {name: {m.channel for m in msgs} for name, msgs in tracks.items()}
    assert channels["Drums"] == {DRUM_CHANNEL}
    assert DRUM_CHANNEL not in channels["808"] | channels["Rhodes"]
    assert len(channels["808"]) == len(channels["Rhodes"]) == 1 and channels["808"] != channels["Rhodes"]
    programs = {name: [m.program for m in msgs if m.type == "program_change"] for name, msgs in tracks.items()}
    assert programs["808"] == [38] and programs["Rhodes"] == [4]
    assert all(p == 0 for p in programs["Drums"])  # GM drums need no program; at most a harmless 0


def test_notes_cc_and_bends_round_trip() -> None:
    src = parts()
    tpq = 480
    mf = read(write_smf(src, tempo=120))
    tracks = by_track(mf)
    for part in src:
        msgs = tracks[part.name]
        t, ons, offs = 0, [], []
        for m in msgs:
            t += m.time
            if m.type == "note_on" and m.velocity > 0:
                ons.append((t, m.note, m.velocity))
            elif m.type == "note_off" or (m.type == "note_on" and m.velocity == 0):
                offs.append((t, m.note))
        assert sorted(ons) == sorted((round(n.start * tpq), n.pitch, n.velocity) for n in part.notes)
        assert Counter(offs) == Counter((round(n.end * tpq), n.pitch) for n in part.notes)
        t, ccs, bends = 0, [], []
        for m in msgs:
            t += m.time
            if m.type == "control_change":
                ccs.append((t, m.control, m.value))
            elif m.type == "pitchwheel":
                bends.append((t, m.pitch))
        assert ccs == [(round(c.beat * tpq), c.cc, c.value) for c in sorted(part.cc, key=lambda c: c.beat)]
        assert bends == [(round(b.beat * tpq), b.value) for b in part.pitch_bends]


def test_touching_notes_of_one_pitch_end_before_the_next_starts() -> None:
    # 1/3-beat notes: ticks round, and the off of one must not land after the on of the next.
    part = Part("bass", "Bass", 33, 1, [Note(40, i / 3, 1 / 3, 90) for i in range(12)])
    mf = read(write_smf([part], tempo=100))
    t, sounding, max_sounding = 0, 0, 0
    for m in by_track(mf)["Bass"]:
        t += m.time
        if m.type == "note_on" and m.velocity:
            sounding += 1
        elif m.type in ("note_on", "note_off"):
            sounding -= 1
        max_sounding = max(max_sounding, sounding)
    assert max_sounding == 1


def test_same_input_same_bytes() -> None:
    a = write_smf(parts(), tempo=93, key="Eb", title="x")
    b = write_smf(parts(), tempo=93, key="Eb", title="x")
    assert a == b
    assert a != write_smf(parts(), tempo=94, key="Eb", title="x")


@pytest.mark.parametrize(
    ("key", "expected"),
    [("C", (0, 0)), ("Am", (0, 1)), ("F#m", (3, 1)), ("Eb", (-3, 0)), ("Cm", (-3, 1)), ("B", (5, 0)),
     ("Gb", (-6, 0)), ("F#", (6, 0)), ("C#", (7, 0)), ("Cb", (-7, 0)), ("Ebm", (-6, 1)), ("D#m", (6, 1)),
     ("D dorian", (0, 0)), ("E phrygian", (0, 0)), ("Bb mixolydian", (-3, 0))],
)
def test_key_signature(key: str, expected: tuple[int, int]) -> None:
    assert key_signature(parse_key(key)) == expected


def test_bad_inputs_raise() -> None:
    with pytest.raises(TheoryError):
        write_smf(parts(), tempo=120, key="H")
    with pytest.raises(ValueError):
        write_smf(parts(), tempo=0)
    with pytest.raises(ValueError):
        write_smf(parts(), tempo=120, time_signature=(4, 3))


def test_empty_part_still_gets_its_track() -> None:
    mf = read(write_smf([Part("fx", "FX", 99, 10)], tempo=120))
    assert list(by_track(mf)) == ["FX"]


def test_composition_to_midi() -> None:
    ps = parts()
    gps = [
        GeneratedPart(part=p, role=p.role, style="trap", style_profile="trap", key="Cm", tempo=140.0, bars=1, seed=7,
                      time_signature=(4, 4), scale=None, progression=None)
        for p in ps
    ]
    comp = Composition(parts=gps, style="trap", style_profile="trap", key="Cm", tempo=140.0, bars=1, seed=7,
                       time_signature=(4, 4), progression=["Cm"])
    data = composition_to_midi(comp)
    mf = read(data)
    assert list(by_track(mf)) == ["Drums", "808", "Rhodes"]
    assert mido.tempo2bpm(metas(mf, "set_tempo")[0].tempo) == pytest.approx(140, abs=1e-3)
    assert metas(mf, "key_signature")[0].key == "Cm"
    assert data == composition_to_midi(comp)
