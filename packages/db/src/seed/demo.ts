// The demo site's fixed facts: its name, people, stations and how many jobs end in each status.
import type { JobStatus, UserRole } from "@orderdeck/contracts";

export const DEMO_SITE_NAME = "OrderDeck Demo Workshop";
export const DEMO_TIMEZONE = "Europe/Berlin";
export const DEMO_PASSWORD = "orderdeck-demo";
export const DEMO_SEED = 20261123;

export const DEMO_USERS: readonly { email: string; name: string; role: UserRole }[] = [
  { email: "admin@orderdeck.local", name: "Morgan Adler", role: "ADMIN" },
  { email: "lead@orderdeck.local", name: "Sam Leitner", role: "LEAD" },
  { email: "staff@orderdeck.local", name: "Robin Stahl", role: "STAFF" },
];

export const DEMO_STATIONS = ["Front counter", "Print room"] as const;

/** How many demo jobs end in each status (300 in all, every status present). */
export const DEMO_JOB_STATUS_COUNTS: Readonly<Record<JobStatus, number>> = {
  QUEUED: 48,
  IN_PROGRESS: 14,
  POST_PROCESSING: 10,
  READY_FOR_PICKUP: 24,
  ON_HOLD: 8,
  FAILED: 6,
  PICKED_UP: 140,
  SHIPPED: 30,
  CANCELLED: 20,
};

export const DEMO_CUSTOMER_COUNT = 40;
