// Done when: a scanned pickup (keys typed at scanner speed, 5 ms apart, ended by Enter) from the
// board hands the job over; each refusal screen shows its message.
import { generatePickupCode } from "@orderdeck/contracts";
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { seedJob, serverJob } from "./harness/jobs.ts";
import { scan } from "./harness/scanner.ts";
import { screenshot } from "./harness/screenshots.ts";

test("a scan from the board hands a ready, paid job over once; each refusal has its own screen", async ({ page, stack, newConsole }) => {
  const ready = await seedJob(stack, { title: "Scanned bracket", customer: "Ada Scanner", ready: true, paid: true });
  const unpaid = await seedJob(stack, { title: "Unpaid lamp", customer: "Bo Owing", ready: true, priceCents: 4_250 });
  const notReady = await seedJob(stack, { title: "Still printing", customer: "Cy Waiting" });
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E pickup counter", email: DEMO.staff });

  // From the board, focus in the search field: the scan still goes to the pickup flow, and its
  // keys do not stay in the field.
  await page.getByLabel("Search", { exact: true }).focus();
  await scan(page, ready.pickupCode);
  await expect(page).toHaveURL(/#\/pickup$/);
  const readyCard = page.getByRole("alert", { name: "Ready for pickup" });
  await expect(readyCard).toContainText(ready.title);
  await expect(page.getByRole("button", { name: "Confirm handover" })).toBeFocused();
  await screenshot(page, "pickup-ready");
  // Keyboard alone: Enter confirms.
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert", { name: "Handed over" })).toBeVisible();
  await screenshot(page, "pickup-handed-over");
  await expect.poll(async () => serverJob(stack, ready.id)).toMatchObject({ status: "PICKED_UP", pickedUpEvents: 1 });
  await page.goto(`${host.url}/#/board`);
  await expect(page.getByLabel("Search", { exact: true })).toHaveValue("");
  await expect(page.getByRole("grid", { name: "Queue" }).getByRole("row").first()).toBeVisible();

  // Scanned again: already picked up, with when, who and where.
  await scan(page, ready.pickupCode);
  const already = page.getByRole("alert", { name: "Already picked up" });
  await expect(already).toContainText("Robin Stahl");
  await expect(already).toContainText("E2E pickup counter");
  await expect(already.getByText("When")).toBeVisible();
  await screenshot(page, "pickup-already-picked-up");
  expect((await serverJob(stack, ready.id)).pickedUpEvents).toBe(1);
  await page.keyboard.press("Enter"); // "Next customer" has focus

  await scan(page, unpaid.pickupCode);
  const owing = page.getByRole("alert", { name: "Unpaid" });
  await expect(owing).toContainText("Amount due: €42.50");
  await expect(owing).toContainText("not paid");
  // The unpaid screen offers to take the money (e2e/counter-payment.spec.ts); Esc leaves it untaken.
  await page.keyboard.press("Escape");

  await scan(page, notReady.pickupCode);
  const waiting = page.getByRole("alert", { name: "Not ready" });
  await expect(waiting).toContainText("Current status: Queued");
  await expect(waiting).toContainText("not ready yet");
  await screenshot(page, "pickup-not-ready");
  await page.keyboard.press("Enter");

  // A well-formed code that no job has.
  let unknown = generatePickupCode();
  while (unknown === ready.pickupCode || unknown === unpaid.pickupCode || unknown === notReady.pickupCode) unknown = generatePickupCode();
  await scan(page, unknown);
  await expect(page.getByRole("alert", { name: "Unknown code" })).toContainText("No job at this shop has pickup code");
  await screenshot(page, "pickup-unknown");
  await page.keyboard.press("Enter");

  // Typed slowly into the code field, a code is ordinary typing, then looked up.
  await expect(page.getByLabel("Pickup code")).toBeFocused();
  await page.keyboard.type(unpaid.pickupCode, { delay: 90 });
  await expect(page.getByLabel("Pickup code")).toHaveValue(unpaid.pickupCode);
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByRole("alert", { name: "Unpaid" })).toBeVisible();

  // Nothing else was handed over.
  expect((await serverJob(stack, unpaid.id)).status).toBe("READY_FOR_PICKUP");
  expect((await serverJob(stack, notReady.id)).status).toBe("QUEUED");
  expect(errors).toEqual([]);
});
