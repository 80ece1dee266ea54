// The shop day's mix: what its 50 consoles and the floors beside them send, and how often. The
// mix runs in a process of its own (bench/processes/shop-day-consoles.ts), as consoles are
// machines of their own: the benchmark's main process holds the seeded shop and every result
// before it, and its garbage collector's pauses (10–90 ms, traced) were timed as the server's.
import { randomUUID } from "node:crypto";
import { OPEN_STATUSES } from "@orderdeck/contracts";
import type pg from "pg";
import type { OpenLoopRun, OpenLoopStream } from "../open-loop.ts";
import type { BenchSeat } from "../seed/index.ts";
import { seatHeaders } from "./seats.ts";

export const CONSOLES = 50;
export const PULL_EVERY_MS = 5_000;
export const COUNTER_EVERY_MS = 10_000;
export const LIST_EVERY_MS = 10_000;
/** The floor's stream: the bare HTTP round trip, ten a second, timed like the consoles' calls. */
export const FLOOR = "GET /healthz (bare HTTP round trip)";
export const FLOOR_CLIENTS = 10;
const FLOOR_EVERY_MS = 1_000;
/** The handover's floor: a one-row INSERT committed to the disk, straight through pg, as often as the handovers. */
export const COMMIT_FLOOR = "durable one-row commit (pg, no HTTP)";
export const COMMIT_FLOOR_TABLE = "bench_commit_floor";
export const FLOORS = [FLOOR, COMMIT_FLOOR];

const LIST_INPUT = { filter: { statuses: [...OPEN_STATUSES], archived: "exclude" }, limit: 50 };

export interface TrpcAnswer<T> {
  result?: { data?: T };
}

export function trpcGet(procedure: string, input: unknown): string {
  return `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;
}

/** What the consoles' process is given besides the server's address: the seats, the pickups to hand over and where the cursors start. */
export interface ShopDayPlan {
  databaseUrl: string;
  /** The benchmark shop's seats: the consoles' pulls and lists. */
  seats: BenchSeat[];
  /** Ready, paid pickups for the counter, and the seats that hand them over. */
  counter: { codes: string[]; seats: BenchSeat[] };
  /** The cursor a console holds once its first full pull is done: where every console starts. */
  cursor: string;
}

/** One run of the mix asked of the consoles' process (a line on its stdin). */
export interface ShopDayRunRequest {
  seconds: number;
  scale: number;
}

/** The consoles' process's answer to a run (a line on its stdout). */
export interface ShopDayRunAnswer {
  run: OpenLoopRun;
  /** The counter's pickups ran out during the run. */
  ranOut: boolean;
}

/**
 * The consoles' state across the runs (warm-up, the measured minute, the faster steps): each
 * console pulls on from where its last pull ended, as a console keeps its cursor all day, and the
 * counter hands over each pickup once.
 */
export interface ConsolesState {
  cursors: Map<number, string>;
  codes: string[];
  ranOut: boolean;
}

export function shopDayStreams(plan: ShopDayPlan, state: ConsolesState, pool: pg.Pool): OpenLoopStream[] {
  return [
    {
      name: "sync.pull",
      clients: CONSOLES,
      everyMs: PULL_EVERY_MS,
      async run(send, client, _n, dueAt) {
        const cursor = state.cursors.get(client) ?? plan.cursor;
        const answer = await send("sync.pull", { method: "GET", path: trpcGet("sync.pull", { cursor, limit: 500 }), headers: seatHeaders(plan.seats, client) }, dueAt);
        if (answer.status !== 200) return;
        const page = (JSON.parse(answer.body) as TrpcAnswer<{ cursor: string }>).result?.data;
        if (page) state.cursors.set(client, page.cursor);
      },
    },
    {
      name: "counter",
      clients: CONSOLES,
      everyMs: COUNTER_EVERY_MS,
      requestsPerRun: 2,
      async run(send, client, n, dueAt) {
        const code = state.codes.pop();
        if (code === undefined) {
          state.ranOut = true;
          return;
        }
        const headers = seatHeaders(plan.counter.seats, client + CONSOLES * n);
        const lookup = await send("pickup.lookup", { method: "GET", path: trpcGet("pickup.lookup", { code }), headers }, dueAt);
        if (lookup.status !== 200) return;
        await send(
          "pickup.confirm",
          {
            method: "POST",
            path: "/trpc/pickup.confirm",
            headers: { ...headers, "content-type": "application/json" },
            body: JSON.stringify({ code, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() }),
          },
          // The person presses the key once the lookup is on screen.
          performance.now(),
        );
      },
    },
    {
      name: FLOOR,
      clients: FLOOR_CLIENTS,
      everyMs: FLOOR_EVERY_MS,
      async run(send, _client, _n, dueAt) {
        await send(FLOOR, { method: "GET", path: "/healthz", headers: {} }, dueAt);
      },
    },
    {
      name: COMMIT_FLOOR,
      clients: CONSOLES,
      everyMs: COUNTER_EVERY_MS,
      async run(_send, _client, _n, dueAt, time) {
        await time(COMMIT_FLOOR, () => pool.query(`INSERT INTO ${COMMIT_FLOOR_TABLE} DEFAULT VALUES`), dueAt);
      },
    },
    {
      name: "jobs.list",
      clients: CONSOLES,
      everyMs: LIST_EVERY_MS,
      async run(send, client, _n, dueAt) {
        await send("jobs.list", { method: "GET", path: trpcGet("jobs.list", LIST_INPUT), headers: seatHeaders(plan.seats, client) }, dueAt);
      },
    },
  ];
}
