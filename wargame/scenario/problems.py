"""Pydantic's validation errors in plain words: one problem per place in the document, with
its line and column, what is wrong and how to fix it ('did you mean' for unknown fields).

Used for scenarios here and, with another `root` model, for saved states and manifests.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from wargame.errors import Problem, suggest
from wargame.scenario.schema import ID_PATTERN, ScenarioSpec
from wargame.scenario.yamlsafe import MAX_PROBLEMS, DataPath, Located, capped, shown

_SUGGESTION = re.compile(r"[;.]? [Dd]id you mean '[^']*'\?$")


def split_hint(message: str, hint: str) -> tuple[str, str]:
    """Move a trailing "Did you mean 'x'?" from a compile message into the hint."""
    found = _SUGGESTION.search(message)
    if found is None or hint:
        return message, hint
    suggestion = found.group(0).lstrip(";. ")
    return message[: found.start()], suggestion[0].upper() + suggestion[1:]


_TYPE_WORDS = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "literal_error": "one of the allowed words",
}


def schema_problems(
    located: Located, data: Any, error: ValidationError, *, root: type[BaseModel] = ScenarioSpec
) -> list[Problem]:
    """Turn pydantic's errors into one clear problem per place in the document."""
    by_place: dict[DataPath, list[Any]] = {}
    for err in _errors(error, data):
        place = _data_path(data, err["loc"])
        if place not in by_place and len(by_place) > MAX_PROBLEMS:
            break  # (one place more than are listed: capped() says so)
        by_place.setdefault(place, []).append(err)
    problems: list[Problem] = []
    for place, errs in by_place.items():
        extra = [e for e in errs if e["type"] in _UNKNOWN_FIELD]
        missing = [e for e in errs if e["type"] == "missing"]
        if extra:
            name = str(extra[0]["loc"][-1])
            fields = _fields_at(extra[0]["loc"][:-1], root)
            hint = suggest(name, fields).strip() or f"allowed fields: {', '.join(sorted(fields))}"
            spot = place if place[-1:] == (name,) else (*place, name)  # inside a Quantity
            problems.append(located.problem(spot, f"unknown field '{name}'", hint))
        elif missing:
            name = str(missing[0]["loc"][-1])
            problems.append(
                located.problem(place, f"missing required field '{name}'", f"add '{name}:'")
            )
        elif errs[0]["type"] == "value_kind":  # schema.Number and Value: none of their kinds
            got = type(errs[0]["input"]).__name__
            message = f"{errs[0]['msg']}, got {got}"
            problems.append(
                located.problem(
                    place, message, "a number, a {value:, source:} mapping or an expression"
                )
            )
        elif _QUANTITY in errs[0]["loc"][:-1] and errs[0]["type"] in _TYPE_WORDS:
            err, field = errs[0], str(errs[0]["loc"][-1])
            got = shown(repr(err["input"]))
            message = f"'{field}' must be {_TYPE_WORDS[err['type']]}, got {got}"
            problems.append(located.problem(place, message))
        elif len(errs) > 1 and all(e["type"] in _TYPE_WORDS for e in errs):
            # A {value: ...} mapping was given: the problem is inside it, not its being a mapping.
            given_mapping = any(isinstance(e["input"], dict) for e in errs)
            inside = [
                e
                for e in errs
                if given_mapping
                and isinstance(e["loc"][-1], str)
                and not isinstance(e["input"], dict)
            ]
            if inside:
                err, field = inside[0], str(inside[0]["loc"][-1])
                got = shown(repr(err["input"]))
                message = f"'{field}' must be {_TYPE_WORDS[err['type']]}, got {got}"
                problems.append(located.problem((*place, field), message))
                continue
            wanted = sorted({_TYPE_WORDS[e["type"]] for e in errs})
            got = type(errs[0]["input"]).__name__
            problems.append(
                located.problem(
                    place,
                    f"expected {' or '.join(wanted)}, got {got}",
                    "a number, a {value:, source:} mapping or an expression",
                )
            )
        else:
            err = min(errs, key=lambda e: e["type"] in _TYPE_WORDS)
            message = err["msg"].removeprefix("Value error, ")
            problems.append(located.problem(place, message, _hint(err)))
    return capped(_misspelled_not_missing(problems), located.file)


_LISTED_AS_GIVEN = 10 * MAX_PROBLEMS
"""Errors taken from pydantic as it gives them; past this many they are read one by one."""


