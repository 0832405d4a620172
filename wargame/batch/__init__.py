"""Monte Carlo batches: chunks of runs, executors (processes, Dask), Parquet parts, resume.

`wargame.batch.run(...)` plays a batch and returns a `BatchResult`.
"""

from wargame.batch.runner import BatchResult, BatchSpec, run

__all__ = ["BatchResult", "BatchSpec", "run"]
