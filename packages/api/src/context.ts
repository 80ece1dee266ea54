import type { PrismaClient } from "@orderdeck/db";
import type { Logger } from "@orderdeck/logging";
import type { Principal, SessionPolicy } from "./auth/principal.ts";
import type { OperationsPolicy } from "./operations/policy.ts";
import type { IntakeEnvironment } from "./intake/sync-run.ts";
import type { Metrics } from "./observability/metrics.ts";
import type { RateLimits } from "./rate-limits/limits.ts";
import type { SiteChangeFeed } from "./sync/events.ts";
import type { SyncStreams } from "./sync/streams.ts";

/** What every service call may use; built once per process and shared by all requests. */
export interface ServerDependencies {
  prisma: PrismaClient;
  logger: Logger;
  metrics: Metrics;
  version: string;
  sessions: SessionPolicy;
  /** Login, enrollment and scan limits counted in Postgres and shared by every instance; the per-session budget in memory. */
  rateLimits: RateLimits;
  /** When the operations view calls a worker gone or a job stuck (defaults: DEFAULT_OPERATIONS_POLICY). */
  background?: Partial<OperationsPolicy>;
  /** Pokes for sync.events: the process's one LISTEN connection, fanned out per site. */
  siteChanges: SiteChangeFeed;
  /** The process's open sync.events streams, capped per session (default: one registry per process). */
  syncStreams?: SyncStreams;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS, for the endpoints an admin saves (default: public addresses only). */
  webhookDestinations?: { allowPrivateNetworks: boolean };
  /** The storefront feed's connection for its advisory lock, HTTP client and settings. */
  intake: IntakeEnvironment;
  /** PUBLIC_BASE_URL: where customers reach the status page (absent: the answers carry no address). */
  statusPage?: { publicBaseUrl: string | undefined };
  /**
   * The clock of what depends on the shift running now (handoff periods, when a change of shifts
   * applies); default: the system clock. Tests set it to days around a daylight-saving change.
   */
  now?: () => Date;
}

/** The caller's credentials as sent, before they are checked. */
export interface Credentials {
  authorization: string | undefined;
  stationToken: string | undefined;
}

/** Per-request context: the process's dependencies plus who is asking. */
export interface Context extends ServerDependencies {
  requestId: string;
  ip: string;
  userAgent: string | undefined;
  credentials: Credentials;
}

export interface AuthedContext extends Context {
  principal: Principal;
}
