// A console killed with a full outbox (SIGKILL): 200 changes (handovers, notes, status changes)
// made while the server is down, the console process killed, a new process started on the same
// data folder once the server is back. The outbox survives the kill and is replayed once each,
// in order: the server holds every change exactly once (one ledger row, one event each).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { apiStackForFile, PASSWORD, addJob, createSiteSetup, tempDir } from "../apps/server/test/console-helpers.ts";
import { runConsoleProcess, startConsoleProcess } from "./console-process.ts";

const ACTOR = fileURLToPath(new URL("./console-actor.ts", import.meta.url));

const stack = apiStackForFile();


describe("changes made while the server is down", () => {
  it("survive SIGKILL of the console and replay once each, in order, when the server is back", { timeout: 90_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Crash Works");
    const ready = [];
    for (let i = 0; i < 70; i++) ready.push(await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" }));
    const queued = [];
    for (let i = 0; i < 65; i++) queued.push(await addJob(stack.db, setup.siteId));
    const plan: Array<Record<string, string>> = [];
    for (let i = 0; i < 70; i++) {
      plan.push({ kind: "pickup", code: ready[i]?.pickupCode as string });
      const job = queued[i];
      if (job) {
        plan.push({ kind: "note", jobId: job.id, notes: `Offline note ${i}` });
        plan.push({ kind: "transition", jobId: job.id, to: "IN_PROGRESS" });
      }
    }
    expect(plan).toHaveLength(200);
    const data = await tempDir("orderdeck-crash-console-");
    stack.cleanups.push(data.remove);
    const planFile = path.join(data.dir, "plan.json");
    await writeFile(planFile, JSON.stringify(plan));

    const setupRun = await runConsoleProcess(ACTOR, { dataDir: data.dir, serverUrl: stack.api.url, args: ["setup", await setup.enrollmentCode(), setup.users.STAFF.email, PASSWORD] });
    expect(setupRun.lines[0]).toMatchObject({ ready: true, jobs: 135 });

    const made = await stack.serverDown(async () => {
      const actor = startConsoleProcess(ACTOR, { dataDir: data.dir, serverUrl: stack.api.url, args: ["act", planFile] });
      const lines = await actor.readUntil((line) => line.done === true);
      actor.child.kill("SIGKILL");
      await actor.exited;
      return lines;
    });
    const steps = made.filter((line) => typeof line.step === "string");
    expect(steps).toHaveLength(200);
    expect(steps.every((s) => s.outcome === "pending_sync" || s.outcome === "pending")).toBe(true);
    expect(made.at(-1)).toMatchObject({ done: true, outboxSize: 200 });

    // The server is back (serverDown restarted it); a new console process finds the outbox intact.
    const replay = await runConsoleProcess(ACTOR, { dataDir: data.dir, serverUrl: stack.api.url, args: ["replay"] });
    expect(replay.lines[0]).toMatchObject({ started: true, outboxSize: 200 });
    expect(replay.lines.at(-1)).toMatchObject({ synced: true, notices: 0 });

    const ledger = await stack.db.pool.query<{ mutation_id: string; outcome: string; received_at: Date }>(
      "SELECT mutation_id, outcome::text, received_at FROM client_mutations WHERE site_id = $1",
      [setup.siteId],
    );
    const byId = new Map(ledger.rows.map((row) => [row.mutation_id, row]));
    expect(ledger.rows).toHaveLength(200);
    const inOrder = steps.map((s) => byId.get(s.mutationId as string));
    expect(inOrder.every((row) => row?.outcome === "APPLIED")).toBe(true);
    const times = inOrder.map((row) => row?.received_at.getTime() ?? 0);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    for (const job of ready) {
      const events = await stack.db.pool.query<{ type: string }>("SELECT type FROM job_events WHERE job_id = $1", [job.id]);
      expect(events.rows.map((e) => e.type)).toEqual(["picked_up"]);
    }
    for (const [i, job] of queued.entries()) {
      const row = await stack.db.pool.query<{ status: string; notes: string; version: number }>("SELECT status::text, notes, version FROM jobs WHERE id = $1", [job.id]);
      expect(row.rows[0]).toEqual({ status: "IN_PROGRESS", notes: `Offline note ${i}`, version: 3 });
      const events = await stack.db.pool.query<{ type: string }>("SELECT type FROM job_events WHERE job_id = $1 ORDER BY at, type DESC", [job.id]);
      expect(events.rows.map((e) => e.type)).toEqual(["updated", "status_changed"]);
    }
  });
});
