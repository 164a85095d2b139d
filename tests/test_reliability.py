"""Reliability of the spec file: hostile input, resource bombs, crashes while saving, concurrent edits.

* any text or bytes given to ``loads``/``load`` give a Spec or a :class:`specbook.SpecError`, never another
  exception, and a Spec that loads writes back to the same Spec;
* alias bombs, deep nesting, tags, oversized documents and floods of values or problems are refused with
  one short message naming line and column, reading a bounded amount of work (no test races the clock:
  the times are in benchmarks/bench_storage.py);
* a writer killed at each stage of a save, and at random moments, leaves the file as the old or the new
  spec, never a mixture, and the next save cleans its temporary file;
* saving over a file that changed on disk since it was loaded is refused unless forced.

Every hypothesis test is derandomized and keeps no example database, so CI runs the same cases each time.
Their numbers of cases are the few that find bugs, not the most: the strategies are built from the
places bugs were found (odd values, tags, control characters, nesting, BOMs, pivot groups), and each
test also runs the hand-picked examples that once failed. Durations measured when the
numbers were chosen are in the commit that chose them.
"""

from __future__ import annotations

import copy
import importlib.util
import multiprocessing
import os
import random
import re
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

import specbook
from specbook import storage
from specbook.definitions import TOP_TABLES
from specbook.errors import SpecConflictError, SpecContentError, SpecFormatError, SpecSaveError
from specbook.model import table_records

ROOT = Path(__file__).resolve().parents[1]


def _load_generator() -> Callable[..., specbook.Spec]:
    location = ROOT / "benchmarks" / "generate.py"
    module_spec = importlib.util.spec_from_file_location("specbook_bench_generate", location)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    generate: Callable[..., specbook.Spec] = module.generate_spec
    return generate


generate_spec = _load_generator()


def _fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.filter_too_much])


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "value", fn()
    except Exception as exc:  # compared, not swallowed: both sides must fail the same way
        return type(exc).__name__, str(exc)


def _loads_or_refuses(text: str) -> specbook.Spec | None:
    """The only allowed outcomes of reading text: a Spec, or a SpecError (anything else fails the test)."""
    try:
        return specbook.loads(text, "fuzz.yaml")
    except specbook.SpecError as exc:
        assert exc.problems, "a SpecError names at least one problem"
        assert str(exc).startswith("fuzz.yaml")
        return None


def _assert_round_trips(spec: specbook.Spec) -> None:
    text = specbook.dumps(spec)
    again = specbook.loads(text)
    assert again == spec
    assert specbook.dumps(again) == text


@pytest.fixture(scope="module")
def folder() -> Any:
    with tempfile.TemporaryDirectory(prefix="specbook-reliability-") as tmp:
        yield Path(tmp)


# --------------------------------------------------------------------------- material for the fuzzers

BASES: list[str] = [specbook.dumps(generate_spec(12, "en")), specbook.dumps(generate_spec(14, "ru"))]
_COMPLETE = ROOT / "tests" / "data" / "complete.yaml"
if _COMPLETE.exists():
    BASES.append(_COMPLETE.read_text(encoding="utf-8"))

