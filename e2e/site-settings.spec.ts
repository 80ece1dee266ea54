// The shop's own settings as an admin and the floor see them: the timezone and shifts edited on
// Admin → Timezone and shifts (each problem said in words next to its field, the change applying
// from the next shift), and the board colouring jobs by how long they have been open against the
// site's SLA thresholds, whatever their due date. Screenshot of the shifts screen for the README.
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { seedJob } from "./harness/jobs.ts";
import { screenshot } from "./harness/screenshots.ts";

interface Settings {
  timezone: string;
  shifts: Array<{ start: string; name: string }>;
  version: string;
  slaWarnHours: number;
  slaBreachHours: number;
}

test("an admin changes the timezone and shifts, told in words what to fix; the change waits for the next shift", async ({ page, stack, newConsole }) => {
  const before = await stack.admin.query<Settings>("site.settings");
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E shift desk", email: DEMO.admin });
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await page.getByRole("tab", { name: "Timezone and shifts" }).click();
  await expect(page.getByLabel("Shift 1 starts at")).toHaveValue(before.shifts[0]?.start ?? "");

  // Wrong on purpose: an offset for a zone, a start out of order, a shift without a name.
  await page.getByLabel("Timezone", { exact: true }).fill("+01:00");
  await page.getByLabel("Shift 2 starts at").fill("5");
  await page.getByRole("button", { name: "Add a shift" }).click();
  await page.getByLabel("Shift 4 starts at").fill("23:30");
  await page.getByRole("button", { name: "Save timezone and shifts" }).click();
  await expect(page.getByText("Enter an IANA timezone such as Europe/Berlin or America/New_York (not an offset like +01:00).")).toBeVisible();
  await expect(page.getByText(/Late starts at 05:00, which is not after Early \(06:00\): list the shifts in the order they start/)).toBeVisible();
  await expect(page.getByText("Give the shift a name people use, e.g. Early, Late or Night.")).toBeVisible();
  expect((await stack.admin.query<Settings>("site.settings")).version).toBe(before.version);

  // Put right: two shifts, 07:00 and 19:00, in Lisbon.
  await page.getByLabel("Timezone", { exact: true }).fill("Europe/Lisbon");
  await page.getByRole("button", { name: "Remove shift 4" }).click();
  await page.getByRole("button", { name: /Remove shift 3/ }).click();
  await page.getByLabel("Shift 1 starts at").fill("7");
  await page.getByLabel("Shift 1 name").fill("Day");
  await page.getByLabel("Shift 2 starts at").fill("19:00");
  await page.getByLabel("Shift 2 name").fill("Night");
  await page.getByRole("button", { name: "Save timezone and shifts" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Saved: from .* \(the start of the next shift\) the shifts are Day 07:00, Night 19:00, in Europe\/Lisbon\./ })).toBeVisible();
  await expect(page.getByRole("note")).toContainText(/The rules below apply from .*Until then: Early 06:00, Late 14:00, Night 22:00, in Europe\/Berlin\./);
  await page.getByRole("heading", { name: "Timezone and shifts" }).scrollIntoViewIfNeeded();
  await screenshot(page, "admin-shifts");

  const rules = await stack.db.query<{ timezone: string; shifts: unknown; effective_from: Date }>(
    "SELECT timezone, shifts, effective_from FROM site_shift_rules WHERE site_id = $1 ORDER BY effective_from",
    [stack.siteId],
  );
  expect(rules.rows.map((r) => [r.timezone, r.shifts])).toEqual([
    ["Europe/Berlin", before.shifts],
    ["Europe/Lisbon", [{ start: "07:00", name: "Day" }, { start: "19:00", name: "Night" }]],
  ]);
  expect(rules.rows[1]?.effective_from.getTime()).toBeGreaterThan(Date.now());
  const audit = await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE site_id = $1 AND action = 'site.update_shift_rules'", [stack.siteId]);
  expect(audit.rows[0]?.n).toBeGreaterThanOrEqual(1);

  // The rest of the suite shares this site: the waiting change is taken back (the rules in force stay).
  const changed = await stack.admin.query<Settings>("site.settings");
  await stack.admin.mutate("site.updateShiftRules", { timezone: before.timezone, shifts: before.shifts, version: changed.version });
  expect(errors).toEqual([]);
});

test("the board colours a job open past the warning threshold as ageing and one past the breach threshold as breached", async ({ page, stack, newConsole }) => {
  const settings = await stack.admin.query<Settings>("site.settings");
  const young = await seedJob(stack, { title: "Fresh spacer", customer: "Ada Byron" });
  const ageing = await seedJob(stack, { title: "Waiting hinge", customer: "Ada Byron" });
  const breached = await seedJob(stack, { title: "Forgotten bracket", customer: "Ada Byron" });
  // Created long ago (as an import of old orders would be), with no due date: only their age counts.
  const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
  await stack.db.query("UPDATE jobs SET created_at = $2, due_at = NULL WHERE id = $1", [ageing.id, hoursAgo(settings.slaWarnHours + 2)]);
  await stack.db.query("UPDATE jobs SET created_at = $2, due_at = NULL WHERE id = $1", [breached.id, hoursAgo(settings.slaBreachHours + 2)]);

  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E ageing desk", email: DEMO.staff });
  const row = (job: { displayNumber: string; title: string }) => page.getByRole("row", { name: `${job.displayNumber} ${job.title}` });
  const search = async (job: { displayNumber: string }) => {
    await page.getByLabel("Search", { exact: true }).fill(job.displayNumber);
    await page.getByRole("button", { name: "Search", exact: true }).click();
  };

  await search(ageing);
  await expect(row(ageing)).toHaveAttribute("data-ageing", "warn");
  await expect(row(ageing)).toHaveClass(/\bsla--warn\b/);
  await expect(row(ageing).getByRole("gridcell").filter({ hasText: "Ageing: open" })).toHaveText(/Ageing: open 2 d/);

  await search(breached);
  await expect(row(breached)).toHaveAttribute("data-ageing", "breach");
  await expect(row(breached)).toHaveClass(/\bsla--overdue\b/);
  await expect(row(breached).getByRole("gridcell").filter({ hasText: "SLA breach" })).toHaveText(/SLA breach: open \d+ d/);

  await search(young);
  await expect(row(young)).not.toHaveAttribute("data-ageing", /.+/);
  await expect(row(young)).toHaveClass(/\bsla--none\b/);
  expect(errors).toEqual([]);
});
