"""Keyed random numbers: every draw is a pure function of (run seed, stream, turn, purpose).

A counter-based generator rather than a stateful stream, so that
- the same seed gives the same game on every machine and Python version;
- a change to one actor's options, or to how many draws an earlier turn made, leaves every
  other draw unchanged (common random numbers across policy variants);
- a snapshot needs only the seed and the re-roll counters to restore "the random streams";
- asking what an agent would choose draws nothing, since nothing is consumed.

A draw is `mix(seed, site)`: the site (stream, turn, purpose) is hashed once (BLAKE2b,
cached: the same sites recur in every game), then mixed with the game's seed by SplitMix64,
64-bit integer arithmetic that numpy computes for many seeds at once with the same result
(`uniform_many`): games played in lockstep as arrays draw exactly what one game draws.
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

_SCALE = 1.0 / (1 << 53)
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX_1 = 0xBF58476D1CE4E5B9
_MIX_2 = 0x94D049BB133111EB


def splitmix64(value: int) -> int:
    """SplitMix64's output function of `value` (Steele, Lea and Flood 2014): 64 bits in,
    64 well-mixed bits out."""
    z = (value + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _MIX_1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX_2) & _MASK
    return z ^ (z >> 31)


def splitmix64_many(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """`splitmix64` of every value of a uint64 array (wrapping arithmetic, as the scalar)."""
    z = values + np.uint64(_GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX_1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX_2)
    return z ^ (z >> np.uint64(31))


@lru_cache(maxsize=1 << 16)
def site_key(stream: str, turn: int, purpose: str) -> int:
    """The 64-bit key of one place a game draws (hashed once, whatever the seed)."""
    text = f"{stream}|{turn}|{purpose}"
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "little")


def seed_key(seed: int) -> int:
    """A game's seed as it enters every draw (mixed once per game)."""
    return splitmix64(int(seed) & _MASK)


def unit(bits: int) -> float:
    """64 random bits as a float in [0, 1) (the top 53)."""
    return (bits >> 11) * _SCALE


def uniform_many(seed_keys: npt.NDArray[np.uint64], site: int) -> npt.NDArray[np.float64]:
    """The draw at `site` of every game whose `seed_key` is given: `KeyedRandom.uniform`
    for many seeds at once, bit for bit."""
    bits = splitmix64_many(seed_keys ^ np.uint64(site))
    return (bits >> np.uint64(11)).astype(np.float64) * _SCALE


class KeyedRandom:
    """Uniform draws in [0, 1) keyed by (seed, stream, turn, purpose)."""

    __slots__ = ("_seed_key", "rerolls", "seed")

    def __init__(self, seed: int, rerolls: dict[str, int] | None = None) -> None:
        self.seed = int(seed)
        self._seed_key = seed_key(self.seed)
        self.rerolls: dict[str, int] = dict(rerolls or {})

    def uniform(self, stream: str, turn: int, purpose: str) -> float:
        """The draw for this key; a facilitator's re-roll of the key moves it to a fresh one."""
        if self.rerolls:
            nonce = self.rerolls.get(f"{self.seed}|{stream}|{turn}|{purpose}")
            if nonce:
                purpose = f"{purpose}|reroll{nonce}"
        return unit(splitmix64(self._seed_key ^ site_key(stream, turn, purpose)))

    def reroll(self, stream: str, turn: int, purpose: str) -> None:
        """Replace the draw for this key with a new one (recorded, so snapshots keep it)."""
        key = f"{self.seed}|{stream}|{turn}|{purpose}"
        self.rerolls[key] = self.rerolls.get(key, 0) + 1


def derive_seed(seed: int, *labels: object) -> int:
    """A 63-bit seed derived from a base seed and labels (e.g. run index, 'uncertainty')."""
    text = "|".join([str(seed), *map(str, labels)])
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "little") >> 1
