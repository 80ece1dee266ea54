import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../embedded.ts";
import { applyMigrations } from "../migrate.ts";
import { TEMPLATE_DATABASE } from "./template.ts";

/**
 * Starts one embedded PostgreSQL cluster for the whole test run and migrates a template
 * database once; each test file then clones the template (milliseconds) instead of migrating.
 * A run pointed at an existing server with ORDERDECK_TEST_ADMIN_URL uses that instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.ORDERDECK_TEST_ADMIN_URL;
  const dataDir = external ? undefined : await mkdtemp(path.join(tmpdir(), "orderdeck-test-pg-"));
  const cluster = dataDir ? await startEmbeddedPostgres({ dataDir, ephemeral: true }) : undefined;
  const adminUrl = external ?? cluster!.adminUrl;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  await applyMigrations(templateUrl.toString());

  project.provide("pgAdminUrl", adminUrl);
  return async () => {
    await cluster?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
