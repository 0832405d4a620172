"""Safe expression grammar for scenario files: conditions and formulas are data, never code.

Scenario YAML holds formulas such as ``tension >= 0.8 and not taken(nk_nuclear_test)`` or
``clamp(belief(JP, US) - 0.5, 0, 1)``. They are tokenised and parsed here by hand (nothing is
handed to Python's own evaluator) and compiled into nested closures reading an engine ``env``.

Grammar, lowest to highest precedence::

    or      := and ('or' and)*                  short-circuit; gives 1.0 or 0.0
    and     := not ('and' not)*                 short-circuit; gives 1.0 or 0.0
    not     := 'not' not | compare              'not 1 < 0' means 'not (1 < 0)'
    compare := sum [('<'|'<='|'>'|'>='|'=='|'!=') sum]    no chains: 'a < b < c' is an error
    sum     := product (('+'|'-') product)*     left-associative: 2 - 3 - 4 = -5
    product := unary (('*'|'/') unary)*         left-associative
    unary   := ('-'|'+') unary | power
    power   := atom ['^' unary]                 right-associative: 2 ^ 3 ^ 2 = 512;
                                                binds tighter than a sign: -2 ^ 2 = -(2 ^ 2) = -4
    atom    := number | 'true' | 'false' | name | name '(' [arg (',' arg)*] ')' | '(' or ')'
    arg     := or | ident '=' or                keyword arguments follow the positional ones;
                                                only the engine's functions take any ('by=')
    number  := 1 | 0.5 | .5 | 1. | 1e-3 | 2E+4  (at most 1e300)
    name    := ident ('.' ident)*               ident = [A-Za-z_][A-Za-z0-9_]*; no keyword parts,
                                                no part starting with '__'

Keywords are ``and or not true false``; ``if`` is an ordinary name, usable as a function.
A single ``=`` is read only right after ``f(name`` or ``, name`` (a keyword argument); anywhere
else it is an error that advises ``==``.
Spaces, tabs and newlines are ignored; error columns count characters from the start of the
text, 1-based. Limits: 2000 characters, 64 levels of nesting (parentheses, calls, signs, 'not',
'^'), so no input can exhaust Python's recursion limit.

Values: non-zero is true; comparisons, 'and', 'or', 'not', 'true', 'false' give 1.0 or 0.0;
'==' compares exactly. Evaluation never raises and always returns a finite float:
``x / 0`` is 0.0; ``log(x)`` is ``log(max(x, 1e-300))``; ``sqrt(x)`` is ``sqrt(max(x, 0))``;
``exp(x)`` is ``exp(min(x, 700))``; a power that is complex or undefined (``(-8) ^ 0.5``,
``0 ^ -1``) is 0.0; any result beyond +-1e300 is clipped to +-1e300 and NaN becomes 0.0.

Builtins: ``min(a, ...)``, ``max(a, ...)``, ``abs(x)``, ``clamp(x, lo, hi)`` (= min(max(x, lo),
hi)), ``exp(x)``, ``log(x)``, ``sqrt(x)``, ``if(cond, a, b)`` (evaluates only the chosen
branch). The engine adds domain functions through ``resolve_call``.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

__all__ = [
    "BUILTINS", "MATH", "MAX_DEPTH", "MAX_EXPRESSION_CHARS", "MAX_LENGTH", "Binary", "BoolOp",
    "Call", "Compare", "ExprError", "Getter", "Keyword", "Name", "Node", "Not", "Num", "Unary",
    "calls", "compile_expr", "compile_folded", "compile_node", "finite", "flat_chain", "names",
    "parse", "power", "substitute", "walk",
]  # fmt: skip

MAX_LENGTH = 2000
MAX_DEPTH = 64
MAX_EXPRESSION_CHARS = 200_000
"""Characters of all a scenario's expressions together (about 100 of the longest): what
checking a file costs is mostly compiling them."""
_BIG = 1e300

Getter: TypeAlias = Callable[[Any], float]


class ExprError(ValueError):
    """A problem with an expression: plain-words ``message``, 1-based ``column`` and ``text``,
    and, where the engine knows one, a ``hint`` on how to fix it."""

    def __init__(
        self, message: str, column: int | None = None, text: str = "", hint: str = ""
    ) -> None:
        super().__init__(message, column, text, hint)  # keeps the error picklable
        self.message = message
        self.column = column
        self.text = text
        self.hint = hint

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}" if self.column else self.message


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Name:
    dotted: str
    column: int


@dataclass(frozen=True)
class Unary:
    op: str  # '-' or '+'
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # '+', '-', '*', '/' or '^'
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare:
    op: str  # '<', '<=', '>', '>=', '==' or '!='
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # 'and' or 'or'
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    column: int


@dataclass(frozen=True)
class Keyword:
    """A keyword argument `name=value` of a call; it appears only among a Call's args, after
    the positional ones, and only a domain function (`resolve_call`) accepts one."""

    name: str
    value: Node
    column: int


Node: TypeAlias = Num | Name | Unary | Binary | Compare | BoolOp | Not | Call | Keyword
"""A syntax tree; Name, Call and Keyword keep their 1-based column so compile errors can
point at them."""

# ---------------------------------------------------------------------------------- tokens

_KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
# Binding strength of infix operators; prefix 'not' and signs sit at _NOT and _UNARY.
_NOT, _COMPARE_PREC, _UNARY = 3, 4, 7
_INFIX = {
    "or": 1, "and": 2, **dict.fromkeys(_COMPARISONS, _COMPARE_PREC), "+": 5, "-": 5, "*": 6, "/": 6,
    "^": 8,
}  # fmt: skip
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")
_NO_STRINGS = "strings are not allowed; write names without quotes, e.g. taken(nk_test)"
_NO_BRACKETS = "only '(' and ')' can group; brackets and braces are not allowed"
_EQUALS = "'=' is not an operator; use '==' to compare"
# Longest symbols first; a message marks a symbol that is rejected with that advice.
_SYMBOLS: tuple[tuple[str, str | None], ...] = (
    *((s, None) for s in ("<=", ">=", "==", "!=")),
    ("**", "'**' is not an operator; use '^' for powers"),
    ("&&", "'&&' is not an operator; use 'and'"),
    ("||", "'||' is not an operator; use 'or'"),
    ("=>", "'=>' is not an operator; use '>=' to compare"),
    ("=<", "'=<' is not an operator; use '<=' to compare"),
    ("<>", "'<>' is not an operator; use '!=' to compare"),
    ("=", _EQUALS),
    ("!", "'!' is not an operator; use 'not' to negate or '!=' to compare"),
    ("&", "'&' is not an operator; use 'and'"),
    ("|", "'|' is not an operator; use 'or'"),
    ("%", "'%' is not supported; there is no remainder operator"),
    *((q, _NO_STRINGS) for q in "'\"`"),
    *((b, _NO_BRACKETS) for b in "[]{}"),
    *((s, None) for s in "<>+-*/^(),"),
)


class _Tok(NamedTuple):
    kind: str  # 'num', 'name', 'kw', 'op' or 'end'
    text: str
    start: int  # 0-based offset into the text
    value: float = 0.0


def _case_hint(word: str) -> str:
    """Advice for a keyword typed in the wrong case ('AND', 'True'), else ''."""
    return f"; write '{word.lower()}' in lower case" if word.lower() in _KEYWORDS else ""


# One token after optional whitespace, in the common case: a number or a name that nothing
# glues on to, or an operator that is not the start of a refused one ('**', '<>'). Whatever it
# does not take (an error, a keyword inside a name, '__', a huge number) goes the slow way,
# which gives the message. Either way the tokens are the same.
_FAST_TOKEN = re.compile(
    r"[ \t\r\n]*(?:"
    r"(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?![A-Za-z0-9_.])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?![A-Za-z0-9_.])"
    r"|(?P<op><=|>=|==|!=|<(?!>)|\*(?!\*)|[>+\-/^(),]))"
)
_SPACE = " \t\r\n"


def _fast_tokens(text: str) -> list[_Tok] | None:
    """The tokens of text if it holds only plain numbers, names and operators, else None."""
    toks: list[_Tok] = []
    match, pos, end = _FAST_TOKEN.match, 0, len(text.rstrip(_SPACE))
    while pos < end:
        m = match(text, pos)
        if m is None:
            return None
        kind, word, start = m.lastgroup, m.group(m.lastindex or 0), m.start(m.lastindex or 0)
        if kind == "num":
            value = float(word)
            if value > _BIG:
                return None
            toks.append(_Tok("num", word, start, value))
        elif kind == "name":
            if "__" in word or ("." in word and not _KEYWORDS.isdisjoint(word.split("."))):
                return None
            toks.append(_Tok("kw" if word in _KEYWORDS else "name", word, start))
        else:
            toks.append(_Tok("op", word, start))
        pos = m.end()
    toks.append(_Tok("end", "", len(text.rstrip())))
    return toks


def _names_an_argument(toks: list[_Tok]) -> bool:
    """Whether the tokens so far end in `( name` or `, name`: a '=' next is a keyword argument."""
    return len(toks) >= 2 and toks[-1].kind == "name" and toks[-2].text in ("(", ",")


def _tokenize(text: str) -> list[_Tok]:
    """Split text into tokens, rejecting anything outside the grammar's alphabet."""
    fast = _fast_tokens(text)
    if fast is not None:
        return fast

    def fail(message: str, at: int) -> ExprError:
        return ExprError(message, at + 1, text)

    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif m := _NUMBER.match(text, i):
            if m.end() < n and text[m.end()] in _WORD_CHARS:
                j = m.end()
                while j < n and text[j] in _WORD_CHARS:
                    j += 1
                raise fail(
                    f"'{text[i:j]}' is not a valid number or name; numbers look like 1, 0.5, .5 or "
                    "1e-3, names cannot start with a digit, and multiplying needs '*'",
                    i,
                )
            value = float(m.group())
            if value > _BIG:
                raise fail(f"the number '{m.group()}' is too large; the limit is 1e300", i)
            toks.append(_Tok("num", m.group(), i, value))
            i = m.end()
        elif m := _NAME.match(text, i):
            if m.end() < n and text[m.end()] == ".":
                raise fail(
                    "a '.' in a name must be followed by a part, as in 'NK.capability'", m.end()
                )
            word = m.group()
            parts = word.split(".")
            if len(parts) > 1 and (kw := next((p for p in parts if p in _KEYWORDS), None)):
                raise fail(f"'{kw}' is a keyword and cannot be part of the name '{word}'", i)
            if any(p.startswith("__") for p in parts):
                raise fail(f"'{word}': names cannot have parts starting with '__'", i)
            toks.append(_Tok("kw" if word in _KEYWORDS else "name", word, i))
            i = m.end()
        else:
            for symbol, problem in _SYMBOLS:
                if text.startswith(symbol, i):
                    if problem and not (symbol == "=" and _names_an_argument(toks)):
                        raise fail(problem, i)
                    toks.append(_Tok("op", symbol, i))
                    i += len(symbol)
                    break
            else:
                if c == ".":
                    raise fail(
                        "unexpected '.'; a dot only joins name parts, as in 'NK.capability'", i
                    )
                code = "" if c.isascii() and c.isprintable() else f" (U+{ord(c):04X})"
                raise fail(
                    f"unknown character {c!r}{code}; expressions contain only numbers, names, "
                    "operators, parentheses and commas",
                    i,
                )
    toks.append(_Tok("end", "", len(text.rstrip())))
    return toks


