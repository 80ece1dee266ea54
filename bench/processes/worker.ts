// The product's worker process for the worker benchmark: `orderdeck-server --role=worker`
// composed exactly as main.ts does (configuration from the environment, startServer), with one
// task more, bench_noop, which does nothing inside the product's task wrapper (payload
// validation, log context, start and end log lines, metrics). The product's task list does not
// have it; the schedule is off so that no cron job joins the measurement.
import { defineTask } from "@orderdeck/api";
import { loadConfig, startServer } from "@orderdeck/server";
import { z } from "zod";

// benchmarks/worker.ts enqueues this name (it cannot import this file: importing it starts a worker).
const BENCH_NOOP_TASK = "bench_noop";

const noop = defineTask({
  payload: z.object({ n: z.int().nonnegative() }),
  async run() {
    // Nothing: what is measured is the path around it.
  },
});

const server = await startServer(loadConfig(), "worker", { extraTasks: { [BENCH_NOOP_TASK]: noop }, schedule: false });
const shutdown = () => void server.stop().then(() => process.exit(0));
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
