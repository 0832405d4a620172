"""Hostile numbers: no NaN or infinity ever enters the game state (issue "Hardening").

Random but valid scenarios, grown from the tiny scenario of conftest, put extreme numbers
everywhere the format takes one: rationality up to 1e300, objective weights, costs, motives
and effect amounts from 1e-300 to the largest float and negative, add/mul/set on terms with
bounds from a single point to the whole float range, formulas that divide by zero or by
variables that start at 0, exp/log/power of large numbers, branch and inject probabilities,
signals, belief priors and caps, budgets and extra actions. Every game is stepped turn by
turn and after each turn every number of the state and of the turn records must be finite,
every bounded value within its bounds, and the snapshot plain JSON that restores exactly.

The logit rule is tested directly too: rationality 1e6 and 1e300 with utilities of +-1e300.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import sys
import typing
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from conftest import records_json, tiny_data
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from wargame.engine import lockstep
from wargame.engine.model import WargameModel, escalation_sum
from wargame.engine.policies import Scored, logit, pick, pick_pass_or_option
from wargame.engine.resolver import learn
from wargame.engine.state import beta_mean
from wargame.errors import InputError
from wargame.scenario.loading import Scenario, load_scenario_text
from wargame.scenario.schema import Category

BIGGEST = sys.float_info.max
"""The largest finite float: valid wherever the format takes a plain number."""
EXPR_MAX = 1e300
"""The largest number literal an expression may contain."""

ACTORS = ("P", "G", "A", "V")
VARIABLES = ("tension", "new_normal", "sanctions", "slow")
ATTRIBUTES = ("capability", "drive")
CATEGORIES = typing.get_args(Category)

# ------------------------------------------------------------------------------ numbers


@functools.cache
def magnitudes(top: float) -> st.SearchStrategy[float]:
    """Non-negative floats up to `top`, with the awkward ones (0, denormals, 1, top) likely."""
    special = [0.0, 5e-324, 1e-300, 1e-12, 0.5, 1.0, 2.0, 1e6, 1e12, 1e150, 1e300, BIGGEST]
    return st.one_of(
        st.sampled_from([v for v in special if v <= top] + [top]),
        st.floats(0.0, top, allow_nan=False, allow_infinity=False),
        st.floats(0.0, 10.0, allow_nan=False),
    )


@functools.cache
def signed(top: float) -> st.SearchStrategy[float]:
    """Floats in [-top, top], extremes and small values likely."""
    return st.builds(lambda m, neg: -m if neg else m, magnitudes(top), st.booleans())


def literal(value: float) -> str:
    """An expression literal: repr round-trips, a negative one gets parentheses."""
    return f"({value!r})" if value < 0 or math.copysign(1.0, value) < 0 else repr(value)


@functools.cache
def leaves(self_actor: str | None) -> st.SearchStrategy[str]:
    """Atoms of a formula: numbers, state, counters, beliefs, relations."""
    names = [
        *VARIABLES,
        "turn",
        "deterrence_strength",
        "spiral_strength",
        "weak_below",
        "zero",
        "huge",
        "P.capability",
        "G.drive",
        "A.capability",
        "count(p_test)",
        "count(p_test.success)",
        "taken(g_strong)",
        "recent(p_test)",
        "provoked(P)",
        "response(P)",
        "belief(P, G)",
        "belief(A, G)",
        "rel(A, G, trust)",
        "rel(A, G, alliance)",
    ]
    if self_actor is not None:
        names += ["self.capability", "self.drive"]
    return st.one_of(st.sampled_from(names), signed(EXPR_MAX).map(literal))


@functools.cache
def formulas(self_actor: str | None = None) -> st.SearchStrategy[str]:
    """Random expressions that divide by zero, overflow exp and power, take log of 0, ..."""

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner)
        return st.one_of(
            binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["exp", "log", "sqrt", "abs"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} / ({t[1]} - {t[1]}))"),
            st.tuples(inner, st.sampled_from(VARIABLES)).map(lambda t: f"({t[0]} / {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} ^ {t[1]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"clamp({t[0]}, {t[1]}, {t[2]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"if({t[0]} < {t[1]}, {t[2]}, {t[0]})"),
            st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"
            ),
            inner.map(lambda x: f"-{x}"),
        )

    return st.recursive(leaves(self_actor), grow, max_leaves=6)


@functools.cache
def numbers(top: float) -> st.SearchStrategy[Any]:
    """A plain number or a Quantity of up to `top` in size, some with an assumption range."""
    return st.one_of(
        signed(top),
        signed(top).map(lambda v: {"value": v, "note": "hostile"}),
        st.tuples(signed(top), signed(top), signed(top)).map(ranged),
    )


def ranged(values: tuple[float, ...]) -> dict[str, Any]:
    """A Quantity: the first value, with a range that holds all of them (batches sample it)."""
    return {"value": values[0], "assumption": [min(values), max(values)]}


def spread(value: float, low: float, high: float) -> st.SearchStrategy[Any]:
    """The value itself, or as a Quantity whose range (sampled by batches) lies in [low, high]:
    the loader refuses a range that passes the bounds."""
    inside = within(low, high)
    return st.one_of(st.just(value), st.tuples(st.just(value), inside, inside).map(ranged))


@functools.cache
def signals() -> st.SearchStrategy[Any]:
    """A signal in [0, 1], or a Quantity whose assumption range lies in [0, 1] too."""
    unit = st.floats(0.0, 1.0)
    return st.one_of(st.sampled_from([0.0, 1.0]), unit, st.tuples(unit, unit, unit).map(ranged))


@functools.cache
def values(top: float, self_actor: str | None = None) -> st.SearchStrategy[Any]:
    """A Value field: a number, a Quantity or a formula."""
    return st.one_of(numbers(top), formulas(self_actor))


@st.composite
def bounds(draw: st.DrawFn) -> tuple[float, float]:
    """(min, max): the default [0, 1], a point, a sliver, negative, wide or the float range."""
    kind = draw(st.sampled_from(["unit", "point", "sliver", "negative", "wide", "widest", "any"]))
    if kind == "unit":
        return 0.0, 1.0
    if kind == "point":
        v = draw(signed(BIGGEST))
        return v, v
    if kind == "sliver":
        low = draw(signed(1e6))
        return low, low + draw(st.sampled_from([5e-324, 1e-300, 1e-12, 1e-6]))
    if kind == "negative":
        return -draw(magnitudes(BIGGEST)), 0.0
    if kind == "wide":
        return -1e300, 1e300
    if kind == "widest":
        return -BIGGEST, BIGGEST
    a, b = draw(signed(BIGGEST)), draw(signed(BIGGEST))
    return min(a, b), max(a, b)


@st.composite
def within(draw: st.DrawFn, low: float, high: float) -> float:
    """A value in [low, high], the ends likely, never overflowing on the way."""
    t = draw(st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(0.0, 1.0)))
    v = low * (1.0 - t) + high * t
    return min(high, max(low, v))


# ------------------------------------------------------------------------------ scenarios


@st.composite
def effects(draw: st.DrawFn, self_actor: str | None, top: float) -> list[dict[str, Any]]:
    """A few effects: add, mul or set of extreme amounts, some delayed."""
    targets = [*VARIABLES, "P.capability", "G.drive", "A->G.trust", "A->G.trade"]
    if self_actor is not None:
        targets += ["self.capability", "self.drive"]
    out = []
    for _ in range(draw(st.integers(1, 3))):
        effect: dict[str, Any] = {
            "target": draw(st.sampled_from(targets)),
            draw(st.sampled_from(["add", "mul", "set"])): draw(values(top, self_actor)),
        }
        if draw(st.integers(0, 3)) == 0:
            effect["delay"] = draw(st.integers(1, 3))
        out.append(effect)
    return out


@st.composite
def branches(draw: st.DrawFn, self_actor: str, top: float) -> list[dict[str, Any]]:
    """Two or three branches: constant odds summing to at most 1, or formulas of any size."""
    count = draw(st.integers(2, 3))
    out = []
    left = 1.0
    for i in range(count):
        branch: dict[str, Any] = {"name": f"b{i}"}
        if i < count - 1 or draw(st.booleans()):
            if draw(st.booleans()):
                p = draw(within(0.0, left))
                left = max(0.0, left - p)
                branch["probability"] = p
            else:
                branch["probability"] = draw(formulas(self_actor))
        if draw(st.booleans()):
            branch["effects"] = draw(effects(self_actor, top))
        out.append(branch)
    return out


@st.composite
def extra_action(draw: st.DrawFn, top: float) -> tuple[str, dict[str, Any]]:
    """A new option on one actor's menu, with every numeric field drawn."""
    actor = draw(st.sampled_from(["P", "G", "A"]))
    others = [a for a in ACTORS if a != actor]
    action: dict[str, Any] = {
        "actor": actor,
        "label": "Extra",
        "category": draw(st.sampled_from(CATEGORIES)),
        "cost": draw(values(top, actor)),
        "motive": draw(values(top, actor)),
        "effects": draw(effects(actor, top)),
        "targets": draw(st.lists(st.sampled_from(others), max_size=2, unique=True)),
        "observed_by": draw(st.sampled_from(["public", "target", "covert", ["G"]])),
        "signals": draw(signals()),
        "provocation": draw(st.booleans()),
        "deterred_by": {
            r: draw(values(top, actor))
            for r in draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
        },
        "max_per_turn": draw(st.integers(1, 3)),
        "budget_cost": draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])),
    }
    if action["observed_by"] == ["G"] and actor == "G":
        action["observed_by"] = "public"
    if draw(st.booleans()):
        action["branches"] = draw(branches(actor, top))
    if draw(st.booleans()):
        action["requires"] = draw(formulas(actor))
    if draw(st.booleans()):
        action["escalation"] = draw(numbers(BIGGEST))
    if draw(st.booleans()):
        action["cooldown"] = draw(st.integers(0, 2))
    return f"x{draw(st.integers(0, 10**6))}", action


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid scenario grown from the tiny one: same shape, hostile numbers."""
    d = tiny_data()
    # how large effect amounts, costs and weights may get in this scenario
    top = draw(st.sampled_from([1.0, 1e6, 1e300, BIGGEST]))
    d["scenario"]["turns"] = draw(st.integers(1, 6))
    for name, parameter in d["parameters"].items():
        v = draw(signed(BIGGEST)) if draw(st.booleans()) else parameter["value"]
        d["parameters"][name] = {"value": v, "assumption": [min(v, 0.0), max(v, 10.0)]}
    d["parameters"]["zero"] = {"value": 0.0, "description": "divide by me"}
    d["parameters"]["huge"] = {"value": draw(signed(BIGGEST))}
    d["categories"] = {c: draw(numbers(BIGGEST)) for c in CATEGORIES}

    state = d["state"]
    for name in VARIABLES:
        low, high = draw(bounds())
        initial = draw(spread(draw(within(low, high)), low, high))
        state["variables"][name] = {"initial": initial, "min": low, "max": high}
    for name in ATTRIBUTES:
        low, high = draw(bounds())
        default = draw(spread(draw(within(low, high)), low, high))
        state["attributes"][name] = {"default": default, "min": low, "max": high}
    state["beliefs"] = {
        "prior": {"alpha": draw(magnitudes(BIGGEST).filter(bool)), "beta": 1.0},
        "learning_rate": draw(values(BIGGEST)),
        "max_strength": draw(magnitudes(BIGGEST).filter(bool)),
    }
    state["beliefs"]["prior"]["beta"] = draw(magnitudes(BIGGEST).filter(bool))

    for aid, actor in d["actors"].items():
        actor["rationality"] = draw(numbers(1e6).map(_positive) | st.sampled_from([1e300, 0.0]))
        terms = [*VARIABLES, "self.capability", "self.drive", "A->G.trust"]
        terms += [f"{o}.capability" for o in ACTORS if o != aid]
        chosen = draw(st.lists(st.sampled_from(terms), max_size=4, unique=True))
        actor["objectives"] = {t: draw(values(1e6, aid)) for t in chosen}
        actor["budget"] = {"count": draw(st.integers(0, 3))}
        if draw(st.booleans()):
            actor["budget"]["points"] = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 1e300]))
        if aid in ("P", "A", "V") and draw(st.booleans()):
            capability = state["attributes"]["capability"]
            actor["attributes"] = {"capability": draw(within(capability["min"], capability["max"]))}
    if draw(st.booleans()):
        d["actors"]["P"]["controller"] = "script:p_always"
    if draw(st.booleans()):
        d["actors"]["G"]["controller"] = "script:g_none"

    relation = d["relations"][0]
    for fname in ("alliance", "trust", "trade"):
        relation[fname] = draw(spread(draw(within(0.0, 1.0)), 0.0, 1.0))
    if draw(st.booleans()):
        relation["resolve_belief"] = {
            "alpha": draw(magnitudes(BIGGEST).filter(bool)),
            "beta": draw(magnitudes(BIGGEST).filter(bool)),
        }

    actions = d["actions"]
    p_test = actions["p_test"]
    p_test["cost"] = draw(values(top, "P"))
    p_test["deterred_by"] = {"G": draw(values(top, "P"))}
    p_test["effects"] = draw(effects("P", top))
    success = p_test["branches"][0]
    success["probability"] = draw(st.one_of(within(0.0, 1.0), formulas("P")))
    success["effects"] = draw(effects("P", top))
    for aid in ("g_weak", "g_strong", "g_covert"):
        actions[aid]["signals"] = draw(signals())
        actions[aid]["motive"] = draw(values(top, "G"))
    actions["g_delayed"]["effects"] = draw(effects("G", top))
    actions["g_resolution"]["effects"] = draw(effects("G", top))
    actions["v_veto"]["effects"] = draw(effects("V", top))
    for _ in range(draw(st.integers(0, 3))):
        key, action = draw(extra_action(top))
        actions[key] = action

    rules = d["rules"]
    rules["new_normal"]["effects"] = draw(effects(None, top))
    rules["spiral"]["effects"][0]["add"] = draw(values(top))
    if draw(st.booleans()):
        rules["hostile"] = {"when": draw(formulas()), "effects": draw(effects(None, top))}
    d["injects"] = {}
    for i in range(draw(st.integers(0, 2))):
        inject: dict[str, Any] = {"effects": draw(effects(None, top))}
        if draw(st.booleans()):
            inject["probability"] = draw(values(BIGGEST))
        else:
            inject["turns"] = [draw(st.integers(1, d["scenario"]["turns"]))]
        if draw(st.booleans()):
            inject["when"] = draw(formulas())
        d["injects"][f"inject{i}"] = inject
    d["outcomes"]["hostile"] = {"when": draw(formulas()), "terminal": draw(st.booleans())}
    return d


def _positive(value: Any) -> Any:
    """Rationality must be >= 0, its assumption range too: the sizes of a drawn number."""
    if not isinstance(value, dict):
        return abs(value)
    size = abs(value["value"])
    if "assumption" in value:
        low, high = sorted(abs(v) for v in value["assumption"])
        return {"value": size, "assumption": [min(low, size), max(high, size)]}
    return {**value, "value": size}


def load(data: dict[str, Any]) -> Scenario:
    """Load a generated scenario the way a file is loaded; the strategy must make valid ones."""
    try:
        return load_scenario_text(yaml.safe_dump(data, sort_keys=False), file="random.yaml")
    except InputError as error:  # pragma: no cover - a bug in the strategy, shown in full
        raise AssertionError(f"the strategy made an invalid scenario:\n{error}") from None


# ------------------------------------------------------------------------------ checks


def walk(obj: Any, path: str = "") -> Iterator[tuple[str, Any, float]]:
    """(path, key, number) for every number in a JSON-like structure, bools excluded."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, (dict, list, tuple)):
                yield from walk(value, f"{path}.{key}")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                yield f"{path}.{key}", key, float(value)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            if isinstance(value, (dict, list, tuple)):
                yield from walk(value, f"{path}[{i}]")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                yield f"{path}[{i}]", i, float(value)


