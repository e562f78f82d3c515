"""What a role's generator receives: the style, key, scale, chord plan, constraints, range and its own
seeded random stream. Building it is the only place seeds are derived, so parts are reproducible."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from .parts import DRUM_CHANNEL, Constraints, Part
from .plan import ChordPlan
from .styles import StyleProfile
from .theory import Key, Scale

# Pitch ranges per generator role (spec/tools.md §10.1 output guarantees); drums use GM percussion keys.
ROLE_RANGES: dict[str, tuple[int, int]] = {
    "drums": (35, 81),
    "bass": (28, 60),
    "chords": (40, 88),
    "keys": (40, 88),
    "pads": (36, 92),
    "strings": (36, 92),
    "arp": (40, 100),
    "melody": (48, 100),
    "lead": (48, 100),
    "fx": (36, 96),
}

# Fixed channel per role so a multi-track file never puts two programs on one channel.
ROLE_CHANNELS: dict[str, int] = {
    "bass": 1, "chords": 2, "keys": 3, "pads": 4, "strings": 5, "melody": 6, "lead": 7, "arp": 8, "fx": 10,
}


def derive_seed(seed: int, *names: str) -> int:
    """A stable 31-bit seed from a base seed and names (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(f"{seed}:{':'.join(names)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFFFFFF


@dataclass(frozen=True, slots=True)
class GenContext:
    role: str  # generator role: drums, bass, chords, keys, pads, strings, melody, lead, arp, fx
    profile: StyleProfile
    key: Key
    scale: Scale  # effective scale (explicit, or the key's)
    tempo: float
    bars: int
    time_signature: tuple[int, int]
    plan: ChordPlan
    constraints: Constraints
    seed: int  # the composition's seed; derive sub-streams with ``rng_for``
    rng: random.Random  # this role's own stream
    low: int  # pitch range (the role's, or constraints.note_range)
    high: int
    density: float  # effective 0..1
    swing: float  # effective 0..1 (applied after generation by humanize.apply_swing)

    @property
    def beats_per_bar(self) -> float:
        return self.plan.beats_per_bar

    @property
    def total_beats(self) -> float:
        return self.bars * self.beats_per_bar

    @property
    def steps_per_bar(self) -> int:
        """16th-note steps in one bar (16 in 4/4, 12 in 3/4 and 6/8)."""
        return round(self.beats_per_bar * 4)

    def rng_for(self, *names: str) -> random.Random:
        """An independent stream for a named purpose (e.g. the kick pattern the 808 follows)."""
        return random.Random(derive_seed(self.seed, *names))

    def new_part(self, name: str | None = None) -> Part:
        drums = self.role == "drums"
        return Part(
            role=self.role,
            name=name or self.role.capitalize(),
            program=0 if drums else self.profile.program(self.role),
            channel=DRUM_CHANNEL if drums else ROLE_CHANNELS.get(self.role, 0),
        )
