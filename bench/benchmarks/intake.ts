// Storefront intake: 50 000 orders from the fake storefront into the benchmark shop through the
// product's sync (runIncrementalSync / runFullReconciliation, exactly what the worker's intake
// tasks call): the first run takes every row (jobs, customers, intake records, events, in
// checkpointed chunks); an unchanged rerun reads them all again (the full reconciliation) and
// writes nothing. The floor: the same pages fetched, and the same rows written by one bare
// multi-row INSERT through node-postgres.
import { randomBytes, randomUUID } from "node:crypto";
import { poolConnection, runFullReconciliation, runIncrementalSync, type IntakeDependencies, type SyncOutcome } from "@orderdeck/api";
import { createPrismaClient } from "@orderdeck/db";
import { startFakeStorefront, type StorefrontOrder } from "@orderdeck/fake-storefront";
import { createLogger } from "@orderdeck/logging";
import type { BenchEnvironment } from "../environment.ts";
import type { LoadShape } from "../load.ts";
import type { BenchResult } from "../report.ts";

const PAGE_SIZE = 500;
// The production default (INTAKE_CHUNK_SIZE): rows per transaction and checkpoint.
const CHUNK_SIZE = 500;
const CREDENTIALS_REF = "ORDERDECK_FEED_BENCH_TOKEN";

