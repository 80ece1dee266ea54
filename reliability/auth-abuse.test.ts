// Abuse of sign-in and of credentials through the real HTTP API with the production limits.
// packages/api/test/rate-limit.test.ts and auth.test.ts prove each limiter and token rule on an
// in-process caller with short test windows; this file adds what only shows end to end: a
// password spray spread across accounts and addresses behind a trusted proxy, the same spray
// with forged X-Forwarded-For headers at a server that trusts no proxy, and forged, expired and
// revoked session and station tokens refused at the HTTP boundary.
import { randomUUID } from "node:crypto";
import { DEFAULT_RATE_LIMIT_POLICY, hashToken, newToken } from "@orderdeck/api";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, startApiHere } from "./api-process.ts";
import { ApiClient, type ApiAnswer } from "./http-client.ts";
import { createShop, SHOP_PASSWORD, type Shop } from "./shop.ts";

const PER_ACCOUNT = DEFAULT_RATE_LIMIT_POLICY.loginPerEmail.points;
const PER_ADDRESS = DEFAULT_RATE_LIMIT_POLICY.loginPerIp.points;

let db: TestDatabase;
let secretKey: string;
let shop: Shop;
let other: Shop;
/** Behind a load balancer at 127.0.0.1, which names each client's address. */
let proxied: Awaited<ReturnType<typeof startApiHere>>;
/** Reached directly: X-Forwarded-For is the client's own claim and must not be believed. */
let direct: Awaited<ReturnType<typeof startApiHere>>;

beforeAll(async () => {
  db = await createTestDatabase();
  secretKey = newSecretKey();
  shop = await createShop(db.pool, secretKey, { name: "Sprayed", stations: 2, seats: Array.from({ length: 80 }, () => "STAFF" as const) });
  other = await createShop(db.pool, secretKey, { name: "Next door", stations: 1, seats: ["STAFF"] });
  proxied = await startApiHere(db.url, secretKey, { TRUST_PROXY: "127.0.0.1" });
  direct = await startApiHere(db.url, secretKey, { TRUST_PROXY: "false" });
});

afterAll(async () => {
  await proxied?.stop();
  await direct?.stop();
  await db?.drop();
});

const login = (url: string, email: string, password: string, from?: string) =>
  new ApiClient(url, from ? { "x-forwarded-for": from } : {}).mutate<{ token: string }>("auth.login", { email, password });

const codes = (answers: ApiAnswer[]) => answers.map((a) => a.status);

describe("password spraying", () => {
  it("locks each account tried from many addresses, though no address reaches its own limit", { timeout: 120_000 }, async () => {
    const accounts = shop.seats.slice(0, 6);
    const attempts = PER_ACCOUNT + 2;
    // Address k tries every account once per round: 6 attempts per address, far below its limit.
    const answers = await Promise.all(
      accounts.map(async (seat) => {
        const mine: ApiAnswer[] = [];
        for (let k = 0; k < attempts; k++) mine.push(await login(proxied.url, seat.email, `Summer2026-${k}`, `198.51.100.${k + 1}`));
        return mine;
      }),
    );
    for (const mine of answers) {
      expect(codes(mine)).toEqual([...Array(PER_ACCOUNT).fill(401), 429, 429]);
      expect(mine.at(-1)?.error?.details).toMatchObject({ limiter: "login_email" });
    }
    // Locked means locked: the right password from a fresh address is refused too...
    const owner = await login(proxied.url, accounts[0]?.email ?? "", SHOP_PASSWORD, "192.0.2.200");
    expect(owner.status).toBe(429);
    expect(owner.error?.message).toMatch(/Too many failed sign-ins; sign-in is locked for now\. Try again in \d+ seconds/);
    // ...while an account the spray never touched signs in from one of the spraying addresses.
    expect((await login(proxied.url, shop.seats[70]?.email ?? "", SHOP_PASSWORD, "198.51.100.1")).status).toBe(200);
    const lockouts = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.lockout' AND target LIKE 'user:%'`);
    expect(lockouts.rows[0]?.n).toBe(accounts.length);
  });

  it("locks an address that tries many accounts once each, and only that address", { timeout: 120_000 }, async () => {
    const from = "203.0.113.7";
    const sprayed = shop.seats.slice(6, 6 + PER_ADDRESS + 1);
    const answers: ApiAnswer[] = [];
    for (const seat of sprayed) answers.push(await login(proxied.url, seat.email, "Winter2026!", from));
    expect(codes(answers)).toEqual([...Array(PER_ADDRESS).fill(401), 429]);
    expect(answers.at(-1)?.error?.details).toMatchObject({ limiter: "login_ip" });
    // The address stays locked even for a right password; the account itself is not locked.
    expect((await login(proxied.url, shop.seats[71]?.email ?? "", SHOP_PASSWORD, from)).status).toBe(429);
    expect((await login(proxied.url, shop.seats[71]?.email ?? "", SHOP_PASSWORD, "203.0.113.8")).status).toBe(200);
  });

  it("does not let a client without a trusted proxy dodge the address limit with forged X-Forwarded-For", { timeout: 120_000 }, async () => {
    const sprayed = shop.seats.slice(6 + PER_ADDRESS + 1, 6 + 2 * PER_ADDRESS + 2);
    expect(sprayed).toHaveLength(PER_ADDRESS + 1);
    const answers: ApiAnswer[] = [];
    // A fresh claimed address every time: all of them are really 127.0.0.1.
    for (const [i, seat] of sprayed.entries()) answers.push(await login(direct.url, seat.email, "Autumn2026!", `100.64.${i}.1`));
    expect(codes(answers)).toEqual([...Array(PER_ADDRESS).fill(401), 429]);
    expect(answers.at(-1)?.error?.details).toMatchObject({ limiter: "login_ip" });
  });
});

