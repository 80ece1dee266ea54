import { createHash } from "node:crypto";
import { DomainError } from "@orderdeck/contracts";
import { writeTicksWhole } from "@orderdeck/db";
import type { Logger } from "@orderdeck/logging";
import pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Metrics } from "../observability/metrics.ts";

/** One limiter's budget: `points` per `durationSeconds`; when spent, the key is locked for `blockSeconds`. */
export interface RateLimitRule {
  points: number;
  durationSeconds: number;
  /** 0: no lock beyond the end of the window. */
  blockSeconds: number;
}

export interface RateLimitPolicy {
  /** Failed sign-ins from one address, whatever the account. */
  loginPerIp: RateLimitRule;
  /** Failed sign-ins to one account from one address: the lock a guesser at one address runs into. */
  loginPerAccountAddress: RateLimitRule;
  /**
   * Failed sign-ins to one account from anywhere (guessing spread over many addresses). It slows
   * the account down (a short block) rather than locking it: many addresses must not be able to
   * lock a person out for long, and a sign-in at an enrolled console does not count against it.
   */
  loginPerEmail: RateLimitRule;
  /** Refused station enrollment attempts from one address (a good code gives its point back). */
  enrollPerIp: RateLimitRule;
  /**
   * Every authenticated call of one session, counted in each API process's memory: it stops a
   * runaway loop, not a guesser (a session token cannot be guessed), so it needs no shared store,
   * and a read stays a read. Behind N API processes a session may make up to N times the budget.
   */
  sessionBudget: RateLimitRule;
  /** Pickup scans (lookups and confirmations) by one account, from any station. */
  scanPerUser: RateLimitRule;
  /** Pickup scans from one address, whoever is signed in. */
  scanPerIp: RateLimitRule;
  /** Customers' status pages opened from one address (no sign-in: the address is all there is to count). */
  statusPagePerIp: RateLimitRule;
}

export type LimiterName = keyof RateLimitPolicy;

