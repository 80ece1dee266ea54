// The console's local database: one SQLite file in the app's data folder, in WAL mode, its schema
// versioned by PRAGMA user_version and migrated forward on open. better-sqlite3 is synchronous, so
// each transaction here runs to its end without anything else interleaving.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type SqliteDatabase = Database.Database;

export const DATABASE_FILE = "console.sqlite";

// Each entry moves the schema from version i to i + 1. Never edit a shipped one: add the next.
// Exported so a test can build a database as an older console left it.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- One row: where the next pull starts, and what the last round brought.
  CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor TEXT,
    round_full INTEGER NOT NULL DEFAULT 0,
    generation INTEGER NOT NULL DEFAULT 0,
    last_sync_at TEXT,
    last_server_time TEXT,
    site TEXT
  );
  INSERT INTO sync_state (id) VALUES (1);

  -- server: the row as the server last sent it (the truth to roll back to); data: what the
  -- console shows, the server's row with this console's pending changes applied. The other
  -- columns are copies of data's fields for lookups and the board's order.
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    server TEXT NOT NULL,
    data TEXT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    queue_position INTEGER,
    pickup_code TEXT NOT NULL,
    customer_id TEXT,
    updated_at TEXT NOT NULL,
    generation INTEGER NOT NULL
  );
  CREATE INDEX jobs_board ON jobs (queue_position);
  CREATE INDEX jobs_pickup_code ON jobs (pickup_code);
  CREATE INDEX jobs_number ON jobs (number);

  CREATE TABLE customers (id TEXT PRIMARY KEY, data TEXT NOT NULL, name TEXT NOT NULL);
  CREATE TABLE handoffs (id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at TEXT NOT NULL);

  -- Every user action, in order. pending: not yet answered (sent: a push with it is under way or
  -- its answer was lost; both are sent again, and the server answers a repeat with its first answer).
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    args TEXT NOT NULL,
    client_time TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'applied', 'rejected', 'conflict')),
    job_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    created_at TEXT NOT NULL,
    settled_at TEXT
  );
  CREATE INDEX outbox_open ON outbox (status, seq);
  CREATE INDEX outbox_job ON outbox (job_id, status);

  CREATE TABLE sync_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
  );

  CREATE TABLE notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    message TEXT NOT NULL,
    job_id TEXT,
    mutation_id TEXT,
    dismissed_at TEXT
  );
  `,
  `
  -- server: the row as the server last sent it (the truth to roll back to), NULL while it is the
  -- row shown, so a job nothing waits on (almost every job) stores its JSON once; data: what the
  -- console shows, the server's row with this console's pending changes applied. Readers take
  -- the server's row as COALESCE(server, data). The other columns are copies of data's fields for
  -- lookups and the board's order. SQLite cannot drop NOT NULL in place: the table is rebuilt.
  CREATE TABLE jobs_rebuilt (
    id TEXT PRIMARY KEY,
    server TEXT,
    data TEXT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    queue_position INTEGER,
    pickup_code TEXT NOT NULL,
    customer_id TEXT,
    updated_at TEXT NOT NULL,
    generation INTEGER NOT NULL
  );
  INSERT INTO jobs_rebuilt (id, server, data, number, title, status, queue_position, pickup_code, customer_id, updated_at, generation)
    SELECT id, NULLIF(server, data), data, number, title, status, queue_position, pickup_code, customer_id, updated_at, generation FROM jobs;
  DROP TABLE jobs;
  ALTER TABLE jobs_rebuilt RENAME TO jobs;
  CREATE INDEX jobs_board ON jobs (queue_position);
  CREATE INDEX jobs_pickup_code ON jobs (pickup_code);
  CREATE INDEX jobs_number ON jobs (number);
  `,
  `
  -- Who made each change: it is sent only under a session of that user (console-core/src/outbox/).
  -- author_session: the session it was made under, for the record. held_session: the session under
  -- which the server deferred it (the author's role was too low for it then); it is sent again
  -- under a later one.
  ALTER TABLE outbox ADD COLUMN author_id TEXT;
  ALTER TABLE outbox ADD COLUMN author_name TEXT;
  ALTER TABLE outbox ADD COLUMN author_session TEXT;
  ALTER TABLE outbox ADD COLUMN held_session TEXT;
  -- Changes written before this recorded no author. The console let nobody sign out while changes
  -- of theirs waited, and the user setting names whoever is signed in (it is cleared at sign-out,
  -- when the server ends the session, and at enrollment): so waiting changes belong to that person
  -- when someone is signed in. With nobody signed in they cannot be told apart (the server may
  -- have ended the session of the one who made them, and someone else may have made some since):
  -- they stay unattributed and wait for a lead, who sees them in the exceptions and takes them
  -- over under their own name, or not at all.
  UPDATE outbox
     SET author_id = (SELECT json_extract(value, '$.id') FROM settings WHERE key = 'user' AND json_valid(value)),
         author_name = (SELECT json_extract(value, '$.name') FROM settings WHERE key = 'user' AND json_valid(value))
   WHERE status IN ('pending', 'sent');
  CREATE INDEX outbox_author ON outbox (author_id, status, seq);
  `,
  // A scan asks whether its code already waits in the outbox (a second scan is answered from
  // there); read by the code, not by parsing every waiting handover, which made each scan of an
  // offline day cost as much as all the scans before it.
  `
  CREATE INDEX outbox_pickup_code ON outbox (json_extract(args, '$.code'), seq) WHERE type = 'pickup.confirm';
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Opens (creating when new) the console database in `dataDir` and brings its schema up to date. */
export function openDatabase(dataDir: string): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(dataDir, DATABASE_FILE));
  db.pragma("journal_mode = WAL");
  // FULL: a transaction that returned is on disk, so what the screen confirmed survives a crash
  // or a power cut, not only a killed process.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  // 16 MB of page cache (the default is 2 MB): a pulled page of a few thousand rows touches
  // more index pages than that, and spilling them mid-transaction writes them twice.
  db.pragma("cache_size = -16000");
  migrate(db);
  return db;
}

/** SQLite's default: a checkpoint once the write-ahead log holds this many pages (4 MB). */
const WAL_AUTOCHECKPOINT_PAGES = 1000;

/**
 * Holds SQLite's automatic checkpoints until the answered release is called, which restores them
 * and checkpoints once. A full snapshot commits page after page of random-keyed rows (ids, pickup
 * codes), so every commit rewrites most of those indexes' pages into the log; checkpointing every
 * 4 MB copied each of them into the database file again and again, with two fsyncs each time.
 * Commits stay as durable as before (the log is the database until it is checkpointed); the log
 * only grows for the round (about 1.5 KB a job).
 */
export function holdCheckpoints(db: SqliteDatabase): () => void {
  db.pragma("wal_autocheckpoint = 0");
  return () => {
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    // TRUNCATE: the log shrinks back once copied. Only this process opens the file, so no reader makes it wait.
    db.pragma("wal_checkpoint(TRUNCATE)");
  };
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    db.close();
    throw new Error(
      `The console's local database was written by a newer OrderDeck (schema ${current}, this one knows ${MIGRATIONS.length}); update the console.`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

const statements = new WeakMap<SqliteDatabase, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per database (a pull lands thousands of rows at a time). */
export function stmt<P extends unknown[] = unknown[], R = unknown>(db: SqliteDatabase, sql: string): Database.Statement<P, R> {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement as unknown as Database.Statement<P, R>;
}
