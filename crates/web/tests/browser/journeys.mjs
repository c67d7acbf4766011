// Each role's main journeys walked through the pages in Debian's Chromium, driven by
// puppeteer-core (pinned in package.json), as people use them: by labels and buttons, with the
// outcome of every step checked. Run by the web tests (journeys.rs) against a test server:
//
//   BASE=http://127.0.0.1:PORT FRAMEWORK=<id> PASSWORD=... TWO_FACTOR_CODE=123456 \
//     SCREENSHOTS=DIR node crates/web/tests/browser/journeys.mjs
//
// Prints each journey with its steps and the pages it took; exits 1 on the first failed
// check (naming the journey, step and page), 2 if the browser cannot run.
import puppeteer from "puppeteer-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const { BASE, FRAMEWORK, PASSWORD, TWO_FACTOR_CODE, SCREENSHOTS } = process.env;
if (!BASE || !FRAMEWORK || !PASSWORD) {
  console.error("journeys: set BASE, FRAMEWORK and PASSWORD");
  process.exit(2);
}
if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });

let browser;
try {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
} catch (e) {
  console.error(`journeys: cannot start Chromium: ${e.message}`);
  process.exit(2);
}

class Failed extends Error {}

/** What the buyer calls the order they place. */
const TITLE = `Mobiles and a circuit for the new library ${Date.now() % 100000}`;

/** One person in their own browser context (own cookies), counting the pages they load. */
class Person {
  constructor(name, context, page) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.pages = 0;
    this.shots = 0;
  }

  static async open(name, width = 1280) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width, height: 900 });
    const person = new Person(name, context, page);
    page.on("load", () => { person.pages += 1; });
    return person;
  }

  fail(message) {
    throw new Failed(`${this.name}: ${message} (at ${this.page.url()})`);
  }

  async shot(label) {
    if (!SCREENSHOTS) return;
    this.shots += 1;
    const file = `${this.name}-${String(this.shots).padStart(2, "0")}-${label}.png`.replace(/[^a-z0-9.-]+/gi, "-");
    await this.page.screenshot({ path: join(SCREENSHOTS, file), fullPage: true });
  }

  async visit(path) {
    const response = await this.page.goto(BASE + path, { waitUntil: "load" });
    if (!response.ok()) this.fail(`GET ${path} answered ${response.status()}`);
  }

  /** Presses the button or link whose text is `text`, and waits for the next page. */
  async press(text) {
    const handle = await this.page.evaluateHandle((text) => {
      const all = [...document.querySelectorAll("main button, main a, main input[type=submit], header button, header a")];
      // What a screen reader announces: visually hidden text included.
      const name = (el) => (el.textContent || el.value || "").replace(/\s+/g, " ").trim();
      return all.find((el) => name(el) === text) || all.find((el) => name(el).startsWith(text));
    }, text);
    const element = handle.asElement();
    if (!element) this.fail(`no button or link "${text}"`);
    await Promise.all([this.page.waitForNavigation({ waitUntil: "load" }), element.click()]);
  }

  /** Types into the field labelled `label` (replacing what it held). */
  async fill(label, value) {
    const id = await this.page.evaluate((label) => {
      const found = [...document.querySelectorAll("label")].find((l) => l.innerText.trim().startsWith(label));
      return found ? found.htmlFor : null;
    }, label);
    if (!id) this.fail(`no field labelled "${label}"`);
    const selector = `[id="${id}"]`;
    await this.page.$eval(selector, (el) => { el.value = ""; });
    await this.page.type(selector, value);
  }

  /** Types into the field named `name` (for rows of like fields), replacing what it held. */
  async fillNamed(name, value) {
    const selector = `[name="${name}"]`;
    if (!(await this.page.$(selector))) this.fail(`no field named ${name}`);
    await this.page.$eval(selector, (el) => { el.value = ""; });
    if (value) await this.page.type(selector, value);
  }

  /** Chooses the radio or checkbox labelled `label`. */
  async choose(label) {
    const id = await this.page.evaluate((label) => {
      const found = [...document.querySelectorAll("label")].find((l) => l.innerText.trim().startsWith(label));
      return found ? found.htmlFor : null;
    }, label);
    if (!id) this.fail(`no choice labelled "${label}"`);
    await this.page.click(`[id="${id}"]`);
  }

  async text() {
    return this.page.evaluate(() => document.querySelector("main")?.innerText ?? document.body.innerText);
  }

  async expect(text) {
    const body = await this.text();
    if (!body.includes(text)) this.fail(`expected "${text}" on the page, which reads:\n${body.slice(0, 1500)}`);
  }

  async expectHeading(text) {
    const h1 = await this.page.evaluate(() => document.querySelector("h1")?.innerText.trim() ?? "");
    if (!h1.toLowerCase().includes(text.toLowerCase())) this.fail(`expected the heading "${text}", not "${h1}"`);
  }

  async expectBanner(text) {
    const banner = await this.page.evaluate(() =>
      document.querySelector(".govuk-notification-banner--success")?.innerText ?? "");
    if (!banner.includes(text)) this.fail(`expected a success banner saying "${text}", not "${banner}"`);
  }

  /** The status shown against a task on the home page. */
  async taskStatus(label) {
    return this.page.evaluate((label) => {
      const link = [...document.querySelectorAll(".govuk-task-list__link")].find((a) => a.innerText.trim() === label);
      return link ? link.closest("li").querySelector(".govuk-task-list__status").innerText.trim() : null;
    }, label);
  }

  async signIn(email) {
    await this.visit("/sign-in");
    await this.fill("Email address", email);
    await this.fill("Password", PASSWORD);
    await this.press("Sign in");
    if (this.page.url().endsWith("/sign-in/code")) {
      if (!TWO_FACTOR_CODE) this.fail("two-factor code needed: set TWO_FACTOR_CODE");
      await this.fill("Code", TWO_FACTOR_CODE);
      await this.press("Continue");
    }
    await this.expectHeading("Your tasks");
  }

  async close() {
    await this.context.close();
  }
}

