// Done when: from the queue board a person selects jobs and, in one bulk action each, assigns them to
// someone of the site and sends their invoices; the server holds both, the results list each job.
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { seedJob } from "./harness/jobs.ts";
import type { Stack } from "./harness/stack.ts";

async function assigneeAndInvoices(stack: Stack, jobId: string): Promise<{ assignee: string | null; invoices: number }> {
  const row = await stack.db.query<{ assignee: string | null; invoices: number }>(
    "SELECT u.name AS assignee, (SELECT count(*)::int FROM invoices i WHERE i.job_id = j.id) AS invoices FROM jobs j LEFT JOIN users u ON u.id = j.assignee_id WHERE j.id = $1",
    [jobId],
  );
  return row.rows[0] ?? { assignee: null, invoices: -1 };
}

test("bulk actions assign the selected jobs to a person and send their invoices", async ({ page, stack, newConsole }) => {
  const jobs = [await seedJob(stack, { title: "Bulk bracket one", customer: "Bulk Customer" }), await seedJob(stack, { title: "Bulk bracket two", customer: "Bulk Customer" })];
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E bulk desk", email: DEMO.lead });
  const lead = await stack.db.query<{ name: string }>("SELECT name FROM users WHERE email = $1", [DEMO.lead]);
  const leadName = lead.rows[0]?.name ?? "";

  await page.getByLabel("Search", { exact: true }).fill("Bulk bracket");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  for (const job of jobs) await page.getByLabel(`Select ${job.displayNumber}`).check();
  const bar = page.getByRole("group", { name: "Bulk actions" });
  await expect(bar).toContainText("2 selected");

  await bar.getByLabel("Action").selectOption({ label: `Assign → ${leadName}` });
  await bar.getByRole("button", { name: "Apply to 2" }).click();
  const results = page.getByRole("dialog", { name: "Bulk results" });
  await expect(results.getByRole("status")).toHaveText("2 done, 0 refused.");
  for (const job of jobs) await expect(results).toContainText(`${job.displayNumber}: Done`);
  await results.getByRole("button", { name: /close/i }).click();
  for (const job of jobs) expect((await assigneeAndInvoices(stack, job.id)).assignee).toBe(leadName);

  for (const job of jobs) await page.getByLabel(`Select ${job.displayNumber}`).check();
  await bar.getByLabel("Action").selectOption({ label: "Send invoice" });
  await bar.getByRole("button", { name: "Apply to 2" }).click();
  await expect(results.getByRole("status")).toHaveText("2 done, 0 refused.");
  for (const job of jobs) expect(await assigneeAndInvoices(stack, job.id)).toEqual({ assignee: leadName, invoices: 1 });
  expect(errors).toEqual([]);
});
