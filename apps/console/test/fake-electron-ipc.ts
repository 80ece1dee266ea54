// A stand-in for Electron's IPC that behaves like it where the transport depends on it: messages
// are structured-cloned and delivered asynchronously in order, `invoke` rejects with Electron's
// wording when a handler throws, a second `handle` on one channel throws, `send` to a destroyed
// webContents throws, and a reload replaces the page (its listeners die with it) in the same
// webContents. The main side gets `event.sender` and `event.senderFrame.url` as in Electron.
import { EventEmitter } from "node:events";
import { createBridge } from "../src/preload/bridge.ts";
import type { IpcMainLike, IpcSenderEvent } from "../src/main/ipc.ts";
import type { SubscriptionSender } from "../src/main/ipc-subscriptions.ts";
import type { OrderDeckBridge } from "../src/shared/transport.ts";

type MainListener = (event: IpcSenderEvent, ...args: unknown[]) => unknown;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, MainListener>();
  readonly listeners = new Map<string, Set<MainListener>>();

  handle(channel: string, listener: MainListener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  on(channel: string, listener: MainListener): this {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return this;
  }

  removeListener(channel: string, listener: MainListener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }

  listenerCount(): number {
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }
}

let nextContentsId = 1;

/** One webContents: one page at a time, loaded from `url`. */
export class FakeWebContents extends EventEmitter implements SubscriptionSender {
  readonly id = nextContentsId++;
  /** Every message main sent, in order (channel + payload), for assertions. */
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  page: FakePage;
  private destroyed = false;

  constructor(
    readonly main: FakeIpcMain,
    public url: string,
  ) {
    super();
    this.page = new FakePage(this);
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error("Object has been destroyed");
    const payload = structuredClone(args);
    this.sent.push({ channel, payload: payload[0] });
    const page = this.page;
    setImmediate(() => page.receive(channel, payload));
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** A reload: the old page and its preload are gone, a new one runs its preload. */
  reload(): FakePage {
    this.page.alive = false;
    this.page = new FakePage(this);
    return this.page;
  }

  crash(): void {
    this.page.alive = false;
    this.emit("render-process-gone");
  }

  destroy(): void {
    this.page.alive = false;
    this.destroyed = true;
    this.emit("destroyed");
  }
}

/** One page load: its ipcRenderer and the bridge its preload exposed. */
export class FakePage {
  alive = true;
  readonly bridge: OrderDeckBridge;
  private readonly rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  private static pageCount = 0;

  constructor(readonly contents: FakeWebContents) {
    FakePage.pageCount += 1;
    this.bridge = createBridge(this.ipcRenderer(), `page-${FakePage.pageCount}-${contents.id}`);
  }

  ipcRenderer() {
    const event = (): IpcSenderEvent => ({ sender: this.contents, senderFrame: { url: this.contents.url } });
    return {
      invoke: async (channel: string, ...args: unknown[]): Promise<unknown> => {
        const cloned = structuredClone(args);
        await new Promise((resolve) => setImmediate(resolve));
        const handler = this.contents.main.handlers.get(channel);
        if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
        try {
          return structuredClone(await handler(event(), ...cloned));
        } catch (error) {
          throw new Error(`Error invoking remote method '${channel}': ${String(error)}`, { cause: error });
        }
      },
      send: (channel: string, ...args: unknown[]): void => {
        const cloned = structuredClone(args);
        setImmediate(() => {
          for (const listener of this.contents.main.listeners.get(channel) ?? []) listener(event(), ...cloned);
        });
      },
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void): void => {
        let set = this.rendererListeners.get(channel);
        if (!set) this.rendererListeners.set(channel, (set = new Set()));
        set.add(listener);
      },
    };
  }

  receive(channel: string, args: unknown[]): void {
    if (!this.alive) return;
    for (const listener of this.rendererListeners.get(channel) ?? []) listener({}, ...args);
  }
}

/** Lets every queued IPC message (and what it triggers) be delivered. */
export async function flushIpc(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