def inside(value: float, low: float, high: float, slack: float = 0.0) -> bool:
    """low <= value <= high, allowing `slack` for numbers the records round."""
    return math.isfinite(value) and low - slack <= value <= high + slack


def initial_strength(scenario: Scenario, observer: str, subject: str) -> float:
    """alpha + beta of a belief as the scenario starts it (the prior, or a relation's)."""
    spec = scenario.spec
    prior = spec.state.beliefs.prior
    alpha, beta = prior.alpha, prior.beta
    for rel in spec.relations:
        if rel.source == observer and rel.target == subject and rel.resolve_belief:
            alpha, beta = rel.resolve_belief.alpha, rel.resolve_belief.beta
    return alpha + beta


def check_state(model: WargameModel, scenario: Scenario) -> None:
    """Every number of the state finite, and every bounded one within its declared bounds."""
    spec, state = scenario.spec, model.state
    for name, var in spec.state.variables.items():
        value = state.vars[name]
        assert inside(value, var.min, var.max), (name, value, var.min, var.max)
    for aid in spec.actors:
        for attr, aspec in spec.state.attributes.items():
            value = state.attrs[aid][attr]
            assert inside(value, aspec.min, aspec.max), (aid, attr, value, aspec.min, aspec.max)
    for u, v, data in state.graph.edges(data=True):
        for fname, value in data.items():
            assert inside(value, 0.0, 1.0), (u, v, fname, value)
    cap = spec.state.beliefs.max_strength
    for observer, about in state.beliefs.items():
        for subject, ab in about.items():
            alpha, beta = ab
            # a saved state with alpha or beta at 0 would not load again
            assert 0 < alpha < math.inf and 0 < beta < math.inf, (observer, subject, ab)
            mean = state.belief(observer, subject)
            assert inside(mean, 0.0, 1.0), (observer, subject, mean)
            # the cap holds once a belief has learnt (an untouched prior may lie above it),
            # give or take the smallest float that keeps both above 0 under a tiny cap
            limit = max(cap, initial_strength(scenario, observer, subject))
            if math.isfinite(limit):
                assert alpha + beta <= limit * (1 + 1e-9) + 1e-323, (observer, subject, ab, cap)
    for target, heard in state.signals.items():
        for actor, strength in heard.items():
            assert inside(strength, 0.0, 1.0), (target, actor, strength)
    for due, term, op, amount, cause in state.pending:
        assert math.isfinite(amount), (due, term, op, amount, cause)
    assert math.isfinite(model.escalation), model.escalation


