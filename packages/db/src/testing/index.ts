import { randomUUID } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient } from "../client.ts";
import { TEMPLATE_DATABASE } from "./template.ts";

export interface TestDatabase {
  /** Connection URL of this test file's own database. */
  url: string;
  /** Connection URL of the cluster's maintenance database (for tests that create more databases). */
  adminUrl: string;
  prisma: ReturnType<typeof createPrismaClient>;
  pool: pg.Pool;
  drop(): Promise<void>;
}

// Cloning needs the template free of other clones in progress; the lock serialises test files.
const CLONE_LOCK = 4_100_001;

/** A fresh, fully migrated database for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const name = `test_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock($1)", [CLONE_LOCK]);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.query("SELECT pg_advisory_unlock($1)", [CLONE_LOCK]).catch(() => undefined);
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const prisma = createPrismaClient(url.toString());
  const pool = new pg.Pool({ connectionString: url.toString(), max: 20 });
  return {
    url: url.toString(),
    adminUrl,
    prisma,
    pool,
    async drop() {
      await prisma.$disconnect();
      // A client pool.end() has asked to close may still be connected when the DROP … WITH (FORCE)
      // below ends its backend; that "terminating connection" is this drop's own doing, not a failure.
      pool.on("error", () => undefined);
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
