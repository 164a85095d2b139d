"""The grid widget without a browser: messages sent as the front end sends them reach the model in order,
refused values are reported per cell and kept out of the rows, pasted blocks land where a person expects,
and the shipped bundle is the one its sources build."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from workbook_support import ROOT

from specbook import lang
from specbook.forms.sheet import ACTIONS, STATIC, Change, Column, Edit, Refusal, Result, Row, Sheet

JS = ROOT / "js"
KINDS = (("shop", "Online shop"), ("crm", "CRM"), ("pay", "Payment provider"))


class Table:
    """A small model behind the grid: rows by id, an undo stack, a rule that refuses some values."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, str]] = {"r1": {"name": "Tilda", "kind": "shop", "notes": ""},
                                                "r2": {"name": "Bitrix24", "kind": "crm", "notes": ""}}
        self.edits: list[Edit] = []
        self.history: list[dict[str, dict[str, str]]] = []
        self.future: list[dict[str, dict[str, str]]] = []
        self.counter = 0

    def view(self) -> list[Row]:
        return [Row(i, (r["name"], r["kind"], r["notes"])) for i, r in self.rows.items()]

    def __call__(self, edit: Edit) -> Result:
        self.edits.append(edit)
        if edit.op in ("undo", "redo"):
            source, target = (self.history, self.future) if edit.op == "undo" else (self.future, self.history)
            if not source:
                return Result(message="nothing")
            target.append({k: dict(v) for k, v in self.rows.items()})
            self.rows = source.pop()
            return Result(rows=self.view())
        self.history.append({k: dict(v) for k, v in self.rows.items()})
        self.future.clear()
        refused: list[Refusal] = []
        for ch in edit.changes:
            if ch.column == "kind" and ch.value not in dict(KINDS):
                refused.append(Refusal(ch.column, f"«{ch.value}» is not a kind", row=ch.row))
            else:
                self.rows[ch.row][ch.column] = ch.value
        ids = []
        for i, values in enumerate(edit.added):
            name = values.get("name", "")
            if not name.strip() or any(r["name"] == name for r in self.rows.values()):
                refused.append(Refusal("name", f"«{name}» already exists", added=i))
                continue
            kind = values.get("kind", "")
            if kind and kind not in dict(KINDS):
                refused.append(Refusal("kind", f"«{kind}» is not a kind", added=i))
                kind = ""
            self.counter += 1
            ids.append(f"n{self.counter}")
            self.rows[ids[-1]] = {"name": name, "kind": kind, "notes": values.get("notes", "")}
        return Result(refused=tuple(refused), added_ids=tuple(ids))


def _sheet(model: Table, language: str = "en", **kwargs: Any) -> tuple[Sheet, list[dict[str, Any]]]:
    columns = [Column("name", "Name" if language == "en" else "Название", width=2),
               Column("kind", "Kind" if language == "en" else "Тип", "choice", KINDS),
               Column("notes", "Notes" if language == "en" else "Заметки", "prose", width=3, secondary=True)]
    sheet = Sheet(columns, model.view(), label="Systems", language=language, on_edit=model,
                  add_label="New system", add_button="Add a system", **kwargs)
    sent: list[dict[str, Any]] = []
    sheet.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    return sheet, sent


class Front:
    """Sends messages as the browser does: one view, a sequence number growing by one."""

    def __init__(self, sheet: Sheet, view: str = "v1") -> None:
        self.sheet, self.view, self.seq = sheet, view, 0

    def __call__(self, op: str, **content: Any) -> dict[str, Any]:
        self.seq += 1
        answer = self.sheet.handle({"op": op, "seq": self.seq, "view": self.view, **content})
        assert answer is not None
        return answer


def _cells(sheet: Sheet) -> list[tuple[str, ...]]:
    return [row.cells for row in sheet.data]


