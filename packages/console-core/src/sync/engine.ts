// The sync engine: pushes the signed-in person's own changes in outbox order whenever the server
// is there (everyone else's wait for them to sign in), pulls on start, on every poke from
// sync.events and on a timer, backs off exponentially (with jitter) while the server is
// unreachable, and publishes { connection, lastSyncAt, outboxSize, waitingFor, lastError } to
// whoever listens. One loop, one cycle at a time: a push and a pull never overlap, and nothing
// else writes the cursor.
import { SYNC_PUSH_MAX_BATCH, SyncPushResult } from "@orderdeck/contracts";
import type { SyncState } from "../api.ts";
import { readSyncState } from "../store/cache.ts";
import type { SqliteDatabase } from "../store/database.ts";
import { getOutboxRow, markSent, nextBatch, outboxSize, toMutation, waitingGroups, type Author, type OutboxRow } from "../store/outbox.ts";
import { logSync } from "../store/journal.ts";
import { landAnswer } from "./answers.ts";
import { pullRound } from "./pull.ts";
import type { Actor } from "./optimistic.ts";
import { classify, ServerCallError, type ServerClient } from "./server-client.ts";

export interface SyncEngineOptions {
  db: SqliteDatabase;
  /** The server, when the console knows one and holds a station and a session; null otherwise. */
  client: () => ServerClient | null;
  actor: () => Actor;
  enrolled: () => boolean;
  signedIn: () => boolean;
  /** The signed-in person and session: only their own changes are sent. Null when nobody is signed in. */
  sender: () => Author | null;
  /** The server no longer accepts the session: forget it (the person signs in again). */
  onSignedOut: (message: string) => void;
  /** A timer pull while online (pokes bring changes sooner). */
  pollIntervalMs?: number;
  /** Retry delays while offline: doubling from minMs to maxMs, with jitter. */
  backoff?: { minMs: number; maxMs: number };
  /** Rows per page of an increment. */
  pullLimit?: number;
  /** Rows per page of a full snapshot (a fresh console, or one whose cursor the server refused). */
  snapshotPullLimit?: number;
  now?: () => Date;
}

type Waiter = { mutationId: string; resolve: (row: OutboxRow | null) => void };

export class SyncEngine {
  private readonly options: SyncEngineOptions;
  private readonly listeners = new Set<(state: SyncState) => void>();
  private current: SyncState;
  private running = false;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private again = false;
  private failures = 0;
  private loopDone: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  private unsubscribeEvents: (() => void) | null = null;
  private lastContactOk = false;
  private eventsClient: ServerClient | null = null;
  /** The server asked for the outbox to wait until then (too many pickup scans); 0: no wait. */
  private pushNotBefore = 0;

