// A real fake storefront on 127.0.0.1 registered as a site's intake source, and what the intake
// tests read back from the database.
import { randomBytes, randomUUID } from "node:crypto";
import { startFakeStorefront, type FakeStorefront, type FakeStorefrontOptions } from "@orderdeck/fake-storefront";
import type { IntakeDependencies, IntakeSettings } from "../src/intake/sync-run.ts";
import type { ApiHarness, SiteFixture } from "./harness.ts";

export interface FeedFixture {
  store: FakeStorefront;
  sourceId: string;
  /** The environment variable that holds the storefront's token (the source's credentialsRef). */
  ref: string;
  token: string;
}

const running: FakeStorefront[] = [];

export async function addFeed(
  harness: ApiHarness,
  site: SiteFixture,
  options: { orders: number; pageSize: number } & Partial<Omit<FakeStorefrontOptions, "token">>,
): Promise<FeedFixture> {
  const token = randomBytes(16).toString("hex");
  const ref = `ORDERDECK_FEED_TEST_${randomUUID().replaceAll("-", "").toUpperCase()}`;
  process.env[ref] = token;
  const store = await startFakeStorefront({ ...options, token });
  running.push(store);
  const source = await site.as.ADMIN.intake.sources.create({
    name: `Storefront ${running.length}`,
    baseUrl: store.url,
    credentialsRef: ref,
    pageSize: options.pageSize,
  });
  return { store, sourceId: source.id, ref, token };
}

export async function stopFeeds(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.stop()));
}

/** What a worker would give the task handlers, with these settings. */
export function intakeDeps(harness: ApiHarness, settings: Partial<IntakeSettings> = {}): IntakeDependencies {
  return {
    prisma: harness.db.prisma,
    logger: harness.deps.logger,
    ...harness.deps.intake,
    settings: { ...harness.deps.intake.settings, ...settings },
  };
}

/** The site's FEED jobs: external id → how many jobs carry it. */
export async function feedJobCounts(harness: ApiHarness, siteId: string): Promise<Map<string, number>> {
  const { rows } = await harness.db.pool.query<{ external_id: string; n: number }>(
    `SELECT external_id, count(*)::int AS n FROM jobs WHERE site_id = $1 AND source = 'FEED' GROUP BY external_id`,
    [siteId],
  );
  return new Map(rows.map((r) => [r.external_id, r.n]));
}

export async function sourceRow(harness: ApiHarness, sourceId: string) {
  return harness.db.prisma.intakeSource.findUniqueOrThrow({ where: { id: sourceId } });
}

/** Everything a run with nothing to do must leave alone. */
export async function writesFingerprint(harness: ApiHarness, siteId: string): Promise<string> {
  const { rows } = await harness.db.pool.query<{ digest: string }>(
    `SELECT md5(concat_ws('|',
       (SELECT string_agg(j.id || ':' || j.version || ':' || j.change_seq, ',' ORDER BY j.id) FROM jobs j WHERE j.site_id = $1),
       (SELECT string_agg(c.id || ':' || c.updated_at, ',' ORDER BY c.id) FROM customers c WHERE c.site_id = $1),
       (SELECT count(*) FROM job_events e WHERE e.site_id = $1),
       (SELECT string_agg(r.id || ':' || r.updated_at, ',' ORDER BY r.id) FROM intake_records r WHERE r.site_id = $1),
       (SELECT count(*) FROM intake_dead_letters l WHERE l.site_id = $1)
     )) AS digest`,
    [siteId],
  );
  return rows[0]?.digest ?? "";
}
