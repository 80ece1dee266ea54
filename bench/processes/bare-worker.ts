// The worker benchmark's floor: graphile-worker's own `run` with a trivial task list, the same
// concurrency and pool size as the product's worker (WORKER_CONCURRENCY, + 4 connections), the
// same database, no wrapper, no logging. It answers /healthz on WORKER_METRICS_PORT so that it is
// started and awaited like the product's worker.
import http from "node:http";
import { Logger, run } from "graphile-worker";

// benchmarks/worker.ts enqueues this name (it cannot import this file: importing it starts a worker).
const BENCH_BARE_TASK = "bench_bare_noop";

const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 4);
const runner = await run({
  connectionString: process.env.DATABASE_URL,
  concurrency,
  maxPoolSize: concurrency + 4,
  noHandleSignals: true,
  logger: new Logger(() => () => undefined),
  taskList: {
    [BENCH_BARE_TASK]: async () => undefined,
  },
});
const health = http.createServer((_request, response) => response.end('{"ok":true}'));
health.listen(Number(process.env.WORKER_METRICS_PORT), "127.0.0.1");
const shutdown = () => {
  health.close();
  void runner.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
