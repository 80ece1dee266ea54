// Prisma compiles its query compiler, a WebAssembly module, on the event loop the first time its
// client connects. A server does that while it starts: compiled by the first request that ran a
// Prisma query, it held every other request in flight for about 200 ms, minutes into a shop's day.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { startServer, type RunningServer } from "../src/server.ts";

// Prisma's compiler is a module of several megabytes; the other WebAssembly a server may load is far smaller.
const COMPILER_MIN_BYTES = 1024 * 1024;
const compiledSizes: number[] = [];
// The server's TypeScript has no DOM library, which is where WebAssembly's values are declared.
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly;
const BareModule = wasm.Module;
class CountedModule extends BareModule {
  constructor(bytes: Uint8Array) {
    super(bytes);
    compiledSizes.push(bytes.byteLength);
  }
}
const compilersCompiled = () => compiledSizes.filter((size) => size >= COMPILER_MIN_BYTES).length;

let db: TestDatabase;
let server: RunningServer | undefined;

beforeAll(async () => {
  wasm.Module = CountedModule;
  db = await createTestDatabase();
});

afterAll(async () => {
  await server?.stop();
  wasm.Module = BareModule;
  await db.drop();
});

describe("Prisma's query compiler", () => {
  it("is compiled while the server starts, once, and not by the queries that follow", async () => {
    expect(compilersCompiled()).toBe(0);
    server = await startServer(
      loadConfig({
        DATABASE_URL: db.url,
        PORT: "0",
        ORDERDECK_DATA_DIR: mkdtempSync(path.join(tmpdir(), "orderdeck-compiler-")),
        ORDERDECK_SEED_DEMO: "false",
        LOG_LEVEL: "error",
        LOG_FORMAT: "json",
      }),
      "api",
    );
    expect(compilersCompiled()).toBe(1);

    const [row] = await server.prisma.$queryRaw<Array<{ answer: number }>>`SELECT 1 AS answer`;
    expect(row?.answer).toBe(1);
    expect(await fetch(`${server.url}/healthz`).then((r) => r.status)).toBe(200);
    expect(compilersCompiled()).toBe(1);
  });
});
