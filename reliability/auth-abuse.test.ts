// Abuse of sign-in and of credentials through the real HTTP API with the production limits.
// packages/api/test/rate-limit.test.ts and auth.test.ts prove each limiter and token rule on an
// in-process caller with short test windows; this file adds what only shows end to end: a
// guesser at one address that cannot lock the account out elsewhere, a password spray spread
// across accounts and addresses behind a trusted proxy (it slows the accounts, never past the
// shop's consoles), the same spray with forged X-Forwarded-For headers at a server that trusts no
// proxy, and forged, expired and revoked session and station tokens refused at the HTTP boundary.
import { randomUUID } from "node:crypto";
import { DEFAULT_RATE_LIMIT_POLICY, hashToken, newToken } from "@orderdeck/api";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, startApiHere } from "./api-process.ts";
import { ApiClient, type ApiAnswer } from "./http-client.ts";
import { createShop, SHOP_PASSWORD, type Shop } from "./shop.ts";

const PER_ACCOUNT = DEFAULT_RATE_LIMIT_POLICY.loginPerEmail.points;
const PER_ACCOUNT_AT_ADDRESS = DEFAULT_RATE_LIMIT_POLICY.loginPerAccountAddress.points;
const PER_ADDRESS = DEFAULT_RATE_LIMIT_POLICY.loginPerIp.points;

let db: TestDatabase;
let secretKey: string;
let shop: Shop;
let other: Shop;
/** A site whose only admin is the one guessed at. */
let loneAdmin: Shop;
/** Behind a load balancer at 127.0.0.1, which names each client's address. */
let proxied: Awaited<ReturnType<typeof startApiHere>>;
/** Reached directly: X-Forwarded-For is the client's own claim and must not be believed. */
let direct: Awaited<ReturnType<typeof startApiHere>>;

beforeAll(async () => {
  db = await createTestDatabase();
  secretKey = newSecretKey();
  shop = await createShop(db.pool, secretKey, { name: "Sprayed", stations: 2, seats: Array.from({ length: 80 }, () => "STAFF" as const) });
  other = await createShop(db.pool, secretKey, { name: "Next door", stations: 1, seats: ["STAFF"] });
  loneAdmin = await createShop(db.pool, secretKey, { name: "One admin", stations: 1, seats: ["ADMIN"] });
  proxied = await startApiHere(db.url, secretKey, { TRUST_PROXY: "127.0.0.1" });
  direct = await startApiHere(db.url, secretKey, { TRUST_PROXY: "false" });
});

afterAll(async () => {
  await proxied?.stop();
  await direct?.stop();
  await db?.drop();
});

const login = (url: string, email: string, password: string, from?: string, stationToken?: string) =>
  new ApiClient(url, { ...(from ? { "x-forwarded-for": from } : {}), ...(stationToken ? { "x-station-token": stationToken } : {}) }).mutate<{ token: string }>(
    "auth.login",
    { email, password },
  );

const codes = (answers: ApiAnswer[]) => answers.map((a) => a.status);

describe("guessing one account from one address", () => {
  it("locks that address out of the account only: the last admin signs in from another address", { timeout: 120_000 }, async () => {
    const admin = loneAdmin.seats[0];
    if (!admin) throw new Error("seat missing");
    const attacker = "203.0.113.66";
    const answers: ApiAnswer[] = [];
    for (let i = 0; i < PER_ACCOUNT_AT_ADDRESS + 5; i++) answers.push(await login(proxied.url, admin.email, `Spring2026-${i}`, attacker));
    expect(codes(answers)).toEqual([...Array(PER_ACCOUNT_AT_ADDRESS).fill(401), ...Array(5).fill(429)]);
    expect(answers.at(-1)?.error?.details).toMatchObject({ limiter: "login_account_address" });
    expect(answers.at(-1)?.error?.message).toMatch(/from this address; sign-in from here is locked for now .*Try again in \d+ seconds/);
    // The right password from the attacker's address is refused too...
    expect((await login(proxied.url, admin.email, SHOP_PASSWORD, attacker)).status).toBe(429);
    // ...but the admin, from a fresh address, with or without the shop's console, gets in at once.
    expect((await login(proxied.url, admin.email, SHOP_PASSWORD, "192.0.2.150")).status).toBe(200);
    expect((await login(proxied.url, admin.email, SHOP_PASSWORD, "192.0.2.151", loneAdmin.stations[0]?.token)).status).toBe(200);
  });
});

describe("password spraying", () => {
  it("slows each account tried from many addresses for a minute, though no address reaches its own limit; the shop's consoles still sign in", { timeout: 180_000 }, async () => {
    const accounts = shop.seats.slice(0, 3);
    const attempts = PER_ACCOUNT + 2;
    // Address k tries every account once per round: 3 attempts per address, far below its limits.
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
      expect(mine.at(-1)?.error?.details?.retryAfterSeconds).toBeLessThanOrEqual(DEFAULT_RATE_LIMIT_POLICY.loginPerEmail.blockSeconds);
    }
    // Slowed: the right password from a fresh address waits out the short block...
    const owner = await login(proxied.url, accounts[0]?.email ?? "", SHOP_PASSWORD, "192.0.2.200");
    expect(owner.status).toBe(429);
    expect(owner.error?.message).toMatch(/from many addresses, so its sign-ins are slowed down \(not at an enrolled console\)\. Try again in \d+ seconds/);
    // ...unless it comes from one of the shop's enrolled consoles, a secret no sprayer holds.
    expect((await login(proxied.url, accounts[0]?.email ?? "", SHOP_PASSWORD, "192.0.2.201", shop.stations[0]?.token)).status).toBe(200);
    // An account the spray never touched signs in from one of the spraying addresses.
    expect((await login(proxied.url, shop.seats[70]?.email ?? "", SHOP_PASSWORD, "198.51.100.1")).status).toBe(200);
    const lockouts = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.lockout' AND target LIKE 'user:%' AND details->>'limiter' = 'loginPerEmail'`,
    );
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
