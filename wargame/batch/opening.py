"""Reopen a finished batch folder: `wargame.batch.open(DIR)` and `wargame summarize DIR`.

The folder is checked before anything is read from it: its manifest (the schema every batch
writes), a compacted `runs.parquet` that can be read and carries this batch's id, with the
columns a runs table has. A folder still being written (parts, no runs.parquet), a damaged
table or another tool's folder is a WargameError naming the folder and the fix.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from wargame.batch.runner import BatchResult, batch_id
from wargame.batch.storage import (
    MANIFEST,
    RUNS,
    _reading,
    batch_id_of,
    failures,
    not_ours,
    read_schema,
)
from wargame.errors import InputError, Problem, WargameError
from wargame.files.saved import read_manifest
from wargame.scenario.loading import hindsight_note, load_scenario
from wargame.scenario.schema import ScenarioSpec
from wargame.scenario.yamlsafe import MAX_BYTES

KEY_COLUMNS = ("run", "variant", "seed", "error", "turns", "escalation")
"""Columns every runs table has."""


def open_batch(out: str | Path, *, baseline: str | None = None) -> BatchResult:
    """The `BatchResult` of the finished batch in `out`, as `wargame.batch.run` returned it
    (the baseline is the first variant unless named). Refused with a WargameError (exit 2)
    naming the folder and the fix: no folder, no manifest, a manifest that is not a batch's,
    no runs.parquet (the batch was interrupted), a runs table that cannot be read, lacks the
    columns of a runs table or belongs to another batch."""
    folder = Path(out)
    manifest_path = folder / MANIFEST
    try:  # a name too long, a folder that may not be read: OSError, not a missing folder
        exists, is_dir = folder.exists(), folder.is_dir()
        has_manifest = is_dir and (manifest_path.exists() or manifest_path.is_symlink())
    except OSError as error:
        raise WargameError(
            f"cannot read {folder}: {error.strerror}; name the folder a batch wrote "
            "(wargame batch --out DIR)"
        ) from None
    if not is_dir:
        what = "does not exist" if not exists else "is not a directory"
        raise WargameError(
            f"{folder} {what}; name the folder a batch wrote (wargame batch --out DIR)"
        )
    if not has_manifest:
        raise WargameError(
            f"{folder} holds no {MANIFEST}, so it is not a batch folder (or its batch never "
            "started). Fix: name the folder a batch wrote (wargame batch --out DIR)"
        )
    manifest = read_manifest(manifest_path)
    runs = folder / RUNS
    if not runs.exists():
        raise WargameError(
            f"{folder} holds a batch that did not finish (no {RUNS} yet). Fix: finish it with "
            "the same wargame batch command and --resume"
        )
    schema = read_schema(runs)  # a truncated or damaged table: an InputError naming it
    missing = [c for c in KEY_COLUMNS if c not in schema.names]
    if missing:
        raise InputError(
            [
                Problem(
                    str(runs),
                    None,
                    None,
                    f"this is not a batch's runs table (no column {', '.join(missing)})",
                    "name the folder a batch wrote, or start the batch again with --force",
                )
            ]
        )
    wanted = batch_id(manifest)
    found = batch_id_of(runs)
    if found != wanted:
        raise InputError([not_ours(folder, runs, found, wanted)])
    variants = tuple(manifest["variants"])
    chosen = variants[0] if baseline is None else baseline
    if chosen not in variants:
        raise WargameError(
            f"the baseline '{chosen}' is not among the variants of the batch in {folder}: "
            f"{', '.join(variants)}"
        )
    spec = scenario_of_batch(folder)
    hindsight = tuple(
        hindsight_note(spec, name)
        if spec is not None and name in spec.variants
        else f"HINDSIGHT: variant '{name}' knows what was not known at the start date; "
        "its results are no forecast"
        for name in manifest.get("hindsight", [])
    )
    failed = _reading(runs, lambda: failures(runs))
    return BatchResult(folder, chosen, variants, failed, hindsight)


def summarised(result: BatchResult, *, resamples: int = 2000) -> dict[str, Any]:
    """`result.summary()`, a table damaged past its footer an InputError naming it."""
    return _reading(result.out / RUNS, lambda: result.summary(resamples=resamples))


def scenario_of_batch(out: Path) -> ScenarioSpec | None:
    """The scenario a batch played, if its file is still where the manifest says (as given,
    or beside the batch folder) with the same content; None otherwise (labels then fall back
    to ids)."""
    manifest = read_manifest(Path(out) / MANIFEST)
    named = Path(manifest["scenario"])
    for path in (named, Path(out).parent / named, Path(out) / named):
        try:  # a regular file within the scenario size limit (never a FIFO or /dev/zero)
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if hashlib.sha256(text.encode()).hexdigest() != manifest["scenario_sha256"]:
            continue
        try:
            return load_scenario(path, overrides=manifest["overrides"]).spec
        except WargameError:
            return None
    return None
