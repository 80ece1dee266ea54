// The plan: every row of the demo site, computed before the transaction that writes it, from a
// seeded generator, so the same seed gives the same site.
import { canTransition, generatePickupCode, isOpen, type Fulfilment, type JobSource, type JobStatus, type PaymentStatus, type Priority } from "@orderdeck/contracts";
import type { Prisma } from "../generated/prisma/client.ts";
import { COMPANIES, FIRST_NAMES, LAST_NAMES, MACHINES, MATERIALS, NOTES, TITLES, type Process } from "./catalog.ts";
import { DEMO_CUSTOMER_COUNT, DEMO_JOB_STATUS_COUNTS, DEMO_STATIONS, DEMO_USERS } from "./demo.ts";
import type { Dice } from "./random.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface DemoPlan {
  siteId: string;
  siteCreatedAt: Date;
  userIds: string[];
  stationIds: string[];
  customers: Prisma.CustomerCreateManyInput[];
  jobs: Prisma.JobCreateManyInput[];
  events: Prisma.JobEventCreateManyInput[];
  payments: Prisma.PaymentCreateManyInput[];
}

interface Step {
  status: JobStatus;
  at: Date;
}

const PRIORITY_RANK: Record<Priority, number> = { RUSH: 0, HIGH: 1, NORMAL: 2, LOW: 3 };

