// The customer's side of the counter: the "ready for pickup" mail carries the code as images a
// scanner reads and a link to the job's status page; the page says what the customer needs and
// nothing else, answers like a missing page for a wrong or revoked token, is limited per address,
// and a lead (only) revokes and reissues the link.
import { randomUUID } from "node:crypto";
import { formatJobNumber, formatPickupCode } from "@orderdeck/contracts";
import type { SinkMessage } from "@orderdeck/mail-sink";
import { describe, expect, it } from "vitest";
import { answerStatusPage, missingStatusPage, type StatusPageDependencies } from "../src/pickup/status-page.ts";
import { BarcodeFormat, decodePng } from "./barcode-helpers.ts";
import { mailSinkForFile, testWorkerDeps, testWorkerForFile } from "./background-helpers.ts";
import { TEST_SECRET, apiHarnessForFile, refusalOf } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

const PUBLIC = "https://orders.example.test";
const harness = await apiHarnessForFile(
  { statusPage: { publicBaseUrl: PUBLIC } },
  { rateLimitPolicy: { statusPagePerIp: { points: 5, durationSeconds: 60, blockSeconds: 60 } } },
);
const site = await harness.createSite("Werkstatt Counter");
const sink = await mailSinkForFile();
await testWorkerForFile(
  harness,
  testWorkerDeps(harness, sink, {
    mail: { ...testWorkerDeps(harness, sink).mail, statusLinks: { secretKey: TEST_SECRET, publicBaseUrl: PUBLIC } },
  }),
);
const pageDeps: StatusPageDependencies = { ...harness.deps, secretKey: TEST_SECRET };

let addressCounter = 0;
/** Each test opens pages from an address of its own, so only the rate-limit test meets the limit. */
const nextAddress = () => `198.51.100.${++addressCounter}`;

const LINK = new RegExp(`${PUBLIC}/status/([A-Za-z0-9_-]{43})`);

