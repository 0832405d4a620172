"""Hostile scenario files: each a file's bytes (or a non-file) and what the error must say.

`python tests/hostile/corpus.py` plays every case through `wargame validate` under the
limits of harness.py and prints how each ended (the figures of the issue's closing note).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for conftest when run directly
from conftest import tiny_data

NAME = "hostile.yaml"
MiB = 2**20


@dataclass(frozen=True)
class Case:
    """A hostile input: `make(folder)` puts it at folder/NAME; the error must say `says`."""

    id: str
    make: Callable[[Path], Path]
    says: tuple[str, ...] = ()
    located: bool = False  # the message must give line and column


def text(content: str | bytes, name: str = NAME) -> Callable[[Path], Path]:
    """A case whose file (folder/name) holds exactly these bytes."""

    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return make


def tiny(**sections: Any) -> Callable[[Path], Path]:
    """The tiny test scenario with some sections changed (deep-merged)."""
    return text(yaml.safe_dump(tiny_data(**sections), sort_keys=False))


def tiny_edited(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], Path]:
    """The tiny test scenario after an in-place edit of its data."""
    data = tiny_data()
    edit(data)
    return text(yaml.safe_dump(data, sort_keys=False))


def tiny_text(old: str, new: str) -> Callable[[Path], Path]:
    """The tiny scenario's YAML text with one piece replaced (for what YAML cannot express)."""
    source = yaml.safe_dump(tiny_data(), sort_keys=False)
    assert old in source, old
    return text(source.replace(old, new, 1))


def special(kind: str) -> Callable[[Path], Path]:
    """A path that is not a regular file: a directory, nothing, a FIFO, a device."""

    def make(folder: Path) -> Path:
        path = folder / NAME
        if kind == "directory":
            path.mkdir()
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "device":
            path.symlink_to("/dev/zero")
        return path

    return make


def _bomb() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 9)}]")
    return "\n".join(lines) + "\n"


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return edit


