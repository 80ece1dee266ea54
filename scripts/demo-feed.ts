// `npm start` when the shop has configured no storefront feed: a fake storefront with demo orders
// on 127.0.0.1, registered as the demo site's intake source, and read once at start.
import { randomBytes } from "node:crypto";
import { runIncrementalSync, type IntakeDependencies } from "@orderdeck/api";
import { startFakeStorefront } from "@orderdeck/fake-storefront";

/** The environment variable the demo source's credentialsRef names; set here to a token made at start. */
export const DEMO_FEED_REF = "ORDERDECK_FEED_DEMO_TOKEN";
const DEMO_FEED_NAME = "Demo storefront (fake)";
const DEMO_FEED_SEED = 20261123;

export interface DemoFeed {
  url: string;
  summary: string;
  stop(): Promise<void>;
}

export async function startDemoFeed(intake: IntakeDependencies, siteId: string): Promise<DemoFeed | null> {
  const { prisma, logger } = intake;
  const sources = await prisma.intakeSource.findMany({ where: { siteId } });
  // A feed of the shop's own is configured: leave it alone.
  if (sources.some((s) => s.name !== DEMO_FEED_NAME)) return null;
  const existing = sources.find((s) => s.name === DEMO_FEED_NAME);

  const token = randomBytes(24).toString("base64url");
  process.env[DEMO_FEED_REF] = token;
  // The orders end at the day the demo source was added, so every restart serves the same ones.
  const since = existing?.createdAt ?? new Date();
  const epoch = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
  const store = await startFakeStorefront({ token, orders: 40, seed: DEMO_FEED_SEED, epoch, spacingMs: 20 * 60_000, payments: true });
  try {
    const source = existing
      ? await prisma.intakeSource.update({ where: { id: existing.id }, data: { baseUrl: store.url, credentialsRef: DEMO_FEED_REF } })
      : await prisma.intakeSource.create({
          data: { siteId, name: DEMO_FEED_NAME, kind: "storefront-json", baseUrl: store.url, credentialsRef: DEMO_FEED_REF, pageSize: 25 },
        });
    // Synced once now, so the demo queue shows feed orders from the first page; the worker's schedule takes over.
    const outcome = await runIncrementalSync(intake, { siteId, sourceId: source.id });
    const summary =
      outcome.status === "DISABLED"
        ? "disabled in the console"
        : outcome.status === "SUCCEEDED"
          ? `${outcome.run.rowsInserted} new and ${outcome.run.rowsUpdated} changed orders taken in at start`
          : `the sync at start did not finish: ${outcome.run.error ?? outcome.status}`;
    logger.info("demo storefront feed running", { url: store.url, sourceId: source.id, summary });
    return { url: store.url, summary, stop: () => store.stop() };
  } catch (error) {
    await store.stop();
    throw error;
  }
}
