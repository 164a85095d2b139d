"""The spec file: canonical round trips, one-line diffs, broken files with their places, safe saving."""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import COMPLETE, DATA, complete_document, dump_document, read_yaml

import specbook
from specbook import errors, storage
from specbook.definitions import TABLE
from specbook.model import make_table, table_records

BROKEN = sorted(p for p in (DATA / "broken").glob("*.yaml") if not p.name.endswith(".expected.yaml"))


def _text() -> str:
    return COMPLETE.read_text(encoding="utf-8")


def _changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    removed = [d[1:] for d in diff if d.startswith("-") and not d.startswith("---")]
    added = [d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")]
    return removed, added


# --------------------------------------------------------------------------- round trips


def test_round_trip_is_byte_identical(tmp_path: Path) -> None:
    text = _text()
    assert specbook.dumps(specbook.loads(text)) == text
    spec = specbook.load(COMPLETE)
    target = tmp_path / "spec.yaml"
    specbook.save(spec, target)
    assert target.read_bytes() == COMPLETE.read_bytes()
    assert specbook.load(target) == spec


def test_workbook_folder_stands_for_its_spec_file(tmp_path: Path) -> None:
    specbook.save(specbook.load(COMPLETE), tmp_path)
    assert (tmp_path / "spec.yaml").read_bytes() == COMPLETE.read_bytes()
    assert specbook.load(tmp_path) == specbook.load(COMPLETE)


def test_dumps_is_stable_under_repeat() -> None:
    once = specbook.dumps(specbook.loads(_text()))
    assert specbook.dumps(specbook.loads(once)) == once


# One cell of the model, and the single line of the file it must change.
ONE_CELL: list[tuple[str, str, int, str, Any, str]] = [
    # id, table (or "project"/"goal"), row, column, new value, the new line
    ("scalar", "project", 0, "version", "1.1", "  version: '1.1'"),
    ("choice", "goal", 0, "primary", "speed_up", "  primary: speed_up"),
    ("number", "flows", 1, "stuck_after_minutes", 45, "  stuck_after_minutes: 45"),
    ("number-cleared", "flows", 0, "volume_per_day", None, "  volume_per_day:"),
    ("choice-in-row", "flows", 0, "trigger", "every_15_min", "  trigger: every_15_min"),
    ("nested-bool", "fields", 2, "personal", False, "    personal: false"),
    ("nested-text", "fields", 0, "example", "WEB-1", "    example: WEB-1"),
    ("pivot-role", "ownership", 1, "role", "reads", "    CRM: reads"),
    ("pivot-value", "statuses", 3, "value", "Paid", "    CRM: Paid"),
    ("list", "duplicates", 0, "key_fields", ["Order number", "Amount"], "  key_fields: [Order number, Amount]"),
    ("grandchild", "steps", 2, "expected", "Succeeded", "    expected: Succeeded"),
    ("last-table", "signoff", 1, "signed", True, "  signed: true"),
]


@pytest.mark.parametrize(("table", "row", "column", "value", "line"), [c[1:] for c in ONE_CELL],
                         ids=[c[0] for c in ONE_CELL])
def test_one_cell_changes_one_line(table: str, row: int, column: str, value: Any, line: str) -> None:
    spec = specbook.load(COMPLETE)
    before = specbook.dumps(spec)
    if table in ("project", "goal"):
        spec.set_scalar(f"{table}.{column}", value)
    else:
        spec[table].at[row, column] = value
    after = specbook.dumps(spec)
    removed, added = _changed_lines(before, after)
    assert len(removed) == 1, removed
    assert added == [line]
    assert specbook.dumps(specbook.loads(after)) == after


def test_one_line_of_multiline_text_changes_one_line() -> None:
    spec = specbook.load(COMPLETE)
    before = specbook.dumps(spec)
    spec.goal.problem = spec.goal.problem.replace("two hours", "three hours")
    removed, added = _changed_lines(before, specbook.dumps(spec))
    assert (len(removed), len(added)) == (1, 1)
    assert "three hours" in added[0]


def test_cyrillic_is_written_as_text(tmp_path: Path) -> None:
    spec = specbook.load(COMPLETE)
    spec.language = "ru"
    spec.project.name = "Интеграция магазина и CRM"
    spec["systems"].at[0, "owner"] = "Отдел электронной коммерции — «Ромашка»"
    text = specbook.dumps(spec)
    assert "name: Интеграция магазина и CRM" in text
    assert "owner: Отдел электронной коммерции — «Ромашка»" in text
    assert "\\u" not in text and "\\x" not in text
    path = tmp_path / "spec.yaml"
    specbook.save(spec, path)
    assert "Интеграция".encode() in path.read_bytes()
    assert specbook.load(path) == spec


def test_russian_spec_round_trips() -> None:
    text = (DATA / "specs" / "partial_ru.yaml").read_text(encoding="utf-8")
    canonical = specbook.dumps(specbook.loads(text))
    assert "Коммерческий директор" in canonical
    assert specbook.loads(canonical) == specbook.loads(text)
    assert specbook.dumps(specbook.loads(canonical)) == canonical


TOP_KEYS = ["schema_version", "language", "project", "goal", "indicators", "systems", "entities", "ownership",
            "statuses", "flows", "duplicates", "scenarios", "reconciliations", "samples", "open_points", "signoff"]


def _top_keys(text: str) -> list[str]:
    return [m[1] for m in re.finditer(r"^([a-z_]+):", text, re.MULTILINE)]


def _reverse_keys(node: Any, parent: str = "") -> Any:
    """Every mapping's keys in reverse order, except the pivot maps whose order is the rows' order."""
    if isinstance(node, dict):
        items = list(node.items())
        if parent not in ("roles", "values"):
            items.reverse()
        return {k: _reverse_keys(v, k) for k, v in items}
    if isinstance(node, list):
        return [_reverse_keys(v, parent) for v in node]
    return node


def test_key_order_is_fixed() -> None:
    text = _text()
    assert _top_keys(text) == TOP_KEYS
    assert _top_keys(specbook.dumps(specbook.Spec())) == TOP_KEYS
    flows = text.split("\nflows:\n")[1].split("\nduplicates:")[0]
    flow_keys = [m[1] for m in re.finditer(r"^(?:- |  )([a-z_]+):", flows, re.MULTILINE)]
    columns = [c.name for c in TABLE["flows"].file_columns] + ["mapping"]  # a flow's mapping comes last
    assert flow_keys == columns * 2


def test_key_order_does_not_depend_on_the_file() -> None:
    shuffled = dump_document(_reverse_keys(complete_document()))
    assert shuffled != _text()
    assert specbook.dumps(specbook.loads(shuffled)) == _text()


def test_model_built_spec_dumps_like_loaded_one() -> None:
    loaded = specbook.load(COMPLETE)
    built = specbook.Spec(language="en", project=loaded.project, goal=loaded.goal,
                          tables={name: make_table(name, table_records(df)) for name, df in loaded.tables.items()})
    assert specbook.dumps(built) == _text()


MULTILINE = [
    ("two lines", "First line\nsecond line"),
    ("trailing newline", "First line\nsecond line\n"),
    ("indented", "Steps:\n  1. open the CRM\n  2. resend\n"),
    ("leading space", "  indented first line\nsecond"),
    ("blank lines kept", "one\n\n\ntwo\n\n"),
    ("looks like yaml", "- not a list\nkey: not a mapping\n# not a comment"),
    ("cyrillic", "Первая строка\nвторая строка\n"),
]


@pytest.mark.parametrize("value", [m[1] for m in MULTILINE], ids=[m[0] for m in MULTILINE])
def test_multiline_text_is_a_block_scalar(value: str) -> None:
    spec = specbook.load(COMPLETE)
    spec["flows"].at[0, "operator_action"] = value
    text = specbook.dumps(spec)
    line = next(ln for ln in text.splitlines() if ln.startswith("  operator_action:"))
    assert re.fullmatch(r"  operator_action: \|[0-9]?[-+]?", line), line
    assert "\\n" not in text
    assert specbook.loads(text)["flows"].at[0, "operator_action"] == value


def test_text_that_yaml_would_retype_stays_text() -> None:
    spec = specbook.load(COMPLETE)
    for i, value in enumerate(["yes", "no", "1.0", "2026-01-26", "null", "~", "0x1F", "1e3", "true", "- x", "#"]):
        spec["signoff"].at[i % 2, "organisation"] = value
        assert specbook.loads(specbook.dumps(spec))["signoff"].at[i % 2, "organisation"] == value


# --------------------------------------------------------------------------- schema 1


def test_schema_1_migrates_to_its_schema_2_counterpart() -> None:
    old = specbook.load(DATA / "schema1" / "complete.v1.yaml")
    assert old == specbook.load(DATA / "schema2" / "complete.v2.yaml")
    assert old["flows"]["stuck_after_minutes"].tolist() == [15, 30]


@pytest.mark.parametrize("old", ["schema1/complete.v1.yaml", "schema2/complete.v2.yaml"])
def test_older_schemas_migrate_to_schema_3(old: str) -> None:
    """A schema-1 or schema-2 file loads with no field names per system and no mappings; given the ones of
    complete.yaml it is complete.yaml, and it is written back as schema 3."""
    spec = specbook.load(DATA / old)
    assert spec["system_fields"].empty and spec["mappings"].empty
    text = specbook.dumps(spec)
    assert text.startswith("schema_version: 3\n")
    assert "  system_fields: []\n" in text and "  mapping: []\n" in text
    assert specbook.loads(text) == spec
    new = specbook.load(COMPLETE)
    spec["system_fields"], spec["mappings"] = new["system_fields"], new["mappings"]
    assert spec == new
    assert specbook.dumps(spec) == _text()


# --------------------------------------------------------------------------- broken files


def _broken_params() -> list[Any]:
    params = []
    for path in BROKEN:
        expected = read_yaml(path.with_name(path.stem + ".expected.yaml"))
        marks = [pytest.mark.xfail(strict=True, reason=expected["xfail"])] if "xfail" in expected else []
        params.append(pytest.param(path, expected, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize(("path", "expected"), _broken_params())
def test_broken_file_names_each_problem(path: Path, expected: dict[str, Any]) -> None:
    with pytest.raises(specbook.SpecError) as caught:
        specbook.load(path)
    err = caught.value
    assert type(err).__name__ == expected["error"]
    assert isinstance(err, getattr(errors, expected["error"]))
    got = [(p.line, p.path, p.message) for p in err.problems]
    want = expected["problems"]
    assert len(got) == len(want), got
    for (line, field, message), w in zip(got, want, strict=True):
        assert (line, field) == (w["line"], w["path"]), (line, field, message)
        for part in w["message"] if isinstance(w["message"], list) else [w["message"]]:
            assert part in message, message
        if "absent" in w:
            assert w["absent"] not in message, message
    text = str(err)
    for problem, w in zip(err.problems, want, strict=True):  # every problem: file, line and column
        assert problem.line is not None and problem.column is not None, problem
        assert f"{path}:{problem.line}:{problem.column}: " in text, text
        if "column" in w:
            assert problem.column == w["column"], problem
    assert err.source == str(path)


def test_broken_data_present() -> None:
    names = {p.stem for p in BROKEN}
    assert names >= {"malformed", "tabs", "wrong_types", "typo_key", "unknown_reference", "duplicate_entity",
                     "newer_version", "missing_version", "bad_language", "not_utf8", "anchors"}
    assert b"\t" in (DATA / "broken" / "tabs.yaml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        (DATA / "broken" / "not_utf8.yaml").read_bytes().decode("utf-8")


def test_loads_names_its_source() -> None:
    with pytest.raises(specbook.SpecError) as caught:
        specbook.loads("schema_version: 2\nlanguage: en\nflows:\n- name: ''\n", "acme/spec.yaml")
    assert str(caught.value) == "acme/spec.yaml:4:3: flows[0].name: must not be empty"


def test_every_problem_collected_not_just_the_first() -> None:
    doc = complete_document()
    doc["flows"][0]["trigger"] = "weekly"
    doc["flows"][1]["volume_per_day"] = "many"
    doc["systems"][0]["kind"] = "shop"
    with pytest.raises(errors.SpecContentError) as caught:
        specbook.loads(dump_document(doc))
    assert [p.path for p in caught.value.problems] == [
        "systems[0].kind", "flows[0].trigger", "flows[1].volume_per_day"]


# --------------------------------------------------------------------------- saving


def test_save_refuses_to_overwrite_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(COMPLETE.read_bytes())
    spec = specbook.load(path)
    spec.project.version = "1.1"
    theirs = _text().replace("contact: Anna Petrova", "contact: Anna P.")
    path.write_text(theirs, encoding="utf-8")
    with pytest.raises(errors.SpecConflictError) as caught:
        specbook.save(spec, path)
    assert str(path) in str(caught.value)
    assert path.read_text(encoding="utf-8") == theirs  # their work is untouched
    specbook.save(spec, path, force=True)
    assert specbook.load(path).project.version == "1.1"
    spec.project.version = "1.2"
    specbook.save(spec, path)  # after a forced save the file is ours again
    assert specbook.load(path).project.version == "1.2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]  # no temporary files left behind


def test_save_refuses_a_file_it_never_read(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("schema_version: 2\nlanguage: en\n", encoding="utf-8")
    with pytest.raises(errors.SpecConflictError):
        specbook.save(specbook.load(COMPLETE), path)
    assert path.read_text(encoding="utf-8") == "schema_version: 2\nlanguage: en\n"


def test_two_saves_in_a_row_need_no_force(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    spec = specbook.load(COMPLETE)
    specbook.save(spec, path)
    spec.project.version = "2.0"
    specbook.save(spec, path)
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["project"]["version"] == "2.0"


# --------------------------------------------------------------------------- known bugs, kept as failing cases

EMPTY_PIVOTS = [
    pytest.param("statuses", {"entity": "Order", "status": "Cancelled", "values": {}}, "Cancelled", id="status"),
    pytest.param("ownership", {"entity": "Order", "field": "Amount", "roles": {}}, "field: Amount", id="ownership"),
]


@pytest.mark.parametrize(("table", "record", "marker"), EMPTY_PIVOTS)
def test_pivot_record_without_values_is_kept_or_refused(table: str, record: dict[str, Any], marker: str) -> None:
    doc = complete_document()
    doc[table].append(record)
    text = dump_document(doc)
    try:
        spec = specbook.loads(text)
    except errors.SpecContentError:
        return  # refusing it, with its line, would be fine too
    assert marker in specbook.dumps(spec)


# --------------------------------------------------------------------------- saving where it cannot be saved


def _loaded(tmp_path: Path) -> tuple[Path, specbook.Spec, bytes]:
    path = tmp_path / "spec.yaml"
    path.write_bytes(COMPLETE.read_bytes())
    spec = specbook.load(path)
    spec.project.version = "9.9"
    return path, spec, path.read_bytes()


def _others(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "spec.yaml")


def test_a_read_only_spec_is_not_replaced(tmp_path: Path) -> None:
    path, spec, before = _loaded(tmp_path)
    path.chmod(0o444)  # the superuser may still write it: specbook reads the mode itself
    with pytest.raises(errors.SpecSaveError) as caught:
        specbook.save(spec, path)
    assert str(caught.value).startswith(f"{path}: ") and "read-only" in str(caught.value)
    with pytest.raises(errors.SpecSaveError):
        specbook.save(spec, path, force=True)  # force overrides a conflict, not a protection
    assert path.read_bytes() == before and path.stat().st_mode & 0o777 == 0o444
    assert _others(tmp_path) == []


def test_a_read_only_folder_is_not_written(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    folder.mkdir()
    path, spec, before = _loaded(folder)
    folder.chmod(0o555)
    try:
        with pytest.raises(errors.SpecSaveError) as caught:
            specbook.save(spec, folder)
        assert str(caught.value).startswith(f"{folder}: ") and "read-only folder" in str(caught.value)
        assert path.read_bytes() == before and _others(folder) == []
    finally:
        folder.chmod(0o755)


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 64 KiB tmpfs; a test is skipped where mounting is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_keeps_the_old_file(small_disk: Path) -> None:
    path, spec, before = _loaded(small_disk)
    filler = small_disk / "filler"
    disk = os.statvfs(small_disk)  # fill what is left but two pages, then grow the spec past that
    filler.write_bytes(b"x" * (disk.f_bavail * disk.f_frsize - 8192))
    spec.goal.problem = "much longer now " * 1000
    with pytest.raises(errors.SpecSaveError) as caught:
        specbook.save(spec, path)
    assert str(caught.value).startswith(f"{path}: ") and "disk is full" in str(caught.value)
    assert path.read_bytes() == before
    assert _others(small_disk) == ["filler"]  # the temporary file is gone too


def test_a_deleted_spec_is_not_silently_recreated(tmp_path: Path) -> None:
    path, spec, _ = _loaded(tmp_path)
    path.unlink()
    with pytest.raises(errors.SpecDeletedError) as caught:
        specbook.save(spec, path)
    assert isinstance(caught.value, errors.SpecConflictError)  # a workbook offers to keep its version
    assert str(caught.value).startswith(f"{path}: ") and "deleted" in str(caught.value)
    assert not path.exists() and _others(tmp_path) == []
    specbook.save(spec, path, force=True)  # asked for: written again
    assert specbook.load(path) == spec
    fresh = tmp_path / "new" / "spec.yaml"
    fresh.parent.mkdir()
    specbook.save(spec.copy(), fresh)  # a spec never saved there is simply written


def test_stray_temporary_files_are_cleaned_by_the_next_save(tmp_path: Path) -> None:
    path, spec, _ = _loaded(tmp_path)
    stray = [tmp_path / ".spec.yaml.k1ll3d_x.tmp", tmp_path / ".spec.yaml.AbC_1234.tmp"]
    kept = [tmp_path / name for name in (".spec.yaml.mine.tmp", "spec.yaml.12345678.tmp", ".other.yaml.abcdefgh.tmp",
                                         ".spec.yaml.abcdefgh.tmp.bak")]
    for p in stray + kept:
        p.write_text("half a spec")
    future = tmp_path / ".spec.yaml.zzzzzzzz.tmp"  # newer than the save: not a leftover of a killed one
    future.write_text("being written")
    os.utime(future, (time.time() + 3600, time.time() + 3600))
    specbook.save(spec, path)
    assert _others(tmp_path) == sorted(p.name for p in [*kept, future])


FIFO_OR_DEVICE = ["fifo", "/dev/zero", "/dev/urandom", "/dev/null"]


@pytest.mark.parametrize("target", FIFO_OR_DEVICE)
def test_a_device_or_pipe_is_refused_before_reading(tmp_path: Path, target: str) -> None:
    path = tmp_path / "spec.yaml"
    if target == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(target)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            specbook.load(tmp_path)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(60)  # a hang guard only: the refusal reads nothing
    assert not reader.is_alive(), "load() is still reading"
    assert len(outcome) == 1 and isinstance(outcome[0], errors.SpecFormatError), outcome
    assert str(outcome[0]) == f"{tmp_path}: is not a regular file (a device, a pipe or a socket); a spec must be a file"


def test_reading_stops_at_the_limit_whatever_stat_says(monkeypatch: pytest.MonkeyPatch) -> None:
    source = Path("/proc/self/smaps")  # a regular file whose stat size is 0 and whose content is much longer
    if not source.exists() or source.stat().st_size:
        pytest.skip("no /proc/self/smaps with a zero stat size")
    monkeypatch.setattr(storage, "MAX_BYTES", 100)
    with pytest.raises(errors.SpecFormatError) as caught:
        specbook.load(source)
    assert "is 101 bytes; the limit is 100" in str(caught.value)  # read: the limit and one byte, no more


def test_a_symlink_to_a_spec_file_still_loads(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").symlink_to(COMPLETE)
    assert specbook.load(tmp_path) == specbook.load(COMPLETE)