function succeeded(outcome: SyncOutcome, what: string) {
  if (outcome.status !== "SUCCEEDED") throw new Error(`${what} did not succeed: ${JSON.stringify(outcome)}`);
  return outcome.run;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

export async function benchIntake(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  const count = shape.quick ? 5_000 : 50_000;
  const token = randomBytes(16).toString("hex");
  const store = await startFakeStorefront({ orders: count, seed: 9, token, pageSizeMax: PAGE_SIZE });
  const prisma = createPrismaClient(env.databaseUrl, { max: 10 });
  try {
    const sourceId = randomUUID();
    await env.pool.query(
      `INSERT INTO intake_sources (id, site_id, name, kind, base_url, credentials_ref, page_size, updated_at)
       VALUES ($1, $2, 'Bench storefront', 'storefront-json', $3, $4, $5, now())`,
      [sourceId, env.shop.siteId, store.url, CREDENTIALS_REF, PAGE_SIZE],
    );
    const deps: IntakeDependencies = {
      prisma,
      logger: createLogger({ silent: true }),
      withConnection: poolConnection(env.pool),
      resolveSecret: (ref) => (ref === CREDENTIALS_REF ? token : undefined),
      // The bench storefront runs on 127.0.0.1.
      settings: { chunkSize: CHUNK_SIZE, allowPrivateNetworks: true },
    };
    const target = { siteId: env.shop.siteId, sourceId };

    log(`intake: first run, ${count} rows`);
    const first = await timed(() => runIncrementalSync(deps, target));
    const firstRun = succeeded(first.value, "the first run");
    if (firstRun.rowsInserted !== count) throw new Error(`the first run should insert ${count} rows, it inserted ${firstRun.rowsInserted} (${JSON.stringify(firstRun)})`);
    log(`intake: first run ${first.seconds.toFixed(2)} s`);
    const incremental = await timed(() => runIncrementalSync(deps, target));
    succeeded(incremental.value, "the incremental rerun");
    const unchangedRerun = async (what: string) => {
      const rerun = await timed(() => runFullReconciliation(deps, target));
      const run = succeeded(rerun.value, what);
      if (run.rowsUnchanged !== count) throw new Error(`${what} should find ${count} unchanged rows: ${JSON.stringify(run)}`);
      log(`intake: ${what} ${rerun.seconds.toFixed(2)} s`);
      return { seconds: rerun.seconds, run };
    };
    const afterImport = await unchangedRerun("unchanged rerun right after the import");
    // The nightly reconciliation (INTAKE_FULL_SYNC_CRON, 02:30) runs long after an import, by
    // when autovacuum has analysed the tables it grew. Right after it, the planner's statistics
    // still count none of the site's intake records, and each chunk's comparison reads all of
    // them through the site's index; the rerun that is judged runs as the nightly one would.
    await env.pool.query("ANALYZE");
    const rerun = await unchangedRerun("unchanged rerun (full reconciliation)");

    log("intake: floor — the same pages fetched, the same rows in one INSERT through pg");
    const fetched = await timed(async () => {
      const orders: StorefrontOrder[] = [];
      let cursor: string | null = null;
      for (;;) {
        const query: string = `limit=${PAGE_SIZE}${cursor ? `&updated_after=${encodeURIComponent(cursor)}` : ""}`;
        const response = await fetch(`${store.url}/orders?${query}`, { headers: { authorization: `Bearer ${token}` } });
        const page = (await response.json()) as { orders: StorefrontOrder[]; next_cursor: string | null; has_more: boolean };
        orders.push(...page.orders);
        cursor = page.next_cursor;
        if (!page.has_more) return orders;
      }
    });
    const orders = fetched.value;
    await env.pool.query(
      `CREATE TABLE bench_intake_floor (external_id text PRIMARY KEY, site_id uuid NOT NULL, title text NOT NULL, customer_name text, customer_email text,
         material text, colour text, quantity int NOT NULL, price_cents int NOT NULL, currency text NOT NULL, due_at timestamptz,
         fulfilment text NOT NULL, priority text NOT NULL, notes text, updated_at timestamptz NOT NULL)`,
    );
    let inserted: { seconds: number };
    try {
      const column = <T>(pick: (o: StorefrontOrder) => T) => orders.map(pick);
      inserted = await timed(() =>
        env.pool.query(
          `INSERT INTO bench_intake_floor SELECT r.external_id, $1::uuid, r.title, r.customer_name, r.customer_email, r.material, r.colour, r.quantity,
                  r.price_cents, r.currency, r.due_at, r.fulfilment, r.priority, r.notes, r.updated_at
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[], $10::text[], $11::timestamptz[],
                         $12::text[], $13::text[], $14::text[], $15::timestamptz[])
               AS r(external_id, title, customer_name, customer_email, material, colour, quantity, price_cents, currency, due_at, fulfilment, priority, notes, updated_at)`,
          [
            env.shop.siteId,
            column((o) => o.id),
            column((o) => o.title),
            column((o) => o.customer.name),
            column((o) => o.customer.email),
            column((o) => o.material),
            column((o) => o.colour),
            column((o) => o.quantity),
            column((o) => o.price_cents),
            column((o) => o.currency),
            column((o) => o.due_at),
            column((o) => o.fulfilment),
            column((o) => o.priority),
            column((o) => o.notes),
            column((o) => o.updated_at),
          ],
        ),
      );
    } finally {
      await env.pool.query("DROP TABLE bench_intake_floor");
    }
    const floorSeconds = fetched.seconds + inserted.seconds;
    return {
      id: "intake",
      title: `Storefront intake — ${count.toLocaleString("en")} feed rows`,
      about:
        `${count.toLocaleString("en")} orders served by the fake storefront (pages of ${PAGE_SIZE}) into the benchmark shop's site (100 000 jobs, 5 000 customers already there) through the product's sync, ` +
        `as the worker's intake tasks run it: chunks of ${CHUNK_SIZE} rows, each one transaction (jobs, customers, intake records, job events, checkpoint). ` +
        "The unchanged rerun is the full reconciliation: every order read again and compared by hash, nothing written; it is judged after an ANALYZE, " +
        "as the nightly reconciliation runs long after autovacuum has analysed what an import wrote, and also timed right after the import. " +
        "The floor fetches the same pages and writes the same rows with one multi-row INSERT through node-postgres into a plain table. " +
        "The storefront, the sync and the floor run in the benchmark's process.",
      runs: [],
      facts: [
        ["first run", `${first.seconds.toFixed(2)} s, ${(count / first.seconds).toFixed(0)} rows/s (${firstRun.rowsInserted} inserted, ${firstRun.rowsRejected} rejected)`],
        ["incremental rerun, nothing new", `${incremental.seconds.toFixed(2)} s`],
        ["unchanged rerun right after the import, statistics not yet analysed", `${afterImport.seconds.toFixed(2)} s`],
        ["unchanged rerun (full reconciliation)", `${rerun.seconds.toFixed(2)} s, ${(count / rerun.seconds).toFixed(0)} rows/s (${rerun.run.rowsUnchanged} unchanged)`],
        ["floor: fetching the pages", `${fetched.seconds.toFixed(2)} s`],
        ["floor: one multi-row INSERT", `${inserted.seconds.toFixed(2)} s`],
      ],
      ratios: [
        { what: "first run ÷ floor (fetch + INSERT)", value: first.seconds / floorSeconds },
        { what: "unchanged rerun ÷ fetching the pages", value: rerun.seconds / fetched.seconds },
      ],
      targets: [
        { what: "first run at most 4× the floor (fetch + one INSERT)", value: first.seconds / floorSeconds, limit: 4, unit: "×" },
        { what: "unchanged rerun at most 2× fetching the pages", value: rerun.seconds / fetched.seconds, limit: 2, unit: "×" },
      ],
    };
  } finally {
    await prisma.$disconnect();
    await store.stop();
  }
}
