"""What refusing (or accepting) a scenario costs: within the hostile budget at every limit.

The issue's case: a file under every documented size limit, full of the longest legal
formulas with one bad name at the end, took 23 CPU seconds to refuse (the budget is 5). What
it cost was compiling about a million expression nodes, and `validate` loading the file again
for each variant. Now a scenario's expressions are at most 200,000 characters in all, the
variants times the file's nodes at most 250,000, at most 1,000 problems are listed, and
"did you mean" hints share a budget of names compared (docs/scenario-format.md, "YAML: safety,
limits"). The refused files at those limits are in the corpus (corpus.COSTLY_CASES, through
`validate` in test_scenario_files.py); here the issue's file, the same refused files through
`run`, and files accepted at the limits, each under harness.py's 5 CPU s and 256 MiB.
`python benchmarks/bench_refusal.py` prints what each costs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import tiny_data
from corpus import (
    COSTLY_CASES,
    EXPRESSION_CHARS,
    NAME,
    VARIANT_WORK,
    Case,
    formula_rules,
    many,
    tiny_with,
    variants,
)
from harness import assert_refused, run_limited, tree

from wargame.errors import InputError
from wargame.scenario import loading
from wargame.scenario.expr import MAX_EXPRESSION_CHARS
from wargame.scenario.loading import MAX_VARIANT_WORK, load_with_variants
from wargame.scenario.yamlsafe import MAX_NODES, MAX_PROBLEMS


def test_the_corpus_builds_its_files_at_the_real_limits() -> None:
    assert (EXPRESSION_CHARS, VARIANT_WORK) == (MAX_EXPRESSION_CHARS, MAX_VARIANT_WORK)


def issues_file() -> Callable[[Path], Path]:
    """The issue's file: under the 2 MiB size limit, 1,000 rules of the longest formulas (as
    many as fit), one unknown name last."""
    return tiny_with(rules=formula_rules(500, "tensoin > 1"))


@pytest.mark.parametrize("command", ["validate", "run", "batch"])
def test_the_issues_file_is_refused_at_once(tmp_path: Path, command: str) -> None:
    issues_file()(tmp_path)
    assert 1.9 * 2**20 < (tmp_path / NAME).stat().st_size < 2 * 2**20
    before = tree(tmp_path)
    args = {"validate": (), "run": ("--summary",), "batch": ("--runs", "1")}[command]

    ended = run_limited(command, NAME, *args, cwd=tmp_path)

    assert_refused(ended, NAME, "expressions pass 200,000 characters")
    assert tree(tmp_path) == before


@pytest.mark.slow
@pytest.mark.parametrize("case", COSTLY_CASES, ids=lambda c: c.id)
def test_a_file_costly_to_check_is_refused_by_run_within_the_budget(
    tmp_path: Path, case: Case
) -> None:
    case.make(tmp_path)
    before = tree(tmp_path)
    variant = ("--variant", "wrong") if "wrong" in case.says[0] else ()  # only it is wrong

    ended = run_limited("run", NAME, *variant, "--summary", "--json", "r.json", cwd=tmp_path)

    assert_refused(ended, NAME, *case.says)
    assert tree(tmp_path) == before


# ------------------------------------------------------------------ accepted at the limits


def actions_to_the_node_limit() -> Callable[[Path], Path]:
    """The tiny scenario with as many actions as 200,000 nodes hold (each a formula, an
    effect and numbers without provenance: 23,000 lines of validate's report)."""
    item = (
        "  x{i}: {{actor: A, label: L, category: status_quo, motive: tension * 0.1, "
        "effects: [{{target: tension, add: 0.01}}]}}"
    )
    dumped = yaml.safe_dump(tiny_data()["actions"], sort_keys=False)
    tiny_actions = "".join(f"  {line}\n" for line in dumped.splitlines())
    return tiny_with(actions=many(item, (MAX_NODES - 3000) // 17, last=tiny_actions))


ACCEPTED = {
    "expressions to the limit": tiny_with(
        rules=formula_rules(EXPRESSION_CHARS // 4000 - 1, "tension > 1")
    ),
    "variants to the limit": tiny_with(variants=variants(170)),
    "nodes to the limit": actions_to_the_node_limit(),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_a_file_at_the_limits_is_accepted_within_the_budget(tmp_path: Path, case: str) -> None:
    ACCEPTED[case](tmp_path)

    ended = run_limited("validate", NAME, cwd=tmp_path)

    assert ended.code == 0, ended.output[-3000:]
    assert f"{NAME}: ok" in ended.stdout and "Traceback" not in ended.output


@pytest.mark.parametrize("case", ["expressions to the limit", "variants to the limit"])
def test_a_game_of_a_file_at_the_limits_starts_within_the_budget(tmp_path: Path, case: str):
    ACCEPTED[case](tmp_path)
    variant = ("--variant", "v169") if case.startswith("variants") else ()

    ended = run_limited("run", NAME, *variant, "--turns", "1", "--summary", cwd=tmp_path)

    assert ended.code == 0, ended.output[-3000:]
    assert "turns played: 1" in ended.stdout


# ------------------------------------------------------------------ the mechanisms, counted


def test_validate_checks_the_file_once_and_each_variant_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny_with(variants=variants(25))(tmp_path)
    checks: list[int] = []
    real = loading._validate

    def counted(located: Any, data: Any, disabled: Any = None) -> Any:
        checks.append(len(data.get("variants", {})))
        return real(located, data, disabled)

    monkeypatch.setattr(loading, "_validate", counted)
    scenario, failed = load_with_variants(tmp_path / NAME)
    assert failed == [] and len(scenario.spec.variants) == 25
    # the file with its 25 variants, then each variant with only itself in `variants:`
    assert checks == [25] + [1] * 25


def test_problems_past_the_limit_are_not_all_worded(tmp_path: Path) -> None:
    """A problem on every node: the first MAX_PROBLEMS found, and one saying there are more."""
    tiny_with(phases=lambda: "- {name: x, actors: [" + ", ".join(["Q"] * 50_000) + "]}\n")(tmp_path)
    with pytest.raises(InputError) as caught:
        load_with_variants(tmp_path / NAME)
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0].message.startswith(f"more than {MAX_PROBLEMS:,} problems")
    assert sum("unknown actor 'Q'" in p.message for p in problems) >= MAX_PROBLEMS // 2