def check_record(record: dict[str, Any], scenario: Scenario) -> None:
    """Every number of a turn record finite; odds, rolls and probabilities where they belong."""
    for path, key, value in walk(record):
        assert math.isfinite(value), (path, value)
        if key in ("probability", "answer_strength") or ".odds." in path + ".":
            assert 0.0 <= value <= 1.0, (path, value)
        if key == "roll":
            assert 0.0 <= value < 1.0, (path, value)
    for belief in record["beliefs"]:
        assert 0.0 <= belief["before"] <= 1.0 and 0.0 <= belief["after"] <= 1.0, belief
    for phase in record["phases"]:
        for decision in phase["decisions"]:
            total = sum(o["probability"] for o in decision["top_options"])
            assert total <= 1.0 + 1e-3, decision  # each rounded to 4 places
    spec = scenario.spec
    for side in ("state_before", "state_after"):
        summary = record[side]
        for name, value in summary["variables"].items():
            var = spec.state.variables[name]
            assert inside(value, var.min, var.max, 1e-6), (side, name, value)
        for aid, attrs in summary["attributes"].items():
            for attr, value in attrs.items():
                aspec = spec.state.attributes[attr]
                assert inside(value, aspec.min, aspec.max, 1e-6), (side, aid, attr, value)


def json_text(obj: Any) -> str:
    """Strict JSON: NaN and infinity are errors, not the non-standard tokens."""
    return json.dumps(obj, allow_nan=False, sort_keys=True)


