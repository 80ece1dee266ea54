// A console's first pull against a real API, PostgreSQL and SQLite file, where the engine asks for
// page N + 1 while it stores page N: a pull cut off with a page on its way resumes after the last
// stored page (every job once, no stored page asked for again), and a malformed page is refused
// whole (nothing of it stored, the cursor where it was).
import { openDatabase, type ConsoleCore } from "@orderdeck/console-core";
import { describe, expect, it } from "vitest";
import { addQueuedJobsInBulk, apiStackForFile, createSiteSetup, eventually, until, type SiteSetup } from "./console-helpers.ts";

const JOBS = 1_200;
const PAGE = 100;

const stack = apiStackForFile();

async function siteWithJobs(name: string): Promise<SiteSetup> {
  const setup = await createSiteSetup(stack.db, name);
  await addQueuedJobsInBulk(stack.db, setup.siteId, JOBS);
  return setup;
}

interface PullCall {
  /** The cursor the console sent (undefined: a full snapshot from the start). */
  cursor: string | undefined;
  /** The cursor the server answered, when the answer reached the console. */
  answered?: string;
}

/**
 * The console's network, watched: every sync.pull with its cursor and answer. `answer` may fail a
 * call (the network) or rewrite the page the server sent.
 */
function watchedNetwork(answer: (call: number, page: Record<string, unknown>) => "fail" | Record<string, unknown>): {
  fetch: typeof fetch;
  pulls: PullCall[];
} {
  const pulls: PullCall[] = [];
  const watched: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!url.pathname.endsWith("/trpc/sync.pull")) return fetch(input, init);
    const sent = JSON.parse(url.searchParams.get("input") ?? "{}") as { cursor?: string };
    const call: PullCall = { cursor: sent.cursor };
    const index = pulls.push(call);
    const response = await fetch(input, init);
    const body = (await response.json()) as { result?: { data?: Record<string, unknown> } };
    const page = body.result?.data;
    if (!page) return Response.json(body, { status: response.status });
    const verdict = answer(index, page);
    if (verdict === "fail") throw new TypeError("fetch failed: the network dropped");
    call.answered = typeof page.cursor === "string" ? page.cursor : undefined;
    return Response.json({ result: { data: verdict } }, { status: response.status });
  };
  return { fetch: watched, pulls };
}

async function consoleAt(setup: SiteSetup, network: typeof fetch): Promise<{ core: ConsoleCore; dir: string }> {
  return stack.console(setup, "STAFF", { fetch: network, snapshotPullLimit: PAGE, pullLimit: PAGE });
}

function cacheOf(dir: string): { ids: string[]; cursor: string | null } {
  const cache = openDatabase(dir);
  try {
    const ids = cache.prepare<[], { id: string }>("SELECT id FROM jobs ORDER BY id").all().map((r) => r.id);
    const cursor = cache.prepare<[], { cursor: string | null }>("SELECT cursor FROM sync_state WHERE id = 1").get()?.cursor ?? null;
    return { ids, cursor };
  } finally {
    cache.close();
  }
}

async function serverIds(siteId: string): Promise<string[]> {
  const rows = await stack.db.pool.query<{ id: string }>("SELECT id::text FROM jobs WHERE site_id = $1", [siteId]);
  return rows.rows.map((r) => r.id).sort();
}

const synced = (core: ConsoleCore) => until(core, (s) => s.connection === "online" && s.lastSyncAt !== null, 30_000);

describe("a first pull that overlaps fetching and storing", () => {
  it("cut off while the next page is on its way, resumes after the last stored page: every job once, no stored page asked for again", { timeout: 60_000 }, async () => {
    const setup = await siteWithJobs("Overlap Works");
    let down = false;
    // The fifth call is the page asked for while the fourth is stored: the network drops there
    // and stays down until the test has looked at the cache.
    const network = watchedNetwork((call, page) => {
      if (call === 5) down = true;
      return down ? "fail" : page;
    });
    const { core, dir } = await consoleAt(setup, network.fetch);

    await until(core, (s) => s.connection === "offline" && s.lastError !== null);
    const stored = await eventually(
      () => cacheOf(dir),
      (cache) => cache.ids.length === 4 * PAGE,
    );
    // Four pages stored whole, the cursor of the fourth with them; the fifth (asked, never answered) is not.
    expect(stored.cursor).toBe(network.pulls[3]?.answered);
    expect(network.pulls[0]?.cursor).toBeUndefined();
    for (let i = 1; i < 5; i++) expect(network.pulls[i]?.cursor).toBe(network.pulls[i - 1]?.answered);

    down = false;
    await synced(core);

    // The first page answered after the outage starts where the cache ends, not from the beginning.
    expect(network.pulls.slice(4).find((p) => p.answered !== undefined)?.cursor).toBe(stored.cursor);
    const answered = network.pulls.filter((p) => p.answered !== undefined);
    expect(answered).toHaveLength(JOBS / PAGE);
    expect(new Set(answered.map((p) => p.cursor ?? "")).size).toBe(answered.length);
    expect(cacheOf(dir).ids).toEqual(await serverIds(setup.siteId));
  });

  it("refuses a malformed page whole: nothing of it is stored, the cursor stays, and the pull goes on once the answers are right", { timeout: 60_000 }, async () => {
    const setup = await siteWithJobs("Malformed Works");
    let malformed = true;
    const network = watchedNetwork((call, page) => {
      if (call !== 3 || !malformed) return page;
      malformed = false;
      // One job of the page in a status no console knows; the rest of the page is fine.
      const jobs = page.jobs as Array<Record<string, unknown>>;
      return { ...page, jobs: jobs.map((job, i) => (i === 50 ? { ...job, status: "MELTED" } : job)) };
    });
    const { core, dir } = await consoleAt(setup, network.fetch);

    await synced(core);
    // The third page was refused, then asked for again with the same cursor (the second page's).
    expect(network.pulls[3]?.cursor).toBe(network.pulls[2]?.cursor);
    expect(network.pulls[2]?.cursor).toBe(network.pulls[1]?.answered);
    const cache = cacheOf(dir);
    expect(cache.ids).toEqual(await serverIds(setup.siteId));
    const log = openDatabase(dir);
    try {
      const refused = log.prepare<[], { detail: string }>("SELECT detail FROM sync_log WHERE kind = 'error'").all();
      expect(refused.map((r) => r.detail).join("\n")).toMatch(/not one this console understands/);
      const statuses = log.prepare<[], { status: string }>("SELECT DISTINCT status FROM jobs").all();
      expect(statuses).toEqual([{ status: "QUEUED" }]);
    } finally {
      log.close();
    }
  });
});
