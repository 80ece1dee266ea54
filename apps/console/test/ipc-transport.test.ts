import { createTRPCClient, TRPCClientError } from "@trpc/client";
import { initTRPC, type AnyTRPCRouter, type TRPCError } from "@trpc/server";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalRouter, type LocalRouter } from "@orderdeck/console-core";
import { serveRouterOverIpc, type IpcService } from "../src/main/ipc.ts";
import { runLocalRequest } from "../src/main/ipc-procedure.ts";
import { ipcLink } from "../src/renderer/src/ipc-link.ts";
import { FakeIpcMain, FakeWebContents } from "./fake-electron-ipc.ts";

const APP_URL = "app://console/index.html";
const services: IpcService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.close();
});

// The main-side handler, the preload bridge and the renderer-side link, joined by a stand-in for
// Electron's IPC (structured clone both ways, asynchronous delivery, sender frame URL).
function bridgeTo(router: AnyTRPCRouter, onError?: (error: TRPCError) => void, url = APP_URL) {
  const ipcMain = new FakeIpcMain();
  services.push(serveRouterOverIpc(router, { ipcMain, isTrustedSender: (event) => event.senderFrame?.url === APP_URL, onError }));
  return new FakeWebContents(ipcMain, url).page.bridge;
}

const readyFetch: typeof fetch = async () =>
  new Response(JSON.stringify({ ready: true, version: "9.9.9", checks: [{ name: "database", ok: true }] }), {
    status: 200,
  });

describe("localRouter over the IPC transport", () => {
  it("answers status through a typed tRPC client", async () => {
    const router = createLocalRouter({ serverUrl: "http://127.0.0.1:4000", fetch: readyFetch });
    const client = createTRPCClient<LocalRouter>({ links: [ipcLink(bridgeTo(router))] });

    const { server } = await client.status.query();

    expect(server).toMatchObject({ reachable: true, ready: true, version: "9.9.9" });
    expect(server.checks).toEqual([{ name: "database", ok: true }]);
  });

  it("refuses a request from a frame that is not the console's page", async () => {
    const router = createLocalRouter({ serverUrl: "http://127.0.0.1:4000", fetch: readyFetch });
    const client = createTRPCClient<LocalRouter>({ links: [ipcLink(bridgeTo(router, undefined, "https://evil.example/"))] });

    const error = await client.status.query().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<LocalRouter>).message).toBe("Untrusted sender");
  });

  it("says what is wrong with input the local router refuses, in words the screen can show", async () => {
    const router = createLocalRouter({ serverUrl: "http://127.0.0.1:4000", fetch: readyFetch });
    const client = createTRPCClient<LocalRouter>({ links: [ipcLink(bridgeTo(router))] });

    const error = await client.setup.setServerUrl.mutate({ url: "" }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<LocalRouter>).data?.code).toBe("BAD_REQUEST");
    expect((error as TRPCClientError<LocalRouter>).message).toMatch(/^Check the input — url: .+\.$/);
  });

  it("turns an unknown procedure into a NOT_FOUND TRPCClientError", async () => {
    const router = createLocalRouter({ serverUrl: "http://127.0.0.1:4000", fetch: readyFetch });
    const response = await runLocalRequest(router, { type: "query", path: "nope", input: undefined });

    expect(response).toMatchObject({ error: { data: { code: "NOT_FOUND" } } });
  });

  it("rejects a malformed request without running anything", async () => {
    const router = createLocalRouter({ serverUrl: "http://127.0.0.1:4000", fetch: readyFetch });
    for (const raw of [null, "status", { type: "subscription", path: "status" }, { type: "query", path: "" }]) {
      expect(await runLocalRequest(router, raw)).toMatchObject({ error: { data: { code: "BAD_REQUEST" } } });
    }
  });

  it("reports a throwing procedure as INTERNAL_SERVER_ERROR and tells the host", async () => {
    const t = initTRPC.create({ isServer: true });
    const router = t.router({
      boom: t.procedure.query(() => {
        throw new Error("disk on fire");
      }),
      echo: t.procedure.mutation(({ input }) => ({ got: input, at: new Date(0) })),
    });
    const seen: TRPCError[] = [];
    const client = createTRPCClient<typeof router>({ links: [ipcLink(bridgeTo(router, (e) => seen.push(e)))] });

    const error = await client.boom.query().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<typeof router>).data?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(seen.map((e) => e.cause?.message)).toEqual(["disk on fire"]);

    // Data crosses as JSON, as it would over HTTP in browser mode: a Date arrives as its ISO string.
    expect(await client.echo.mutate()).toEqual({ at: "1970-01-01T00:00:00.000Z" });
  });
});