# ------------------------------------------------------------------------------ the property


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=scenarios(),
    seed=st.integers(0, 2**64 - 1),
    save_after=st.integers(0, 6),
    sample=st.booleans(),
    more=st.data(),
)
def test_no_nan_or_infinity_enters_the_game(data, seed, save_after, sample, more):
    scenario = load(data)
    inputs = None
    if sample:  # as a batch run does: every uncertain number drawn from its range
        inputs = {u.path: more.draw(within(u.low, u.high), label=u.path) for u in scenario.sampled}
    model = WargameModel(scenario, seed=seed, inputs=inputs)
    check_state(model, scenario)
    saved = None
    while model.running:
        model.step()
        check_state(model, scenario)
        check_record(records_json(model)[-1], scenario)
        text = json_text(model.snapshot())
        assert json_text(json.loads(text)) == text  # every float survives the trip
        if model.state.turn == save_after:
            saved = text
    summary = json_text(model.summary())
    # Monte Carlo's summary mode makes the same choices and rolls the same dice
    quiet = WargameModel(scenario, seed=seed, inputs=inputs, record=False).run()
    assert json_text(quiet.summary()) == summary
    quiet.release()
    final = json_text(model.snapshot())
    if saved is not None:  # a restored game plays on exactly as the one that never stopped
        again = WargameModel.restore(scenario, json.loads(saved)).run()
        assert json_text(again.snapshot()) == final
    model.release()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=scenarios(), first=st.integers(0, 2**64 - 40), sample=st.booleans(), more=st.data())
