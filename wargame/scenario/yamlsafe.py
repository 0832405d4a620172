"""Hostile-input-proof YAML loading that remembers where every value came from.

Scenario files travel by e-mail, so any text may arrive. It is parsed into events by the
SafeLoader's parser (libyaml's when available: linear time even on hostile input) and
`_Composer` builds plain data from those events itself, without recursion. That is where
nesting depth, node counts after alias expansion, tags, duplicate keys, non-finite numbers and
control characters written as escapes are checked and where each value's line and column is
recorded. No tag ever constructs an object.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import math
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml

from wargame.errors import InputError, Problem, suggest

MAX_BYTES = 2 * 1024 * 1024  # documented size limit for scenario/state files
MAX_DEPTH = 64  # nesting depth limit
MAX_NODES = 200_000  # total nodes after alias expansion (alias-bomb guard)
_MAX_NUMBER_CHARS = 1000  # longer "numbers" (e.g. 1:2:3:... base-60) take quadratic time
# Anchor names compared for "did you mean" hints per file: each bad alias compares its name
# with every anchor, so thousands of bad aliases would take quadratic time without a budget.
_SUGGESTION_BUDGET = 50_000

# libyaml's parser when present: PyYAML's pure-Python one needs ~15 s for a hostile 2 MiB file.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"
_NULL, _MERGE = _CORE + "null", _CORE + "merge"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_NUMBER_TAGS = {_CORE + "int", _CORE + "float"}
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# In a scalar's value (after escapes such as "\e" or "\x1b" are decoded): control characters
# other than tab and newline, and line separators. Messages quote keys and values, and these
# would break their one line or drive the terminal that shows them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # escaped when a message quotes text
_SYNTAX_HINTS = (  # (fragment of the parser's message, hint); the first match wins
    ("'\\t'", "Indent with spaces: YAML does not allow tab characters."),
    ("mapping values are not allowed", "Put text that contains ': ' in quotes."),
    ("could not find expected ':'", "Write each entry as `name: value`; indent continued lines."),
    ("end of stream", "Close the quote or bracket opened here."),
    ("did not find expected ',' or", "Close the bracket, or separate its items with ','."),
    ("cannot start any token", "Put the value in quotes: YAML reserves its first character."),
    ("maximum nesting depth", f"Flatten the structure: at most {MAX_DEPTH} levels are allowed."),
)
_SYNTAX_HINT = (
    "Check the indentation (spaces only, the same amount for entries at the same level) and "
    "quote text that contains ': ' or ' #' or starts with one of * & ! | > % @ ` [ {."
)
_TAG_HINT = "Remove the tag: write plain text, numbers, true/false, dates, lists and mappings."

MAX_PROBLEMS = 1000
"""Problems listed per file. A hostile file can have one on each of its 200,000 nodes; finding,
wording and printing them all would cost far more than checking the file, and help no one."""


class TooManyProblems(Exception):
    """A ProblemList is full: stop looking for more."""


class ProblemList(list[Problem]):
    """Problems of one file, at most MAX_PROBLEMS: adding one more raises TooManyProblems."""

    def append(self, problem: Problem) -> None:
        if len(self) >= MAX_PROBLEMS:
            raise TooManyProblems
        super().append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)


def capped(problems: Sequence[Problem], file: str) -> list[Problem]:
    """The first MAX_PROBLEMS problems, and one saying more were found if they were."""
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    return [*problems[:MAX_PROBLEMS], too_many(file)]


def too_many(file: str) -> Problem:
    """What stands for the problems past MAX_PROBLEMS (listed first: it has no line)."""
    return Problem(
        file,
        None,
        None,
        f"more than {MAX_PROBLEMS:,} problems: only the first {MAX_PROBLEMS:,} found are listed",
        "fix these and check the file again",
    )


DataPath = tuple[str | int, ...]
"""A place in the document: mapping keys and list indexes from the root."""
_Pos = tuple[int, int]


@dataclass(frozen=True)
class Located:
    """Loaded YAML as plain data, plus the (line, column) where each value was written."""

    data: Any  # dict / list / str / int / float / bool / None / datetime.date
    # path -> (line, column), 1-based; () is the document; a mapping entry has its key's position
    locations: Mapping[DataPath, _Pos]
    file: str
    nodes: int = 0
    """Nodes read, aliases expanded (what checking the document costs, roughly)."""

    def where(self, path: Sequence[str | int]) -> tuple[int | None, int | None]:
        """Position of the deepest prefix of `path` that has one (a missing key -> its parent)."""
        path = tuple(path)
        for end in range(len(path), -1, -1):
            if path[:end] in self.locations:
                return self.locations[path[:end]]
        return None, None

    def problem(self, path: Sequence[str | int], message: str, hint: str = "") -> Problem:
        """A Problem at `path`, with this file, its position and the dotted path filled in."""
        line, column = self.where(path)
        return Problem(self.file, line, column, message, hint, _dotted(path))


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while a document is loaded and checked.

    That builds hundreds of thousands of objects that live on and frees few, and the collector
    would scan them all again and again: a third of the time for a large file. It is put back
    as it was afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_yaml(path: str | os.PathLike[str], *, what: str = "scenario") -> Located:
    """Read a YAML file (a regular file of at most MAX_BYTES) and load it; raise InputError."""
    file = os.fsdecode(path)
    try:
        info = os.stat(file)
        if stat.S_ISDIR(info.st_mode):
            _fail(file, f"this is a directory, not a {what} file", "Give the path of a .yaml file.")
        if not stat.S_ISREG(info.st_mode):
            _fail(file, "this is not a regular file", f"Give the path of a {what} .yaml file.")
        if info.st_size > MAX_BYTES:
            _too_large(file, what, info.st_size)
        with open(file, "rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except (OSError, ValueError) as error:
        _fail(file, *_os_problem(error, file, what))
    return load_yaml_text(data, file, what=what)


def load_yaml_text(text: str | bytes, file: str = "<string>", *, what: str = "scenario") -> Located:
    """Load one YAML document whose top level is a mapping; raise InputError listing all problems.

    Bytes must be UTF-8 (a BOM is accepted). `what` names the kind of file in messages.
    """
    if len(text) > MAX_BYTES:
        _too_large(file, what)
    if isinstance(text, bytes):
        text = _decode(text, file, what)
    elif "\x00" in text:
        _binary(file, what)
    text = text.removeprefix("\ufeff")
    if bad := _NOT_PRINTABLE.search(text):
        message = f"the non-printable character U+{ord(bad.group()):04X} is not allowed in YAML"
        hint = "Delete it; it is invisible in most editors and often comes from copy and paste."
        _fail(file, message, hint, _line_column(text, bad.start()))
    loader = _Loader(text)
    composer = _Composer(loader, file, what)
    try:
        composer.run()
    except _Stop:
        pass
    except yaml.MarkedYAMLError as error:
        composer.problems.append(_syntax_problem(error, text, file))
    except yaml.YAMLError as error:
        composer.problems.append(Problem(file, None, None, f"invalid YAML: {error}", _SYNTAX_HINT))
    finally:
        loader.dispose()
    located = Located(composer.root, dict(composer.locations), file, composer.nodes)
    if located.data is None and not composer.problems:
        _fail(file, f"the {what} file is empty", "Check that this is the right file.")
    if located.data is not None and not isinstance(located.data, dict):
        got = "a list" if isinstance(located.data, list) else "a single value"
        message = f"the top level must be a mapping of sections (name: value), got {got}"
        hint = "Start each top-level section at column 1 as `name:`, not `- `."
        composer.problems.append(located.problem((), message, hint))
    if composer.problems:
        raise InputError(composer.problems)
    return located


def load_option_value(text: str) -> tuple[Any, str | None]:
    """A value typed on the command line (`--set PATH=VALUE`), read as YAML by the rules of a
    file (numbers of at most 1000 characters, finite, no tags that build objects, no control
    characters): `(value, None)`, or `(None, what is wrong)`. Text that is not valid YAML is
    taken as text, as an expression often is."""
    if bad := _CONTROL.search(text) or _NOT_PRINTABLE.search(text):
        return None, f"the value contains the control character U+{ord(bad.group()):04X}"
    if len(text) > MAX_BYTES:
        return None, f"the value is longer than {MAX_BYTES // (1024 * 1024)} MiB"
    loader = _Loader(text)
    composer = _Composer(loader, "", "value")
    try:
        composer.run()
    except _Stop:
        pass
    except yaml.YAMLError:
        return text, None
    finally:
        loader.dispose()
    if composer.problems:
        return None, composer.problems[0].message
    return composer.root, None


def _fail(file: str, message: str, hint: str, pos: tuple[Any, Any] = (None, None)) -> NoReturn:
    raise InputError([Problem(file, *pos, message, hint)])


def _line_column(text: str, index: int) -> _Pos:
    """1-based line and column of text[index]."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _too_large(file: str, what: str, size: int | None = None) -> NoReturn:
    message = f"the file is larger than the {MAX_BYTES // (1024 * 1024)} MiB limit"
    _fail(file, message + (f" ({size:,} bytes)" if size else ""), f"Is this a {what} file?")


