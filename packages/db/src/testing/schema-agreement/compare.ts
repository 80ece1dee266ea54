import { createRequire } from "node:module";
import type * as Internals from "@prisma/internals";

/**
 * Checks that a migrated database is the database schema.prisma describes.
 *
 * The migrations are hand-written SQL (the schema engine binary that would generate them is not
 * available on the build machines), so nothing but this check stops schema.prisma and the SQL
 * from drifting apart. It compares, in both directions: tables, columns (type, length/precision,
 * nullability, presence and simple values of defaults), enums and their values in order,
 * primary keys, unique and plain indexes (columns, method, operator class, default names), and
 * foreign keys (columns, target, ON DELETE / ON UPDATE).
 *
 * Reading the database (`describeDatabase`) is separate from the comparison
 * (`compareSchemaToDatabase`, a pure function), so a test can compare an edited schema against
 * the same snapshot.
 */

// ---- The parts of Prisma's DMMF the comparison reads ----------------------------------------
// Declared structurally (a subset of @prisma/dmmf's types) so that this module needs
// @prisma/internals only to parse schema text, not to be type-checked or imported.

export interface DatamodelField {
  readonly name: string;
  readonly kind: string;
  readonly type: string;
  readonly dbName?: string | null;
  readonly isRequired: boolean;
  readonly isList: boolean;
  readonly isUpdatedAt?: boolean;
  readonly hasDefaultValue: boolean;
  readonly default?: unknown;
  readonly nativeType?: readonly [string, readonly string[]] | null;
  readonly relationFromFields?: readonly string[];
  readonly relationToFields?: readonly string[];
  readonly relationOnDelete?: string;
  readonly relationOnUpdate?: string;
}

export interface DatamodelModel {
  readonly name: string;
  readonly dbName: string | null;
  readonly fields: readonly DatamodelField[];
}

export interface DatamodelEnum {
  readonly name: string;
  readonly dbName?: string | null;
  readonly values: readonly { readonly name: string; readonly dbName: string | null }[];
}

export interface DatamodelIndex {
  readonly model: string;
  readonly type: string;
  readonly dbName?: string;
  readonly algorithm?: string;
  readonly fields: readonly { readonly name: string; readonly operatorClass?: string }[];
}

export interface Datamodel {
  readonly models: readonly DatamodelModel[];
  readonly enums: readonly DatamodelEnum[];
  readonly indexes: readonly DatamodelIndex[];
}

/** Parses schema text into its data model with Prisma's own (wasm) parser; no engine binary needed. */
export async function loadDatamodel(schemaText: string): Promise<Datamodel> {
  // @prisma/internals is CommonJS whose named exports Node's ESM loader cannot see.
  const internals = createRequire(import.meta.url)("@prisma/internals") as typeof Internals;
  const dmmf = await internals.getDMMF({ datamodel: schemaText });
  return dmmf.datamodel;
}

// ---- What the database has ------------------------------------------------------------------

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

// ---- What schema.prisma says ----------------------------------------------------------------

// Prisma's PostgreSQL types for each scalar without a @db attribute.
const DEFAULT_TYPES: Record<string, string> = {
  String: "text",
  Int: "int4",
  BigInt: "int8",
  Float: "float8",
  Decimal: "numeric(65,30)",
  Boolean: "bool",
  DateTime: "timestamp(3)",
  Json: "jsonb",
  Bytes: "bytea",
};

// @db.<Name>(args) → PostgreSQL type, in the normalised form of normaliseDbType.
function nativeTypeName(name: string, args: readonly string[]): string {
  const arg = args[0];
  switch (name) {
    case "Text": return "text";
    case "VarChar": return arg === undefined ? "varchar" : `varchar(${arg})`;
    case "Char": return `bpchar(${arg ?? 1})`;
    case "Uuid": return "uuid";
    case "Citext": return "citext";
    case "Inet": return "inet";
    case "Xml": return "xml";
    case "Bit": return `bit(${arg ?? 1})`;
    case "VarBit": return arg === undefined ? "varbit" : `varbit(${arg})`;
    case "SmallInt": return "int2";
    case "Integer": return "int4";
    case "Oid": return "oid";
    case "BigInt": return "int8";
    case "Real": return "float4";
    case "DoublePrecision": return "float8";
    case "Decimal": return args.length === 2 ? `numeric(${args[0]},${args[1]})` : "numeric(65,30)";
    case "Money": return "money";
    case "Boolean": return "bool";
    case "Timestamp": return `timestamp(${arg ?? 6})`;
    case "Timestamptz": return `timestamptz(${arg ?? 6})`;
    case "Date": return "date";
    case "Time": return `time(${arg ?? 6})`;
    case "Timetz": return `timetz(${arg ?? 6})`;
    case "Json": return "json";
    case "JsonB": return "jsonb";
    case "ByteA": return "bytea";
    default: return name.toLowerCase();
  }
}

function tableOf(model: DatamodelModel): string {
  return model.dbName ?? model.name;
}

function columnOf(field: DatamodelField): string {
  return field.dbName ?? field.name;
}