describe("tokens refused at the HTTP boundary", () => {
  const me = (headers: Record<string, string>) => new ApiClient(proxied.url, headers).query<{ user: { id: string } }>("auth.me");

  async function insertSession(userId: string, stationId: string | null, token: string, options: { expired?: boolean; key?: string } = {}) {
    await db.pool.query(
      `INSERT INTO sessions (id, site_id, user_id, station_id, token_hash, created_at, expires_at)
       SELECT $1, site_id, id, $3, $4, now() - interval '2 hours', CASE WHEN $5 THEN now() - interval '1 minute' ELSE now() + interval '1 hour' END FROM users WHERE id = $2`,
      [randomUUID(), userId, stationId, hashToken(options.key ?? secretKey, token), options.expired ?? false],
    );
  }

  it("refuses expired, revoked, forged and tampered session tokens with 401 and no data", async () => {
    const seat = shop.seats[72];
    if (!seat) throw new Error("seat missing");
    const valid = await me(seat.headers);
    expect(valid.status).toBe(200);

    const expired = newToken();
    await insertSession(seat.userId, null, expired, { expired: true });
    // Minted with another server's secret: a token this server never issued.
    const foreign = newToken();
    await insertSession(seat.userId, null, foreign, { key: newSecretKey() });
    const signedIn = await login(proxied.url, seat.email, SHOP_PASSWORD, "192.0.2.77");
    expect(signedIn.status).toBe(200);
    const revoked = signedIn.data?.token ?? "";
    expect((await new ApiClient(proxied.url, { authorization: `Bearer ${revoked}` }).mutate("auth.logout")).status).toBe(200);
    const realToken = (seat.headers.authorization ?? "").slice("Bearer ".length);
    const tampered = `${realToken.slice(0, -1)}${realToken.endsWith("A") ? "B" : "A"}`;

    for (const [what, authorization] of [
      ["expired", `Bearer ${expired}`],
      ["revoked", `Bearer ${revoked}`],
      ["random", `Bearer ${newToken()}`],
      ["another server's", `Bearer ${foreign}`],
      ["tampered", `Bearer ${tampered}`],
      ["not a bearer", `Basic ${Buffer.from(`${seat.email}:${SHOP_PASSWORD}`).toString("base64")}`],
      ["empty", "Bearer "],
    ] as const) {
      const answer = await me({ authorization });
      expect(answer.status, what).toBe(401);
      expect(answer.data, what).toBeUndefined();
      expect(answer.error?.message, what).toMatch(/Sign in again/);
    }
    expect((await me(seat.headers)).status).toBe(200);
  });

  it("refuses a session presented with a forged, revoked or another shop's station token", async () => {
    const seat = shop.seats[73];
    const station = shop.stations[1];
    if (!seat || !station) throw new Error("fixture missing");
    const token = newToken();
    await insertSession(seat.userId, station.id, token);
    const at = (stationToken: string) => me({ authorization: `Bearer ${token}`, "x-station-token": stationToken });
    expect((await at(station.token)).status).toBe(200);
    expect((await at(newToken())).status).toBe(401);
    expect((await at("short")).status).toBe(401);
    expect((await at(other.stations[0]?.token ?? "")).status).toBe(401);
    await db.pool.query(`UPDATE stations SET revoked_at = now() WHERE id = $1`, [station.id]);
    expect((await at(station.token)).status).toBe(401);
    // And the session bound to that station is refused even without the header.
    expect((await me({ authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it("refuses a handover from a session that is not at an enrolled console", async () => {
    const seat = shop.seats[74];
    if (!seat) throw new Error("seat missing");
    const token = newToken();
    await insertSession(seat.userId, null, token);
    const answer = await new ApiClient(proxied.url, { authorization: `Bearer ${token}` }).mutate("pickup.confirm", {
      code: "2345678923",
      clientMutationId: randomUUID(),
      scannedAt: new Date().toISOString(),
    });
    expect(answer.status).toBe(403);
    expect(answer.error?.message).toMatch(/enrolled console station/);
  });
});
