"""Keyed draws: SplitMix64 as published, one draw per (seed, site) whether computed for one
game or for many at once, re-rolls that move one draw only, and draws that look uniform."""

from __future__ import annotations

import numpy as np
import pytest

from wargame.engine.rng import (
    KeyedRandom,
    seed_key,
    site_key,
    splitmix64,
    splitmix64_many,
    uniform_many,
)

# The first outputs of the SplitMix64 generator started at state 0 (each call adds the golden
# gamma to the state, then mixes it): the reference values of Vigna's splitmix64.c.
REFERENCE = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def test_splitmix64_gives_the_published_sequence() -> None:
    gamma = 0x9E3779B97F4A7C15
    states = [(i * gamma) % (1 << 64) for i in range(3)]
    assert [splitmix64(s) for s in states] == REFERENCE
    many = splitmix64_many(np.array(states, dtype=np.uint64))
    assert [int(v) for v in many] == REFERENCE


SEEDS = [0, 1, 2, 17, 2017, (1 << 63) - 1, (1 << 62) + 12345, -1]


@pytest.mark.parametrize(
    ("stream", "turn", "purpose"),
    [("NK", 1, "choice:0"), ("US", 12, "die:us_strike#0"), ("inject:olympics", 5, "fires")],
)
def test_many_games_at_once_draw_exactly_what_each_game_draws(
    stream: str, turn: int, purpose: str
) -> None:
    seeds = SEEDS + list(range(1000, 1500))
    keys = np.array([seed_key(s) for s in seeds], dtype=np.uint64)
    together = uniform_many(keys, site_key(stream, turn, purpose))
    alone = [KeyedRandom(s).uniform(stream, turn, purpose) for s in seeds]
    assert together.tolist() == alone  # bit for bit, not approximately


def test_a_reroll_moves_that_draw_and_no_other() -> None:
    dice = KeyedRandom(7)
    before = [dice.uniform("NK", t, "choice:0") for t in range(1, 4)]
    dice.reroll("NK", 2, "choice:0")
    after = [dice.uniform("NK", t, "choice:0") for t in range(1, 4)]
    assert after[0] == before[0] and after[2] == before[2] and after[1] != before[1]
    assert dice.rerolls == {"7|NK|2|choice:0": 1}
    again = KeyedRandom(7, dice.rerolls)  # as a snapshot restores it
    assert again.uniform("NK", 2, "choice:0") == after[1]


def test_draws_over_seeds_look_uniform_and_independent() -> None:
    keys = np.array([seed_key(s) for s in range(20_000)], dtype=np.uint64)
    first = uniform_many(keys, site_key("NK", 1, "choice:0"))
    second = uniform_many(keys, site_key("NK", 1, "choice:1"))
    assert first.min() >= 0.0 and first.max() < 1.0
    counts, _ = np.histogram(first, bins=10, range=(0.0, 1.0))
    chi_square = float(((counts - 2000) ** 2 / 2000).sum())
    assert chi_square < 27.9  # 9 degrees of freedom, p = 0.001
    assert abs(np.corrcoef(first, second)[0, 1]) < 0.03  # two sites of one game
    assert abs(np.corrcoef(first[:-1], first[1:])[0, 1]) < 0.03  # neighbouring seeds
