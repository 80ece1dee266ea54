// Support for suites that drive the whole API (hostile input, the reliability suite): not used
// by the product, a separate entry point (@orderdeck/api/testing) like @orderdeck/db/testing.
export { callByPath, listProcedures, missingProcedures, routerProcedurePaths, type ProcedureEntry } from "./procedures.ts";
export { databaseDigest, everyRow, rowCount } from "./database-digest.ts";
