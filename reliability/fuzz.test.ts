// Property-based fuzz of every procedure over real HTTP (fast-check, fixed seed): a few thousand
// generated inputs aimed at each procedure's own fields, from an admin at a console, a floor
// user and an anonymous caller. No answer may be 5xx (or missing), and a refused call changes
// nothing in the shop. Complements packages/api/test/hostile-input.test.ts, which walks a fixed
// list of hostile values through every procedure in-process; both read the procedure list from
// the router (@orderdeck/api/testing) and check at the end that they called every procedure of it
// (here each one is first called once as an admin with no input, whatever the number of runs).
import { hashToken, newToken } from "@orderdeck/api";
import { databaseDigest, everyRow, listProcedures, missingProcedures, rowCount } from "@orderdeck/api/testing";
import { JobStatus, PaymentStatus, generatePickupCode } from "@orderdeck/contracts";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiHere } from "./api-process.ts";
import { ApiClient } from "./http-client.ts";
import { addJobs, createShop, shopDatabaseForFile, type Shop, type ShopJob } from "./shop.ts";

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 2_000);
const SEED = 20_261_123;

const { db, secretKey } = await shopDatabaseForFile();
let shop: Shop;
let other: Shop;
let jobs: ShopJob[];
let otherJobs: ShopJob[];
let api: Awaited<ReturnType<typeof startApiHere>>;

beforeAll(async () => {
  shop = await createShop(db.pool, secretKey, { name: "Fuzzed", stations: 1, seats: ["ADMIN", "STAFF"] });
  other = await createShop(db.pool, secretKey, { name: "Bystander", stations: 1, seats: ["ADMIN"] });
  jobs = await addJobs(db.pool, shop.siteId, [
    { status: "QUEUED" },
    { status: "IN_PROGRESS" },
    { status: "READY_FOR_PICKUP", paymentStatus: "PAID" },
    { status: "READY_FOR_PICKUP", paymentStatus: "UNPAID" },
    { status: "PICKED_UP", paymentStatus: "PAID" },
  ]);
  otherJobs = await addJobs(db.pool, other.siteId, [{ status: "READY_FOR_PICKUP", paymentStatus: "PAID" }]);
  api = await startApiHere(db.url, secretKey);
});

afterAll(async () => {
  await api?.stop();
});

/** Everything a refused call must leave alone (not sessions, rate limits, audit rows or scan records). */
async function fingerprint(): Promise<string> {
  return databaseDigest(db.pool, [
    ...["sites", "users"].map((table) => everyRow(table)),
    everyRow("stations", "r.id::text || r.name || COALESCE(r.revoked_at::text, '')"),
    ...["jobs", "customers"].map((table) => everyRow(table)),
    ...["job_events", "invoices", "receipts", "payments"].map(rowCount),
    everyRow("counters", "r::text", "r.site_id, r.kind, r.year"),
    ...["saved_views", "handoffs"].map((table) => everyRow(table)),
    rowCount("station_enrollments"),
  ]);
}

/** A session of its own for one case, so an accepted auth.logout cannot sign out the next case. */
async function freshSession(seat: Shop["seats"][number]): Promise<Record<string, string>> {
  const token = newToken();
  await db.pool.query(
    `INSERT INTO sessions (id, site_id, user_id, station_id, token_hash, expires_at)
     SELECT gen_random_uuid(), site_id, id, $2, $3, now() + interval '1 hour' FROM users WHERE id = $1`,
    [seat.userId, seat.stationId, hashToken(secretKey, token)],
  );
  return { ...seat.headers, authorization: `Bearer ${token}` };
}

