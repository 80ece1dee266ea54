// The worker process SIGKILLed in the middle of a batch of mail. A second worker process releases
// what the dead one held (its heartbeat goes stale) and finishes the batch. Every mail ends SENT
// exactly once in the mail log and reaches the SMTP sink under its own Message-ID (the dedupe key
// mail systems use); the only copies are mails the sink had accepted while the killed worker had
// not yet recorded them, at most one per task it was running.
import { mailStatuses, queueMails, addJobs, createShop, shopDatabaseForFile } from "./shop.ts";
import { startMailSink, type MailSink } from "@orderdeck/mail-sink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnWorker, type ServerChild } from "./api-process.ts";

const MAILS = 300;
const CONCURRENCY = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const { db, secretKey } = await shopDatabaseForFile();
let sink: MailSink;
let siteId: string;
let jobIds: string[];
const workers: ServerChild[] = [];

beforeAll(async () => {
  sink = await startMailSink();
  const shop = await createShop(db.pool, secretKey, { name: "Mail Crash", stations: 1, seats: ["STAFF"] });
  siteId = shop.siteId;
  jobIds = (await addJobs(db.pool, siteId, Array.from({ length: MAILS }, () => ({ status: "READY_FOR_PICKUP" as const })))).map((j) => j.id);
});

afterAll(async () => {
  for (const worker of workers) await worker.stop(5_000).catch(() => undefined);
  await sink?.stop();
});

async function lockedJobs(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE locked_at IS NOT NULL");
  return rows[0]?.n ?? 0;
}

async function waitingJobs(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM graphile_worker._private_jobs");
  return rows[0]?.n ?? 0;
}

describe("a worker killed mid-batch", () => {
  it("loses no mail and sends none twice under different ids; a second worker finishes the batch", { timeout: 150_000 }, async () => {
    const env = {
      SMTP_PORT: String(sink.port),
      WORKER_CONCURRENCY: String(CONCURRENCY),
      // The shortest staleness the configuration allows: the survivor takes over after 5 s.
      WORKER_HEARTBEAT_STALE_SECONDS: "5",
    };
    const first = await spawnWorker(db.url, secretKey, env);
    workers.push(first);
    const { batch } = await queueMails(db.pool, siteId, jobIds);

    // Kill it once a third of the batch has reached the sink and it holds tasks in flight.
    const deadline = Date.now() + 60_000;
    while (sink.messages.length < MAILS / 3 || (await lockedJobs()) === 0) {
      if (Date.now() > deadline) throw new Error(`the first worker sent ${sink.messages.length} mails in 60 s`);
      await sleep(10);
    }
    first.process.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const inFlight = await lockedJobs();
    const atKill = await mailStatuses(db.pool, siteId, batch);
    expect(inFlight, "tasks were in flight when it died").toBeGreaterThan(0);
    expect(atKill.PENDING ?? 0, "part of the batch was still to send").toBeGreaterThan(0);

    const second = await spawnWorker(db.url, secretKey, env);
    workers.push(second);
    const finishBy = Date.now() + 90_000;
    while ((await mailStatuses(db.pool, siteId, batch)).SENT !== MAILS || (await waitingJobs()) > 0) {
      if (Date.now() > finishBy) throw new Error(`the batch did not finish: ${JSON.stringify(await mailStatuses(db.pool, siteId, batch))}, ${await waitingJobs()} jobs left`);
      await sleep(50);
    }

    const rows = await db.pool.query<{ id: string; message_id: string | null; attempts: number }>(
      `SELECT id::text, message_id, attempts FROM mail_log WHERE site_id = $1 AND dedupe_key LIKE $2 || ':%'`,
      [siteId, batch],
    );
    expect(rows.rows).toHaveLength(MAILS);
    // The sink keeps a message before it answers 250, and a row is SENT only after that answer.
    const received = new Map<string, number>();
    for (const message of sink.messages) if (message.messageId) received.set(message.messageId, (received.get(message.messageId) ?? 0) + 1);
    // Every mail of the log reached the sink under its Message-ID, and the sink holds no other.
    expect(rows.rows.filter((r) => !r.message_id || !received.has(r.message_id))).toEqual([]);
    expect(received.size).toBe(MAILS);
    const copies = sink.messages.length - MAILS;
    expect(copies).toBeGreaterThanOrEqual(0);
    expect(copies, "only mails in flight at the kill may arrive twice").toBeLessThanOrEqual(inFlight);
    expect([...received.values()].every((n) => n <= 2)).toBe(true);
    console.info(`worker crash: ${MAILS} mails, ${inFlight} in flight at the kill, ${copies} delivered twice under the same Message-ID`);
  });
});
