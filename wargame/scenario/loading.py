"""Load a scenario file: safe YAML, the typed schema, cross-references, variants and --set.

Every problem found is reported at once, each with file:line:column, what is wrong and how
to fix it (`InputError`, exit code 2). A loaded Scenario is immutable: the typed spec, its
compiled Program, where each world number comes from, and which numbers are uncertain.

The steps live beside this module: `problems` (pydantic's errors in plain words), `checks`
(cross-references and consistency), `variants` (variants and --set), `provenance` (sources,
assumptions and the uncertain numbers).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from wargame.engine.program import Compiler, Program
from wargame.errors import InputError
from wargame.scenario.checks import consistency_check, cross_check
from wargame.scenario.problems import schema_problems, split_hint
from wargame.scenario.provenance import Uncertainty, provenance
from wargame.scenario.schema import ScenarioSpec
from wargame.scenario.variants import apply_override, apply_variant, spec_set_paths
from wargame.scenario.yamlsafe import Located, load_yaml, load_yaml_text

__all__ = [
    "Scenario",
    "Uncertainty",
    "build",
    "load_scenario",
    "load_scenario_text",
    "schema_problems",  # (imported from here by wargame.engine.snapshot)
]


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated, compiled scenario (with one variant and overrides applied)."""

    spec: ScenarioSpec
    program: Program
    file: str
    variant: str | None
    content_hash: str
    uncertainties: tuple[Uncertainty, ...]
    unsourced: tuple[str, ...]
    data: Any
    disabled: frozenset[str] = frozenset()
    fixed: frozenset[str] = frozenset()
    """Paths the variant or --set gave a value: policy choices, never sampled."""
    cache: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        """The scenario id from its metadata."""
        return self.spec.scenario.id

    @property
    def sampled(self) -> tuple[Uncertainty, ...]:
        """The uncertain numbers a batch samples: all assumption ranges but the fixed ones."""
        if "sampled" not in self.cache:
            self.cache["sampled"] = tuple(u for u in self.uncertainties if u.path not in self.fixed)
        sampled: tuple[Uncertainty, ...] = self.cache["sampled"]
        return sampled

    def sampling_program(self) -> Program:
        """The program with every sampled number as a per-run input (compiled once)."""
        if "sampling" not in self.cache:
            paths = [u.path for u in self.sampled]
            self.cache["sampling"] = Compiler(self.spec, self.disabled, paths).compile()
        program: Program = self.cache["sampling"]
        return program


def load_scenario(
    path: str | Path, *, variant: str | None = None, overrides: Sequence[str] = ()
) -> Scenario:
    """Load a scenario file, apply a variant and PATH=VALUE overrides; raise InputError."""
    return build(load_yaml(path, what="scenario"), variant=variant, overrides=overrides)


def load_scenario_text(
    text: str, *, file: str = "<string>", variant: str | None = None, overrides: Sequence[str] = ()
) -> Scenario:
    """Load a scenario from text (tests, notebooks)."""
    return build(load_yaml_text(text, file, what="scenario"), variant=variant, overrides=overrides)


def build(located: Located, *, variant: str | None, overrides: Sequence[str]) -> Scenario:
    """Validate, apply the variant and overrides, validate again, compile."""
    spec, program = _validate(located, located.data)
    data = copy.deepcopy(located.data)
    disabled: set[str] = set()
    if variant is not None:
        disabled = apply_variant(located, spec, data, variant)
    for text in overrides:
        apply_override(located, data, text)
    if variant is not None or overrides:
        try:
            spec, program = _validate(located, data, disabled)
        except InputError as error:
            # The file itself passed: say what was applied, or the message points at a line
            # that looks fine.
            applied = [f"variant '{variant}'"] if variant is not None else []
            applied += [f"--set {text}" for text in overrides]
            note = f" (after applying {', '.join(applied)})"
            raise InputError(
                [dataclasses.replace(p, message=p.message + note) for p in error.problems]
            ) from None
    unsourced, uncertain = provenance(spec)
    canonical = json.dumps([data, variant], sort_keys=True, default=str)
    return Scenario(
        spec=spec,
        program=program,
        file=located.file,
        variant=variant,
        content_hash=hashlib.sha256(canonical.encode()).hexdigest(),
        uncertainties=tuple(uncertain),
        unsourced=tuple(unsourced),
        disabled=frozenset(disabled),
        fixed=frozenset(
            path.removesuffix(".value")
            for path in [
                *(spec_set_paths(located, variant)),
                *(text.partition("=")[0].strip() for text in overrides),
            ]
        ),
        data=data,
    )


def _validate(
    located: Located, data: Any, disabled: set[str] | None = None
) -> tuple[ScenarioSpec, Program]:
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as error:
        raise InputError(schema_problems(located, data, error)) from None
    problems = cross_check(located, spec) + consistency_check(located, spec)
    compiler = Compiler(spec, disabled or ())
    program = compiler.compile() if not problems else None
    problems += [located.problem(p.path, *split_hint(p.message, p.hint)) for p in compiler.problems]
    if problems or program is None:
        raise InputError(problems)
    return spec, program
