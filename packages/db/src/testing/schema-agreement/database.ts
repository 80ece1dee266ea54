// What the database has: read from the catalogs of a migrated database, for the comparison
// with schema.prisma (compare.ts).

export interface DbColumn {
  table: string;
  name: string;
  /** Normalised type: int4, text, varchar(255), bpchar(3), timestamptz(3), job_status, text[] … */
  type: string;
  nullable: boolean;
  default: string | null;
}

export interface DbIndex {
  table: string;
  name: string;
  unique: boolean;
  primary: boolean;
  method: string;
  /** Null entries are expressions. */
  columns: (string | null)[];
  opclasses: string[];
}

export interface DbForeignKey {
  table: string;
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface DatabaseSnapshot {
  tables: string[];
  columns: DbColumn[];
  enums: Map<string, string[]>;
  indexes: DbIndex[];
  foreignKeys: DbForeignKey[];
}

/** Anything with pg's query signature (pg.Pool, pg.Client, a checked-out client). */
export interface Queryable {
  query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  a: "NoAction",
  r: "Restrict",
  c: "Cascade",
  n: "SetNull",
  d: "SetDefault",
};

export async function describeDatabase(db: Queryable, schema = "public"): Promise<DatabaseSnapshot> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
    [schema],
  );
  const columns = await db.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_nullable: string;
    character_maximum_length: number | null;
    datetime_precision: number | null;
    numeric_precision: number | null;
    numeric_scale: number | null;
    column_default: string | null;
  }>(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, character_maximum_length,
            datetime_precision, numeric_precision, numeric_scale, column_default
       FROM information_schema.columns WHERE table_schema = $1`,
    [schema],
  );
  const enums = await db.query<{ name: string; value: string }>(
    `SELECT t.typname::text AS name, e.enumlabel::text AS value
       FROM pg_type t
       JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1
      ORDER BY t.typname, e.enumsortorder`,
    [schema],
  );
  const indexes = await db.query<{
    table_name: string;
    index_name: string;
    is_unique: boolean;
    is_primary: boolean;
    method: string;
    columns: (string | null)[];
    opclasses: string[];
  }>(
    `SELECT c.relname::text AS table_name, i.relname::text AS index_name, ix.indisunique AS is_unique,
            ix.indisprimary AS is_primary, am.amname::text AS method,
            array(SELECT a.attname::text
                    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                   ORDER BY k.ord) AS columns,
            array(SELECT op.opcname::text
                    FROM unnest(ix.indclass::oid[]) WITH ORDINALITY AS k(opc, ord)
                    JOIN pg_opclass op ON op.oid = k.opc
                   ORDER BY k.ord) AS opclasses
       FROM pg_index ix
       JOIN pg_class c ON c.oid = ix.indrelid
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
    [schema],
  );
  const foreignKeys = await db.query<{
    name: string;
    table_name: string;
    ref_table: string;
    columns: string[];
    ref_columns: string[];
    on_delete: string;
    on_update: string;
  }>(
    `SELECT con.conname::text AS name, c.relname::text AS table_name, rc.relname::text AS ref_table,
            array(SELECT a.attname::text
                    FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                   ORDER BY k.ord) AS columns,
            array(SELECT a.attname::text
                    FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                   ORDER BY k.ord) AS ref_columns,
            con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_class rc ON rc.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE con.contype = 'f' AND n.nspname = $1`,
    [schema],
  );

  const enumMap = new Map<string, string[]>();
  for (const row of enums.rows) enumMap.set(row.name, [...(enumMap.get(row.name) ?? []), row.value]);

  return {
    tables: tables.rows.map((r) => r.table_name),
    columns: columns.rows.map((r) => ({
      table: r.table_name,
      name: r.column_name,
      type: normaliseDbType(r),
      nullable: r.is_nullable === "YES",
      default: r.column_default,
    })),
    enums: enumMap,
    indexes: indexes.rows.map((r) => ({
      table: r.table_name,
      name: r.index_name,
      unique: r.is_unique,
      primary: r.is_primary,
      method: r.method,
      columns: r.columns,
      opclasses: r.opclasses,
    })),
    foreignKeys: foreignKeys.rows.map((r) => ({
      table: r.table_name,
      name: r.name,
      columns: r.columns,
      refTable: r.ref_table,
      refColumns: r.ref_columns,
      onDelete: REFERENTIAL_ACTIONS[r.on_delete] ?? r.on_delete,
      onUpdate: REFERENTIAL_ACTIONS[r.on_update] ?? r.on_update,
    })),
  };
}

function normaliseDbType(c: {
  data_type: string;
  udt_name: string;
  character_maximum_length: number | null;
  datetime_precision: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
}): string {
  if (c.data_type === "ARRAY") return `${c.udt_name.replace(/^_/, "")}[]`;
  switch (c.udt_name) {
    case "varchar":
    case "bpchar":
    case "bit":
    case "varbit":
      return c.character_maximum_length === null ? c.udt_name : `${c.udt_name}(${c.character_maximum_length})`;
    case "timestamp":
    case "timestamptz":
    case "time":
    case "timetz":
      return `${c.udt_name}(${c.datetime_precision ?? 6})`;
    case "numeric":
      return c.numeric_precision === null ? "numeric" : `numeric(${c.numeric_precision},${c.numeric_scale ?? 0})`;
    default:
      return c.udt_name;
  }
}
