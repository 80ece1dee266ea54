// What schema.prisma says, and where the database differs from it (a pure function of both).
import type { DatabaseSnapshot } from "./database.ts";
import type { Datamodel, DatamodelEnum, DatamodelField, DatamodelModel } from "./datamodel.ts";

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
