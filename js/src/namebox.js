// specbook's name box: a labelled text line and, optionally, its button, as one anywidget view.
//
// The typed text travels inside the message that says "add" (the button, or Enter in the box), so the
// kernel never sees the click before the text — state updates of an ordinary text widget may wait in the
// widget manager's queue while a button's click overtakes them. Without a button the box commits its text
// when it loses the focus or on Enter, also as one message (a rename box).
//
// Message from the browser: {"op": "submit", "value": TEXT, "seq": N}.
// Answer from the kernel: {"op": "result", "seq": N, "refused_value": TEXT | null}: a refused text comes
// back into the box if the person has not typed anything else meanwhile.

import "./namebox.css";
import { uniqueId } from "./ids.js";

function render({ model, el }) {
  const id = uniqueId("specbook-namebox");
  let seq = 0;
  let sent = null; // the text last sent and not yet answered

  el.classList.add("specbook-namebox");
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.type = "text";
  input.id = id;
  label.htmlFor = id;
  const button = document.createElement("button");
  button.type = "button";
  el.append(label, input, button);

  const hasButton = () => Boolean(model.get("button"));

  function send(value) {
    seq += 1;
    sent = value;
    model.send({ op: "submit", value, seq });
  }

  function submit() {
    if (input.disabled) return;
    const value = input.value;
    if (hasButton()) {
      input.value = "";
      send(value);
      input.focus();
    } else if (value !== (model.get("value") || "")) {
      send(value);
    }
  }

  button.addEventListener("click", submit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener("change", () => {
    if (!hasButton()) submit();
  });

  model.on("msg:custom", (msg) => {
    if (!msg || msg.op !== "result" || msg.seq !== seq) return;
    if (msg.refused_value != null && hasButton() && input.value === "") input.value = msg.refused_value;
    sent = null;
  });

  function apply() {
    label.textContent = model.get("label") || "";
    input.placeholder = model.get("placeholder") || "";
    input.disabled = Boolean(model.get("disabled"));
    button.textContent = model.get("button") || "";
    button.hidden = !hasButton();
    button.disabled = input.disabled;
    input.style.flexBasis = model.get("width") || "";
    label.style.width = model.get("label_width") || "";
    label.style.minWidth = model.get("label_width") || "";
  }
  function showValue() {
    // a rename box shows the kernel's text unless the person is typing in it
    if (!hasButton() && document.activeElement !== input) input.value = model.get("value") || "";
    else if (!hasButton() && sent !== null) input.value = model.get("value") || "";
  }
  apply();
  input.value = hasButton() ? "" : model.get("value") || "";
  for (const name of ["label", "placeholder", "button", "disabled", "width", "label_width"]) model.on(`change:${name}`, apply);
  model.on("change:value", showValue);

  return () => {
    // a text typed in a rename box and not yet committed is committed as the view goes
    if (!hasButton() && input.value !== (model.get("value") || "")) submit();
  };
}

export default { render };
