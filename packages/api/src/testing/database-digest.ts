// A digest of named tables, taken before and after a call that must change nothing in them: the
// hostile-input and fuzz suites each list what a refused call must leave alone.
import type pg from "pg";

/** A part of a digest: every row of `table` as `row` (an expression over the alias r), in `orderBy` order. */
export function everyRow(table: string, row = "r::text", orderBy = "r.id"): string {
  return `SELECT '${table}:' || md5(COALESCE(string_agg(${row}, ',' ORDER BY ${orderBy}), '')) FROM ${table} r`;
}

/** A part of a digest: only how many rows `table` holds (rows a refused call may not add, but whose content is not the point). */
export function rowCount(table: string): string {
  return `SELECT '${table}:' || count(*)::text FROM ${table}`;
}

/** One md5 over the parts: equal before and after exactly when none of the parts changed. */
export async function databaseDigest(pool: Pick<pg.Pool, "query">, parts: string[]): Promise<string> {
  const { rows } = await pool.query<{ digest: string }>(`SELECT md5(string_agg(t, '|' ORDER BY t)) AS digest FROM (${parts.join(" UNION ALL ")}) parts(t)`);
  return rows[0]?.digest ?? "";
}
