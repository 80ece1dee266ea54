export { appRouter, type AppRouter } from "./root.ts";
export { createCallerFactory } from "./trpc.ts";
export type { Context, ServerDependencies } from "./context.ts";
export { createMetrics, type Metrics } from "./observability/metrics.ts";
export { procedureLabel, UNKNOWN_PROCEDURE } from "./observability/procedure-names.ts";
export { hashPassword, verifyPassword } from "./auth/passwords.ts";
export { newToken, hashToken } from "./auth/tokens.ts";
export { DEFAULT_SESSION_MAX_AGE_MS, type Principal, type SessionPolicy } from "./auth/principal.ts";
export type { Credentials } from "./context.ts";
export {
  createRateLimitPool,
  createRateLimits,
  DEFAULT_RATE_LIMIT_POLICY,
  type RateLimitPolicy,
  type RateLimitRule,
  type RateLimits,
  type RateLimitStore,
} from "./rate-limits/limits.ts";
export { startWorker, type RunningWorker, type WorkerSettings } from "./background/runner.ts";
export { defineTask, type TaskDefinition, type WorkerDependencies } from "./background/task.ts";
export { SERVER_RETENTION_DEFAULTS, type ServerRetention } from "./retention/service.ts";
export { createFirstSite, refuseWhenSetUp, type FirstSite } from "./site/first-site.ts";
export type { RetryPolicy } from "./background/retry.ts";
export { DEFAULT_OPERATIONS_POLICY, type OperationsPolicy } from "./operations/policy.ts";
export { createMailSender, type MailSender, type SmtpSettings } from "./mail/transport.ts";
export { signPayload, verifySignature } from "./webhooks/signature.ts";
export {
  createSiteChangeListener,
  SITE_CHANGES_CHANNEL,
  type SiteChangeFeed,
  type SiteChangeListener,
  type SiteChangeListenerOptions,
} from "./sync/events.ts";
export { createSyncStreams, DEFAULT_SYNC_STREAM_POLICY, type SyncStreamPolicy, type SyncStreams } from "./sync/streams.ts";
export { authorize, type Requirement } from "./auth/authorize.ts";
export type { MetricsOptions } from "./observability/metrics.ts";
// Intake: the sync's task handlers and schedule (for the worker), its status (for /readyz and
// /metrics), the CSV export (an HTTP route) and what a process gives the intake.
export {
  runIncrementalSync,
  runFullReconciliation,
  DEFAULT_INTAKE_SETTINGS,
  type IntakeDependencies,
  type IntakeEnvironment,
  type IntakeSettings,
  type SyncOutcome,
  type SyncTarget,
} from "./intake/sync-run.ts";
export { poolConnection, type LockConnection, type WithConnection } from "./intake/source-lock.ts";
export { DEFAULT_INTAKE_SCHEDULE, enabledSources, intakeJobKey, type IntakeSchedule } from "./intake/tasks.ts";
export { readIntakeStatus, lagSecondsOf, type IntakeSourceStatus, type StatusQueryable } from "./intake/status.ts";
export { exportJobsCsv } from "./intake/csv-export.ts";
export { answerStatusPage, missingStatusPage, type StatusPageAnswer, type StatusPageDependencies } from "./pickup/status-page.ts";
