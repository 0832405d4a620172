"""Variants and --set: a variant's `set:`, controllers and menus, and PATH=VALUE overrides,
applied to the document's data before it is validated again.
"""

from __future__ import annotations

import typing
from typing import Any

from wargame.errors import InputError, Problem, suggest
from wargame.scenario.schema import ScenarioSpec
from wargame.scenario.yamlsafe import DataPath, Located, load_option_value, shown


def spec_set_paths(located: Located, variant: str | None) -> list[str]:
    """The paths a variant's `set:` gives values to."""
    if variant is None:
        return []
    return list(located.data.get("variants", {}).get(variant, {}).get("set", {}) or {})


def apply_variant(located: Located, spec: ScenarioSpec, draft: Draft, name: str) -> set[str]:
    if name not in spec.variants:
        known = ", ".join(spec.variants) or "none"
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"unknown variant '{shown(name)}'",
                    suggest(name, spec.variants).strip() or f"variants: {shown(known)}",
                )
            ]
        )
    variant = spec.variants[name]
    for path, value in variant.set.items():
        _set_path(located, draft, path, value, ("variants", name, "set", path))
    for actor, controller in variant.controllers.items():
        draft.put(("actors", actor, "controller"), controller)
    written = located.data["variants"][name].get("schedule") or {}
    for actor in variant.schedule:
        draft.put(("actors", actor, "schedule"), written[actor])
    disabled: set[str] = set()
    for actor, menu in variant.menus.items():
        own = {a for a, act in spec.actions.items() if act.actor == actor and not act.ballot}
        if menu.only is not None:
            disabled |= own - set(menu.only)
        disabled |= set(menu.remove)
    return disabled


def apply_override(located: Located, draft: Draft, text: str) -> None:
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"--set '{shown(text)}' is not PATH=VALUE",
                    "for example --set parameters.deterrence_strength=1.5",
                )
            ]
        )
    path = path.strip()
    value, problem = load_option_value(raw)
    if problem is None and (isinstance(value, (dict, list)) or value is None):
        problem = "the value must be a number, text or true/false"
    if problem is not None:
        hint = "use an ordinary number, true/false, or text (a formula where one is allowed)"
        message = f"--set {shown(path)}: {problem}"
        raise InputError([Problem(located.file, None, None, message, hint)])
    _set_path(located, draft, path, value, None)


class Draft:
    """The document's data with changes written copy-on-write.

    A variant or --set changes a few values; copying the whole document for that cost as much
    as checking it, once per variant. Here only the mappings and lists on a changed path are
    copied (shallowly), so the loaded document is never changed and stays shared.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = dict(data)
        self._copies: list[Any] = [self.data]  # kept alive: their ids mark them as copies
        self._copied = {id(self.data)}

    def put(self, path: DataPath, value: Any) -> None:
        """Set the value at path (every part but the last must exist)."""
        node: Any = self.data
        for key in path[:-1]:
            child = node[key]
            if id(child) not in self._copied:
                child = dict(child) if isinstance(child, dict) else list(child)
                self._copies.append(child)
                self._copied.add(id(child))
                node[key] = child
            node = child
        node[path[-1]] = value


def _set_path(
    located: Located, draft: Draft, dotted: str, value: Any, origin: DataPath | None
) -> None:
    """Set a value by dotted path; a Quantity or parameter mapping gets its `value` replaced."""
    path = steps(located, draft.data, dotted, origin)
    target: Any = draft.data
    for key in path:
        target = target[key]
    if isinstance(target, dict) and "value" in target and not isinstance(value, dict):
        draft.put((*path, "value"), value)
    else:
        draft.put(path, value)


KEY_PARTS = 4
"""Parts of a dotted path one key may span: keys hold a dot only as objective terms
('self.capability', 'JP->US.trust'), so longer matches need not be tried."""


def locate(
    located: Located, data: Any, dotted: str, origin: DataPath | None
) -> tuple[Any, str | int]:
    """The container and key a dotted path names (a key may itself hold dots); or an error."""
    path = steps(located, data, dotted, origin)
    node = data
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


def steps(located: Located, data: Any, dotted: str, origin: DataPath | None) -> DataPath:
    """The keys and list positions a dotted path names from the top (a key may hold dots).

    Work is linear in the path's length, however long: a key is matched whole over at most
    KEY_PARTS parts, and a list position is a short number.
    """
    parts = dotted.split(".")
    node = data
    found: list[str | int] = []
    i = 0
    while True:
        key: str | int
        if isinstance(node, list):
            part = parts[i]
            if not (part.isdecimal() and part.isascii() and len(part) <= 9) or int(part) >= len(
                node
            ):
                _bad_path(located, dotted, part, [str(n) for n in range(len(node))], origin)
            key = int(part)
            step = 1
        elif isinstance(node, dict):
            longest = min(len(parts) - i, KEY_PARTS)
            step = next((n for n in range(longest, 0, -1) if ".".join(parts[i : i + n]) in node), 0)
            if step == 0:
                _bad_path(located, dotted, parts[i], list(node), origin)
            key = ".".join(parts[i : i + step])
        else:
            _bad_path(located, dotted, parts[i], [], origin)
        if not found and key == "variants":
            message = f"'{shown(dotted)}': a variant's set: or --set cannot change variants"
            hint = "write the value in the variant itself"
            if origin is None:
                raise InputError([Problem(located.file, None, None, f"--set {message}", hint)])
            raise InputError([located.problem(origin, message, hint)])
        found.append(key)
        if i + step == len(parts):
            return tuple(found)
        node = node[key]
        i += step


def _bad_path(
    located: Located, dotted: str, part: str, known: list[str], origin: DataPath | None
) -> typing.NoReturn:
    hint = suggest(part, known).strip() or (
        f"choose from: {shown(', '.join(known[:12]))}" if known else ""
    )
    message = f"no '{shown(part)}' in path '{shown(dotted)}'"
    if origin is None:
        raise InputError([Problem(located.file, None, None, f"--set {message}", hint)])
    raise InputError([located.problem(origin, message, hint)])
