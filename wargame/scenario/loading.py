"""Load a scenario file: safe YAML, the typed schema, cross-references, variants and --set.

Every problem found is reported at once, each with file:line:column, what is wrong and how
to fix it (`InputError`, exit code 2). A loaded Scenario is immutable: the typed spec, its
compiled Program, where each world number comes from, and which numbers are uncertain.

The steps live beside this module: `problems` (pydantic's errors in plain words), `checks`
(cross-references and consistency), `variants` (variants and --set), `provenance` (sources,
assumptions and the uncertain numbers).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from wargame.engine.program import Compiler, Program
from wargame.errors import InputError, WargameError
from wargame.scenario.checks import consistency_check, cross_check
from wargame.scenario.problems import schema_problems, split_hint
from wargame.scenario.provenance import Uncertainty, provenance
from wargame.scenario.schema import ScenarioSpec
from wargame.scenario.variants import Draft, apply_override, apply_variant, spec_set_paths
from wargame.scenario.yamlsafe import Located, bulk, capped, load_yaml, load_yaml_text, shown

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
    def hindsight(self) -> bool:
        """Whether the variant played knows what was not known at the start (a hindcast)."""
        return self.variant is not None and self.spec.variants[self.variant].hindsight

    @property
    def hindsight_note(self) -> str | None:
        """The mark every output of a hindsight variant carries, in words; None otherwise."""
        if not self.hindsight:
            return None
        assert self.variant is not None
        return hindsight_note(self.spec, self.variant)

    @property
    def uncertainties(self) -> tuple[Uncertainty, ...]:
        """Every number with an assumption range (see `provenance`)."""
        return self._provenance()[1]

    @property
    def unsourced(self) -> tuple[str, ...]:
        """World numbers with neither a source nor an assumption range, in words."""
        return self._provenance()[0]

    def _provenance(self) -> tuple[tuple[str, ...], tuple[Uncertainty, ...]]:
        """Found when first asked for: a game needs neither (a walk over the whole spec)."""
        if "provenance" not in self.cache:
            unsourced, uncertain = provenance(self.spec)
            self.cache["provenance"] = (tuple(unsourced), tuple(uncertain))
        found: tuple[tuple[str, ...], tuple[Uncertainty, ...]] = self.cache["provenance"]
        return found

    @property
    def sampled(self) -> tuple[Uncertainty, ...]:
        """The uncertain numbers a batch samples: all assumption ranges but the fixed ones."""
        if "sampled" not in self.cache:
            self.cache["sampled"] = tuple(u for u in self.uncertainties if u.path not in self.fixed)
        sampled: tuple[Uncertainty, ...] = self.cache["sampled"]
        return sampled

    def sampled_values(self, given: Mapping[str, float]) -> dict[str, float]:
        """Every sampled number: the given values, central values for the rest."""
        values = {u.path: u.value for u in self.sampled}
        unknown = sorted(set(given) - set(values))
        if unknown:
            raise WargameError(
                f"not uncertain numbers of this scenario (variant): {', '.join(unknown[:5])}; "
                "sample only paths listed in Scenario.sampled"
            )
        values.update({path: float(value) for path, value in given.items()})
        return values

    def sampling_program(self) -> Program:
        """The program with every sampled number as a per-run input (compiled once)."""
        if "sampling" not in self.cache:
            paths = [u.path for u in self.sampled]
            self.cache["sampling"] = Compiler(self.spec, self.disabled, paths).compile()
        program: Program = self.cache["sampling"]
        return program


def hindsight_known(spec: ScenarioSpec, variant: str) -> str:
    """What a hindsight variant knows that was not known at its start, on one line."""
    return " ".join(spec.variants[variant].known_later.split()).rstrip(".")


def hindsight_note(spec: ScenarioSpec, variant: str) -> str:
    """'HINDSIGHT: variant X knows what was not known on DATE: ... Not a forecast.'"""
    known = hindsight_known(spec, variant)
    return (
        f"HINDSIGHT: variant '{variant}' knows what was not known on "
        f"{spec.scenario.start_date}: {known}. Not a forecast."
    )


def load_scenario(
    path: str | Path, *, variant: str | None = None, overrides: Sequence[str] = ()
) -> Scenario:
    """Load a scenario file, apply a variant and PATH=VALUE overrides; raise InputError."""
    with bulk():
        return build(load_yaml(path, what="scenario"), variant=variant, overrides=overrides)


def load_scenario_text(
    text: str, *, file: str = "<string>", variant: str | None = None, overrides: Sequence[str] = ()
) -> Scenario:
    """Load a scenario from text (tests, notebooks)."""
    with bulk():
        located = load_yaml_text(text, file, what="scenario")
        return build(located, variant=variant, overrides=overrides)


def load_with_variants(path: str | Path) -> tuple[Scenario, list[InputError]]:
    """Load a file, then check it with each of its variants: the scenario without a variant,
    and each variant's problems (`wargame validate`). The file is read and checked once; each
    variant costs one more check, of the document it makes."""
    with bulk():
        located = load_yaml(path, what="scenario")
        scenario = build(located, variant=None, overrides=())
        failed = []
        for name in scenario.spec.variants:
            try:
                _, view, disabled = _apply(located, scenario.spec, name, ())
                _check_applied(located, view, disabled, name, ())
            except InputError as error:
                failed.append(error)
    return scenario, failed


def build(located: Located, *, variant: str | None, overrides: Sequence[str]) -> Scenario:
    """Validate, apply the variant and overrides, validate again, compile."""
    spec, program, chars = _validate(located, located.data)
    _variants_within_budget(located, spec, chars)
    data, disabled = located.data, set[str]()
    if variant is not None or overrides:
        del program  # (the changed document is compiled anew: one program in memory at a time)
        data, view, disabled = _apply(located, spec, variant, overrides)
        del spec
        spec, program = _check_applied(located, view, disabled, variant, overrides)
    canonical = json.dumps([data, variant], sort_keys=True, default=str)
    return Scenario(
        spec=spec,
        program=program,
        file=located.file,
        variant=variant,
        content_hash=hashlib.sha256(canonical.encode()).hexdigest(),
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


def _apply(
    located: Located, spec: ScenarioSpec, variant: str | None, overrides: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """The document with the variant and --set options applied; what of it is checked; and
    the actions the variant's menus remove.

    Only the variant played is kept in the `variants:` section that is checked: the file's
    check has checked them all, and what this variant changes cannot make another one wrong
    to play (it only made checking every variant cost the square of their number).
    """
    draft = Draft(located.data)
    disabled: set[str] = set()
    if variant is not None:
        disabled = apply_variant(located, spec, draft, variant)
    for text in overrides:
        apply_override(located, draft, text)
    data = draft.data
    if variant is None:
        return data, data, disabled
    return data, {**data, "variants": {variant: data["variants"][variant]}}, disabled


def _check_applied(
    located: Located,
    view: dict[str, Any],
    disabled: set[str],
    variant: str | None,
    overrides: Sequence[str],
) -> tuple[ScenarioSpec, Program]:
    """The changed document checked as a whole; its problems say what was applied."""
    try:
        spec, program, _ = _validate(located, view, disabled)
    except InputError as error:
        # The file itself passed: say what was applied, or the message points at a line
        # that looks fine.
        note = f" (after applying {_applied(variant, overrides)})"
        raise InputError(
            [dataclasses.replace(p, message=p.message + note) for p in error.problems]
        ) from None
    return spec, program


MAX_VARIANT_WORK = 250_000
"""What checking every variant of a file may cost, in nodes checked: each variant is checked
as a whole document, so the number of variants times the file's nodes, an expression counting
one node per EXPRESSION_CHARS_PER_NODE characters (compiling them is most of the work)."""
EXPRESSION_CHARS_PER_NODE = 4


def _variants_within_budget(located: Located, spec: ScenarioSpec, chars: int) -> None:
    """Refuse a file whose variants would take more than MAX_VARIANT_WORK to check."""
    size = located.nodes + chars // EXPRESSION_CHARS_PER_NODE
    if len(spec.variants) * size <= MAX_VARIANT_WORK:
        return
    most = MAX_VARIANT_WORK // max(size, 1)
    message = (
        f"{len(spec.variants):,} variants of a file of {size:,} nodes (expressions included) "
        f"are more than can be checked in seconds: at most {MAX_VARIANT_WORK:,} for the "
        "variants times the nodes"
    )
    hint = f"keep at most {most:,} variants here, or put the others in a copy of the file"
    raise InputError([located.problem(("variants",), message, hint)])


def _applied(variant: str | None, overrides: Sequence[str]) -> str:
    """What a variant and --set options changed, for messages: the first few options named
    (there may be thousands, and the note is added to every problem)."""
    applied = [f"variant '{shown(variant)}'"] if variant is not None else []
    applied += [f"--set {shown(text)}" for text in overrides[:3]]
    if len(overrides) > 3:
        applied.append(f"{len(overrides) - 3:,} more --set options")
    return ", ".join(applied)


def _validate(
    located: Located, data: Any, disabled: set[str] | None = None
) -> tuple[ScenarioSpec, Program, int]:
    """The checked spec and compiled program of data, and its expressions' characters."""
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as error:
        raise InputError(schema_problems(located, data, error)) from None
    problems = cross_check(located, spec) + consistency_check(located, spec)
    compiler = Compiler(spec, disabled or ())
    program = compiler.compile() if not problems else None
    problems += [located.problem(p.path, *split_hint(p.message, p.hint)) for p in compiler.problems]
    if problems or program is None:
        raise InputError(capped(problems, located.file))
    return spec, program, compiler.expression_chars
