// Compiles crates/web/assets/calloff.scss into crates/web/static/build/calloff.css.
// Run by `npm ci` (postinstall); the output is not committed.
import * as sass from "sass";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const result = sass.compile(join(here, "calloff.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
});
const out = join(here, "..", "static", "build");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "calloff.css"), result.css);
console.log(`calloff: wrote ${join(out, "calloff.css")} (${result.css.length} bytes)`);
