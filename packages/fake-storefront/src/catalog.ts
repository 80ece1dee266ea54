// Generated storefront orders: the same seed gives the same orders, so tests and the demo can
// name them and a restarted demo feed serves what it served before. The generator is the demo
// seed's (mulberry32, @orderdeck/db/random: that module alone, no database client).
import { createRandom } from "@orderdeck/db/random";

/** One order as the storefront's JSON API serves it (snake_case, one line item per order). */
export interface StorefrontOrder {
  id: string;
  created_at: string;
  updated_at: string;
  status: "open" | "cancelled";
  customer: { name: string; email: string; phone: string | null };
  title: string;
  material: string | null;
  colour: string | null;
  quantity: number;
  estimated_minutes: number | null;
  price_cents: number;
  currency: string;
  due_at: string | null;
  fulfilment: "pickup" | "ship";
  priority: "low" | "normal" | "high" | "rush";
  notes: string | null;
  /** How it was paid online; absent or null on a storefront that does not report payments. */
  payment?: StorefrontPayment | null;
}

/** A payment as the storefront reports it: pending until the customer pays; paid, or later refunded. */
export interface StorefrontPayment {
  status: "pending" | "paid" | "refunded";
  provider: string;
  /** The payment provider's id of the charge; null while pending. */
  reference: string | null;
  paid_at: string | null;
}

/**
 * The payment of the `index`-th order of a storefront that reports payments: three in four paid
 * online when ordered (a reference of `referencePrefix` and the order's id), the fourth pending.
 */
export function withPayment(order: StorefrontOrder, index: number, referencePrefix: string): StorefrontOrder {
  const payment: StorefrontPayment =
    index % 4 === 3
      ? { status: "pending", provider: "stripe", reference: null, paid_at: null }
      : { status: "paid", provider: "stripe", reference: `${referencePrefix}_${order.id}`, paid_at: order.created_at };
  return { ...order, payment };
}

const FIRST = ["Ada", "Grace", "Alan", "Hedy", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger", "Radia"];
const LAST = ["Lovelace", "Hopper", "Turing", "Lamarr", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman"];
const TITLES = [
  "Phone stand",
  "Cable clips (set)",
  "Replacement knob",
  "Drawer divider",
  "Name sign",
  "Planter",
  "Lamp shade",
  "Keycap set",
  "Bracket, left",
  "Gear housing",
  "Cookie cutter",
  "Miniature base",
];
const MATERIALS = ["PLA", "PETG", "ABS", "Resin", "Plywood 3 mm", "Acrylic 3 mm", null];
const COLOURS = ["black", "white", "red", "blue", "natural", null];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

export function orderId(index: number): string {
  return `SO-${100_001 + index}`;
}

/**
 * `count` orders, `spacingMs` apart, ending at `epoch`; every `tieGroup` consecutive orders share
 * one updated_at, so page boundaries fall inside ties (what a keyset cursor must survive).
 */
export function generateOrders(options: { count: number; seed: number; epoch: number; tieGroup: number; spacingMs: number }): StorefrontOrder[] {
  const random = createRandom(options.seed);
  const customers = Array.from({ length: Math.max(1, Math.ceil(options.count / 3)) }, (_, i) => {
    const first = pick(random, FIRST);
    const last = pick(random, LAST);
    return {
      name: `${first} ${last}`,
      email: `${first}.${last}.${i}@example.com`.toLowerCase(),
      phone: random() < 0.6 ? `+49 30 ${String(1_000_000 + Math.floor(random() * 8_999_999))}` : null,
    };
  });
  const groups = Math.ceil(options.count / options.tieGroup);
  return Array.from({ length: options.count }, (_, i) => {
    const group = Math.floor(i / options.tieGroup);
    const updated = options.epoch - (groups - 1 - group) * options.spacingMs;
    const created = updated - Math.floor(random() * 48) * 3_600_000;
    const due = random() < 0.8 ? new Date(updated + (3 + Math.floor(random() * 18)) * 86_400_000).toISOString() : null;
    return {
      id: orderId(i),
      created_at: new Date(created).toISOString(),
      updated_at: new Date(updated).toISOString(),
      status: "open",
      customer: { ...pick(random, customers) },
      title: pick(random, TITLES),
      material: pick(random, MATERIALS),
      colour: pick(random, COLOURS),
      quantity: 1 + Math.floor(random() * 5),
      estimated_minutes: random() < 0.8 ? 15 * (1 + Math.floor(random() * 16)) : null,
      price_cents: 500 + Math.floor(random() * 200) * 50,
      currency: "EUR",
      due_at: due,
      fulfilment: random() < 0.8 ? "pickup" : "ship",
      priority: random() < 0.1 ? "rush" : "normal",
      notes: random() < 0.3 ? "Gift, please no invoice in the box" : null,
    } satisfies StorefrontOrder;
  });
}

/** How a row can be served broken (what the sync must send to its dead-letter table). */
export type MalformedKind = "quantity" | "missing-title" | "email" | "updated-at";

export function breakOrder(order: StorefrontOrder, how: MalformedKind): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(order) as unknown as Record<string, unknown>;
  switch (how) {
    case "quantity":
      copy.quantity = "three";
      break;
    case "missing-title":
      delete copy.title;
      break;
    case "email":
      copy.customer = { ...order.customer, email: "not an address" };
      break;
    case "updated-at":
      copy.updated_at = "yesterday";
      break;
  }
  return copy;
}
