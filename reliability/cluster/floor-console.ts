// A shop-floor console (console-core, as the Electron app and browser mode run it) for the cluster
// scenario, talking to the cluster through nginx. Arguments: <enrollment code> <email> <password>.
// It enrolls, signs in and syncs, prints {"ready":…}, then works the floor: every few hundred ms
// it moves one of the "Floor" jobs on (or hands one over), printing each change's mutation id. Its
// sync state is printed on every change. Lines on stdin:
//   quiet                 stop working; once online with an empty outbox print {"settled":…}
//   watch <jobId> <status> print {"saw":…} once the cache shows the job in that status
// Every line it prints is JSON.
import { createInterface } from "node:readline";
import { allowedNextStatuses, type JobStatus } from "@orderdeck/contracts";
import { ConsoleRefusal, createConsoleCore, syncStateReached } from "@orderdeck/console-core";

const [code = "", email = "", password = ""] = process.argv.slice(2);
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const core = createConsoleCore({
  dataDir: process.env["CONSOLE_DATA_DIR"] ?? "",
  defaultServerUrl: process.env["CONSOLE_SERVER_URL"] ?? "",
  // Only pokes (sync.events) and its own changes make it pull: the timer would hide a dead stream.
  pollIntervalMs: 10 * 60_000,
  backoff: { minMs: 200, maxMs: 2_000 },
  requestTimeoutMs: 5_000,
  liveAnswerTimeoutMs: 2_000,
});

await core.setup.enroll(code);
// A person whose sign-in found the server too slow (a password hash on a busy machine) tries again.
for (let attempt = 1; ; attempt++) {
  try {
    await core.setup.signIn(email, password);
    break;
  } catch (error) {
    if (attempt >= 5 || !(error instanceof ConsoleRefusal) || error.reason !== "OFFLINE") throw error;
    await sleep(1_000);
  }
}
core.start();
await syncStateReached(core, (s) => s.connection === "online" && s.lastSyncAt !== null, 60_000);
core.sync.subscribe((s) => say({ state: s.connection, outboxSize: s.outboxSize }));
say({ ready: true, station: core.setup.state().station?.id });

let working = true;
const floorJobs = () => core.queue.list({ search: "Floor", limit: 200 }).items;
const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

async function work(): Promise<void> {
  while (working) {
    const jobs = floorJobs();
    const ready = jobs.filter((j) => j.status === "READY_FOR_PICKUP" && j.paymentStatus !== "UNPAID" && j.pendingChanges === 0);
    if (ready.length > 0 && Math.random() < 0.3) {
      const job = pick(ready);
      if (job) {
        const answer = await core.pickup.confirm(job.pickupCode);
        say({ change: "pickup", jobId: job.id, mutationId: answer.mutationId, outcome: answer.outcome });
      }
    } else {
      const job = pick(jobs.filter((j) => j.pendingChanges === 0));
      const to = job ? pick(allowedNextStatuses(job.status, job.fulfilment).filter((s: JobStatus) => s !== "PICKED_UP" && s !== "CANCELLED")) : undefined;
      if (job && to) {
        const answer = await core.jobs.transition(job.id, to);
        say({ change: "transition", jobId: job.id, mutationId: answer.mutationId, outcome: answer.status });
      }
    }
    await sleep(300 + Math.random() * 300);
  }
}
const working$ = work();

createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === "quiet") {
    working = false;
    void working$
      .then(() => syncStateReached(core, (s) => s.connection === "online" && s.outboxSize === 0, 120_000))
      .then((s) => say({ settled: true, outboxSize: s.outboxSize, notices: core.notices.list().length }))
      .catch((error: unknown) => say({ settled: false, error: String(error) }));
  } else if (command === "watch") {
    const [jobId = "", status = ""] = args;
    const seen = () => core.queue.get(jobId)?.status === status;
    void (async () => {
      while (!seen()) await sleep(20);
      say({ saw: jobId, status });
    })();
  }
});