ODD_VALUES = [
    "[]", "{}", "[a, b]", "{a: b}", "[1, [2, [3]]]", "{name: {name: x}}", "~", "null", "''", '""', "!!int 5",
    "!!binary aGVsbG8=", "!!timestamp 2001-12-14", "!!float .inf", "!!set {a, b}", "!!omap [a: 1]",
    "!!python/object/apply:os.system [echo hi]", "!!python/name:os.system", "!!str", "!custom x",
    "!<tag:yaml.org,2002:str> x", "!!map {a: b}", "!!seq [a]", "&a x", "*a", "&a [1, 2]", "*unknown", ".nan", "0x1F",
    "1e3", "0o17", "yes", "No", "on", "2026-01-26", "12:30:00", "-", "- x", "|", ">", "|-", "'unclosed", '"unclosed',
    "'a''b'", '"\\x00\\ud800"', '"\\t\\n"', "# comment", "x # comment", "@x", "`x", "%x", "? x", ": x", "x\ty", "\t",
    "\ufeff", "\u2028", "\x85", "\x00", "\x1b[31m", "🙂", "é" * 300, "a" * 3000, "-1", "+5", "1_000",
    "99999999999999999999999", "1.0", "true", "false", "master", "reads", "create", "hourly", "en", "ru", "2", "1",
    "<<", "=", "---", "...",
]
EXTRA_LINES = [
    "unknown_key: x", "  unknown_key: x", "    nmae: x", "schema_version: 99", "schema_version: 1", "schema_version: x",
    "schema_version:", "schema_version: [2]", "language: de", "language: [en]", "language: {}", "x: &a [1, 2]",
    "y: *a", "<<: {a: 1}", "<<: *a", "---", "...", "%YAML 1.1", "%TAG ! tag:x,2000:", "--- !!map", "? [a, b]\n: c",
    "? {a: b}\n: c", "- x", "  - name: x", "    - ", "\t- x", "a: b: c", "systems:", "systems: x", "entities: {}",
    "fields: [1, 2]", "  fields:", "  roles: {A: master, A: copy}", "  values: [x]", "- name: System 1",
    "- name: ''", "- name:", "  - name: number", "project: [x]", "goal: x", "steps: 5", "  key_fields: x",
    "  key_fields: [[a]]", "  key_fields: [~]", "  volume_per_day: -5", "  volume_per_day: 1.5",
    "  max_delay_minutes: ９", "  required: maybe", "  personal: [true]", "!!python/object/apply:os.system ['true']",
    "- &a {name: x}\n- *a", "\ufeffschema_version: 2", "\x00", "\r", "a:\r\n  b",
]
TRICKY_TEXT = st.sampled_from([
    "", " ", "  x", "x ", "\n", "x\n", "\nx", "x\n\n", " \n x", "x\n ", "a\tb", "\r", "a\r\nb", "\x85", "\u2028",
    "\ufeff", "'", '"', "#", "x #y", "- x", "? x", ": x", "a: b", "*a", "&a", "!x", "|", ">", "%", "@", "`", "~",
    "null",
    "NULL", "true", "no", "1.0", "0x1F", "1e3", "2026-01-26", "12:30", "---", "...", "<<", "=", "🙂", "«Заказ №5»",
    "x" * 2000,
])
LINE_OPS = ("delete", "duplicate", "swap", "indent", "value", "insert", "nest", "block_nest", "tab")
TEXT_OPS = ("insert_text", "truncate", "bom", "crlf", "cr", "nel", "drop_char")


def _nesting(depth: int, flow: bool, closed: bool) -> str:
    if flow:
        return "x: " + "[" * depth + ("]" * depth if closed else "")
    return "x:\n" + "".join(" " * (i + 1) + "x:\n" for i in range(depth))


@st.composite
def mutated_texts(draw: DrawFn) -> str:
    """A dumped spec after a few line mutations and maybe a character-level one."""
    lines = draw(st.sampled_from(BASES)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [""]
        op = draw(st.sampled_from(LINE_OPS))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            delta = draw(st.integers(-4, 4))
            stripped = lines[i].lstrip(" ")
            lines[i] = " " * max(0, len(lines[i]) - len(stripped) + delta) + stripped
        elif op == "tab":
            lines[i] = "\t" + lines[i].lstrip(" ") if draw(st.booleans()) else lines[i].replace(": ", ":\t", 1)
        elif op == "value":
            value = draw(st.sampled_from(ODD_VALUES) | st.text(max_size=12))
            line = lines[i]
            if ": " in line or line.endswith(":"):
                lines[i] = line.split(":", 1)[0] + ": " + value
            elif line.lstrip().startswith("- "):
                lines[i] = line[: line.index("-")] + "- " + value
            else:
                lines[i] = value
        elif op == "insert":
            lines.insert(i, draw(st.sampled_from(EXTRA_LINES)))
        elif op == "nest":
            depth = draw(st.integers(1, 80) | st.just(3000))
            lines.insert(i, _nesting(depth, flow=True, closed=draw(st.booleans())))
        else:
            lines.insert(i, _nesting(draw(st.integers(1, 80)), flow=False, closed=True))
    text = "\n".join(lines)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        op = draw(st.sampled_from(TEXT_OPS))
        at = draw(st.integers(0, len(text)))
        if op == "insert_text":
            text = text[:at] + draw(ANY_TEXT) + text[at:]
        elif op == "truncate":
            text = text[:at]
        elif op == "bom":
            text = "\ufeff" + text if draw(st.booleans()) else text[:at] + "\ufeff" + text[at:]
        elif op == "crlf":
            text = text.replace("\n", "\r\n")
        elif op == "cr":
            text = text.replace("\n", "\r")
        elif op == "nel":
            text = text[:at] + "\x85" + text[at:]
        else:
            text = text[:at] + text[at + 1:]
    return text


ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=10)  # lone surrogates too
YAMLISH = st.text(
    alphabet=st.sampled_from([*"ab жё019 \n\n\n\t:-[]{},&*!|>'\"%@`#?\r~.<=_", "\ufeff", "\x85", "\u2028", "\x00",
                              "\ud800"]),
    max_size=80,
)
SPEC_KEYS = ["schema_version", "language", "project", "goal", "name", "primary", "systems", "entities", "fields",
             "kind", "required", "ownership", "entity", "field", "roles", "statuses", "values", "status", "flows",
             "source", "target", "volume_per_day", "duplicates", "key_fields", "scenarios", "steps", "covers",
             "reconciliations", "open_points", "signoff", "signed", "x"]


