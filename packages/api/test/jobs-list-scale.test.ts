// jobs.list over 100 000 jobs of one site: the plan of every statement the list runs, for every
// filter and sort, first page and next page, reads jobs through an index, never scans the table,
// and never filters its way through most of the site's jobs. The statements are the service's
// own (listQueries), run with EXPLAIN ANALYZE as the application role under row-level security,
// exactly as a request runs them.
import { JobListInput, type JobListFilterInput, type JobListSort } from "@orderdeck/contracts";
import { Prisma, inSite } from "@orderdeck/db";
import { beforeAll, describe, expect, it } from "vitest";
import { customersMatching, listQueries, transactionReads } from "../src/jobs/list.ts";
import { apiHarnessForFile } from "./harness.ts";

const JOBS = 100_000;
/** Most rows one statement may read and drop (a pass over the whole site drops nearly all 100 000). */
const MAX_ROWS_DROPPED = JOBS * 0.25;
let customerId: string;

/**
 * Inserts `count` jobs in one statement. The bookkeeping trigger takes every job number from the
 * site's counter row, and 100 000 updates of one row in one transaction walk an ever longer chain
 * of row versions; so the rows get their numbers here and the counter is set once afterwards.
 * Pickup codes are the site's prefix and the row number, unique by construction (random ones
 * of the code's 10 characters would collide now and then among 105 000).
 */
