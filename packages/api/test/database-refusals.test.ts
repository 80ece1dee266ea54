// A database outage answers SERVICE_UNAVAILABLE (HTTP 503) with a message a person can act on,
// never INTERNAL_SERVER_ERROR. The shapes below are what Prisma's pg adapter and node-postgres
// raise (recorded against a stopped and a silent embedded PostgreSQL); the reliability suite
// proves the same end to end by stopping a real server under load.
import { describe, expect, it } from "vitest";
import { databaseRefusal } from "../src/database-refusals.ts";

const adapterError = (cause: Record<string, unknown>, code: string) =>
  Object.assign(new Error("Invalid `prisma.$queryRaw()` invocation"), { code, meta: { driverAdapterError: { name: "DriverAdapterError", cause } } });

describe("database outages", () => {
  it.each([
    ["a server that is down (raw query)", adapterError({ kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 }, "P2010")],
    ["a server that is down (model query)", adapterError({ kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 }, "P1001")],
    ["a connection reset mid-query", adapterError({ kind: "ConnectionClosed" }, "P2010")],
    ["a server shutting down under a running query", adapterError({ kind: "postgres", originalCode: "57P01", originalMessage: "terminating connection due to administrator command" }, "P2010")],
    [
      "a server shutting down under a statement of an interactive transaction (the adapter's error, unwrapped)",
      Object.assign(new Error("terminating connection due to administrator command"), {
        name: "DriverAdapterError",
        cause: { kind: "postgres", code: "57P01", severity: "FATAL", message: "terminating connection due to administrator command" },
      }),
    ],
    ["a server still starting up", adapterError({ kind: "postgres", originalCode: "57P03", originalMessage: "the database system is starting up" }, "P2010")],
    ["a connection exception", Object.assign(new Error("connection failure"), { code: "08006" })],
    ["a silent server (connect timeout)", new Error("Connection terminated due to connection timeout", { cause: new Error("Connection terminated unexpectedly") })],
    ["a refused socket", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })],
  ])("answers SERVICE_UNAVAILABLE for %s: the database is not reachable", (_what, error) => {
    const refusal = databaseRefusal(error);
    expect(refusal?.reason).toBe("SERVICE_UNAVAILABLE");
    expect(refusal?.message).toMatch(/database is not reachable right now; try again/);
  });

  it.each([
    ["no connection slot left at the server", adapterError({ kind: "postgres", originalCode: "53300", originalMessage: "sorry, too many clients already" }, "P2010")],
    ["a full pool that stays full", new Error("timeout exceeded when trying to connect")],
    ["a transaction that could not start in time", Object.assign(new Error("Transaction API error: Unable to start a transaction in the given time."), { code: "P2028" })],
  ])("answers SERVICE_UNAVAILABLE for %s: the server is busy", (_what, error) => {
    const refusal = databaseRefusal(error);
    expect(refusal?.reason).toBe("SERVICE_UNAVAILABLE");
    expect(refusal?.message).toMatch(/too busy to take this right now; try again/);
  });

  it("leaves other errors alone: a bug stays a 500 and is logged as one", () => {
    expect(databaseRefusal(new Error("Cannot read properties of undefined"))).toBeUndefined();
    expect(databaseRefusal(new TypeError("Connection is not a function"))).toBeUndefined();
    expect(databaseRefusal(adapterError({ kind: "GenericJs", id: 1 }, "P2010"))).toBeUndefined();
  });

  it("still maps constraint refusals as before", () => {
    const unique = adapterError({ kind: "postgres", originalCode: "23505", originalMessage: 'duplicate key value violates unique constraint "jobs_pickup_code_key"' }, "P2010");
    expect(databaseRefusal(unique)?.reason).toBe("DUPLICATE");
  });
});
