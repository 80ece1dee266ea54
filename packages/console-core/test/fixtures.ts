// What the console-core tests share: a job as the server sends it, and an address nothing listens on.
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { generatePickupCode, type SyncJob } from "@orderdeck/contracts";

/** A URL where no server answers (a free port, closed again): the console is offline against it. */
export async function deadServerUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
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