const journeys = [];
async function journey(name, person, steps) {
  const start = person.pages;
  await steps();
  journeys.push({ name, pages: person.pages - start });
  console.log(`journey ok: ${name} (${person.pages - start} pages)`);
}

let status = 0;
try {
  // The organisation admin sets approval: orders from £10,000 need one approver.
  const admin = await Person.open("admin");
  await admin.signIn("admin@camden.example");
  await journey("an admin sets the approval rules", admin, async () => {
    await admin.press("Approval rules");
    await admin.expectHeading("Approval rules");
    // Rows as they come: no approval below £10,000, one approver from there.
    const rows = [["0", "0"], ["10,000", "1"]];
    for (let i = 0; i < 5; i += 1) {
      const [from, approvers] = rows[i] ?? ["", ""];
      await admin.fillNamed(`thresholds[${i}].from_value`, from);
      await admin.fillNamed(`thresholds[${i}].approvers`, approvers);
    }
    await admin.shot("approval-rules");
    await admin.press("Save rules");
    await admin.expectBanner("saved");
  });
  await admin.close();

  // A buyer finds two items, quotes and submits the order, which needs approval.
  const buyer = await Person.open("buyer");
  await buyer.signIn("buyer@camden.example");
  await buyer.shot("home");
  let reference;
  await journey("a buyer adds two items to a quote and submits it for approval", buyer, async () => {
    await buyer.visit(`/frameworks/${FRAMEWORK}/catalogue`);
    for (const [search, quantity] of [["5GB SIM", "150"], ["Ethernet", "1"]]) {
      await buyer.fill("Search the catalogue", search);
      await buyer.press("Search");
      await buyer.shot(`search-${search}`);
      const first = await buyer.page.$eval("main a[href^='/items/']", (a) => a.innerText.trim());
      await buyer.press(first);
      await buyer.fill("Quantity", quantity);
      await buyer.press("Add to quote");
      await buyer.expectBanner(`Added ${quantity}`);
      if (search !== "Ethernet") await buyer.press("Add another item");
    }
    await buyer.shot("quote");
    await buyer.press("Continue to place call-off");
    await buyer.expect("approver");
    await buyer.fill("Cost centre", "");
    await buyer.press("Submit for approval");
    await buyer.expect("Cost centre");
    await buyer.shot("review-error");
    await buyer.expect("approver");
    await buyer.fill("Cost centre", "IT-4021");
    await buyer.fill("Title", TITLE);
    await buyer.fill("Delivery address or sites", "Camden Town Hall, Judd Street, London WC1H 9JE");
    const start = new Date(Date.now() + 14 * 86400000);
    await buyer.fillNamed("order.starts_on-day", String(start.getUTCDate()));
    await buyer.fillNamed("order.starts_on-month", String(start.getUTCMonth() + 1));
    await buyer.fillNamed("order.starts_on-year", String(start.getUTCFullYear()));
    await buyer.fill("Full name", "Bola Buyer");
    await buyer.fill("Email address", "buyer@camden.example");
    await buyer.fill("Telephone number", "020 7974 4444");
    await buyer.shot("review");
    await buyer.press("Submit for approval");
    await buyer.expectBanner("submitted for approval");
    reference = (await buyer.page.$eval("h1", (h) => h.innerText.trim())).split(":")[0];
  });

  // The approver finds it among their tasks and approves it: the order is placed.
  const approver = await Person.open("approver");
  await approver.signIn("approver@camden.example");
  await journey("an approver approves an order from their tasks", approver, async () => {
    const waiting = await approver.taskStatus("Approvals waiting for you");
    if (!/^[1-9]\d* waiting/.test(waiting ?? "")) approver.fail(`the task reads "${waiting}"`);
    await approver.press("Approvals waiting for you");
    await approver.press(`Decide on ${reference}`);
    await approver.choose("Approve");
    await approver.press("Record decision");
    await approver.expectBanner("The call-off is placed");
    await approver.shot("approved");
  });
  await approver.close();

  // The supplier accepts it and marks it live, from its tasks.
  const supplier = await Person.open("supplier");
  await supplier.signIn("supplier@londonict.example");
  await journey("a supplier accepts an order and marks it live", supplier, async () => {
    await supplier.press("Call-offs to accept or reject");
    await supplier.press(TITLE);
    await supplier.expect(reference);
    await supplier.press("Accept");
    await supplier.expectBanner("Call-off accepted");
    await supplier.press("Mark as live");
    await supplier.expectBanner("marked as live");
    await supplier.shot("live");
  });
  await journey("a supplier declares its size and VCSE status from its tasks", supplier, async () => {
    await supplier.visit("/");
    if ((await supplier.taskStatus("Your size and VCSE status to declare")) !== "1 waiting") {
      supplier.fail("the declaration is not a task");
    }
    await supplier.press("Your size and VCSE status to declare");
    await supplier.expectHeading("Your size and VCSE status");
    await supplier.press("Declare");
    await supplier.expect("Answer yes or no");
    await supplier.page.click("#sme");
    await supplier.page.click("#vcse-2");
    await supplier.press("Declare");
    await supplier.expectBanner("Your status is declared");
    await supplier.shot("status-declared");
    await supplier.visit("/");
    if ((await supplier.taskStatus("Your size and VCSE status to declare")) === "1 waiting") {
      supplier.fail("the task is still waiting");
    }
  });
  await supplier.close();

  // The buyer was told: the navigation counts it; reading marks it.
  await journey("a buyer ticks two lots and a unit to narrow the catalogue", buyer, async () => {
    await buyer.visit(`/frameworks/${FRAMEWORK}/catalogue`);
    const count = () => buyer.page.$eval("#result-count", (h) => parseInt(h.innerText, 10));
    const all = await count();
    // From tablet width the filters are open without a toggle.
    if (!(await buyer.page.$eval("#lot", (el) => el.checkVisibility()))) buyer.fail("the lot filter is hidden");
    await buyer.choose("Lot 1:");
    await buyer.press("Apply filters");
    const one = await count();
    await buyer.choose("Lot 4:");
    await buyer.press("Apply filters");
    const either = await count();
    if (!(one > 0 && either > one && either < all)) buyer.fail(`lots 1 (${one}) or 4 (${either}) of ${all}`);
    const ticked = await buyer.page.$$eval("input[name=lot]:checked", (boxes) => boxes.map((b) => b.value));
    if (ticked.join() !== "1,4") buyer.fail(`the lots ticked are ${ticked.join()}`);
    await buyer.choose("per month");
    await buyer.press("Apply filters");
    const monthly = await count();
    if (!(monthly > 0 && monthly < either)) buyer.fail(`per month in lots 1 or 4: ${monthly} of ${either}`);
    const lots = await buyer.page.$$eval("#results > li", (items) => items.map((li) => li.innerText));
    if (lots.some((text) => !/lot [14]\)/.test(text))) buyer.fail(`a result outside lots 1 and 4: ${lots.join(" | ")}`);
    await buyer.shot("filters");
    await buyer.press("Clear filters");
    if ((await count()) !== all) buyer.fail("clearing the filters does not show everything");
  });

  await journey("a buyer reads their notifications", buyer, async () => {
    await buyer.visit("/");
    const count = await buyer.page.evaluate(() => document.querySelector(".calloff-count")?.innerText ?? "");
    if (!/^\d+/.test(count)) buyer.fail(`no unread count in the navigation ("${count}")`);
    await buyer.press("Notifications");
    await buyer.expect(reference);
    await buyer.press("Mark all as read");
    await buyer.expectBanner("marked as read");
    const after = await buyer.page.evaluate(() => document.querySelector(".calloff-count")?.innerText ?? "");
    if (after) buyer.fail(`the count still reads "${after}"`);
  });
  await journey("a buyer takes a notice's data and records it as published", buyer, async () => {
    await buyer.visit("/");
    const before = await buyer.taskStatus("Notices to publish");
    const waiting = parseInt(before ?? "", 10);
    if (!(waiting > 0)) buyer.fail(`the task reads "${before}"`);
    await buyer.press("Notices to publish");
    await buyer.expectHeading("Notices to publish");
    await buyer.shot("notices");
    // The first notice's data: an OCDS release of the UK profile, as the link downloads it.
    // Fetched with the browser's session cookie, as the download would be (the page's own
    // scripts may not fetch: its content security policy allows no connections).
    const href = await buyer.page.$eval("#notices-outstanding a[download]", (a) => a.href);
    const cookies = (await buyer.page.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const response = await fetch(href, { headers: { cookie: cookies } });
    const data = { status: response.status, body: await response.json() };
    const release = data.body.releases?.[0];
    const subject = release?.awards?.[0]?.documents ? release.awards[0] : release?.contracts?.[0];
    if (data.status !== 200 || !/^UK\d+$/.test(subject?.documents?.[0]?.noticeType ?? "")) {
      buyer.fail(`the notice's data is not a UK notice: ${data.status} ${JSON.stringify(data.body).slice(0, 300)}`);
    }
    await buyer.page.click("#notices-outstanding tbody tr td a");
    await buyer.page.waitForNavigation({ waitUntil: "load" }).catch(() => {});
    await buyer.expect("Notices to publish");
    await buyer.press("Record as published");
    await buyer.expectHeading("as published");
    await buyer.press("Record as published");
    await buyer.expect("Enter the notice's reference");
    await buyer.fill("Notice reference", "012345-2026");
    await buyer.press("Record as published");
    await buyer.expectBanner("Notice recorded as published");
    await buyer.shot("notice-recorded");
    await buyer.visit("/");
    const after = await buyer.taskStatus("Notices to publish");
    // "None" (or no link) once nothing is left.
    const left = parseInt(after ?? "0", 10) || 0;
    if (left !== waiting - 1) buyer.fail(`the task reads "${after}", was "${before}"`);
  });
  await journey("a buyer signs out from the header", buyer, async () => {
    await buyer.press("Sign out");
    await buyer.expectHeading("Sign in");
  });
  await buyer.close();

  // The manager sees the registrations waiting and verifies one.
  // Someone registering finds their body by typing part of its name.
  const registrant = await Person.open("registrant", 375);
  await journey("someone registering picks their body by typing its name", registrant, async () => {
    await registrant.visit("/register");
    const field = "#known_body";
    if (!(await registrant.page.$("#known_body-select"))) registrant.fail("the list of bodies is not a type-ahead");
    await registrant.page.type(field, "hackn");
    await registrant.page.waitForSelector("#known_body__listbox li", { visible: true });
    const offered = await registrant.page.$$eval("#known_body__listbox li", (items) => items.map((li) => li.innerText.trim()));
    if (!offered.includes("London Borough of Hackney")) registrant.fail(`typing "hackn" offers ${offered.join(", ")}`);
    const choice = await registrant.page.evaluateHandle(() =>
      [...document.querySelectorAll("#known_body__listbox li")].find((li) => li.innerText.trim() === "London Borough of Hackney"));
    await choice.asElement().click();
    const chosen = await registrant.page.$eval("#known_body-select", (select) => select.selectedOptions[0]?.text ?? "");
    if (chosen !== "London Borough of Hackney") registrant.fail(`the form would send "${chosen}"`);
    await registrant.shot("register-type-ahead-375");
    const width = await registrant.page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 375) registrant.fail(`the page is ${width} px wide`);
  });
  await registrant.close();

  const manager = await Person.open("manager");
  await manager.signIn("manager@rbkc.example");
  await journey("a manager verifies a registration from their tasks", manager, async () => {
    await manager.shot("home");
    const before = await manager.taskStatus("Registrations to verify");
    if (!/^[1-9]\d* waiting/.test(before ?? "")) manager.fail(`the task reads "${before}"`);
    await manager.press("Registrations to verify");
    await manager.shot("pending");
    await manager.press("Verify");
    await manager.expectBanner("verified");
    await manager.shot("verified");
    await manager.visit("/");
    const after = await manager.taskStatus("Registrations to verify");
    if (parseInt(after, 10) === parseInt(before, 10)) manager.fail(`the task still reads "${after}"`);
  });
  await journey("a manager withholds call-off values from the open data", manager, async () => {
    await manager.visit(`/frameworks/${FRAMEWORK}`);
    await manager.press("What the open data withholds");
    await manager.expectHeading("What the open data withholds");
    await manager.press("Save");
    await manager.expect("Choose whether to withhold the field or publish it again");
    await manager.choose("Its value");
    await manager.choose("Withhold it as commercially confidential");
    await manager.fill("Why it is commercially confidential", "Rates agreed below list price");
    await manager.press("Save");
    await manager.expectBanner("The open data is updated");
    await manager.expect("Rates agreed below list price");
    await manager.shot("withheld");
    await manager.visit(`/frameworks/${FRAMEWORK}/public`);
    await manager.expect("withheld");
    await manager.visit(`/frameworks/${FRAMEWORK}/confidentiality`);
    await manager.choose("Its value");
    await manager.choose("Publish it again");
    await manager.press("Save");
    await manager.expectBanner("The open data is updated");
  });
  await manager.close();

  // A phone: the home page and the catalogue fit 375 px.
  const phone = await Person.open("phone", 375);
  await phone.signIn("buyer@camden.example");
  await journey("a buyer on a phone", phone, async () => {
    await phone.shot("home-375");
    await phone.visit(`/frameworks/${FRAMEWORK}/catalogue?q=SIM`);
    await phone.shot("catalogue-375");
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 375) phone.fail(`the page is ${width} px wide`);
    // The filters fold away below the results' heading, and open when asked.
    const placed = await phone.page.evaluate(() => {
      const heading = document.querySelector("#result-count").getBoundingClientRect();
      const filters = document.querySelector(".calloff-filters").getBoundingClientRect();
      const results = document.querySelector("#results").getBoundingClientRect();
      return heading.bottom <= filters.top && filters.height < 80 && results.top < 900;
    });
    if (!placed) phone.fail("the filters are not folded below the results' heading");
    if (await phone.page.$eval("#lot", (el) => el.checkVisibility())) phone.fail("the filters are open on a phone");
    await phone.page.click(".calloff-filters summary");
    if (!(await phone.page.$eval("#lot", (el) => el.checkVisibility()))) phone.fail("the filters do not open");
    await phone.shot("catalogue-filters-375");
  });
  await phone.close();
} catch (e) {
  status = 1;
  console.log(`journey FAILED: ${e instanceof Failed ? e.message : e.stack}`);
}
await browser.close();
console.log(journeys.map((j) => `${j.name}: ${j.pages} pages`).join("\n"));
process.exit(status);