/** The statuses a job passes through after QUEUED to end in `target` (drawn, then checked against the machine). */
function pathTo(target: JobStatus, dice: Dice): JobStatus[] {
  const made: JobStatus[] = ["IN_PROGRESS", "POST_PROCESSING", "READY_FOR_PICKUP"];
  let path: JobStatus[];
  switch (target) {
    case "QUEUED":
      path = dice.chance(0.1) ? ["ON_HOLD", "QUEUED"] : [];
      break;
    case "IN_PROGRESS":
      path = ["IN_PROGRESS"];
      break;
    case "POST_PROCESSING":
      path = ["IN_PROGRESS", "POST_PROCESSING"];
      break;
    case "READY_FOR_PICKUP":
    case "PICKED_UP":
    case "SHIPPED":
      path = target === "READY_FOR_PICKUP" ? made : [...made, target];
      break;
    case "ON_HOLD":
      path = [...dice.pick<JobStatus[]>([[], ["IN_PROGRESS"], ["IN_PROGRESS", "POST_PROCESSING"]]), "ON_HOLD"];
      break;
    case "FAILED":
      path = dice.chance(0.6) ? ["IN_PROGRESS", "FAILED"] : ["IN_PROGRESS", "POST_PROCESSING", "FAILED"];
      break;
    case "CANCELLED":
      path = [...dice.pick<JobStatus[]>([[], [], ["ON_HOLD"], ["IN_PROGRESS"]]), "CANCELLED"];
      break;
  }
  // Now and then a print fails and is reprinted before it gets anywhere.
  if (path[0] === "IN_PROGRESS" && target !== "FAILED" && dice.chance(0.08)) {
    path = ["IN_PROGRESS", "FAILED", "QUEUED", ...path];
  }
  return path;
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

export function planDemoSite(dice: Dice, now: Date): DemoPlan {
  const siteId = dice.uuid();
  const siteCreatedAt = new Date(now.getTime() - 90 * DAY);
  const userIds = DEMO_USERS.map(() => dice.uuid());
  const stationIds = DEMO_STATIONS.map(() => dice.uuid());
  const [, leadId, staffId] = userIds as [string, string, string];
  const [frontCounterId] = stationIds as [string, string];
  const floorPeople = [leadId, staffId, staffId];

  // Customers.
  const customers: Prisma.CustomerCreateManyInput[] = [];
  const usedNames = new Set<string>();
  while (customers.length < DEMO_CUSTOMER_COUNT) {
    const company = dice.chance(0.15) ? dice.pick(COMPANIES) : null;
    const first = dice.pick(FIRST_NAMES);
    const last = dice.pick(LAST_NAMES);
    const name = company ?? `${first} ${last}`;
    if (usedNames.has(name)) continue;
    usedNames.add(name);
    const local = company ? company.toLowerCase().normalize("NFD").replace(/[^a-z]+/g, "") : `${first}.${last}`.toLowerCase();
    customers.push({
      id: dice.uuid(),
      siteId,
      name,
      email: dice.chance(0.9) ? `${local}@example.${dice.pick(["com", "org", "net"])}` : null,
      phone: dice.chance(0.7) ? `+49 30 555 ${String(dice.int(100, 9999)).padStart(4, "0")}` : null,
      createdAt: new Date(siteCreatedAt.getTime() + dice.int(0, 30) * DAY),
    });
  }

  // Target statuses, shuffled so that numbers and statuses are mixed as in a real shop.
  const targets: JobStatus[] = [];
  for (const [status, count] of Object.entries(DEMO_JOB_STATUS_COUNTS) as [JobStatus, number][]) {
    for (let i = 0; i < count; i++) targets.push(status);
  }
  for (let i = targets.length - 1; i > 0; i--) {
    const j = dice.int(0, i);
    [targets[i], targets[j]] = [targets[j] as JobStatus, targets[i] as JobStatus];
  }

  interface Draft {
    job: Prisma.JobCreateManyInput & { id: string; createdAt: Date; status: JobStatus };
    steps: Step[];
    creatorKind: "USER" | "SYSTEM";
    creatorId: string | null;
    payment: Prisma.PaymentCreateManyInput | null;
  }

  const drafts: Draft[] = [];
  let feedNumber = 48_210;
  let csvNumber = 1;
  for (const target of targets) {
    const open = isOpen(target);
    // Open work is recent; closed work spreads over the last two months.
    const createdAt = new Date(
      now.getTime() - (open ? dice.int(2, 14 * 24) : dice.int(4 * 24, 60 * 24)) * HOUR - dice.int(0, 59) * 60_000,
    );
    const fulfilment: Fulfilment =
      target === "SHIPPED" ? "SHIP" : target === "PICKED_UP" ? "PICKUP" : dice.chance(0.1) ? "SHIP" : "PICKUP";
    const source: JobSource = dice.weighted<JobSource>([["MANUAL", 45], ["FEED", 45], ["CSV", 10]]);
    const externalId =
      source === "FEED" ? `SF-${feedNumber++}` : source === "CSV" ? `CSV-${String(csvNumber++).padStart(4, "0")}` : null;

    // Status history: QUEUED at creation, then the path, spread over the time since.
    const path = pathTo(target, dice);
    const steps: Step[] = [{ status: "QUEUED", at: createdAt }];
    const span = Math.min(now.getTime() - createdAt.getTime() - HOUR, (open ? 4 : 12) * DAY);
    path.forEach((status, i) => {
      const share = (i + 1) / (path.length + 1) + (dice.int(-8, 8) / 100) / (path.length + 1);
      steps.push({ status, at: new Date(createdAt.getTime() + Math.max(60_000 * (i + 1), span * share)) });
    });
    for (let i = 1; i < steps.length; i++) {
      const from = (steps[i - 1] as Step).status;
      const to = (steps[i] as Step).status;
      if (!canTransition(from, to, fulfilment)) throw new Error(`demo seed drew an illegal transition ${from} -> ${to}`);
    }
    const last = steps[steps.length - 1] as Step;

    const spec = dice.weighted(MATERIALS);
    const process: Process = spec.process;
    const count = dice.int(2, 24);
    const template = dice.pick(TITLES[process]);
    const title = template.replace("{n}", String(count));
    const quantity = template.includes("{n}") ? count : dice.weighted([[1, 8], [2, 2], [3, 1]]);
    const estimatedMinutes =
      process === "FDM" ? roundTo(dice.int(30, 840), 5) : process === "RESIN" ? roundTo(dice.int(60, 480), 5) : dice.int(5, 90);
    const priority = dice.weighted<Priority>([["NORMAL", 70], ["HIGH", 15], ["LOW", 10], ["RUSH", 5]]);
    const perHour = process === "LASER" ? 3600 : process === "RESIN" ? 1200 : 720;
    const base = process === "RESIN" ? 1500 : 800;
    const rush = priority === "RUSH" ? 1.5 : 1;
    const priceCents = roundTo(
      (base + (estimatedMinutes / 60) * perHour) * (1 + (Math.min(quantity, 50) - 1) * 0.15) * rush,
      50,
    );

    let paymentStatus: PaymentStatus;
    if (target === "CANCELLED") paymentStatus = source === "FEED" ? "REFUNDED" : "UNPAID";
    else if (source === "FEED" || target === "SHIPPED") paymentStatus = "PAID";
    else if (target === "PICKED_UP") paymentStatus = dice.chance(0.92) ? "PAID" : "WAIVED";
    else if (target === "READY_FOR_PICKUP") paymentStatus = dice.chance(0.4) ? "PAID" : "UNPAID";
    else paymentStatus = dice.chance(0.15) ? "PAID" : "UNPAID";

    const started = path.includes("IN_PROGRESS");
    const assigneeId = started && (open || dice.chance(0.7)) ? dice.pick(floorPeople) : dice.chance(0.2) ? dice.pick(floorPeople) : null;
    const dueAt = dice.chance(0.8) ? new Date(createdAt.getTime() + dice.int(3, 14) * DAY + dice.int(9, 17) * HOUR) : null;
    const id = dice.uuid();
    const pickedUp = target === "PICKED_UP";
    // Retention archives closed jobs 30 days after they closed.
    const archivedAt =
      !open && now.getTime() - last.at.getTime() > 30 * DAY ? new Date(last.at.getTime() + 30 * DAY) : null;

    const manual = source === "MANUAL";
    const creatorId = manual ? dice.pick(floorPeople) : null;
    const job: Draft["job"] = {
      id,
      siteId,
      source,
      externalId,
      customerId: (dice.pick(customers).id as string),
      title,
      material: spec.material,
      colour: dice.pick(spec.colours),
      quantity,
      estimatedMinutes,
      dueAt,
      priority,
      status: target,
      queuePosition: null,
      assigneeId,
      machine: started ? dice.pick(MACHINES[process]) : null,
      priceCents,
      currency: "EUR",
      paymentStatus,
      fulfilment,
      pickupCode: generatePickupCode((bytes) => {
        bytes.set(dice.bytes(bytes.length));
        return bytes;
      }),
      pickedUpAt: pickedUp ? last.at : null,
      pickedUpById: pickedUp ? dice.pick(floorPeople) : null,
      pickedUpStationId: pickedUp ? frontCounterId : null,
      notes: dice.chance(0.15) ? dice.pick(NOTES) : null,
      // One version per recorded change, as if every event had been an update.
      version: steps.length + (archivedAt ? 1 : 0),
      createdAt,
      updatedAt: archivedAt ?? last.at,
      archivedAt,
    };

    let payment: Prisma.PaymentCreateManyInput | null = null;
    if (paymentStatus === "PAID" || paymentStatus === "REFUNDED") {
      const online = source === "FEED";
      const receivedAt = online ? createdAt : pickedUp ? last.at : new Date(createdAt.getTime() + dice.int(1, 48) * 60_000);
      payment = {
        id: dice.uuid(),
        siteId,
        jobId: id,
        provider: online ? "storefront" : dice.pick(["cash", "card-terminal", "card-terminal"]),
        providerReference: online ? `storefront-${externalId}` : `demo-${dice.uuid()}`,
        amountCents: priceCents,
        currency: "EUR",
        receivedAt,
        recordedById: online ? null : dice.pick(floorPeople),
        createdAt: receivedAt,
      };
    }
    drafts.push({ job, steps, creatorKind: manual ? "USER" : "SYSTEM", creatorId, payment });
  }

  // Queue positions: open jobs in board order (priority first, then age), 1..n.
  const openDrafts = drafts
    .filter((d) => isOpen(d.job.status))
    .sort(
      (a, b) =>
        PRIORITY_RANK[a.job.priority as Priority] - PRIORITY_RANK[b.job.priority as Priority] ||
        a.job.createdAt.getTime() - b.job.createdAt.getTime(),
    );
  openDrafts.forEach((d, i) => {
    d.job.queuePosition = i + 1;
  });

  drafts.sort((a, b) => a.job.createdAt.getTime() - b.job.createdAt.getTime());

  const events: Prisma.JobEventCreateManyInput[] = [];
  for (const d of drafts) {
    const { job } = d;
    events.push({
      id: dice.uuid(),
      siteId,
      jobId: job.id,
      actorKind: d.creatorKind,
      actorUserId: d.creatorId,
      at: job.createdAt,
      type: "created",
      after: { status: "QUEUED", source: job.source ?? "MANUAL", title: job.title },
    });
    for (let i = 1; i < d.steps.length; i++) {
      const prev = d.steps[i - 1] as Step;
      const step = d.steps[i] as Step;
      const handover = step.status === "PICKED_UP";
      events.push({
        id: dice.uuid(),
        siteId,
        jobId: job.id,
        actorKind: "USER",
        actorUserId: handover ? (job.pickedUpById ?? null) : dice.pick(floorPeople),
        actorStationId: handover ? frontCounterId : null,
        at: step.at,
        type: "status_changed",
        before: { status: prev.status },
        after: { status: step.status },
      });
    }
    if (d.payment && d.payment.provider !== "storefront") {
      events.push({
        id: dice.uuid(),
        siteId,
        jobId: job.id,
        actorKind: "USER",
        actorUserId: d.payment.recordedById ?? null,
        at: d.payment.receivedAt ?? job.createdAt,
        type: "payment_recorded",
        before: { paymentStatus: "UNPAID" },
        after: { paymentStatus: "PAID", amountCents: d.payment.amountCents, provider: d.payment.provider },
      });
    }
    if (job.archivedAt) {
      events.push({
        id: dice.uuid(),
        siteId,
        jobId: job.id,
        actorKind: "SYSTEM",
        at: job.archivedAt,
        type: "archived",
      });
    }
  }

  return {
    siteId,
    siteCreatedAt,
    userIds,
    stationIds,
    customers,
    jobs: drafts.map((d) => d.job),
    events,
    payments: drafts.flatMap((d) => (d.payment ? [d.payment] : [])),
  };
}
