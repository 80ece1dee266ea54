// The customer's side of the counter. Done when: the code read from the "ready for pickup" mail
// the SMTP sink received (its QR image, decoded by ZXing) typed into the console as a scanner
// types hands the job over like a label scan; and the status page that mail links to reads on a
// phone (390×844: everything fits, nothing scrolls sideways, the QR on the screen decodes).
import { randomUUID } from "node:crypto";
import { formatPickupCode } from "@orderdeck/contracts";
import type { SinkMessage } from "@orderdeck/mail-sink";
import { BarcodeFormat, decodePng } from "./harness/barcodes.ts";
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { seedJob, serverJob } from "./harness/jobs.ts";
import { scan } from "./harness/scanner.ts";
import { screenshot } from "./harness/screenshots.ts";
import type { Stack } from "./harness/stack.ts";

async function readyMail(stack: Stack, email: string): Promise<SinkMessage> {
  return stack.mail.waitFor((m) => m.to.includes(email) && /is ready for pickup$/.test(m.subject), 30_000);
}

function statusLinkOf(mail: SinkMessage): string {
  const link = /(https?:\/\/\S+\/status\/[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
  if (!link) throw new Error(`the ready mail has no status page link:\n${mail.text}`);
  return link;
}

test("the code on the customer's phone, read from the ready mail's QR, is scanned at the counter and the job is handed over", async ({ page, stack, newConsole }) => {
  const email = `phone-${randomUUID()}@example.com`;
  const job = await seedJob(stack, { title: "Phone-scanned vase", customer: "Pia Phone", email, ready: true, paid: true });
  const mail = await readyMail(stack, email);
  const qr = mail.attachments.find((a) => a.cid !== undefined && a.filename === "pickup-code-qr.png");
  expect(qr, "the ready mail carries the code as an inline QR image").toBeDefined();
  const code = decodePng(qr?.content ?? Buffer.alloc(0), BarcodeFormat.QR_CODE);
  expect(code).toBe(job.pickupCode);

  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E phone counter", email: DEMO.staff });
  // The counter's scanner reads the phone's screen and types what it read into the pickup screen's
  // code field, as it types a label.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pickup" }).click();
  await expect(page.getByLabel("Pickup code")).toBeFocused();
  await scan(page, code);
  await expect(page.getByRole("alert", { name: "Ready for pickup" })).toContainText(job.title);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert", { name: "Handed over" })).toBeVisible();
  await expect.poll(async () => serverJob(stack, job.id)).toMatchObject({ status: "PICKED_UP", pickedUpEvents: 1 });
  expect(errors).toEqual([]);
});

test("the status page the ready mail links to reads on a phone: the facts, the code as QR that decodes from the screen, nothing sideways", async ({ browser, stack }) => {
  const before = await stack.admin.query<{ slaWarnHours: number; slaBreachHours: number; version: string; name: string }>("site.settings");
  await stack.admin.mutate("site.updateSettings", {
    slaWarnHours: before.slaWarnHours,
    slaBreachHours: before.slaBreachHours,
    version: before.version,
    pickupPlace: "Front counter, Kastanienallee 12 (courtyard, second door on the left)",
    pickupHours: "Mon–Fri 10:00–18:00\nSat 10:00–14:00",
  });
  const email = `page-${randomUUID()}@example.com`;
  const job = await seedJob(stack, { title: "Walnut lamp shade with a rather long name, 3 parts", customer: "Lea Lamp", email, ready: true, priceCents: 4_250 });
  const link = statusLinkOf(await readyMail(stack, email));
  expect(link.startsWith(`${stack.apiUrl}/status/`)).toBe(true);

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  const errors = watchErrors(page);
  const response = await page.goto(link);
  expect(response?.status()).toBe(200);
  expect(response?.headers()["cache-control"]).toBe("no-store");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(before.name);
  const order = page.getByRole("region", { name: `Order ${job.displayNumber}` });
  await expect(order).toContainText(job.title);
  await expect(order.locator("#status")).toHaveText("Ready for pickup");
  await expect(order).toContainText(/Ready since \w{3}, \d{1,2} \w{3} \d{4}, \d{2}:\d{2} \S+/);
  await expect(page.getByRole("region", { name: "To pay" })).toContainText("€42.50, at pickup");
  const where = page.getByRole("region", { name: "Where and when" });
  await expect(where).toContainText("Front counter, Kastanienallee 12");
  await expect(where).toContainText("Sat 10:00–14:00");
  const codeRegion = page.getByRole("region", { name: "Pickup code" });
  await expect(codeRegion).toContainText(formatPickupCode(job.pickupCode));
  await expect(codeRegion.getByRole("img", { name: /QR code/ })).toBeVisible();
  await expect(codeRegion.getByRole("img", { name: /Barcode/ })).toBeVisible();
  await expect(page.getByText("Lea Lamp")).toHaveCount(0);
  await expect(page.getByText(email)).toHaveCount(0);

  // Nothing wider than the phone: no sideways scrolling, no element sticking out.
  const widths = await page.evaluate(() => ({
    viewport: window.innerWidth,
    document: document.documentElement.scrollWidth,
    widest: Math.max(...Array.from(document.querySelectorAll("body *"), (element) => element).map((element) => element.getBoundingClientRect().right)),
  }));
  expect(widths.viewport).toBe(390);
  expect(widths.document).toBeLessThanOrEqual(390);
  expect(widths.widest).toBeLessThanOrEqual(390);

  // What a scanner at the counter sees of the screen: the QR on it decodes to the code.
  const shot = await codeRegion.getByRole("img", { name: /QR code/ }).screenshot();
  expect(decodePng(shot, BarcodeFormat.QR_CODE)).toBe(job.pickupCode);
  await screenshot(page, "status-page", { fullPage: true });

  // A wrong link is a missing page, said in words.
  const wrong = await page.goto(link.replace(/.$/, (c) => (c === "A" ? "B" : "A")));
  expect(wrong?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  expect(errors).toEqual([]);
  await phone.close();
});

test("a lead revokes the customer's link from the job and issues a new one; the old page is gone", async ({ page, stack, newConsole, browser }) => {
  const email = `lead-${randomUUID()}@example.com`;
  const job = await seedJob(stack, { title: "Relinked bracket", customer: "Ole Link", email, ready: true, paid: true });
  const old = statusLinkOf(await readyMail(stack, email));
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E lead desk", email: DEMO.lead });
  await page.goto(`${host.url}/#/jobs/${job.id}`);
  const panel = page.getByRole("region", { name: "Customer's status page" });
  await expect(panel.getByRole("status")).toContainText("The customer's link works");
  await expect(panel.getByText(old, { exact: true })).toBeVisible();
  await panel.getByRole("button", { name: "Revoke link" }).click();
  await expect(panel.getByRole("status")).toContainText("Revoked");
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const customer = await phone.newPage();
  expect((await customer.goto(old))?.status()).toBe(404);

  await panel.getByRole("button", { name: "Issue a new link" }).click();
  await expect(panel.getByRole("status")).toContainText("The customer's link works");
  const fresh = await stack.mail.waitFor((m) => m.to.includes(email) && !m.text.includes(old) && /\/status\//.test(m.text), 30_000);
  const link = statusLinkOf(fresh);
  await expect(panel.getByText(link, { exact: true })).toBeVisible();
  expect((await customer.goto(link))?.status()).toBe(200);
  expect((await customer.goto(old))?.status()).toBe(404);
  await phone.close();
  expect(errors).toEqual([]);
});

test("an admin sets the pickup place and hours on Admin → Pickup, and the server keeps them", async ({ page, stack, newConsole }) => {
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E admin desk", email: DEMO.admin });
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await page.getByRole("tab", { name: "Pickup" }).click();
  await page.getByRole("textbox", { name: "Pickup place", exact: true }).fill("Side entrance, Hofgasse 3");
  await page.getByRole("textbox", { name: "Pickup hours", exact: true }).fill("Tue–Sat 11:00–19:00");
  await page.getByRole("button", { name: "Save pickup place and hours" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toContainText("customers' status pages show the new place and hours");
  await expect
    .poll(async () => (await stack.db.query<{ pickup_place: string; pickup_hours: string }>("SELECT pickup_place, pickup_hours FROM sites WHERE id = $1", [stack.siteId])).rows[0])
    .toEqual({ pickup_place: "Side entrance, Hofgasse 3", pickup_hours: "Tue–Sat 11:00–19:00" });
  expect(errors).toEqual([]);
});
