/**
 * Never two runs of one source at once, across every process: a session-level Postgres advisory
 * lock keyed by the source, held on a connection of its own for the whole run (the run's chunks
 * commit on other connections). If the process dies, its connection closes and the lock goes
 * with it. A retry of a dead letter takes the same lock, so it never races a run. The connection
 * must be PostgreSQL's own session (DATABASE_DIRECT_URL): behind a transaction pooler the lock
 * would stay on a server connection that other clients then use.
 */

/** The little of a pg client the lock needs (pg.PoolClient, or graphile-worker's withPgClient client). */
export interface LockConnection {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Lends `work` one connection for as long as it runs. */
export type WithConnection = <T>(work: (connection: LockConnection) => Promise<T>) => Promise<T>;

interface PoolLike {
  connect(): Promise<LockConnection & { release(destroy?: boolean | Error): void }>;
}

/** WithConnection over a pg.Pool. A connection whose work failed is destroyed, not reused: it may still hold the lock. */
export function poolConnection(pool: PoolLike): WithConnection {
  return async (work) => {
    const client = await pool.connect();
    try {
      const result = await work(client);
      client.release();
      return result;
    } catch (error) {
      client.release(true);
      throw error;
    }
  };
}

export const LOCKED = Symbol("locked");

function lockKey(sourceId: string): string {
  return `orderdeck.intake:${sourceId}`;
}

/** Runs `work` holding the source's lock, or answers LOCKED at once when another holder has it. */
export async function withSourceLock<T>(withConnection: WithConnection, sourceId: string, work: () => Promise<T>): Promise<T | typeof LOCKED> {
  return withConnection(async (connection) => {
    const taken = await connection.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [lockKey(sourceId)]);
    if (taken.rows[0]?.locked !== true) return LOCKED;
    try {
      return await work();
    } finally {
      await connection.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [lockKey(sourceId)]);
    }
  });
}
