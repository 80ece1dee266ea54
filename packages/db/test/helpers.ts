import { generatePickupCode, isOpen, type Fulfilment, type JobStatus } from "@orderdeck/contracts";
import type pg from "pg";
import { expect } from "vitest";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.ts";

export interface JobRow {
  id: string;
  site_id: string;
  number: number;
  status: JobStatus;
  queue_position: number | null;
  version: number;
  updated_at: Date;
  /** bigint arrives as a string from pg. */
  change_seq: string;
}

export async function createSite(db: pg.Pool | pg.PoolClient, name = "Test site"): Promise<string> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO sites (id, name, timezone) VALUES (gen_random_uuid(), $1, 'Europe/Berlin') RETURNING id`,
    [name],
  );
  return (result.rows[0] as { id: string }).id;
}

// Positions only need to be distinct within a test database; one counter for all sites is simplest.
let nextPosition = 1_000;
export function freshPosition(): number {
  return nextPosition++;
}

export interface JobInput {
  status?: JobStatus;
  fulfilment?: Fulfilment;
  /** Default: a fresh position when the status is open, null otherwise. */
  queuePosition?: number | null;
  title?: string;
  priceCents?: number;
  currency?: string;
}

/** Inserts a job with raw SQL, as an import or a hand-run statement would. */
export async function insertJob(db: pg.Pool | pg.PoolClient, siteId: string, input: JobInput = {}): Promise<JobRow> {
  const status = input.status ?? "QUEUED";
  const position = input.queuePosition !== undefined ? input.queuePosition : isOpen(status) ? freshPosition() : null;
  const result = await db.query<JobRow>(
    `INSERT INTO jobs (id, site_id, title, status, queue_position, fulfilment, pickup_code, price_cents, currency)
     VALUES (gen_random_uuid(), $1, $2, $3::job_status, $4, $5::fulfilment, $6, $7, $8)
     RETURNING id, site_id, number, status, queue_position, version, updated_at, change_seq`,
    [
      siteId,
      input.title ?? "Test print",
      status,
      position,
      input.fulfilment ?? "PICKUP",
      generatePickupCode(),
      input.priceCents ?? 1500,
      input.currency ?? "EUR",
    ],
  );
  return result.rows[0] as JobRow;
}

interface PgErrorShape {
  code?: string;
  constraint?: string;
  message: string;
}

/** Awaits a statement that must be refused, and returns the error for further checks. */
export async function expectRefused(
  statement: Promise<unknown>,
  expected: { code: string; constraint?: string },
): Promise<PgErrorShape> {
  let error: PgErrorShape | undefined;
  try {
    await statement;
  } catch (e) {
    error = e as PgErrorShape;
  }
  expect(error, "the database accepted a statement it must refuse").toBeDefined();
  const refused = error as PgErrorShape;
  expect({ code: refused.code, constraint: refused.constraint }).toMatchObject(expected);
  return refused;
}

/** A test file's own database with one site in it (the file drops the database after its tests). */
export async function databaseWithSite(): Promise<{ db: TestDatabase; siteId: string }> {
  const db = await createTestDatabase();
  return { db, siteId: await createSite(db.pool) };
}
