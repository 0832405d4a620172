"""Loading scenarios: every way a file can be wrong is reported where it is, with a fix.

Most tests edit MINI, a small hand-written scenario with every number sourced, so the expected
line and column of each problem are read off the text itself (`at`). Others change the shared
tiny scenario from conftest (`tiny_data`). Either way a test states: this mistake is refused,
here, with these words and this advice.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from conftest import SCENARIOS, tiny_data

from wargame.errors import InputError, Problem
from wargame.scenario.loading import Scenario, load_scenario, load_scenario_text

FILE = "mini.yaml"

MINI = """\
scenario:
  id: mini
  title: Mini
  start_date: 2020-01-01
  turns: 3
sources:
  book: A book.
parameters:
  strength: {value: 1.0, assumption: [0.5, 2.0]}
  gain: {value: 0.1, source: book}
  routine_after: {value: 2, source: book}
state:
  variables:
    tension: {initial: {value: 0.2, source: book}}
  attributes:
    capability: {default: {value: 0.3, source: book}}
  ladder:
    variable: tension
    rungs:
      - {name: calm, at: 0.0}
      - {name: crisis, at: 0.5}
actors:
  P:
    name: Provocateur
    rationality: {value: 5, source: book}
    objectives: {self.capability: {value: 1, source: book}}
  G:
    name: Guarantor
    rationality: {value: 5, source: book}
    controller: agent
relations:
  - {from: G, to: P, trust: {value: 0.5, source: book}}
actions:
  p_test:
    actor: P
    label: Test
    category: non_violent_escalation
    targets: [G]
    deterred_by: {G: strength}
    cooldown: 0
    effects:
      - {target: tension, add: gain}
    branches:
      - name: success
        probability: {value: 0.7, source: book}
        effects: [{target: self.capability, add: gain}]
      - name: failure
  g_answer:
    actor: G
    label: Answer
    category: posturing
    requires: provoked(P)
  g_resolution:
    actor: G
    label: Resolution
    category: non_violent_escalation
    consent: {voters: [P]}
  p_veto:
    actor: P
    label: Veto
    category: status_quo
    ballot: {on: g_resolution, vote: veto}
phases:
  - {name: first, actors: [P]}
  - {name: second, actors: [G]}
outcomes:
  routine: {when: count(p_test.success) >= routine_after}
doctrines:
  g_firm:
    actor: G
    plan: [{when: provoked(P), choose: [g_answer]}]
categories:
  status_quo: {value: 0, source: book}
  posturing: {value: 4, source: book}
  non_violent_escalation: {value: 12, source: book}
variants:
  firm:
    controllers: {G: "script:g_firm"}
  quiet:
    menus: {G: {remove: [g_answer]}}
  strong:
    set: {parameters.strength: 1.5}
