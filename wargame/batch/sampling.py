"""Lazy Monte Carlo designs: the sampled uncertain numbers of run i, computed on their own.

A batch of N runs samples each uncertain number (a `Dimension`) from its range. The design is
a pure function of (seed, method, N, dimensions), and any single run's point is computed in
O(dimensions) time and memory, so that
- run i of every policy variant gets the same values (common random numbers);
- a resumed batch, or a Dask worker given a chunk of run indices, needs no shared state;
- 10 million runs x 300 dimensions are never held in memory.

Latin hypercube ("lhs", the default): in each dimension the N unit values fall one in each of
the N strata [k/N, (k+1)/N), in an order independent across dimensions:

    unit(i, d) = (perm_d(i) + jitter(i, d)) / N

`perm_d` is a keyed 6-round Feistel network on Z_a x Z_b (a = ceil(sqrt N), b = ceil(N / a),
so a*b < N + a; halves combined by addition modulo their size), cycle-walked until the image
lands below N: a bijection of {0..N-1}, evaluated pointwise. A power-of-two domain would
make up to half of all points walk, which costs more than the whole rest of a 300-dimension
run; here fewer than about 1 in sqrt(N) do. "random" is plain independent uniforms.

Keys are BLAKE2b (`rng.derive_seed`) of the seed and the dimension's *name*, never its
position, so adding, removing or reordering dimensions leaves every other dimension's values
unchanged. Per call, one BLAKE2b gives the run's key; the per-(run, dimension) uniforms then
come from a SplitMix64 finaliser of (run key XOR dimension key), vectorised with numpy: a
BLAKE2b per (run, dimension) would cost ~0.7 us each, i.e. ~0.2 ms per run at 300 dimensions.
"""

from __future__ import annotations

import json
import math
import numbers
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import blake2b
from typing import Literal

import numpy as np
import numpy.typing as npt

from wargame.engine.rng import derive_seed

__all__ = ["MAX_RUNS", "Design", "Dimension", "Method"]

Method = Literal["lhs", "random"]
_METHODS: tuple[str, ...] = ("lhs", "random")

MAX_RUNS = 1 << 48
"""Largest batch: keeps strata exact in doubles and Feistel halves well inside 64 bits."""

_ALGORITHM = "wargame.sampling/1"  # in the fingerprint: bump if any sampled value changes
_ROUNDS = 6  # Feistel rounds (even): enough to scramble, not meant to be cryptographic
_SCALAR_BELOW = 32  # cycle-walk in numpy while more dimensions than this remain, then in Python

_MASK64 = (1 << 64) - 1
_M1 = 0xBF58476D1CE4E5B9  # SplitMix64 finaliser constants
_M2 = 0x94D049BB133111EB
_U_M1 = np.uint64(_M1)
_U_M2 = np.uint64(_M2)
_U11 = np.uint64(11)
_U27 = np.uint64(27)
_U30 = np.uint64(30)
_U31 = np.uint64(31)
_U32 = np.uint64(32)
_SCALE = 1.0 / (1 << 53)

U64Array = npt.NDArray[np.uint64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Dimension:
    """One uncertain number of the scenario: its name (e.g. a scenario path) and its range."""

    name: str
    low: float
    high: float

    def __post_init__(self) -> None:
        """Reject unnamed, non-numeric, non-finite or inverted ranges; store floats."""
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"dimension name must be a non-empty string, got {self.name!r}")
        for label in ("low", "high"):
            raw = getattr(self, label)
            if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
                raise ValueError(f"dimension {self.name!r}: {label} must be a number, got {raw!r}")
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError(f"dimension {self.name!r}: {label} must be finite, got {raw!r}")
            object.__setattr__(self, label, number)
        if self.low > self.high:
            raise ValueError(
                f"dimension {self.name!r}: low {self.low!r} is above high {self.high!r}"
            )


def _whole(value: object, what: str) -> int:
    """`value` as an int, or a ValueError naming `what` (bools are refused)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{what} must be an integer, got {value!r}") from None


def _splitmix(z: U64Array) -> U64Array:
    """SplitMix64's finaliser, elementwise (uint64 arithmetic wraps modulo 2**64)."""
    z = (z ^ (z >> _U30)) * _U_M1
    z = (z ^ (z >> _U27)) * _U_M2
    return z ^ (z >> _U31)


