// localRouter subscriptions over IPC: the main-side host, the preload bridge and the renderer's
// ipcLink, joined by a stand-in for Electron's IPC. What matters: streams reach the page that asked
// and no other, and every generator ends when its page stops listening, reloads, crashes or closes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTRPCClient, TRPCClientError } from "@trpc/client";
import { initTRPC, type TRPCError } from "@trpc/server";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { latestValues } from "@orderdeck/contracts";
import { createConsoleCore, createLocalRouter, type LocalRouter, type SyncState } from "@orderdeck/console-core";
import { serveRouterOverIpc, type IpcService } from "../src/main/ipc.ts";
import { ipcLink } from "../src/renderer/src/ipc-link.ts";
import { LOCAL_SUBSCRIPTION_EVENT_CHANNEL, LOCAL_SUBSCRIPTION_START_CHANNEL, type LocalSubscriptionMessage } from "../src/shared/transport.ts";
import { FakeIpcMain, FakeWebContents, flushIpc, type FakePage } from "./fake-electron-ipc.ts";

const APP_URL = "app://console/index.html";

/** A router whose stream the test drives, counting generators that are still alive. */
function tickRouter() {
  const t = initTRPC.create({ isServer: true });
  const listeners = new Set<(value: number) => void>();
  const counters = { alive: 0, started: 0 };
  const router = t.router({
    ticks: t.procedure.input(z.object({ from: z.int().min(0) })).subscription(async function* ({ input, signal }) {
      counters.alive += 1;
      counters.started += 1;
      try {
        yield* latestValues(input.from, (on) => {
          listeners.add(on);
          return () => listeners.delete(on);
        }, signal);
      } finally {
        counters.alive -= 1;
      }
    }),
    finite: t.procedure.subscription(async function* () {
      yield "one";
      yield "two";
    }),
    broken: t.procedure.subscription(async function* () {
      yield "before";
      throw new Error("disk on fire");
    }),
  });
  const emit = (value: number) => {
    for (const listener of listeners) listener(value);
  };
  return { router, counters, emit, listeners };
}

interface Collected<T> {
  events: string[];
  data: T[];
  errors: TRPCClientError<never>[];
  unsubscribe(): void;
}

function collect<T>(subscribe: (handlers: {
  onStarted: () => void;
  onData: (value: T) => void;
  onError: (error: unknown) => void;
  onStopped: () => void;
  onComplete: () => void;
}) => { unsubscribe(): void }): Collected<T> {
  const collected: Collected<T> = { events: [], data: [], errors: [], unsubscribe: () => {} };
  const subscription = subscribe({
    onStarted: () => collected.events.push("started"),
    onData: (value) => {
      collected.events.push("data");
      collected.data.push(value);
    },
    onError: (error) => {
      collected.events.push("error");
      collected.errors.push(error as TRPCClientError<never>);
    },
    onStopped: () => collected.events.push("stopped"),
    onComplete: () => collected.events.push("complete"),
  });
  collected.unsubscribe = () => subscription.unsubscribe();
  return collected;
}

const services: IpcService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.close();
});

function setUp(options: { maxSubscriptionsPerSender?: number } = {}) {
  const ticks = tickRouter();
  const ipcMain = new FakeIpcMain();
  const reported: TRPCError[] = [];
  const service = serveRouterOverIpc(ticks.router, {
    ipcMain,
    isTrustedSender: (event) => event.senderFrame?.url.startsWith("app://console/") ?? false,
    onError: (error) => reported.push(error),
    ...options,
  });
  services.push(service);
  const contents = new FakeWebContents(ipcMain, APP_URL);
  const clientOf = (page: FakePage) => createTRPCClient<typeof ticks.router>({ links: [ipcLink(page.bridge)] });
  return { ...ticks, ipcMain, service, contents, clientOf, reported };
}

