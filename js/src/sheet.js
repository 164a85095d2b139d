// A grid's own module: it draws the grid with the code the grid library's model brought to the page.
import { library } from "./library.js";

async function render(context) {
  const grid = await library();
  return grid.render(context);
}

export default { render };