def _os_problem(error: OSError | ValueError, file: str, what: str) -> tuple[str, str]:
    """Message and hint for a path that cannot be opened or read."""
    if isinstance(error, FileNotFoundError):
        folder, name = os.path.split(file)
        try:
            near = suggest(name, os.listdir(folder or "."))
        except OSError:
            near = ""
        return "no such file", f"Check the path (relative to {os.getcwd()}).{near}"
    if isinstance(error, PermissionError):
        return "permission denied", f"Make the {what} file readable (chmod u+r) or copy it."
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return f"cannot read this file: {reason}", f"Give the path of a {what} .yaml file."


def _binary(file: str, what: str) -> NoReturn:
    _fail(file, "this is a binary file, not YAML", f"Give the path of a {what} .yaml text file.")


def _decode(data: bytes, file: str, what: str) -> str:
    """UTF-8 text of `data`, or InputError: binary, UTF-16, or where the first bad byte is."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _fail(file, "this file is saved as UTF-16, not UTF-8", "Save it with UTF-8 encoding.")
    if b"\x00" in data:
        _binary(file, what)
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8")
        message = f"the file is not valid UTF-8 (byte 0x{data[error.start]:02X})"
        hint = "Save it as UTF-8 (Latin-1/Windows-1252 files break on accents and quotes)."
        _fail(file, message, hint, _line_column(good, len(good)))


def _syntax_problem(error: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """A parser error as a Problem at its mark, naming the character libyaml leaves out."""
    mark = error.problem_mark or error.context_mark
    message = error.problem or error.context or "invalid YAML"
    if mark is not None and message == "found character that cannot start any token":
        start = 0
        for _ in range(mark.line):
            start = text.find("\n", start) + 1
        found = text[start + mark.column : start + mark.column + 1]
        message = f"found character {found!r} that cannot start any token"
    context = error.context_mark
    if error.problem and error.context and context and mark and context.line != mark.line:
        message += f" ({error.context} that starts at line {context.line + 1})"
    hint = next((h for fragment, h in _SYNTAX_HINTS if fragment in message), _SYNTAX_HINT)
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Problem(file, line, column, message, hint)


def shown(text: str, limit: int = 80) -> str:
    """Text for a message, shortened if long (a path or value may be thousands of characters)."""
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _visible(text: str, limit: int = 80) -> str:
    """Text from the file, for a message: control characters escaped (a tag's %01 is one)."""
    text = _UNSHOWN.sub(lambda found: repr(found.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dotted(path: Sequence[str | int]) -> str:
    """("actors", 0, "name") -> "actors[0].name"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


class _Stop(Exception):
    """Raised after a problem that makes reading further pointless or dangerous."""


@dataclass(eq=False)
class _Frame:
    """A mapping or list being built, with what is needed to add its next child."""

    path: DataPath
    data: dict[str, Any] | list[Any]
    start: _Pos
    anchor: str | None
    first_node: int  # node count before this collection, to size its anchor
    first_location: int  # index in the locations list of its first descendant
    height: int = 1  # levels of nesting, itself included
    key: str | None = None  # mapping: key of the value being read; None drops the value
    has_key: bool = False  # mapping: the next node is a value (else a key)
    seen: dict[str, int] = field(default_factory=dict)  # mapping: key -> line of first use


@dataclass(frozen=True)
class _Anchor:
    """What an alias to this anchor stands for, and what expanding it costs."""

    value: Any
    key: str | None  # source text, if the anchored node is a scalar usable as a key
    size: int = 1  # nodes, aliases expanded
    height: int = 0
    path: DataPath = ()
    locations: range = range(0)  # indexes of its descendants' entries in the locations list


class _Composer:
    """Builds plain data and locations from parser events, collecting problems on the way."""

    def __init__(self, loader: Any, file: str, what: str) -> None:
        self.loader, self.file, self.what = loader, file, what
        self.problems: list[Problem] = []
        self.locations: list[tuple[DataPath, _Pos]] = []
        self.anchors: dict[str, _Anchor] = {}
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.root: Any = None
        self.suggestion_budget = _SUGGESTION_BUDGET

    def run(self) -> None:
        """Consume events to the end of the stream; _Stop or yaml errors end it early."""
        for event in iter(self.loader.get_event, None):
            if isinstance(event, yaml.ScalarEvent):
                self.scalar(event)
            elif isinstance(event, yaml.CollectionEndEvent):
                self.close()
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                self.open(event)
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
            elif isinstance(event, yaml.DocumentStartEvent) and self.nodes:
                hint = "Delete the '---' line and everything after it."
                self.fail(_pos(event), "only one YAML document per file is allowed", hint)
            elif isinstance(event, yaml.StreamEndEvent):
                return

    def report(self, pos: _Pos, message: str, hint: str, path: DataPath | None = None) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems.append(too_many(self.file))
            raise _Stop
        where = _dotted(self.child_path() if path is None else path)
        self.problems.append(Problem(self.file, pos[0], pos[1], message, hint, where))

    def fail(self, pos: _Pos, message: str, hint: str) -> NoReturn:
        self.report(pos, message, hint)
        raise _Stop

    def child_path(self) -> DataPath:
        """Path of the node being read: a key is reported at its mapping, "?" is a bad key."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.data, list):
            return (*top.path, len(top.data))
        return (*top.path, "?" if top.key is None else top.key) if top.has_key else top.path

    def enter(self, event: yaml.Event) -> tuple[_Pos, bool]:
        """Count a node and record where it is unless it is a key; return (position, is_key)."""
        pos = _pos(event)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail(
                pos, f"too many nodes: more than {MAX_NODES:,}", f"Is this a {self.what} file?"
            )
        if not self.stack or isinstance(self.stack[-1].data, list):
            self.locations.append((self.child_path(), pos))
            return pos, False
        return pos, not self.stack[-1].has_key

    def scalar(self, event: yaml.ScalarEvent) -> None:
        """Resolve a scalar's tag (only core tags pass) and construct its plain value."""
        pos, is_key = self.enter(event)
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        value: Any = None
        key = None if tag == _NULL else event.value  # keys are their source text
        if bad := _CONTROL.search(event.value):
            kind = "key" if is_key else "text"
            message = f"the {kind} contains the control character U+{ord(bad.group()):04X}"
            hint = "Delete it (an escape such as \\e, \\x1b or \\r, or an invisible character)."
            self.report(pos, message, hint)
            key = None
        elif tag not in _SCALAR_TAGS:
            self.bad_tag(tag, pos)
        elif not is_key:
            value = self.construct(tag, event.value, pos)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(key if is_key else value, key)
        self.add(key if is_key else value, pos, key, 0, reported=bad is not None)

    def construct(self, tag: str, text: str, pos: _Pos) -> Any:
        """The value of a scalar with a core tag, or None after reporting why it has none."""
        if tag in _NUMBER_TAGS and len(text) > _MAX_NUMBER_CHARS:
            self.report(pos, f"this number is too long ({len(text):,} characters)", "Quote it.")
            return None
        try:
            value = self.loader.yaml_constructors[tag](self.loader, yaml.ScalarNode(tag, text))
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError):
            kind = "date" if tag.endswith("timestamp") else tag[len(_CORE) :]
            self.report(pos, f"{text!r} is not a valid {kind}", "Fix it, or quote it as text.")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.report(pos, f"numbers must be finite, got {text}", "Use an ordinary number.")
            return None
        return value

    def bad_tag(self, tag: str, pos: _Pos) -> None:
        """Report a tag that is not a core tag, or one on the wrong kind of node."""
        shown = _visible("!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag)
        if tag == _MERGE:
            self.report(pos, "merge keys (<<) are not supported", "Write the entries out in full.")
        elif tag in _SCALAR_TAGS or tag in (_CORE + "map", _CORE + "seq"):
            self.report(pos, f"the tag {shown} does not fit this kind of value", _TAG_HINT)
        else:
            message = f"YAML tags that construct objects are not allowed (found {shown})"
            self.report(pos, message, _TAG_HINT)

    def open(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        """Start a mapping or list, refusing to nest deeper than MAX_DEPTH."""
        pos, _ = self.enter(event)
        if len(self.stack) >= MAX_DEPTH:
            self.fail(pos, f"nesting is deeper than {MAX_DEPTH} levels", "Flatten the structure.")
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", _CORE + ("map" if mapping else "seq")):
            self.bad_tag(event.tag, pos)
        data: dict[str, Any] | list[Any] = {} if mapping else []
        path = self.child_path()
        self.stack.append(
            _Frame(path, data, pos, event.anchor, self.nodes - 1, len(self.locations))
        )

    def close(self) -> None:
        """Finish the innermost collection and remember it if it carries an anchor."""
        frame = self.stack.pop()
        if frame.anchor is not None:
            span = range(frame.first_location, len(self.locations))
            size, height = self.nodes - frame.first_node, frame.height
            self.anchors[frame.anchor] = _Anchor(frame.data, None, size, height, frame.path, span)
        self.add(frame.data, frame.start, None, frame.height)

    def alias(self, event: yaml.AliasEvent) -> None:
        """Reuse an anchored value, counting its expanded size and depth before accepting it."""
        pos, is_key = self.enter(event)
        name, path = str(event.anchor), self.child_path()
        anchor = self.anchors.get(name)
        if any(frame.anchor == name for frame in self.stack):
            message = f"recursive alias: *{name} is inside the anchor &{name} it refers to"
            self.report(pos, message, "An alias can only repeat a value that is complete.")
            anchor = None
        elif anchor is None:
            near = ""
            if len(self.anchors) <= self.suggestion_budget:
                self.suggestion_budget -= len(self.anchors)
                near = suggest(name, self.anchors)
            hint = f"Define &{name} before using *{name}.{near}"
            self.report(pos, f"the alias *{name} has no anchor &{name} before it", hint)
        if anchor is None:
            self.add(None, pos, name, 0)
            return
        self.nodes += anchor.size - 1
        if self.nodes > MAX_NODES:
            message = f"too many nodes after expanding aliases (alias bomb?): over {MAX_NODES:,}"
            self.fail(pos, message, "Use fewer aliases (*name).")
        if len(self.stack) + anchor.height > MAX_DEPTH:
            self.fail(pos, f"nesting is deeper than {MAX_DEPTH} levels", "Use fewer aliases.")
        if not is_key:  # the aliased values' positions are those of the anchored text
            copies = self.locations[anchor.locations.start : anchor.locations.stop]
            skip = len(anchor.path)
            self.locations.extend(((*path, *p[skip:]), xy) for p, xy in copies)
        self.add(anchor.value, pos, anchor.key, anchor.height)

    def add(
        self, value: Any, pos: _Pos, key: str | None, height: int, *, reported: bool = False
    ) -> None:
        """Put a finished node in its place: the root, a list item, a mapping key or value.

        `reported`: a key is None because its problem is already reported.
        """
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top.height = max(top.height, height + 1)
        if isinstance(top.data, list):
            top.data.append(value)
        elif top.has_key:
            if top.key is not None:
                top.data[top.key] = value
            top.has_key = False
        else:
            top.has_key = True
            top.key = None if reported else self.check_key(top, key, pos)

    def check_key(self, frame: _Frame, key: str | None, pos: _Pos) -> str | None:
        """The key for the next value, or None (after reporting why) to drop that value."""
        if key is None:
            message = "keys must be names, not empty (null), lists or mappings"
            self.report(pos, message, "Write each entry as `name: value`.", frame.path)
        elif key in frame.seen:
            message = f"duplicate key {key!r} (first at line {frame.seen[key]})"
            self.report(pos, message, "Remove or rename one of them.", (*frame.path, key))
        else:
            frame.seen[key] = pos[0]
            self.locations.append(((*frame.path, key), pos))
            return key
        return None


def _pos(event: yaml.Event) -> _Pos:
    mark: Any = event.start_mark
    return mark.line + 1, mark.column + 1