  constructor(options: SyncEngineOptions) {
    this.options = options;
    const stored = readSyncState(options.db);
    this.current = {
      connection: "offline",
      signedIn: options.signedIn(),
      enrolled: options.enrolled(),
      lastSyncAt: stored.last_sync_at,
      outboxSize: outboxSize(options.db),
      waitingFor: waitingGroups(options.db, options.sender()?.userId ?? null),
      lastError: null,
    };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  get state(): SyncState {
    return this.current;
  }

  /** The last attempt reached the server (a "syncing" after an outage does not count until it succeeds). */
  get reachable(): boolean {
    return this.lastContactOk;
  }

  subscribe(listener: (state: SyncState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(change: Partial<SyncState>): void {
    const next: SyncState = {
      ...this.current,
      ...change,
      signedIn: this.options.signedIn(),
      enrolled: this.options.enrolled(),
      outboxSize: outboxSize(this.options.db),
      waitingFor: waitingGroups(this.options.db, this.options.sender()?.userId ?? null),
    };
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }

  /** The outbox changed (an action was queued): show its size now. */
  touched(): void {
    this.publish({});
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    this.closeEvents();
    await this.loopDone;
    this.running = false;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(null);
  }

  /** Sync as soon as possible (an action was queued, a poke arrived, someone pressed "sync now"). */
  kick(): void {
    this.again = true;
    this.wakeUp?.();
  }

  /** Resolves with the outbox row once the server answered it, or null after `timeoutMs`. */
  waitFor(mutationId: string, timeoutMs: number): Promise<OutboxRow | null> {
    const settled = getOutboxRow(this.options.db, mutationId);
    if (settled && settled.status !== "pending" && settled.status !== "sent") return Promise.resolve(settled);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        mutationId,
        resolve: (row) => {
          clearTimeout(timer);
          resolve(row);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Runs one cycle now and answers the state after it (the "sync now" button). */
  async syncNow(): Promise<SyncState> {
    if (!this.options.signedIn() || !this.running) return this.current;
    const done = new Promise<void>((resolve) => {
      const stop = this.subscribe(() => {
        if (this.current.connection !== "syncing") {
          stop();
          resolve();
        }
      });
      setTimeout(() => {
        stop();
        resolve();
      }, 30_000).unref?.();
    });
    this.kick();
    await done;
    return this.current;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.again = false;
      const ok = await this.cycle();
      if (this.stopped) break;
      if (this.again) continue;
      // Waiting out the server's scan limit, the next cycle comes when the pause ends (or sooner for a poke).
      const poll = Math.min(this.options.pollIntervalMs ?? 30_000, Math.max(this.pushNotBefore - this.now().getTime(), 0) || Infinity);
      await this.sleep(ok ? poll : this.backoffDelay());
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }

  private backoffDelay(): number {
    const { minMs, maxMs } = this.options.backoff ?? { minMs: 1_000, maxMs: 60_000 };
    const base = Math.min(maxMs, minMs * 2 ** Math.min(this.failures - 1, 20));
    // Full jitter on the upper half: consoles that lost the server together do not return together.
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  /** One push-then-pull; true when the server was reached and everything went through. */
  private async cycle(): Promise<boolean> {
    const client = this.options.client();
    const sender = this.options.sender();
    if (!client || !sender || !this.options.signedIn()) {
      this.closeEvents();
      this.publish({ connection: "offline", lastError: this.options.enrolled() ? "Signed out: sign in to sync." : "This console is not enrolled yet." });
      return true;
    }
    this.publish({ connection: "syncing" });
    try {
      const waiting = await this.pushAll(client, sender);
      await pullRound(client, this.options.db, {
        actor: () => this.options.actor(),
        now: () => this.now(),
        pullLimit: this.options.pullLimit,
        snapshotPullLimit: this.options.snapshotPullLimit,
      });
      this.failures = 0;
      this.lastContactOk = true;
      this.openEvents(client);
      this.publish({ connection: "online", lastSyncAt: readSyncState(this.options.db).last_sync_at, lastError: waiting });
      return true;
    } catch (error) {
      const failure = classify(error);
      logSync(this.options.db, "error", failure.message, this.now());
      if (failure.kind === "signed-out") {
        this.closeEvents();
        // The session this cycle ran under ended; one opened meanwhile (a new sign-in) stays.
        if (sameSession(this.options.sender(), sender)) this.options.onSignedOut(failure.message);
        this.publish({ connection: "offline", lastError: "The server signed this console out: sign in again." });
        return true;
      }
      if (failure.kind === "offline") {
        this.lastContactOk = false;
        this.failures++;
        this.publish({ connection: "offline", lastError: failure.message });
        return false;
      }
      // The server answered "no" to the sync itself (not to a change): say so, try again later.
      this.failures++;
      this.publish({ connection: "online", lastError: failure.message });
      return false;
    }
  }

  /**
   * Sends the outbox of the person signed in now, batch after batch; answers null once none of
   * theirs waits, or why changes wait (the server stopped at a scan over its limit: that change and
   * those after it stay, in order, until the pause ends).
   */
  private async pushAll(client: ServerClient, sender: Author): Promise<string | null> {
    const { db } = this.options;
    let sending = this.sendBatch(client, sender, 0);
    while (isSent(sending)) {
      const answer = await sending.answered;
      // The changes after this batch go out before its answers land (SQLite holds the event loop
      // while they do), so the server applies them meanwhile. Only after this answer, and only if
      // the server took the whole batch: it still takes every change in outbox order.
      const next = answer.halted ? null : this.sendBatch(client, sender, sending.lastSeq);
      // A request reaches its socket once the event loop is free: let it leave first.
      if (isSent(next)) await new Promise((resolve) => setImmediate(resolve));
      const now = this.now();
      try {
        db.transaction(() => {
          for (const result of answer.results) landAnswer(db, result, { sender, actor: () => this.options.actor(), now });
        })();
      } catch (error) {
        // Its answer is not landed either: those changes stay sent, and go again (the server answers a repeat from its ledger).
        if (isSent(next)) next.answered.catch(() => undefined);
        throw error;
      }
      logSync(db, "push", `${answer.results.length} answered${answer.halted ? `, halted at ${answer.halted.id}` : ""}`, now);
      this.release(answer.results.map((r) => r.id));
      this.publish({});
      const { halted } = answer;
      if (halted?.reason === "RATE_LIMITED" && halted.retryAfterSeconds) {
        this.pushNotBefore = now.getTime() + halted.retryAfterSeconds * 1000;
      } else if (halted) {
        throw new ServerCallError(halted.message, "offline");
      }
      sending = halted ? this.sendBatch(client, sender, 0) : next;
    }
    return sending;
  }

  /**
   * Marks and sends the next batch of `sender`'s changes made after `afterSeq`: null when none
   * waits (or another person signed in meanwhile), or why they wait.
   */
  private sendBatch(client: ServerClient, sender: Author, afterSeq: number): SentBatch | string | null {
    const { db } = this.options;
    // Read afresh for every batch: a batch is only ever the changes of the person signed in now.
    // (Should another sign in while it is on its way, the server answers it "deferred".)
    if (!sameSession(this.options.sender(), sender)) return null;
    const batch = nextBatch(db, SYNC_PUSH_MAX_BATCH, sender, afterSeq);
    const last = batch.at(-1);
    if (!last) return null;
    const waitMs = this.pushNotBefore - this.now().getTime();
    if (waitMs > 0) return `Changes wait: the server asked for a pause of ${Math.ceil(waitMs / 1000)} s (too many pickup scans); they go after it.`;
    markSent(
      db,
      batch.map((row) => row.mutation_id),
    );
    return { lastSeq: last.seq, answered: client.mutation("sync.push", { mutations: batch.map(toMutation) }, SyncPushResult) };
  }

  private release(ids: readonly string[]): void {
    const done = new Set(ids);
    const { db } = this.options;
    const remaining: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (done.has(waiter.mutationId)) waiter.resolve(getOutboxRow(db, waiter.mutationId));
      else remaining.push(waiter);
    }
    this.waiters = remaining;
  }

  private openEvents(client: ServerClient): void {
    if (this.unsubscribeEvents && this.eventsClient === client) return;
    this.closeEvents();
    this.eventsClient = client;
    this.unsubscribeEvents = client.subscribe("sync.events", {
      onData: () => this.kick(),
      onError: () => {
        // The stream is gone: find out now whether the server is (offline state, backoff); the
        // next successful cycle opens the stream again.
        if (this.eventsClient !== client) return;
        this.closeEvents();
        this.kick();
      },
    });
  }

  private closeEvents(): void {
    const stop = this.unsubscribeEvents;
    this.unsubscribeEvents = null;
    this.eventsClient = null;
    stop?.();
  }
}

/** A batch of the outbox on its way: its last change's place in the outbox, and the server's answer to come. */
interface SentBatch {
  lastSeq: number;
  answered: Promise<SyncPushResult>;
}

function isSent(sending: SentBatch | string | null): sending is SentBatch {
  return sending !== null && typeof sending !== "string";
}

function sameSession(a: Author | null, b: Author): boolean {
  return a !== null && a.userId === b.userId && a.sessionId === b.sessionId;
}