# ---------------------------------------------------------------------------------- parser


class _Parser:
    """Precedence climbing over the token list; parentheses, calls, signs, 'not' and '^' count
    towards MAX_DEPTH, which bounds the recursion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.pos = 0
        self.depth = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.pos]

    def _at(self, *symbols: str) -> bool:
        return self.tok.text in symbols  # names and numbers never spell an operator or keyword

    def _next(self) -> _Tok:
        self.pos += 1
        return self.toks[self.pos - 1]

    def _error(self, message: str, tok: _Tok) -> ExprError:
        return ExprError(message, tok.start + 1, self.text)

    def _enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(
                f"the expression is nested too deeply (more than {MAX_DEPTH} levels of "
                "parentheses, calls, signs, 'not' or '^'); split it into simpler parts",
                tok,
            )

    def _before(self, tok: _Tok) -> str:
        """The text before tok, whitespace collapsed and shortened, for error messages."""
        s = " ".join(self.text[: tok.start].split())
        return s if len(s) <= 40 else "..." + s[-37:]

    @staticmethod
    def _describe(tok: _Tok) -> str:
        kind = {"num": "number ", "name": "name "}.get(tok.kind, "")
        return f"{kind}'{tok.text}'"

    def _trailing(self, tok: _Tok) -> ExprError:
        """Error for a token that appears where an operator or the end was expected."""
        if tok.text == ")":
            return self._error("unmatched ')'; remove it or add a '(' before it", tok)
        if tok.text == ",":
            return self._error("unexpected ',' outside a function call", tok)
        if tok.text == "=":
            return self._error(_EQUALS, tok)
        if tok.kind == "name" and (hint := _case_hint(tok.text)):
            return self._error(f"unexpected name '{tok.text}'{hint}", tok)
        return self._error(
            f"unexpected {self._describe(tok)} after '{self._before(tok)}'; an operator "
            "such as '+', '*' or 'and' is missing",
            tok,
        )

    def _missing_value(self, tok: _Tok) -> ExprError:
        """Error for a token that appears where a value was expected."""
        before = self._before(tok)
        if tok.kind == "end":
            if not before:
                return self._error(
                    "the expression is empty; write a number, a name or a formula", tok
                )
            return self._error(
                f"unexpected end of expression after '{before}'; a value is missing", tok
            )
        if tok.text in ("and", "or", "*", "/", "^") or tok.text in _COMPARISONS:
            return self._error(f"'{tok.text}' needs a value on both sides", tok)
        if tok.text == "not":
            return self._error(f"'not' cannot follow '{before}'; write '(not ...)'", tok)
        where = f"after '{before}'" if before else "at the start"
        return self._error(
            f"unexpected {self._describe(tok)} {where}. Expected a number, a name or '('.", tok
        )

    def parse(self) -> Node:
        node = self._expr(0)
        if self.tok.kind != "end":
            raise self._trailing(self.tok)
        return node

    def _expr(self, min_prec: int) -> Node:
        """Precedence climbing: parse operators binding at least as tightly as min_prec."""
        start = self.tok.start
        left = self._prefix(min_prec)
        compared: _Tok | None = None
        while (prec := _INFIX.get(self.tok.text, 0)) and prec >= min_prec:
            op = self._next()
            if op.text == "^":  # right-associative; the exponent may carry a sign: 2 ^ -1
                self._enter(op)
                left = Binary("^", left, self._expr(_UNARY))
                self.depth -= 1
            elif prec == _COMPARE_PREC:
                right = self._expr(prec + 1)
                if compared:
                    raise self._chained(start, compared, op)
                left, compared = Compare(op.text, left, right), op
            else:
                right = self._expr(prec + 1)
                left = BoolOp(op.text, left, right) if prec < _NOT else Binary(op.text, left, right)
        return left

    def _chained(self, start: int, op: _Tok, op2: _Tok) -> ExprError:
        def src(begin: int, end: int) -> str:
            return " ".join(self.text[begin:end].split())

        a = src(start, op.start)
        b = src(op.start + len(op.text), op2.start)
        c = src(op2.start + len(op2.text), self.tok.start)
        return self._error(
            f"'{a} {op.text} {b} {op2.text} {c}': comparisons cannot be chained; "
            f"write '{a} {op.text} {b} and {b} {op2.text} {c}'",
            op2,
        )

    def _prefix(self, min_prec: int) -> Node:
        tok = self.tok
        if self._at("-", "+") or (self._at("not") and min_prec <= _NOT):
            self._enter(self._next())
            operand = self._expr(_UNARY if tok.text != "not" else _NOT)
            self.depth -= 1
            return Not(operand) if tok.text == "not" else Unary(tok.text, operand)
        if tok.kind == "num":
            self._next()
            return Num(tok.value)
        if self._at("true", "false"):
            self._next()
            return Num(1.0 if tok.text == "true" else 0.0)
        if tok.kind == "name":
            self._next()
            return self._call(tok) if self._at("(") else Name(tok.text, tok.start + 1)
        if not self._at("("):
            raise self._missing_value(tok)
        self._enter(self._next())
        node = self._expr(0)
        self._close(tok, "the '('")
        self.depth -= 1
        return node

    def _call(self, name: _Tok) -> Call:
        opening = self._next()
        self._enter(opening)
        args: list[Node] = []
        if not self._at(")"):
            args.append(self._argument(args))
            while self._at(","):
                self._next()
                args.append(self._argument(args))
        self._close(opening, f"the call to '{name.text}' opened")
        self.depth -= 1
        return Call(name.text, tuple(args), name.start + 1)

    def _argument(self, before: list[Node]) -> Node:
        """One argument of a call: a value, or `ident = value` (positional ones first)."""
        tok = self.tok
        if not (tok.kind == "name" and self.toks[self.pos + 1].text == "="):
            if before and isinstance(before[-1], Keyword):
                raise self._error(
                    f"a value without a keyword cannot follow '{before[-1].name}='; "
                    "give the keyword arguments last",
                    tok,
                )
            return self._expr(0)
        if "." in tok.text:
            raise self._error(f"'{tok.text}=': a keyword is a plain name, as in 'by='", tok)
        if any(isinstance(a, Keyword) and a.name == tok.text for a in before):
            raise self._error(f"the keyword '{tok.text}=' is given twice", tok)
        self.pos += 2
        return Keyword(tok.text, self._expr(0), tok.start + 1)

    def _close(self, opening: _Tok, what: str) -> None:
        if self._at(")"):
            self._next()
        elif self.tok.kind == "end":
            raise self._error(
                f"missing ')' to close {what} at column {opening.start + 1}", self.tok
            )
        else:
            raise self._trailing(self.tok)


def parse(text: str) -> Node:
    """Parse an expression into a tree; raise ExprError with a column and advice on bad input."""
    if not isinstance(text, str):
        raise ExprError(f"an expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}. "
            "Split it into smaller named parts",
            text=text,
        )
    return _Parser(text).parse()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, without recursion."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Unary | Not):
            stack.append(n.operand)
        elif isinstance(n, Keyword):
            stack.append(n.value)
        elif isinstance(n, Binary | Compare | BoolOp):
            stack += (n.left, n.right)
        elif isinstance(n, Call):
            stack.extend(n.args)


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary | Not):
        return (node.operand,)
    if isinstance(node, Keyword):
        return (node.value,)
    if isinstance(node, Binary | Compare | BoolOp):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def _rebuild(node: Node, kids: list[Node]) -> Node:
    """node with its children replaced by kids (node itself if they are the same objects)."""
    if all(new is old for new, old in zip(kids, _children(node), strict=True)):
        return node
    if isinstance(node, Unary):
        return Unary(node.op, kids[0])
    if isinstance(node, Not):
        return Not(kids[0])
    if isinstance(node, Binary):
        return Binary(node.op, kids[0], kids[1])
    if isinstance(node, Compare):
        return Compare(node.op, kids[0], kids[1])
    if isinstance(node, BoolOp):
        return BoolOp(node.op, kids[0], kids[1])
    if isinstance(node, Keyword):
        return Keyword(node.name, kids[0], node.column)
    assert isinstance(node, Call)
    return Call(node.name, tuple(kids), node.column)


def substitute(node: Node, values: Mapping[str, float], keep: Container[str] = ()) -> Node:
    """The tree with every name found in `values` replaced by its number, without recursion.

    A tree can be about MAX_LENGTH / 2 levels deep ('1+1+...+1' leans left), deeper than
    Python's recursion limit, so engines must transform trees with this, not recursively.
    Calls to functions named in `keep` are left as they are (their arguments are ids, not
    values); unchanged subtrees are the same objects.
    """
    done: list[Node] = []
    todo: list[tuple[Node, bool]] = [(node, False)]
    while todo:
        n, expanded = todo.pop()
        if isinstance(n, Name):
            done.append(Num(values[n.dotted]) if n.dotted in values else n)
        elif isinstance(n, Num) or (isinstance(n, Call) and n.name in keep):
            done.append(n)
        elif expanded:
            count = len(_children(n))
            kids = done[len(done) - count :]
            del done[len(done) - count :]
            done.append(_rebuild(n, kids))
        else:
            todo.append((n, True))
            todo.extend((child, False) for child in reversed(_children(n)))
    return done[0]


def names(node: Node) -> set[str]:
    """Dotted names the expression reads, including names inside call arguments."""
    return {n.dotted for n in walk(node) if isinstance(n, Name)}


def calls(node: Node) -> set[str]:
    """Function names the expression calls."""
    return {n.name for n in walk(node) if isinstance(n, Call)}


# ---------------------------------------------------------------------------------- numerics


def finite(v: float) -> float:
    """Clip to +-1e300 and map NaN to 0.0 (every formula's result passes through this)."""
    return 0.0 if v != v else max(-_BIG, min(_BIG, v))


def _mul(x: float, y: float) -> float:
    v = x * y
    return v if -_BIG <= v <= _BIG else finite(v)


def _div(x: float, y: float) -> float:
    if y == 0:
        return 0.0
    v = x / y
    return v if -_BIG <= v <= _BIG else finite(v)


def power(x: float, y: float) -> float:
    try:
        v = math.pow(x, y)  # finite inputs give a finite result or raise
    except OverflowError:
        return -_BIG if x < 0 and y == int(y) and int(y) % 2 else _BIG
    except ValueError:  # complex or undefined: (-8) ^ 0.5, 0 ^ -1
        return 0.0
    return v if -_BIG <= v <= _BIG else finite(v)


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": _mul, "/": _div, "^": power,
}  # fmt: skip
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}  # fmt: skip
MATH: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "exp": lambda x: min(math.exp(min(x, 700.0)), _BIG),
    "log": lambda x: math.log(max(x, 1e-300)),
    "sqrt": lambda x: math.sqrt(max(x, 0.0)),
}
BUILTINS: dict[str, tuple[int, int | None]] = {  # name -> (fewest, most) arguments
    "min": (1, None), "max": (1, None), "clamp": (3, 3), "if": (3, 3),
    **{name: (1, 1) for name in MATH},
}  # fmt: skip


