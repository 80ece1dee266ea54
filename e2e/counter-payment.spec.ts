// Done when: an unpaid pickup is paid and handed over in one flow at the counter (cash, the amount
// due offered, a receipt issued, Enter confirms the handover); offline the payment and the handover
// wait as "pending sync" and reach the server once each when it is back; a lead waives from the
// same screen, where staff are not offered it.
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { seedJob, serverJob } from "./harness/jobs.ts";
import type { Stack } from "./harness/stack.ts";
import { scan } from "./harness/scanner.ts";
import { screenshot } from "./harness/screenshots.ts";

async function money(stack: Stack, jobId: string): Promise<{ paymentStatus: string; payments: string[]; receipts: number }> {
  const job = await stack.db.query<{ payment_status: string }>("SELECT payment_status FROM jobs WHERE id = $1", [jobId]);
  const payments = await stack.db.query<{ line: string }>("SELECT provider || ' ' || amount_cents AS line FROM payments WHERE job_id = $1", [jobId]);
  const receipts = await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM receipts WHERE job_id = $1", [jobId]);
  return { paymentStatus: job.rows[0]?.payment_status ?? "", payments: payments.rows.map((r) => r.line), receipts: receipts.rows[0]?.n ?? 0 };
}

test("an unpaid pickup is paid in cash and handed over in one flow", async ({ page, stack, newConsole }) => {
  const job = await seedJob(stack, { title: "Counter-paid lamp", customer: "Pay Atcounter", ready: true, priceCents: 4_250 });
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E paying counter", email: DEMO.staff });

  await scan(page, job.pickupCode);
  const owing = page.getByRole("alert", { name: "Unpaid" });
  await expect(owing).toContainText("Amount due: €42.50");
  // The amount due is offered, focused; staff are not offered a waiver.
  await expect(page.getByLabel("Amount received (EUR)")).toHaveValue("42.50");
  await expect(page.getByLabel("Amount received (EUR)")).toBeFocused();
  await expect(page.getByRole("button", { name: "Waive payment" })).toHaveCount(0);
  await screenshot(page, "pickup-take-payment");

  // A wrong amount is refused in words, and nothing is recorded.
  await page.getByLabel("Amount received (EUR)").fill("forty");
  await page.getByRole("button", { name: "Cash received" }).click();
  await expect(owing.getByRole("alert").filter({ hasText: "Enter the amount received" })).toBeVisible();
  expect((await money(stack, job.id)).payments).toEqual([]);

  await page.getByLabel("Amount received (EUR)").fill("42.50");
  await page.keyboard.press("Enter"); // cash
  const ready = page.getByRole("alert", { name: "Ready for pickup" });
  await expect(ready).toContainText(/receipt RCT-\d{4}-\d+ issued/);
  await expect(page.getByRole("button", { name: "Confirm handover" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert", { name: "Handed over" })).toBeVisible();

  await expect.poll(async () => serverJob(stack, job.id)).toMatchObject({ status: "PICKED_UP", pickedUpEvents: 1 });
  expect(await money(stack, job.id)).toEqual({ paymentStatus: "PAID", payments: ["cash 4250"], receipts: 1 });
  expect(errors).toEqual([]);
});

test("offline: the payment and the handover wait as pending sync and reach the server once each", async ({ page, stack, newConsole }) => {
  const job = await seedJob(stack, { title: "Offline-paid bracket", customer: "Card Offline", ready: true, priceCents: 1_990 });
  const host = await newConsole();
  await stationAt(page, stack, host, { station: "E2E offline paying counter", email: DEMO.staff });

  await stack.stopApi();
  await expect(page.getByTestId("connection")).toHaveText("Offline");
  await scan(page, job.pickupCode);
  await expect(page.getByRole("alert", { name: "Unpaid" })).toContainText("Amount due: €19.90");
  await page.getByRole("button", { name: "Card paid" }).click();
  await expect(page.getByRole("alert", { name: "Ready for pickup" })).toContainText("pending sync");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert", { name: "Handed over — pending sync" })).toBeVisible();
  await expect(page.getByTestId("outbox-size")).toHaveText("2");

  await stack.startApi();
  await expect(page.getByTestId("outbox-size")).toHaveText("0", { timeout: 45_000 });
  expect(await serverJob(stack, job.id)).toMatchObject({ status: "PICKED_UP", pickedUpEvents: 1 });
  expect(await money(stack, job.id)).toEqual({ paymentStatus: "PAID", payments: ["card 1990"], receipts: 1 });
});

test("a lead waives the payment from the unpaid screen and hands the job over", async ({ page, stack, newConsole }) => {
  const job = await seedJob(stack, { title: "Remade housing", customer: "Goodwill Customer", ready: true, priceCents: 3_000 });
  const host = await newConsole();
  await stationAt(page, stack, host, { station: "E2E lead counter", email: DEMO.lead });

  await scan(page, job.pickupCode);
  await expect(page.getByRole("alert", { name: "Unpaid" })).toBeVisible();
  await page.getByLabel("Or waive it (lead): why").fill("Remake after a misprint");
  await page.getByRole("button", { name: "Waive payment" }).click();
  await expect(page.getByRole("alert", { name: "Ready for pickup" })).toContainText("Payment waived.");
  await page.getByRole("button", { name: "Confirm handover" }).click();
  await expect(page.getByRole("alert", { name: "Handed over" })).toBeVisible();
  // No payment; the handover's own receipt says what was waived.
  expect(await money(stack, job.id)).toEqual({ paymentStatus: "WAIVED", payments: [], receipts: 1 });
});
