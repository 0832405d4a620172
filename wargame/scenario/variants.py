"""Variants and --set: a variant's `set:`, controllers and menus, and PATH=VALUE overrides,
applied to the document's data before it is validated again.
"""

from __future__ import annotations

import math
import typing
from typing import Any

import yaml

from wargame.errors import InputError, Problem, suggest
from wargame.scenario.schema import ScenarioSpec
from wargame.scenario.yamlsafe import DataPath, Located


def spec_set_paths(located: Located, variant: str | None) -> list[str]:
    """The paths a variant's `set:` gives values to."""
    if variant is None:
        return []
    return list(located.data.get("variants", {}).get(variant, {}).get("set", {}) or {})


def apply_variant(located: Located, spec: ScenarioSpec, data: Any, name: str) -> set[str]:
    if name not in spec.variants:
        known = ", ".join(spec.variants) or "none"
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"unknown variant '{name}'",
                    suggest(name, spec.variants).strip() or f"variants: {known}",
                )
            ]
        )
    variant = spec.variants[name]
    for path, value in variant.set.items():
        _set_path(located, data, path, value, ("variants", name, "set", path))
    for actor, controller in variant.controllers.items():
        data["actors"][actor]["controller"] = controller
    disabled: set[str] = set()
    for actor, menu in variant.menus.items():
        own = {a for a, act in spec.actions.items() if act.actor == actor and not act.ballot}
        if menu.only is not None:
            disabled |= own - set(menu.only)
        disabled |= set(menu.remove)
    return disabled


def apply_override(located: Located, data: Any, text: str) -> None:
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"--set '{text}' is not PATH=VALUE",
                    "for example --set parameters.deterrence_strength=1.5",
                )
            ]
        )
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    if isinstance(value, (dict, list)) or value is None:
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"--set {path}: the value must be a number, text or true/false",
                )
            ]
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"--set {path}: numbers must be finite, got {raw.strip()}",
                    "use an ordinary number",
                )
            ]
        )
    _set_path(located, data, path.strip(), value, None)


def _set_path(
    located: Located, data: Any, dotted: str, value: Any, origin: DataPath | None
) -> None:
    """Set a value by dotted path; a Quantity or parameter mapping gets its `value` replaced."""
    node, key = locate(located, data, dotted, origin)
    target = node[key]
    if isinstance(target, dict) and "value" in target and not isinstance(value, dict):
        target["value"] = value
    else:
        node[key] = value


def locate(
    located: Located, data: Any, dotted: str, origin: DataPath | None
) -> tuple[Any, str | int]:
    """The container and key a dotted path names (a key may itself hold dots); or an error."""
    parts = dotted.split(".")
    node = data
    i = 0
    while True:
        if isinstance(node, list):
            if not (parts[i].isdecimal() and parts[i].isascii()) or int(parts[i]) >= len(node):
                _bad_path(located, dotted, parts[i], [str(n) for n in range(len(node))], origin)
            key: str | int = int(parts[i])
            step = 1
        elif isinstance(node, dict):
            step = next(
                (n for n in range(len(parts) - i, 0, -1) if ".".join(parts[i : i + n]) in node), 0
            )
            if step == 0:
                _bad_path(located, dotted, parts[i], list(node), origin)
            key = ".".join(parts[i : i + step])
        else:
            _bad_path(located, dotted, parts[i], [], origin)
        if i + step == len(parts):
            return node, key
        node = node[key]
        i += step


def _bad_path(
    located: Located, dotted: str, part: str, known: list[str], origin: DataPath | None
) -> typing.NoReturn:
    hint = suggest(part, known).strip() or (
        f"choose from: {', '.join(known[:12])}" if known else ""
    )
    message = f"no '{part}' in path '{dotted}'"
    if origin is None:
        raise InputError([Problem(located.file, None, None, f"--set {message}", hint)])
    raise InputError([located.problem(origin, message, hint)])
