import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRouter } from "@orderdeck/console-core";
import { startBrowserConsole, type BrowserConsole } from "../src/index.ts";
import { LOCAL_REQUEST_HEADER } from "../src/shared/transport.ts";

let api: Server;
let apiUrl: string;
let rendererDir: string;
let host: BrowserConsole;
let dataDir: string;

beforeAll(async () => {
  api = createServer((req, res) => {
    res.writeHead(req.url === "/readyz" ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ ready: true, version: "0.0.1", checks: [{ name: "database", ok: true }] }));
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  // A stand-in renderer: these tests are about the host, not about building the real one.
  rendererDir = await mkdtemp(path.join(tmpdir(), "orderdeck-renderer-"));
  await mkdir(path.join(rendererDir, "assets"));
  await writeFile(path.join(rendererDir, "index.html"), "<!doctype html><title>stub</title>");
  await writeFile(path.join(rendererDir, "assets", "app-abc123.js"), "console.log('hi')");

  dataDir = await mkdtemp(path.join(tmpdir(), "orderdeck-console-data-"));
  host = await startBrowserConsole({ port: 0, serverUrl: apiUrl, rendererDir, dataDir });
});

afterAll(async () => {
  await host?.close();
  await new Promise<void>((resolve) => api.close(() => resolve()));
  await rm(rendererDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

/** Raw request, because fetch normalises paths and refuses to set Host. */
function raw(pathname: string, headers: Record<string, string> = {}, method = "GET") {
  const { port } = new URL(host.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: pathname, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("browser-mode host", () => {
  it("binds 127.0.0.1 and serves the renderer with security headers", async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${host.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>stub</title>");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("serves hashed assets as immutable and client routes as index.html", async () => {
    const asset = await fetch(`${host.url}/assets/app-abc123.js`);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(asset.headers.get("cache-control")).toContain("immutable");

    const route = await fetch(`${host.url}/queue/board`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain("<title>stub</title>");

    expect((await fetch(`${host.url}/missing.js`)).status).toBe(404);
  });

  it("never serves files outside the renderer directory", async () => {
    for (const p of ["/../package.json", "/%2e%2e/%2e%2e/package.json", "/assets/..%2f..%2fpackage.json", "/%00"]) {
      expect((await raw(p)).status, p).toBe(404);
    }
  });

  it("serves localRouter to the tRPC HTTP client the renderer uses", async () => {
    const client = createTRPCClient<LocalRouter>({
      links: [httpBatchLink({ url: `${host.url}/local/trpc`, headers: { [LOCAL_REQUEST_HEADER]: "1" } })],
    });
    const { server } = await client.status.query();
    expect(server).toMatchObject({ url: apiUrl, reachable: true, ready: true, version: "0.0.1" });
  });

  it("refuses localRouter calls that could come from another web page", async () => {
    const ok = { [LOCAL_REQUEST_HEADER]: "1" };
    expect((await raw("/local/trpc/status")).status).toBe(403);
    expect((await raw("/local/trpc/status", { ...ok, origin: "https://evil.example" })).status).toBe(403);
    expect((await raw("/local/trpc/status", { ...ok, origin: host.url })).status).toBe(200);
  });

  it("streams the sync state as server-sent events, which a page can read only from its own origin", async () => {
    const events = await fetch(`${host.url}/local/trpc/sync.onState`, { headers: { accept: "text/event-stream" } });
    expect(events.status).toBe(200);
    expect(events.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = events.body?.getReader();
    let text = "";
    // The first state comes at once; without it the test fails saying so instead of waiting for its own timeout.
    const deadline = Date.now() + 10_000;
    while (reader && !text.includes('"outboxSize"')) {
      const chunk = await new Promise<Awaited<ReturnType<typeof reader.read>>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no sync state with an outbox size within 10 s; the stream sent: ${text || "nothing"}`)), Math.max(deadline - Date.now(), 0));
        reader
          .read()
          .then(resolve, (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))))
          .finally(() => clearTimeout(timer));
      });
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    await reader?.cancel();
    // Not enrolled yet, never synced: offline, nothing waiting.
    expect(text).toContain('"connection":"offline"');
    expect(text).toContain('"outboxSize":0');
    const foreign = await raw("/local/trpc/sync.onState", { accept: "text/event-stream", origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
  });

  it("refuses a foreign Host header (DNS rebinding)", async () => {
    expect((await raw("/", { host: "evil.example:80" })).status).toBe(421);
    expect((await raw("/", { host: `localhost:${new URL(host.url).port}` })).status).toBe(200);
  });

  it("refuses to bind anything but loopback", async () => {
    await expect(startBrowserConsole({ port: 0, host: "0.0.0.0", serverUrl: apiUrl, rendererDir, dataDir })).rejects.toThrow(
      /loopback/,
    );
  });

  it("refuses a malformed server URL before binding", async () => {
    await expect(startBrowserConsole({ port: 0, serverUrl: "ftp://x", rendererDir, dataDir })).rejects.toThrow(/http or https/);
  });
});
