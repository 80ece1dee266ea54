// The data layer: Prisma client factory and generated types, the migrator, the embedded
// PostgreSQL launcher and the demo seed. Test helpers are a separate entry point
// (@orderdeck/db/testing) so that production code never loads vitest.

export { createPrismaClient, directSqlOf, writeTicksWhole, type PrismaClientOptions, type SentStatement } from "./client.ts";
// PrismaClient, the Prisma namespace, every model type (Job, Site, …) and every enum (JobStatus, …).
export * from "./generated/prisma/client.ts";
export * from "./embedded.ts";
export * from "./migrate.ts";
export * from "./seed/index.ts";
export { actForSite, inSite, plannedPerCall, queryDirect, readInSite, snapshotInSite, writeInSite, type SiteScopeOptions, type SiteStatements, type SqlRow } from "./site-scope.ts";

import type { Prisma } from "./generated/prisma/client.ts";
/** The client handed to `prisma.$transaction(async (tx) => …)`. */
export type TransactionClient = Prisma.TransactionClient;
