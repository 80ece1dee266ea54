// The customer's status page over real HTTP, as a phone gets it: no sign-in, headers for a public
// page that must never be cached, a missing page for a wrong or revoked token that is the same
// answer as any other missing page under /status, and a limit per client address (behind a proxy,
// the forwarded one).
import type { AddressInfo } from "node:net";
import { createMetrics, createRateLimits, createSiteChangeListener, poolConnection } from "@orderdeck/api";
import { createServerClient, type ServerClient } from "@orderdeck/console-core";
import { StatusLinkView } from "@orderdeck/contracts";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { createLogger } from "@orderdeck/logging";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildApp } from "../src/app.ts";
import { PASSWORD, SECRET, addJob, createSiteSetup, type SiteSetup } from "./console-helpers.ts";

const PUBLIC = "https://orders.example.test";
let db: TestDatabase;
let app: FastifyInstance;
let opsPool: pg.Pool;
let url: string;
let setup: SiteSetup;

beforeAll(async () => {
  db = await createTestDatabase();
  opsPool = new pg.Pool({ connectionString: db.url, max: 2 });
  const logger = createLogger({ silent: true });
  app = await buildApp({
    prisma: db.prisma,
    logger,
    metrics: createMetrics(),
    version: "test",
    sessions: { secretKey: SECRET, idleMs: 3_600_000 },
    rateLimits: createRateLimits(db.pool, { statusPagePerIp: { points: 4, durationSeconds: 60, blockSeconds: 60 } }),
    siteChanges: createSiteChangeListener({ connectionString: db.url, logger }),
    opsPool,
    corsOrigins: [],
    metricsToken: undefined,
    // One proxy in front: the client address is the forwarded one, as behind the shop's load balancer.
    trustProxy: 1,
    workerHeartbeatStaleMs: 30_000,
    intake: { withConnection: poolConnection(db.pool) },
    statusPage: { publicBaseUrl: PUBLIC },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  setup = await createSiteSetup(db, "Werkstatt am Kanal");
});

afterAll(async () => {
  await app.close();
  await opsPool.end();
  await db.drop();
});

async function signedIn(role: "LEAD" | "STAFF"): Promise<ServerClient> {
  let sessionToken: string | null = null;
  const client = createServerClient({ url, credentials: () => ({ sessionToken, stationToken: null }) });
  sessionToken = (await client.mutation("auth.login", { email: setup.users[role].email, password: PASSWORD }, z.object({ token: z.string() }))).token;
  return client;
}

let addressCounter = 0;
const phone = (path: string, address = `203.0.113.${++addressCounter}`) =>
  fetch(`${url}${path}`, { headers: { "x-forwarded-for": address, "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)" } });

/** A ready job with a fresh link, issued by a lead over HTTP; the page's path. */
async function linkedJob(lead: ServerClient): Promise<{ jobId: string; path: string }> {
  const job = await addJob(db, setup.siteId, { status: "READY_FOR_PICKUP", title: "Chess set" });
  const issued = await lead.mutation("pickup.reissueStatusLink", { jobId: job.id }, StatusLinkView);
  expect(issued.url?.startsWith(`${PUBLIC}/status/`)).toBe(true);
  return { jobId: job.id, path: (issued.url ?? "").slice(PUBLIC.length) };
}

describe("GET /status/<token>", () => {
  it("serves the page without sign-in, with the headers of a public page that is never cached", async () => {
    const { path } = await linkedJob(await signedIn("LEAD"));
    const res = await phone(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; img-src data:; style-src 'sha256-[A-Za-z0-9+/=]+'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-robots-tag")).toBe("noindex, nofollow");
    const page = await res.text();
    expect(page).toContain("Werkstatt am Kanal");
    expect(page).toContain("Chess set");
    expect(page).toContain("Ready for pickup");
  });

  it("answers a wrong token, a revoked one and any other missing page under /status alike: same status, headers and body", async () => {
    const lead = await signedIn("LEAD");
    const { jobId, path } = await linkedJob(lead);
    await lead.mutation("pickup.revokeStatusLink", { jobId }, StatusLinkView);
    const answers = await Promise.all(
      [path, `/status/${"A".repeat(43)}`, "/status/short", "/status/a/b/c"].map(async (p) => {
        const res = await phone(p);
        return { status: res.status, type: res.headers.get("content-type"), cache: res.headers.get("cache-control"), csp: res.headers.get("content-security-policy"), body: await res.text() };
      }),
    );
    expect(answers[0]?.status).toBe(404);
    expect(answers[0]?.cache).toBe("no-store");
    expect(answers[0]?.body).toContain("Page not found");
    for (const other of answers.slice(1)) expect(other).toEqual(answers[0]);
  });

  it("limits each client address: one address is refused with 429 and Retry-After, another is still served", async () => {
    const { path } = await linkedJob(await signedIn("LEAD"));
    const busy = "192.0.2.77";
    for (let i = 0; i < 4; i++) expect((await phone(path, busy)).status).toBe(200);
    const refused = await phone(path, busy);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("cache-control")).toBe("no-store");
    expect(await refused.text()).not.toContain("Chess set");
    expect((await phone(path, "192.0.2.78")).status).toBe(200);
    // Counted in PostgreSQL, where every API instance counts.
    const rows = await db.pool.query<{ n: string }>("SELECT count(*)::text AS n FROM rate_limits WHERE key LIKE 'status-ip:%'");
    expect(Number(rows.rows[0]?.n)).toBeGreaterThan(0);
  });

  it("staff cannot revoke or reissue a link over the API", async () => {
    const staff = await signedIn("STAFF");
    const { jobId, path } = await linkedJob(await signedIn("LEAD"));
    await expect(staff.mutation("pickup.revokeStatusLink", { jobId }, StatusLinkView)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await phone(path)).status).toBe(200);
  });
});