# ---------------------------------------------------------------------------------- compiler

_Compiled: TypeAlias = tuple[Getter, float | None]  # the getter and, if constant, its value
# Operators that chain at one level, so 'a - b + c' compiles to one loop instead of nested calls.
_GROUPS: dict[str, tuple[str, ...]] = {
    "+": ("+", "-"), "-": ("+", "-"), "*": ("*", "/"), "/": ("*", "/"),
    "^": ("^",), "and": ("and",), "or": ("or",),
}  # fmt: skip


def _const(value: float) -> _Compiled:
    value = finite(value)
    return (lambda env: value), value


def _spine(node: Binary | BoolOp, ops: tuple[str, ...]) -> tuple[Node, list[tuple[str, Node]]]:
    """Unroll a left-associative chain 'a - b + c' into a, [('-', b), ('+', c)]."""
    rest: list[tuple[str, Node]] = []
    cur: Node = node
    while isinstance(cur, type(node)) and cur.op in ops:
        rest.append((cur.op, cur.right))
        cur = cur.left
    return cur, rest[::-1]


def flat_chain(node: Binary | BoolOp) -> tuple[Node, list[tuple[str, Node]]]:
    """'a - b + c' as a, [('-', b), ('+', c)]: the operands of one precedence level in the
    order in which every engine combines them (left to right)."""
    return _spine(node, _GROUPS[node.op])


