// Done when: a walk-in order is created at the console (a new customer named on the spot, field
// errors shown in words beside their fields), edited while someone else changes it (the stale edit
// shows what changed, then saves only the person's own changes), its label printed, and it is picked
// up at the counter with its pickup code, paid there.
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { serverJob } from "./harness/jobs.ts";
import { scan } from "./harness/scanner.ts";
import { screenshot } from "./harness/screenshots.ts";

test("a walk-in order is created, edited, labelled and picked up", async ({ page, stack, newConsole }) => {
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E walk-in desk", email: DEMO.staff });

  await page.getByRole("link", { name: "New job" }).click();
  await expect(page.getByRole("heading", { name: "New job" })).toBeVisible();
  const jobsBefore = await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs");

  // Refused in words beside the fields, and nothing is created.
  await page.getByLabel("Find a customer").fill("Walk-In Wanda");
  await page.getByRole("button", { name: "New customer" }).click();
  await expect(page.getByLabel("Customer name")).toHaveValue("Walk-In Wanda");
  await page.getByLabel("Customer e-mail").fill("not an address");
  await page.getByRole("button", { name: "Create job" }).click();
  const titleField = page.locator(".form-field", { has: page.getByLabel("Title") });
  await expect(titleField.getByRole("alert")).toBeVisible();
  await expect(page.locator("fieldset", { hasText: "New customer" }).getByRole("alert")).toContainText(/e-?mail/i);
  await expect(page.getByText("{")).toHaveCount(0);
  expect((await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs")).rows[0]?.n).toBe(jobsBefore.rows[0]?.n);

  await page.getByLabel("Title").fill("Walk-in hinge set");
  await page.getByLabel("Customer e-mail").fill("wanda@example.com");
  await page.getByLabel("Quantity").fill("3");
  await page.getByLabel("Material").fill("PETG");
  await page.getByLabel("Colour").fill("Orange");
  await page.getByLabel("Machine").fill("Prusa MK4 #2");
  await page.getByLabel("Due").fill("2027-01-15T16:00");
  await page.getByLabel("Price").fill("18.50");
  await screenshot(page, "job-new");
  await page.getByRole("button", { name: "Create job" }).click();

  const heading = page.getByRole("heading", { name: /: Walk-in hinge set$/ });
  await expect(heading).toBeVisible();
  const created = await stack.db.query<{ id: string; version: number; customer: string; email: string | null; price_cents: number; quantity: number; machine: string }>(
    "SELECT j.id::text, j.version, c.name AS customer, c.email, j.price_cents, j.quantity, j.machine FROM jobs j JOIN customers c ON c.id = j.customer_id WHERE j.title = 'Walk-in hinge set'",
  );
  const job = created.rows[0];
  if (!job) throw new Error("the walk-in job was not created");
  expect(job).toMatchObject({ customer: "Walk-In Wanda", email: "wanda@example.com", price_cents: 1_850, quantity: 3, machine: "Prusa MK4 #2" });

  // An edit while someone else changes the job: the stale edit says what changed.
  await page.getByRole("link", { name: "Edit job" }).click();
  await expect(page.getByRole("heading", { name: /^Edit / })).toBeVisible();
  await page.getByLabel("Colour").fill("Black");
  await stack.admin.mutate("jobs.update", { id: job.id, version: job.version, title: "Walk-in hinge set (rush)" });
  await page.getByRole("button", { name: "Save changes" }).click();
  const changed = page.getByRole("alert", { name: "Changed meanwhile" });
  await expect(changed).toContainText("Title: “Walk-in hinge set” → “Walk-in hinge set (rush)”");
  await changed.getByRole("button", { name: "Save my changes over theirs" }).click();
  await expect(page.getByRole("heading", { name: /: Walk-in hinge set \(rush\)$/ })).toBeVisible();
  const edited = await stack.db.query<{ title: string; colour: string }>("SELECT title, colour FROM jobs WHERE id = $1", [job.id]);
  expect(edited.rows[0]).toEqual({ title: "Walk-in hinge set (rush)", colour: "Black" });

  // The label prints (the browser's print dialog is not part of the test).
  await page.evaluate(() => {
    window.print = () => undefined;
  });
  await page.getByRole("button", { name: "Print label" }).click();
  await expect(page.getByRole("img", { name: /^Label of / })).toBeVisible();

  // Through the floor to the counter, where it is paid and handed over.
  for (const status of ["In progress", "Post-processing", "Ready for pickup"]) {
    await page.getByRole("button", { name: `Mark ${status}` }).click();
    await expect(page.locator("dd").filter({ hasText: new RegExp(`^${status}$`) })).toBeVisible();
  }
  // The timeline (from the server) arrives apart from the job's fields (from the console's copy): the
  // scan starts once it has, as the scanner harness needs a page that is not drawing an answer.
  await expect(page.getByRole("table", { name: "Timeline" }).getByRole("row", { name: /status changed/ })).toHaveCount(3);
  const code = await stack.db.query<{ pickup_code: string }>("SELECT pickup_code FROM jobs WHERE id = $1", [job.id]);
  await scan(page, code.rows[0]?.pickup_code ?? "");
  await expect(page.getByRole("alert", { name: "Unpaid" })).toContainText("€18.50");
  await page.keyboard.press("Enter"); // cash, the amount due
  await expect(page.getByRole("button", { name: "Confirm handover" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert", { name: "Handed over" })).toBeVisible();
  await expect.poll(async () => serverJob(stack, job.id)).toMatchObject({ status: "PICKED_UP", pickedUpEvents: 1 });
  expect(errors).toEqual([]);
});
