// Picking a customer for a walk-in order from the console's copy, on a real SQLite file: by a part of
// the name, e-mail or phone, case-insensitive, by name, and a typed % or _ is a character, not a pattern.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SyncCustomer } from "@orderdeck/contracts";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openDatabase } from "../src/index.ts";
import { searchCustomers, storeCustomer } from "../src/store/cache.ts";
import type { SqliteDatabase } from "../src/store/database.ts";

let dir: string;
let db: SqliteDatabase;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "orderdeck-customers-"));
  db = openDatabase(dir);
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const customer = (name: string, email: string | null, phone: string | null): SyncCustomer => ({ id: randomUUID(), name, email, phone, updatedAt: new Date().toISOString() });

it("finds customers by part of the name, e-mail or phone, by name, and reads % and _ as typed", () => {
  for (const c of [
    customer("Wanda Walker", "wanda@example.com", null),
    customer("Ada Anvil", "ada@forge.test", "+49 30 1234"),
    customer("100% Plastics", null, null),
    customer("Bob_Builder", null, null),
  ]) {
    storeCustomer(db, c);
  }
  const names = (text: string) => searchCustomers(db, text, 20).map((c) => c.name);
  expect(names("walk")).toEqual(["Wanda Walker"]);
  expect(names("FORGE")).toEqual(["Ada Anvil"]);
  expect(names("30 12")).toEqual(["Ada Anvil"]);
  expect(names("a")).toEqual(["100% Plastics", "Ada Anvil", "Wanda Walker"]);
  expect(names("%")).toEqual(["100% Plastics"]);
  expect(names("_")).toEqual(["Bob_Builder"]);
  expect(searchCustomers(db, "a", 2)).toHaveLength(2);
});