class _Compiler:
    """Turns a tree into closures; resolves each distinct name once and folds constants."""

    def __init__(
        self,
        resolve_name: Callable[[str], Getter | float],
        resolve_call: Callable[[str, tuple[Node, ...]], Getter] | None,
        known_functions: Iterable[str],
    ) -> None:
        self.resolve_name = resolve_name
        self.resolve_call = resolve_call
        self.known_functions = known_functions
        self.cache: dict[str, Getter | float] = {}

    def build(self, node: Node) -> _Compiled:
        if isinstance(node, Num):
            return _const(node.value)
        if isinstance(node, Name):
            found = self._name(node)
            return _const(found) if isinstance(found, float) else (found, None)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Keyword):  # a builtin's arguments are checked before they are built
            raise ExprError(f"'{node.name}=' is not understood here", node.column)
        if isinstance(node, Unary | Not):
            g, c = self.build(node.operand)
            if isinstance(node, Not):
                return self._fold(lambda env: 1.0 if g(env) == 0.0 else 0.0, c)
            return (g, c) if node.op == "+" else self._fold(lambda env: -g(env), c)
        if isinstance(node, Compare):
            (a, ca), (b, cb) = self.build(node.left), self.build(node.right)
            test = _COMPARE[node.op]
            return self._fold(lambda env: 1.0 if test(a(env), b(env)) else 0.0, ca, cb)
        first, rest = flat_chain(node)  # Binary or BoolOp: one flat chain
        built = list(map(self.build, [first, *(r for _, r in rest)]))  # map: no extra frame
        ops = [op for op, _ in rest]
        return self._fold(_chain(ops, [g for g, _ in built]), *(c for _, c in built))

    @staticmethod
    def _fold(getter: Getter, *consts: float | None) -> _Compiled:
        """Precompute getter when every input is constant (it then never reads env)."""
        return _const(getter(None)) if all(c is not None for c in consts) else (getter, None)

    def _name(self, node: Name) -> Getter | float:
        getter = self.cache.get(node.dotted)
        if getter is None:
            try:
                getter = self.resolve_name(node.dotted)
            except KeyError:
                message = f"unknown name '{node.dotted}'{_case_hint(node.dotted)}"
                raise ExprError(message, node.column) from None
            except ExprError as exc:
                if exc.column is not None:
                    raise
                raise ExprError(exc.message, node.column, exc.text, exc.hint) from exc
            self.cache[node.dotted] = getter
        return getter

    def _call(self, node: Call) -> _Compiled:
        if self.resolve_call is not None:
            found: Any = NotImplemented
            try:
                found = self.resolve_call(node.name, node.args)
            except LookupError:
                pass
            except ExprError as exc:
                if exc.column is not None:
                    raise
                raise ExprError(exc.message, node.column, exc.text, exc.hint) from exc
            if found is not NotImplemented:
                return found, None
        if node.name not in BUILTINS:
            known = sorted({*BUILTINS, *self.known_functions})
            close = difflib.get_close_matches(node.name, known, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else "known functions: " + ", ".join(known)
            )
            raise ExprError(f"unknown function '{node.name}'; {hint}", node.column)
        keyword = next((a for a in node.args if isinstance(a, Keyword)), None)
        if keyword is not None:
            raise ExprError(
                f"{node.name} takes no keyword arguments; remove '{keyword.name}='", keyword.column
            )
        fewest, most = BUILTINS[node.name]
        if not fewest <= len(node.args) <= (most or len(node.args)):
            count = f"{fewest}" if most else f"at least {fewest}"
            noun = "argument" if fewest == 1 else "arguments"
            message = f"{node.name} takes {count} {noun}, got {len(node.args)}"
            raise ExprError(message, node.column)
        built = list(map(self.build, node.args))
        return self._fold(_builtin(node.name, [g for g, _ in built]), *(c for _, c in built))


