// The exceptions, operations and admin screens as an admin uses them, one real action on each:
// an exception followed to its job, a failed background task retried, a user created, an
// enrollment code created and shown once, the SLA thresholds changed. The server holds each
// change afterwards. Screenshots of the three screens for the README.
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { seedJob } from "./harness/jobs.ts";
import { screenshot } from "./harness/screenshots.ts";
import type { Stack } from "./harness/stack.ts";

/** A background task of the site that used up its attempts (FAILED), parked an hour ahead. */
async function failedTask(stack: Stack): Promise<string> {
  const client = await stack.db.connect();
  try {
    await client.query("BEGIN");
    // app_enqueue adds jobs for the site the transaction acts for only.
    await client.query("SELECT set_config('app.site_id', $1, true)", [stack.siteId]);
    const row = await client.query<{ id: string }>(
      "SELECT app_enqueue('retention_site', json_build_object('siteId', $1::text), $2, now() + interval '1 hour', 5, NULL)::text AS id",
      [stack.siteId, `e2e-admin-${Date.now()}`],
    );
    await client.query("COMMIT");
    const id = row.rows[0]?.id;
    if (!id) throw new Error("app_enqueue answered no id");
    await stack.db.query("UPDATE graphile_worker._private_jobs SET attempts = max_attempts, last_error = 'SMTP said 550: mailbox unavailable' WHERE id = $1", [id]);
    return id;
  } finally {
    client.release();
  }
}

test("an admin follows an exception to its job, retries a failed task, creates a user and a station code, and changes the SLA thresholds", async ({
  page,
  stack,
  newConsole,
}) => {
  const job = await seedJob(stack, { title: "Unpaid lamp shade", customer: "Ada Byron", ready: true, paid: false });
  const taskId = await failedTask(stack);
  const parked = await stack.db.query<{ run_at: Date }>("SELECT run_at FROM graphile_worker._private_jobs WHERE id = $1", [taskId]);
  const parkedUntil = parked.rows[0]?.run_at.getTime() ?? Number.NaN;
  const before = await stack.admin.query<{ slaWarnHours: number; slaBreachHours: number; version: string }>("site.settings");
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E admin desk", email: DEMO.admin });
  const nav = page.getByRole("navigation", { name: "Main" });

  // Exceptions: grouped by kind with counts; the unpaid ready job links to its detail.
  await nav.getByRole("link", { name: "Exceptions" }).click();
  const unpaid = page.getByRole("region", { name: /Ready but unpaid \(\d+\)/ });
  const jobLink = unpaid.getByRole("link", { name: `${job.displayNumber} · ${job.title}` });
  await expect(jobLink).toBeVisible();
  await screenshot(page, "exceptions");
  await jobLink.click();
  await expect(page).toHaveURL(new RegExp(`#/jobs/${job.id}$`));
  await expect(page.getByText(job.title).first()).toBeVisible();

  // Operations: the failed task, chosen and retried, with its result on its row.
  await nav.getByRole("link", { name: "Operations" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Operations" })).toBeVisible();
  await page.getByRole("checkbox", { name: `Choose task ${taskId} (retention_site)` }).check();
  await page.getByRole("button", { name: "Retry now" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Retry:" })).toHaveText("Retry: 1 done.");
  await screenshot(page, "operations");
  // The reset is recorded with its audit row in one transaction: exactly one retry of this task.
  const audit = await stack.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_log WHERE site_id = $1 AND action = 'operations.retry' AND target = $2",
    [stack.siteId, `jobs:${taskId}`],
  );
  expect(audit.rows[0]?.n).toBe(1);
  // The retry moved it from an hour ahead to now. The worker may have run it since (gone), or be
  // running it, or have rescheduled a failure seconds ahead (attempts counting up again): whatever
  // it did, the task is never parked an hour ahead again, so this holds at any moment.
  const retried = await stack.db.query<{ run_at: Date }>("SELECT run_at FROM graphile_worker._private_jobs WHERE id = $1", [taskId]);
  expect(retried.rows.every((r) => r.run_at.getTime() < parkedUntil - 30 * 60_000)).toBe(true);

  // Admin → Users: a problem is shown next to its field; then the user is created.
  await nav.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("tab", { name: "Users", selected: true })).toBeVisible();
  await page.getByLabel("Name").fill("Jo Tester");
  await page.getByLabel("Email").fill("jo.tester@orderdeck.local");
  await page.getByLabel("First password").fill("short");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText("Passwords need at least 12 characters.")).toBeVisible();
  await page.getByLabel("First password").fill("a long first password");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Jo Tester (jo.tester@orderdeck.local) can now sign in as Staff." })).toBeVisible();
  await expect(page.getByRole("row", { name: /Jo Tester/ })).toBeVisible();
  const user = await stack.db.query<{ role: string }>("SELECT role::text FROM users WHERE email = 'jo.tester@orderdeck.local'");
  expect(user.rows).toEqual([{ role: "STAFF" }]);
  await screenshot(page, "admin");

  // Stations: an enrollment code, shown once in large type with its expiry. Tabs follow the arrow keys.
  await page.getByRole("tab", { name: "Users" }).focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Stations", selected: true })).toBeFocused();
  await page.getByLabel("Station name").fill("Back room");
  await page.getByRole("button", { name: "Create enrollment code" }).click();
  const dialog = page.getByRole("dialog", { name: "Enrollment code" });
  await expect(dialog.getByText(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)).toBeVisible();
  await expect(dialog.getByText(/Valid until/)).toBeVisible();
  await dialog.getByRole("button", { name: "I have written it down" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: "Back room: created" })).toBeVisible();

  // SLA thresholds: warning must be below breach (said next to the field), then saved.
  await page.getByRole("tab", { name: "SLA thresholds" }).click();
  await page.getByLabel("Warning after (hours)").fill("60");
  await page.getByLabel("Breach after (hours)").fill("30");
  await page.getByRole("button", { name: "Save thresholds" }).click();
  await expect(page.getByText("The breach threshold must be more hours than the warning threshold.")).toBeVisible();
  await page.getByLabel("Breach after (hours)").fill("120");
  await page.getByRole("button", { name: "Save thresholds" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved: jobs open 60 h show as ageing, 120 h as a breach." })).toBeVisible();
  const site = await stack.db.query<{ sla_warn_hours: number; sla_breach_hours: number }>("SELECT sla_warn_hours, sla_breach_hours FROM sites WHERE id = $1", [stack.siteId]);
  expect(site.rows[0]).toEqual({ sla_warn_hours: 60, sla_breach_hours: 120 });

  // The rest of the suite shares this site: its thresholds go back to what they were.
  const changed = await stack.admin.query<{ version: string }>("site.settings");
  await stack.admin.mutate("site.updateSettings", { slaWarnHours: before.slaWarnHours, slaBreachHours: before.slaBreachHours, version: changed.version });
  expect(errors).toEqual([]);
});
