// Element ids unique in the page. anywidget may evaluate a bundle once per widget model, so a counter kept
// in the module starts again at 1 for each model, and two views drawn in the same millisecond would share an
// id: a <label for=…> then names the wrong input. The counter lives on the page's global object instead.

const KEY = "__specbookViews";

export function uniqueId(prefix) {
  globalThis[KEY] = (globalThis[KEY] || 0) + 1;
  return `${prefix}-${globalThis[KEY].toString(36)}`;
}