async function bulkInsert(siteId: string, count: number, customers: number): Promise<void> {
  const client = await harness.db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("ALTER TABLE jobs DISABLE TRIGGER jobs_before_write");
    // Each attribute is drawn from its own hash of the row number, so that no two are correlated
    // by accident (a plan must not pass only because, say, every CSV job lacks a due date). The
    // newest 800 jobs are open and the oldest closed ones archived, as in a shop with retention.
    await client.query(
      `WITH people AS (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE site_id = $1),
            buyers AS (SELECT array_agg(id ORDER BY id) AS ids FROM customers WHERE site_id = $1)
       INSERT INTO jobs (id, site_id, number, change_seq, source, external_id, customer_id, title, status, queue_position,
                         assignee_id, payment_status, fulfilment, pickup_code, due_at, created_at, updated_at, archived_at)
       SELECT gen_random_uuid(), $1, i, nextval('job_change_seq'),
              s.source::job_source, CASE WHEN s.source <> 'MANUAL' THEN 'ext-' || i END,
              CASE WHEN $3 > 0 THEN buyers.ids[1 + d.customer % $3] END,
              'Part ' || substr(md5(i::text), 1, 12),
              s.status::job_status,
              CASE WHEN s.status IN ('PICKED_UP', 'SHIPPED', 'CANCELLED') THEN NULL ELSE i * 1024 END,
              CASE WHEN d.assignee < 30 THEN people.ids[1 + i % 3] END,
              (CASE WHEN d.payment < 1 THEN 'REFUNDED' WHEN d.payment < 34 THEN 'UNPAID' WHEN d.payment < 36 THEN 'WAIVED' ELSE 'PAID' END)::payment_status,
              (CASE WHEN s.status = 'SHIPPED' THEN 'SHIP' ELSE 'PICKUP' END)::fulfilment,
              translate(upper(substr(md5($1::text), 1, 5) || lpad(to_hex(i), 5, '0')), '01', 'GH'),
              CASE WHEN d.due >= 20 THEN now() - interval '700 days' + make_interval(mins => i * 10 + d.due * 60) END,
              now() - interval '720 days' + make_interval(mins => i * 10),
              now() - interval '720 days' + make_interval(mins => i * 10),
              CASE WHEN s.status IN ('PICKED_UP', 'SHIPPED', 'CANCELLED') AND i < $2 * 0.8 THEN now() - interval '1 day' END
         FROM people, buyers, generate_series(1, $2) AS i
        CROSS JOIN LATERAL (SELECT
              abs(hashtext('status' || i)) % 100 AS status, abs(hashtext('source' || i)) % 100 AS source,
              abs(hashtext('payment' || i)) % 100 AS payment, abs(hashtext('due' || i)) % 100 AS due,
              abs(hashtext('assignee' || i)) % 100 AS assignee, abs(hashtext('customer' || i)) AS customer) AS d
        CROSS JOIN LATERAL (SELECT
              CASE WHEN i > $2 - 800 THEN (ARRAY['QUEUED', 'QUEUED', 'IN_PROGRESS', 'POST_PROCESSING', 'READY_FOR_PICKUP', 'ON_HOLD', 'FAILED'])[1 + d.status % 7]
                   WHEN d.status < 9 THEN 'CANCELLED' WHEN d.status < 20 THEN 'SHIPPED' ELSE 'PICKED_UP' END AS status,
              CASE WHEN d.source < 2 THEN 'CSV' WHEN d.source < 50 THEN 'FEED' ELSE 'MANUAL' END AS source) AS s`,
      [siteId, count, customers],
    );
    await client.query("ALTER TABLE jobs ENABLE TRIGGER jobs_before_write");
    await client.query(
      `INSERT INTO counters (site_id, kind, year, value) VALUES ($1, 'JOB', 0, $2)
       ON CONFLICT (site_id, kind, year) DO UPDATE SET value = EXCLUDED.value`,
      [siteId, count],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

const harness = await apiHarnessForFile();
const site = await harness.createSite("Scale");
const other = await harness.createSite("Scale neighbour");

beforeAll(async () => {
  await harness.db.pool.query(
    `INSERT INTO customers (id, site_id, name) SELECT gen_random_uuid(), $1, 'Customer ' || substr(md5(i::text), 1, 10) FROM generate_series(1, 2000) i`,
    [site.siteId],
  );
  customerId = (await harness.db.prisma.customer.findFirstOrThrow({ where: { siteId: site.siteId } })).id;
  await harness.db.pool.query(`INSERT INTO customers (id, site_id, name) VALUES (gen_random_uuid(), $1, 'Neighbour customer')`, [other.siteId]);
  await bulkInsert(site.siteId, JOBS, 2000);
  await bulkInsert(other.siteId, 5_000, 1);
  await harness.db.pool.query("ANALYZE jobs");
  await harness.db.pool.query("ANALYZE customers");
}, 120_000);

const FILTERS: Record<string, JobListFilterInput> = {
  "no filter": {},
  "open statuses": { statuses: ["QUEUED", "IN_PROGRESS", "POST_PROCESSING", "READY_FOR_PICKUP", "ON_HOLD", "FAILED"] },
  "one open status": { statuses: ["FAILED"] },
  "closed status": { statuses: ["CANCELLED"] },
  assignee: { assigneeId: "ASSIGNEE" },
  unassigned: { assigneeId: null },
  customer: { customerId: "CUSTOMER" },
  "due before": { dueBefore: "2020-01-01T00:00:00Z" },
  overdue: { overdue: true },
  "payment status": { paymentStatuses: ["REFUNDED"] },
  source: { sources: ["CSV"] },
  "archived only": { archived: "only" },
  "archived included": { archived: "include" },
  "search title": { search: "Part 5f3a" },
  "search customer": { search: "Customer 7b1" },
  "search number": { search: "J-012345" },
  "search short": { search: "Pa" },
  combined: { statuses: ["QUEUED"], paymentStatuses: ["UNPAID"], sources: ["MANUAL"], search: "Part" },
  // The whole history, archived jobs included: where a filter that no index serves would have
  // to read every one of the site's jobs.
  "history: status": { statuses: ["SHIPPED"], archived: "include" },
  "history: payment status": { paymentStatuses: ["REFUNDED"], archived: "include" },
  "history: source": { sources: ["CSV"], archived: "include" },
  "history: customer": { customerId: "CUSTOMER", archived: "include" },
  "history: search title": { search: "Part 5f3a", archived: "include" },
  "history: search customer": { search: "Customer 7b1", archived: "include" },
  "history: search number": { search: "12345", archived: "include" },
};

const SORTS: JobListSort[] = [
  { field: "queue", direction: "asc" },
  { field: "queue", direction: "desc" },
  { field: "due", direction: "asc" },
  { field: "due", direction: "desc" },
  { field: "created", direction: "asc" },
  { field: "created", direction: "desc" },
];

function resolve(filter: JobListFilterInput): JobListFilterInput {
  const f = { ...filter };
  if (f.assigneeId === "ASSIGNEE") f.assigneeId = site.users.STAFF.id;
  if (f.customerId === "CUSTOMER") f.customerId = customerId;
  return f;
}

async function plansFor(filter: JobListFilterInput, sort: JobListSort, cursor?: string): Promise<string[]> {
  const input = JobListInput.parse({ filter, sort, cursor, limit: 50 });
  return inSite(harness.db.prisma, site.siteId, async (tx) => {
    const customerIds = await customersMatching(transactionReads(tx), site.siteId, input.filter.search);
    const queries = listQueries(site.siteId, input, new Date(), customerIds);
    const plans: string[] = [];
    for (const query of queries) {
      const rows = await tx.$queryRaw<Array<{ "QUERY PLAN": string }>>(Prisma.sql`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`);
      plans.push(rows.map((r) => r["QUERY PLAN"]).join("\n"));
    }
    return plans;
  });
}

describe(`jobs.list over ${JOBS.toLocaleString("en")} jobs`, () => {
  it("the fixture is what the plans are about", async () => {
    const counts = await harness.db.pool.query<{ total: number; open: number }>(
      `SELECT count(*)::int AS total, count(queue_position)::int AS open FROM jobs WHERE site_id = $1`,
      [site.siteId],
    );
    expect(counts.rows[0]).toEqual({ total: JOBS, open: 800 });
  });

  it("a search of the board reads the board's titles only; a search of every job asks both sides' indexes", async () => {
    const board = (await plansFor({ statuses: ["QUEUED", "IN_PROGRESS"], search: "Part 5f3a" }, { field: "queue", direction: "asc" })).join("\n");
    // (With this fixture's 800 open jobs the board's status index is as good as its title index.)
    expect(board).not.toMatch(/jobs_closed_title_trgm_idx|Seq Scan on jobs/);
    // Only the page's rows are joined to their customer: the customer lookups run at most once per row of the page.
    const probes = [...board.matchAll(/Index Scan using customers_pkey[^\n]*loops=(\d+)/g)].map((m) => Number(m[1]));
    for (const loops of probes) expect(loops).toBeLessThanOrEqual(51);

    const everything = (await plansFor({ search: "Part 5f3a", archived: "include" }, { field: "created", direction: "desc" })).join("\n");
    expect(everything).toMatch(/jobs_open_title_trgm_idx/);
    expect(everything).toMatch(/jobs_closed_title_trgm_idx/);
  });

  for (const [name, filter] of Object.entries(FILTERS)) {
    it(`${name}: every statement of every sort, first and next page, reads jobs through an index`, async () => {
      for (const sort of SORTS) {
        const resolved = resolve(filter);
        const first = await site.as.STAFF.jobs.list({ filter: resolved, sort, limit: 50 });
        const pages: Array<string | undefined> = [undefined];
        if (first.nextCursor) pages.push(first.nextCursor);
        for (const cursor of pages) {
          const plans = await plansFor(resolved, sort, cursor);
          expect(plans.length).toBeGreaterThan(0);
          for (const plan of plans) {
            const where = `${name}, ${sort.field} ${sort.direction}${cursor ? ", next page" : ""}:\n${plan}`;
            expect(plan, where).not.toMatch(/Seq Scan on jobs/);
            // The page's customers are probed by their key, each once per row of the page, never
            // by reading the site's customers whole (a hash join did that, 5 000 rows for 50).
            expect(plan, where).not.toMatch(/Seq Scan on customers/);
            expect(plan, where).toMatch(/Index (Only )?Scan[^\n]* on jobs|Bitmap Index Scan on jobs_/);
            // An index that serves the sort but not the filter would read and drop most rows.
            const dropped = [...plan.matchAll(/Rows Removed by (?:Filter|Index Recheck): (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
            expect(dropped, where).toBeLessThan(MAX_ROWS_DROPPED);
            // A search no customer matches searches titles alone (an empty customer arm would keep
            // the planner off the title's trigram index).
            if (name.includes("search title")) expect(plan, where).not.toMatch(/customer_id = ANY \('\{\}'/);
          }
        }
      }
    });
  }

});