def test_typed_names_reach_the_model_whole_and_in_order() -> None:
    model = Table()
    sheet, sent = _sheet(model)
    front = Front(sheet)
    names = ["СДЭК", "ЮKassa", "1С:Бухгалтерия", "Оплаты за день"]
    for name in names:
        front("add", values={"name": name})
    assert [e.added[0]["name"] for e in model.edits] == names
    assert [c[0] for c in _cells(sheet)] == ["Tilda", "Bitrix24", *names]
    assert [a["seq"] for a in sent] == [1, 2, 3, 4]
    assert all(not a["refused"] and a["refused_value"] is None for a in sent)


def test_a_refused_name_is_given_back_and_not_added() -> None:
    model = Table()
    sheet, _ = _sheet(model)
    answer = Front(sheet)("add", values={"name": "Tilda"})
    assert answer["refused_value"] == "Tilda"
    assert "already exists" in answer["message"]
    assert [c[0] for c in _cells(sheet)] == ["Tilda", "Bitrix24"]


def test_a_refused_cell_is_named_and_keeps_its_old_value() -> None:
    model = Table()
    sheet, _ = _sheet(model)
    front = Front(sheet)
    ok = front("set", row="r1", column="notes", value="Главный\nсайт")
    bad = front("set", row="r2", column="kind", value="nonsense")
    assert ok["refused"] == []
    assert bad["refused"] == [{"row": "r2", "column": "kind", "message": "«nonsense» is not a kind"}]
    assert bad["message"] == "Row 2, «Kind»: «nonsense» is not a kind"
    assert _cells(sheet) == [("Tilda", "shop", "Главный\nсайт"), ("Bitrix24", "crm", "")]


def test_a_repeated_or_late_message_is_not_applied_twice() -> None:
    model = Table()
    sheet, _ = _sheet(model)
    sheet.handle({"op": "set", "row": "r1", "column": "notes", "value": "first", "seq": 2, "view": "v"})
    late = sheet.handle({"op": "set", "row": "r1", "column": "notes", "value": "stale", "seq": 1, "view": "v"})
    again = sheet.handle({"op": "set", "row": "r1", "column": "notes", "value": "first", "seq": 2, "view": "v"})
    assert late is not None and again is not None
    assert late["message"] == again["message"] == lang.text("en", "grid.out_of_order")
    assert len(model.edits) == 1
    assert _cells(sheet)[0][2] == "first"
    # another view of the same widget counts on its own
    sheet.handle({"op": "set", "row": "r1", "column": "notes", "value": "other", "seq": 1, "view": "w"})
    assert _cells(sheet)[0][2] == "other"


def test_undo_and_redo_go_through_the_model() -> None:
    model = Table()
    sheet, _ = _sheet(model)
    front = Front(sheet)
    front("set", row="r1", column="name", value="Tilda Publishing")
    front("add", values={"name": "СДЭК"})
    front("undo")
    assert [c[0] for c in _cells(sheet)] == ["Tilda Publishing", "Bitrix24"]
    front("undo")
    assert [c[0] for c in _cells(sheet)] == ["Tilda", "Bitrix24"]
    front("redo")
    assert [c[0] for c in _cells(sheet)] == ["Tilda Publishing", "Bitrix24"]
    assert [e.op for e in model.edits] == ["set", "add", "undo", "undo", "redo"]


def test_a_block_with_a_russian_header_updates_by_name_and_adds_the_rest() -> None:
    model = Table()
    sheet, sent = _sheet(model, language="ru")
    block = [["Название", "Тип", "Заметки"],
             ["Bitrix24", "Payment provider", "CRM отдела продаж"],
             ["ЮKassa", "pay", ""],
             ["СДЭК", "курьер", "доставка"]]
    answer = Front(sheet)("paste", anchor=None, block=block)
    edit = model.edits[-1]
    assert edit.changes == (Change("r2", "kind", "pay"), Change("r2", "notes", "CRM отдела продаж"))
    assert [dict(a) for a in edit.added] == [{"name": "ЮKassa", "kind": "pay", "notes": ""},
                                             {"name": "СДЭК", "kind": "курьер", "notes": "доставка"}]
    assert _cells(sheet)[1] == ("Bitrix24", "pay", "CRM отдела продаж")
    assert [c[0] for c in _cells(sheet)] == ["Tilda", "Bitrix24", "ЮKassa", "СДЭК"]
    assert _cells(sheet)[3] == ("СДЭК", "", "доставка")
    assert answer["message"] == ("Вставлено значений: 7 из 8; не принято: 1:\n"
                                 "Строка 4, «Тип»: «курьер» is not a kind")
    assert sent[-1] is answer


