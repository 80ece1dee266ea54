// Every procedure, fed malformed, oversized and hostile input, answers a 4xx (never a 500) and a
// refused call changes nothing. The procedure list is read from the router, so procedures added
// later are covered without touching this file; the last test checks that every procedure of the
// router was really called.
import { generatePickupCode } from "@orderdeck/contracts";
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { callByPath, databaseDigest, everyRow, listProcedures, missingProcedures, rowCount, type ProcedureEntry } from "../src/testing/index.ts";
import { apiHarnessForFile, type Caller, type SiteFixture } from "./harness.ts";

let otherJobId: string;
/** Real ids of another site's rows of every kind a procedure takes an id of. */
let otherIds: string[] = [];

const HOSTILE_STRINGS = [
  "",
  " ",
  "x".repeat(100_000),
  "'; DROP TABLE jobs; --",
  "\" OR 1=1 --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "\u0000null\u0000byte",
  "%00%27%22",
  "${7*7}{{7*7}}",
  "🧨".repeat(500),
  "00000000-0000-0000-0000-000000000000",
  "not-a-uuid",
  "9999-99-99T99:99:99Z",
];
const HOSTILE_NUMBERS = [-1, 0, 1.5, -2_147_483_649, 2_147_483_648, Number.MAX_SAFE_INTEGER, 1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY];
const HOSTILE_OTHERS: unknown[] = [null, true, [], {}, [1, 2, 3], { $gt: "" }, { __proto__: { admin: true } }, new Date(0)];
const HOSTILE_VALUES: unknown[] = [...HOSTILE_STRINGS, ...HOSTILE_NUMBERS, ...HOSTILE_OTHERS];

function inputsFor(procedure: ProcedureEntry): unknown[] {
  const keys = procedure.inputKeys;
  const cases: unknown[] = [undefined, ...HOSTILE_VALUES];
  // Aim each hostile value at each field, alone and with every other field hostile too.
  for (const value of HOSTILE_VALUES) {
    if (keys.length === 0) break;
    cases.push(Object.fromEntries(keys.map((k) => [k, value])));
    for (const key of keys) cases.push({ [key]: value });
  }
  // Another site's real ids in every id-like field: must look exactly like a missing row.
  const idKeys = keys.filter((k) => /id$/i.test(k));
  if (idKeys.length > 0) for (const id of otherIds) cases.push(Object.fromEntries(idKeys.map((k) => [k, id])));
  return cases;
}

/** A digest of everything a refused call must leave alone (not sessions, rate limits or audit rows). */
async function fingerprint(): Promise<string> {
  return databaseDigest(harness.db.pool, [
    ...["sites", "users", "site_shift_rules"].map((table) => everyRow(table)),
    everyRow("stations", "r.id::text || r.revoked_at::text"),
    ...["jobs", "customers"].map((table) => everyRow(table)),
    ...["job_events", "invoices", "receipts", "payments"].map(rowCount),
    everyRow("counters", "r::text", "r.site_id, r.kind, r.year"),
    rowCount("saved_views"),
    everyRow("intake_sources"),
    rowCount("intake_runs"),
    everyRow("intake_dead_letters"),
  ]);
}

async function addJob(fixture: SiteFixture, position: number, status: "QUEUED" | "READY_FOR_PICKUP" = "QUEUED"): Promise<string> {
  const job = await harness.db.prisma.job.create({
    data: { siteId: fixture.siteId, title: `Bracket ${position}`, queuePosition: position, status, pickupCode: generatePickupCode() },
  });
  return job.id;
}

// A generous budget: this suite makes thousands of calls on one session on purpose.
const harness = await apiHarnessForFile();
const site = await harness.createSite("Hostile A");
const otherSite = await harness.createSite("Hostile B");

beforeAll(async () => {
  await addJob(site, 1);
  await addJob(site, 2, "READY_FOR_PICKUP");
  otherJobId = await addJob(otherSite, 1);
  const otherSource = await harness.db.prisma.intakeSource.create({
    data: { siteId: otherSite.siteId, name: "Their storefront", kind: "storefront-json", baseUrl: "http://127.0.0.1:9/" },
  });
  const otherLetter = await harness.db.prisma.intakeDeadLetter.create({
    data: { siteId: otherSite.siteId, sourceId: otherSource.id, externalId: "SO-1", payload: { id: "SO-1" }, reason: "quantity: expected number" },
  });
  otherIds = [otherJobId, otherSource.id, otherLetter.id];
});

const procedures = listProcedures();
/** Every procedure this file has called, by path: what the closing test compares with the router. */
const walked = new Set<string>();

describe("hostile input to every procedure", () => {
  for (const procedure of procedures) {
    const { path } = procedure;
    it(`${path}: 4xx for every hostile input, and a refusal changes nothing`, { timeout: 120_000 }, async () => {
      // A session of its own: a hostile call that is accepted (auth.logout, say) must not sign
      // out the callers of the next procedure.
      const callers: Array<[string, Caller]> = [
        ["admin", await harness.signIn(site, "ADMIN")],
        ["anonymous", harness.caller()],
      ];
      for (const [who, caller] of callers) {
        for (const input of inputsFor(procedure)) {
          const before = await fingerprint();
          try {
            walked.add(path);
            await callByPath(caller, path, input);
          } catch (error) {
            const described = `${path} as ${who} with ${JSON.stringify(input)?.slice(0, 120)}`;
            expect(error, described).toBeInstanceOf(TRPCError);
            const trpcError = error as TRPCError;
            expect(trpcError.code, `${described}: ${trpcError.message}`).not.toBe("INTERNAL_SERVER_ERROR");
            expect(await fingerprint(), `${described} changed the database although refused`).toBe(before);
          }
        }
      }
    });
  }

  // Last in the file (vitest runs a file's tests in order): every procedure of the router, by the
  // router's own list, was called with the hostile inputs above.
  it("walked every procedure of the router", () => {
    const missing = missingProcedures(walked);
    expect(missing, `never called: ${missing.join(", ")}`).toEqual([]);
  });
});
