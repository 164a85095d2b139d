// Builds the bundles shipped inside the package: specbook/forms/static/grid.js and grid.css (the grid's code
// and style, sent to the page once), sheet.js (each grid's loader of that code),
// namebox.js and namebox.css (a name box and its button), and
// grid.sources.sha256, the digest of what they were built from (tests compare it with the sources).
// From this folder: `npm ci && npm run build` (or `node build.mjs OUTDIR` to build elsewhere).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ? path.resolve(process.argv[2]) : path.join(here, "..", "specbook", "forms", "static");

// The same digest as tests/test_sheet.py computes: each input's path and bytes, in sorted order.
export function sourcesDigest() {
  const files = ["build.mjs", "package.json", "package-lock.json",
    ...readdirSync(path.join(here, "src")).map((name) => `src/${name}`)].sort();
  const hash = createHash("sha256");
  for (const name of files) {
    hash.update(`${name}\n`);
    hash.update(readFileSync(path.join(here, name)));
    hash.update("\n");
  }
  return hash.digest("hex");
}

await build({
  entryPoints: {
    grid: path.join(here, "src", "grid.js"),
    sheet: path.join(here, "src", "sheet.js"),
    namebox: path.join(here, "src", "namebox.js"),
  },
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "eof",
  target: ["es2020"],
  outdir: out,
  logLevel: "warning",
});
copyFileSync(path.join(here, "node_modules", "tabulator-tables", "LICENSE"), path.join(out, "tabulator-LICENSE.txt"));
writeFileSync(path.join(out, "grid.sources.sha256"), `${sourcesDigest()}\n`);
