// Process roles against a real database: a worker-only process beats and serves its metrics but
// no API; an API-only process is ready only while some worker somewhere beats.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { startMailSink, type MailSink } from "@orderdeck/mail-sink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { startServer, type RunningServer } from "../src/server.ts";

let db: TestDatabase;
let sink: MailSink;
const running: RunningServer[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  sink = await startMailSink();
});

afterAll(async () => {
  for (const server of running) await server.stop();
  await sink.stop();
  await db.drop();
});

function config(extra: Record<string, string> = {}) {
  return loadConfig({
    DATABASE_URL: db.url,
    PORT: "0",
    ORDERDECK_DATA_DIR: mkdtempSync(path.join(tmpdir(), "orderdeck-roles-")),
    ORDERDECK_SEED_DEMO: "false",
    LOG_LEVEL: "error",
    LOG_FORMAT: "json",
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(sink.port),
    WORKER_HEARTBEAT_STALE_SECONDS: "5",
    ...extra,
  });
}

async function start(role: "api" | "worker" | "all", extra: Record<string, string> = {}) {
  const server = await startServer(config(extra), role);
  running.push(server);
  return server;
}

describe("--role", () => {
  it("worker runs the worker only: a heartbeat and its metrics, no API", async () => {
    const worker = await start("worker", { WORKER_METRICS_PORT: "0" });
    expect(worker.url).toBeUndefined();
    expect(worker.workerId).toMatch(/^pool-/);
    const beats = await db.pool.query("SELECT 1 FROM worker_heartbeats WHERE worker_id = $1", [worker.workerId]);
    expect(beats.rowCount).toBe(1);
    const metrics = await fetch(`${worker.workerMetricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("orderdeck_task_duration_seconds");
  });

  it("api is ready while a worker beats somewhere, and not once the last worker left", async () => {
    const api = await start("api");
    expect(api.workerId).toBeUndefined();
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);

    for (const server of running.filter((s) => s.workerId)) await server.stop();
    expect((await db.pool.query("SELECT 1 FROM worker_heartbeats")).rowCount).toBe(0);
    const notReady = await fetch(`${api.url}/readyz`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(body.checks.find((c) => c.name === "worker")).toEqual({ name: "worker", ok: false, detail: "no worker has ever sent a heartbeat" });
  });

  it("all runs both in one process", async () => {
    const all = await start("all");
    expect(all.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(all.workerId).toMatch(/^pool-/);
    const ready = await fetch(`${all.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});

describe("/metrics", () => {
  const TOKEN = "metrics-token-0123456789abcdef";
  const scrape = (url: string | undefined, authorization?: string) =>
    fetch(`${url}/metrics`, authorization === undefined ? {} : { headers: { authorization } });

  it("needs the bearer token when one is set, on the API and on a worker's metrics port alike", async () => {
    const api = await start("api", { METRICS_TOKEN: TOKEN });
    const worker = await start("worker", { METRICS_TOKEN: TOKEN, WORKER_METRICS_PORT: "0" });
    for (const url of [api.url, worker.workerMetricsUrl]) {
      expect((await scrape(url)).status).toBe(401);
      // Wrong at the last character, shorter, longer, or not a bearer at all: all refused alike.
      for (const wrong of [`Bearer ${TOKEN.slice(0, -1)}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, TOKEN]) {
        expect((await scrape(url, wrong)).status).toBe(401);
      }
      const ok = await scrape(url, `Bearer ${TOKEN}`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("orderdeck_");
    }
  });

  it("moves to a port of its own with METRICS_PORT: the API's port no longer serves it", async () => {
    const api = await start("api", { METRICS_PORT: "0" });
    expect(api.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(api.metricsUrl).not.toBe(api.url);
    expect((await scrape(api.url)).status).toBe(404);
    await fetch(`${api.url}/trpc/system.info`);
    const own = await scrape(api.metricsUrl);
    expect(own.status).toBe(200);
    expect(await own.text()).toMatch(/orderdeck_procedure_duration_seconds_count\{procedure="system\.info"/);
  });
});
