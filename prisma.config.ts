import { defineConfig } from "prisma/config";

// `prisma generate` reads only the schema, so DATABASE_URL may be unset here (fresh clones run
// generate from postinstall). `env()` from prisma/config would throw in that case, hence
// process.env. Migrations are applied by our own migrator (packages/db/src/migrate.ts); the
// folder keeps Prisma's layout so `prisma migrate deploy` can take over where the engine exists.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
  },
  datasource: {
    url: process.env.DATABASE_URL,
  },
});
