// `npm run db:migrate`: applies pending migrations to DATABASE_DIRECT_URL, else DATABASE_URL. The
// migrator holds Prisma's session advisory lock from start to end: never through a transaction pooler.
import { applyMigrations } from "../migrate.ts";

const databaseUrl = process.env.DATABASE_DIRECT_URL || process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is not set: set it to the PostgreSQL database to migrate (npm start migrates its embedded database itself).");
  process.exit(2);
}
try {
  const applied = await applyMigrations(databaseUrl, { log: (m) => console.log(m) });
  console.log(applied.length ? `applied ${applied.length} migration(s)` : "database is up to date");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
