"""64-bit hashes of strings over a whole column at once, in numpy.

Equal strings get equal hashes whichever column or file they come from: a string's hash depends on its
characters and its length only (cells are read as fixed-width text, eight bytes at a time, rows grouped by
how many eight-byte words they take). Distinct strings collide about once in 2**64 pairs, which makes a
collision among the rows of an export a non-event.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_PRIME = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _finish(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    h ^= h >> np.uint64(30)
    h *= _M1
    h ^= h >> np.uint64(27)
    h *= _M2
    h ^= h >> np.uint64(31)
    return h


def text_hashes(cells: np.ndarray) -> np.ndarray:
    """A ``uint64`` per cell (each a ``str``); ``pd.util.hash_array`` for anything else in the column."""
    n = len(cells)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if pd.api.types.infer_dtype(cells, skipna=False) != "string":
        return np.asarray(pd.util.hash_array(np.asarray(cells, dtype=object)), dtype=np.uint64)
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=n)
    words = (lengths + 1) // 2  # a character takes four bytes: two to a word
    out = np.empty(n, dtype=np.uint64)
    counts = np.bincount(words)
    for k in np.flatnonzero(counts).tolist():
        every = counts[k] == n
        rows = np.arange(n) if every else np.flatnonzero(words == k)
        h = lengths[rows].astype(np.uint64) * _PRIME
        if k:
            text = np.asarray(cells if every else cells[rows], dtype=f"<U{2 * k}")
            block = text.view(np.uint64).reshape(len(rows), k)
            for j in range(k):
                h ^= block[:, j]
                h *= _PRIME
                h ^= h >> np.uint64(32)
        out[rows] = _finish(h)
    return out


__all__ = ["text_hashes"]
