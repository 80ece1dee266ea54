// Done when: a new station enrolls, signs in, sees the seeded queue, reorders, changes a status;
// a second browser sees it live.
import { formatJobNumber } from "@orderdeck/contracts";
import { DEMO, expect, setUpStation, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { serverJob } from "./harness/jobs.ts";
import { screenshot } from "./harness/screenshots.ts";

test("a new station enrolls, signs in, sees the seeded queue, reorders and changes a status; a second station sees it live", async ({ browser, stack, newConsole }) => {
  const hostA = await newConsole();
  const hostB = await newConsole();
  const lead = await (await browser.newContext()).newPage();
  const errors = watchErrors(lead);

  await lead.goto(hostA.url);
  await screenshot(lead, "setup");
  await stationAt(lead, stack, hostA, { station: "E2E front desk", email: DEMO.lead });

  // The seeded queue, all of it.
  const open = await stack.db.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM jobs WHERE site_id = $1 AND archived_at IS NULL AND status IN ('QUEUED','IN_PROGRESS','POST_PROCESSING','READY_FOR_PICKUP','ON_HOLD','FAILED')",
    [stack.siteId],
  );
  await expect(lead.locator(".board-count")).toContainText(`${open.rows[0]?.n} jobs`);
  const grid = lead.getByRole("grid", { name: "Queue" });
  const rows = grid.getByRole("row");
  await expect(rows.first()).toBeVisible();
  await screenshot(lead, "board");

  // Reorder (LEAD): the second job moves above the first, on the server and on the board.
  const first = await serverOrder(stack, 2);
  const [topId, secondId] = first;
  const secondNumber = await numberOf(stack, secondId as string);
  await lead.getByRole("button", { name: `Move ${secondNumber} up` }).click();
  await expect.poll(() => serverOrder(stack, 2)).toEqual([secondId, topId]);
  await expect(rows.first()).toHaveAccessibleName(new RegExp(`^${secondNumber} `));

  // A second station (another browser) watches one queued job.
  const queued = await stack.db.query<{ id: string; number: number }>(
    "SELECT id::text, number FROM jobs WHERE site_id = $1 AND status = 'QUEUED' AND archived_at IS NULL ORDER BY queue_position LIMIT 1",
    [stack.siteId],
  );
  const target = queued.rows[0];
  if (!target) throw new Error("the demo seed has no queued job");
  const number = formatJobNumber(target.number);
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await setUpStation(staff, stack, hostB, { station: "E2E print room", email: DEMO.staff });
  for (const page of [lead, staff]) {
    await page.getByLabel("Search", { exact: true }).fill(number);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page.getByLabel(`Status of ${number}`)).toHaveValue("QUEUED");
  }

  // The status change, offering only what the status machine allows.
  const select = lead.getByLabel(`Status of ${number}`);
  await expect(select.locator("option")).toHaveText(["Queued", "→ In progress", "→ On hold", "→ Cancelled"]);
  await select.selectOption("IN_PROGRESS");
  await expect(select).toHaveValue("IN_PROGRESS");
  await expect.poll(async () => (await serverJob(stack, target.id)).status).toBe("IN_PROGRESS");
  // Live: the other station's board follows without a reload.
  await expect(staff.getByLabel(`Status of ${number}`)).toHaveValue("IN_PROGRESS");

  // The job's own page.
  await lead.getByRole("link", { name: number }).click();
  await expect(lead.getByRole("heading", { level: 1 })).toContainText(number);
  await expect(lead.getByRole("table", { name: "Timeline" })).toBeVisible();
  await screenshot(lead, "job-detail");
  expect(errors).toEqual([]);
  await staffContext.close();
});

async function serverOrder(stack: { db: { query: <R>(sql: string, values: unknown[]) => Promise<{ rows: R[] }> }; siteId: string }, limit: number): Promise<string[]> {
  const rows = await stack.db.query<{ id: string }>(
    "SELECT id::text FROM jobs WHERE site_id = $1 AND queue_position IS NOT NULL ORDER BY queue_position LIMIT $2",
    [stack.siteId, limit],
  );
  return rows.rows.map((r) => r.id);
}

async function numberOf(stack: { db: { query: <R>(sql: string, values: unknown[]) => Promise<{ rows: R[] }> } }, id: string): Promise<string> {
  const row = await stack.db.query<{ number: number }>("SELECT number FROM jobs WHERE id = $1", [id]);
  return formatJobNumber(row.rows[0]?.number ?? 0);
}