async function readyJob(options: { priceCents?: number } = {}) {
  const email = `customer-${randomUUID()}@example.com`;
  const phone = `+49 30 ${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;
  const customer = await harness.db.prisma.customer.create({ data: { siteId: site.siteId, name: "Grace Hopper", email, phone } });
  const job = await insertJob(harness, site, { status: "POST_PROCESSING", customerId: customer.id, title: "Lamp shade, walnut" });
  await harness.db.prisma.job.update({ where: { id: job.id }, data: { priceCents: options.priceCents ?? 4_250, currency: "EUR" } });
  await site.as.STAFF.jobs.transition({ id: job.id, to: "READY_FOR_PICKUP" });
  const mail = await sink.waitFor((m) => m.to.includes(email));
  return { job, email, phone, mail, token: tokenOf(mail) };
}

function tokenOf(mail: SinkMessage): string {
  const match = LINK.exec(mail.text);
  if (!match?.[1]) throw new Error(`the mail has no status page link:\n${mail.text}`);
  return match[1];
}

/** The inline images of the page, in order (QR first, then Code 128). */
function pageImages(html: string): Buffer[] {
  return [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1] ?? "", "base64"));
}

describe("the ready mail", () => {
  it("carries the pickup code as inline QR and Code 128 images that decode to the code, and a link to the status page", async () => {
    const { job, mail, token } = await readyJob();
    const inline = mail.attachments.filter((a) => a.cid !== undefined);
    expect(inline.map((a) => a.contentType)).toEqual(["image/png", "image/png"]);
    const qr = inline.find((a) => a.filename === "pickup-code-qr.png");
    const bars = inline.find((a) => a.filename === "pickup-code-128.png");
    expect(decodePng(qr?.content ?? Buffer.alloc(0), BarcodeFormat.QR_CODE)).toBe(job.pickupCode);
    expect(decodePng(bars?.content ?? Buffer.alloc(0), BarcodeFormat.CODE_128)).toBe(job.pickupCode);
    // The HTML body shows both images where it references them (the parser resolves cid: links to
    // the parts, as a mail client does), and the same link.
    expect(mail.raw.toString("latin1")).toContain(`Content-ID: <${qr?.cid}>`);
    const shown = pageImages(mail.html ?? "");
    expect(shown).toHaveLength(2);
    expect(decodePng(shown[0] ?? Buffer.alloc(0), BarcodeFormat.QR_CODE)).toBe(job.pickupCode);
    expect(decodePng(shown[1] ?? Buffer.alloc(0), BarcodeFormat.CODE_128)).toBe(job.pickupCode);
    expect(mail.html).toContain(`${PUBLIC}/status/${token}`);
    expect(mail.text).toContain(`Pickup code: ${formatPickupCode(job.pickupCode)}`);
    // The token is not the pickup code, and the database holds neither it nor anything it appears in.
    expect(token).not.toContain(job.pickupCode);
    const stored = await harness.db.pool.query<{ row: string }>("SELECT row_to_json(l)::text AS row FROM job_status_links l WHERE job_id = $1", [job.id]);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.row).not.toContain(token);
  });
});

describe("the status page", () => {
  it("shows the shop, the job, its status, since when it is ready, where and when, the balance and the code; nothing else", async () => {
    const settings = await site.as.ADMIN.site.settings();
    await site.as.ADMIN.site.updateSettings({
      slaWarnHours: settings.slaWarnHours,
      slaBreachHours: settings.slaBreachHours,
      version: settings.version,
      pickupPlace: "Back door, Kastanienallee 12 <ring twice>",
      pickupHours: "Mon–Fri 10:00–18:00\nSat 10:00–14:00",
    });
    const { job, email, phone, token } = await readyJob();
    const answer = await answerStatusPage(pageDeps, nextAddress(), token);
    expect(answer.status).toBe(200);
    expect(answer.headers["cache-control"]).toBe("no-store");
    const page = answer.body;
    expect(page).toContain("<h1>Werkstatt Counter</h1>");
    expect(page).toContain(formatJobNumber(job.number));
    expect(page).toContain("Lamp shade, walnut");
    expect(page).toContain("Ready for pickup");
    // The site's wall clock (Europe/Berlin) with its zone.
    expect(page).toMatch(/Ready since \w{3}, \d{1,2} \w{3} \d{4}, \d{2}:\d{2} (CET|CEST)/);
    expect(page).toContain("Back door, Kastanienallee 12 &#60;ring twice&#62;");
    expect(page).toContain("Mon–Fri 10:00–18:00\nSat 10:00–14:00");
    expect(page).toContain("€42.50, at pickup");
    expect(page).toContain(formatPickupCode(job.pickupCode));
    const [qr, bars] = pageImages(page);
    expect(decodePng(qr ?? Buffer.alloc(0), BarcodeFormat.QR_CODE)).toBe(job.pickupCode);
    expect(decodePng(bars ?? Buffer.alloc(0), BarcodeFormat.CODE_128)).toBe(job.pickupCode);
    // Nothing else about the customer or the shop.
    for (const secret of [email, phone, "Grace Hopper", site.users.ADMIN.email, site.users.STAFF.email, site.siteId, job.id]) {
      expect(page).not.toContain(secret);
    }
    expect(page).not.toMatch(/<script/i);
  });

  it("says when nothing is owed, and once the job is handed over shows no code to collect with", async () => {
    const { job, token } = await readyJob();
    await site.as.LEAD.payments.waive({ jobId: job.id, reason: "Regular customer" });
    expect((await answerStatusPage(pageDeps, nextAddress(), token)).body).toContain("Nothing: it is paid.");
    await harness.db.pool.query("UPDATE jobs SET status = 'PICKED_UP', queue_position = NULL, picked_up_at = now() WHERE id = $1", [job.id]);
    const after = await answerStatusPage(pageDeps, nextAddress(), token);
    expect(after.status).toBe(200);
    expect(after.body).toContain("Picked up");
    expect(after.body).not.toContain(formatPickupCode(job.pickupCode));
    expect(pageImages(after.body)).toEqual([]);
  });

  it("answers a wrong, a malformed or a revoked token exactly like a missing page", async () => {
    const { job, token } = await readyJob();
    const missing = missingStatusPage();
    const address = nextAddress();
    const wrong = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (const presented of [wrong, "not-a-token", job.pickupCode]) {
      expect(await answerStatusPage(pageDeps, address, presented)).toEqual(missing);
    }
    await site.as.LEAD.pickup.revokeStatusLink({ jobId: job.id });
    expect(await answerStatusPage(pageDeps, nextAddress(), token)).toEqual(missing);
  });

  it("is limited per address: past the budget one address waits, another is still answered", async () => {
    const { token } = await readyJob();
    const busy = nextAddress();
    for (let i = 0; i < 5; i++) expect((await answerStatusPage(pageDeps, busy, token)).status).toBe(200);
    const refused = await answerStatusPage(pageDeps, busy, token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(refused.body).not.toContain("Werkstatt Counter");
    // Wrong guesses spend the same budget.
    expect((await answerStatusPage(pageDeps, busy, "x".repeat(43))).status).toBe(429);
    expect((await answerStatusPage(pageDeps, nextAddress(), token)).status).toBe(200);
  });
});

describe("revoking and reissuing the link", () => {
  it("a lead revokes the link and issues a new one (mailed to the customer); the old one stays dead; both audited", async () => {
    const { job, email, token } = await readyJob();
    expect(await site.as.LEAD.pickup.statusLink({ jobId: job.id })).toMatchObject({ state: "ACTIVE", url: `${PUBLIC}/status/${token}` });

    const revoked = await site.as.LEAD.pickup.revokeStatusLink({ jobId: job.id });
    expect(revoked).toMatchObject({ state: "REVOKED", url: null });
    expect(revoked.revokedAt).not.toBeNull();

    const reissued = await site.as.LEAD.pickup.reissueStatusLink({ jobId: job.id });
    expect(reissued).toMatchObject({ state: "ACTIVE", mailed: true });
    const fresh = LINK.exec(reissued.url ?? "")?.[1] ?? "";
    expect(fresh).not.toBe(token);
    const mail = await sink.waitFor((m) => m.to.includes(email) && m.text.includes(fresh));
    expect(decodePng(mail.attachments.find((a) => a.filename === "pickup-code-qr.png")?.content ?? Buffer.alloc(0), BarcodeFormat.QR_CODE)).toBe(job.pickupCode);
    expect((await answerStatusPage(pageDeps, nextAddress(), fresh)).status).toBe(200);
    expect(await answerStatusPage(pageDeps, nextAddress(), token)).toEqual(missingStatusPage());

    // Reissuing an active link ends it too.
    const again = await site.as.LEAD.pickup.reissueStatusLink({ jobId: job.id });
    expect(await answerStatusPage(pageDeps, nextAddress(), fresh)).toEqual(missingStatusPage());
    expect((await answerStatusPage(pageDeps, nextAddress(), LINK.exec(again.url ?? "")?.[1] ?? "")).status).toBe(200);

    const audit = await harness.db.prisma.auditLog.findMany({ where: { siteId: site.siteId, target: `job:${job.id}` }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, a.actorUserId])).toEqual([
      ["job.status_link_revoke", site.users.LEAD.id],
      ["job.status_link_reissue", site.users.LEAD.id],
      ["job.status_link_reissue", site.users.LEAD.id],
    ]);
    expect(JSON.stringify(audit)).not.toContain(fresh);
  });

  it("staff are refused and change nothing; another site's job is not found", async () => {
    const { job, token } = await readyJob();
    const staff = site.as.STAFF.pickup;
    for (const call of [() => staff.revokeStatusLink({ jobId: job.id }), () => staff.reissueStatusLink({ jobId: job.id }), () => staff.statusLink({ jobId: job.id })]) {
      expect((await refusalOf(call())).code).toBe("FORBIDDEN");
    }
    expect((await answerStatusPage(pageDeps, nextAddress(), token)).status).toBe(200);
    const other = await harness.createSite("Other shop");
    expect((await refusalOf(other.as.LEAD.pickup.revokeStatusLink({ jobId: job.id }))).code).toBe("NOT_FOUND");
    expect((await answerStatusPage(pageDeps, nextAddress(), token)).status).toBe(200);
  });

  it("a job that never had a link gets its first one from a lead, not mailed while it is not ready", async () => {
    const job = await insertJob(harness, site, { status: "IN_PROGRESS" });
    expect(await site.as.LEAD.pickup.statusLink({ jobId: job.id })).toMatchObject({ state: "NONE", url: null });
    const issued = await site.as.LEAD.pickup.reissueStatusLink({ jobId: job.id });
    expect(issued).toMatchObject({ state: "ACTIVE", mailed: false });
    const page = await answerStatusPage(pageDeps, nextAddress(), LINK.exec(issued.url ?? "")?.[1] ?? "");
    expect(page.body).toContain("Being made");
    expect(page.body).not.toContain("Ready since");
  });
});

describe("pickup place and hours", () => {
  it("an admin sets and clears them; too long or with control characters is refused and changes nothing; others may not", async () => {
    const start = await site.as.ADMIN.site.settings();
    const set = await site.as.ADMIN.site.updateSettings({ slaWarnHours: start.slaWarnHours, slaBreachHours: start.slaBreachHours, version: start.version, pickupPlace: "  Front counter  ", pickupHours: "Daily 9–17" });
    expect(set).toMatchObject({ pickupPlace: "Front counter", pickupHours: "Daily 9–17" });
    // Left out, they stay; empty, they are cleared.
    const kept = await site.as.ADMIN.site.updateSettings({ slaWarnHours: start.slaWarnHours + 1, slaBreachHours: start.slaBreachHours + 1, version: set.version });
    expect(kept).toMatchObject({ pickupPlace: "Front counter", pickupHours: "Daily 9–17" });
    for (const bad of [{ pickupPlace: "x".repeat(201) }, { pickupHours: "x".repeat(501) }, { pickupPlace: "bell\u0007" }]) {
      const refusal = await refusalOf(site.as.ADMIN.site.updateSettings({ slaWarnHours: 1, slaBreachHours: 2, version: kept.version, ...bad }));
      expect(refusal.code).toBe("BAD_REQUEST");
      expect(refusal.message).toMatch(/pickup (place|hours)/i);
    }
    expect(await site.as.ADMIN.site.settings()).toEqual(kept);
    const cleared = await site.as.ADMIN.site.updateSettings({ slaWarnHours: kept.slaWarnHours, slaBreachHours: kept.slaBreachHours, version: kept.version, pickupPlace: "", pickupHours: null });
    expect(cleared).toMatchObject({ pickupPlace: null, pickupHours: null });
    const audit = await harness.db.prisma.auditLog.findFirst({ where: { siteId: site.siteId, action: "site.update_settings" }, orderBy: { at: "desc" } });
    expect(audit?.details).toMatchObject({ before: { pickupPlace: "Front counter" }, after: { pickupPlace: null } });
    expect((await refusalOf(site.as.LEAD.site.updateSettings({ slaWarnHours: 1, slaBreachHours: 2, version: cleared.version, pickupPlace: "x" }))).code).toBe("FORBIDDEN");
  });
});
