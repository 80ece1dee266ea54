import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Readiness } from "@orderdeck/contracts";
import { createLocalRouter } from "../src/index.ts";

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real HTTP server, so the probe goes through fetch, sockets and JSON exactly as in production. */
async function startReadyz(status: number, body: unknown): Promise<string> {
  server = createServer((req, res) => {
    if (req.url === "/readyz") {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** A port that was just bound and released: nothing listens there, so connecting is refused. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const readiness: Readiness = {
  ready: true,
  version: "0.1.0",
  checks: [
    { name: "database", ok: true },
    { name: "migrations", ok: true, detail: "12 applied" },
  ],
};

describe("localRouter.status", () => {
  it("reports a ready server with its checks", async () => {
    const url = await startReadyz(200, readiness);
    const caller = createLocalRouter({ serverUrl: url }).createCaller({});

    const { server: status } = await caller.status();

    expect(status).toMatchObject({
      url,
      reachable: true,
      ready: true,
      version: "0.1.0",
      checks: readiness.checks,
      error: null,
    });
    expect(Number.isNaN(Date.parse(status.checkedAt))).toBe(false);
  });

  it("reports a reachable but not ready server (503) with the failing check", async () => {
    const url = await startReadyz(503, {
      ready: false,
      version: "0.1.0",
      checks: [{ name: "database", ok: false, detail: "connection refused" }],
    });
    const { server: status } = await createLocalRouter({ serverUrl: url }).createCaller({}).status();

    expect(status.reachable).toBe(true);
    expect(status.ready).toBe(false);
    expect(status.checks).toEqual([{ name: "database", ok: false, detail: "connection refused" }]);
  });

  it("treats an answer that is not a readiness document as reachable, not ready", async () => {
    const url = await startReadyz(200, "<html>proxy login</html>");
    const { server: status } = await createLocalRouter({ serverUrl: url }).createCaller({}).status();

    expect(status).toMatchObject({ reachable: true, ready: false, checks: [] });
    expect(status.error).toMatch(/readiness document/);
  });

  it("answers normally, not with an error, when nothing listens", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { server: status } = await createLocalRouter({ serverUrl: url }).createCaller({}).status();

    expect(status).toMatchObject({ url, reachable: false, ready: false, checks: [], version: null });
    expect(status.error).toMatch(/ECONNREFUSED/);
  });

  it("gives up on a server that accepts but never answers", async () => {
    server = createServer(() => {
      // Deliberately never respond: a hung server must not hang the console.
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const started = Date.now();
    const { server: status } = await createLocalRouter({ serverUrl: url, readinessTimeoutMs: 200 })
      .createCaller({})
      .status();

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(status).toMatchObject({ reachable: false, ready: false });
    expect(status.error).toMatch(/200 ms/);
    server.closeAllConnections();
  });

  it("keeps a path prefix of the server URL", async () => {
    const seen: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(JSON.stringify(readiness), { status: 200 });
    };
    await createLocalRouter({ serverUrl: "https://shop.example/orderdeck/", fetch: fakeFetch })
      .createCaller({})
      .status();

    expect(seen).toEqual(["https://shop.example/orderdeck/readyz"]);
  });

  it("refuses a server URL that is not http(s) at construction", () => {
    expect(() => createLocalRouter({ serverUrl: "file:///etc/passwd" })).toThrow(/http or https/);
    expect(() => createLocalRouter({ serverUrl: "not a url" })).toThrow(/not a valid URL/);
  });
});
