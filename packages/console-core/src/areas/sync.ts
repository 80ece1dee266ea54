// The console's own state: sync, the notices it owes the person, the changes held for people who
// are not signed in, and the live pass-through to the server.
import type { ConsoleCoreApi } from "../api.ts";
import { waitingChanges } from "../outbox/waiting.ts";
import { dismissNotice, listNotices } from "../store/journal.ts";
import { adoptUnattributed } from "../store/outbox.ts";
import { Station, type ConsoleContext } from "./context.ts";

export function syncArea(ctx: ConsoleContext): ConsoleCoreApi["sync"] {
  return {
    state: () => ctx.engine.state,
    subscribe: (listener) => ctx.engine.subscribe(listener),
    now: () => ctx.engine.syncNow(),
  };
}

export function noticesArea(ctx: ConsoleContext): ConsoleCoreApi["notices"] {
  return {
    list: () => listNotices(ctx.db),
    dismiss: (id) => dismissNotice(ctx.db, id, ctx.now()),
  };
}

export function outboxArea(ctx: ConsoleContext): ConsoleCoreApi["outbox"] {
  return {
    waiting() {
      const me = ctx.requireAuthor();
      ctx.requireLead("The changes waiting on this console");
      return waitingChanges(ctx.db, me, ctx.parsed("station", Station));
    },
    adoptUnattributed() {
      const me = ctx.requireAuthor();
      ctx.requireLead("Taking over changes");
      const adopted = adoptUnattributed(ctx.db, me);
      ctx.engine.touched();
      ctx.engine.kick();
      return { adopted };
    },
  };
}

export function onlineArea(ctx: ConsoleContext): ConsoleCoreApi["online"] {
  return {
    query: (path, input, output, what) => {
      ctx.requireSignedIn();
      return ctx.onlineCall((c) => c.query(path, input, output), what);
    },
    mutation: (path, input, output, what) => {
      ctx.requireSignedIn();
      return ctx.onlineCall((c) => c.mutation(path, input, output), what);
    },
  };
}
