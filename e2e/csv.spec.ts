// Done when: a lead imports jobs from a CSV file at the console — the dry run lists each problem by
// line and column and imports nothing, the fixed file imports every row — and exports the board's
// current filter as CSV, whose rows are exactly the jobs that filter shows.
import { parse } from "csv-parse/sync";
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { screenshot } from "./harness/screenshots.ts";

const HEADER = "title,customer_name,customer_email,quantity,notes";

test("a CSV is checked by line and column, imported once right, and the board's filter exported", async ({ page, stack, newConsole }) => {
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E import desk", email: DEMO.lead });
  const count = async () => (await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE title LIKE 'Imported %'")).rows[0]?.n;

  await page.getByRole("link", { name: "Import" }).click();
  await expect(page.getByRole("heading", { name: "Import jobs from CSV" })).toBeVisible();
  const broken = [HEADER, "Imported lamp shade,Ida Import,ida@example.com,2,", "Imported gear,Gus Gear,not-an-address,1,", "Imported clip,Cy Clip,,0,"].join("\n");
  await page.getByLabel("CSV file").setInputFiles({ name: "orders.csv", mimeType: "text/csv", buffer: Buffer.from(broken) });
  await page.getByRole("button", { name: "Check file" }).click();
  const problems = page.getByRole("alert", { name: "Problems in the file" });
  await expect(problems).toContainText("2 problem(s) in orders.csv");
  const rows = problems.getByRole("row");
  await expect(rows.filter({ hasText: "customer_email" })).toContainText("3");
  await expect(rows.filter({ hasText: "quantity" })).toContainText("4");
  await screenshot(page, "csv-import");
  expect(await count()).toBe(0);

  const fixed = [HEADER, "Imported lamp shade,Ida Import,ida@example.com,2,", "Imported gear,Gus Gear,gus@example.com,1,", "Imported clip,Cy Clip,,1,"].join("\n");
  await page.getByLabel("CSV file").setInputFiles({ name: "orders-fixed.csv", mimeType: "text/csv", buffer: Buffer.from(fixed) });
  await page.getByRole("button", { name: "Check file" }).click();
  await expect(page.getByRole("status", { name: "Ready to import" })).toContainText("All 3 row(s) of orders-fixed.csv are right.");
  await page.getByRole("button", { name: "Import 3 job(s)" }).click();
  await expect(page.getByRole("status", { name: "Imported" })).toContainText("Imported 3 job(s).");
  expect(await count()).toBe(3);

  // The board filtered, then exported: the file holds exactly what the filter shows.
  await page.getByRole("link", { name: "See them in the queue" }).click();
  await page.getByLabel("Search", { exact: true }).fill("Imported");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.locator(".board-count")).toContainText("3 jobs");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const exported = parse(Buffer.concat(chunks).toString("utf8").replace(/^\uFEFF/, ""), { columns: true }) as Array<Record<string, string>>;
  expect(exported.map((r) => r.title).sort()).toEqual(["Imported clip", "Imported gear", "Imported lamp shade"]);
  expect(exported.find((r) => r.title === "Imported gear")?.customer_email).toBe("gus@example.com");
  expect(errors).toEqual([]);
});
