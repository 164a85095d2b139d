"""Whole-match of a regular expression over a column of short strings, in numpy: a deterministic automaton
run one character position at a time over all cells at once.

``fullmatch(pattern, cells)`` answers ``re.fullmatch(pattern, cell) is not None`` for every cell, or
``None`` when it cannot answer exactly (a construct it does not model, such as anchors, look-arounds,
back references, possessive repeats or flags; a cell that is not a string, holds a NUL character or is
long); the caller then asks ``re`` itself. Which characters each piece of the pattern accepts is asked of
``re`` too, one distinct character at a time, so that ``\\d``, ``\\w`` and ``\\s`` keep their Unicode meaning.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

try:  # re's own parser (Python 3.11+): what each piece of a pattern means is taken from it
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a Python that keeps it elsewhere: every pattern is left to re
    C = P = None

MAX_WIDTH = 64  # longer cells are left to ``re``: the matrix of code points grows with the longest cell
_MAX_REPEAT = 64  # a bounded repeat is unrolled; a larger bound is left to ``re``
_MAX_STATES = 250  # automaton states (one byte each in the run; 0 is the dead state)
_UNKNOWN = 255
_PAD = 0  # the class of code point 0: past a cell's end, the state stays

_CATEGORIES = {
    C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
} if C is not None else {}


class _Unsupported(Exception):
    pass


Predicate = Callable[[str], bool]


def _category(code: Any) -> Predicate:
    if code not in _CATEGORIES:
        raise _Unsupported
    rx = re.compile(_CATEGORIES[code])
    return lambda ch: rx.fullmatch(ch) is not None


def _is(c: str) -> Predicate:
    return lambda ch: ch == c


def _is_not(c: str) -> Predicate:
    return lambda ch: ch != c


def _between(low: int, high: int) -> Predicate:
    return lambda ch: low <= ord(ch) <= high


def _in(items: Any) -> Predicate:
    negate = bool(items) and items[0][0] is C.NEGATE
    tests: list[Predicate] = []
    for op, av in items[1:] if negate else items:
        if op is C.LITERAL:
            tests.append(_is(chr(av)))
        elif op is C.RANGE:
            tests.append(_between(*av))
        elif op is C.CATEGORY:
            tests.append(_category(av))
        else:
            raise _Unsupported
    if negate:
        return lambda ch: not any(t(ch) for t in tests)
    return lambda ch: any(t(ch) for t in tests)


@dataclass
class _Nfa:
    """Thompson automaton: ``eps[s]`` empty moves, ``moves[s]`` (atom, target) moves on one character."""

    atoms: list[Predicate] = field(default_factory=list)
    eps: list[list[int]] = field(default_factory=list)
    moves: list[list[tuple[int, int]]] = field(default_factory=list)

    def state(self) -> int:
        self.eps.append([])
        self.moves.append([])
        if len(self.eps) > 4000:
            raise _Unsupported
        return len(self.eps) - 1

    def atom(self, test: Predicate, start: int) -> int:
        self.atoms.append(test)
        end = self.state()
        self.moves[start].append((len(self.atoms) - 1, end))
        return end

    def build(self, items: Any, start: int) -> int:
        """States for the sequence ``items`` from ``start``; returns its end state."""
        at = start
        for op, av in items:
            at = self.node(op, av, at)
        return at

    def node(self, op: Any, av: Any, start: int) -> int:
        if op is C.LITERAL:
            return self.atom(_is(chr(av)), start)
        if op is C.NOT_LITERAL:
            return self.atom(_is_not(chr(av)), start)
        if op is C.ANY:
            return self.atom(lambda ch: ch != "\n", start)
        if op is C.IN:
            return self.atom(_in(av), start)
        if op is C.CATEGORY:
            return self.atom(_category(av), start)
        if op is C.SUBPATTERN:
            _group, add, remove, sub = av
            if add or remove:
                raise _Unsupported
            return self.build(sub, start)
        if op is C.BRANCH:
            _, branches = av
            end = self.state()
            for branch in branches:
                self.eps[self.build(branch, start)].append(end)
            return end
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):  # greedy or lazy: the same whole matches
            low, high, sub = av
            if low > _MAX_REPEAT or (high != C.MAXREPEAT and high > _MAX_REPEAT):
                raise _Unsupported
            at = start
            for _ in range(low):
                at = self.build(sub, at)
            if high == C.MAXREPEAT:
                loop = self.state()
                self.eps[at].append(loop)
                self.eps[self.build(sub, loop)].append(loop)
                return loop
            end = self.state()
            for _ in range(high - low):
                self.eps[at].append(end)
                at = self.build(sub, at)
            self.eps[at].append(end)
            return end
        raise _Unsupported  # anchors, look-arounds, back references, possessive and atomic groups


@dataclass
class _Automaton:
    nfa: _Nfa
    start: int
    final: int
    table: np.ndarray  # code point -> character class (uint8), _UNKNOWN until seen
    classes: dict[int, int] = field(default_factory=dict)  # atoms' bitmask -> class
    masks: list[int] = field(default_factory=lambda: [0])  # class -> atoms' bitmask (class 0: padding)
    states: dict[frozenset[int], int] = field(default_factory=dict)
    sets: list[frozenset[int]] = field(default_factory=list)
    moves: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), dtype=np.int32))
    accept: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=bool))
    # set when learning ran past a limit half-way: the tables are then partly updated and never used again
    outgrown: bool = False

    def closure(self, states: set[int]) -> frozenset[int]:
        todo, seen = list(states), set(states)
        while todo:
            for t in self.nfa.eps[todo.pop()]:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return frozenset(seen)

    def dfa_state(self, states: frozenset[int]) -> int:
        if states not in self.states:
            if len(self.sets) >= _MAX_STATES:
                raise _Unsupported
            self.states[states] = len(self.sets)
            self.sets.append(states)
        return self.states[states]

    def learn(self, points: np.ndarray) -> None:
        """Classify new code points, then complete the automaton over every class seen so far."""
        for cp in points.tolist():
            if cp == 0:
                self.table[0] = _PAD
                continue
            ch = chr(cp)
            mask = sum(1 << i for i, test in enumerate(self.nfa.atoms) if test(ch))
            if mask not in self.classes:
                if len(self.masks) >= _UNKNOWN:
                    raise _Unsupported
                self.classes[mask] = len(self.masks)
                self.masks.append(mask)
            self.table[cp] = self.classes[mask]
        rows: list[list[int]] = []
        i = 0
        while i < len(self.sets):
            here = self.sets[i]
            row = [i]  # padding: stay
            for mask in self.masks[1:]:
                nxt = {t for s in here for atom, t in self.nfa.moves[s] if mask >> atom & 1}
                row.append(self.dfa_state(self.closure(nxt)) if nxt else 0)
            rows.append(row)
            i += 1
        self.moves = np.asarray(rows, dtype=np.int32)
        self.accept = np.array([self.final in s for s in self.sets], dtype=bool)


@functools.lru_cache(maxsize=64)
def _automaton(pattern: str) -> _Automaton | None:
    if P is None:
        return None
    try:
        parsed = P.parse(pattern, 0)
        if parsed.state.flags & ~C.SRE_FLAG_UNICODE:
            return None
        nfa = _Nfa()
        start = nfa.state()
        final = nfa.build(parsed, start)
        auto = _Automaton(nfa, start, final, np.full(0x110000, _UNKNOWN, dtype=np.uint8))
        auto.table[0] = _PAD
        auto.dfa_state(frozenset())  # state 0: dead
        auto.dfa_state(auto.closure({start}))  # state 1: start
        auto.learn(np.zeros(0, dtype=np.int64))
        return auto
    except (_Unsupported, re.error, RecursionError):
        return None
    except Exception:  # re's private parser said something this does not expect: re itself decides
        return None


class _Recent:
    """The code points of the last column asked about: a column's cells are matched against several
    patterns in a row (its kind's, its format's) and read by position, and converting them is half the
    work. The column's array is held, so that its memory cannot be taken by another array meanwhile; the
    cells of a column are never changed in place."""

    cells: np.ndarray | None = None
    key: tuple[int, tuple[int, ...], tuple[int, ...]] | None = None
    grid: np.ndarray | None = None


def code_points(cells: np.ndarray) -> np.ndarray | None:
    """The cells as a ``(cells, longest)`` matrix of code points (``uint32``, 0 past a cell's end), or
    ``None`` when that cannot stand for them: a cell that is not a string, is long, or holds NUL."""
    key = (int(cells.__array_interface__["data"][0]), cells.shape, cells.strides)
    if _Recent.cells is not None and _Recent.key == key and _Recent.cells.dtype == cells.dtype:
        return _Recent.grid
    grid = _code_points(cells)
    _Recent.cells, _Recent.key, _Recent.grid = cells, key, grid
    return grid


def _code_points(cells: np.ndarray) -> np.ndarray | None:
    n = len(cells)
    if pd.api.types.infer_dtype(cells, skipna=False) != "string":
        return None  # only strings, and no missing value, are read here
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=n)
    width = int(lengths.max())
    if width > MAX_WIDTH:
        return None
    if width == 0:
        return np.zeros((n, 0), dtype=np.uint32)
    codes = np.asarray(cells, dtype=f"<U{width}").view(np.uint32).reshape(n, width)
    if np.count_nonzero(codes == 0) != n * width - int(lengths.sum()):
        return None  # a cell holding NUL characters: numpy pads with them (and drops trailing ones)
    return codes


def fullmatch(pattern: str, cells: np.ndarray) -> np.ndarray | None:
    """Which cells ``re.fullmatch(pattern, cell)`` matches, or ``None`` when this cannot tell exactly."""
    auto = _automaton(pattern)
    n = len(cells)
    if auto is None or auto.outgrown:
        return None
    if n == 0:
        return np.zeros(0, dtype=bool)
    grid = code_points(cells)
    if grid is None:
        return None
    codes, width = grid, grid.shape[1]
    if width == 0:
        return np.full(n, auto.accept[1])
    try:
        classes = auto.table[codes]
        unknown = classes == _UNKNOWN
        if unknown.any():
            auto.learn(np.flatnonzero(np.bincount(codes[unknown])))
            classes = auto.table[codes]
    except _Unsupported:
        auto.outgrown = True
        return None
    by_position = np.ascontiguousarray(classes.T)
    moves = auto.moves.ravel()
    k = auto.moves.shape[1]
    state = np.ones(n, dtype=np.int32)
    for j in range(width):
        state = moves[state * k + by_position[j]]
        if j % 8 == 7 and not state.any():
            break
    return auto.accept[state]


__all__ = ["MAX_WIDTH", "code_points", "fullmatch"]
