// The embedded PostgreSQL stops with a fast shutdown, which cuts every session still open and
// tells its client "terminating connection due to administrator command". A pg pool's end()
// resolves as soon as it has asked its idle connections to close, before they have: stopping the
// database right after it must still let those connections go quietly.
import { mkdtemp, chmod, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@orderdeck/logging";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { resolveDatabase } from "../src/database.ts";

const made: string[] = [];
afterAll(async () => {
  for (const folder of made) await rm(folder, { recursive: true, force: true });
});

describe("stopping the embedded PostgreSQL", () => {
  it("waits for the connections a pool's end() has only asked to close, so none of them is cut off", { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "orderdeck-database-stop-"));
    made.push(dataDir);
    await chmod(dataDir, 0o755);
    const database = await resolveDatabase({ databaseUrl: undefined, databaseDirectUrl: undefined }, dataDir, createLogger({ level: "error" }));
    const cut: string[] = [];
    const pools = Array.from({ length: 4 }, () => {
      const pool = new pg.Pool({ connectionString: database.url, max: 5 });
      pool.on("error", (error) => cut.push(error.message));
      return pool;
    });
    // Every pool holds five idle connections, as the server's pools do after some traffic.
    await Promise.all(pools.flatMap((pool) => Array.from({ length: 5 }, () => pool.query("SELECT pg_sleep(0.05)"))));
    expect(pools.map((pool) => pool.idleCount)).toEqual([5, 5, 5, 5]);

    for (const pool of pools) await pool.end();
    await database.stop();
    // Any late 'error' arrives within a tick or two of the socket closing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(cut).toEqual([]);
  });
});
