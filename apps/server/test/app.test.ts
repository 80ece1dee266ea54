import { createMetrics, createRateLimits, createSiteChangeListener, poolConnection } from "@orderdeck/api";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { createLogger } from "@orderdeck/logging";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";

let db: TestDatabase;
let app: FastifyInstance;
let opsPool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  opsPool = new pg.Pool({ connectionString: db.url, max: 2 });
  app = await buildApp({
    prisma: db.prisma,
    logger: createLogger({ silent: true }),
    metrics: createMetrics(),
    version: "test",
    sessions: { secretKey: "test-secret-key-that-is-long-enough", idleMs: 3_600_000 },
    rateLimits: createRateLimits(db.pool),
    siteChanges: createSiteChangeListener({ connectionString: db.url, logger: createLogger({ silent: true }) }),
    opsPool,
    corsOrigins: ["https://console.example"],
    metricsToken: undefined,
    workerHeartbeatStaleMs: 30_000,
    intake: { withConnection: poolConnection(db.pool) },
  });
  await db.pool.query("INSERT INTO worker_heartbeats (worker_id) VALUES ('pool-test')");
});

afterAll(async () => {
  await app.close();
  await opsPool.end();
  await db.drop();
});

describe("operations endpoints", () => {
  it("answers /healthz while the process lives", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it("is ready when the database answers, every migration is applied and a worker beats", async () => {
    await db.pool.query("UPDATE worker_heartbeats SET last_beat_at = now()");
    const res = await app.inject({ method: "GET", url: "/readyz" });
    const body = res.json<{ ready: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> }>();
    expect(res.statusCode).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.checks.map((c) => c.name)).toEqual(["database", "migrations", "worker", "intake"]);
    expect(body.checks[2]?.detail).toMatch(/^1 alive, last heartbeat \d+\.\d s ago$/);
  });

  it("is not ready when no worker has beaten within the threshold", async () => {
    await db.pool.query("UPDATE worker_heartbeats SET last_beat_at = now() - interval '31 seconds'");
    try {
      const res = await app.inject({ method: "GET", url: "/readyz" });
      expect(res.statusCode).toBe(503);
      const worker = res.json<{ checks: Array<{ name: string; ok: boolean; detail: string }> }>().checks[2];
      expect(worker).toEqual({ name: "worker", ok: false, detail: "no worker heartbeat for 31 s (limit 30 s)" });
    } finally {
      await db.pool.query("UPDATE worker_heartbeats SET last_beat_at = now()");
    }
  });

  it("is not ready while a migration is missing from the database", async () => {
    await db.pool.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now()`);
    try {
      const res = await app.inject({ method: "GET", url: "/readyz" });
      expect(res.statusCode).toBe(503);
      const migrations = res.json<{ checks: Array<{ name: string; ok: boolean; detail: string }> }>().checks[1];
      expect(migrations?.ok).toBe(false);
      expect(migrations?.detail).toMatch(/is not applied/);
    } finally {
      await db.pool.query(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL`);
    }
  });

  it("is not ready, quickly, when the database is unreachable", async () => {
    const deadPool = new pg.Pool({ connectionString: "postgresql://nobody:x@127.0.0.1:1/none", connectionTimeoutMillis: 500 });
    const deadApp = await buildApp({
      prisma: db.prisma,
      logger: createLogger({ silent: true }),
      metrics: createMetrics(),
      version: "test",
      sessions: { secretKey: "test-secret-key-that-is-long-enough", idleMs: 3_600_000 },
      rateLimits: createRateLimits(deadPool),
      siteChanges: createSiteChangeListener({ connectionString: db.url, logger: createLogger({ silent: true }) }),
      opsPool: deadPool,
      corsOrigins: [],
      metricsToken: undefined,
      workerHeartbeatStaleMs: 30_000,
      intake: { withConnection: poolConnection(deadPool) },
    });
    const res = await deadApp.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ checks: Array<{ name: string; ok: boolean }> }>().checks[0]).toMatchObject({ name: "database", ok: false });
    await deadApp.close();
    await deadPool.end();
  });

  it("exports request and procedure latency histograms on /metrics", async () => {
    await app.inject({ method: "GET", url: "/trpc/system.info" });
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/orderdeck_procedure_duration_seconds_count\{procedure="system.info",type="query",code="OK"\} 1/);
    expect(res.body).toMatch(/orderdeck_http_request_duration_seconds_bucket\{.*route="\/trpc\/system.info"/);
  });
});

