// specbook's spreadsheet grid: an anywidget front end over Tabulator.
//
// The kernel owns the rows. Every change a person makes leaves this file as one custom message
// ({op, seq, ...}) sent at once, in the order it was made; the kernel answers each with a result naming
// the refused cells, which revert. Before any later action (Add, undo, a paste, a click anywhere else,
// leaving the page) the open cell editor is committed first, so its value is sent before that action.
import { TabulatorFull as Tabulator } from "tabulator-tables";
import "tabulator-tables/dist/css/tabulator_simple.min.css";
import "./grid.css";
import { uniqueId } from "./ids.js";
import { publish } from "./library.js";

const ROW_ID = "__id";
const ROW_NAME = "__name"; // the row's words in its actions' names; the field of the actions column
const ROW_ACTIONS = "__actions";
const ACTION_SIGNS = { remove: "\u2715", up: "\u2191", down: "\u2193" };
// A header's room beside its words: the padding of its box and the handle of its column menu.
const HEADER_EXTRA = 40;

function field(index) {
  return `c${index}`;
}

// "{name}" in a template from the language tables, filled with the row's words
function fill(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
}

// Tab-separated text as spreadsheets put it on the clipboard: quoted fields may hold tabs, newlines and
// doubled quotes; a trailing newline ends the last row rather than starting an empty one.
export function parseBlock(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  const s = text.replace(/\r\n?/g, "\n");
  while (i < s.length) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = false;
        i += 1;
        continue;
      }
      cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && cell === "") {
      quoted = true;
    } else if (ch === "\t") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else {
      cell += ch;
    }
    i += 1;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

function textNode(value, wrap) {
  const span = document.createElement("span");
  span.className = wrap ? "specbook-grid-text specbook-grid-wrap" : "specbook-grid-text";
  span.textContent = value == null ? "" : String(value);
  return span;
}

