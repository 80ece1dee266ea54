import type { Prisma, PrismaClient } from "./generated/prisma/client.ts";

export interface SiteScopeOptions {
  isolationLevel?: Prisma.TransactionIsolationLevel;
  /** Longest the transaction may run (ms). */
  timeout?: number;
}

/**
 * Runs `work` in one transaction acting for `siteId`: the transaction switches to the
 * unprivileged `orderdeck_app` role, whose row-level security policies hide every other site's
 * rows. Services still filter by site in every query; this is the wall behind that filter.
 */
export async function inSite<T>(
  prisma: PrismaClient,
  siteId: string,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
  options: SiteScopeOptions = {},
): Promise<T> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT set_config('app.site_id', ${siteId}, true), set_config('role', 'orderdeck_app', true)`;
      return work(tx);
    },
    { maxWait: 5_000, timeout: options.timeout ?? 15_000, isolationLevel: options.isolationLevel },
  );
}