function enumDbName(e: DatamodelEnum): string {
  return e.dbName ?? e.name;
}

function expectedType(field: DatamodelField, enums: readonly DatamodelEnum[]): string {
  let base: string;
  if (field.kind === "enum") {
    const e = enums.find((x) => x.name === field.type);
    base = e ? enumDbName(e) : field.type;
  } else if (field.nativeType) {
    base = nativeTypeName(field.nativeType[0], field.nativeType[1]);
  } else {
    base = DEFAULT_TYPES[field.type] ?? field.type.toLowerCase();
  }
  return field.isList ? `${base}[]` : base;
}

interface FieldDefault {
  name: string;
  args: readonly unknown[];
}

function isFunctionDefault(value: unknown): value is FieldDefault {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "name" in value;
}

/**
 * Whether Prisma expects the column to have a database default, and the literal value when the
 * default is a plain scalar. `uuid()`, `cuid()`, `nanoid()` and a bare `@updatedAt` are filled in
 * by the client; `dbgenerated()` without an argument means "set by the database some other way"
 * (a trigger), and Prisma does not manage it.
 */
function expectedDefault(field: DatamodelField): { kind: "none" | "any" | "unmanaged" } | { kind: "value"; value: string } {
  if (!field.hasDefaultValue) return { kind: "none" };
  const d = field.default;
  if (isFunctionDefault(d)) {
    if (["uuid", "cuid", "nanoid", "ulid"].includes(d.name)) return { kind: "none" };
    if (d.name === "dbgenerated" && d.args.length === 0) return { kind: "unmanaged" };
    return { kind: "any" };
  }
  if (typeof d === "string" || typeof d === "number" || typeof d === "boolean") return { kind: "value", value: String(d) };
  return { kind: "any" };
}

/** `'EUR'::bpchar` → EUR, `48` → 48, `'MANUAL'::job_source` → MANUAL, `false` → false. */
function literalOfDbDefault(expr: string): string {
  const withoutCast = expr.replace(/::[a-z_ ]+(\[\])?(\(\d+(,\d+)?\))?$/i, "");
  const quoted = /^'(.*)'$/s.exec(withoutCast);
  return quoted ? (quoted[1] ?? "").replace(/''/g, "'") : withoutCast;
}

function defaultIndexName(table: string, columns: readonly string[], suffix: string): string {
  return `${table}_${columns.join("_")}_${suffix}`;
}

// PostgreSQL's identifier limit; Prisma shortens longer generated names, which we do not replicate.
const MAX_IDENTIFIER = 63;

export interface CompareOptions {
  /** Tables that exist in the database on purpose without a model (e.g. `_prisma_migrations`). */
  extraTables?: readonly string[];
}