class Design:
    """The sampled values of a batch: a pure function of (seed, method, N, dimensions)."""

    def __init__(
        self,
        dimensions: Sequence[Dimension],
        runs: int,
        seed: int,
        method: Method = "lhs",
    ) -> None:
        self.runs = _whole(runs, "runs")
        if not 1 <= self.runs <= MAX_RUNS:
            raise ValueError(f"runs must be between 1 and 2**48, got {runs!r}")
        self.seed = _whole(seed, "seed")
        if method not in _METHODS:
            raise ValueError(f"method must be one of {', '.join(_METHODS)}; got {method!r}")
        self.method: Method = method
        dims = tuple(dimensions)
        seen: set[str] = set()
        for dim in dims:
            if not isinstance(dim, Dimension):
                raise ValueError(f"dimensions must be Dimension objects, got {dim!r}")
            if dim.name in seen:
                raise ValueError(f"dimension name {dim.name!r} appears more than once")
            seen.add(dim.name)
        self.dimensions = dims
        self._names = [dim.name for dim in dims]
        self._low: FloatArray = np.array([dim.low for dim in dims], dtype=np.float64)
        self._high: FloatArray = np.array([dim.high for dim in dims], dtype=np.float64)
        with np.errstate(over="ignore"):
            span = self._high - self._low
        # Ranges so wide that high - low overflows are interpolated instead (see values()).
        self._wide = np.flatnonzero(~np.isfinite(span))
        self._span: FloatArray = np.where(np.isfinite(span), span, 0.0)
        self._flat = np.flatnonzero(self._high == self._low)
        self._jitter_keys: U64Array = np.array(
            [derive_seed(self.seed, "sampling", method, name) for name in self._names],
            dtype=np.uint64,
        )
        # Feistel domain: {0..a*b-1} >= {0..runs-1} with a = ceil(sqrt(runs)), b = ceil(runs / a),
        # so less than one value in sqrt(runs) has to cycle-walk. x = left * b + right, with
        # left in Z_a and right in Z_b; the two moduli swap every round.
        a = math.isqrt(self.runs - 1) + 1
        b = -(-self.runs // a)
        self._moduli = [(a, b)[r % 2] for r in range(_ROUNDS)]  # modulus of the left half
        self._u_moduli = [np.uint64(m) for m in self._moduli]
        self._round_keys_py = [
            tuple(
                derive_seed(self.seed, "sampling", "lhs-permutation", name, r)
                for r in range(_ROUNDS)
            )
            for name in self._names
        ]
        # shape (rounds, dimensions), so a round's keys are one contiguous row
        self._round_keys: U64Array = (
            np.array(self._round_keys_py, dtype=np.uint64).reshape(len(dims), _ROUNDS).T.copy()
        )

    def __repr__(self) -> str:
        """A short description naming the fingerprint."""
        return (
            f"Design(method={self.method!r}, runs={self.runs}, seed={self.seed}, "
            f"dimensions={len(self.dimensions)}, fingerprint={self.fingerprint()!r})"
        )

    # -- public ---------------------------------------------------------------------------

    def unit(self, run: int) -> list[float]:
        """The run's point in [0, 1)^D, in the order of `dimensions`."""
        return self._unit(self._check_run(run)).tolist()

    def values(self, run: int) -> dict[str, float]:
        """The run's values scaled to [low, high] per dimension (a degenerate range gives low)."""
        return dict(zip(self._names, self._scaled(run).tolist(), strict=True))

    def table(self, runs: range) -> FloatArray:
        """The values of these runs, one row per run (columns in the order of `dimensions`):
        the rows of `values`, without a dict per run."""
        if not len(runs):
            return np.empty((0, len(self._names)))
        return np.stack([self._scaled(run) for run in runs])

    def _scaled(self, run: int) -> FloatArray:
        u = self._unit(self._check_run(run))
        scaled = self._low + self._span * u  # >= low, as span * u >= 0
        np.minimum(scaled, self._high, out=scaled)  # span may have rounded up
        if self._wide.size:
            w = self._wide
            mixed = self._low[w] * (1.0 - u[w]) + self._high[w] * u[w]
            scaled[w] = np.clip(mixed, self._low[w], self._high[w])
        if self._flat.size:
            scaled[self._flat] = self._low[self._flat]
        return scaled

    def fingerprint(self) -> str:
        """A 16-hex-digit digest of (algorithm, method, seed, runs, dimensions) for manifests.

        Dimensions are taken by name, so reordering them (which changes no value) keeps it.
        """
        dims = sorted((d.name, d.low.hex(), d.high.hex()) for d in self.dimensions)
        text = json.dumps([_ALGORITHM, self.method, self.seed, self.runs, dims])
        return blake2b(text.encode(), digest_size=8).hexdigest()

    # -- internals ------------------------------------------------------------------------

    def _check_run(self, run: int) -> int:
        index = _whole(run, "run")
        if not 0 <= index < self.runs:
            raise ValueError(f"run must be in 0..{self.runs - 1}, got {run!r}")
        return index

    def _uniforms(self, run: int) -> FloatArray:
        """Per-dimension uniforms in [0, 1) keyed by (seed, run, method, dimension name)."""
        run_key = np.uint64(derive_seed(self.seed, "sampling", "run", run))
        bits = _splitmix(self._jitter_keys ^ run_key) >> _U11
        return bits.astype(np.float64) * _SCALE

    def _unit(self, run: int) -> FloatArray:
        jitter = self._uniforms(run)
        if self.method == "random":
            return jitter
        n = self.runs
        strata = self._strata(run).astype(np.float64)
        point = (strata + jitter) / n
        # Rounding can push (k + u) / N onto the next stratum (u near 1) or (k / N) * N just
        # below k; nudge by one ulp until floor(point * N) == k and point < 1 exactly (each
        # nudge moves towards the stratum, which holds many doubles as N <= 2**48).
        while True:
            seen = np.floor(point * n)
            high, low = seen > strata, seen < strata
            if not (high.any() or low.any()):
                return point
            point = np.where(high, np.nextafter(point, 0.0), point)
            point = np.where(low, np.nextafter(point, 2.0), point)

    def _strata(self, run: int) -> U64Array:
        """The run's stratum in each dimension: perm_d(run), a bijection of {0..N-1} per d."""
        d = len(self._names)
        if self.runs == 1 or d == 0:
            return np.zeros(d, dtype=np.uint64)
        n = np.uint64(self.runs)
        image = self._feistel(np.full(d, run, dtype=np.uint64), self._round_keys)
        pending = np.flatnonzero(image >= n)
        while pending.size > _SCALAR_BELOW:  # cycle-walk: apply again until in range
            step = self._feistel(image[pending], self._round_keys[:, pending])
            image[pending] = step
            pending = pending[step >= n]
        for j in pending.tolist():
            image[j] = self._walk_scalar(int(image[j]), self._round_keys_py[j])
        return image

    def _feistel(self, x: U64Array, keys: U64Array) -> U64Array:
        """One pass of the keyed Feistel network over Z_a x Z_b, elementwise.

        Round r maps (left, right) to (right, (left + F(right)) mod |left|), F being the top
        32 bits of a SplitMix64-style mix of (right ^ key); keys are rounds x len(x).
        """
        b = self._u_moduli[1]
        left, right = x // b, x % b
        for r in range(_ROUNDS):
            t = (right ^ keys[r]) * _U_M1
            t ^= t >> _U32
            t *= _U_M2
            t >>= _U32
            t %= self._u_moduli[r]
            t += left
            t %= self._u_moduli[r]
            left, right = right, t
        return left * b + right  # _ROUNDS is even: the moduli are back to (a, b)

    def _walk_scalar(self, x: int, keys: tuple[int, ...]) -> int:
        """Finish cycle-walking one value in plain Python (the same arithmetic as `_feistel`)."""
        b = self._moduli[1]
        while x >= self.runs:
            left, right = divmod(x, b)
            for key, modulus in zip(keys, self._moduli, strict=True):
                t = ((right ^ key) * _M1) & _MASK64
                t = (((t ^ (t >> 32)) * _M2) & _MASK64) >> 32
                left, right = right, (left + t) % modulus
            x = left * b + right
        return x


class PointDesign:
    """Given points (e.g. a Saltelli matrix), each played `replicates` times in a row.

    Run r plays point r // replicates, so a point's replicates are neighbours and its
    outcome becomes a rate rather than one noisy die.
    """

    def __init__(
        self, dimensions: Sequence[Dimension], points: Sequence[Sequence[float]], replicates: int
    ) -> None:
        if replicates < 1:
            raise ValueError(f"replicates must be at least 1, got {replicates}")
        if any(len(point) != len(dimensions) for point in points):
            raise ValueError("every point needs one value per dimension")
        self.dimensions = tuple(dimensions)
        self.points = [tuple(float(x) for x in point) for point in points]
        self.replicates = replicates
        self.runs = len(self.points) * replicates

    def values(self, run: int) -> dict[str, float]:
        """The values of the point that run `run` replicates."""
        point = self.points[run // self.replicates]
        return {d.name: x for d, x in zip(self.dimensions, point, strict=True)}

    def table(self, runs: range) -> FloatArray:
        """The values of these runs, one row per run (columns in the order of `dimensions`)."""
        rows = [self.points[run // self.replicates] for run in runs]
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(self.dimensions))

    def fingerprint(self) -> str:
        """A short digest of the points and replicates, for manifests."""
        digest = blake2b(digest_size=8)
        digest.update(repr((self.replicates, [d.name for d in self.dimensions])).encode())
        for point in self.points:
            digest.update(repr(point).encode())
        return digest.hexdigest()