def _errors(error: ValidationError, data: Any) -> Iterator[Any]:
    """Pydantic's errors in order. A hostile document can have one or more on every node, and
    pydantic's list of them takes about 800 bytes an error (160 MB for 200,000): past
    _LISTED_AS_GIVEN they are decoded one at a time from its JSON text (about 110 bytes an
    error, without the inputs), each input found in the document by its location."""
    if error.error_count() <= _LISTED_AS_GIVEN:
        yield from error.errors(include_url=False)
        return
    text = error.json(include_url=False, include_input=False)
    decoder = json.JSONDecoder()
    at = text.index("[") + 1
    while True:
        while text[at] in " \t\r\n,":
            at += 1
        if text[at] == "]":
            return
        err, at = decoder.raw_decode(text, at)
        err["loc"] = tuple(err["loc"])
        err["input"] = _input_at(data, err["loc"])
        yield err


def _input_at(data: Any, loc: tuple[Any, ...]) -> Any:
    """The value a pydantic location points at, skipping the parts that are type tags."""
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
    return node


def _misspelled_not_missing(problems: list[Problem]) -> list[Problem]:
    """Drop "missing required field 'seed'" where an unknown 'seeed' beside it is the cause."""
    meant = {
        (p.where.rpartition(".")[0], p.hint.removeprefix("Did you mean '").removesuffix("'?"))
        for p in problems
        if p.message.startswith("unknown field") and p.hint.startswith("Did you mean")
    }
    return [
        p
        for p in problems
        if not (
            p.message.startswith("missing required field")
            and (p.where, p.message.split("'")[1]) in meant
        )
    ]


def _hint(err: Any) -> str:
    ctx = err.get("ctx") or {}
    if err["type"] == "literal_error":
        return f"use {ctx.get('expected', 'an allowed value')}"
    if err["type"] == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if "agent|human" in pattern:  # schema.Controller
            return "use agent, human or script:DOCTRINE (a doctrine id under doctrines:)"
        if "day|week|month" in pattern:  # Meta.turn_length
            return "write a count and a unit, e.g. '1 month', '2 weeks' or '10 days'"
        if pattern == ID_PATTERN:
            return "names start with a letter or '_' and use letters, digits and '_' only"
    if err["type"] in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "change the number to lie in the allowed range"
    return ""


_QUANTITY = "Quantity"
_TAGS = ("number", _QUANTITY, "expression")
"""The tags of schema.Number's and Value's members, as pydantic puts them in locations."""


def _data_path(data: Any, loc: tuple[Any, ...]) -> DataPath:
    """The part of a pydantic location that names places in the document (not type tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif part in _TAGS:
            continue
        else:
            break
        path.append(part)
    return tuple(path)


_UNKNOWN_FIELD = ("extra_forbidden", "unexpected_keyword_argument")
"""An unknown field, in a pydantic model and in a (pydantic-checked) dataclass."""


def _fields_at(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """Field names of the schema model at a pydantic location (for 'did you mean')."""
    tp: Any = root
    for part in loc:
        inner = _descend(tp, part)
        if inner is None and isinstance(part, str):
            # a union member's tag, e.g. 'function-after[_range_holds_value(), Quantity]'
            named = [
                m
                for m in _members(tp)
                if isinstance(m, type) and re.search(rf"\b{m.__name__}\b", part)
            ]
            inner = named[0] if named else None
        if inner is None:
            return []
        tp = inner
    names: list[str] = []
    for member in _members(tp):
        fields = _model_fields(member)
        if fields:
            names += [info.alias or name for name, info in fields.items()]
        elif dataclasses.is_dataclass(member):
            names += [f.name for f in dataclasses.fields(member)]
    return names


def _model_fields(member: Any) -> dict[str, Any]:
    """A pydantic model's fields by name; {} for anything else."""
    if isinstance(member, type) and issubclass(member, BaseModel):
        model: type[BaseModel] = member
        return dict(model.model_fields)
    return {}


def _members(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]


def _descend(tp: Any, part: Any) -> Any:
    for member in _members(tp):
        for name, info in _model_fields(member).items():
            if part in (name, info.alias):
                return info.annotation
        if isinstance(member, type) and dataclasses.is_dataclass(member):
            hints = typing.get_type_hints(member)
            if part in hints:
                return hints[part]
        origin = typing.get_origin(member)
        if origin is dict:
            return typing.get_args(member)[1]
        if origin is list:
            return typing.get_args(member)[0]
    return None
