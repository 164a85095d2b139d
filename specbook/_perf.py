"""Small performance helpers shared by storage, checks and export."""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
import types
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large document is built or written.

    Parsing, reading and dumping allocate hundreds of thousands of containers that all stay alive; the
    collector would scan them again and again for nothing to collect (2-3× the work itself at 10k fields).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_IRI_GRAMMAR = "rfc3987_syntax"


def defer_iri_grammar() -> None:
    """Build jsonschema's IRI grammar when an IRI is first checked, not when jsonschema is imported.

    nbformat imports jsonschema, whose ``iri`` format checker imports ``rfc3987_syntax``, which builds three
    Earley grammars at import: about 3 s of CPU on a loaded machine, for a check no export makes. Before
    jsonschema is imported, this puts a stand-in under that module's name: its ``is_valid_syntax`` (all that
    jsonschema takes) and every other name import the real module on first use, so every check still runs
    as it would. Does nothing once jsonschema or the grammar is imported."""
    if "jsonschema" in sys.modules or _IRI_GRAMMAR in sys.modules:
        return
    stand_in = types.ModuleType(_IRI_GRAMMAR, "Stands in for rfc3987_syntax until it is first used.")

    loaded: list[types.ModuleType] = []

    def real() -> types.ModuleType:
        if not loaded:
            if sys.modules.get(_IRI_GRAMMAR) is stand_in:
                del sys.modules[_IRI_GRAMMAR]
            loaded.append(importlib.import_module(_IRI_GRAMMAR))
        return loaded[0]

    def is_valid_syntax(term: str, value: str) -> bool:
        return bool(real().is_valid_syntax(term, value))

    def __getattr__(name: str) -> object:  # a module's own attribute hook (PEP 562)
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(real(), name)

    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    stand_in.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[_IRI_GRAMMAR] = stand_in
