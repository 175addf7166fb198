// SPDX-License-Identifier: Apache-2.0
// The console in a real browser: playwright-core (npm) driving Debian's Chromium, against a live broker that the
// JUnit test ConsoleBrowserIT started on PostgreSQL and filled with traffic. That test passes a fixture file and reads
// back what this script wrote: every response the console's pages received (it scans them for secret values) and the
// screenshots. Assertions here fail the run (exit 1); no fixed sleeps: every wait is on a selector or a condition.
//
//   SEGURA_URL=http://127.0.0.1:PORT SEGURA_ADMIN_TOKEN=… node console.e2e.mjs fixture.json out-dir
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.SEGURA_URL;
const adminToken = process.env.SEGURA_ADMIN_TOKEN;
const [fixtureFile, outDir] = process.argv.slice(2);
const fixture = JSON.parse(readFileSync(fixtureFile, "utf8"));
const WAIT = 90_000;
mkdirSync(join(outDir, "screenshots"), { recursive: true });
const responsesFile = join(outDir, "responses.jsonl");
writeFileSync(responsesFile, "");
const results = {};
// axe-core (npm) run in each page: WCAG 2 A and AA rules (labels, contrast, roles, keyboard names)
const axeSource = readFileSync(new URL("../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const accessibility = {};

function step(name) {
  console.log(`e2e: ${name}`);
}

async function adminApi(method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(r.status, 200, `${method} ${path}: ${r.status}`);
  return r.json();
}

const browser = await chromium.launch({
  executablePath: process.env.SEGURA_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: "light" });
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  const pending = [];
  page.on("response", (response) => {
    pending.push((async () => {
      let body = "";
      let headers = {};
      try {
        headers = await response.allHeaders();
        body = (await response.body()).toString("utf8");
      } catch {
        // a redirect or an aborted request has no body
      }
      appendFileSync(responsesFile, JSON.stringify({ url: response.url(), status: response.status(), headers,
        body }) + "\n");
    })());
  });
  const consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() === "error") {
      consoleErrors.push(m.text());
    }
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  async function shot(name) {
    await page.screenshot({ path: join(outDir, "screenshots", `${name}.png`), fullPage: false });
    // evaluated through the DevTools protocol, which the page's CSP does not govern; the app's own code stays
    // under the CSP (a violation would be a console error, checked at the end)
    await page.evaluate(axeSource);
    accessibility[name] = await page.evaluate(async () => {
      const r = await globalThis.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } });
      return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" "))
        .join(", ")}`);
    });
  }

  async function go(hash, ready) {
    await page.goto(`${base}/console/#/${hash}`);
    await page.locator(`main[data-page="${hash}"]`).waitFor();
    if (ready) {
      await page.locator(ready).first().waitFor();
    }
  }

  step("the app's page carries a strict CSP and security headers");
  const first = await page.goto(`${base}/console/`);
  const headers = first.headers();
  const csp = headers["content-security-policy"];
  assert.ok(csp, "CSP header present");
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(headers["x-content-type-options"], "nosniff");
  results.csp = csp;
  await page.getByLabel("Admin token").waitFor();
  await shot("sign-in");

  step("a wrong token is refused, the right one signs in");
  await page.getByLabel("Admin token").fill("not-the-admin-token-not-the-admin-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".status.error").waitFor();
  const signInResponse = page.waitForResponse((r) => r.url().endsWith("/console/api/session")
    && r.request().method() === "POST");
  await page.getByLabel("Admin token").fill(adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  const setCookie = (await (await signInResponse).allHeaders())["set-cookie"];
  assert.match(setCookie, /^segura_console=v1\./);
  assert.match(setCookie, /; HttpOnly(;|$)/i);
  assert.match(setCookie, /; SameSite=Strict(;|$)/i);
  assert.match(setCookie, /Max-Age=\d+/);
  assert.match(setCookie, /Path=\//);
  results.setCookieFlags = setCookie.replace(/^segura_console=[^;]*/, "segura_console=…");
  const cookies = await context.cookies();
  const cookie = cookies.find((c) => c.name === "segura_console");
  assert.ok(cookie, "session cookie set");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Strict");
  assert.equal(await page.evaluate(() => document.cookie.includes("segura_console")), false,
    "script cannot read the session cookie");
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)), "{}{}",
    "nothing kept in web storage");

  step("overview numbers match the API");
  await page.locator('main[data-page="overview"] [data-testid="active-leases"]').waitFor();
  const api = await adminApi("GET", "/api/v2/admin/overview?minutes=60");
  const text = async (id) => (await page.locator(`[data-testid="${id}"]`).textContent()).trim();
  assert.equal(await text("active-sessions"), String(api.active_sessions));
  assert.equal(await text("active-leases"), String(api.active_leases));
  assert.equal(await text("total-exchanges"), String(api.totals.exchanges));
  assert.equal(await text("total-denials"), String(api.totals.denials));
  assert.equal(await text("total-leases"), String(api.totals.leases));
  assert.ok(api.active_leases >= fixture.activeLeasesAtLeast, `active leases ${api.active_leases}`);
  assert.ok(api.totals.denials >= 1, "the fixture's denial is counted");
  const verify = await adminApi("GET", "/api/v2/admin/audit/verify");
  assert.equal(await text("verify-status"), verify.ok ? "Verifies" : `Broken at event ${verify.broken_at}`);
  results.overview = { active_sessions: api.active_sessions, active_leases: api.active_leases, totals: api.totals,
    denials_by_reason: api.denials_by_reason };
  await shot("overview");

  step("keyboard: the navigation is reachable and followable with Tab and Enter");
  await page.locator("body").focus();
  let reached = false;
  for (let i = 0; i < 12 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.textContent === "Leases");
  }
  assert.ok(reached, "the Leases link is reachable by keyboard");
  await page.keyboard.press("Enter");
  await page.locator('main[data-page="leases"]').waitFor();

  step("filter leases by subject, revoke one");
  await page.getByLabel("Subject").fill(fixture.revokeSubject);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.locator('[data-testid="lease-count"]', { hasText: /^1 active lease$/ }).waitFor();
  const row = page.locator('[data-testid="leases"] tbody tr');
  assert.equal(await row.count(), 1);
  assert.match(await row.first().textContent(), new RegExp(fixture.revokeRepository.replace("/", "\\/")));
  await shot("leases");
  await page.getByRole("button", { name: `Revoke lease ${fixture.revokeLeaseId}` }).click();
  await page.locator("dialog[open]").waitFor();
  await shot("leases-confirm");
  const revoked = page.waitForResponse((r) => r.url().includes(`/api/v2/admin/leases/${fixture.revokeLeaseId}`));
  await page.locator("dialog[open]").getByRole("button", { name: "Revoke" }).click();
  assert.equal((await revoked).status(), 200);
  await page.locator('[data-testid="lease-count"]', { hasText: /^0 active leases$/ }).waitFor();
  await page.locator("#status", { hasText: "Revoked 1 lease(s) and 1 session(s)." }).waitFor();

  step("audit: filter by type, expand an event to its JSON, live update");
  await go("audit", '[data-testid="events"] li');
  await page.getByLabel("Type").selectOption("session.revoked");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.locator('[data-testid="events"] li[data-type="session.revoked"]').first().waitFor();
  assert.equal(await page.locator('[data-testid="events"] li:not([data-type="session.revoked"])').count(), 0);
  await page.locator('[data-testid="events"] li summary').first().click();
  const json = JSON.parse(await page.locator('[data-testid="events"] li pre').first().textContent());
  assert.equal(json.type, "session.revoked");
  assert.equal(json.subject, fixture.revokeSubject);
  // the console's own sign-ins are audited: the refused attempt above and this session, named by a hash only
  for (const type of ["console.sign_in_failed", "console.signed_in"]) {
    await page.getByLabel("Type").selectOption(type);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.locator(`[data-testid="events"] li[data-type="${type}"]`).first().waitFor();
    assert.equal(await page.locator(`[data-testid="events"] li:not([data-type="${type}"])`).count(), 0);
  }
  await page.locator('[data-testid="events"] li summary').first().click();
  const signedIn = JSON.parse(await page.locator('[data-testid="events"] li pre').first().textContent());
  assert.equal(signedIn.type, "console.signed_in");
  assert.match(signedIn.details.session_sha256, /^[0-9a-f]{64}$/);
  const signedInText = JSON.stringify(signedIn);
  assert.ok(!signedInText.includes(adminToken) && !signedInText.includes(cookie.value),
    "the sign-in event carries neither the admin token nor the cookie");
  await page.getByLabel("Type").selectOption("");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.locator('[data-testid="events"] li').first().waitFor();
  const before = await page.locator('[data-testid="events"] li').count();
  // a new event while the page is open: it appears without a reload (polling the cursor)
  await adminApi("DELETE", `/api/v2/admin/sessions?subject=${encodeURIComponent(fixture.liveSubject)}`);
  await page.locator(`[data-testid="events"] li[data-type="session.revoked"]`, { hasText: fixture.liveSubject })
    .waitFor();
  assert.ok(await page.locator('[data-testid="events"] li').count() > before);
  await page.locator('[data-testid="events"] li[data-type="token.rejected"] summary').click();
  await page.locator('[data-testid="events"] li[data-type="token.rejected"] pre').waitFor();
  await shot("audit");

  step("why denied: pick the rejection, paste the token, see expected against actual");
  await go("why", '[data-testid="rejections"]');
  await page.getByRole("button", { name: /^Use rejection / }).first().click();
  assert.equal(await page.getByLabel("Role").inputValue(), fixture.role);
  await page.getByLabel("Subject token").fill(fixture.deniedToken);
  await page.getByRole("button", { name: "Evaluate" }).click();
  await page.locator('[data-testid="decision"]').waitFor();
  assert.equal(await page.locator('[data-testid="decision"]').textContent(), "deny");
  const failing = page.locator('[data-testid="role-checks"] tbody tr', { hasText: "fails" });
  assert.equal(await failing.count(), 1);
  const cells = await failing.locator("td").allTextContents();
  assert.deepEqual(cells, [fixture.deniedClaim, fixture.deniedExpected, fixture.deniedActual, "fails"]);
  results.whyDenied = cells;
  await shot("why-denied");

  step("secrets: metadata only; rotate with a generated value; mark a version exposed");
  await go("secrets", '[data-testid="secrets"]');
  await page.getByRole("button", { name: `Details of ${fixture.rotatePath}` }).click();
  await page.locator('[data-testid="current-version"]', { hasText: /^1$/ }).waitFor();
  await page.getByRole("button", { name: "Rotate with a generated value" }).click();
  await page.locator("dialog[open]").getByRole("button", { name: "Rotate" }).click();
  await page.locator("#status", { hasText: `Rotated ${fixture.rotatePath} to version 2.` }).waitFor();
  await page.locator('[data-testid="current-version"]', { hasText: /^2$/ }).waitFor();
  await page.getByRole("button", { name: "Mark version 1 exposed" }).click();
  await page.locator("dialog[open]").getByRole("button", { name: "Mark exposed" }).click();
  await page.locator("#status", { hasText: `Marked ${fixture.rotatePath}@1 exposed.` }).waitFor();
  await page.locator('[data-testid="exposed-1"]').waitFor();
  assert.equal(await page.locator('[data-testid^="exposed-"]').count(), 1, "only version 1 is exposed");
  await shot("secrets");

  step("config: read-only, with the lint warnings");
  await go("config", '[data-testid="roles"]');
  assert.match(await page.locator('[data-testid="roles"]').textContent(), new RegExp(fixture.role));
  if (fixture.expectLint) {
    await page.locator('[data-testid="lint"] li').first().waitFor();
  }
  await shot("config");

  step("dark theme follows the system");
  await page.emulateMedia({ colorScheme: "dark" });
  await go("overview", '[data-testid="active-leases"]');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(20, 23, 26)");
  await shot("overview-dark");
  await page.emulateMedia({ colorScheme: "light" });

  step("CSRF: a state change without the token is refused, with it accepted");
  const noCsrf = await page.evaluate(async (subject) => {
    const r = await fetch(`/api/v2/admin/sessions?subject=${encodeURIComponent(subject)}`, { method: "DELETE" });
    return { status: r.status, body: await r.json() };
  }, fixture.liveSubject);
  assert.equal(noCsrf.status, 403);
  assert.match(noCsrf.body.type, /csrf-token-invalid$/);
  const sessionCookie = `segura_console=${cookie.value}`;
  const wrongCsrf = await fetch(`${base}/api/v2/admin/sessions?subject=x`, { method: "DELETE",
    headers: { Cookie: sessionCookie, "X-Segura-CSRF": "forged" } });
  assert.equal(wrongCsrf.status, 403);
  const readOk = await fetch(`${base}/api/v2/admin/leases`, { headers: { Cookie: sessionCookie } });
  assert.equal(readOk.status, 200);
  step("the cookie is no credential for the CI-facing API");
  const ciApi = await fetch(`${base}/api/v2/a2a/leases`, { method: "POST",
    headers: { Cookie: sessionCookie, "Content-Type": "application/json" },
    body: JSON.stringify({ secrets: [fixture.rotatePath] }) });
  assert.equal(ciApi.status, 401);

  step("sign out: the API refuses the browser and the old cookie");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.locator('[data-testid="sign-in-message"]', { hasText: "You are signed out." }).waitFor();
  const after = await page.evaluate(async () => (await fetch("/api/v2/admin/leases")).status);
  assert.equal(after, 401);
  const replay = await fetch(`${base}/api/v2/admin/leases`, { headers: { Cookie: sessionCookie } });
  assert.equal(replay.status, 401);
  assert.match((await replay.json()).type, /console-signed-out$/);
  await shot("signed-out");

  step("an expired session: the API refuses it and the console says so");
  // a cookie as the broker would have made it an hour ago (the test knows the admin token the key derives from)
  const key = createHmac("sha256", adminToken).update("segura-console-session-key-v1").digest();
  const body = `v1.${Math.floor(Date.now() / 1000) - 3600}.${randomBytes(18).toString("base64url")}`;
  const expired = `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
  const refused = await fetch(`${base}/api/v2/admin/leases`, { headers: { Cookie: `segura_console=${expired}` } });
  assert.equal(refused.status, 401);
  assert.match((await refused.json()).type, /console-session-expired$/);
  await context.addCookies([{ name: "segura_console", value: expired, url: base, httpOnly: true,
    sameSite: "Strict" }]);
  // a new document (a hash change alone would not reload the app)
  await page.goto("about:blank");
  await page.goto(`${base}/console/#/leases`);
  await page.locator('[data-testid="sign-in-message"]', { hasText: "Your session expired." }).waitFor();
  await shot("expired");

  await Promise.all(pending);
  results.accessibility = accessibility;
  const violations = Object.entries(accessibility).filter(([, v]) => v.length > 0);
  assert.deepEqual(violations, [], "axe: no WCAG 2 A/AA violation on any page");
  assert.deepEqual(consoleErrors.filter((e) => !/status of 40[13]/.test(e)), [],
    "no script errors and no CSP violations");
  results.responses = pending.length;
} catch (e) {
  console.error("e2e: FAILED", e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
if (process.exitCode) {
  process.exit(process.exitCode);
}
writeFileSync(join(outDir, "results.json"), JSON.stringify(results, null, 2));
console.log("e2e: passed");
