// What the console-core tests share: a job as the server sends it, an address nothing listens on,
// and a folder per test for an offline console's files.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { generatePickupCode, type SyncJob, type SyncPullPage } from "@orderdeck/contracts";
import { afterEach, beforeEach } from "vitest";
import type { ConsoleCoreOptions } from "../src/areas/context.ts";
import { createConsoleCore, memorySecretStore, openDatabase, type ConsoleCore } from "../src/index.ts";
import { applyPullPage } from "../src/store/cache.ts";

/** A URL where no server answers (a free port, closed again): the console is offline against it. */
export async function deadServerUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

export interface OfflineConsoleFolder {
  /** This test's own empty folder for the console's files. */
  dir: string;
  /** This test's server URL, where nothing answers. */
  deadUrl: string;
  /** Consoles this test opened: closed after it, before its folder is removed. */
  cores: ConsoleCore[];
}

/**
 * Registers, for every test of the calling file, a fresh folder and a dead server URL; the
 * returned object holds the current test's (it is filled in before each test, so read it inside one).
 */
export function offlineConsoleFolderPerTest(prefix: string): OfflineConsoleFolder {
  const folder: OfflineConsoleFolder = { dir: "", deadUrl: "", cores: [] };
  beforeEach(async () => {
    folder.dir = await mkdtemp(path.join(tmpdir(), prefix));
    folder.deadUrl = await deadServerUrl();
  });
  afterEach(async () => {
    for (const core of folder.cores.splice(0)) await core.close();
    await rm(folder.dir, { recursive: true, force: true });
  });
  return folder;
}

/** Who the offline console was signed in as, at which station. */
export interface OfflineSeat {
  user: { id: string; name: string; email: string; role: string };
  station: { id: string; name: string };
}

/**
 * A console that was enrolled and signed in at `seat` and has synced `page`, now without its
 * server (the folder's dead URL); not started. Closed after the test.
 */
export function offlineConsole(folder: OfflineConsoleFolder, seat: OfflineSeat, page: SyncPullPage, options: Partial<ConsoleCoreOptions> = {}): ConsoleCore {
  const db = openDatabase(folder.dir);
  const set = db.prepare("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  set.run("server_url", folder.deadUrl);
  set.run("station", JSON.stringify(seat.station));
  set.run("user", JSON.stringify(seat.user));
  const actor = { userId: seat.user.id, userName: seat.user.name, stationId: seat.station.id, stationName: seat.station.name };
  applyPullPage(db, page, actor, new Date());
  db.close();
  const core = createConsoleCore({
    dataDir: folder.dir,
    secrets: memorySecretStore({ stationToken: "station-token-xxxxxxxxxxxx", sessionToken: "session-token-xxxxxxxxxxxx" }),
    requestTimeoutMs: 500,
    ...options,
  });
  folder.cores.push(core);
  return core;
}

let seq = 1000;
/** A paid job ready for pickup, numbered after the last one made here. */
export function job(overrides: Partial<SyncJob> = {}): SyncJob {
  const now = new Date().toISOString();
  seq++;
  return {
    id: randomUUID(),
    number: seq,
    title: `Bracket ${seq}`,
    status: "READY_FOR_PICKUP",
    queuePosition: seq,
    priority: "NORMAL",
    source: "MANUAL",
    externalId: null,
    customerId: null,
    assigneeId: null,
    assigneeName: null,
    machine: null,
    material: null,
    colour: null,
    quantity: 1,
    estimatedMinutes: null,
    dueAt: null,
    priceCents: 2_000,
    currency: "EUR",
    paymentStatus: "PAID",
    paidCents: 2_000,
    fulfilment: "PICKUP",
    pickupCode: generatePickupCode(),
    pickedUpAt: null,
    pickedUpById: null,
    pickedUpByName: null,
    pickedUpStationId: null,
    pickedUpStationName: null,
    notes: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
    changeSeq: String(seq),
    ...overrides,
  };
}