describe("subscriptions over IPC", () => {
  it("delivers the console's sync state from the real localRouter", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "orderdeck-ipc-sub-"));
    const core = createConsoleCore({ dataDir, defaultServerUrl: "http://127.0.0.1:9" });
    try {
      const router = createLocalRouter({ serverUrl: () => core.serverUrl, core });
      const ipcMain = new FakeIpcMain();
      const service = serveRouterOverIpc(router, { ipcMain, isTrustedSender: () => true });
      services.push(service);
      const contents = new FakeWebContents(ipcMain, APP_URL);
      const client = createTRPCClient<LocalRouter>({ links: [ipcLink(contents.page.bridge)] });

      const states = collect<SyncState>((handlers) => client.sync.onState.subscribe(undefined, handlers));
      await expect.poll(() => states.data.length).toBe(1);

      expect(states.events).toEqual(["started", "data"]);
      expect(states.data[0]).toMatchObject({ enrolled: false, signedIn: false, outboxSize: 0, lastSyncAt: null });
      expect(service.subscriptions.size).toBe(1);

      states.unsubscribe();
      await flushIpc();
      await service.subscriptions.settled();
      expect(service.subscriptions.size).toBe(0);
    } finally {
      await core.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("streams values in order and ends the generator when the renderer unsubscribes", async () => {
    const { contents, clientOf, counters, emit, service } = setUp();
    const client = clientOf(contents.page);

    const ticks = collect<number>((handlers) => client.ticks.subscribe({ from: 1 }, handlers));
    await expect.poll(() => ticks.data).toEqual([1]);
    emit(2);
    await expect.poll(() => ticks.data).toEqual([1, 2]);
    emit(3);
    await expect.poll(() => ticks.data).toEqual([1, 2, 3]);
    expect(ticks.events.slice(0, 2)).toEqual(["started", "data"]);
    expect(counters.alive).toBe(1);

    ticks.unsubscribe();
    await flushIpc();
    await service.subscriptions.settled();
    expect(counters.alive).toBe(0);
    expect(service.subscriptions.size).toBe(0);

    // Nothing reaches the page once it stopped listening.
    emit(4);
    await flushIpc();
    expect(ticks.data).toEqual([1, 2, 3]);
  });

  it("sends each stream's events to the webContents that asked, and only there", async () => {
    const { contents, clientOf, emit, ipcMain } = setUp();
    const other = new FakeWebContents(ipcMain, APP_URL);

    const mine = collect<number>((handlers) => clientOf(contents.page).ticks.subscribe({ from: 10 }, handlers));
    const theirs = collect<number>((handlers) => clientOf(other.page).ticks.subscribe({ from: 20 }, handlers));
    await expect.poll(() => [mine.data, theirs.data]).toEqual([[10], [20]]);
    emit(5);
    await expect.poll(() => [mine.data, theirs.data]).toEqual([[10, 5], [20, 5]]);

    const eventsTo = (target: FakeWebContents) =>
      target.sent.filter((m) => m.channel === LOCAL_SUBSCRIPTION_EVENT_CHANNEL).map((m) => (m.payload as { id: string }).id);
    const mineIds = new Set(eventsTo(contents));
    const theirIds = new Set(eventsTo(other));
    expect(mineIds.size).toBe(1);
    expect(theirIds.size).toBe(1);
    expect([...mineIds].some((id) => theirIds.has(id))).toBe(false);
  });

  it("ends every stream of a window that closes, and sends it nothing more", async () => {
    const { contents, clientOf, counters, emit, service } = setUp();
    const client = clientOf(contents.page);
    collect<number>((handlers) => client.ticks.subscribe({ from: 1 }, handlers));
    collect<number>((handlers) => client.ticks.subscribe({ from: 2 }, handlers));
    await expect.poll(() => counters.alive).toBe(2);

    contents.destroy();
    await service.subscriptions.settled();
    expect(counters.alive).toBe(0);
    expect(service.subscriptions.size).toBe(0);
    // Sending to a destroyed webContents throws in Electron; the host must not try.
    expect(() => emit(3)).not.toThrow();
    await flushIpc();
  });

  it("ends the streams of a renderer that crashed", async () => {
    const { contents, clientOf, counters, service } = setUp();
    collect<number>((handlers) => clientOf(contents.page).ticks.subscribe({ from: 1 }, handlers));
    await expect.poll(() => counters.alive).toBe(1);

    contents.crash();
    await service.subscriptions.settled();
    expect(counters.alive).toBe(0);
    expect(service.subscriptions.size).toBe(0);
  });

  it("ends the previous page's streams on reload and refuses streams it asks for too late", async () => {
    const { contents, clientOf, counters, emit, service } = setUp();
    const oldPage = contents.page;
    collect<number>((handlers) => clientOf(oldPage).ticks.subscribe({ from: 1 }, handlers));
    collect<number>((handlers) => clientOf(oldPage).ticks.subscribe({ from: 2 }, handlers));
    await expect.poll(() => counters.alive).toBe(2);

    const newPage = contents.reload();
    await flushIpc();
    await service.subscriptions.settled();
    expect(counters.alive).toBe(0);

    const fresh = collect<number>((handlers) => clientOf(newPage).ticks.subscribe({ from: 7 }, handlers));
    await expect.poll(() => fresh.data).toEqual([7]);
    expect(counters.alive).toBe(1);

    // A start still in flight from the page that is gone: refused, nothing runs.
    const startedBefore = counters.started;
    const late: LocalSubscriptionMessage[] = [];
    oldPage.bridge.subscribeLocal({ path: "ticks", input: { from: 3 } }, (message) => late.push(message));
    await flushIpc();
    expect(counters.started).toBe(startedBefore);
    expect(service.subscriptions.size).toBe(1);

    emit(8);
    await expect.poll(() => fresh.data).toEqual([7, 8]);
  });

  it("ignores streams asked for by an untrusted frame", async () => {
    const { ipcMain, clientOf, counters, service } = setUp();
    const hostile = new FakeWebContents(ipcMain, "https://evil.example/");
    const client = clientOf(hostile.page);

    collect<number>((handlers) => client.ticks.subscribe({ from: 1 }, handlers));
    await flushIpc();
    expect(counters.started).toBe(0);
    expect(service.subscriptions.size).toBe(0);
    expect(hostile.sent).toEqual([]);
  });

  it("turns bad input into a BAD_REQUEST error, with no generator started", async () => {
    const { contents, clientOf, counters } = setUp();
    const ticks = collect<number>((handlers) => clientOf(contents.page).ticks.subscribe({ from: -1 }, handlers));
    await expect.poll(() => ticks.errors.length).toBe(1);
    expect(ticks.errors[0]).toBeInstanceOf(TRPCClientError);
    expect(ticks.errors[0]?.data).toMatchObject({ code: "BAD_REQUEST" });
    expect(counters.started).toBe(0);
  });

  it("completes a stream that ends, and reports one that fails", async () => {
    const { contents, clientOf, reported, service } = setUp();
    const client = clientOf(contents.page);

    const finite = collect<string>((handlers) => client.finite.subscribe(undefined, handlers));
    await expect.poll(() => finite.events).toEqual(["started", "data", "data", "stopped", "complete"]);
    expect(finite.data).toEqual(["one", "two"]);

    const broken = collect<string>((handlers) => client.broken.subscribe(undefined, handlers));
    await expect.poll(() => broken.events).toEqual(["started", "data", "error"]);
    expect(broken.errors[0]?.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect(reported.map((error) => error.cause?.message)).toEqual(["disk on fire"]);
    await service.subscriptions.settled();
    expect(service.subscriptions.size).toBe(0);
  });

  it("caps the live streams of one window with a message a person can act on", async () => {
    const { contents, clientOf, counters } = setUp({ maxSubscriptionsPerSender: 2 });
    const client = clientOf(contents.page);
    collect<number>((handlers) => client.ticks.subscribe({ from: 1 }, handlers));
    collect<number>((handlers) => client.ticks.subscribe({ from: 2 }, handlers));
    const third = collect<number>((handlers) => client.ticks.subscribe({ from: 3 }, handlers));

    await expect.poll(() => third.errors.length).toBe(1);
    expect(third.errors[0]?.data).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(third.errors[0]?.message).toMatch(/2 live subscriptions/);
    expect(counters.alive).toBe(2);
  });

  it("survives malformed start messages", async () => {
    const { contents, counters, service } = setUp();
    const ipc = contents.page.ipcRenderer();
    for (const raw of [null, "ticks", { id: 5 }, { document: "x", id: "y" }, { document: "x", id: "y", path: "" }]) {
      ipc.send(LOCAL_SUBSCRIPTION_START_CHANNEL, raw);
    }
    await flushIpc();
    expect(counters.started).toBe(0);
    expect(service.subscriptions.size).toBe(0);
    // The malformed messages that carried an id were answered with an error for that id.
    const errors = contents.sent.filter((m) => m.channel === LOCAL_SUBSCRIPTION_EVENT_CHANNEL).map((m) => m.payload);
    expect(errors).toEqual([
      expect.objectContaining({ id: "y", type: "error", error: expect.objectContaining({ data: expect.objectContaining({ code: "BAD_REQUEST" }) }) }),
      expect.objectContaining({ id: "y", type: "error" }),
    ]);
  });
});