def test_a_block_without_a_header_lands_at_the_clicked_cell_and_grows_the_table() -> None:
    model = Table()
    sheet, _ = _sheet(model)
    block = [["crm", "x"], ["shop", "y"], ["pay", "z"]]
    Front(sheet)("paste", anchor={"row": "r2", "column": "kind"}, block=block)
    edit = model.edits[-1]
    assert edit.changes == (Change("r2", "kind", "crm"), Change("r2", "notes", "x"))
    assert [dict(a) for a in edit.added] == [{"kind": "shop", "notes": "y"}, {"kind": "pay", "notes": "z"}]


def test_a_block_wider_than_the_table_says_so() -> None:
    model = Table()
    sheet, _ = _sheet(model)
    answer = Front(sheet)("paste", anchor={"row": "r1", "column": "notes"}, block=[["a", "b", "c"]])
    assert model.edits[-1].changes == (Change("r1", "notes", "a"),)
    assert lang.text("en", "grid.paste_too_wide", width=3, room=1) in answer["message"]


def test_a_read_only_grid_changes_nothing() -> None:
    model = Table()
    sheet, _ = _sheet(model, read_only=True)
    answer = Front(sheet)("set", row="r1", column="name", value="X")
    assert answer["message"] == lang.text("en", "grid.read_only")
    assert model.edits == [] and _cells(sheet)[0][0] == "Tilda"


def test_a_failing_model_refuses_the_edit_with_its_reason() -> None:
    def broken(edit: Edit) -> Result:
        raise OSError("read-only file system")

    sheet = Sheet([Column("name", "Name")], [("a", ("x",))], label="t", on_edit=broken)
    sheet.send = lambda content, buffers=None: None  # type: ignore[method-assign]
    answer = sheet.handle({"op": "set", "row": "a", "column": "name", "value": "y", "seq": 1, "view": "v"})
    assert answer is not None
    assert answer["refused"] == [{"row": "a", "column": "name", "message": "read-only file system"}]
    assert sheet.data == [Row("a", ("x",))]


def test_a_row_s_own_buttons_reach_the_model_with_the_row_they_belong_to() -> None:
    seen: list[Edit] = []

    def model(edit: Edit) -> Result:
        seen.append(edit)
        if edit.op == "remove" and edit.row == "r2":
            return Result(rows=[Row("r2", ("Bitrix24", "crm", "")), Row("r1", ("Tilda", "shop", ""))],
                          message="«Bitrix24» is in use")
        return Result(rows=[Row("r2", ("Bitrix24", "crm", ""), "Bitrix24 (CRM)", ()),
                            Row("r1", ("Tilda", "shop", ""))])

    sheet, _ = _sheet(Table(), row_actions=("remove", "up", "down"))
    sheet.on_edit = model
    front = Front(sheet)
    answer = front("move", row="r2", step=-1)
    assert seen[-1] == Edit("move", 1, row="r2", step=-1)
    assert [r.id for r in sheet.data] == ["r2", "r1"]  # the rows as the model now orders them
    assert sheet.rows[0] == {"id": "r2", "cells": ["Bitrix24", "crm", ""], "name": "Bitrix24 (CRM)", "actions": []}
    answer = front("remove", row="r2")
    assert seen[-1] == Edit("remove", 2, row="r2") and answer["message"] == "«Bitrix24» is in use"
    for bad in ({"op": "remove", "row": "nope"}, {"op": "move", "row": "r1", "step": 5}):
        front(bad.pop("op"), **bad)
    assert len(seen) == 2  # a row that is not there, or a jump, never reaches the model
    with pytest.raises(ValueError, match="actions are remove, up, down"):
        Sheet([Column("x", "X")], label="t", row_actions=("delete",))


