// sync.events over real HTTP (Fastify, SSE): a stream outlives nothing that allowed it. When its
// session is revoked, the console's stream ends with an answer the console reads as "signed out"
// (401), not as a network failure, and it ends without any other call of the console.
import { createServerClient, type ServerCallError, type ServerClient } from "@orderdeck/console-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiStackForFile, createSiteSetup, PASSWORD } from "./console-helpers.ts";

const stack = apiStackForFile();

/** A client enrolled at a new station of the site and signed in as its STAFF user. */
async function signedInClient(name: string): Promise<{ client: ServerClient; sessionToken: string }> {
  const setup = await createSiteSetup(stack.db, name);
  const credentials = { sessionToken: null as string | null, stationToken: null as string | null };
  const client = createServerClient({ url: stack.api.url, credentials: () => credentials });
  const enrolled = await client.mutation("stations.enroll", { code: await setup.enrollmentCode() }, z.object({ stationToken: z.string() }));
  credentials.stationToken = enrolled.stationToken;
  const signedIn = await client.mutation("auth.login", { email: setup.users.STAFF.email, password: PASSWORD }, z.object({ token: z.string() }));
  credentials.sessionToken = signedIn.token;
  return { client, sessionToken: signedIn.token };
}

describe("sync.events over HTTP", () => {
  it("ends the stream of a session revoked elsewhere with a 401 the console reads as signed out", { timeout: 30_000 }, async () => {
    const { client } = await signedInClient("Stream Works");
    let pokes = 0;
    const ended = new Promise<ServerCallError>((resolve) => {
      const stop = client.subscribe("sync.events", {
        onData: () => {
          pokes++;
        },
        onError: (error) => {
          stop();
          resolve(error);
        },
      });
    });
    // The first poke comes at once: the stream is open.
    await expect.poll(() => pokes, { timeout: 10_000 }).toBeGreaterThan(0);
    // An admin ends every session of the user elsewhere (as a password reset or disabling does).
    await stack.db.pool.query("UPDATE sessions SET revoked_at = now() WHERE revoked_at IS NULL");
    const error = await ended;
    expect(error.kind).toBe("signed-out");
    expect(error.httpStatus).toBe(401);
    expect(error.message).toMatch(/^Sign in again/);
  });
});