@st.composite
def yamlish_documents(draw: DrawFn) -> str:
    """Lines shaped like a spec's: indentation, maybe a list dash, a spec key, maybe a value."""
    out = ["schema_version: 2"] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 25))):
        indent = " " * draw(st.integers(0, 6))
        dash = "- " if draw(st.booleans()) else ""
        key = draw(st.sampled_from(SPEC_KEYS))
        value = draw(st.none() | st.sampled_from(ODD_VALUES) | st.text(max_size=8))
        out.append(f"{indent}{dash}{key}:" + ("" if value is None else f" {value}"))
    return "\n".join(out)


ODD_DATA = (st.none() | st.booleans() | st.integers(-10, 10**12) | st.floats() | TRICKY_TEXT | st.text(max_size=8)
            | st.sampled_from(ODD_VALUES) | st.dates() | st.binary(max_size=4))
SPEC_LIKE = st.recursive(
    ODD_DATA,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(SPEC_KEYS) | st.text(max_size=4), inner, max_size=5),
    max_leaves=30,
)
TOP_KEYS = ["language", "project", "goal", *(t.name for t in TOP_TABLES)]


def _dump_any(draw: DrawFn, document: Any) -> str:
    """Valid YAML for ``document``, in a drawn style (block, flow or mixed; sorted or not; ASCII or not)."""
    return yaml.safe_dump(document, allow_unicode=draw(st.booleans()), sort_keys=draw(st.booleans()),
                          default_flow_style=draw(st.sampled_from([False, None, True])),
                          width=draw(st.sampled_from([80, 1_000_000])))


@st.composite
def spec_shaped_documents(draw: DrawFn) -> str:
    """Valid YAML: spec keys at the top, anything below them."""
    document: dict[Any, Any] = {}
    version = draw(st.sampled_from(["2", "2", "2", 2, 2, "1", 1, None, "3", "x", "02", [2]]))
    if version is not None:
        document["schema_version"] = version
    for key in draw(st.lists(st.sampled_from(TOP_KEYS), max_size=5, unique=True)):
        document[key] = draw(SPEC_LIKE)
    return _dump_any(draw, document)


BASE_DOCUMENTS = [yaml.load(text, Loader=storage._Loader) for text in BASES]


def _subtrees(node: Any) -> list[Any]:
    found = [node]
    for child in node.values() if isinstance(node, dict) else node if isinstance(node, list) else ():
        found += _subtrees(child)
    return found


@st.composite
def mutated_documents(draw: DrawFn) -> str:
    """A parsed spec after a few edits of its data (delete, set, rename, duplicate, swap), dumped as YAML."""
    document = copy.deepcopy(draw(st.sampled_from(BASE_DOCUMENTS)))
    for _ in range(draw(st.integers(1, 4))):
        parent: Any = document
        key: Any = None
        while True:  # walk down to a random place
            if isinstance(parent, dict) and parent:
                key = draw(st.sampled_from(list(parent)))
            elif isinstance(parent, list) and parent:
                key = draw(st.integers(0, len(parent) - 1))
            else:
                break
            if isinstance(parent[key], dict | list) and parent[key] and draw(st.integers(0, 3)):
                parent = parent[key]
            else:
                break
        if key is None:
            continue
        op = draw(st.sampled_from(["delete", "set", "set", "copy", "rename", "duplicate", "swap"]))
        if op == "delete":
            del parent[key]
        elif op == "set":
            parent[key] = draw(ODD_DATA | SPEC_LIKE)
        elif op == "copy":  # a value from elsewhere in the document: names, references, whole records
            parent[key] = copy.deepcopy(draw(st.sampled_from(_subtrees(document))))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(SPEC_KEYS) | st.text(max_size=4))] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "swap" and isinstance(parent, list):
            other = draw(st.integers(0, len(parent) - 1))
            parent[key], parent[other] = parent[other], parent[key]
    return _dump_any(draw, document)


# --------------------------------------------------------------------------- a. hostile text and bytes


@_fuzz(300)
@given(text=YAMLISH | ANY_TEXT | st.text(max_size=60))
@example("!!binary aGVsbG8=")
@example("x: \x07")
@example("[" * 2000)
@example("\ufeff\ufeffa: b")
@example("a: !!python/name:os.system")
def test_random_text_loads_or_refuses(text: str) -> None:
    spec = _loads_or_refuses(text)
    if spec is not None:
        _assert_round_trips(spec)


