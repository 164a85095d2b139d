"""Shared helpers of the data-driven tests: where the data are, and the tiny patch language.

A patch is a list of operations on a document (the parsed YAML of a spec file) or on a loaded
:class:`specbook.Spec` (its DataFrames). Paths are dotted keys with ``[n]`` list indexes; keys may
contain spaces::

    {set: "flows[0].stuck_after_minutes", value: 1}
    {delete: "goal.primary"}
    {append: "systems", value: {name: ERP}}
    {set: "ownership[0].roles.Payment provider", value: master}

On a Spec the path is ``table``, ``table[row]`` or ``table[row].column`` (rows of the model's long
tables, 0-based), e.g. ``{set: "flows[0].source", value: ERP}`` or ``{append: "systems", value: {...}}``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from specbook.model import Spec, make_table

DATA = Path(__file__).parent / "data"
COMPLETE = DATA / "complete.yaml"

_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
_OPS = ("set", "delete", "append")


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def complete_document() -> dict[str, Any]:
    """complete.yaml parsed as plain YAML (every scalar as PyYAML types it)."""
    return read_yaml(COMPLETE)


def parse_path(path: str) -> list[str | int]:
    """``"flows[0].roles.Payment provider"`` -> ``["flows", 0, "roles", "Payment provider"]``."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        if path[pos] == ".":
            pos += 1
            continue
        m = _TOKEN.match(path, pos)
        if m is None:
            raise ValueError(f"bad patch path {path!r} at {pos}")
        parts.append(int(m[1]) if m[1] is not None else m[2])
        pos = m.end()
    if not parts:
        raise ValueError(f"empty patch path {path!r}")
    return parts


def _op(operation: dict[str, Any]) -> tuple[str, str]:
    names = [k for k in _OPS if k in operation]
    if len(names) != 1 or set(operation) - {*_OPS, "value"}:
        raise ValueError(f"a patch operation needs exactly one of {_OPS} (and maybe value): {operation!r}")
    return names[0], operation[names[0]]


def patch_document(doc: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """A patched deep copy of a parsed spec document."""
    doc = copy.deepcopy(doc)
    for operation in operations:
        name, path = _op(operation)
        *parents, last = parse_path(path)
        node: Any = doc
        for part in parents:
            node = node[part]
        value = copy.deepcopy(operation.get("value"))
        if name == "set":
            node[last] = value
        elif name == "delete":
            del node[last]
        else:
            current = node.get(last) if isinstance(node, dict) else node[last]
            if current is None:
                node[last] = []
            node[last].append(value)
    return doc


def dump_document(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)


def patch_spec(spec: Spec, operations: list[dict[str, Any]]) -> Spec:
    """A patched copy of a Spec, edited through its DataFrames (the loader is not involved)."""
    spec = spec.copy()
    for operation in operations:
        name, path = _op(operation)
        parts = parse_path(path)
        table = str(parts[0])
        df = spec[table]
        if name == "append":
            if len(parts) != 1:
                raise ValueError(f"append takes a table name, not {path!r}")
            spec[table] = pd.concat([df, make_table(table, [operation["value"]])], ignore_index=True)
        elif name == "delete":
            if len(parts) != 2 or not isinstance(parts[1], int):
                raise ValueError(f"delete takes table[row], not {path!r}")
            spec[table] = df.drop(index=parts[1]).reset_index(drop=True)
        else:
            if len(parts) != 3 or not isinstance(parts[1], int):
                raise ValueError(f"set takes table[row].column, not {path!r}")
            df.at[parts[1], str(parts[2])] = operation["value"]
    return spec
