// Helpers shared by the access tests (auth, stations, users, rate limits).
import { DomainError } from "@orderdeck/contracts";
import { TRPCError } from "@trpc/server";
import { expect } from "vitest";
import type { ApiHarness } from "./harness.ts";

/** The tRPC error a call was refused with (fails the test if the call succeeded). */
export async function refusalOf(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return error as TRPCError;
  }
  throw new Error("expected the call to be refused, but it succeeded");
}

/** The details a DomainError carried (retry-after, limiter, …). */
export function detailsOf(error: TRPCError): Record<string, unknown> {
  return error.cause instanceof DomainError ? (error.cause.details ?? {}) : {};
}

export interface AuditRow {
  site_id: string | null;
  actor_user_id: string | null;
  actor_station_id: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  request_id: string | null;
}

export async function auditRows(harness: ApiHarness, action?: string): Promise<AuditRow[]> {
  const result = await harness.db.pool.query<AuditRow>(
    `SELECT site_id, actor_user_id, actor_station_id, action, target, details, ip, request_id
       FROM audit_log WHERE ($1::text IS NULL OR action = $1) ORDER BY at, id`,
    [action ?? null],
  );
  return result.rows;
}

/** A bearer credential from a token. */
export const bearer = (token: string) => `Bearer ${token}`;
