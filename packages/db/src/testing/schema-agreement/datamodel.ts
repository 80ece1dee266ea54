import { createRequire } from "node:module";
import type * as Internals from "@prisma/internals";

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
