import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as contracts from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compareSchemaToDatabase,
  describeDatabase,
  loadDatamodel,
  type DatabaseSnapshot,
  type Datamodel,
} from "../src/testing/schema-agreement/index.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.ts";

const SCHEMA_PATH = fileURLToPath(new URL("../../../prisma/schema.prisma", import.meta.url));
// Tables the migrations own on purpose without a model: the migrator's bookkeeping and the
// status-machine table the transition trigger reads.
const EXTRA_TABLES = ["_prisma_migrations", "job_status_transitions"];

let db: TestDatabase;
let schemaText: string;
let datamodel: Datamodel;
let snapshot: DatabaseSnapshot;

beforeAll(async () => {
  db = await createTestDatabase();
  schemaText = readFileSync(SCHEMA_PATH, "utf8");
  datamodel = await loadDatamodel(schemaText);
  snapshot = await describeDatabase(db.pool);
});

afterAll(async () => {
  await db?.drop();
});

/** Applies a textual edit to schema.prisma, failing loudly if the anchor is gone. */
function editSchema(find: string | RegExp, replace: string): string {
  const edited = schemaText.replace(find, replace);
  expect(edited, `anchor ${String(find)} not found in schema.prisma`).not.toBe(schemaText);
  return edited;
}

async function problemsFor(text: string): Promise<string[]> {
  return compareSchemaToDatabase(await loadDatamodel(text), snapshot, { extraTables: EXTRA_TABLES });
}

describe("schema.prisma and the migrated database", () => {
  it("agree on every table, column, type, nullability, default, enum, index and foreign key", () => {
    expect(compareSchemaToDatabase(datamodel, snapshot, { extraTables: EXTRA_TABLES })).toEqual([]);
  });

  it("the comparison covers the whole model", () => {
    // Guards against a comparison that passes because it looked at nothing.
    expect(datamodel.models.length).toBeGreaterThanOrEqual(25);
    expect(snapshot.tables).toEqual(expect.arrayContaining(["jobs", "job_events", "counters", "rate_limits"]));
    expect(snapshot.columns.filter((c) => c.table === "jobs").length).toBe(
      datamodel.models.find((m) => m.name === "Job")?.fields.filter((f) => f.kind !== "object").length,
    );
  });

  it("fails when a column is added to schema.prisma without a migration", async () => {
    const problems = await problemsFor(editSchema(/model Job \{\n/, "model Job {\n  x Int\n"));
    expect(problems).toEqual(["column jobs.x (Job.x) is missing from the database"]);
  });

  it("fails on a changed type, nullability or default", async () => {
    expect(await problemsFor(editSchema(/ {2}title( +)String\n/, "  title$1String @db.VarChar(200)\n"))).toEqual([
      "column jobs.title (Job.title) is text in the database but varchar(200) in the schema",
    ]);
    expect(await problemsFor(editSchema(/ {2}notes( +)String\?\n {2}\/\/\/ Optimistic/, "  notes$1String\n  /// Optimistic"))).toEqual([
      "column jobs.notes (Job.notes) is nullable in the database but required in the schema",
    ]);
    expect(await problemsFor(editSchema("@default(48) @map(\"sla_warn_hours\")", "@default(24) @map(\"sla_warn_hours\")"))).toEqual([
      "column sites.sla_warn_hours (Site.slaWarnHours) defaults to 48 in the database but 24 in the schema",
    ]);
  });

  it("fails on an enum value, index or relation that only one side has", async () => {
    expect(await problemsFor(editSchema(/ {2}CANCELLED\n\n {2}@@map\("job_status"\)/, "  CANCELLED\n  LOST\n\n  @@map(\"job_status\")"))).toEqual([
      "enum job_status has values [QUEUED, IN_PROGRESS, POST_PROCESSING, READY_FOR_PICKUP, PICKED_UP, SHIPPED, ON_HOLD, FAILED, CANCELLED] in the database but [QUEUED, IN_PROGRESS, POST_PROCESSING, READY_FOR_PICKUP, PICKED_UP, SHIPPED, ON_HOLD, FAILED, CANCELLED, LOST] in the schema",
    ]);
    expect(await problemsFor(editSchema("  @@index([siteId, dueAt, id])\n", ""))).toEqual([
      "index jobs_site_id_due_at_id_idx on jobs(site_id, due_at, id) exists in the database but not in the schema",
    ]);
    expect(
      await problemsFor(
        editSchema(
          "@relation(fields: [customerId], references: [id], onDelete: NoAction)",
          "@relation(fields: [customerId], references: [id], onDelete: Cascade)",
        ),
      ),
    ).toEqual(["foreign key jobs(customer_id) → customers(id) is ON DELETE NoAction in the database but Cascade in the schema"]);
  });

  it("fails on a table the database has but the schema does not", async () => {
    await db.pool.query("CREATE TABLE stray (id int)");
    try {
      const withStray = await describeDatabase(db.pool);
      expect(compareSchemaToDatabase(datamodel, withStray, { extraTables: EXTRA_TABLES })).toEqual([
        "table stray exists in the database but has no model",
      ]);
    } finally {
      await db.pool.query("DROP TABLE stray");
    }
  });
});

describe("enums", () => {
  it("every Prisma enum has exactly the values of the contracts enum of the same name", () => {
    const exported = contracts as Record<string, unknown>;
    for (const e of datamodel.enums) {
      const schema = exported[e.name];
      const options =
        typeof schema === "object" && schema !== null && "options" in schema && Array.isArray(schema.options)
          ? (schema.options as unknown[])
          : undefined;
      expect(options, `@orderdeck/contracts has no enum ${e.name}`).toBeDefined();
      expect(e.values.map((v) => v.name), e.name).toEqual(options);
    }
  });
});