export const DEFAULT_RATE_LIMIT_POLICY: RateLimitPolicy = {
  // The per-address limit is looser than the per-account-and-address one: a shop's consoles usually
  // share one public address, and a few typos on each must not lock the whole floor out. Across
  // addresses an account is only slowed: a minute's block after 50 failures within 15 minutes.
  loginPerIp: { points: 30, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  loginPerAccountAddress: { points: 10, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  loginPerEmail: { points: 50, durationSeconds: 15 * 60, blockSeconds: 60 },
  enrollPerIp: { points: 10, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  // Ten calls a second, sustained, is far beyond a person at a console and well below a runaway loop.
  sessionBudget: { points: 600, durationSeconds: 60, blockSeconds: 0 },
  // A busy counter scans a few codes a minute; two a second for a minute is a code-guessing
  // loop, and pickup codes must not be enumerable.
  scanPerUser: { points: 120, durationSeconds: 60, blockSeconds: 5 * 60 },
  scanPerIp: { points: 600, durationSeconds: 60, blockSeconds: 5 * 60 },
  // A customer opens the page a few times; a phone network's shared address carries many
  // customers, so the budget is a minute's worth of generous reloading, and its block is short.
  statusPagePerIp: { points: 60, durationSeconds: 60, blockSeconds: 2 * 60 },
};

/**
 * What the limiter needs of its store: node-postgres's `Pool` (or `Client`) fits. Typed by shape
 * so the API does not depend on a particular pg build.
 */
export interface RateLimitStore {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<unknown>;
}

/**
 * The limiters' own pool. Its queries are tiny and time-boxed, so a stuck store refuses quickly
 * (sign-ins and scans fail closed) instead of holding requests open. Its commits do not wait for
 * the disk (synchronous_commit off): every authenticated call spends from a budget, and waiting
 * for a flush would add one to every read. A crash of PostgreSQL itself can forget the last
 * fraction of a second of counts; it never lets a call through while the store is unreachable.
 * Both settings are startup parameters of the session, and the limiter names its statements
 * (prepared once per connection): give it a direct connection (DATABASE_DIRECT_URL), not a
 * transaction pooler, which would refuse the parameters and lose the statements between calls.
 */
export function createRateLimitPool(connectionString: string, onConnectionLost: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: 2_000,
    statement_timeout: 2_000,
    options: "-c synchronous_commit=off",
  });
  pool.on("error", onConnectionLost);
  writeTicksWhole(pool);
  return pool;
}

/**
 * The process's limiters. Those that guard against guessing (sign-in, enrollment, scans) count in
 * the `rate_limits` table shared by every instance; the session budget counts in memory.
 */
export interface RateLimits {
  policy: RateLimitPolicy;
  limiters: Record<LimiterName, RateLimiterAbstract>;
  /** The limiters' store, for forgetting an account's sign-in failures at every address at once. */
  store: RateLimitStore;
}

const KEY_PREFIX: Record<LimiterName, string> = {
  loginPerIp: "login-ip",
  loginPerAccountAddress: "login-pair",
  loginPerEmail: "login-email",
  enrollPerIp: "enroll-ip",
  sessionBudget: "session",
  scanPerUser: "scan-user",
  scanPerIp: "scan-ip",
  statusPagePerIp: "status-ip",
};

const METRIC_LABEL: Record<LimiterName, string> = {
  loginPerIp: "login_ip",
  loginPerAccountAddress: "login_account_address",
  loginPerEmail: "login_email",
  enrollPerIp: "enroll_ip",
  sessionBudget: "session",
  scanPerUser: "scan_user",
  scanPerIp: "scan_ip",
  statusPagePerIp: "status_page_ip",
};

export function createRateLimits(store: RateLimitStore, policy: Partial<RateLimitPolicy> = {}): RateLimits {
  const full: RateLimitPolicy = { ...DEFAULT_RATE_LIMIT_POLICY, ...policy };
  const build = (name: LimiterName): RateLimiterPostgres =>
    new RateLimiterPostgres({
      storeClient: store,
      // Named, so the library never guesses the client type from a constructor name.
      storeType: "pool",
      // The table comes from the migrations; the limiter must not try to create it.
      tableCreated: true,
      tableName: "rate_limits",
      keyPrefix: KEY_PREFIX[name],
      points: full[name].points,
      duration: full[name].durationSeconds,
      blockDuration: full[name].blockSeconds,
      // Deliberately no insuranceLimiter and no in-memory blocking: a store that cannot be
      // reached must refuse (fail closed), never fall back to a per-process count.
    });
  return {
    policy: full,
    store,
    limiters: {
      loginPerIp: build("loginPerIp"),
      loginPerAccountAddress: build("loginPerAccountAddress"),
      loginPerEmail: build("loginPerEmail"),
      enrollPerIp: build("enrollPerIp"),
      sessionBudget: new RateLimiterMemory({
        keyPrefix: KEY_PREFIX.sessionBudget,
        points: full.sessionBudget.points,
        duration: full.sessionBudget.durationSeconds,
        blockDuration: full.sessionBudget.blockSeconds,
      }),
      scanPerUser: build("scanPerUser"),
      scanPerIp: build("scanPerIp"),
      statusPagePerIp: build("statusPagePerIp"),
    },
  };
}

/**
 * The key a value is counted under. Hashed, so that an email address (up to 254 characters)
 * fits the table's 255-character key with its prefix and is not kept in clear beside the count.
 */
export function limiterKey(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

export interface LimiterDeps {
  rateLimits: RateLimits;
  metrics: Metrics;
  logger: Logger;
}

/** How much is left after an allowed call. */
export interface Spent {
  remainingPoints: number;
}

export function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

export function rateLimitedError(name: LimiterName, res: RateLimiterRes, what: string): DomainError {
  const seconds = retryAfterSeconds(res);
  // Seconds, as the details carry them; minutes as well once that is easier to read.
  const minutes = seconds >= 120 ? ` (about ${Math.ceil(seconds / 60)} minutes)` : "";
  return new DomainError("RATE_LIMITED", `${what} Try again in ${seconds} seconds${minutes}.`, {
    limiter: METRIC_LABEL[name],
    retryAfterSeconds: seconds,
  });
}

function storeUnavailable(deps: LimiterDeps, name: LimiterName, error: unknown): DomainError {
  deps.metrics.rateLimitRejections.inc({ limiter: METRIC_LABEL[name] });
  deps.logger.error("rate limiter store failed; refusing the call", {
    limiter: METRIC_LABEL[name],
    error: error instanceof Error ? error.message : String(error),
  });
  return new DomainError(
    "SERVICE_UNAVAILABLE",
    "The attempt counter cannot be reached right now, so this is refused for safety. Try again in a minute.",
    { limiter: METRIC_LABEL[name] },
  );
}

/**
 * Counts one call against `name` for `key`. Over the limit: RATE_LIMITED with the seconds to
 * wait. Store unreachable or failing: SERVICE_UNAVAILABLE (fail closed).
 */
export async function spend(deps: LimiterDeps, name: LimiterName, key: string, what: string): Promise<Spent> {
  try {
    const res = await deps.rateLimits.limiters[name].consume(key);
    return { remainingPoints: res.remainingPoints };
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      deps.metrics.rateLimitRejections.inc({ limiter: METRIC_LABEL[name] });
      throw rateLimitedError(name, error, what);
    }
    throw storeUnavailable(deps, name, error);
  }
}

/**
 * Locks `key` for the rule's block time starting now (the budget was just used up), and answers
 * the seconds the lock lasts. Best effort: if the store fails here, the spent budget still
 * refuses the next call.
 */
export async function lock(deps: LimiterDeps, name: LimiterName, key: string): Promise<number> {
  const rule = deps.rateLimits.policy[name];
  if (rule.blockSeconds <= 0) return rule.durationSeconds;
  try {
    await deps.rateLimits.limiters[name].block(key, rule.blockSeconds);
  } catch (error) {
    deps.logger.warn("could not lock a rate-limit key; the spent budget still refuses", {
      limiter: METRIC_LABEL[name],
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return rule.blockSeconds;
}

/** Gives back a point spent by a call that turned out fine (best effort). */
export async function refund(deps: LimiterDeps, name: LimiterName, key: string): Promise<void> {
  try {
    await deps.rateLimits.limiters[name].reward(key, 1);
  } catch (error) {
    deps.logger.warn("could not refund a rate-limit point", {
      limiter: METRIC_LABEL[name],
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** Forgets a key's count (best effort). */
export async function reset(deps: LimiterDeps, name: LimiterName, key: string): Promise<void> {
  try {
    await deps.rateLimits.limiters[name].delete(key);
  } catch (error) {
    deps.logger.warn("could not reset a rate-limit key", {
      limiter: METRIC_LABEL[name],
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * The key of one account at one address: the account's key first, so that the failures of every
 * address on the account can be forgotten together (forgetSignInFailures).
 */
export function accountAddressKey(email: string, ip: string): string {
  return `${limiterKey(email)}.${limiterKey(ip)}`;
}

/** Lifts every sign-in lock and count on an account, at every address (its password was reset); best effort. */
export async function forgetSignInFailures(deps: LimiterDeps, email: string): Promise<void> {
  const account = limiterKey(email);
  try {
    await deps.rateLimits.store.query({
      text: "DELETE FROM rate_limits WHERE key = $1 OR starts_with(key, $2)",
      values: [`${KEY_PREFIX.loginPerEmail}:${account}`, `${KEY_PREFIX.loginPerAccountAddress}:${account}.`],
    });
  } catch (error) {
    deps.logger.warn("could not lift the sign-in locks of an account", { error: error instanceof Error ? error.message : String(error) });
  }
}

/** The general budget of one session, spent by every authenticated call. */
export function spendSessionBudget(deps: LimiterDeps, sessionId: string): Promise<Spent> {
  return spend(deps, "sessionBudget", sessionId, "Too many requests from this session.");
}

/**
 * Both scan budgets in one statement (one round trip on every scan): the account's point first,
 * and the address's only when the account was within its budget, so an account over its budget
 * spends nothing of its address's. The rows are the limiter library's own (`rate_limits`: key,
 * points, expire in epoch ms), written the way its upsert writes them, so its block, reward and
 * delete work on them as on any other key.
 */
// $7: the scan before handed its job over, and its point comes back first, as in REFUND_SCAN.
const SPEND_SCAN = `
  WITH account AS (
    INSERT INTO rate_limits AS r VALUES ($1, 1, $3)
      ON CONFLICT (key) DO UPDATE SET
        points = CASE WHEN r.expire <= $6 THEN 1 ELSE r.points + 1 - (CASE WHEN $7 AND r.points > 0 AND r.points <= $5 THEN 1 ELSE 0 END) END,
        expire = CASE WHEN r.expire <= $6 THEN $3 ELSE r.expire END
      RETURNING points, expire
  ), address AS (
    INSERT INTO rate_limits AS r SELECT $2, 1, $4 FROM account WHERE account.points <= $5
      ON CONFLICT (key) DO UPDATE SET
        points = CASE WHEN r.expire <= $6 THEN 1 ELSE r.points + 1 - (CASE WHEN $7 AND r.points > 0 AND r.points <= $8 THEN 1 ELSE 0 END) END,
        expire = CASE WHEN r.expire <= $6 THEN $4 ELSE r.expire END
      RETURNING points, expire
  )
  SELECT account.points AS account_points, account.expire AS account_expire,
         address.points AS address_points, address.expire AS address_expire
    FROM account LEFT JOIN address ON true`;

interface ScanSpendRow {
  account_points: number;
  account_expire: string | null;
  address_points: number | null;
  address_expire: string | null;
}

/** Refuses when a budget was overspent, locking the key on the call that first went over (as the library does). */
async function refuseIfOver(deps: LimiterDeps, name: "scanPerUser" | "scanPerIp", key: string, points: number, expire: string | null, what: string): Promise<void> {
  const rule = deps.rateLimits.policy[name];
  if (points <= rule.points) return;
  deps.metrics.rateLimitRejections.inc({ limiter: METRIC_LABEL[name] });
  const firstOver = points - 1 <= rule.points;
  const msBeforeNext = firstOver && rule.blockSeconds > 0 ? (await lock(deps, name, key)) * 1000 : Math.max(Number(expire ?? 0) - Date.now(), 0);
  throw rateLimitedError(name, new RateLimiterRes(0, msBeforeNext, points), what);
}

/** Every pickup scan counts against the account and the address it comes from (`givingBack`: see SPEND_SCAN). */
export async function spendScanBudget(deps: LimiterDeps, userId: string, ip: string, givingBack = false): Promise<void> {
  const { policy, store } = deps.rateLimits;
  const address = limiterKey(ip);
  const now = Date.now();
  let row: ScanSpendRow | undefined;
  try {
    const result = (await store.query({
      name: "orderdeck-spend-scan",
      text: SPEND_SCAN,
      values: [
        `${KEY_PREFIX.scanPerUser}:${userId}`,
        `${KEY_PREFIX.scanPerIp}:${address}`,
        now + policy.scanPerUser.durationSeconds * 1000,
        now + policy.scanPerIp.durationSeconds * 1000,
        policy.scanPerUser.points,
        now,
        givingBack,
        policy.scanPerIp.points,
      ],
    })) as { rows: ScanSpendRow[] };
    row = result.rows[0];
  } catch (error) {
    throw storeUnavailable(deps, "scanPerUser", error);
  }
  if (!row) throw storeUnavailable(deps, "scanPerUser", new Error("the scan budgets' statement answered no row"));
  await refuseIfOver(deps, "scanPerUser", userId, row.account_points, row.account_expire, "Too many pickup scans from this account.");
  if (row.address_points !== null) {
    await refuseIfOver(deps, "scanPerIp", address, row.address_points, row.address_expire, "Too many pickup scans from this address.");
  }
}

const REFUND_SCAN = `
  UPDATE rate_limits SET points = GREATEST(points - $6, 0)
   WHERE expire > $5 AND points > 0 AND ((key = $1 AND points <= $3) OR (key = $2 AND points <= $4))`;

/**
 * Gives back the points of `scans` scans that handed their jobs over (best effort). The budget bounds
 * guesses, and a guess that hands a job over needed a real code; without this, a console back
 * from a long outage would wait minutes to send the handovers its counter made. A key over its
 * budget (so locked) keeps its count: nothing gives a lock back.
 */
export async function refundScanBudget(deps: LimiterDeps, userId: string, ip: string, scans: number): Promise<void> {
  const { policy, store } = deps.rateLimits;
  try {
    await store.query({
      name: "orderdeck-refund-scan",
      text: REFUND_SCAN,
      values: [`${KEY_PREFIX.scanPerUser}:${userId}`, `${KEY_PREFIX.scanPerIp}:${limiterKey(ip)}`, policy.scanPerUser.points, policy.scanPerIp.points, Date.now(), scans],
    });
  } catch (error) {
    deps.logger.warn("could not refund a scan's points", { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Every status page request counts against the address it comes from. */
export async function spendStatusPageBudget(deps: LimiterDeps, ip: string): Promise<void> {
  await spend(deps, "statusPagePerIp", limiterKey(ip), "Too many pages from this address.");
}
