"""Monte Carlo batches: chunks of runs, executors (processes, Dask), Parquet parts, resume.

`wargame.batch.run(...)` plays a batch and returns a `BatchResult`; `wargame.batch.open(DIR)`
returns the same for a finished batch folder (checked: `opening`). The modules, one job each:
`spec` (what a batch is: seeds, sample, columns, chunks), `worker` (what a worker plays),
`executors` (local processes, Dask), `storage` (parts, compaction, the folder's files),
`runner` (run, prepare, BatchResult), `sampling` (Latin hypercube), `sensitivity` (Sobol
designs played as a batch).
"""

from wargame.batch.opening import open_batch as open
from wargame.batch.runner import BatchResult, run
from wargame.batch.spec import BatchSpec

__all__ = ["BatchResult", "BatchSpec", "open", "run"]
