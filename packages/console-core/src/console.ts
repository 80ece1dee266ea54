// The console core: the local database, the sync engine and the one path every user action takes
// (outbox row and optimistic change in one SQLite transaction, then a push). localRouter exposes
// it to the renderer; this module is Node-side (better-sqlite3, the file system). Each area of
// what the console does lives in areas/, around the context they share.
import type { ConsoleCoreApi } from "./api.ts";
import { createConsoleContext, type ConsoleCoreOptions } from "./areas/context.ts";
import { handoffArea } from "./areas/handoff.ts";
import { paymentsArea } from "./areas/payments.ts";
import { pickupArea } from "./areas/pickup.ts";
import { customersArea, exportsArea, jobsArea, queueArea } from "./areas/queue.ts";
import { setupArea } from "./areas/setup.ts";
import { noticesArea, onlineArea, outboxArea, syncArea } from "./areas/sync.ts";

export type { ConsoleCoreOptions } from "./areas/context.ts";

export interface ConsoleCore extends ConsoleCoreApi {
  readonly serverUrl: string;
  /** Starts syncing (pull now, then on pokes and the timer). */
  start(): void;
  close(): Promise<void>;
}

export function createConsoleCore(options: ConsoleCoreOptions): ConsoleCore {
  const ctx = createConsoleContext(options);
  return {
    get serverUrl() {
      return ctx.serverUrl();
    },
    start: () => ctx.engine.start(),
    async close() {
      await ctx.engine.stop();
      if (ctx.db.open) ctx.db.close();
    },
    setup: setupArea(ctx),
    queue: queueArea(ctx),
    pickup: pickupArea(ctx),
    customers: customersArea(ctx),
    exports: exportsArea(ctx),
    payments: paymentsArea(ctx),
    jobs: jobsArea(ctx),
    handoff: handoffArea(ctx),
    sync: syncArea(ctx),
    notices: noticesArea(ctx),
    outbox: outboxArea(ctx),
    online: onlineArea(ctx),
  };
}