@_fuzz(150)
@given(text=spec_shaped_documents() | yamlish_documents())
def test_spec_shaped_text_loads_or_refuses(text: str) -> None:
    spec = _loads_or_refuses(text)
    if spec is not None:
        _assert_round_trips(spec)


@_fuzz(250)
@given(text=mutated_texts())
def test_mutated_spec_loads_or_refuses_and_round_trips(text: str) -> None:
    spec = _loads_or_refuses(text)
    if spec is not None:
        _assert_round_trips(spec)


@_fuzz(120)
@given(text=mutated_documents())
def test_edited_spec_data_loads_or_refuses_and_round_trips(text: str) -> None:
    spec = _loads_or_refuses(text)
    if spec is not None:
        _assert_round_trips(spec)


@_fuzz(250)
@given(text=mutated_texts() | mutated_documents() | spec_shaped_documents() | yamlish_documents() | YAMLISH)
def test_fast_reader_reads_exactly_what_pyyaml_reads(text: str) -> None:
    """storage reads plain documents from parser events; the result (or error) is PyYAML's own."""
    if _outcome(lambda: storage._fast_load(text))[0] in ("_TooDeep", "_Aliased", "_Tagged", "_TooMany"):
        return  # refused before PyYAML's composer (recursion, alias expansion, tags) could be reached
    assert _outcome(lambda: storage._load_yaml(text)) == _outcome(lambda: yaml.load(text, Loader=storage._Loader))


BYTE_NOISE = [b"\xff", b"\xfe\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x00",
              b"\xef\xbb\xbf", b"\x80", b"\r", b"\t"]


@_fuzz(100)
@given(text=mutated_texts(), bom=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16"]),
       noise=st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(BYTE_NOISE) | st.binary(max_size=4)),
                      max_size=3),
       cut=st.none() | st.integers(0, 10**6))
def test_file_bytes_load_or_refuse(folder: Path, text: str, bom: bool, encoding: str,
                                   noise: list[tuple[int, bytes]], cut: int | None) -> None:
    data = text.encode(encoding, "surrogatepass")
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    for at, chunk in noise:
        at %= len(data) + 1
        data = data[:at] + chunk + data[at:]
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    path = folder / "fuzz.yaml"
    path.write_bytes(data)
    try:
        spec = specbook.load(path)
    except specbook.SpecError as exc:
        assert exc.problems
        return
    assert specbook.loads(data.decode("utf-8-sig")) == spec
    _assert_round_trips(spec)


# --------------------------------------------------------------------------- a. any text the model holds


FREE_TEXT = {
    "systems": ("owner", "contact", "notes"),
    "entities": ("description", "on_conflict"),
    "fields": ("meaning", "example"),
    "flows": ("why", "success", "notify", "operator_action", "workaround"),
    "steps": ("action", "expected"),
    "indicators": ("baseline", "target", "measured_by"),
    "open_points": ("who", "note"),
}
INTS = (("flows", "volume_per_day"), ("flows", "max_delay_minutes"), ("flows", "stuck_after_minutes"))
SMALL = {lang: generate_spec(10, lang) for lang in ("en", "ru")}

@_fuzz(80)
@given(data=st.data(), language=st.sampled_from(["en", "ru"]))
def test_any_text_in_any_cell_round_trips(data: st.DataObject, language: str) -> None:
    spec = SMALL[language].copy()
    text = TRICKY_TEXT | st.text(max_size=30) | st.lists(TRICKY_TEXT | st.text(max_size=6), max_size=4).map("".join)
    for _ in range(data.draw(st.integers(1, 8))):
        table = data.draw(st.sampled_from(sorted(FREE_TEXT)))
        df = spec[table]
        row = data.draw(st.integers(0, len(df) - 1))
        df.at[row, data.draw(st.sampled_from(FREE_TEXT[table]))] = data.draw(text)
    for table, column in INTS:
        row = data.draw(st.integers(0, len(spec[table]) - 1))
        spec[table].at[row, column] = data.draw(st.none() | st.integers(0, storage.MAX_INT))
    spec.set_scalar(data.draw(st.sampled_from(["project.name", "project.version", "project.date", "goal.problem"])),
                    data.draw(text))
    document = storage._document(spec)
    assert storage._fast_dump(document) == yaml.dump(document, Dumper=storage._Dumper, **storage._DUMP_OPTIONS)
    _assert_round_trips(spec)