SCENARIO_CASES: list[Case] = [
    # --- not a file at all
    Case("missing path", special("missing"), ("no such file",)),
    Case("directory", special("directory"), ("directory",)),
    Case("fifo", special("fifo"), ("not a regular file",)),
    Case("device", special("device"), ("not a regular file",)),
    # --- bytes that are not a YAML document
    Case("empty file", text(""), ("empty",)),
    Case("only a comment", text("# nothing here\n"), ("empty",)),
    Case("non-UTF-8 bytes", text(b"scenario:\n  id: caf\xe9\n"), ("UTF-8",)),
    Case(
        "binary (PNG header)",
        text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        ("binary file",),
    ),
    Case("binary (NUL bytes)", text(b"\x00" * 4096), ("binary file",)),
    Case("UTF-16 with BOM", text("scenario: {id: x}\n".encode("utf-16")), ("UTF-16",)),
    Case(
        "invalid YAML (unclosed bracket)",
        text("actors: [US, JP\nactions: {}\n"),
        ("did not find expected",),
        located=True,
    ),
    Case(
        "invalid YAML (bad indentation)",
        text("scenario:\n  id: x\n title: y\n"),
        ("indentation",),
        located=True,
    ),
    Case("tab indentation", text("scenario:\n\tid: x\n"), ("tab",), located=True),
    Case("multiple documents", text("a: 1\n---\nb: 2\n"), ("one YAML document",), located=True),
    # --- YAML that would build objects or blow up
    Case(
        "python object tag",
        text('scenario: !!python/object/apply:os.system ["touch pwned"]\n'),
        ("tag",),
        located=True,
    ),
    Case("python name tag", text("x: !!python/name:os.system ''\n"), ("tag",), located=True),
    Case("custom local tag", text("x: !evil 1\n"), ("tag",), located=True),
    Case("alias bomb (billion laughs)", text(_bomb()), ("alias",), located=True),
    Case("deep nesting (flow)", text("x: " + "[" * 100_000 + "]" * 100_000 + "\n"), ("nesting",)),
    Case(
        "deep nesting (block)",
        text("".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n"),
        ("nesting",),
    ),
    Case("over the size limit", text("# " + "x" * (3 * MiB) + "\n"), ("2 MiB",)),
    Case("a key of 1 MiB", text("k" * MiB + ": 1\n"), ("mapping",)),
    Case("a huge integer", text("x: 1" + "0" * 5000 + "\n"), ("too long",), located=True),
    Case(
        "a huge base-60 number",
        text("x: 1:" + "2:" * 500_000 + "3\n"),
        ("too long",),
        located=True,
    ),
    Case(
        "a sexagesimal number",
        text("x: " + ":".join(["59"] * 3000) + "\n"),
        ("too long",),
        located=True,
    ),
    # --- wrong top-level types
    Case("top level is a list", text("- scenario\n- actors\n"), ("mapping",), located=True),
    Case("top level is a string", text("just words\n"), ("mapping",), located=True),
    Case("top level is null", text("~\n"), ("empty",), located=False),
    Case("top level is a number", text("42\n"), ("mapping",), located=True),
    # --- duplicate keys
    Case("duplicate top-level key", tiny_text("actors:", "actors: {}\nactors:"), ("duplicate",)),
    Case(
        "duplicate actor id", tiny_text("  G:\n", "  P:\n    name: again\n  G:\n"), ("duplicate",)
    ),
    # --- unknown or misspelled fields
    Case("misspelled section", tiny_text("actions:", "actons:"), ("Did you mean 'actions'",)),
    Case(
        "misspelled actor field",
        tiny_text("rationality: 5", "rationalty: 5"),
        ("Did you mean 'rationality'",),
        located=True,
    ),
    Case(
        "misspelled effect op",
        tiny_text("add: 0.05", "ad: 0.05"),
        ("Did you mean 'add'",),
        located=True,
    ),
    Case("unknown field", tiny_text("label: Wait", "label: Wait\n    colour: red"), ("colour",)),
    # --- wrong types and out-of-range numbers
    Case(
        "probability above 1",
        tiny_edited(_set(("actions", "p_test", "branches", 0, "probability"), 1.5)),
        ("[0, 1]",),
        located=True,
    ),
    Case(
        "negative probability",
        tiny_edited(_set(("actions", "p_test", "branches", 0, "probability"), -0.1)),
        ("[0, 1]",),
        located=True,
    ),
    Case(
        "branch probabilities over 1 in total",
        tiny_edited(_set(("actions", "p_test", "branches", 1, "probability"), 0.6)),
        ("more than 1",),
    ),
    Case(
        "probability whose assumption range passes 1",
        tiny_edited(
            _set(
                ("actions", "p_test", "branches", 0, "probability"),
                {"value": 0.7, "assumption": [0.5, 1.2]},
            )
        ),
        ("assumption ranges",),
        located=True,
    ),
    Case(
        "signal whose assumption range passes 1",
        tiny(actions={"g_strong": {"signals": {"value": 0.9, "assumption": [0.5, 3]}}}),
        ("signals must lie in [0, 1], got 0.9 (assumption range [0.5, 3.0])",),
        located=True,
    ),
    Case(
        "rationality whose assumption range goes below 0",
        tiny(actors={"P": {"rationality": {"value": 1, "assumption": [-2, 5]}}}),
        ("rationality must be >= 0",),
    ),
    Case(
        "relation above 1",
        tiny(relations=[{"from": "A", "to": "G", "alliance": 1, "trust": 1.5}]),
        ("trust must lie in [0, 1], got 1.5",),
    ),
    Case(
        "a game that would end after the year 9999",
        tiny(scenario={"start_date": "9999-06-01", "turns": 12}),
        ("after the year 9999",),
        located=True,
    ),
    Case(
        "too many actors",
        tiny(actors={f"X{i}": {"name": "x", "rationality": 1} for i in range(101)}),
        ("at most 100",),
        located=True,
    ),
    Case("negative turns", tiny(scenario={"turns": -3}), ("turns",), located=True),
    Case("zero turns", tiny(scenario={"turns": 0}), ("turns",), located=True),
    Case("negative cooldown", tiny(actions={"a_wait": {"cooldown": -1}}), ("cooldown",)),
    Case("negative budget count", tiny(actors={"P": {"budget": {"count": -2}}}), ("count",)),
    Case(
        "negative delay",
        tiny(actions={"g_delayed": {"effects": [{"target": "slow", "add": 0.3, "delay": -2}]}}),
        ("delay",),
    ),
    Case(
        "negative max_per_game", tiny(actions={"a_wait": {"max_per_game": -1}}), ("max_per_game",)
    ),
    Case("negative inject turn", tiny(injects={"i": {"turns": [-1], "effects": []}}), ("turn",)),
    Case("belief prior of 0", tiny(state={"beliefs": {"prior": {"alpha": 0}}}), ("alpha",)),
    Case("bounds reversed", tiny(state={"variables": {"slow": {"min": 1, "max": 0}}}), ("min",)),
    Case(
        "initial value out of bounds",
        tiny(state={"variables": {"slow": {"initial": 7}}}),
        ("outside [0.0, 1.0]",),
    ),
    Case("NaN as a number", tiny_text("rationality: 5", "rationality: .nan"), ("finite",)),
    Case("infinity as a number", tiny_text("rationality: 5", "rationality: .inf"), ("finite",)),
    Case(
        "text where a number goes",
        tiny_text("rationality: 5", "rationality: high"),
        ("rationality",),
    ),
    Case("a list where a mapping goes", tiny_text("actors:", "actors: []\nx:"), ("actors",)),
    Case(
        "assumption range not holding the value",
        tiny(parameters={"weak_below": {"value": 0.5, "assumption": [0.6, 1]}}),
        ("assumption range",),
    ),
    # --- references to what does not exist
    Case("unknown actor", tiny(actions={"a_wait": {"actor": "ZZ"}}), ("ZZ",)),
    Case("misspelled actor", tiny(actions={"a_wait": {"actor": "AA"}}), ("AA",)),
    Case(
        "unknown variable in an effect",
        tiny(actions={"a_wait": {"effects": [{"target": "tensoin", "add": 1}]}}),
        ("Did you mean 'tension'",),
    ),
    Case(
        "unknown name in a formula",
        tiny(rules={"spiral": {"when": "provoked(P) and tensoin > 1"}}),
        ("tensoin",),
    ),
    Case(
        "ballot on a missing action",
        tiny(actions={"v_veto": {"ballot": {"on": "nothing"}}}),
        ("unknown action 'nothing'",),
    ),
    Case("unknown doctrine", tiny(actors={"P": {"controller": "script:nope"}}), ("nope",)),
    Case("phase with an unknown actor", tiny(phases=[{"name": "x", "actors": ["Q"]}]), ("Q",)),
    Case(
        "variant setting an unknown path",
        tiny(variants={"v": {"set": {"parameters.nope": 1}}}),
        ("nope",),
    ),
    Case(
        "response by an unknown actor",
        tiny(rules={"spiral": {"when": "response(P, by=ZZ) > 0.5"}}),
        ("unknown actor 'ZZ' in by=", "Fix: by= names an actor"),
        located=True,
    ),
    Case(
        "response by the actor it is signalled to",
        tiny(rules={"spiral": {"when": "response(P, by=P) > 0.5"}}),
        ("signals no resolve to itself", "Fix: name another actor in by="),
        located=True,
    ),
    Case(
        "response with a keyword other than by",
        tiny(rules={"spiral": {"when": "response(P, sender=G) > 0.5"}}),
        ("no keyword 'sender='", "Fix: the one keyword is by="),
        located=True,
    ),
    Case(
        "response with a second positional argument",
        tiny(rules={"spiral": {"when": "response(P, G) > 0.5"}}),
        ("got 2", "Fix: name the signalling actor with by="),
        located=True,
    ),
    # --- scheduled moves (actors.X.schedule, variants.V.schedule)
    Case(
        "a scheduled unknown action",
        tiny(actors={"G": {"schedule": [{"turns": [1], "choose": ["g_strnog"]}]}}),
        ("unknown action 'g_strnog'", "Did you mean 'g_strong'"),
        located=True,
    ),
    Case(
        "a scheduled move of another actor",
        tiny(actors={"G": {"schedule": [{"turns": [1], "choose": ["p_test"]}]}}),
        ("'p_test' belongs to P, not G",),
        located=True,
    ),
    Case(
        "a scheduled ballot",
        tiny(actors={"V": {"schedule": [{"turns": [1], "choose": ["v_veto"]}]}}),
        ("'v_veto' is a ballot",),
        located=True,
    ),
    Case(
        "a scheduled turn outside the game",
        tiny(actors={"G": {"schedule": [{"turns": [9], "choose": ["g_strong"]}]}}),
        ("turn 9 is outside the game (1..4)",),
        located=True,
    ),
    Case(
        "a scheduled entry choosing nothing",
        tiny(actors={"G": {"schedule": [{"turns": [1], "choose": []}]}}),
        ("chooses no action",),
        located=True,
    ),
    Case(
        "a variant scheduling an unknown actor",
        tiny(variants={"v": {"schedule": {"Q": [{"turns": [1], "choose": ["g_strong"]}]}}}),
        ("unknown actor 'Q'",),
        located=True,
    ),
    Case(
        "an action excluding an unknown action",
        tiny(actions={"g_strong": {"excludes": ["g_nothing"]}}),
        ("unknown action 'g_nothing'", "Fix: declare it under actions:"),
        located=True,
    ),
    Case(
        "an action excluding another actor's action",
        tiny(actions={"g_strong": {"excludes": ["a_wait"]}}),
        ("'a_wait' belongs to A, not G", "Fix: remove 'a_wait'"),
        located=True,
    ),
    Case(
        "an action excluding a ballot",
        tiny(
            actions={
                "v_support": {"excludes": ["v_veto"]},
            }
        ),
        ("is a ballot", "Fix: list only options chosen"),
        located=True,
    ),
    Case(
        "an action excluding itself",
        tiny(actions={"g_strong": {"excludes": ["g_strong"]}}),
        ("'g_strong' excludes itself", "Fix: list the actor's other options"),
        located=True,
    ),
    Case(
        "a delay that reads the state",
        tiny(
            actions={"g_delayed": {"effects": [{"target": "slow", "add": 0.3, "delay": "tension"}]}}
        ),
        ("a delay may read parameters only", "Fix: name a parameter"),
        located=True,
    ),
    Case(
        "a delay that calls a domain function",
        tiny(
            actions={
                "g_delayed": {"effects": [{"target": "slow", "add": 0.3, "delay": "count(p_test)"}]}
            }
        ),
        ("count() reads the state", "Fix: name a parameter"),
        located=True,
    ),
    Case(
        "a delay naming an unknown parameter",
        tiny(actions={"g_delayed": {"effects": [{"target": "slow", "add": 0.3, "delay": "lagg"}]}}),
        ("unknown parameter 'lagg'", "Fix: name a parameter"),
        located=True,
    ),
    Case(
        "a delay parameter above 1000 turns",
        tiny(
            parameters={"lag": {"value": 1500, "source": "s"}},
            sources={"s": "a source"},
            actions={"g_delayed": {"effects": [{"target": "slow", "add": 0.3, "delay": "lag"}]}},
        ),
        ("parameter 'lag', which is 1500: outside [0, 1000]", "Fix: bring parameters.lag"),
        located=True,
    ),
    Case(
        "a delay parameter whose range goes below 0",
        tiny(
            parameters={"lag": {"value": 1, "assumption": [-2, 3]}},
            actions={"g_delayed": {"effects": [{"target": "slow", "add": 0.3, "delay": "lag"}]}},
        ),
        ("(assumption range [-2, 3]): outside [0, 1000]", "Fix: bring parameters.lag"),
        located=True,
    ),
    Case(
        "a delay quantity whose range passes 1000",
        tiny(
            actions={
                "g_delayed": {
                    "effects": [
                        {
                            "target": "slow",
                            "add": 0.3,
                            "delay": {"value": 2, "assumption": [1, 2000]},
                        }
                    ]
                }
            }
        ),
        ("(assumption range [1, 2000]) is outside [0, 1000]", "Fix: give a value and assumption"),
        located=True,
    ),
    Case(
        "an action foreseeing an unknown rule",
        tiny(actions={"g_strong": {"foresees": ["spirall"]}}),
        ("unknown rule 'spirall'", "Fix: Did you mean 'spiral'?"),
        located=True,
    ),
    # --- hindsight variants
    Case(
        "a hindsight variant that does not say what it knows",
        tiny(variants={"v": {"hindsight": True}}),
        ("does not say what it knows",),
        located=True,
    ),
    Case(
        "a variant that knows later but is not marked hindsight",
        tiny(variants={"v": {"known_later": "the actual policy"}}),
        ("is not marked hindsight",),
        located=True,
    ),
    # --- Security Council drafts negotiated before the vote (consent.fallback)
    Case(
        "a fallback that does not exist",
        tiny(actions={"g_resolution": {"consent": {"voters": ["V"], "fallback": "g_weaker"}}}),
        ("unknown action 'g_weaker'",),
        located=True,
    ),
    Case(
        "a fallback of another actor",
        tiny(actions={"g_resolution": {"consent": {"voters": ["V"], "fallback": "p_test"}}}),
        ("fallback 'p_test' belongs to P, not G",),
        located=True,
    ),
    Case(
        "a fallback that is not put to a vote",
        tiny(actions={"g_resolution": {"consent": {"voters": ["V"], "fallback": "g_weak"}}}),
        ("'g_weak' is not put to a vote",),
        located=True,
    ),
    Case(
        "a fallback with other voters",
        tiny(
            actions={
                "g_resolution": {"consent": {"voters": ["V"], "fallback": "g_other"}},
                "g_other": {
                    "actor": "G",
                    "label": "Other",
                    "category": "status_quo",
                    "consent": {"voters": ["A"]},
                },
                "a_yes": {
                    "actor": "A",
                    "label": "Yes",
                    "category": "status_quo",
                    "ballot": {"on": "g_other", "vote": "support"},
                },
            }
        ),
        ("not by the same voters",),
        located=True,
    ),
    Case(
        "relation to itself",
        tiny(relations=[{"from": "A", "to": "A", "alliance": 1}]),
        ("itself",),
    ),
    Case(
        "a ballot on a ballot",
        tiny(actions={"v_support": {"ballot": {"on": "v_veto", "vote": "support"}}}),
        ("which is itself a ballot", "cycle"),
    ),
    Case(
        "a fallback that falls back to itself",
        tiny(actions={"g_resolution": {"consent": {"voters": ["V"], "fallback": "g_resolution"}}}),
        ("fallbacks form a cycle: g_resolution -> g_resolution",),
        located=True,
    ),
    Case(
        "a ballot that needs consent",
        tiny(actions={"v_veto": {"consent": {"voters": ["V"]}}}),
        ("cannot itself be put to a vote", "cycle"),
    ),
    # --- code in expressions
    Case(
        "python in a formula",
        tiny(rules={"spiral": {"when": "__import__('os').system('touch pwned')"}}),
        ("names cannot have parts starting with '__'",),
        located=True,
    ),
    Case(
        "attribute access in a formula",
        tiny(rules={"spiral": {"when": "tension.__class__ > 0"}}),
        ("names cannot have parts starting with '__'",),
        located=True,
    ),
    Case(
        "a formula over the length limit",
        tiny(rules={"spiral": {"when": "1 + " * 1000 + "1"}}),
        ("2000",),
    ),
    Case(
        "a formula nested too deeply",
        tiny(rules={"spiral": {"when": "(" * 200 + "1" + ")" * 200}}),
        ("nested",),
    ),
]


# --- costly to check: every limit reached at once, the one problem last ------------------
# Each of these once took from 8 s to hours to refuse (or accept). Huge sections are written
# as text, not dumped: generating them must cost less than checking them.
EXPRESSION_CHARS = 200_000  # wargame.scenario.expr.MAX_EXPRESSION_CHARS
VARIANT_WORK = 250_000  # wargame.scenario.loading.MAX_VARIANT_WORK
NODES = 200_000  # wargame.scenario.yamlsafe.MAX_NODES


def tiny_with(**sections: Callable[[], str]) -> Callable[[Path], Path]:
    """The tiny scenario with whole top-level sections replaced by YAML text (built when the
    case is made): `sections[key]()` is the section's body, indented by two spaces."""

    def make(folder: Path) -> Path:
        data = tiny_data()
        for key in sections:
            data.pop(key, None)
        body = "".join(f"{key}:\n{build()}" for key, build in sections.items())
        return text(yaml.safe_dump(data, sort_keys=False) + body)(folder)

    return make


def longest_formula(atom: str = "-1") -> str:
    """'atom + atom + ...' as long as an expression may be (2000 characters): for '-1', 400
    signs and numbers, the most tree a formula can hold."""
    return " + ".join([atom] * ((2000 + 3) // (len(atom) + 3)))


def formula_rules(count: int, last: str) -> Callable[[], str]:
    """`count` rules whose condition and effect are the longest formulas, then one whose
    condition is `last`; the tiny scenario's own rules first."""

    def build() -> str:
        rules = yaml.safe_dump({"rules": tiny_data()["rules"]}, sort_keys=False)
        lines = [line for line in rules.splitlines()[1:]]
        formula = longest_formula()
        for i in range(count):
            lines += [f"  r{i}:", f"    when: {formula}", "    effects:"]
            lines += ["    - target: tension", f"      add: {formula}"]
        lines += ["  last:", f"    when: {last}", "    effects: [{target: tension, add: 0.1}]"]
        return "\n".join(lines) + "\n"

    return build


def many(item: str, count: int, *, last: str = "") -> Callable[[], str]:
    """A section body (indented): `count` lines of `item`, `{i}` numbered, then `last`."""
    return lambda: "".join(item.format(i=i) + "\n" for i in range(count)) + last


def variants(count: int, last: str = "") -> Callable[[], str]:
    """`count` variants each fixing a parameter, then `last` (a whole variant's line) if any."""
    item = "  v{i}: {{set: {{parameters.deterrence_strength: 2}}}}"
    return many(item, count, last=last)


TINY_PARAMETERS = "".join(
    f"  {line}\n" for line in yaml.safe_dump(tiny_data()["parameters"]).splitlines()
)


def phase_of(actors: Callable[[], str]) -> Callable[[], str]:
    """The tiny scenario's phases, the second one's actors given as a flow list's items."""
    return lambda: (
        "- name: provoke\n  actors: [P]\n- name: answer\n  actors: [G, A, V, " + actors() + "]\n"
    )


def relations_named_in_effects(actors: int) -> Callable[[Path], Path]:
    """`actors` more actors related each to each (9,120 relations for 96), every relation's
    trust changed by a rule's effect, and one effect on a relation that does not exist, last."""
    ids = [f"X{i}" for i in range(actors)]
    pairs = [(a, b) for a in ids for b in ids if a != b]

    def actor_list() -> str:
        tiny = yaml.safe_dump({"actors": tiny_data()["actors"]}, sort_keys=False)
        return (
            "\n".join(tiny.splitlines()[1:])
            + "\n"
            + many("  X{i}: {{name: x, rationality: 1}}", actors)()
        )

    def relations() -> str:
        return "".join(f"- {{from: {a}, to: {b}, trust: 0.5}}\n" for a, b in pairs)

    def rules() -> str:
        effects = "".join(f"    - {{target: {a}->{b}.trust, add: 0.1}}\n" for a, b in pairs)
        bad = "    - {target: X0->P.trust, add: 0.1}\n"
        return "  trusting:\n    when: tension > 0.5\n    effects:\n" + effects + bad

    return tiny_with(actors=actor_list, relations=relations, rules=rules)


def attributes_weighed(count: int) -> Callable[[Path], Path]:
    """`count` more attributes, each weighed by P's objectives, and one weighed that is none."""

    def state() -> str:
        state = tiny_data()["state"]
        state["attributes"].update({f"q{i}": {"default": 0.5} for i in range(count)})
        dumper = yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper
        body = yaml.dump(state, Dumper=dumper, sort_keys=False)
        return "".join(f"  {line}\n" for line in body.splitlines())

    def actors() -> str:
        tiny = yaml.safe_dump({"actors": tiny_data()["actors"]}, sort_keys=False)
        lines = tiny.splitlines()[1:]
        at = lines.index("    objectives:") + 1  # P's, the first actor's
        weights = [f"      self.q{i}: 1" for i in range(count)] + ["      self.nosuch: 1"]
        return "\n".join(lines[:at] + weights + lines[at:]) + "\n"

    return tiny_with(state=state, actors=actors)


COSTLY_CASES: list[Case] = [
    Case(
        "expressions to the limit, one unknown name last",
        tiny_with(rules=formula_rules(EXPRESSION_CHARS // 4000 - 1, "tensoin > 1")),
        ("unknown name 'tensoin'", "Did you mean 'tension'"),
        located=True,
    ),
    Case(
        "expressions past the limit",
        tiny_with(rules=formula_rules(EXPRESSION_CHARS // 4000 + 1, "tension > 1")),
        ("200,000 characters",),
        located=True,
    ),
    Case(
        "unknown names among 15,000 parameters",
        tiny_with(
            parameters=many(
                "  p{i}: {{value: 0.5, assumption: [0, 1]}}", 15_000, last=TINY_PARAMETERS
            ),
            outcomes=many("  o{i}: {{when: tensoin > p{i}}}", 5_000),
        ),
        ("unknown name 'tensoin'", "more than 1,000 problems"),
    ),
    Case(
        "an unknown actor on every node",
        tiny_with(phases=phase_of(lambda: ", ".join(["Q"] * (NODES - 1000)))),
        ("unknown actor 'Q'", "more than 1,000 problems"),
    ),
    Case(
        "a schema error on every node",
        tiny_with(phases=phase_of(lambda: ", ".join(["[1]"] * (NODES // 2 - 1000)))),
        ("valid string", "more than 1,000 problems"),
    ),
    Case(
        "a control character on every node",
        text("x: [" + ", ".join([r'"\e"'] * (NODES - 10)) + "]\n"),
        ("control character", "more than 1,000 problems"),
    ),
    Case(
        "a variant path that names nothing, 30,000 times",
        tiny_with(variants=many("  v{i}: {{set: {{parameters.nope{i}: 1}}}}", 30_000)),
        ("no 'nope", "more than 1,000 problems"),
    ),
    Case(
        "variants past the limit",
        tiny_with(variants=variants(1_000)),
        ("1,000 variants", "more than can be checked in seconds"),
        located=True,
    ),
    Case(
        "variants to the limit, the last one wrong",
        tiny_with(
            variants=variants(140, last="  wrong: {set: {parameters.deterrence_strength: 99}}\n")
        ),
        ("after applying variant 'wrong'", "assumption range"),
    ),
    Case(
        "9,120 relations named in effects, one that does not exist",
        relations_named_in_effects(96),
        ("there is no relation X0 -> P",),
    ),
    Case(
        "an actor weighing 20,000 attributes, one that does not exist",
        attributes_weighed(20_000),
        ("unknown attribute 'nosuch'",),
    ),
]
SCENARIO_CASES += COSTLY_CASES


# --- saved game states (`--from-state`): a real state of the tutorial game, then damaged
STATE = "state.json"
TUTORIAL = Path(__file__).resolve().parents[2] / "scenarios" / "tutorial.yaml"


@functools.cache
def saved_state() -> str:
    """A real saved state: the tutorial game after two turns, as `--save-state` writes it."""
    from wargame.engine.model import WargameModel
    from wargame.scenario.loading import load_scenario

    return json.dumps(WargameModel(load_scenario(TUTORIAL), seed=1, turns=2).run().snapshot())


def state_bytes(content: str | bytes) -> Callable[[Path], Path]:
    return text(content, STATE)


def state_edited(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], Path]:
    """The real state after an in-place edit of its data."""

    def make(folder: Path) -> Path:
        data = json.loads(saved_state())
        edit(data)
        return state_bytes(json.dumps(data))(folder)

    return make


def state_text(old: str, new: str) -> Callable[[Path], Path]:
    """The real state's JSON text with one piece replaced (for what json.dumps cannot write)."""

    def make(folder: Path) -> Path:
        source = saved_state()
        assert old in source, old
        return state_bytes(source.replace(old, new, 1))(folder)

    return make


def _renamed(path: tuple[Any, ...], new: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[new] = node.pop(path[-1])

    return edit


def state_special(kind: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = special(kind)(folder)
        if path.exists() or path.is_symlink():
            path.rename(folder / STATE)
        return folder / STATE

    return make


STATE_CASES: list[Case] = [
    Case("missing path", state_special("missing"), ("no such saved game state file",)),
    Case("directory", state_special("directory"), ("not a file",)),
    Case("fifo", state_special("fifo"), ("not a file",)),
    Case("device", state_special("device"), ("not a file",)),
    Case("empty file", state_bytes(""), ("not valid JSON",), located=True),
    Case("non-UTF-8 bytes", state_bytes(b'{"seed": "caf\xe9"}'), ("not UTF-8",)),
    Case("binary (NUL bytes)", state_bytes(b"\x00" * 4096), ("not valid JSON",), located=True),
    Case("UTF-16", state_bytes('{"seed": 1}'.encode("utf-16")), ("not UTF-8",)),
    Case("truncated JSON", lambda f: state_bytes(saved_state()[:5000])(f), ("not valid JSON",)),
    Case("a scenario file instead", lambda f: state_bytes(TUTORIAL.read_bytes())(f), ("JSON",)),
    Case("deep nesting", state_bytes("[" * 100_000 + "]" * 100_000), ("not a usable",)),
    Case("over the size limit", state_bytes(" " * (9 * MiB) + "{}"), ("8 MiB",)),
    Case("too many containers", state_bytes("[" + "[]," * 300_000 + "[]]"), ("200,000",)),
    Case("8 MiB of numbers", state_bytes("[" + "1.5," * (2 * MiB - 1) + "1]"), ("saved game",)),
    Case("top level is a list", state_bytes("[1, 2]"), ("not a saved game state",)),
    Case("top level is a string", state_bytes('"state"'), ("not a saved game state",)),
    Case("top level is null", state_bytes("null"), ("not a saved game state",)),
    Case("another format", state_bytes('{"format": "wargame-state/9"}'), ("expected format",)),
    Case("NaN", state_text('"escalation": ', '"escalation": NaN, "x": '), ("not finite",)),
    Case("Infinity", state_text('"escalation": ', '"escalation": -Infinity, "x": '), ("finite",)),
    Case("1e400", state_text('"escalation": ', '"escalation": 1e400, "x": '), ("not finite",)),
    Case(
        "a 5,000-digit number",
        state_text('"seed": ', '"seed": ' + "9" * 5000 + ', "x": '),
        ("digits is too long",),
    ),
    Case("duplicate key", state_text('"seed": ', '"seed": 5, "seed": '), ("'seed' appears twice",)),
    Case("misspelled field", state_edited(_renamed(("seed",), "seeed")), ("Did you mean 'seed'",)),
    Case(
        "misspelled nested field",
        state_edited(_renamed(("state", "vars"), "varz")),
        ("Did you mean 'vars'",),
    ),
    Case("a field missing", state_edited(_drop(("rerolls",))), ("missing required field",)),
    Case("wrong type", state_edited(_set(("last_turn",), "soon")), ("last_turn",)),
    Case("negative seed", state_edited(_set(("seed",), -1)), ("seed",)),
    Case("seed over 64 bits", state_edited(_set(("seed",), 2**64)), ("seed",)),
    Case("negative last turn", state_edited(_set(("last_turn",), -3)), ("last_turn",)),
    Case("turn after the last", state_edited(_set(("state", "turn"), 9)), ("after the last",)),
    Case(
        "variable out of bounds",
        state_edited(_set(("state", "vars", "tension"), 7.0)),
        ("outside the bounds",),
    ),
    Case("a variable missing", state_edited(_drop(("state", "vars", "tension"))), ("missing",)),
    Case(
        "unknown variable",
        state_edited(_renamed(("state", "vars", "tension"), "tensoin")),
        ("Did you mean 'tension'",),
    ),
    Case(
        "unknown actor",
        state_edited(_renamed(("state", "attrs", "Red"), "Redd")),
        ("unknown actor 'Redd'",),
    ),
    Case(
        "belief of zero",
        state_edited(_set(("state", "beliefs", "Red", "Blue"), [0, 2])),
        ("beliefs",),
    ),
    Case(
        "belief about nobody",
        state_edited(_renamed(("state", "beliefs", "Red", "Blue"), "Nobody")),
        ("unknown actor 'Nobody'",),
    ),
    Case("negative count", state_edited(_set(("state", "counts", "red_test"), -4)), ("counts",)),
    Case(
        "count of an unknown action",
        state_edited(_set(("state", "counts", "launch_all"), 1)),
        ("unknown action 'launch_all'",),
    ),
    Case(
        "a pending effect on nothing",
        state_edited(_set(("state", "pending"), [[3, ["v", "nothing"], "add", 1.0, "x"]])),
        ("not a term",),
    ),
    Case(
        "a pending effect with code",
        state_edited(_set(("state", "pending"), [[3, ["v", "tension"], "__import__", 1.0, "x"]])),
        ("pending",),
    ),
    Case(
        "an unknown sampled input",
        state_edited(_set(("inputs",), {"parameters.nope": 1.0})),
        ("unknown uncertain number 'parameters.nope'",),
    ),
    Case("records not a list", state_edited(_set(("records",), "gone")), ("records",)),
    Case(
        "another scenario's state",
        state_edited(_set(("scenario",), "korea")),
        ("different content",),
    ),
]


# --- batch manifests (`batch --resume`): a finished batch of the tutorial, then damaged
BATCH = "b"
MANIFEST = "manifest.json"
BATCH_ARGS = ("--runs", "4", "--seed", "1", "--out", BATCH)


@functools.cache
def finished_batch() -> Path:
    """A finished 4-run batch of the tutorial (made once; copied for each case)."""
    import tempfile

    from wargame.batch import runner as batch

    folder = Path(tempfile.mkdtemp(prefix="wargame-hostile-")) / BATCH
    batch.run(TUTORIAL, variants=["base"], runs=4, seed=1, out=folder)
    return folder


def manifest(change: Callable[[str], str | bytes] | str | bytes) -> Callable[[Path], Path]:
    """The finished batch copied into the folder, its manifest text changed (or replaced)."""

    def make(folder: Path) -> Path:
        shutil.copytree(finished_batch(), folder / BATCH)
        path = folder / BATCH / MANIFEST
        new = change(path.read_text()) if callable(change) else change
        path.write_bytes(new.encode() if isinstance(new, str) else new)
        return path

    return make


def manifest_edited(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], Path]:
    def change(source: str) -> str:
        data = json.loads(source)
        edit(data)
        return json.dumps(data)

    return manifest(change)


def manifest_special(kind: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        shutil.copytree(finished_batch(), folder / BATCH)
        path = folder / BATCH / MANIFEST
        path.unlink()
        special(kind)(folder).rename(path)
        return path

    return make


MANIFEST_CASES: list[Case] = [
    Case("a directory", manifest_special("directory"), ("not a file",)),
    Case("a fifo", manifest_special("fifo"), ("not a file",)),
    Case("empty file", manifest(""), ("not valid JSON",), located=True),
    Case("truncated", manifest(lambda t: t[: len(t) // 2]), ("not valid JSON",), located=True),
    Case("binary", manifest(bytes(range(256)) * 8), ("not UTF-8",)),
    Case("top level is a list", manifest("[]"), ("a valid dictionary",)),
    Case("over the size limit", manifest(" " * (9 * MiB)), ("8 MiB",)),
    Case("deep nesting", manifest("[" * 50_000 + "]" * 50_000), ("not a usable",)),
    Case("NaN", manifest(lambda t: t.replace('"runs": 4', '"runs": NaN')), ("not finite",)),
    Case(
        "duplicate key",
        manifest(lambda t: t.replace('"runs": 4', '"runs": 4, "runs": 5')),
        ("'runs' appears twice",),
    ),
    Case("another format", manifest_edited(_set(("format",), "wargame-batch/0")), ("format",)),
    Case(
        "misspelled field", manifest_edited(_renamed(("runs",), "runz")), ("Did you mean 'runs'",)
    ),
    Case("unknown field", manifest_edited(_set(("owner",), "me")), ("unknown field 'owner'",)),
    Case("negative runs", manifest_edited(_set(("runs",), -4)), ("runs",)),
    Case("unknown sample", manifest_edited(_set(("sample",), "sobol")), ("sample",)),
    Case("another batch", manifest_edited(_set(("seed",), 2)), ("different batch", "seed")),
]


# --- outputs (`run --json`, `run --save-state`, and `batch --out` where it names a file): what
# is already at the path named. Outputs are written to a temp file renamed over the target.
@dataclass(frozen=True)
class Occupant:
    """What is at an output's path before the command: `make(folder, name)` puts it there.

    `says` is what a refusal must say, or () if a write there goes through: to a new file, or
    over an existing regular one (`exists`) only with --force.
    """

    id: str
    make: Callable[[Path, str], None]
    says: tuple[str, ...] = ()
    exists: bool = False


def _regular(folder: Path, name: str) -> None:
    (folder / name).write_text("old")
    (folder / name).chmod(0o640)


def _linked(to: Callable[[Path, str], None] | str) -> Callable[[Path, str], None]:
    """A symbolic link at name to another thing made beside it (or to a fixed path)."""

    def make(folder: Path, name: str) -> None:
        if isinstance(to, str):
            (folder / name).symlink_to(to)
            return
        to(folder, f"real-{name}")
        (folder / name).symlink_to(f"real-{name}")

    return make


def _loop(folder: Path, name: str) -> None:
    (folder / f"loop-{name}").symlink_to(name)
    (folder / name).symlink_to(f"loop-{name}")


def _socket(folder: Path, name: str) -> None:
    import socket

    here = os.getcwd()
    os.chdir(folder)  # a socket's path is limited to 108 bytes: bind a short relative one
    try:
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(name)
    finally:
        os.chdir(here)


OCCUPANTS: list[Occupant] = [
    Occupant("nothing", lambda folder, name: None),
    Occupant("a regular file", _regular, exists=True),
    Occupant("a symlink to a regular file", _linked(_regular), exists=True),
    Occupant("a directory", lambda folder, name: (folder / name).mkdir(), ("is a directory",)),
    Occupant(
        "a symlink to a directory",
        _linked(lambda folder, name: (folder / name).mkdir()),
        ("a symbolic link to", "is a directory"),
    ),
    Occupant("a dangling symlink", _linked("gone/nothing.json"), ("which does not exist",)),
    Occupant("a symlink loop", _loop, ("cannot be followed",)),
    Occupant("a FIFO", lambda folder, name: os.mkfifo(folder / name), ("is a FIFO",)),
    Occupant(
        "a symlink to a FIFO",
        _linked(lambda folder, name: os.mkfifo(folder / name)),
        ("a symbolic link to", "is a FIFO"),
    ),
    Occupant("a socket", _socket, ("is a socket",)),
    Occupant("a symlink to /dev/null", _linked("/dev/null"), ("is a character device",)),
]
"""Never a real device itself: run as root, a test that went wrong would replace it."""


def main() -> None:
    """Play every case under the limits of harness.py; print how each ended, as a table."""
    import tempfile

    from harness import run_limited

    state = ("run", str(TUTORIAL), "--from-state", STATE)
    resume = ("batch", str(TUTORIAL), *BATCH_ARGS, "--resume")
    surfaces = [
        ("scenario file (validate)", SCENARIO_CASES, ("validate", NAME)),
        ("saved state (run --from-state)", STATE_CASES, state),
        ("batch manifest (batch --resume)", MANIFEST_CASES, resume),
        ("session file (play --resume)", SESSION_CASES, ("play", "--resume", SESSION)),
        ("session file (replay)", SESSION_CASES, ("replay", SESSION)),
    ]
    print("| surface | case | exit | message (first problem) |\n| --- | --- | --- | --- |")
    for surface, cases, args in surfaces:
        codes: dict[int, int] = {}
        for case in cases:
            with tempfile.TemporaryDirectory() as folder:
                case.make(Path(folder))
                ended = run_limited(*args, cwd=Path(folder))
            codes[ended.code] = codes.get(ended.code, 0) + 1
            print(f"| {surface} | {case.id} | {ended.code} | {_first(ended.stderr)} |")
        print(f"| {surface} | **{len(cases)} cases** | {codes} | |", file=sys.stderr)
    outputs = [
        (option, ("run", str(TUTORIAL), "--summary", option, name))
        for option, name in (("--json", "records.json"), ("--save-state", "state.json"))
    ]
    outputs.append(("batch --out", ("batch", str(TUTORIAL), "--runs", "2", "--out", "b")))
    for option, args in outputs:
        for occupant in OCCUPANTS:
            if option == "batch --out" and ("directory" in occupant.id or occupant.id == "nothing"):
                continue  # a batch folder: the batch's own tests
            for force in ((), ("--force",)):
                with tempfile.TemporaryDirectory() as folder:
                    occupant.make(Path(folder), args[-1])
                    ended = run_limited(*args, *force, cwd=Path(folder))
                case = f"{occupant.id}{' --force' if force else ''}"
                print(f"| output {option} | {case} | {ended.code} | {_first(ended.stderr)} |")


def _first(stderr: str) -> str:
    lines = [line.strip() for line in stderr.strip().splitlines()] or [""]
    first = lines[1] if len(lines) > 1 and lines[0].endswith(":") else lines[0]
    return first[:150].replace("|", "/")


# --- session files (`play --resume`, `replay`): a real seminar of the tutorial, then damaged
SESSION = "session.json"


@functools.cache
def saved_session() -> str:
    """A real session file: the tutorial with Blue played by a person, two turns, a forced
    die, as `wargame play --session` writes it (the scenario named by its absolute path)."""
    from wargame.scenario.loading import load_scenario
    from wargame.seminar.session import Session
    from wargame.seminar.sessionfile import SessionWriter

    session = Session.start(load_scenario(TUTORIAL), seed=1, controllers={"Blue": "human"})
    session.force("t1:Red:red_test#1", "failure", "the room wants a dud")
    for moves in (["blue_statement"], ["blue_covert_sabotage"]):
        session.begin_turn()
        session.advance()
        session.advance()
        session.advance()
        session.decide({"Blue": moves})
        session.advance()
        session.advance()
        session.end_turn()
    text = SessionWriter(Path(SESSION), TUTORIAL, TUTORIAL.read_text()).text(session)
    # written here, the file would name the scenario from this folder; it is read elsewhere
    relative = json.dumps(os.path.relpath(TUTORIAL))
    assert f'"path": {relative}' in text
    return text.replace(f'"path": {relative}', f'"path": {json.dumps(str(TUTORIAL))}', 1)


def session_bytes(content: str | bytes) -> Callable[[Path], Path]:
    return text(content, SESSION)


def session_edited(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], Path]:
    """The real session after an in-place edit of its data."""

    def make(folder: Path) -> Path:
        data = json.loads(saved_session())
        edit(data)
        return session_bytes(json.dumps(data, indent=1))(folder)

    return make


def session_text(old: str, new: str) -> Callable[[Path], Path]:
    """The real session's JSON text with one piece replaced (for what json.dumps cannot write)."""

    def make(folder: Path) -> Path:
        source = saved_session()
        assert old in source, old
        return session_bytes(source.replace(old, new, 1))(folder)

    return make


def session_special(kind: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = special(kind)(folder)
        if path.exists() or path.is_symlink():
            path.rename(folder / SESSION)
        return folder / SESSION

    return make


def _journal(index: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["journal"][index].update(fields)

    return edit


def _scenario_elsewhere(where: str) -> Callable[[Path], Path]:
    """The session naming a scenario path that is not a usable scenario file."""

    def make(folder: Path) -> Path:
        if where == "directory":
            (folder / "scenario.yaml").mkdir()
        data = json.loads(saved_session())
        data["scenario"]["path"] = str(folder / "scenario.yaml")
        return session_bytes(json.dumps(data))(folder)

    return make


def _changed_scenario(folder: Path) -> Path:
    """The scenario at the session's path has changed since (one number)."""
    changed = folder / "tutorial.yaml"
    source = TUTORIAL.read_text()
    assert "turns: 6" in source
    changed.write_text(source.replace("turns: 6", "turns: 7", 1))
    data = json.loads(saved_session())
    data["scenario"]["path"] = str(changed)
    return session_bytes(json.dumps(data))(folder)


def _move(data: dict[str, Any], moves: list[str], actor: str = "Blue") -> None:
    """The first human move of the journal changed."""
    entry = next(e for e in data["journal"] if e["kind"] == "decide" and e.get("moves"))
    entry["moves"] = {actor: moves}


def _misspell_moves(data: dict[str, Any]) -> None:
    entry = next(e for e in data["journal"] if e["kind"] == "decide" and e.get("moves"))
    entry["movs"] = entry.pop("moves")


def _record_field(data: dict[str, Any]) -> None:
    data["records"][0]["trun"] = data["records"][0].pop("turn")


SESSION_CASES: list[Case] = [
    Case("missing path", session_special("missing"), ("no such session file",)),
    Case("directory", session_special("directory"), ("not a file",)),
    Case("fifo", session_special("fifo"), ("not a file",)),
    Case("device", session_special("device"), ("not a file",)),
    Case("empty file", session_bytes(""), ("not valid JSON",), located=True),
    Case("non-UTF-8 bytes", session_bytes(b'{"seed": "caf\xe9"}'), ("not UTF-8",)),
    Case("binary (NUL bytes)", session_bytes(b"\x00" * 4096), ("not valid JSON",), located=True),
    Case("truncated JSON", lambda f: session_bytes(saved_session()[:3000])(f), ("not valid JSON",)),
    Case("a scenario file instead", lambda f: session_bytes(TUTORIAL.read_bytes())(f), ("JSON",)),
    Case("a saved state instead", lambda f: session_bytes(saved_state())(f), ("not a session",)),
    Case("deep nesting", session_bytes("[" * 100_000 + "]" * 100_000), ("not a usable",)),
    Case("over the size limit", session_bytes(" " * (9 * MiB) + "{}"), ("8 MiB",)),
    Case("too many containers", session_bytes("[" + "[]," * 300_000 + "[]]"), ("200,000",)),
    Case("top level is a list", session_bytes("[1, 2]"), ("not a session file",)),
    Case("top level is null", session_bytes("null"), ("not a session file",)),
    Case("another format", session_bytes('{"format": "wargame-session/9"}'), ("expected format",)),
    Case("NaN", session_text('"seed": 1', '"seed": NaN'), ("not finite",)),
    Case(
        "duplicate key", session_text('"seed": ', '"seed": 5, "seed": '), ("'seed' appears twice",)
    ),
    Case(
        "misspelled field", session_edited(_renamed(("seed",), "seeed")), ("Did you mean 'seed'",)
    ),
    Case("a field missing", session_edited(_drop(("journal",))), ("missing required field",)),
    Case("wrong type", session_edited(_set(("turns",), "soon")), ("turns",)),
    Case("negative seed", session_edited(_set(("seed",), -1)), ("seed",)),
    Case("seed over 64 bits", session_edited(_set(("seed",), 2**64)), ("seed",)),
    Case(
        "misspelled journal field",
        session_edited(_misspell_moves),
        ("Did you mean 'moves'",),
    ),
    Case("unknown journal kind", session_edited(_journal(0, kind="explode")), ("kind",)),
    Case(
        "a move the team cannot take",
        session_edited(lambda d: _move(d, ["blue_statement", "blue_nuke"])),
        ("journal entry", "blue_nuke", "does not fit"),
    ),
    Case(
        "moves for a team no person plays",
        session_edited(lambda d: _move(d, ["blue_statement"], actor="Red")),
        ("journal entry", "'Red' is not a human team"),
    ),
    Case(
        "a forced key that names nothing",
        session_edited(_journal(0, key="t1:Red:launch_all#1")),
        ("journal entry 1", "launch_all"),
    ),
    Case(
        "entries out of order",
        session_edited(lambda d: d["journal"].insert(0, dict(d["journal"][2]))),
        ("journal entry 1", "does not fit"),
    ),
    Case(
        "a journal of 20,001 entries",
        session_edited(lambda d: d.update(journal=[d["journal"][1]] * 20_001)),
        ("journal", "20000"),
    ),
    Case(
        "an unknown team",
        session_edited(_set(("controllers",), {"Purple": "human"})),
        ("unknown actor 'Purple'",),
    ),
    Case(
        "an unknown controller",
        session_edited(_set(("controllers",), {"Blue": "robot"})),
        ("Blue cannot be played by 'robot'",),
    ),
    Case("a record misspelled", session_edited(_record_field), ("Did you mean 'turn'",)),
    Case(
        "a negative moves position",
        session_edited(_set(("moves",), {"path": "m.yaml", "sha256": "x", "next": -1})),
        ("moves.next",),
    ),
    Case(
        "scenario text over 2 MiB",
        session_edited(lambda d: d["scenario"].update(text="x" * (2 * MiB + 1))),
        ("scenario.text",),
    ),
    Case("its scenario missing", _scenario_elsewhere("missing"), ("scenario.yaml",)),
    Case("its scenario a directory", _scenario_elsewhere("directory"), ("directory",)),
    Case(
        "its scenario changed since",
        _changed_scenario,
        ("has changed since", "turns: 6", "--scenario-from-session"),
    ),
]


if __name__ == "__main__":
    main()
