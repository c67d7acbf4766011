// Checks that no page scrolls sideways at 375 px wide (a small phone), in Debian's Chromium
// driven by puppeteer-core (pinned in package.json).
//
//   node crates/web/tests/browser/widths.mjs [--screenshots DIR] URL...
//
// For each URL: loads it in a 375 px viewport and compares the document's scroll width with
// the viewport's. A page that is wider is reported with the elements that stick out (those
// whose right edge passes 375 px and that are not inside a box that scrolls on its own).
// Prints one line per page; exits 1 if any page is too wide, 2 if the browser cannot run.
import puppeteer from "puppeteer-core";
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";

const WIDTH = 375;
const args = process.argv.slice(2);
let screenshots = null;
if (args[0] === "--screenshots") {
  screenshots = args[1];
  args.splice(0, 2);
  mkdirSync(screenshots, { recursive: true });
}
if (args.length === 0) {
  console.error("usage: widths.mjs [--screenshots DIR] URL...");
  process.exit(2);
}

let browser;
try {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
} catch (e) {
  console.error(`widths: cannot start Chromium: ${e.message}`);
  process.exit(2);
}

let wide = 0;
const page = await browser.newPage();
await page.setViewport({ width: WIDTH, height: 800 });
for (const url of args) {
  const name = basename(new URL(url).pathname) || url;
  await page.goto(url, { waitUntil: "load" });
  const found = await page.evaluate((width) => {
    const scrollWidth = document.documentElement.scrollWidth;
    const scrollsOnItsOwn = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const overflow = getComputedStyle(p).overflowX;
        if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return true;
      }
      return false;
    };
    const describe = (el) => {
      let text = el.tagName.toLowerCase();
      if (el.id) text += `#${el.id}`;
      if (el.classList.length) text += "." + [...el.classList].join(".");
      return text;
    };
    const offenders = [];
    if (scrollWidth > width) {
      for (const el of document.body.querySelectorAll("*")) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 0.5 && !scrollsOnItsOwn(el)) {
          // Only the innermost: an element none of whose children also stick out.
          const child = [...el.children].some((c) => c.getBoundingClientRect().right > width + 0.5);
          if (!child) offenders.push(`${describe(el)} (right edge ${Math.round(box.right)} px)`);
        }
      }
    }
    return { scrollWidth, offenders: offenders.slice(0, 5) };
  }, WIDTH);
  if (screenshots) {
    await page.screenshot({ path: join(screenshots, name.replace(/\.html$/, "") + "-375.png"), fullPage: true });
  }
  if (found.scrollWidth > WIDTH) {
    wide += 1;
    console.log(`TOO WIDE ${name}: ${found.scrollWidth} px; ${found.offenders.join("; ")}`);
  } else {
    console.log(`ok ${name}`);
  }
}
await browser.close();
console.log(`${args.length - wide} of ${args.length} pages fit ${WIDTH} px`);
process.exit(wide === 0 ? 0 : 1);
