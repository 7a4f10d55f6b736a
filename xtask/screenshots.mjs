// The walk behind `cargo xtask screenshots` (see xtask/src/screenshots.rs): Debian's headless
// Chromium through playwright-core, against a portal with the demo data at $PORTAL, writing
// PNG files into $OUT. $PACK says which pack the portal runs (kexara or jtec; kexara-changed:
// kexara restarted on a new version of its policy).
import { createRequire } from "node:module";

// playwright-core lives in the target directory's tools ($NODE_PATH), which ES modules do
// not search: load it from there by name.
const require = createRequire(`${process.env.NODE_PATH}/`);
const { chromium } = require("playwright-core");

const base = process.env.PORTAL;
const out = process.env.OUT;
const pack = process.env.PACK;
const password = "demo tangerine orbit 2026";

const browser = await chromium.launch({
  executablePath: process.env.PLEDGE_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
  ],
});

/// A fresh browser (no cookies) that has answered the cookie banner ("Reject all", so that
/// the banner is not in every picture), signed in as the demo `person` unless it is null.
async function visitor(person) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/privacy`);
  await page.click("section.cookie-banner button[value=reject-all]");
  await page.waitForURL(`${base}/privacy`);
  if (person) {
    await page.goto(`${base}/signin?next=/account`);
    await page.fill("[name=email]", `${person}@demo.pledge.invalid`);
    await page.fill("[name=password]", password);
    await page.click("form.stacked button[type=submit]");
    await page.waitForURL(`${base}/account`);
  }
  return page;
}

/// Opens `path` (unless null) and saves the whole page as `name`.png once its scripts ran.
async function shot(page, path, name) {
  if (path) {
    await page.goto(`${base}${path}`);
  }
  await page.waitForLoadState("load");
  await page.waitForFunction(() => document.body.dataset.hydrated === "true", null, { timeout: 10_000 })
    .catch(() => {});
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  console.log(`screenshots: ${name}.png (${page.url().replace(base, "")})`);
}

async function kexara() {
  const newcomer = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await shot(newcomer, "/", "cookie-banner");
  await newcomer.click("section.cookie-banner a[href^='/cookies']");
  await newcomer.waitForURL(/\/cookies/);
  await newcomer.click("#category-analytics");
  await newcomer.click("form.cookie-settings button[value=save]");
  await newcomer.waitForURL(`${base}/`);
  await shot(newcomer, "/cookies", "cookie-settings");
  await shot(newcomer, "/privacy/versions", "policy-versions");

  const anyone = await visitor(null);
  await shot(anyone, "/", "catalogue");
  await shot(anyone, "/?q=&price=free", "catalogue-free");
  await shot(anyone, "/tours", "tours");
  await shot(anyone, "/signin", "signin");
  await shot(anyone, "/certificates/verify", "certificate-verify");
  await anyone.goto(`${base}/register`);
  await anyone.fill("[name=display_name]", "Ada Lovelace");
  await anyone.fill("[name=email]", "not an address");
  await anyone.fill("[name=date_of_birth]", "1990-12-10");
  await anyone.fill("[name=password]", "short");
  await anyone.click("form.stacked button[type=submit]");
  await shot(anyone, null, "register-refused");

  const learner = await visitor("learner");
  await shot(learner, "/account", "account");
  await learner.goto(`${base}/account/privacy`);
  await learner.click("form[action='/account/privacy/access'] button[type=submit]");
  await learner.waitForURL(/\/account\/privacy\?requested=1$/);
  await shot(learner, null, "privacy-centre");
  await shot(learner, "/account/second-step", "second-step");
  await shot(learner, "/courses/career-planning", "course-enrol");
  await learner.click("form.enrol button[type=submit]");
  await learner.waitForURL(/\/learn\/career-planning\/1$/);
  await shot(learner, null, "lesson");
  await shot(learner, "/learn", "learning");
  await shot(learner, "/learn/career-planning/assessments", "assessments");
  await shot(learner, "/learn/transcript", "transcript");
  await shot(learner, "/support", "support");
  await shot(learner, "/courses/agile-scrum", "course-checkout");
  await learner.fill("[name=billing_name]", "Demo Learner");
  await learner.click("form.checkout button[type=submit], main form button[type=submit]");
  await learner.waitForURL(/\/sandbox-processor\/pay\//);
  await shot(learner, null, "sandbox-card-page");
  await learner.fill("[name=card_number]", "4242 4242 4242 4242");
  await learner.fill("[name=expiry]", "12/30");
  await learner.fill("[name=cvc]", "123");
  await learner.click("button[type=submit]");
  await learner.waitForURL(/\/payments\//);
  await learner.waitForTimeout(1500); // the signed webhook lands; the receipt then says paid
  await shot(learner, learner.url().replace(base, ""), "receipt");
  await learner.goto(`${base}/tours/rockies-by-rail`);
  await learner.fill("[name=traveller_1_name]", "Demo Learner");
  await learner.fill("[name=traveller_1_birth]", "1990-04-02");
  await learner.fill("[name=accessibility_needs]", "Step-free access to the carriage");
  await learner.fill("[name=billing_name]", "Demo Learner");
  await learner.click("main form button[type=submit]");
  await shot(learner, null, "tour-booking-refused");

  await shot(await visitor("instructor"), "/teach/marking", "marking");
  await shot(await visitor("support-agent"), "/support/queue", "support-queue");
  await shot(await visitor("content-moderator"), "/moderation", "moderation");
  await shot(await visitor("finance"), "/finance/payments", "finance-payments");
  await shot(await visitor("tour-coordinator"), "/tours/manage", "tour-manifests");
  await shot(await visitor("administrator"), "/admin/teaching", "admin-teaching");
  // The privacy office: a correction the learner asked for, in the queue and opened; a legal
  // hold; the audit log with the chain verified; the record of processing.
  await learner.goto(`${base}/account/privacy`);
  await learner.fill("[name=details]", "My name is spelt Ada Lovelace.");
  await learner.click("form.privacy-correction button");
  await learner.waitForURL(/\/account\/privacy\?requested=1$/);
  const officer = await visitor("privacy-officer");
  await shot(officer, "/office/requests", "office-requests");
  await officer.click("table.request-queue a");
  await officer.waitForURL(/\/office\/requests\/[0-9a-f-]+$/);
  await shot(officer, null, "office-request");
  await officer.goto(`${base}/office/holds`);
  await officer.fill("[name=email]", "learner@demo.pledge.invalid");
  await officer.fill("[name=reason]", "Fee dispute, claim 2026-17");
  await officer.fill("[name=owner]", "Legal team");
  await officer.click("form.place-hold button");
  await officer.waitForURL(/\/office\/holds\?changed=1$/);
  await shot(officer, null, "office-holds");
  await shot(officer, "/office/audit?verify=1&action=read", "office-audit");
  await shot(officer, "/office/processing", "office-processing");
  await shot(officer, "/office/retention?preview=1", "office-retention");
  await officer.goto(`${base}/office/breaches`);
  await officer.fill("[name=title]", "Laptop stolen from a tutor's car");
  await officer.fill("[name=what_happened]", "A tutor's laptop holding a list of learners' names and addresses was stolen.");
  await officer.fill("[name=steps_taken]", "The laptop's disk is encrypted; we changed every password it held and told the police.");
  await officer.check("#category-contact-details");
  const discovered = new Date(Date.now() - 5 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
  await officer.fill("[name=discovered]", discovered);
  await officer.click("form.record-breach button[type=submit]");
  await officer.waitForURL(/\/office\/breaches\/[0-9a-f-]+\?done=recorded$/);
  await shot(officer, null, "office-breach");
  await shot(officer, "/office/breaches", "office-breaches");
  await shot(officer, "/office/partners", "office-partners");
  await shot(await visitor("guardian"), "/account/privacy", "guardian-privacy");
  await shot(await visitor("administrator"), "/admin/marketing", "admin-marketing");
}

async function jtec() {
  // jtec's policy requires a second step for staff, so its staff pages are shown on kexara;
  // here: the exam box a learner sees before booking, with what is shared and why.
  const learner = await visitor("learner");
  await shot(learner, "/courses/itil-4-foundation", "course-exam");
  await shot(learner, "/learn/exams", "exams");
}

async function changedPolicy() {
  // Signing in lands on /account, where the notice of the new version waits.
  await shot(await visitor("learner"), null, "policy-notice");
}

try {
  if (pack === "jtec") {
    await jtec();
  } else if (pack === "kexara-changed") {
    await changedPolicy();
  } else {
    await kexara();
  }
} finally {
  await browser.close();
}