def test_the_cell_clicked_is_the_sheet_s_selection() -> None:
    sheet, _ = _sheet(Table())
    seen: list[dict[str, Any]] = []
    sheet.observe(lambda change: seen.append(change["new"]), names="selection")
    sheet.selection = {"row": "r2", "column": "kind"}  # as the page sets it when a cell is clicked
    assert seen == [{"row": "r2", "column": "kind"}]


@pytest.mark.parametrize("language", lang.LANGUAGES)
def test_every_word_the_grid_shows_comes_from_the_language_table(language: str) -> None:
    sheet, _ = _sheet(Table(), language=language)
    assert sheet.texts == {k: str(v) for k, v in lang.lookup(language, "grid").items()}
    keys = set(sheet.texts)
    source = (JS / "src" / "grid.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\(\"([a-z_]+)\"", source))
    assert used and used <= keys, used - keys
    assert {f"row_{action}" for action in ACTIONS} <= keys  # the row buttons' names, t(`row_${action}`)
    for action in ACTIONS:
        assert "{name}" in sheet.texts[f"row_{action}"]


def test_columns_describe_themselves() -> None:
    with pytest.raises(ValueError, match="kinds are"):
        Column("x", "X", "colour")
    with pytest.raises(ValueError, match="needs its choices"):
        Column("x", "X", "choice")
    with pytest.raises(ValueError, match="not one of the columns"):
        Sheet([Column("x", "X")], label="t", add_column="y")
    assert Column("k", "K", "choice", KINDS, secondary=True).to_json()["choices"][1] == ["crm", "CRM"]


@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
                         min_size=1, max_size=3), min_size=1, max_size=6))
def test_any_block_becomes_one_edit_the_model_sees_whole(block: list[list[str]]) -> None:
    model = Table()
    sheet, _ = _sheet(model)
    Front(sheet)("paste", anchor={"row": "r1", "column": "name"}, block=block)
    if model.edits:
        edit = model.edits[-1]
        assert edit.op == "paste"
        assert all(ch.row in ("r1", "r2") for ch in edit.changes)


# --------------------------------------------------------------------------- the shipped bundle


def _digest() -> str:
    files = sorted(["build.mjs", "package.json", "package-lock.json",
                    *(f"src/{p.name}" for p in (JS / "src").iterdir())])
    h = hashlib.sha256()
    for name in files:
        h.update(f"{name}\n".encode())
        h.update((JS / name).read_bytes())
        h.update(b"\n")
    return h.hexdigest()


def test_the_shipped_bundle_is_built_from_the_current_sources() -> None:
    stamp = (STATIC / "grid.sources.sha256").read_text().strip()
    assert stamp == _digest(), "js/ changed since the bundle was built: run `npm ci && npm run build` in js/"
    bundle = (STATIC / "grid.js").read_text(encoding="utf-8")
    assert "Tabulator" in bundle and "msg:custom" in bundle
    assert "cdn" not in bundle.lower().replace("cdnumber", "")  # nothing fetched at run time
    assert (STATIC / "tabulator-LICENSE.txt").read_text().startswith("The MIT License")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_rebuilding_from_the_lock_reproduces_the_bundle(tmp_path: Path) -> None:
    work = tmp_path / "js"
    shutil.copytree(JS, work, ignore=shutil.ignore_patterns("node_modules"))
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=work, check=True, capture_output=True, timeout=600)
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["node", "build.mjs", str(out)], cwd=work, check=True, capture_output=True, timeout=600)
    for name in ("grid.js", "grid.css", "sheet.js", "namebox.js", "namebox.css", "grid.sources.sha256"):
        assert (out / name).read_bytes() == (STATIC / name).read_bytes(), name