def _chain(ops: list[str], gs: list[Getter]) -> Getter:
    """The closure for 'g0 op1 g1 op2 g2 ...' where all ops share one precedence level."""
    if ops[0] in ("and", "or"):  # plain loops: no generator frames on deep expressions
        stop_on_true = ops[0] == "or"

        def short_circuit(env: Any) -> float:
            for g in gs:
                if (g(env) != 0.0) is stop_on_true:
                    return 1.0 if stop_on_true else 0.0
            return 0.0 if stop_on_true else 1.0

        return short_circuit
    first, *rest = gs
    if len(rest) == 1:
        op, g = ops[0], rest[0]
        if op == "+":
            return lambda env: first(env) + g(env)
        if op == "-":
            return lambda env: first(env) - g(env)
        fn = _ARITH[op]
        return lambda env: fn(first(env), g(env))
    steps = [(_ARITH[op], g) for op, g in zip(ops, rest, strict=True)]

    def chain(env: Any) -> float:
        v = first(env)
        for fn, g in steps:
            v = fn(v, g(env))
        return v

    return chain


def _builtin(name: str, gs: list[Getter]) -> Getter:
    """The closure for a builtin call whose arity has been checked."""
    if name == "if":
        cond, yes, no = gs
        return lambda env: yes(env) if cond(env) != 0.0 else no(env)
    if name == "clamp":
        x, lo, hi = gs
        return lambda env: min(max(x(env), lo(env)), hi(env))
    if name == "min":
        return gs[0] if len(gs) == 1 else lambda env: min([g(env) for g in gs])
    if name == "max":
        return gs[0] if len(gs) == 1 else lambda env: max([g(env) for g in gs])
    fn, (arg,) = MATH[name], gs
    return lambda env: fn(arg(env))