@_fuzz(50)
@given(data=st.data(), language=st.sampled_from(["en", "ru"]))
def test_pivot_groups_split_and_shuffled_in_the_file_round_trip(data: st.DataObject, language: str) -> None:
    """A file may split an ownership or status group over several records, in any order."""
    spec = SMALL[language]
    document = storage._document(spec)
    for table, nest in (("ownership", "roles"), ("statuses", "values")):
        records = [{**record, nest: {key: value}} for record in document[table]
                   for key, value in record[nest].items()]
        document[table] = data.draw(st.permutations(records))
    loaded = _loads_or_refuses(yaml.dump(document, Dumper=storage._Dumper, **storage._DUMP_OPTIONS))
    assert loaded is not None
    _assert_round_trips(loaded)
    for table in ("ownership", "statuses"):
        assert sorted(map(str, table_records(loaded[table]))) == sorted(map(str, table_records(spec[table])))


PLAIN_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY_TEXT | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY_TEXT | st.text(max_size=6), inner, max_size=4)
    | st.lists(TRICKY_TEXT | st.text(max_size=6), max_size=3).map(storage._FlowList),
    max_leaves=25,
)


@_fuzz(200)
@given(document=st.dictionaries(st.text(max_size=8), PLAIN_DATA, max_size=5))
def test_fast_writer_writes_exactly_what_pyyaml_writes(document: dict[str, Any]) -> None:
    assert storage._fast_dump(document) == yaml.dump(document, Dumper=storage._Dumper, **storage._DUMP_OPTIONS)


def test_fast_writer_leaves_shared_and_foreign_values_to_pyyaml() -> None:
    shared = ["a"]
    documents: list[Any] = [{"a": shared, "b": shared}, {"a": 1.5}, {"a": (1, 2)}, {1.5: "x"}]
    for document in documents:
        with pytest.raises(storage._Unusual):
            storage._fast_dump(document)


def test_generated_specs_round_trip() -> None:
    for n in (1, 10, 37, 500):
        for language in ("en", "ru"):
            spec = generate_spec(n, language)
            assert len(spec["fields"]) == n
            _assert_round_trips(spec)
            assert generate_spec(n, language) == spec  # deterministic


# --------------------------------------------------------------------------- b. bombs and limits


def _billion_laughs(levels: int = 10, width: int = 10, prefix: str = "") -> str:
    lines = [prefix + 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{prefix}a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _refused(action: Callable[[], Any], error: type[specbook.SpecError] = SpecFormatError) -> str:
    """The one-line message of a refusal, which names line and column when the file has them."""
    with pytest.raises(error) as caught:
        action()
    assert len(caught.value.problems) == 1, caught.value.problems
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message
    return message


BOMBS = {
    "billion laughs": _billion_laughs(),
    "inside a valid spec": BASES[0] + _billion_laughs(),
    "block style": "schema_version: 2\nx: &a\n- lol\n- lol\n" + "".join(
        f"x{i}: &a{i}\n" + f"- *a{'' if i == 1 else i - 1}\n" * 10 for i in range(1, 12)),
    "as keys": "schema_version: 2\n" + _billion_laughs() + "? *a9\n: x\n",
    "behind a BOM": "\ufeff" + _billion_laughs(),
    "flow, one line": "{a: &a [x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a], "
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b], d: &d [*c, *c, *c, *c, *c, *c, *c, *c], "
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d], f: [*e, *e, *e, *e, *e, *e, *e, *e]}",
    "merge keys": "schema_version: 2\nbase: &b {x: 1}\n" + "".join(f"m{i}: {{<<: *b}}\n" for i in range(1000)),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_alias_bomb_is_refused(name: str, folder: Path) -> None:
    text = BOMBS[name]
    assert "anchors or aliases" in _refused(lambda: specbook.loads(text))
    path = folder / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    _refused(lambda: specbook.load(path))


