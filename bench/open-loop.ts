// What a shop feels: requests arrive at a fixed rate, whether or not the server keeps up (an open
// loop), as consoles pulling on their timers and people scanning at the counter do. The closed
// loops of load.ts measure throughput at saturation; here each request is timed from the moment it
// was due, so a server that falls behind shows it in the latencies instead of slowing the arrivals
// (no coordinated omission).
import http from "node:http";
import { figuresOf, type HttpRequestPlan, type LoadFigures } from "./load.ts";

export interface OpenLoopStream {
  /** The procedure (or step) the figures are reported under. */
  name: string;
  /** How many clients send this stream, and how often each of them does. */
  clients: number;
  everyMs: number;
  /** Requests one run of the stream sends (default 1). */
  requestsPerRun?: number;
  /**
   * The n-th request of client `client`; may be asynchronous and may send more than one request
   * in a row (a lookup, then the confirmation), each timed under its own name through `send`.
   * `dueAt` is when the step was due (performance.now() time).
   */
  run: (send: Send, client: number, n: number, dueAt: number, time: Time) => Promise<void>;
}

/** Sends one request, timed from `dueAt` (performance.now() when it should have been sent) under `name`. */
export type Send = (name: string, plan: HttpRequestPlan, dueAt: number) => Promise<{ status: number; body: string }>;

/** Runs `work` (a floor that is no HTTP request), timed from `dueAt` under `name`; a failure counts as no answer. */
export type Time = (name: string, work: () => Promise<unknown>, dueAt: number) => Promise<void>;

export interface OpenLoopRun {
  /** Requests a second of each stream (by its name), as planned. */
  plannedRates: Record<string, number>;
  seconds: number;
  byName: Record<string, LoadFigures>;
}

/**
 * Runs every stream for `seconds` at its rate times `scale` (more clients, same interval), then
 * waits for the answers still out. Clients start at random phases within their interval.
 */
export async function openLoop(url: string, streams: OpenLoopStream[], seconds: number, scale = 1): Promise<OpenLoopRun> {
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const latencies = new Map<string, number[]>();
  const statuses = new Map<string, Record<string, number>>();
  const errors = new Map<string, number>();
  /** An answer under `name`, timed from when it was due: an HTTP status, or "done" for a floor timed by `time`. */
  const answered = (name: string, dueAt: number, answer: string) => {
    (latencies.get(name) ?? latencies.set(name, []).get(name))?.push(performance.now() - dueAt);
    const byAnswer = statuses.get(name) ?? statuses.set(name, {}).get(name) ?? {};
    byAnswer[answer] = (byAnswer[answer] ?? 0) + 1;
  };
  const unanswered = (name: string) => errors.set(name, (errors.get(name) ?? 0) + 1);
  const send: Send = (name, plan, dueAt) =>
    new Promise((resolve) => {
      const request = http.request(
        { agent, host: base.hostname, port: base.port, method: plan.method, path: plan.path, headers: plan.headers, timeout: 10_000 },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const status = response.statusCode ?? 0;
            answered(name, dueAt, String(status));
            resolve({ status, body: Buffer.concat(chunks).toString("utf8") });
          });
        },
      );
      const fail = () => {
        unanswered(name);
        resolve({ status: 0, body: "" });
      };
      request.on("error", fail);
      request.on("timeout", () => request.destroy(new Error("timeout")));
      request.end(plan.body);
    });
  const time: Time = async (name, work, dueAt) => {
    try {
      await work();
    } catch {
      unanswered(name);
      return;
    }
    answered(name, dueAt, "done");
  };

  const started = performance.now();
  const until = started + seconds * 1000;
  const outstanding: Array<Promise<void>> = [];
  const plannedRates: Record<string, number> = {};
  const timers: NodeJS.Timeout[] = [];
  for (const stream of streams) {
    const clients = Math.max(1, Math.round(stream.clients * scale));
    plannedRates[stream.name] = (plannedRates[stream.name] ?? 0) + (clients * 1000 * (stream.requestsPerRun ?? 1)) / stream.everyMs;
    for (let client = 0; client < clients; client++) {
      let n = 0;
      let dueAt = started + Math.random() * stream.everyMs;
      // Each client schedules its next request from when the last one was due, not from when it
      // finished: the arrivals keep their rate whatever the server does.
      const tick = () => {
        if (dueAt >= until) return;
        outstanding.push(stream.run(send, client, n++, dueAt, time).catch(() => undefined));
        dueAt += stream.everyMs;
        timers.push(setTimeout(tick, Math.max(0, dueAt - performance.now())));
      };
      timers.push(setTimeout(tick, Math.max(0, dueAt - performance.now())));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  for (const timer of timers) clearTimeout(timer);
  await Promise.all(outstanding);
  agent.destroy();

  const byName: Record<string, LoadFigures> = {};
  for (const name of new Set([...latencies.keys(), ...errors.keys()])) {
    byName[name] = figuresOf(latencies.get(name) ?? [], seconds, statuses.get(name) ?? {}, errors.get(name) ?? 0);
  }
  return { plannedRates, seconds, byName };
}
