// A console's offline pickups replayed into the server's scan limit. A scan that hands its job
// over gives its points back, so a counter's handovers from an outage replay at once however many
// there are. When guesses have used the budget up, the server takes nothing and asks the console to
// wait; the console keeps its scans, in order, waits the seconds it was told and sends them then.
// Every handover the counter made arrives, once, with no refusal. A long outage's scans go batch
// after batch, each batch sent before the answers to the one before have landed.
import { SYNC_PUSH_MAX_BATCH, generatePickupCode } from "@orderdeck/contracts";
import { openDatabase, type ConsoleCoreOptions } from "@orderdeck/console-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiStackForFile, addJob, createSiteSetup, signedInOver, until, type SiteSetup } from "./console-helpers.ts";

const SCANS = 3;
// Three scans per account, then a 2 s wait before the next three.
const stack = apiStackForFile({ rateLimits: { scanPerUser: { points: SCANS, durationSeconds: 60, blockSeconds: 2 } } });

/** `count` ready jobs handed over at a console while the server is down, then the server back; the sync errors seen until the outbox is empty. */
async function offlineHandovers(setup: SiteSetup, count: number, options: Partial<ConsoleCoreOptions> = {}) {
  const jobs: Array<Awaited<ReturnType<typeof addJob>>> = [];
  for (let i = 0; i < count; i++) jobs.push(await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" }));
  const { core, dir } = await stack.console(setup, "STAFF", options);
  await until(core, (s) => s.connection === "online" && s.lastSyncAt !== null);
  const made = await stack.serverDown(async () => {
    const answers = [];
    for (const job of jobs) answers.push(await core.pickup.confirm(job.pickupCode));
    return answers;
  });
  expect(made.map((a) => a.outcome)).toEqual(Array(jobs.length).fill("pending_sync"));
  return { core, dir, jobs, made };
}

async function replayed(setup: SiteSetup, { core, jobs, made }: Awaited<ReturnType<typeof offlineHandovers>>): Promise<string[]> {
  const seen: string[] = [];
  const stop = core.sync.subscribe((state) => {
    if (state.lastError) seen.push(state.lastError);
  });
  await until(core, (s) => s.connection === "online" && s.outboxSize === 0, 30_000);
  stop();
  expect(core.notices.list()).toEqual([]);
  const ledger = await stack.db.pool.query<{ mutation_id: string; outcome: string }>(
    "SELECT mutation_id, outcome::text FROM client_mutations WHERE site_id = $1 ORDER BY received_at",
    [setup.siteId],
  );
  expect(ledger.rows).toEqual(made.map((a) => ({ mutation_id: a.mutationId, outcome: "APPLIED" })));
  const handed = await stack.db.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM jobs WHERE site_id = $1 AND status = 'PICKED_UP' AND id = ANY($2::uuid[])",
    [setup.siteId, jobs.map((j) => j.id)],
  );
  expect(handed.rows[0]?.n).toBe(jobs.length);
  return seen;
}

const PAUSE = /the server asked for a pause of \d+ s \(too many pickup scans\)/;

describe("offline pickups over the scan limit", () => {
  it("replay at once, more of them than the budget: a handover gives its points back", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Busy Counter");
    const seen = await replayed(setup, await offlineHandovers(setup, SCANS * 3));
    expect(seen.filter((message) => PAUSE.test(message))).toEqual([]);
  });

  it("wait at the console for the server's pause when guesses used the budget up, and are all handed over once, in order", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Guessed Counter");
    const outage = await offlineHandovers(setup, SCANS + 2);
    // Meanwhile the same account guesses codes at another screen until its budget is spent.
    const guesser = await signedInOver(stack.api, setup, "STAFF");
    for (let i = 0; i < SCANS; i++) {
      await expect(guesser.query("pickup.lookup", { code: generatePickupCode() }, z.unknown())).rejects.toThrow();
    }
    const seen = await replayed(setup, outage);
    expect(seen.some((message) => PAUSE.test(message))).toBe(true);
  });

  it("replay batch after batch, each sent before the answers to the one before land, all handed over once, in order", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Long Outage Counter");
    // How many of the outbox's changes had their answers landed when each push was sent.
    const landedAtPush: number[] = [];
    // The console's data folder, known once it is enrolled (its first pushes come after that).
    const watched: { dataDir?: string } = {};
    const watching: typeof fetch = async (input, init) => {
      if (watched.dataDir && String(input).includes("sync.push")) {
        const cache = openDatabase(watched.dataDir);
        try {
          landedAtPush.push(cache.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox WHERE status NOT IN ('pending', 'sent')").get()?.n ?? -1);
        } finally {
          cache.close();
        }
      }
      return fetch(input, init);
    };
    const outage = await offlineHandovers(setup, SYNC_PUSH_MAX_BATCH * 2 + 10, { fetch: watching });
    watched.dataDir = outage.dir;
    const seen = await replayed(setup, outage);
    expect(seen.filter((message) => PAUSE.test(message))).toEqual([]);
    expect(landedAtPush).toEqual([0, 0, SYNC_PUSH_MAX_BATCH]);
  });
});