DEEP = {
    "unclosed flow": "[" * 5_000_000,
    "closed flow": "x: " + "[" * 1_000_000 + "]" * 1_000_000,
    "with an alias": "*a " + "[" * 1_000_000,
    "block sequence": "- " * 1_000_000 + "x",
    "flow mapping": "{a: " * 1_000_000,
    "block mapping": "".join(" " * i + "k:\n" for i in range(3000)),
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_refused(name: str) -> None:
    """PyYAML's C composer recurses per level (the interpreter crashes around 10⁵ levels) and libyaml's
    scanner is quadratic in flow depth, so deep documents must be refused before either gets them; and
    whichever refuses first (libyaml 0.2.5 with PyYAML 6.0.4 has a depth limit of its own), the words are
    specbook's."""
    text = DEEP[name]
    message = _refused(lambda: specbook.loads(text, "deep.yaml"))
    assert re.fullmatch(r"deep\.yaml:\d+:\d+: is nested too deeply", message), message
    assert "exceeded" not in message


TAGS = ["!!binary aGVsbG8=", "!!python/object/apply:os.system [echo hi]", "!!python/name:os.system", "!custom x",
        "!<tag:yaml.org,2002:str> x", "!!str x", "!!int 5", "! x", "!!set {a, b}", "!!timestamp 2001-12-14"]


@pytest.mark.parametrize("value", TAGS)
def test_a_yaml_tag_is_refused_by_name(value: str) -> None:
    text = f"schema_version: 2\nproject:\n  name: {value}\n"
    message = _refused(lambda: specbook.loads(text, "tag.yaml"))
    shown = value.split(" ")[0].replace("!<tag:yaml.org,2002:", "!!").rstrip(">")
    assert message.startswith(f"tag.yaml:3:9: uses the YAML tag «{shown}»"), message
    assert "b'" not in message and "constructor" not in message


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\x7f", "\ufffe"])
@pytest.mark.parametrize("before", ["ab", "Ромашка", "🙂"])
def test_a_control_character_is_placed_by_line_and_column(char: str, before: str) -> None:
    text = f"schema_version: 2\nproject:\n  name: {before}{char}x\n"
    message = _refused(lambda: specbook.loads(text, "ctrl.yaml"))
    assert message == (f"ctrl.yaml:3:{9 + len(before)}: contains the control character U+{ord(char):04X}, which "
                       "YAML does not allow; delete it")


def test_an_oversized_number_is_not_echoed_in_full() -> None:
    text = "schema_version: 2\nflows:\n- name: a\n  volume_per_day: " + "9" * 100_000 + "\n"
    message = _refused(lambda: specbook.loads(text, "big.yaml"), SpecContentError)
    assert message.startswith("big.yaml:4:3: flows[0].volume_per_day: «999") and "(100,000 chars)" in message


def _names(n: int) -> str:
    return "schema_version: 2\nsystems:\n" + "- name: x\n" * n


@pytest.mark.parametrize("n", [200, 22_000])  # 2 KB and 220 KB of one repeated name
def test_a_flood_of_problems_is_capped(n: int) -> None:
    with pytest.raises(SpecContentError) as caught:
        specbook.loads(_names(n), "dups.yaml")
    problems = caught.value.problems
    assert len(problems) == storage.MAX_PROBLEMS + 1
    assert problems[-1].message == f"… and {n - 1 - storage.MAX_PROBLEMS} more problems"
    assert problems[0].render("dups.yaml") == "dups.yaml:4:3: systems[1].name: «x» is declared twice (first at line 3)"
    assert len(str(caught.value)) < 100 * (storage.MAX_PROBLEMS + 1)


def test_more_rows_than_a_spec_holds_are_one_problem() -> None:
    message = _refused(lambda: specbook.loads(_names(220_000), "dups.yaml"), SpecContentError)  # 2.2 MB
    assert message.startswith(f"dups.yaml:{storage.MAX_ROWS + 3}:3: systems[{storage.MAX_ROWS}]: is one row too many")


LIST = "schema_version: 2\nx: [" + ", ".join("[" + "a, " * 29_000 + "a]" for _ in range(40)) + "]\n"
HUGE = {  # each refused while it is read, by the first limit it crosses
    "20 MB of repeated names": (lambda: _names(2_000_000),
                                r"huge\.yaml:30003:3: systems\[30000\]: is one row too many: .*"),
    "a 20 MB one-line flow list": (lambda: "schema_version: 2\nx: [" + "a, " * 7_000_000 + "a]\n",
                                   r"huge\.yaml:2:90005: holds more than 30,000 items in one list, .*"),
    "a million one-line mappings": (lambda: "schema_version: 2\nx: [" + "{a: b}, " * 1_000_000 + "{}]\n",
                                    r"huge\.yaml:2:\d+: x\[30000\]: is one row too many: .*"),
    "repeated keys in 100,000 rows": (lambda: "schema_version: 2\nsystems:\n" + "- {name: x, name: y}\n" * 100_000,
                                      r"huge\.yaml:30003:3: is one row too many: .*"),
    "40 lists of 29,001 items": (lambda: LIST, r"huge\.yaml:\d+:\d+: holds more than 1,000,000 values, .*"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(HUGE))
def test_a_file_of_too_many_values_is_refused_while_it_is_read(name: str) -> None:
    """Reading costs a few microseconds per value: past MAX_ROWS mappings in lists, MAX_ROWS items in one
    list or MAX_VALUES values in all the parser is stopped, whatever follows."""
    build, expected = HUGE[name]
    text = build()
    assert len(text) < storage.MAX_BYTES
    message = _refused(lambda: specbook.loads(text, "huge.yaml"), specbook.SpecError)
    assert re.fullmatch(expected, message), message


def test_a_list_as_long_as_a_spec_holds_rows_is_read() -> None:
    """The limits that stop a huge file early refuse nothing a spec can hold: a list of MAX_ROWS items and
    MAX_ROWS rows are read to the end (and found wrong here for what they are, not for their length)."""
    rows = storage.MAX_ROWS
    message = _refused(lambda: specbook.loads("schema_version: 2\nx: [" + "a, " * (rows - 1) + "a]\n", "f.yaml"),
                       SpecContentError)
    assert message == "f.yaml:2:1: x: unknown key «x»", message
    text = "schema_version: 2\nsystems:\n" + "- name: x\n" * (rows // 2) + "flows:\n" + "- name: y\n" * (rows // 2)
    with pytest.raises(SpecContentError) as caught:
        specbook.loads(text, "f.yaml")
    assert "declared twice" in caught.value.problems[0].message
    with pytest.raises(SpecContentError) as caught:
        specbook.loads(text + "- name: z\n", "f.yaml")
    assert str(caught.value) == (f"f.yaml:{rows + 4}:3: flows[{rows // 2}]: is one row too many: a spec holds "
                                 f"at most {rows:,} rows; is it the right file?")


@pytest.mark.slow  # 30,000 rows loaded, saved and loaded again
def test_a_spec_that_loads_saves_to_a_file_that_loads(tmp_path: Path) -> None:
    """A file of short rows (one value each) is written back with every column: a row limit, not only a
    value limit, keeps what loads loadable after a save."""
    path = tmp_path / "spec.yaml"
    rows = storage.MAX_ROWS
    path.write_text("schema_version: 2\nflows:\n" + "".join(f"- name: f{i}\n" for i in range(rows)))
    spec = specbook.load(path)
    spec.project.name = "big"
    specbook.save(spec, path)
    assert specbook.load(path) == spec
    path.write_text("schema_version: 2\nsystems:\n" + "".join(f"- name: s{i}\n" for i in range(100_000)))
    with pytest.raises(SpecContentError) as caught:  # the harness's 100,000 systems: refused with its place
        specbook.load(path)
    assert str(caught.value) == (f"{path}:{rows + 3}:3: systems[{rows}]: is one row too many: a spec holds at "
                                 f"most {rows:,} rows; is it the right file?")


def test_nesting_as_deep_as_a_spec_is_fine() -> None:
    spec = _loads_or_refuses("schema_version: 2\nsystems: " + "[" * 60 + "]" * 60)
    assert spec is None  # a content error (a list where a system should be), not a crash


def test_oversized_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "MAX_BYTES", 1000)
    assert specbook.loads("schema_version: 2\n" + "#" * 900) == specbook.Spec()
    message = _refused(lambda: specbook.loads("schema_version: 2\n" + "#" * 1000))
    assert "1000" in message
    _refused(lambda: specbook.loads("schema_version: 2\n#" + "ж" * 500))  # 500 letters, 1000+ bytes


def test_oversized_text_is_refused_at_the_real_limit() -> None:
    text = "schema_version: 2\n#" + "x" * storage.MAX_BYTES
    _refused(lambda: specbook.loads(text))


def test_oversized_file_is_refused_without_reading_it(folder: Path) -> None:
    path = folder / "huge.yaml"
    with path.open("wb") as handle:  # sparse: MAX_BYTES + 1 bytes of holes, nothing on disk
        handle.truncate(storage.MAX_BYTES + 1)
    try:
        message = _refused(lambda: specbook.load(path))
        assert str(storage.MAX_BYTES) in message
    finally:
        path.unlink()


def test_lone_surrogates_are_a_spec_error() -> None:
    with pytest.raises(SpecFormatError) as caught:
        specbook.loads("schema_version: 2\nproject:\n  name: \ud800")
    assert caught.value.problems[0].line == 3


# --------------------------------------------------------------------------- c. crash safety


def _writer(path: str, specs: tuple[specbook.Spec, specbook.Spec]) -> None:
    """Save A, B, A, B, … until killed."""
    i = 0
    while True:
        specbook.save(specs[i % 2], path, force=True)
        i += 1


STAGES = ("temporary", "writing", "rename", "renamed")


def _staged_writer(path: str, spec: specbook.Spec, stop_at: str, report: int) -> None:
    """Save ``spec`` once, writing the name of each stage of the save to the pipe ``report``; at ``stop_at``
    wait to be killed there."""

    def stage(name: str) -> None:
        os.write(report, name.encode() + b"\n")
        if name == stop_at:
            time.sleep(600)

    storage._stage_hook = stage
    specbook.save(spec, path, force=True)


def _check_after_kill(path: Path, wanted: dict[bytes, str], specs: dict[str, specbook.Spec]) -> str:
    """The file is the old or the new spec; the next save removes the killed save's temporary file."""
    data = path.read_bytes()
    assert data in wanted, "the spec file holds neither the old nor the new spec"
    which = wanted[data]
    spec = specbook.load(path)
    assert spec == specs[which]
    others = [p for p in path.parent.iterdir() if p != path]
    assert all(p.name.startswith(".spec.yaml.") and p.name.endswith(".tmp") for p in others), others
    spec.goal.problem = f"saved after a kill ({which})"
    specbook.save(spec, path)  # the lock of the killed writer is not held, and its leftovers go
    assert [p.name for p in path.parent.iterdir()] == ["spec.yaml"]
    specbook.save(specs[which], path, force=True)
    return which


@pytest.mark.parametrize("stage", STAGES)
def test_a_writer_killed_at_each_stage_leaves_old_or_new_file(tmp_path: Path, stage: str) -> None:
    a, b = generate_spec(150, "en"), generate_spec(150, "ru")
    specs = {"A": a, "B": b}
    wanted = {specbook.dumps(a).encode("utf-8"): "A", specbook.dumps(b).encode("utf-8"): "B"}
    path = tmp_path / "spec.yaml"
    specbook.save(a, path)
    read_end, write_end = os.pipe()
    child = multiprocessing.get_context("fork").Process(target=_staged_writer, args=(str(path), b, stage, write_end),
                                                         daemon=True)
    child.start()
    os.close(write_end)
    seen: list[str] = []
    with os.fdopen(read_end, "rb") as reports:
        for line in reports:  # a hang guard only: the child stops at the stage it was given
            seen.append(line.decode().strip())
            if seen[-1] == stage:
                break
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert seen == list(STAGES[: STAGES.index(stage) + 1])  # every stage before it was passed, in order
    temporary = [p for p in tmp_path.iterdir() if p != path]
    assert bool(temporary) == (stage in ("writing", "rename"))  # a temporary file exists only between
    which = _check_after_kill(path, wanted, specs)
    assert which == ("B" if stage == "renamed" else "A")


@pytest.mark.slow
def test_a_writer_killed_at_random_leaves_old_or_new_file(tmp_path: Path) -> None:
    a, b = generate_spec(150, "en"), generate_spec(150, "ru")
    specs = {"A": a, "B": b}
    wanted = {specbook.dumps(a).encode("utf-8"): "A", specbook.dumps(b).encode("utf-8"): "B"}
    path = tmp_path / "spec.yaml"
    specbook.save(a, path)
    context = multiprocessing.get_context("fork")
    rnd = random.Random(20260126)
    for _ in range(30):
        child = context.Process(target=_writer, args=(str(path), (a, b)), daemon=True)
        child.start()
        time.sleep(rnd.uniform(0.0, 0.12))
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(60)
        assert child.exitcode == -signal.SIGKILL
        _check_after_kill(path, wanted, specs)


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "spec.yaml"
    spec = generate_spec(20)
    specbook.save(spec, path)
    before = path.read_bytes()

    def broken_fsync(fd: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    spec.project.name = "changed"
    with pytest.raises(SpecSaveError) as caught:
        specbook.save(spec, path)
    assert str(caught.value).startswith(f"{path}: ") and "disk is full" in str(caught.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"]


# --------------------------------------------------------------------------- d. conflicts


@pytest.mark.parametrize("edit", ["rewrite", "same size and time", "replaced by rename", "appended"])
def test_save_refuses_a_file_changed_behind_its_back(tmp_path: Path, edit: str) -> None:
    path = tmp_path / "spec.yaml"
    specbook.save(generate_spec(30, "en"), path)
    spec = specbook.load(path)
    original = path.read_bytes()
    stat = path.stat()
    if edit == "rewrite":
        path.write_text(specbook.dumps(generate_spec(31, "en")), encoding="utf-8")
    elif edit == "same size and time":
        changed = original.replace(b"Team lead of 1", b"Team lead of 7", 1)
        assert changed != original and len(changed) == len(original)
        path.write_bytes(changed)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif edit == "replaced by rename":
        other = tmp_path / "other.yaml"
        other.write_bytes(original.replace(b"language: en", b"language: ru", 1))
        other.replace(path)
    else:
        with path.open("ab") as handle:
            handle.write(b"# a comment\n")
    on_disk = path.read_bytes()

    spec.project.name = "mine"
    with pytest.raises(SpecConflictError):
        specbook.save(spec, path)
    assert path.read_bytes() == on_disk
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"]

    specbook.save(spec, path, force=True)
    assert path.read_bytes() == specbook.dumps(spec).encode("utf-8")
    assert specbook.load(path) == spec
    spec.goal.problem = "after the forced save the spec owns the file again"
    specbook.save(spec, path)
    assert specbook.load(path) == spec