"""


# -- helpers ------------------------------------------------------------------------------
def edit(*changes: tuple[str, str]) -> str:
    """MINI with each (old, new) replaced; `old` must occur exactly once."""
    text = MINI
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in MINI"
        text = text.replace(old, new)
    return text


def at(text: str, needle: str, after: str = "") -> tuple[int, int]:
    """1-based (line, column) of the first `needle` in `text` (after the text `after`)."""
    index = text.index(needle, text.index(after))
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def load(text: str, **options: Any) -> Scenario:
    return load_scenario_text(text, file=FILE, **options)


def problems_of(text: str, **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load(text, **options)
    return caught.value.problems


def expect(
    text: str, needle: str, message: str, hint: str = "", after: str = "", **options: Any
) -> Problem:
    """The single problem in `text`: at `needle`, saying `message`, advising `hint`."""
    problems = problems_of(text, **options)
    assert len(problems) == 1, "\n".join(map(str, problems))
    problem = problems[0]
    assert (problem.file, problem.line, problem.column) == (FILE, *at(text, needle, after))
    assert message in problem.message
    assert hint in problem.hint
    return problem


def dumped(**sections: Any) -> str:
    """The tiny scenario from conftest, changed, as YAML text."""
    return yaml.safe_dump(tiny_data(**sections), sort_keys=False)


def test_mini_itself_loads_with_every_variant_and_no_unsourced_number():
    for variant in (None, "firm", "quiet", "strong"):
        scenario = load(MINI, variant=variant)
        assert scenario.unsourced == ()
        assert scenario.file == FILE


# -- the schema: unknown and missing fields -----------------------------------------------
def test_unknown_top_level_section_is_located_and_suggests_the_right_name():
    text = edit(("sources:", "sorces: {x: y}\nsources:"))
    problem = expect(text, "sorces:", "unknown field 'sorces'", "Did you mean 'sources'?")
    assert problem.where == "sorces"


@pytest.mark.parametrize(
    ("old", "new", "needle", "name", "suggestion"),
    [
        pytest.param(
            "    controller: agent",
            "    controller: agent\n    rationalty: 3",
            "rationalty:",
            "rationalty",
            "rationality",
            id="actor",
        ),
        pytest.param(
            "    label: Test\n",
            "    label: Test\n    provokation: true\n",
            "provokation:",
            "provokation",
            "provocation",
            id="action",
        ),
        pytest.param(
            "{target: tension, add: gain}",
            "{target: tension, ad: gain}",
            "ad: gain",
            "ad",
            "add",
            id="effect",
        ),
        pytest.param(
            "      - name: failure",
            "      - name: failure\n        probabilty: 0.3",
            "probabilty:",
            "probabilty",
            "probability",
            id="branch",
        ),
        pytest.param(
            "{name: crisis, at: 0.5}",
            "{name: crisis, at: 0.5, colour: red}",
            "colour:",
            "colour",
            "",
            id="rung-no-close-name",
        ),
        pytest.param(
            "rationality: {value: 5, source: book}\n    controller",
            "rationality: {value: 5, sorce: book}\n    controller",
            "sorce:",
            "sorce",
            "source",
            id="inside-a-quantity",
        ),
    ],
)
def test_an_unknown_field_at_any_depth_is_located_and_suggests_the_known_one(
    old, new, needle, name, suggestion
):
    problem = expect(edit((old, new)), needle, f"unknown field '{name}'")
    if suggestion:
        assert problem.hint == f"Did you mean '{suggestion}'?"
    else:  # nothing is close: the hint lists what is allowed
        assert problem.hint == "allowed fields: at, name"


def test_a_missing_required_field_is_reported_at_the_entry_that_lacks_it():
    text = edit(("    label: Answer\n", ""))
    problem = expect(text, "g_answer:", "missing required field 'label'", "add 'label:'")
    assert problem.where == "actions.g_answer"


# -- the schema: types and ranges ---------------------------------------------------------
def test_a_list_where_a_whole_number_goes_is_refused():
    text = edit(("cooldown: 0", "cooldown: [1, 2]"))
    expect(text, "cooldown:", "valid integer")


def test_a_list_where_a_value_goes_names_what_is_allowed():
    text = edit(("    label: Answer\n", "    label: Answer\n    cost: [1, 2]\n"))
    expect(
        text,
        "cost:",
        "expected a mapping or a number or text, got list",
        "a number, a {value:, source:} mapping or an expression",
    )


def test_text_inside_a_quantity_is_reported_at_its_value():
    text = edit(("{initial: {value: 0.2, source: book}}", "{initial: {value: low, source: book}}"))
    problem = expect(text, "value: low", "'value' must be a number, got 'low'")
    assert problem.where == "state.variables.tension.initial.value"


def test_text_where_a_date_goes_is_refused():
    text = edit(("start_date: 2020-01-01", "start_date: soon"))
    expect(text, "start_date:", "valid date")


def test_a_negative_cooldown_is_out_of_range():
    text = edit(("cooldown: 0", "cooldown: -1"))
    expect(text, "cooldown:", "greater than or equal to 0", "allowed range")


@pytest.mark.parametrize("probability", ["1.5", "-0.5"])
def test_a_branch_probability_outside_0_1_is_refused(probability):
    text = edit(("probability: {value: 0.7, source: book}", f"probability: {probability}"))
    expect(text, "branches:", "branch probabilities must lie in [0, 1]")


def test_branch_probabilities_adding_up_to_more_than_1_are_refused():
    text = edit(
        ("probability: {value: 0.7, source: book}", "probability: 0.7"),
        ("      - name: failure", "      - name: failure\n        probability: 0.5"),
    )
    expect(text, "branches:", "branch probabilities add up to 1.200, more than 1")


def test_a_branch_probability_given_as_a_quantity_is_range_checked_too():
    text = edit(
        ("probability: {value: 0.7, source: book}", "probability: {value: 1.7, source: book}")
    )
    expect(text, "branches:", "branch probabilities must lie in [0, 1]")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("{value: 0.2, assumption: [0.5, 0.1]}", "assumption range [0.5, 0.1] is reversed"),
        ("{value: 0.2, assumption: [0.5, 0.9]}", "value 0.2 lies outside its assumption range"),
    ],
)
def test_an_assumption_range_must_be_ordered_and_contain_the_value(quantity, message):
    text = edit(("{initial: {value: 0.2, source: book}}", f"{{initial: {quantity}}}"))
    problem = expect(text, "initial:", message)
    assert problem.where == "state.variables.tension.initial"


@pytest.mark.parametrize(
    ("assumption", "message"),
    [
        ("[2.0, 0.5]", "assumption range [2.0, 0.5] is reversed"),
        ("[1.5, 2.0]", "value 1.0 lies outside its assumption range [1.5, 2.0]"),
    ],
)
def test_a_parameter_assumption_range_is_checked_like_a_quantity(assumption, message):
    text = edit(("assumption: [0.5, 2.0]", f"assumption: {assumption}"))
    expect(text, "strength:", message)


def test_a_variable_whose_initial_value_lies_outside_its_bounds_is_refused():
    text = edit(("{initial: {value: 0.2, source: book}}", "{initial: 1.5}"))
    expect(
        text,
        "initial:",
        "initial value 1.5 is outside [0.0, 1.0]",
        "move it inside the bounds",
    )


def test_a_variable_whose_min_is_above_its_max_is_refused():
    text = edit(("{initial: {value: 0.2, source: book}}", "{initial: 0.2, min: 1, max: 0}"))
    expect(text, "tension:", "min 1.0 is above max 0.0")


@pytest.mark.parametrize("flag", ["sometimes", "0.5", "[true]"])
def test_a_bookkeeping_flag_that_is_not_true_or_false_is_refused_at_its_line(flag):
    text = edit(("{initial: {value: 0.2, source: book}}", f"{{initial: 0.2, bookkeeping: {flag}}}"))
    problem = expect(text, "bookkeeping:", "Input should be a valid boolean")
    assert "state.variables.tension.bookkeeping" in str(problem)


def test_ladder_rungs_must_increase():
    text = edit(("{name: crisis, at: 0.5}", "{name: crisis, at: 0.0}"))
    expect(text, "rungs:", "strictly increasing 'at'")


def test_a_bad_controller_string_is_refused_with_the_allowed_forms():
    text = edit(("controller: agent", "controller: robot"))
    expect(text, "controller:", "should match pattern", "use agent, human or script:DOCTRINE")


def test_a_bad_turn_length_is_refused_with_an_example():
    text = edit(("  turns: 3", "  turns: 3\n  turn_length: 2 fortnights"))
    expect(text, "turn_length:", "should match pattern", "'1 month'")


def test_a_name_that_is_not_an_identifier_is_refused():
    text = edit(("  g_firm:\n", "  g-firm:\n"))
    expect(text, "g-firm:", "should match pattern", "names start with a letter or '_'")


def test_a_word_outside_a_fixed_list_names_the_allowed_words():
    text = edit(("category: posturing", "category: posture"))
    expect(text, "category: posture", "Input should be", "'posturing'")


@pytest.mark.parametrize(
    ("effect", "given"),
    [("{target: tension, add: gain, mul: 2}", "['add', 'mul']"), ("{target: tension}", "none")],
)
def test_an_effect_needs_exactly_one_operation(effect, given):
    text = edit(("{target: tension, add: gain}", effect))
    expect(text, "{target: tension", f"give exactly one of add, mul, set (got {given})")


# -- cross-references -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "needle", "message", "hint"),
    [
        pytest.param(
            "    actor: P\n    label: Test",
            "    actor: Q\n    label: Test",
            "actor: Q",
            "unknown actor 'Q'",
            "declare it under actors:",
            id="action-actor",
        ),
        pytest.param(
            "targets: [G]",
            "targets: [G, Gg]",
            "targets:",
            "unknown actor 'Gg'",
            "Did you mean 'G'?",
            id="targets",
        ),
        pytest.param(
            "deterred_by: {G: strength}",
            "deterred_by: {GG: strength}",
            "GG:",
            "unknown actor 'GG'",
            "Did you mean 'G'?",
            id="deterred_by",
        ),
        pytest.param(
            "targets: [G]",
            "targets: [G]\n    observed_by: [X]",
            "observed_by:",
            "unknown actor 'X'",
            "declare it under actors:",
            id="observed_by",
        ),
        pytest.param(
            "{from: G, to: P,",
            "{from: G, to: PP,",
            "to: PP",
            "unknown actor 'PP'",
            "Did you mean 'P'?",
            id="relation",
        ),
        pytest.param(
            "{name: second, actors: [G]}",
            "{name: second, actors: [G, Z]}",
            "actors: [G, Z]",
            "unknown actor 'Z'",
            "",
            id="phase",
        ),
        pytest.param(
            "{name: second, actors: [G]}",
            "{name: second, actors: [G, P]}",
            "actors: [G, P]",
            "actor 'P' moves in two phases (1 and 2)",
            "list each actor in one phase",
            id="actor-in-two-phases",
        ),
        pytest.param(
            "  - {from: G, to: P, trust: {value: 0.5, source: book}}",
            "  - {from: G, to: P, trust: {value: 0.5, source: book}}\n  - {from: G, to: P}",
            "{from: G, to: P}",
            "relation G -> P is repeated or points to itself",
            "keep one entry",
            id="repeated-relation",
        ),
        pytest.param(
            "  - {from: G, to: P, trust: {value: 0.5, source: book}}",
            "  - {from: G, to: G}",
            "{from: G, to: G}",
            "relation G -> G is repeated or points to itself",
            "keep one entry",
            id="relation-to-itself",
        ),
        pytest.param(
            "consent: {voters: [P]}",
            "consent: {voters: [P, G]}",
            "voters: [P, G]",
            "voter 'G' has no ballot on 'g_resolution'",
            "add actions with actor: G and ballot: {on: g_resolution, vote: ...}",
            id="voter-without-ballot",
        ),
        pytest.param(
            "choose: [g_answer]",
            "choose: [g_answer, p_test]",
            "choose: [g_answer, p_test]",
            "'p_test' belongs to P, not G",
            "a doctrine chooses only its own actor's options",
            id="doctrine-chooses-another-actors-action",
        ),
        pytest.param(
            "choose: [g_answer]",
            "choose: [g_anser]",
            "choose: [g_anser]",
            "unknown action 'g_anser'",
            "Did you mean 'g_answer'?",
            id="doctrine-chooses-unknown-action",
        ),
        pytest.param(
            "controller: agent",
            "controller: script:g_frim",
            "controller:",
            "unknown doctrine 'g_frim'",
            "Did you mean 'g_firm'?",
            id="controller-missing-doctrine",
        ),
        pytest.param(
            'controllers: {G: "script:g_firm"}',
            'controllers: {GG: "script:g_firm"}',
            "GG:",
            "unknown actor 'GG'",
            "Did you mean 'G'?",
            id="variant-controllers-actor",
        ),
        pytest.param(
            'controllers: {G: "script:g_firm"}',
            'controllers: {G: "script:g_frm"}',
            'G: "script',
            "unknown doctrine 'g_frm'",
            "Did you mean 'g_firm'?",
            id="variant-controllers-doctrine",
        ),
        pytest.param(
            "menus: {G: {remove: [g_answer]}}",
            "menus: {Q: {remove: [g_answer]}}",
            "Q:",
            "unknown actor 'Q'",
            "",
            id="variant-menus-actor",
        ),
        pytest.param(
            "menus: {G: {remove: [g_answer]}}",
            "menus: {G: {only: [g_answr]}}",
            "G: {only",
            "unknown action 'g_answr'",
            "Did you mean 'g_answer'?",
            id="variant-menus-action",
        ),
        pytest.param(
            "menus: {G: {remove: [g_answer]}}",
            "menus: {G: {remove: [p_test]}}",
            "G: {remove",
            "'p_test' belongs to P, not G",
            "list it under menus: {P: ...}",
            id="variant-menus-another-actors-action",
        ),
        pytest.param(
            "gain: {value: 0.1, source: book}",
            "gain: {value: 0.1, source: bok}",
            "source: bok",
            "unknown source 'bok'",
            "Did you mean 'book'?",
            id="source",
        ),
        pytest.param(
            "    objectives: {self.capability: {value: 1, source: book}}",
            "    objectives: {self.capability: {value: 1, source: book}}\n"
            "    attributes: {capabilty: {value: 0.5, source: book}}",
            "capabilty:",
            "unknown attribute 'capabilty'",
            "Did you mean 'capability'?",
            id="actor-attribute",
        ),
        pytest.param(
            "    variable: tension",
            "    variable: tensoin",
            "ladder:",
            "unknown variable 'tensoin'",
            "Did you mean 'tension'?",
            id="ladder-variable",
        ),
    ],
)
def test_a_name_that_refers_to_nothing_is_located_and_explained(old, new, needle, message, hint):
    expect(edit((old, new)), needle, message, hint)


def test_a_ballot_cast_by_an_actor_that_is_not_a_voter_is_refused():
    text = edit(("ballot: {on: g_resolution, vote: veto}", "ballot: {on: g_answer, vote: veto}"))
    problems = problems_of(text)
    ballot = next(p for p in problems if "is a ballot on" in p.message)
    assert (ballot.line, ballot.column) == at(text, "ballot:")
    assert ballot.message == "'p_veto' is a ballot on 'g_answer', but P is not among its voters"
    assert ballot.hint == "add P to actions.g_answer.consent.voters"
    # ... and the proposal P was to vote on is now left without P's ballot
    assert any("voter 'P' has no ballot on 'g_resolution'" in p.message for p in problems)


@pytest.mark.parametrize("where", ["actors", "variants"])
def test_a_controller_must_name_a_doctrine_written_for_that_actor(where):
    doctrines = (
        "  g_firm:\n",
        "  p_plan:\n    actor: P\n    plan: [{choose: [p_test]}]\n  g_firm:\n",
    )
    if where == "actors":
        text = edit(doctrines, ("controller: agent", "controller: script:p_plan"))
        needle = "controller: script"
    else:
        text = edit(doctrines, ('"script:g_firm"', '"script:p_plan"'))
        needle = 'G: "script'
    expect(text, needle, "doctrine 'p_plan' is written for P", "use a doctrine whose actor is G")


def test_references_in_the_tiny_scenario_are_checked_the_same_way():
    text = dumped(actions={"g_weak": {"targets": ["Q"]}})
    problem = expect(text, "targets:", "unknown actor 'Q'", after="g_weak:")
    assert problem.where == "actions.g_weak.targets"


# -- expressions ----------------------------------------------------------------------------
def test_an_expression_syntax_error_gives_the_column_inside_the_expression():
    text = edit(("requires: provoked(P)", "requires: provoked(P) and (tension >"))
    problem = expect(text, "requires:", "column 27: unexpected end of expression")
    assert problem.where == "actions.g_answer.requires"
    assert "in expression 'provoked(P) and (tension >'" in problem.message


@pytest.mark.parametrize(
    ("expression", "message", "hint"),
    [
        ("tensoin > 0.5", "column 1: unknown name 'tensoin'", "Did you mean 'tension'?"),
        ("0.5 < strenght", "column 7: unknown name 'strenght'", "Did you mean 'strength'?"),
        ("provokd(P)", "unknown function 'provokd'", "Did you mean 'provoked'?"),
        ("p_test > 0", "'p_test' is an action, not a value; use taken(p_test)", ""),
        ("count(p_test.sucess) > 0", "action 'p_test' has no branch 'sucess'", ""),
        ("belief(G, Q) > 0.5", "unknown actor 'Q'", ""),
        ("belief(G, G) > 0.5", "an actor has no belief about itself", "name two different actors"),
        ("rel(P, G, trust) > 0.5", "there is no relation P -> G", "declare it under relations: "),
    ],
)
def test_an_unknown_name_in_an_expression_is_refused_with_advice(expression, message, hint):
    text = edit(("requires: provoked(P)", f"requires: {expression}"))
    problem = expect(text, "requires:", message, hint)
    assert problem.hint.startswith(hint) and bool(problem.hint) == bool(hint)


def test_self_is_undefined_outside_an_actors_own_fields():
    text = edit(("count(p_test.success) >= routine_after", "self.capability > 0.5"))
    expect(text, "when:", "'self' means the acting actor and is not defined here")


@pytest.mark.parametrize(
    ("target", "message", "hint"),
    [
        ("tensoin", "unknown variable 'tensoin'", "Did you mean 'tension'?"),
        ("P.capabilty", "unknown attribute 'capabilty'", "Did you mean 'capability'?"),
        ("G->P.trsut", "unknown relation field 'trsut'; use one of", ""),
        ("Q.capability", "unknown actor 'Q'", ""),
        ("'1 + x'", "is not a state term", ""),
    ],
)
def test_an_effect_target_must_be_a_state_term(target, message, hint):
    text = edit(("{target: tension, add: gain}", f"{{target: {target}, add: gain}}"))
    problem = expect(text, f"target: {target}", message, hint)
    assert problem.where == "actions.p_test.effects[0].target"


def test_an_objective_must_name_a_state_term():
    text = edit(("objectives: {self.capability:", "objectives: {self.capabilty:"))
    expect(text, "self.capabilty", "unknown attribute 'capabilty'", "Did you mean 'capability'?")


# -- many problems at once ------------------------------------------------------------------
def test_every_reference_problem_is_reported_at_once_and_sorted_by_line():
    text = edit(
        ("{name: second, actors: [G]}", "{name: second, actors: [G, Y]}"),
        ("targets: [G]", "targets: [X]"),
        ("gain: {value: 0.1, source: book}", "gain: {value: 0.1, source: bok}"),
        ("    controller: agent", "    controller: agent\n    attributes: {power: 1}"),
    )
    with pytest.raises(InputError) as caught:
        load(text)
    problems = caught.value.problems
    assert [(p.line, p.message) for p in problems] == [
        (at(text, "bok")[0], "unknown source 'bok'"),
        (at(text, "power")[0], "unknown attribute 'power'"),
        (at(text, "targets: [X]")[0], "unknown actor 'X'"),
        (at(text, "actors: [G, Y]")[0], "unknown actor 'Y'"),
    ]
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert str(caught.value).startswith(f"4 problems in {FILE}:\n  {FILE}:10:")


def test_every_schema_problem_is_reported_at_once_and_sorted_by_line():
    text = edit(
        ("category: posturing", "category: posture"),
        ("  turns: 3", "  turns: many"),
        ("cooldown: 0", "cooldown: -1"),
        ("sources:", "sorces: {}\nsources:"),
    )
    problems = problems_of(text)
    assert len(problems) == 4
    assert [p.where for p in problems] == [
        "scenario.turns",
        "sorces",
        "actions.p_test.cooldown",
        "actions.g_answer.category",
    ]
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_every_expression_problem_is_reported_at_once():
    text = edit(
        ("requires: provoked(P)", "requires: tensoin > 1"),
        ("count(p_test.success) >= routine_after", "count(p_tset) >= routine_after"),
        ("{target: tension, add: gain}", "{target: tension, add: gian}"),
    )
    problems = problems_of(text)
    assert [p.where for p in problems] == [
        "actions.p_test.effects[0].add",
        "actions.g_answer.requires",
        "outcomes.routine.when",
    ]


# -- variants -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "hint"),
    [("nope", "variants: firm, quiet, strong"), ("frim", "Did you mean 'firm'?")],
)
def test_an_unknown_variant_is_refused_naming_the_known_ones(name, hint):
    (problem,) = problems_of(MINI, variant=name)
    assert (problem.file, problem.message, problem.hint) == (
        FILE,
        f"unknown variant '{name}'",
        hint,
    )


def test_a_variant_without_variants_says_there_are_none():
    text = MINI[: MINI.index("variants:")]
    (problem,) = problems_of(text, variant="weak")
    assert problem.hint == "variants: none"


def test_a_variant_set_path_that_does_not_exist_is_located_at_the_variant_key():
    text = edit(("set: {parameters.strength: 1.5}", "set: {parameters.strenght: 1.5}"))
    problem = expect(
        text,
        "parameters.strenght",
        "no 'strenght' in path 'parameters.strenght'",
        "Did you mean 'strength'?",
        variant="strong",
    )
    assert problem.where == "variants.strong.set.parameters.strenght"
    # a reference to nothing is an error of the file, also where the variant is not played
    assert expect(text, "parameters.strenght", "no 'strenght' in path").where == problem.where


def test_a_variant_set_value_that_breaks_the_schema_names_the_variant():
    text = edit(("set: {parameters.strength: 1.5}", "set: {scenario.turns: 0}"))
    (problem,) = problems_of(text, variant="strong")
    assert problem.where == "scenario.turns"
    assert problem.message.endswith("(after applying variant 'strong')")


def test_a_variant_set_replaces_the_value_of_a_parameter_and_keeps_its_range():
    scenario = load(MINI, variant="strong")
    assert scenario.spec.parameters["strength"].value == 1.5
    assert [(u.path, u.value, u.low, u.high) for u in scenario.uncertainties] == [
        ("parameters.strength", 1.5, 0.5, 2.0)
    ]


def test_a_variant_menu_remove_takes_options_off_that_actors_menu_only():
    base, quiet = load(MINI), load(MINI, variant="quiet")
    assert [a.id for a in base.program.actors["G"].menu] == ["g_answer", "g_resolution"]
    assert [a.id for a in quiet.program.actors["G"].menu] == ["g_resolution"]
    assert [a.id for a in quiet.program.actors["P"].menu] == ["p_test"]
    assert "g_answer" in quiet.program.actions  # still defined: only off the menu


def test_a_variant_menu_only_keeps_just_those_options():
    text = edit(("menus: {G: {remove: [g_answer]}}", "menus: {G: {only: [g_resolution]}}"))
    scenario = load(text, variant="quiet")
    assert [a.id for a in scenario.program.actors["G"].menu] == ["g_resolution"]
    assert [a.id for a in scenario.program.actors["P"].menu] == ["p_test"]
    assert [b.id for b in scenario.program.actors["P"].ballots["g_resolution"]] == ["p_veto"]


def test_a_variant_controllers_entry_switches_the_controller():
    assert load(MINI).program.actors["G"].controller == "agent"
    firm = load(MINI, variant="firm")
    assert firm.program.actors["G"].controller == "script:g_firm"
    assert firm.program.actors["P"].controller == "agent"
    assert firm.variant == "firm"


# -- --set overrides --------------------------------------------------------------------------
def test_set_replaces_the_value_of_a_parameter_mapping():
    scenario = load(MINI, overrides=["parameters.strength=1.75"])
    assert scenario.spec.parameters["strength"].value == 1.75
    assert scenario.spec.parameters["strength"].assumption == (0.5, 2.0)


def test_set_replaces_the_value_of_a_quantity_and_keeps_its_source():
    scenario = load(MINI, overrides=["actors.G.rationality=9"])
    rationality = scenario.spec.actors["G"].rationality
    assert (rationality.value, rationality.source) == (9, "book")
    assert scenario.program.actors["G"].rationality == 9.0


def test_set_replaces_a_plain_field(tiny):
    scenario = tiny(overrides=("actors.P.rationality=9",))
    assert scenario.spec.actors["P"].rationality == 9.0
    assert scenario.program.actors["P"].rationality == 9.0


def test_set_reaches_keys_that_contain_dots_and_list_items():
    scenario = load(
        MINI, overrides=["actors.P.objectives.self.capability=3", "relations.0.trust=0.25"]
    )
    assert scenario.spec.actors["P"].objectives["self.capability"].value == 3
    assert scenario.spec.relations[0].trust.value == 0.25


def test_later_set_options_win():
    scenario = load(MINI, overrides=["parameters.strength=1.2", "parameters.strength=1.3"])
    assert scenario.spec.parameters["strength"].value == 1.3


@pytest.mark.parametrize("option", ["strength", "=3", " =3"])
def test_set_without_path_equals_value_is_refused(option):
    (problem,) = problems_of(MINI, overrides=[option])
    assert problem.message == f"--set '{option}' is not PATH=VALUE"
    assert "--set parameters.deterrence_strength=1.5" in problem.hint
    assert (problem.file, problem.line) == (FILE, None)


@pytest.mark.parametrize(
    ("option", "part", "hint"),
    [
        ("parameters.strenght=2", "strenght", "Did you mean 'strength'?"),
        ("relations.3.trust=0.2", "3", "choose from: 0"),
        ("scenario.title.short=x", "short", ""),
    ],
)
def test_set_on_a_path_that_does_not_exist_is_refused(option, part, hint):
    (problem,) = problems_of(MINI, overrides=[option])
    path = option.partition("=")[0]
    assert problem.message == f"--set no '{part}' in path '{path}'"
    assert hint in problem.hint


@pytest.mark.parametrize("raw", ["[1, 2]", "{a: 1}", ""])
def test_set_refuses_lists_mappings_and_nothing(raw):
    (problem,) = problems_of(MINI, overrides=[f"parameters.strength={raw}"])
    assert (
        problem.message
        == "--set parameters.strength: the value must be a number, text or true/false"
    )


@pytest.mark.parametrize("raw", [".nan", ".inf", "-.inf"])
def test_set_refuses_numbers_that_are_not_finite(raw):
    (problem,) = problems_of(MINI, overrides=[f"actors.G.rationality={raw}"])
    assert problem.message == f"--set actors.G.rationality: numbers must be finite, got {raw}"


def test_set_with_a_value_the_schema_refuses_is_reported_as_coming_from_set(tiny):
    with pytest.raises(InputError) as caught:
        tiny(overrides=("actors.P.rationality=abc",))
    (problem,) = caught.value.problems
    assert problem.where == "actors.P.rationality"
    assert problem.message == (
        "expected a mapping or a number, got str (after applying --set actors.P.rationality=abc)"
    )


def test_set_text_into_a_quantity_is_reported_at_its_value():
    (problem,) = problems_of(MINI, overrides=["actors.G.rationality=abc"])
    assert problem.where == "actors.G.rationality.value"
    assert "'value' must be a number, got 'abc'" in problem.message
    assert "--set actors.G.rationality=abc" in problem.message


def test_set_applies_after_the_variant():
    scenario = load(MINI, variant="strong", overrides=["parameters.strength=1.9"])
    assert scenario.spec.parameters["strength"].value == 1.9


# -- provenance -------------------------------------------------------------------------------
def test_plain_numbers_in_world_fields_are_listed_as_unsourced(tiny):
    unsourced = tiny().unsourced
    assert "actors.P.rationality: plain number 5.0 (give source: or assumption:)" in unsourced
    assert "state.variables.tension.initial: plain number 0.2 (give source: or assumption:)" in (
        unsourced
    )
    assert "actions.p_test.deterred_by.G: plain number 0.2 (give source: or assumption:)" in (
        unsourced
    )
    assert not any(line.startswith("parameters.") for line in unsourced)  # all have ranges


def test_numbers_with_a_source_or_an_assumption_are_not_listed(tiny):
    sourced = tiny(
        sources={"book": "A book."},
        actors={"P": {"rationality": {"value": 5, "source": "book"}}},
        state={"variables": {"tension": {"initial": {"value": 0.2, "assumption": [0.1, 0.3]}}}},
    )
    assert not any(line.startswith("actors.P.rationality") for line in sourced.unsourced)
    assert not any(line.startswith("state.variables.tension") for line in sourced.unsourced)


def test_a_quantity_with_neither_source_nor_assumption_is_listed(tiny):
    scenario = tiny(actors={"P": {"rationality": {"value": 5, "note": "a guess"}}})
    assert "actors.P.rationality: 5.0 has neither source nor assumption" in scenario.unsourced


def test_numbers_inside_expressions_are_listed_except_0_and_1(tiny):
    scenario = tiny(actions={"p_test": {"cost": "0.25 * self.drive + 1 - 0 + 1.0 + 0.0"}})
    inside = [line for line in scenario.unsourced if line.startswith("actions.p_test.cost:")]
    assert inside == [
        "actions.p_test.cost: number 0.25 inside an expression "
        "(name it as a parameter with a source or assumption)"
    ]
    # "1 + self.drive" in P's objectives has only a 1: not listed
    assert not any(line.startswith("actors.P.objectives.self") for line in scenario.unsourced)
    assert any(
        line.startswith("rules.new_normal.effects.0.add: number 0.1")
        for line in (scenario.unsourced)
    )


def test_assumption_ranges_are_listed_as_uncertainties_with_their_paths(tiny):
    uncertain = {u.path: (u.value, u.low, u.high) for u in tiny().uncertainties}
    assert uncertain == {
        "parameters.deterrence_strength": (1.0, 0, 10),
        "parameters.spiral_strength": (1.0, 0, 10),
        "parameters.weak_below": (0.5, 0, 1),
    }


def test_an_assumption_on_a_quantity_is_listed_at_its_field_path():
    text = edit(
        (
            "tension: {initial: {value: 0.2, source: book}}",
            "tension: {initial: {value: 0.2, assumption: [0.1, 0.4]}}",
        )
    )
    uncertain = {u.path: (u.value, u.low, u.high) for u in load(text).uncertainties}
    assert uncertain["state.variables.tension.initial"] == (0.2, 0.1, 0.4)


# -- the content hash ---------------------------------------------------------------------------
def test_the_same_text_gives_the_same_content_hash(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI)
    assert load_scenario(path).content_hash == load_scenario(path).content_hash
    assert load_scenario(path).content_hash == load(MINI).content_hash  # content, not file name
    assert len(load(MINI).content_hash) == 64


def test_a_variant_or_an_override_changes_the_content_hash():
    hashes = {
        load(MINI).content_hash,
        load(MINI, variant="firm").content_hash,
        load(MINI, variant="quiet").content_hash,
        load(MINI, overrides=["parameters.strength=1.5"]).content_hash,
        load(MINI, overrides=["parameters.strength=1.6"]).content_hash,
    }
    assert len(hashes) == 5


def test_an_edit_to_the_file_changes_the_content_hash():
    assert load(edit(("title: Mini", "title: Mini 2"))).content_hash != load(MINI).content_hash


# -- files on disk -------------------------------------------------------------------------------
def test_problems_name_the_file_as_it_was_given(tmp_path):
    path = tmp_path / "broken.yaml"
    text = edit(("controller: agent", "controler: agent"))
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (str(path), *at(text, "controler:"))
    assert problem.hint == "Did you mean 'controller'?"


TUTORIAL = SCENARIOS / "tutorial.yaml"
KOREA = SCENARIOS / "korea_2017_over_japan.yaml"


@pytest.mark.parametrize("path", [TUTORIAL, KOREA], ids=lambda path: path.stem)
def test_a_shipped_scenario_loads_in_every_variant_with_every_number_sourced(path):
    for variant in [None, *load_scenario(path).spec.variants]:
        scenario = load_scenario(path, variant=variant)
        assert scenario.unsourced == (), f"variant {variant}: {scenario.unsourced}"
        assert scenario.uncertainties  # its assumptions are what batches sample


@pytest.mark.parametrize(
    ("path", "variants"),
    [
        pytest.param(TUTORIAL, {"weak", "strong"}, id="tutorial"),
        pytest.param(
            KOREA, {"weak_response", "strong_united_response"}, id="korea_2017_over_japan"
        ),
    ],
)
def test_a_shipped_scenario_has_the_variants_the_readme_and_makefile_use(path, variants):
    assert set(load_scenario(path).spec.variants) >= variants


# -- values that do not fit the rest of the scenario ----------------------------------------
@pytest.mark.parametrize(
    ("change", "needle", "message", "hint"),
    [
        (("gain: {value", "tension: {value"), "tension: {value", "would hide it", "rename"),
        (
            (
                "  rationality: {value: 5, source: book}\n    objectives",
                "  rationality: -1\n    objectives",
            ),
            "rationality: -1",
            "must be >= 0",
            "at random",
        ),
        (
            ("deterred_by: {G: strength}", "deterred_by: {P: strength}"),
            "P: strength",
            "cannot be deterred by itself",
            "who answer it",
        ),
        (
            ("targets: [G]", "targets: [G]\n    signals: 1.5"),
            "signals: 1.5",
            "signals must lie in [0, 1]",
            "strongest",
        ),
        (
            ("  status_quo: {value: 0, source: book}\n", ""),
            "category: status_quo",
            "no escalation weight for category 'status_quo'",
            "categories:",
        ),
        (
            ("  - {name: second, actors: [G]}\n", ""),
            "actor: G",
            "G is in no phase",
            "add G to one of the phases",
        ),
        (
            ("default: {value: 0.3, source: book}", "default: {value: 1.3, source: book}"),
            "default: {value: 1.3",
            "outside [0.0, 1.0]",
            "inside the bounds",
        ),
        (
            ("    controller: agent", "    controller: agent\n    attributes: {capability: 2}"),
            "capability: 2}",
            "outside the bounds",
            "change the value",
        ),
        (
            ("outcomes:", "injects:\n  late: {turns: [9]}\noutcomes:"),
            "turns: [9]",
            "turn 9 is outside the game (1..3)",
            "within",
        ),
        (
            (
                "plan: [{when: provoked(P), choose: [g_answer]}]",
                "plan: [{when: provoked(P), choose: [g_answer]}]\n"
                "    ballots: {g_resolution: g_answer}",
            ),
            "g_resolution: g_answer",
            "is not a ballot of G",
            "ballot: {on: g_resolution}",
        ),
        (
            (
                "objectives: {self.capability: {value: 1, source: book}}",
                "objectives: {self.capability: {value: 1, source: book}, P.capability: gain}",
            ),
            "P.capability: gain",
            "already weighs",
            "one weight",
        ),
    ],
    ids=[
        "parameter-shadows-variable",
        "negative-rationality",
        "deterred-by-itself",
        "signals-above-1",
        "missing-category-weight",
        "actor-in-no-phase",
        "attribute-default-out-of-bounds",
        "actor-attribute-out-of-bounds",
        "inject-after-the-last-turn",
        "doctrine-ballot-not-a-ballot",
        "objective-term-twice",
    ],
)
def test_values_that_do_not_fit_the_rest_of_the_scenario_are_refused(change, needle, message, hint):
    text = edit(change)
    problems = problems_of(text)
    found = [p for p in problems if message in p.message]
    assert found, "\n".join(map(str, problems))
    assert hint in found[0].hint
    line, _ = at(text, needle)
    assert found[0].line == line


def test_a_whole_number_compared_with_the_turn_or_calendar_is_a_date_not_a_world_number(tiny):
    scenario = tiny(
        injects={
            "drill": {
                "probability": "month == 8 and 3 <= turn and tension > 0.7",
                "effects": [],
            }
        }
    )
    inside = [line for line in scenario.unsourced if line.startswith("injects.drill.")]
    assert inside == [
        "injects.drill.probability: number 0.7 inside an expression "
        "(name it as a parameter with a source or assumption)"
    ]