def test_the_lockstep_engine_plays_hostile_numbers_as_the_reference_does(data, first, sample, more):
    """Sixteen games of a random scenario in lockstep, each against the reference engine's
    summary: overflowing parts, huge beliefs and escalation included (those games the
    lockstep engine hands back to the reference, which must give the same rows)."""
    scenario = load(data)
    assume(lockstep.supported(scenario) is None)
    seeds = [(first + i * 7919) % 2**64 for i in range(16)]
    inputs = None
    if sample:
        inputs = [
            {u.path: more.draw(within(u.low, u.high)) for u in scenario.sampled} for _ in seeds
        ]
    given = (
        None if inputs is None else {u.path: [i[u.path] for i in inputs] for u in scenario.sampled}
    )
    played = lockstep.play(scenario, seeds, given)
    for i, seed in enumerate(seeds):
        model = WargameModel(
            scenario, seed=seed, record=False, inputs=inputs[i] if inputs else None
        )
        expected = lockstep.summary_row(model.run().summary())
        model.release()
        assert json_text(played.row(i)) == json_text(expected), f"game {i}, seed {seed}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios())
def test_the_strategy_makes_valid_scenarios_whose_numbers_reach_the_engine(data):
    """Guards the strategy itself (the property above is slow): what it draws is what runs."""
    program = load(data).program
    for aid, actor in data["actors"].items():
        drawn = actor["rationality"]
        assert program.actors[aid].rationality == (
            drawn["value"] if isinstance(drawn, dict) else drawn
        )
    for name, var in data["state"]["variables"].items():
        assert program.initial.bounds[("v", name)] == (var["min"], var["max"])
        assert var["min"] <= program.initial.vars[name] <= var["max"]


