// Compiles crates/web/assets/calloff.scss into crates/web/static/build/calloff.css.
// Run by `npm ci` (postinstall); the output is not committed.
import * as sass from "sass";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
// GOV.UK's accessible autocomplete, which turns a long select into a type-ahead where JavaScript
// runs: its styles join ours, its script and our one-line start-up are served beside them.
const autocomplete = join(root, "node_modules", "accessible-autocomplete", "dist");
const css = result.css + "\n" + readFileSync(join(autocomplete, "accessible-autocomplete.min.css"), "utf8");
writeFileSync(join(out, "calloff.css"), css);
copyFileSync(join(autocomplete, "accessible-autocomplete.min.js"), join(out, "accessible-autocomplete.min.js"));
copyFileSync(join(here, "autocomplete.js"), join(out, "autocomplete.js"));
console.log(`calloff: wrote ${join(out, "calloff.css")} (${css.length} bytes) and the autocomplete scripts`);