function render({ model, el }) {
  const view = uniqueId("v");
  let seq = 0;
  let acked = 0;
  const pending = new Map(); // "row\u0000column" -> seq of the last local change not yet answered
  let anchor = null; // {row, column}: where a paste lands
  let applying = false; // rows being written from the kernel: not a person's edit

  const texts = () => model.get("texts") || {};
  const t = (key, fallback = "") => texts()[key] ?? fallback;
  const columns = () => model.get("columns") || [];
  const readOnly = () => Boolean(model.get("read_only"));

  el.classList.add("specbook-grid");
  const many = (model.get("rows") || []).length > 150;
  if (!many) el.classList.add("specbook-grid-fit");
  el.style.setProperty("--specbook-grid-max-height", model.get("max_height") || "70vh");
  const host = document.createElement("div");
  host.className = "specbook-grid-table";
  host.tabIndex = -1;
  const status = document.createElement("div");
  status.className = "specbook-grid-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");

  const addBox = document.createElement("div");
  addBox.className = "specbook-grid-add";
  const addLabel = document.createElement("label");
  const addInput = document.createElement("input");
  addInput.type = "text";
  addInput.id = `specbook-grid-add-${view}`;
  addLabel.htmlFor = addInput.id;
  const addButton = document.createElement("button");
  addButton.type = "button";
  addButton.className = "specbook-grid-add-button";
  addBox.append(addLabel, addInput, addButton);
  el.append(host, addBox, status);

  function send(message) {
    seq += 1;
    model.send({ ...message, seq, view });
    return seq;
  }

  // Commit the open editor of this grid, if any: its value goes out before whatever comes next.
  function commit() {
    const active = document.activeElement;
    if (active && host.contains(active) && typeof active.blur === "function") {
      active.blur();
    }
  }

  function say(message) {
    status.textContent = message || "";
  }

  function rowName(row) {
    if (row.name) return row.name;
    const key = columns().findIndex((c) => c.name === model.get("add_column"));
    return String(row.cells[key >= 0 ? key : 0] ?? "");
  }

  function rowData(row) {
    const data = { [ROW_ID]: row.id, [ROW_NAME]: rowName(row), [ROW_ACTIONS]: (row.actions ?? null) };
    row.cells.forEach((value, index) => {
      data[field(index)] = value;
    });
    return data;
  }

  // The row's own actions (remove, move up, move down) live in its last cell, each a button named with the
  // row's words («Удалить строку «Заказ»»), so that nothing outside the grid has to say which row is meant.
  const actions = () => (readOnly() ? [] : model.get("row_actions") || []);
  function actionLabel(action, name) {
    const own = (model.get("action_texts") || {})[action];
    return fill(own ?? t(`row_${action}`), { name });
  }
  function actionCell(cell) {
    const data = cell.getData();
    const box = document.createElement("span");
    box.className = "specbook-grid-row-actions";
    const offered = data[ROW_ACTIONS] ?? actions();
    for (const action of actions()) {
      if (!offered.includes(action)) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = `specbook-grid-row-action specbook-grid-row-${action}`;
      button.textContent = ACTION_SIGNS[action] || action;
      const label = actionLabel(action, data[ROW_NAME] || "");
      button.setAttribute("aria-label", label);
      button.title = label;
      button.addEventListener("click", (e) => {
        e.stopPropagation();
        e.preventDefault();
        commit();
        const row = cell.getRow().getData()[ROW_ID];
        if (action === "remove") send({ op: "remove", row });
        else send({ op: "move", row, step: action === "up" ? -1 : 1 });
      });
      box.append(button);
    }
    return box;
  }
  function actionColumn() {
    const list = actions();
    if (!list.length) return [];
    return [{
      title: t("actions"),
      field: ROW_NAME,
      headerSort: false,
      headerMenu: false,
      resizable: false,
      editable: false,
      responsive: 0,
      // wide enough for its header's word as well as its buttons
      width: Math.max(30 * list.length + 14, 84),
      minWidth: Math.max(30 * list.length + 14, 84),
      widthGrow: 0,
      widthShrink: 0,
      hozAlign: "center",
      cssClass: "specbook-grid-actions",
      formatter: actionCell,
      headerTooltip: false,
    }];
  }

  // The width in pixels of the longest word of a header, in the header's own font (measured once per word).
  const measured = new Map();
  let ruler = null;
  function longestWord(text) {
    let widest = 0;
    for (const word of String(text || "").split(/\s+/)) {
      if (!word) continue;
      if (!measured.has(word)) {
        ruler = ruler || document.createElement("canvas").getContext("2d");
        if (!ruler) return 0;
        const style = getComputedStyle(el);
        ruler.font = `bold ${style.fontSize || "13px"} ${style.fontFamily || "sans-serif"}`;
        measured.set(word, Math.ceil(ruler.measureText(word).width));
      }
      widest = Math.max(widest, measured.get(word));
    }
    return widest;
  }

  function columnDefs() {
    const cols = columns();
    return cols.map((col, index) => {
      const labels = new Map((col.choices || []).map(([value, label]) => [value, label]));
      const def = {
        title: col.label,
        field: field(index),
        headerSort: false,
        headerMenu: headerMenu,
        widthGrow: col.width || 1,
        // headers wrap between words, never inside one: the column is at least as wide as its longest word
        headerWordWrap: true,
        minWidth: Math.max(col.kind === "choice" ? 110 : 90, longestWord(col.label) + HEADER_EXTRA),
        responsive: col.secondary ? 2 : 0,
        variableHeight: true,
        formatter: (cell) => {
          const value = cell.getValue();
          return textNode(labels.has(value) ? labels.get(value) : value, col.wrap !== false);
        },
        editable: () => !readOnly(),
        headerTooltip: col.help || col.label,
      };
      if (col.kind === "choice") {
        def.editor = "list";
        def.editorParams = {
          // each item is an option of a listbox named by its column, so people and tests find it by role
          values: (col.choices || []).map(([value, label]) => ({ value, label, elementAttributes: { role: "option" } })),
          itemFormatter: (label, _value, _item, element) => {
            queueMicrotask(() => {
              const list = element.parentElement;
              if (list && list.getAttribute("role") !== "listbox") {
                list.setAttribute("role", "listbox");
                list.setAttribute("aria-label", col.label);
              }
            });
            const words = document.createElement("span");
            words.textContent = label == null ? "" : String(label);
            return words;
          },
          autocomplete: true,
          freetext: false,
          allowEmpty: true,
          listOnEmpty: true,
          clearable: false,
          emptyValue: "",
          placeholderEmpty: t("no_match"),
          placeholderLoading: t("loading"),
          elementAttributes: { "aria-label": col.label },
        };
      } else if (col.kind === "prose") {
        def.editor = "textarea";
        def.editorParams = { elementAttributes: { "aria-label": col.label }, shiftEnterSubmit: true };
      } else {
        def.editor = "input";
        def.editorParams = {
          elementAttributes: { "aria-label": col.label },
          ...(col.kind === "number" ? { elementAttributes: { "aria-label": col.label, inputmode: "decimal" } } : {}),
        };
      }
      return def;
    }).concat(actionColumn());
  }

  const headerMenu = () => [
    { label: t("sort_ascending"), action: (e, column) => table.setSort(column.getField(), "asc") },
    { label: t("sort_descending"), action: (e, column) => table.setSort(column.getField(), "desc") },
    { label: t("sort_clear"), action: () => table.clearSort() },
  ];

  const rowMenu = () => [
    { label: t("undo"), action: () => undo("undo") },
    { label: t("redo"), action: () => undo("redo") },
  ];

  const table = new Tabulator(host, {
    data: (model.get("rows") || []).map(rowData),
    index: ROW_ID,
    columns: columnDefs(),
    layout: "fitColumns",
    responsiveLayout: "collapse",
    responsiveLayoutCollapseStartOpen: true,
    placeholder: t("empty"),
    rowContextMenu: rowMenu,
    // Tabulator's virtual renderer under a maximum height can loop forever as wrapped rows grow; a short
    // table renders every row and grows up to the maximum, a long one has a fixed height and renders lazily.
    // A short table's holder takes the height of its rows up to the maximum in CSS (.specbook-grid-fit):
    // Tabulator's own maxHeight sizing fixes the holder's height once and never grows it again.
    ...(many
      ? { height: model.get("max_height") || "70vh", renderVertical: "virtual" }
      : { height: false, renderVertical: "basic" }),
    history: false,
    clipboard: false,
    locale: "specbook",
    langs: {
      specbook: {
        data: { loading: t("loading"), error: t("error") },
        groups: { item: "", items: "" },
      },
    },
  });

  let built = false;
  table.on("tableBuilt", () => {
    built = true;
    el.dataset.ready = "true";
    nameHeaders();
  });

  // The row and column of the cell last clicked or edited: where a paste lands, and the kernel's idea of
  // "this row" (what a "to be confirmed" mark is about).
  function focusCell(cell) {
    const column = columnName(cell.getField());
    if (column == null) return;
    anchor = { row: cell.getRow().getData()[ROW_ID], column };
    const now = model.get("selection") || {};
    if (now.row !== anchor.row || now.column !== anchor.column) {
      model.set("selection", { ...anchor });
      model.save_changes();
    }
  }
  table.on("cellClick", (e, cell) => focusCell(cell));
  table.on("cellEditing", (cell) => focusCell(cell));

  function columnName(f) {
    const found = /^c(\d+)$/.exec(String(f));
    return found ? columns()[Number(found[1])]?.name : undefined;
  }

  // Tabulator's header menu handle is a bare glyph: give it a role, a name in the spec's language and keys.
  function nameHeaders() {
    for (const column of table.getColumns()) {
      const handle = column.getElement().querySelector(".tabulator-header-popup-button");
      if (!handle) continue;
      const label = fill(t("column_menu"), { column: column.getDefinition().title || "" });
      handle.setAttribute("role", "button");
      handle.setAttribute("aria-label", label);
      handle.setAttribute("aria-haspopup", "menu");
      handle.title = label;
      handle.tabIndex = 0;
      if (!handle.dataset.keys) {
        handle.dataset.keys = "true";
        handle.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            handle.click();
          }
        });
      }
    }
  }

  table.on("cellEdited", (cell) => {
    if (applying) return;
    const row = cell.getRow().getData()[ROW_ID];
    const column = columnName(cell.getField());
    if (column == null) return;
    const value = cell.getValue() == null ? "" : String(cell.getValue());
    const n = send({ op: "set", row, column, value });
    pending.set(`${row}\u0000${column}`, n);
  });

  // Tabulator cancels an open cell editor whenever rows are added, removed or replaced, or columns set: an update
  // from the kernel that arrived while the user typed in a cell would drop what was typed. Such updates wait
  // until the editor closes (the value committed or the edit cancelled), then apply.
  const later = new Set();
  const editing = () => host.classList.contains("tabulator-editing");
  function afterEditing(update) {
    if (!editing()) return false;
    if (later.size === 0) {
      const tick = () => {
        if (editing()) {
          setTimeout(tick, 30);
          return;
        }
        const updates = [...later];
        later.clear();
        updates.forEach((f) => f());
      };
      setTimeout(tick, 30);
    }
    later.add(update);
    return true;
  }

  // Rows from the kernel: update what changed, add and remove rows, keep cells still waiting for an answer.
  function applyRows() {
    if (!built || afterEditing(applyRows)) return;
    const rows = model.get("rows") || [];
    const cols = columns();
    const wanted = new Set(rows.map((r) => r.id));
    const shown = new Map(table.getRows().map((r) => [r.getData()[ROW_ID], r]));
    applying = true;
    try {
      for (const [id, existing] of shown) {
        if (!wanted.has(id)) existing.delete();
      }
      const order = table.getRows().map((r) => r.getData()[ROW_ID]);
      const kept = rows.map((r) => r.id).filter((id) => shown.has(id));
      const moved = kept.some((id, n) => order[n] !== id);
      const all = rows.map((r) => {
        const data = rowData(r);
        const existing = shown.get(r.id);
        for (let i = 0; i < cols.length; i += 1) {
          const key = `${r.id}\u0000${cols[i].name}`;
          if (pending.has(key) && pending.get(key) > acked) {
            if (existing && moved) data[field(i)] = existing.getData()[field(i)];
            else delete data[field(i)];
          }
        }
        return data;
      });
      if (moved) {
        // rows changed places (moved up or down, undone): show them in the kernel's order
        table.replaceData(all);
      } else {
        all.forEach((data) => {
          const existing = shown.get(data[ROW_ID]);
          if (existing) {
            const old = existing.getData();
            const changed = Object.keys(data).some((k) => old[k] !== data[k]);
            if (changed) existing.update(data);
          } else {
            table.addRow(data, false);
          }
        });
      }
    } finally {
      applying = false;
    }
  }

  function refreshColumns() {
    if (!built || afterEditing(refreshColumns)) return;
    table.setColumns(columnDefs());
    nameHeaders();
  }

  function onResult(msg) {
    acked = Math.max(acked, msg.seq || 0);
    for (const [key, n] of pending) {
      if (n <= acked) pending.delete(key);
    }
    for (const cell of el.querySelectorAll(".specbook-grid-refused")) {
      cell.classList.remove("specbook-grid-refused");
      cell.removeAttribute("title");
    }
    applyRows();
    const refused = msg.refused || [];
    for (const item of refused) {
      const index = columns().findIndex((c) => c.name === item.column);
      const row = item.row != null ? table.getRows().find((r) => r.getData()[ROW_ID] === item.row) : null;
      if (row && index >= 0) {
        const cellEl = row.getCell(field(index))?.getElement();
        if (cellEl) {
          cellEl.classList.add("specbook-grid-refused");
          cellEl.title = item.message;
        }
      }
    }
    if (msg.op === "add" && msg.refused_value != null && addInput.value === "") {
      addInput.value = msg.refused_value;
    }
    say(msg.message || "");
  }

  model.on("msg:custom", (msg) => {
    if (msg && msg.op === "result") onResult(msg);
  });

  // The name box and its button travel together: one message holds the click and the typed text.
  function add() {
    commit();
    const value = addInput.value;
    if (value.trim() === "") {
      say(t("add_empty"));
      addInput.focus();
      return;
    }
    addInput.value = "";
    send({ op: "add", values: { [model.get("add_column") || columns()[0]?.name]: value } });
    addInput.focus();
  }
  addButton.addEventListener("click", add);
  addInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      add();
    }
  });

  function undo(op) {
    commit();
    send({ op });
  }

  el.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    const target = e.target;
    const inEditor = target && host.contains(target) && /^(INPUT|TEXTAREA)$/.test(target.tagName);
    if (target === addInput || inEditor) return; // the box's own text undo
    const key = e.key.toLowerCase();
    if (key === "z" && !e.shiftKey) {
      e.preventDefault();
      undo("undo");
    } else if ((key === "z" && e.shiftKey) || key === "y") {
      e.preventDefault();
      undo("redo");
    }
  });

  // A block from a spreadsheet: one message; a single value pasted into an open editor stays the editor's.
  el.addEventListener("paste", (e) => {
    if (readOnly() || e.target === addInput) return;
    const text = e.clipboardData ? e.clipboardData.getData("text/plain") : "";
    const inEditor = e.target && host.contains(e.target) && /^(INPUT|TEXTAREA)$/.test(e.target.tagName);
    if (!text || (inEditor && !/[\t\n]/.test(text.replace(/\r?\n$/, "")))) return;
    e.preventDefault();
    if (inEditor) {
      const cell = table.modules.edit?.currentCell;
      if (cell) cell.getComponent().cancelEdit();
    }
    commit();
    send({ op: "paste", anchor, block: parseBlock(text) });
    // keep the keyboard in this grid (Ctrl+Z next) without opening a cell's editor again
    host.focus({ preventScroll: true });
  });

  // A click anywhere outside this grid, the window losing focus, the page hiding: commit first.
  const outside = (e) => {
    const target = e.target;
    if (host.contains(target)) return;
    // the pick list of an open cell floats outside the table: choosing from it is part of the edit
    if (target instanceof Element && target.closest(".tabulator-edit-list, .tabulator-popup-container")) return;
    commit();
  };
  const leaving = () => commit();
  const hidden = () => {
    if (document.visibilityState === "hidden") commit();
  };
  document.addEventListener("pointerdown", outside, true);
  document.addEventListener("focusin", outside, true);
  window.addEventListener("blur", leaving);
  window.addEventListener("pagehide", leaving);
  document.addEventListener("visibilitychange", hidden);

  function applyTexts() {
    host.setAttribute("aria-label", model.get("label") || "");
    addLabel.textContent = model.get("add_label") || "";
    addInput.placeholder = t("add_placeholder");
    addButton.textContent = model.get("add_button") || "";
    addBox.hidden = readOnly() || !model.get("add_button");
  }
  applyTexts();

  model.on("change:rows", applyRows);
  model.on("change:columns", refreshColumns);
  model.on("change:texts", () => {
    applyTexts();
    refreshColumns();
  });
  model.on("change:label", applyTexts);
  model.on("change:add_label", applyTexts);
  model.on("change:add_button", applyTexts);
  model.on("change:read_only", () => {
    applyTexts();
    refreshColumns();
  });
  model.on("change:row_actions", refreshColumns);
  model.on("change:action_texts", refreshColumns);

  return () => {
    commit();
    document.removeEventListener("pointerdown", outside, true);
    document.removeEventListener("focusin", outside, true);
    window.removeEventListener("blur", leaving);
    window.removeEventListener("pagehide", leaving);
    document.removeEventListener("visibilitychange", hidden);
    table.destroy();
  };
}

// The grid library's model: on the page once, it hands the grid's code to every grid's loader.
export default {
  initialize() {
    publish({ render });
  },
};
