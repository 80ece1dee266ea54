// Browser mode's links to localRouter: calls made together share a request, except that those
// answered by the server travel apart, so an answer from the console's own copy never waits for one.
import type { AddressInfo } from "node:net";
import { createTRPCClient, type TRPCLink } from "@trpc/client";
import { initTRPC } from "@trpc/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { afterEach, describe, expect, it } from "vitest";
import { browserModeLinks, waitsOnServer } from "../src/renderer/src/browser-links.ts";
import { LOCAL_REQUEST_HEADER } from "../src/shared/transport.ts";

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A stand-in localRouter: the board's page answers at once, the live call waits until released; every request's paths are kept. */
async function standIn() {
  const t = initTRPC.create();
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const router = t.router({
    queue: t.router({ list: t.procedure.query(() => ({ items: [] as string[], nextCursor: null })) }),
    notices: t.router({ list: t.procedure.query(() => [] as string[]) }),
    online: t.router({ forecast: t.router({ capacity: t.procedure.query(async () => (await held, { days: [] as string[] })) }) }),
  });
  const requests: Array<{ paths: string; header: string | undefined }> = [];
  const server = createHTTPServer({ router, basePath: "/local/trpc/" });
  server.prependListener("request", (req) => {
    const header = req.headers[LOCAL_REQUEST_HEADER];
    requests.push({ paths: new URL(req.url ?? "/", "http://x").pathname.replace("/local/trpc/", ""), header: typeof header === "string" ? header : undefined });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local/trpc`;
  // The links are typed for localRouter; the stand-in has the same paths for what it answers.
  const links = browserModeLinks(url) as unknown as TRPCLink<typeof router>[];
  return { client: createTRPCClient<typeof router>({ links }), requests, release };
}

describe("browser mode's links", () => {
  it("answer the console's own copy while a call to the server is still waiting", async () => {
    const { client, requests, release } = await standIn();
    const forecast = client.online.forecast.capacity.query();
    const page = client.queue.list.query();
    const notices = client.notices.list.query();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the local answers waited for the server's")), 2_000));
    expect(await Promise.race([Promise.all([page, notices]), timeout])).toEqual([{ items: [], nextCursor: null }, []]);
    release();
    expect(await forecast).toEqual({ days: [] });
    // Still batched among themselves, and every request says it is the console's own.
    expect(requests.map((r) => r.paths).sort()).toEqual(["online.forecast.capacity", "queue.list,notices.list"]);
    expect(requests.every((r) => r.header === "1")).toBe(true);
  });

  it("know which procedures the server answers", () => {
    expect(["online.views.list", "status", "queue.timeline", "exports.jobsCsv"].every(waitsOnServer)).toBe(true);
    expect(["queue.list", "queue.get", "setup.state", "notices.list", "sync.state", "pickup.lookup"].some(waitsOnServer)).toBe(false);
  });
});