def extreme_scenario(**actions: Any) -> Scenario:
    """The tiny scenario where P weighs three variables at 1 and is all but fully rational."""
    data = tiny_data(actions=actions)
    data["actors"]["P"]["objectives"] = {"tension": 1, "sanctions": 1, "slow": 1}
    data["actors"]["P"]["rationality"] = 1e300
    return load(data)


def test_parts_too_large_for_floats_add_up_exactly_and_records_change_no_choice():
    # +1.5e308 - 1e308 - 5e307 + 1.5e308 - 1.5e308 + motive 1 - 0.5 * 0.2: float sums of
    # these overflow in some orders; the expected utility is exactly 0.9
    effects = [
        {"target": "tension", "add": 1.5e308},
        {"target": "sanctions", "add": -1e308},
        {"target": "slow", "add": -5e307},
        {"target": "tension", "add": 1.5e308},
        {"target": "sanctions", "add": -1.5e308},
    ]
    scenario = extreme_scenario(p_test={"effects": effects, "motive": 1.0})
    recorded = WargameModel(scenario, seed=1)
    (option,) = recorded.options("P")
    assert option.utility == pytest.approx(0.9)
    assert option.terms["tension"] == 1e300 and option.terms["sanctions"] == -1e300
    recorded.run()
    quiet = WargameModel(scenario, seed=1, record=False).run()
    assert recorded.summary() == quiet.summary()
    assert recorded.summary()["counts"]["p_test"] == recorded.state.turn  # 0.9 > 0: always


