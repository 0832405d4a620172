"""What keeps a batch's memory lean and is not a figure (the figures: benchmarks/bench_batch.py):
a worker playing in lockstep loads no more than it needs, and a batch run from Python leaves
the process's pyarrow allocator as it found it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pyarrow as pa
from conftest import SCENARIOS

from wargame.batch import runner as batch

KOREA = SCENARIOS / "korea_2017_over_japan.yaml"

PLAY_A_CHUNK = """
import sys
from pathlib import Path
from wargame.batch import runner, worker
from wargame.batch.spec import BatchSpec

path = Path(sys.argv[1])
spec = BatchSpec(
    scenario_name=str(path), scenario_text=path.read_text(), variants=tuple(sys.argv[2:]),
    overrides=(), runs=1000, seed=0, sample="lhs", chunk_size=64, trajectories=False,
    from_state=None, points=None, point_names=(), replicates=1, hindsight=(), engine="auto",
)
table, _ = worker.play_chunk(spec, 0, 64)
assert table.num_rows == 64 * len(spec.variants)
print(" ".join(sorted(name for name in ("mesa", "pandas", "scipy") if name in sys.modules)))
"""


def loaded_by_a_chunk(*variants: str) -> set[str]:
    """Which of mesa, pandas and scipy a fresh process has loaded after playing a chunk."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PLAY_A_CHUNK), str(KOREA), *variants],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


def test_a_worker_playing_in_lockstep_does_not_load_mesa_and_what_it_brings() -> None:
    # mesa brings pandas and scipy: about 90 MiB in every worker process; pandas alone,
    # which pyarrow loads for pa.array, is 45 MiB of it
    assert loaded_by_a_chunk("weak_response", "strong_united_response") == set()


def test_a_batch_run_from_python_puts_back_the_allocator_it_found(tmp_path) -> None:
    before = pa.default_memory_pool().backend_name
    batch.run(KOREA, variants=("weak_response",), runs=8, out=tmp_path / "out", workers=1)
    assert pa.default_memory_pool().backend_name == before
