// The console benchmark's console: console-core in a process of its own (so that its memory is
// its own), against the benchmark's API. Run with CONSOLE_DATA_DIR, CONSOLE_SERVER_URL and
//   console.ts <enrollment code> <email> <password> <codes.json>
// where codes.json is { lookups: string[], scans: string[] }. It prints one JSON line per phase:
//   { pulled, seconds }               first pull done; then it waits for a line on stdin
//   { lookups, p50, p99, max }        local pickup lookups (milliseconds)
//   { queued, outboxSize }            the scans made offline (the server unreachable from here)
//   { replayed, seconds }             back online: time until the outbox was empty
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createConsoleCore, syncStateReached } from "@orderdeck/console-core";

const dataDir = process.env.CONSOLE_DATA_DIR ?? "";
const serverUrl = process.env.CONSOLE_SERVER_URL ?? "";
const [code, email, password, codesFile] = process.argv.slice(2) as [string, string, string, string];
const codes = JSON.parse(readFileSync(codesFile, "utf8")) as { lookups: string[]; scans: string[] };

const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const input = createInterface({ input: process.stdin });
const nextInput = () => new Promise<void>((resolve) => input.once("line", () => resolve()));

// The network as this console sees it: switched off for the offline scans.
let offline = false;
const network: typeof fetch = (request, init) => (offline ? Promise.reject(new TypeError("fetch failed: the network is down")) : fetch(request, init));

const core = createConsoleCore({
  dataDir,
  defaultServerUrl: serverUrl,
  fetch: network,
  pollIntervalMs: 600_000,
  backoff: { minMs: 100, maxMs: 1_000 },
  liveAnswerTimeoutMs: 2_000,
  requestTimeoutMs: 30_000,
});
await core.setup.enroll(code);
await core.setup.signIn(email, password);

let started = performance.now();
core.start();
await syncStateReached(core, (s) => s.connection === "online" && s.lastSyncAt !== null);
say({ pulled: true, seconds: (performance.now() - started) / 1000 });
await nextInput();

const latencies: number[] = [];
const total = Number(process.env.CONSOLE_LOOKUPS ?? 10_000);
for (let i = 0; i < total; i++) {
  const at = performance.now();
  core.pickup.lookup(codes.lookups[i % codes.lookups.length] as string);
  latencies.push(performance.now() - at);
}
latencies.sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
say({ lookups: latencies.length, p50: percentile(50), p99: percentile(99), max: latencies.at(-1) });

// Each scan tries the server first, finds no network and is queued (pending sync).
offline = true;
for (const scan of codes.scans) {
  const answer = await core.pickup.confirm(scan);
  if (answer.outcome !== "pending_sync") throw new Error(`an offline scan should wait for sync, it answered ${answer.outcome}`);
}
say({ queued: codes.scans.length, outboxSize: core.sync.state().outboxSize });

offline = false;
started = performance.now();
void core.sync.now();
await syncStateReached(core, (s) => s.connection === "online" && s.outboxSize === 0);
say({ replayed: true, seconds: (performance.now() - started) / 1000, notices: core.notices.list().length });
await core.close();
input.close();