def compile_node(
    node: Node,
    resolve_name: Callable[[str], Getter | float],
    resolve_call: Callable[[str, tuple[Node, ...]], Getter] | None = None,
    known_functions: Iterable[str] = (),
) -> Getter:
    """Compile a tree into a getter ``env -> finite float``.

    ``resolve_name`` maps each distinct dotted name (once) to a getter, or to a float for a
    name that stands for a constant (then folded like a number written in its place), and
    raises KeyError or ExprError for unknown names. ``resolve_call`` builds engine functions
    from raw argument nodes; it returns NotImplemented or raises LookupError to fall back to
    BUILTINS. ``known_functions`` only feeds "did you mean" suggestions.
    """
    return compile_folded(node, resolve_name, resolve_call, known_functions)[0]


def compile_folded(
    node: Node,
    resolve_name: Callable[[str], Getter | float],
    resolve_call: Callable[[str, tuple[Node, ...]], Getter] | None = None,
    known_functions: Iterable[str] = (),
) -> tuple[Getter, float | None]:
    """As compile_node, and the expression's value if it reads nothing (else None): one pass
    over the tree, so a caller need not walk it again to see whether it is constant."""
    getter, const = _Compiler(resolve_name, resolve_call, known_functions).build(node)
    if const is not None:
        return getter, const

    def guarded(env: Any) -> float:
        v = getter(env)
        return v if -1e300 <= v <= 1e300 else finite(v)

    return guarded, None


def compile_expr(
    text: str,
    resolve_name: Callable[[str], Getter],
    resolve_call: Callable[[str, tuple[Node, ...]], Getter] | None = None,
    known_functions: Iterable[str] = (),
) -> Getter:
    """Parse and compile text; compile errors carry the text too."""
    node = parse(text)
    try:
        return compile_node(node, resolve_name, resolve_call, known_functions)
    except ExprError as exc:
        if exc.text:
            raise
        raise ExprError(exc.message, exc.column, text, exc.hint) from exc