@pytest.mark.parametrize(
    ("gain", "loss", "chosen"),
    [(BIGGEST, -BIGGEST, False), (BIGGEST, 0.0, True), (-BIGGEST, 0.0, False)],
)
def test_an_infinite_gain_against_an_infinite_loss_is_no_nan(gain, loss, chosen):
    # a gain on tension and a loss on P's capability (weights 1e6, the loss for sure): exactly
    # 0 - 0.1 (the answer P expects from G) when they cancel
    scenario = load(
        tiny_data(
            actors={
                "P": {"rationality": 1e300, "objectives": {"tension": 1e6, "self.capability": 1e6}}
            },
            actions={
                "p_test": {
                    "effects": [{"target": "tension", "add": gain}],
                    "branches": [
                        {
                            "name": "success",
                            "probability": 1.0,
                            "effects": [{"target": "self.capability", "add": loss}],
                        },
                        {"name": "failure"},
                    ],
                }
            },
        )
    )
    model = WargameModel(scenario, seed=3)
    (option,) = model.options("P")
    assert all(math.isfinite(v) for v in [option.utility, *option.terms.values()])
    model.step()
    assert ("p_test" in model.state.counts) is chosen


def test_belief_updates_stay_finite_and_positive_for_any_sizes():
    # huge learning rates crush the other count; priors near the largest float overflow a + b
    cases = [
        ([2.0, 2.0], 1e300, 0.0, 50.0),
        ([2.0, 2.0], 0.0, 1e300, 50.0),
        ([1e308, 1e308], BIGGEST, BIGGEST, BIGGEST),
        ([BIGGEST, 5e-324], BIGGEST, 0.0, 1e-300),
        ([5e-324, 5e-324], 0.0, 0.0, 5e-324),
        ([2.0, 2.0], 0.25, 0.75, 50.0),
    ]
    for ab, up, down, cap in cases:
        before = list(ab)
        for _ in range(3):
            learn(ab, up, down, cap)
            assert 0 < ab[0] < math.inf and 0 < ab[1] < math.inf, (before, up, down, cap, ab)
            assert ab[0] + ab[1] <= max(cap, before[0] + before[1]) * (1 + 1e-12) + 1e-323
    assert beta_mean(1e308, 1e308) == 0.5 and beta_mean(BIGGEST, BIGGEST / 3) == pytest.approx(0.75)
    ab = [2.0, 2.0]
    learn(ab, 0.25, 0.75, 50.0)  # the ordinary case is plain arithmetic
    assert ab == [2.25, 2.75]


def test_escalation_sums_are_exact_and_saturate_instead_of_overflowing():
    assert escalation_sum([BIGGEST, BIGGEST]) == 1e300
    assert escalation_sum([BIGGEST, BIGGEST, -BIGGEST]) == 1e300  # not inf - inf
    assert escalation_sum([BIGGEST, -BIGGEST, 3.0]) == 3.0
    assert escalation_sum([BIGGEST, 1e300, -BIGGEST, -1e300], 2.0) == 2.0
    assert escalation_sum([-BIGGEST], -1e300) == -1e300
    assert escalation_sum([4.0, 12.0], 2.0) == 18.0


# ------------------------------------------------------------------------------ logit


def assert_distribution(probabilities: list[float], n: int) -> None:
    assert len(probabilities) == n
    assert all(math.isfinite(p) and p >= 0.0 for p in probabilities), probabilities
    assert abs(math.fsum(probabilities) - 1.0) <= 1e-9, probabilities


EXTREME_UTILITIES = st.one_of(
    st.sampled_from([0.0, 1e300, -1e300, 1e299, -1e299, 1.0, -1.0, 1e-300, -1e-300]),
    st.floats(-1e300, 1e300),
)


