"""Tests for wargame.errors and wargame.scenario.yamlsafe: every rule, hostile inputs included."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wargame.errors import InputError, Problem, WargameError, suggest
from wargame.scenario import yamlsafe
from wargame.scenario.yamlsafe import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    Located,
    load_yaml,
    load_yaml_text,
)


def problems_of(text: str | bytes) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_yaml_text(text, "s.yaml")
    return caught.value.problems


def only_problem(text: str | bytes) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def file_problem(path: Path | str) -> Problem:
    with pytest.raises(InputError) as caught:
        load_yaml(path)
    [problem] = caught.value.problems
    assert problem.file == os.fspath(path)
    return problem


# --- errors.py -------------------------------------------------------------------------------


def test_problem_str_has_file_line_column_where_message_and_fix() -> None:
    problem = Problem("scenarios/x.yaml", 12, 5, "must be >= 0, got -1", "Use 0.", "a.b.cost")
    assert str(problem) == "scenarios/x.yaml:12:5: a.b.cost: must be >= 0, got -1. Fix: Use 0."


def test_problem_str_leaves_out_missing_parts() -> None:
    assert str(Problem(None, None, None, "boom")) == "boom"
    assert str(Problem("f.yaml", None, None, "no such file")) == "f.yaml: no such file"
    assert str(Problem(None, 3, None, "bad", "Fix it.")) == "line 3: bad. Fix: Fix it."
    assert str(Problem("f.yaml", 3, None, "why?", "Ask.")) == "f.yaml:3: why? Fix: Ask."


def test_input_error_sorts_counts_and_keeps_one_line_per_problem() -> None:
    error = InputError(
        [
            Problem("b.yaml", 1, 1, "third"),
            Problem("a.yaml", 9, 2, "second\nline"),
            Problem("a.yaml", 2, 7, "first"),
        ]
    )
    assert isinstance(error, WargameError) and error.exit_code == 2
    assert [p.message for p in error.problems] == ["first", "second\nline", "third"]
    assert str(error).splitlines() == [
        "3 problems in a.yaml, b.yaml:",
        "  a.yaml:2:7: first",
        "  a.yaml:9:2: second line",
        "  b.yaml:1:1: third",
    ]
    assert str(InputError([Problem("a.yaml", 1, 1, "x")])).startswith("1 problem in a.yaml:\n")


def test_suggest() -> None:
    assert suggest("capabilty", ["cost", "capability"]) == " Did you mean 'capability'?"
    assert suggest("zebra", iter(["cost", "capability"])) == ""


# --- happy paths -------------------------------------------------------------------------------

SCENARIO = """\
scenario:
  name: Test
  start: 2017-08-29
actors:
  - id: usa
    power: 12345678901234567890123
  - {id: dprk, power: 1.5}
