"""A condition on outputs, as a user types it: ``dropout > 0.3``, ``trial_d < 0.2 and dropout <= 0.25``.

The language is deliberately tiny, so a condition from a command line or a shared script can never
run code: ``COLUMN OP NUMBER`` with OP one of ``> >= < <= ==``, joined by ``and`` / ``or`` (``and``
binds tighter, as in Python) and grouped with parentheses. It is tokenised and parsed here, by a
recursive descent of a few lines, never by ``eval``. A comparison with a missing value (NaN) is
false, so a point whose output could not be computed is never a case of interest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches

import numpy as np
import pandas as pd

OPERATORS = (">=", "<=", "==", ">", "<")
#: Longer than any sensible condition; bounds the work a pasted blob can cause.
MAX_LENGTH = 1000
#: Parentheses nested deeper than this are refused (one line, not a RecursionError).
MAX_DEPTH = 30

_TOKEN = re.compile(
    r"\s*(?:(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![A-Za-z_\d.])"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>>=|<=|==|>|<)|(?P<paren>[()]))"
)
#: What people type from other languages, and what to type instead.
_HINTS = {"=": "use == to compare", "!": "there is no 'not' or '!='", "&": "use and", "|": "use or"}


class ConditionError(ValueError):
    """A condition that cannot be read (one line, names the problem)."""


@dataclass(frozen=True)
class Comparison:
    column: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Join:
    """``and`` or ``or`` of two or more parts."""

    word: str
    parts: tuple[Comparison | Join, ...]

    def __str__(self) -> str:
        inner = (f"({p})" if isinstance(p, Join) else str(p) for p in self.parts)
        return f" {self.word} ".join(inner)


@dataclass(frozen=True)
class Condition:
    text: str
    tree: Comparison | Join

    @property
    def columns(self) -> list[str]:
        """The columns it names, in order of first appearance."""
        found: list[str] = []

        def walk(node):
            if isinstance(node, Comparison):
                found.append(node.column)
            else:
                for part in node.parts:
                    walk(part)

        walk(self.tree)
        return list(dict.fromkeys(found))

    def check(self, available) -> None:
        """Refuse a column not in ``available``, suggesting the nearest one."""
        available = list(available)
        for column in self.columns:
            if column not in available:
                near = get_close_matches(column, available, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ConditionError(f"condition {self.text!r}: unknown column {column!r}{hint}")

    def evaluate(self, frame: pd.DataFrame) -> np.ndarray:
        """The rows of ``frame`` where the condition holds, as booleans."""
        self.check(frame.columns)

        def holds(node) -> np.ndarray:
            if isinstance(node, Join):
                parts = [holds(p) for p in node.parts]
                return np.logical_and.reduce(parts) if node.word == "and" else np.logical_or.reduce(parts)
            values = frame[node.column].to_numpy(dtype=float)
            compare = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
            if node.op == "==":
                return values == node.value
            return compare[node.op](values, node.value)  # NaN compares false

        return np.asarray(holds(self.tree), dtype=bool)

    def __str__(self) -> str:
        return str(self.tree)


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """``(kind, text, position)`` for each token; kinds: number, name, and, or, op, paren."""
    tokens, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None:
            start = len(text) - len(text[at:].lstrip())
            char = text[start]
            if char.isdigit() or char in "+-.":
                why = f"malformed number {re.match(r'[\w.+-]+', text[start:]).group()!r}"
            else:
                why = f"unexpected {char!r}"
            hint = f" ({_HINTS[char]})" if char in _HINTS else ""
            raise ConditionError(f"condition {text!r}: {why} at character {start + 1}{hint}")
        kind = match.lastgroup
        value, start = match.group(kind), match.start(kind)
        if kind == "name" and value.lower() in ("and", "or"):
            kind = value = value.lower()
        tokens.append((kind, value, start + 1))
        at = match.end()
    return tokens


def parse_condition(text: str) -> Condition:
    """Parse ``text`` (see the module's docstring); malformed text raises ConditionError."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("the condition is empty; e.g. 'dropout > 0.3'")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"the condition is too long ({len(text):,} characters)")
    tokens = tokenize(text)
    position = 0

    def fail(why: str):
        raise ConditionError(f"condition {text!r}: {why}")

    def peek():
        return tokens[position] if position < len(tokens) else ("end", "", len(text) + 1)

    def found() -> str:
        kind, value, at = peek()
        return "the end" if kind == "end" else f"{value!r} at character {at}"

    def take(kind: str, what: str):
        nonlocal position
        token = peek()
        if token[0] != kind:
            fail(f"expected {what}, found {found()}")
        position += 1
        return token

    def either(depth: int):
        nonlocal position
        parts = [both(depth)]
        while peek()[0] == "or":
            position += 1
            parts.append(both(depth))
        return parts[0] if len(parts) == 1 else Join("or", tuple(parts))

    def both(depth: int):
        nonlocal position
        parts = [one(depth)]
        while peek()[0] == "and":
            position += 1
            parts.append(one(depth))
        return parts[0] if len(parts) == 1 else Join("and", tuple(parts))

    def one(depth: int):
        nonlocal position
        if peek()[1] == "(":
            if depth >= MAX_DEPTH:
                fail(f"parentheses nested more than {MAX_DEPTH} deep")
            position += 1
            inner = either(depth + 1)
            if peek()[1] != ")":
                fail(f"expected ')', found {found()}")
            position += 1
            return inner
        column = take("name", "a column name")[1]
        op = take("op", f"a comparison ({' '.join(OPERATORS)}) after {column!r}")[1]
        value = take("number", f"a number after '{column} {op}'")[1]
        if not np.isfinite(float(value)):
            fail(f"the number {value} is out of range")
        return Comparison(column, op, float(value))

    tree = either(0)
    if position < len(tokens):
        fail(f"expected 'and', 'or' or the end, found {found()}")
    return Condition(text, tree)
