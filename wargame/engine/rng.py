"""Keyed random numbers: every draw is a pure function of (run seed, stream, turn, purpose).

A counter-based generator (BLAKE2b of the key) rather than a stateful stream, so that
- the same seed gives the same game on every machine and Python version;
- a change to one actor's options, or to how many draws an earlier turn made, leaves every
  other draw unchanged (common random numbers across policy variants);
- a snapshot needs only the seed and the re-roll counters to restore "the random streams";
- asking what an agent would choose draws nothing, since nothing is consumed.
"""

from __future__ import annotations

from hashlib import blake2b

_SCALE = 1.0 / (1 << 53)


class KeyedRandom:
    """Uniform draws in [0, 1) keyed by (seed, stream, turn, purpose)."""

    __slots__ = ("rerolls", "seed")

    def __init__(self, seed: int, rerolls: dict[str, int] | None = None) -> None:
        self.seed = int(seed)
        self.rerolls: dict[str, int] = dict(rerolls or {})

    def uniform(self, stream: str, turn: int, purpose: str) -> float:
        """The draw for this key; a facilitator's re-roll of the key moves it to a fresh one."""
        key = f"{self.seed}|{stream}|{turn}|{purpose}"
        nonce = self.rerolls.get(key)
        if nonce:
            key = f"{key}|reroll{nonce}"
        digest = blake2b(key.encode(), digest_size=8).digest()
        return (int.from_bytes(digest, "little") >> 11) * _SCALE

    def reroll(self, stream: str, turn: int, purpose: str) -> None:
        """Replace the draw for this key with a new one (recorded, so snapshots keep it)."""
        key = f"{self.seed}|{stream}|{turn}|{purpose}"
        self.rerolls[key] = self.rerolls.get(key, 0) + 1


def derive_seed(seed: int, *labels: object) -> int:
    """A 63-bit seed derived from a base seed and labels (e.g. run index, 'uncertainty')."""
    text = "|".join([str(seed), *map(str, labels)])
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "little") >> 1
