import { Prisma, type TransactionClient } from "@orderdeck/db";

// Customers are matched within the site by their address, case-insensitively: the intake's
// chunks and the CSV import both find them here.

export interface CustomerRow {
  id: string;
  /** The address lower-cased: the key the customer is matched by. */
  email: string;
  name: string;
  phone: string | null;
}

/**
 * The site's customers with these lower-cased addresses, newest first (a caller keeping the last
 * per address keeps the oldest). Compared on email_key, not lower(email): under row-level security
 * only a leakproof comparison can probe the index (migration customers_email_key).
 */
export function customersByEmailStatement(siteId: string, emails: readonly string[]): Prisma.Sql {
  return Prisma.sql`
    SELECT id::text AS id, email_key AS email, name, phone FROM customers
     WHERE site_id = ${siteId}::uuid AND email_key = ANY(${emails}::text[])
     ORDER BY created_at DESC, id DESC`;
}

export function customersByEmail(tx: TransactionClient, siteId: string, emails: readonly string[]): Promise<CustomerRow[]> {
  return tx.$queryRaw<CustomerRow[]>(customersByEmailStatement(siteId, emails));
}