@pytest.mark.parametrize("rationality", [0.0, 1.0, 1e6, 1e300])
@settings(max_examples=150, deadline=None)
@given(utilities=st.lists(EXTREME_UTILITIES, min_size=1, max_size=12))
@example(utilities=[1e300, 1e299, 0.0])
@example(utilities=[0.0, 1e300, -1e300])
@example(utilities=[-1e300, 0.0, -1e300, 1e300, 1e300])
@example(utilities=[-1e300, -1e300])
@example(utilities=[1e-300, 0.0])
def test_logit_is_a_distribution_that_favours_the_best(utilities, rationality):
    probabilities = logit(utilities, rationality)
    assert_distribution(probabilities, len(utilities))
    best = max(utilities)
    on_best = math.fsum(p for p, u in zip(probabilities, utilities, strict=True) if u == best)
    others = [u for u in utilities if u != best]
    if rationality == 0.0:
        assert all(abs(p - 1 / len(utilities)) <= 1e-12 for p in probabilities)
    elif not others or rationality * (best - max(others)) >= 100.0:
        # the rest weigh at most n * exp(-100) together
        assert on_best >= 1.0 - 1e-9, (probabilities, utilities)
    # a better option is never less likely than a worse one
    ranked = sorted(zip(utilities, probabilities, strict=True))
    assert all(p1 <= p2 + 1e-15 for (_, p1), (_, p2) in itertools.pairwise(ranked))


@pytest.mark.parametrize("rationality", [1e6, 1e300])
def test_huge_rationality_puts_all_mass_on_the_best_even_among_huge_utilities(rationality):
    # utilities this large overflow rationality * utility: the order must survive anyway
    for utilities, best in (
        ([1e300, 1e299, 0.0], 0),
        ([0.0, -1e300, 1e300, 5e299], 2),
        ([-1e300, -1e299, -5e299], 1),
        ([0.0, 1e-3, -1e300], 1),
    ):
        probabilities = logit(utilities, rationality)
        assert_distribution(probabilities, len(utilities))
        assert probabilities[best] >= 1.0 - 1e-12, (utilities, probabilities)


@pytest.mark.parametrize("rationality", [1e6, 1e300])
def test_equal_extreme_utilities_share_the_mass(rationality):
    for value in (1e300, -1e300, 0.0):
        probabilities = logit([value, value, value], rationality)
        assert all(abs(p - 1 / 3) <= 1e-12 for p in probabilities), (value, probabilities)
    probabilities = logit([1e300, -1e300, 1e300, 0.0], rationality)
    assert abs(probabilities[0] - 0.5) <= 1e-12 and abs(probabilities[2] - 0.5) <= 1e-12


@settings(max_examples=150, deadline=None)
@given(
    probabilities=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=10).filter(
        lambda ps: math.fsum(ps) > 0
    ),
    draw=st.floats(0.0, 1.0, exclude_max=True),
)
def test_pick_returns_an_index_with_mass(probabilities, draw):
    total = math.fsum(probabilities)
    normalised = [p / total for p in probabilities]
    index = pick(normalised, draw)
    assert 0 <= index < len(probabilities)
    if draw < math.fsum(normalised) - 1e-12:
        assert normalised[index] > 0.0


def scored(utilities: list[float], rationality: float) -> tuple[list[Scored], float]:
    """Options as LogitPolicy.score leaves them, and the pass probability decide() uses."""
    probabilities = logit([0.0, *utilities], rationality)
    pairs = zip(utilities, probabilities[1:], strict=True)
    options = [Scored(None, u, None, p) for u, p in pairs]  # only the numbers are read
    return options, max(0.0, 1.0 - sum(o.probability for o in options))


@pytest.mark.parametrize("rationality", [1e6, 1e300])
@settings(max_examples=100, deadline=None)
@given(
    utilities=st.lists(EXTREME_UTILITIES, min_size=1, max_size=8, unique=True),
    drop=st.integers(0, 7),
    draw=st.floats(0.0, 1.0, exclude_max=True),
)
def test_pick_pass_or_option_takes_the_best_left_when_rationality_is_huge(
    utilities, drop, draw, rationality
):
    options, pass_probability = scored(utilities, rationality)
    assert math.isfinite(pass_probability) and 0.0 <= pass_probability <= 1.0
    # a later pick: one option is gone (picked or over budget), as in LogitPolicy.decide
    candidates = [o for i, o in enumerate(options) if i != drop % len(options)] or options
    left = [0.0, *(o.utility for o in candidates)]  # pass first, as -1
    best = max(left)
    runner_up = max([u for u in left if u != best], default=-math.inf)
    assume(rationality * (best - runner_up) >= 100.0)
    index = pick_pass_or_option(candidates, pass_probability, rationality, draw)
    assert -1 <= index < len(candidates)
    assert left[index + 1] == best, (utilities, candidates, index)
