// The grid's code reaches the page once, in the model of the grid library, however many grids the page
// shows: each grid's own model carries only a small loader (sheet.js) that waits here for that code. Sent
// in every grid's model, half a megabyte per grid made a page's widget state 8 MB, too slow for the page to
// receive before the widget manager gives up waiting and loads the models one by one.

const KEY = "__specbookGridLibrary";

function slot() {
  if (!globalThis[KEY]) {
    let resolve;
    const ready = new Promise((done) => {
      resolve = done;
    });
    globalThis[KEY] = { ready, resolve };
  }
  return globalThis[KEY];
}

export function publish(library) {
  slot().resolve(library);
}

export function library() {
  return slot().ready;
}