/** Values worth aiming at a field: hostile text and numbers, structure where a scalar belongs, and real ids of this and the other shop. */
function valueArbitrary(): fc.Arbitrary<unknown> {
  const realIds = () => [...jobs.map((j) => j.id), ...otherJobs.map((j) => j.id), other.seats[0]?.userId, other.stations[0]?.id].filter(Boolean);
  const realCodes = () => [...jobs, ...otherJobs].map((j) => j.pickupCode);
  const scalar = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.constantFrom("", " ", "'; DROP TABLE jobs; --", "<script>x</script>", "\u0000", "../../etc/passwd", "x".repeat(5_000), "%27%22", "{{7*7}}"),
    fc.uuid(),
    fc.constantFrom(...realIds()),
    fc.constantFrom(...realCodes()),
    fc.constant(generatePickupCode()),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom(...JobStatus.options, ...PaymentStatus.options, "asc", "desc", "queue", "due", "created", "exclude", "only"),
    fc.integer(),
    fc.double(),
    fc.constantFrom(-1, 0, 1, 2_147_483_648, Number.MAX_SAFE_INTEGER, 1e308),
    fc.boolean(),
    fc.constant(null),
  );
  return fc.oneof(
    { arbitrary: scalar, weight: 6 },
    { arbitrary: fc.array(scalar, { maxLength: 5 }), weight: 2 },
    { arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 4 }), weight: 1 },
  );
}

describe("fuzzing every procedure over HTTP", () => {
  it(`answers 2xx or 4xx to a call of every procedure and ${RUNS} generated calls, and a refused call changes nothing`, { timeout: 600_000 }, async () => {
    const procedures = listProcedures();
    const walked = new Set<string>();
    const value = valueArbitrary();
    const callCase = fc
      .constantFrom(...procedures)
      .chain((procedure) =>
        fc.record({
          procedure: fc.constant(procedure),
          who: fc.constantFrom("admin", "staff", "anonymous"),
          input: fc.oneof(
            { arbitrary: fc.constant(undefined), weight: 1 },
            { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
            {
              arbitrary:
                procedure.inputKeys.length > 0
                  ? fc.record(Object.fromEntries(procedure.inputKeys.map((k) => [k, value])), { requiredKeys: [] })
                  : fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 3 }),
              weight: 6,
            },
          ),
        }),
      );

    type CallCase = typeof callCase extends fc.Arbitrary<infer T> ? T : never;
    const seen = new Map<number, number>();
    let baseline = await fingerprint();
    await fc.assert(
      fc.asyncProperty(callCase, async ({ procedure, who, input }) => {
        const seat = who === "admin" ? shop.seats[0] : who === "staff" ? shop.seats[1] : undefined;
        const client = new ApiClient(api.url, seat ? await freshSession(seat) : {});
        walked.add(procedure.path);
        const options = { timeoutMs: 20_000 };
        const answer =
          procedure.type === "query"
            ? await client.query(procedure.path, input, options)
            : procedure.type === "mutation"
              ? await client.mutate(procedure.path, input, options)
              : await client.openStream(procedure.path, input, options);
        seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
        const described = `${procedure.path} as ${who} with ${JSON.stringify(input)?.slice(0, 200)}`;
        expect(answer.status, `${described}: ${answer.networkError ?? answer.error?.message}`).toBeGreaterThanOrEqual(200);
        expect(answer.status, `${described}: ${answer.error?.code} ${answer.error?.message}`).toBeLessThan(500);
        const now = await fingerprint();
        if (answer.status >= 400) expect(now, `${described} was refused (${answer.status}) but changed the shop`).toBe(baseline);
        baseline = now;
      }),
      // Every procedure once first, as an admin at a console with no input (the generated runs may not
      // draw them all); fast-check counts these examples among its runs.
      { seed: SEED, numRuns: procedures.length + RUNS, endOnFailure: true, examples: procedures.map((procedure): [CallCase] => [{ procedure, who: "admin", input: undefined }]) },
    );
    const missing = missingProcedures(walked);
    expect(missing, `never called: ${missing.join(", ")}`).toEqual([]);
    console.info(`fuzz: ${procedures.length} + ${RUNS} calls over ${procedures.length} procedures, answers ${JSON.stringify(Object.fromEntries([...seen].sort(([a], [b]) => a - b)))}`);
  });
});