"""


def test_data_and_locations_of_nested_keys_and_list_items() -> None:
    loaded = load_yaml_text(SCENARIO, "s.yaml")
    assert loaded.data == {
        "scenario": {"name": "Test", "start": dt.date(2017, 8, 29)},
        "actors": [{"id": "usa", "power": 12345678901234567890123}, {"id": "dprk", "power": 1.5}],
    }
    assert loaded.file == "s.yaml"
    expected = {
        (): (1, 1),
        ("scenario",): (1, 1),
        ("scenario", "start"): (3, 3),
        ("actors",): (4, 1),
        ("actors", 0): (5, 5),
        ("actors", 0, "power"): (6, 5),
        ("actors", 1): (7, 5),
        ("actors", 1, "power"): (7, 16),
    }
    assert {path: loaded.locations[path] for path in expected} == expected


def test_where_falls_back_to_the_deepest_located_parent() -> None:
    loaded = load_yaml_text(SCENARIO, "s.yaml")
    assert loaded.where(["actors", 1, "missing", "deeper"]) == (7, 5)
    assert loaded.where(["nothing"]) == (1, 1)
    assert Located({}, {}, "x").where(["a"]) == (None, None)
    problem = loaded.problem(("actors", 0, "power"), "too big", "Lower it.")
    assert problem == Problem("s.yaml", 6, 5, "too big", "Lower it.", "actors[0].power")


def test_aliases_expand_and_point_at_the_anchored_text() -> None:
    loaded = load_yaml_text("base: &b\n  cost: 1\n  tags: [x]\ncopy: *b\n", "s.yaml")
    assert loaded.data["copy"] == {"cost": 1, "tags": ["x"]}
    assert loaded.where(["copy"]) == (4, 1)
    assert loaded.where(["copy", "cost"]) == (2, 3)
    assert loaded.where(["copy", "tags", 0]) == (3, 10)


def test_keys_are_their_source_text() -> None:
    assert load_yaml_text("1: a\ntrue: b\n1.50: c\n", "s.yaml").data == {
        "1": "a",
        "true": "b",
        "1.50": "c",
    }


def test_load_yaml_reads_a_file_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: caf\xc3\xa9\nb: 2\n")
    loaded = load_yaml(path)
    assert loaded.data == {"a": "café", "b": 2}
    assert loaded.file == str(path) and loaded.where(["a"]) == (1, 1)


# --- files -------------------------------------------------------------------------------------


def test_missing_path_suggests_a_close_name(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text("a: 1\n")
    problem = file_problem(tmp_path / "scenaro.yaml")
    assert (problem.line, problem.column) == (None, None)
    assert problem.message == "no such file"
    assert "Did you mean 'scenario.yaml'?" in problem.hint


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in file_problem(tmp_path).message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_rejected_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    assert "not a regular file" in file_problem(tmp_path / "pipe.yaml").message


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("a: 1\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(yamlsafe, "open", denied, raising=False)
    assert file_problem(path).message == "permission denied"


def test_too_large_file_is_rejected_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with open(path, "wb") as stream:
        stream.truncate(10 * MAX_BYTES)  # sparse: reading it all would be slow
    problem = file_problem(path)
    assert "larger than the 2 MiB limit" in problem.message
    assert f"{10 * MAX_BYTES:,} bytes" in problem.message
    assert "larger than the 2 MiB limit" in only_problem(b"a" * (MAX_BYTES + 1)).message


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    problem = file_problem(path)
    assert (problem.line, problem.column) == (None, None)
    assert problem.message == "this is a binary file, not YAML"


def test_latin1_file_points_at_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes("a: 1\nname: caf\u00e9\n".encode("latin-1"))
    problem = file_problem(path)
    assert (problem.line, problem.column) == (2, 10)
    assert "not valid UTF-8 (byte 0xE9)" in problem.message and "UTF-8" in problem.hint


def test_utf16_file() -> None:
    assert "UTF-16" in only_problem("a: 1\n".encode("utf-16")).message


def test_control_character() -> None:
    problem = only_problem("a: 1\nb: \x1b[31mred\n")
    assert (problem.line, problem.column) == (2, 4)
    assert "U+001B" in problem.message


# --- document shape ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "# only\n\n  # comments\n", "---\n"])
def test_empty(text: str) -> None:
    problem = only_problem(text)
    assert (problem.line, problem.column) == (None, None)
    assert problem.message == "the scenario file is empty"


def test_what_names_the_kind_of_file() -> None:
    with pytest.raises(InputError, match="the state file is empty"):
        load_yaml_text("", what="state")


def test_top_level_list() -> None:
    problem = only_problem("# actors\n- usa\n- dprk\n")
    assert (problem.line, problem.column) == (2, 1)
    assert "the top level must be a mapping of sections" in problem.message
    assert problem.message.endswith("got a list")


def test_top_level_scalar() -> None:
    assert only_problem("just text\n").message.endswith("got a single value")


def test_second_document() -> None:
    problem = only_problem("a: 1\n---\nb: 2\n")
    assert (problem.line, problem.column) == (2, 1)
    assert "only one YAML document" in problem.message


# --- syntax ------------------------------------------------------------------------------------


def test_syntax_error_position_message_and_hint() -> None:
    problem = only_problem("title: Phase 2: crisis\n")
    assert (problem.line, problem.column) == (1, 15)
    assert "mapping values are not allowed" in problem.message
    assert "quotes" in problem.hint


def test_tab_indentation_is_named() -> None:
    problem = only_problem("a:\n\tb: 1\n")
    assert (problem.line, problem.column) == (2, 1)
    assert "'\\t'" in problem.message and "spaces" in problem.hint


def test_unclosed_bracket_names_where_it_opened() -> None:
    problem = only_problem("a: [1, 2\nb: 3\n")
    assert problem.line == 2 and "starts at line 1" in problem.message


# --- tags --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ("!!python/object:collections.OrderedDict", "!!python/object:collections.OrderedDict"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!foo", "!foo"),
        ("!!binary", "!!binary"),
        ("!!set", "!!set"),
        ("!!omap", "!!omap"),
    ],
)
def test_tags_that_construct_objects_are_rejected(tag: str, shown: str) -> None:
    problem = only_problem(f"a: 1\nb: {tag} x\n")
    assert (problem.line, problem.column) == (2, 4)
    assert problem.message == f"YAML tags that construct objects are not allowed (found {shown})"
    assert problem.where == "b"


def test_python_tags_never_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    assert "not allowed" in only_problem(text).message
    assert not marker.exists()


def test_core_tags_are_allowed() -> None:
    text = "a: !!str 12\nb: !!int '7'\nc: !!float 2\nd: !!map {x: !!seq [!!null ~]}\n"
    assert load_yaml_text(text).data == {"a": "12", "b": 7, "c": 2.0, "d": {"x": [None]}}


def test_merge_keys_are_rejected() -> None:
    problem = only_problem("base: &b {x: 1}\nother:\n  <<: *b\n")
    assert (problem.line, problem.column) == (3, 3)
    assert "merge keys" in problem.message


# --- keys --------------------------------------------------------------------------------------


def test_duplicate_keys_at_any_level_are_all_reported() -> None:
    text = "actions:\n  nk_test:\n    cost: 1\n    cost: 2\nactors: []\nactors: {}\n"
    first, second = problems_of(text)
    assert (first.line, first.column, first.where) == (4, 5, "actions.nk_test.cost")
    assert first.message == "duplicate key 'cost' (first at line 3)"
    assert (second.line, second.column) == (6, 1)
    assert second.message == "duplicate key 'actors' (first at line 5)"


@pytest.mark.parametrize(
    ("text", "position"), [("? [1, 2]\n: x\n", (1, 3)), ("a: 1\n~: 2\n", (2, 1))]
)
def test_keys_must_be_names(text: str, position: tuple[int, int]) -> None:
    problem = only_problem(text)
    assert (problem.line, problem.column) == position
    assert "keys must be names" in problem.message


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [".nan", ".inf", "-.Inf", "1.0e+999"])
def test_numbers_must_be_finite(value: str) -> None:
    problem = only_problem(f"a:\n  b: {value}\n")
    assert (problem.line, problem.column, problem.where) == (2, 6, "a.b")
    assert problem.message == f"numbers must be finite, got {value}"


def test_invalid_date_and_explicit_int() -> None:
    date, number = problems_of("a: 2017-02-30\nb: !!int abc\n")
    assert (date.line, date.message) == (1, "'2017-02-30' is not a valid date")
    assert (number.line, number.column, number.message) == (2, 4, "'abc' is not a valid int")


def test_huge_base60_number_is_refused_as_too_long() -> None:
    # (its cost: the hostile corpus's "a huge base-60 number", under the command's budget)
    assert "too long" in only_problem("x: 1:" + "2:" * 500_000 + "3\n").message


# --- aliases, size and depth -------------------------------------------------------------------


def test_undefined_alias() -> None:
    problem = only_problem("a: &base 1\nb: *bsae\n")
    assert (problem.line, problem.column) == (2, 4)
    assert "the alias *bsae has no anchor" in problem.message
    assert "Did you mean 'base'?" in problem.hint


def test_billion_laughs_stops_at_the_first_level_past_the_node_limit() -> None:
    # 9**10 nodes in all; counting stops at line 6, once 9**6 > MAX_NODES, before the rest
    # is expanded (what that costs in CPU and memory: the hostile corpus's alias bomb, under
    # the command's budget, and benchmarks/bench_refusal.py; no wall-clock limit here)
    lines = ['lol0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    problem = only_problem("\n".join(lines) + "\n")
    assert "too many nodes after expanding aliases (alias bomb?)" in problem.message
    assert problem.line == 6
    assert 9**5 < MAX_NODES < 9**6


@pytest.mark.parametrize(
    ("text", "position"), [("a: &a [1, *a]\n", (1, 11)), ("a: &a\n  b: *a\n", (2, 6))]
)
def test_recursive_alias(text: str, position: tuple[int, int]) -> None:
    problem = only_problem(text)
    assert (problem.line, problem.column) == position
    assert "recursive alias" in problem.message


def test_too_many_nodes_without_aliases() -> None:
    problem = only_problem("a: [" + "1," * MAX_NODES + "1]\n")
    assert problem.line == 1 and "too many nodes" in problem.message


def test_nesting_just_over_the_limit() -> None:
    ok = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert isinstance(load_yaml_text(ok).data["a"], list)
    problem = only_problem("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    assert (problem.line, problem.column) == (1, 3 + MAX_DEPTH)
    assert problem.message == f"nesting is deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize("text", ["[" * 100_000, "a: " + "[" * 100_000, "- " * 100_000])
def test_very_deep_nesting_is_an_error_not_a_crash(text: str) -> None:
    assert "nesting" in only_problem(text).message


def test_nesting_through_aliases_counts() -> None:
    half = MAX_DEPTH // 2 + 1
    text = f"a: &deep {'[' * half}{']' * half}\nb: {'[' * half}*deep{']' * half}\n"
    problem = only_problem(text)
    assert problem.line == 2 and "nesting is deeper" in problem.message


def test_all_problems_are_reported_together() -> None:
    error_text = "a: .nan\nb: !!python/name:os.system\nc: 1\nc: 2\nd: *nowhere\n"
    assert [p.line for p in problems_of(error_text)] == [1, 2, 4, 5]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="[]{}:-&*!?|>'\"#%@`~., \n\tab01\x00\x85\u2028é", max_size=120))
def test_any_text_loads_or_gives_problems(text: str) -> None:
    try:
        load_yaml_text(text)
    except InputError as error:
        assert error.problems and all(p.file == "<string>" for p in error.problems)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_any_bytes_load_or_give_problems(data: bytes) -> None:
    try:
        load_yaml_text(b"a: " + data)
    except InputError as error:
        assert error.problems