/** Every difference between the data model and the database, as readable sentences; empty when they agree. */
export function compareSchemaToDatabase(
  datamodel: Datamodel,
  db: DatabaseSnapshot,
  options: CompareOptions = {},
): string[] {
  const problems: string[] = [];
  const extraTables = new Set(options.extraTables ?? []);
  const modelTables = new Set(datamodel.models.map(tableOf));

  // Enums, both ways, values in order.
  for (const e of datamodel.enums) {
    const name = enumDbName(e);
    const expected = e.values.map((v) => v.dbName ?? v.name);
    const actual = db.enums.get(name);
    if (!actual) problems.push(`enum ${name} (${e.name}) is missing from the database`);
    else if (expected.join(",") !== actual.join(",")) {
      problems.push(`enum ${name} has values [${actual.join(", ")}] in the database but [${expected.join(", ")}] in the schema`);
    }
  }
  const schemaEnums = new Set(datamodel.enums.map(enumDbName));
  for (const name of db.enums.keys()) {
    if (!schemaEnums.has(name)) problems.push(`enum ${name} exists in the database but not in the schema`);
  }

  // Tables, both ways.
  for (const table of db.tables) {
    if (!modelTables.has(table) && !extraTables.has(table)) problems.push(`table ${table} exists in the database but has no model`);
  }

  for (const model of datamodel.models) {
    const table = tableOf(model);
    if (!db.tables.includes(table)) {
      problems.push(`table ${table} (model ${model.name}) is missing from the database`);
      continue;
    }
    const dbColumns = db.columns.filter((c) => c.table === table);
    const scalars = model.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
    const fieldByName = new Map(model.fields.map((f) => [f.name, f]));
    const col = (fieldName: string) => {
      const f = fieldByName.get(fieldName);
      return f ? columnOf(f) : fieldName;
    };

    // Columns.
    for (const field of scalars) {
      const column = columnOf(field);
      const where = `${table}.${column} (${model.name}.${field.name})`;
      const actual = dbColumns.find((c) => c.name === column);
      if (!actual) {
        problems.push(`column ${where} is missing from the database`);
        continue;
      }
      const type = expectedType(field, datamodel.enums);
      if (actual.type !== type) problems.push(`column ${where} is ${actual.type} in the database but ${type} in the schema`);
      // Prisma never writes NULL into a list, and declares list columns without NOT NULL; either is fine.
      if (!field.isList && actual.nullable === field.isRequired) {
        problems.push(
          `column ${where} is ${actual.nullable ? "nullable" : "NOT NULL"} in the database but ${field.isRequired ? "required" : "optional"} in the schema`,
        );
      }
      const def = expectedDefault(field);
      if (def.kind === "none" && actual.default !== null) {
        problems.push(`column ${where} has default ${actual.default} in the database but none in the schema`);
      } else if ((def.kind === "any" || def.kind === "value") && actual.default === null) {
        problems.push(`column ${where} has a default in the schema but none in the database`);
      } else if (def.kind === "value" && actual.default !== null && literalOfDbDefault(actual.default) !== def.value) {
        problems.push(`column ${where} defaults to ${actual.default} in the database but ${def.value} in the schema`);
      }
    }
    const known = new Set(scalars.map(columnOf));
    for (const c of dbColumns) {
      if (!known.has(c.name)) problems.push(`column ${table}.${c.name} exists in the database but not in model ${model.name}`);
    }

    // Primary key, unique and plain indexes, both ways.
    const dbIndexes = db.indexes.filter((i) => i.table === table);
    const matched = new Set<string>();
    for (const index of datamodel.indexes.filter((i) => i.model === model.name)) {
      const columns = index.fields.map((f) => col(f.name));
      const primary = index.type === "id";
      const unique = primary || index.type === "unique";
      const method = (index.algorithm ?? "BTree").toLowerCase();
      const label = `${primary ? "primary key" : unique ? "unique index" : "index"} on ${table}(${columns.join(", ")})`;
      const found = dbIndexes.find(
        (i) =>
          !matched.has(i.name) &&
          i.primary === primary &&
          i.unique === unique &&
          i.columns.join(",") === columns.join(","),
      );
      if (!found) {
        problems.push(`${label} is missing from the database`);
        continue;
      }
      matched.add(found.name);
      if (found.method !== method) problems.push(`${label} uses ${found.method} in the database but ${method} in the schema`);
      index.fields.forEach((f, n) => {
        if (f.operatorClass && found.opclasses[n] !== f.operatorClass) {
          problems.push(`${label}: column ${columns[n]} uses operator class ${found.opclasses[n]} in the database but ${f.operatorClass} in the schema`);
        }
      });
      const expectedName =
        index.dbName ?? (primary ? `${table}_pkey` : defaultIndexName(table, columns, unique ? "key" : "idx"));
      if (expectedName.length <= MAX_IDENTIFIER && found.name !== expectedName) {
        problems.push(`${label} is named ${found.name} in the database but ${expectedName} in the schema`);
      }
    }
    for (const i of dbIndexes) {
      if (!matched.has(i.name)) problems.push(`index ${i.name} on ${table}(${i.columns.join(", ")}) exists in the database but not in the schema`);
    }

    // Foreign keys, both ways.
    const dbForeignKeys = db.foreignKeys.filter((f) => f.table === table);
    const matchedKeys = new Set<string>();
    for (const relation of model.fields.filter((f) => f.kind === "object" && (f.relationFromFields?.length ?? 0) > 0)) {
      const target = datamodel.models.find((m) => m.name === relation.type);
      if (!target) continue;
      const targetFields = new Map(target.fields.map((f) => [f.name, f]));
      const columns = (relation.relationFromFields ?? []).map(col);
      const refTable = tableOf(target);
      const refColumns = (relation.relationToFields ?? []).map((n) => {
        const f = targetFields.get(n);
        return f ? columnOf(f) : n;
      });
      const label = `foreign key ${table}(${columns.join(", ")}) → ${refTable}(${refColumns.join(", ")})`;
      const found = dbForeignKeys.find(
        (f) => f.columns.join(",") === columns.join(",") && f.refTable === refTable && f.refColumns.join(",") === refColumns.join(","),
      );
      if (!found) {
        problems.push(`${label} (${model.name}.${relation.name}) is missing from the database`);
        continue;
      }
      matchedKeys.add(found.name);
      const optional = (relation.relationFromFields ?? []).some((n) => fieldByName.get(n)?.isRequired === false);
      const onDelete = relation.relationOnDelete ?? (optional ? "SetNull" : "Restrict");
      const onUpdate = relation.relationOnUpdate ?? "Cascade";
      if (found.onDelete !== onDelete) problems.push(`${label} is ON DELETE ${found.onDelete} in the database but ${onDelete} in the schema`);
      if (found.onUpdate !== onUpdate) problems.push(`${label} is ON UPDATE ${found.onUpdate} in the database but ${onUpdate} in the schema`);
      const expectedName = defaultIndexName(table, columns, "fkey");
      if (expectedName.length <= MAX_IDENTIFIER && found.name !== expectedName) {
        problems.push(`${label} is named ${found.name} in the database but ${expectedName} in the schema`);
      }
    }
    for (const f of dbForeignKeys) {
      if (!matchedKeys.has(f.name)) problems.push(`foreign key ${f.name} on ${table} exists in the database but not in the schema`);
    }
  }
  return problems;
}