describe("/metrics labels", () => {
  const routesIn = (exposition: string) =>
    new Set([...exposition.matchAll(/orderdeck_http_request_duration_seconds_count\{[^}]*route="([^"]*)"/g)].map((m) => m[1]));

  it("names only the router's procedures: any other /trpc path counts under one \"unknown\" label", async () => {
    for (let i = 0; i < 40; i++) {
      await app.inject({ method: i % 2 ? "POST" : "GET", url: `/trpc/made.up.${i}${i % 3 ? "?input=%7B%7D" : ""}` });
    }
    await app.inject({ method: "GET", url: `/trpc/${"x".repeat(3_000)}` });
    await app.inject({ method: "GET", url: "/trpc/system.info,made.up.batch?batch=1&input=%7B%7D" });
    await app.inject({ method: "GET", url: "/trpc/system.info,system.info?batch=1&input=%7B%7D" });
    await app.inject({ method: "GET", url: "/trpc/system.info?input=%7B%7D&cache=buster-1" });
    await app.inject({ method: "GET", url: "/no/such/route/42" });

    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.body).not.toMatch(/made\.up|buster|xxxx|no\/such/);
    const routes = routesIn(res.body);
    expect(routes).toContain("/trpc/unknown");
    expect(routes).toContain("/trpc/batch");
    expect(routes).toContain("/trpc/system.info");
    expect(routes).toContain("unmatched");
    for (const route of routes) expect(route).toMatch(/^(\/trpc\/(unknown|batch|system\.info)|\/healthz|\/readyz|\/metrics|unmatched)$/);
    expect(res.body).toMatch(/orderdeck_http_request_duration_seconds_count\{method="POST",route="\/trpc\/unknown",status="415"\} 20/);
    // Procedure metrics never see a made-up name: tRPC refuses it before any procedure runs.
    expect(res.body).not.toMatch(/orderdeck_procedure_duration_seconds_count\{procedure="(?!system\.info")/);
  });
});

describe("request ids", () => {
  it("returns the caller's x-request-id", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "scan-42.abc" } });
    expect(res.headers["x-request-id"]).toBe("scan-42.abc");
  });

  it("generates one when none is given or the given one is unsafe", async () => {
    const none = await app.inject({ method: "GET", url: "/healthz" });
    const unsafe = await app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "a\nforged log line" } });
    for (const res of [none, unsafe]) expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("tRPC", () => {
  it("serves procedures under /trpc", async () => {
    const res = await app.inject({ method: "GET", url: "/trpc/system.info" });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ result: { data: { version: string } } }>().result.data.version).toBe("test");
  });

  it("answers input that fails validation with 400 and the problems in words, path by path", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/trpc/auth.login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ email: "not an address", password: 42 }),
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json<{ error: { message: string; data: { code: string; fieldErrors: Array<{ path: string }> } } }>();
    expect(error.data.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/^Check the input — email: .+; password: .+\.$/);
    expect(error.message).not.toContain("[");
    expect(error.data.fieldErrors.map((f) => f.path)).toEqual(["email", "password"]);
  });

  it("answers an unknown procedure with 404, not 500", async () => {
    const res = await app.inject({ method: "GET", url: "/trpc/no.such.procedure" });
    expect(res.statusCode).toBe(404);
  });
});

describe("CORS", () => {
  it("is closed to origins not configured", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz", headers: { origin: "https://evil.example" } });
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("allows a configured origin", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz", headers: { origin: "https://console.example" } });
    expect(res.headers["access-control-allow-origin"]).toBe("https://console.example");
  });
});
