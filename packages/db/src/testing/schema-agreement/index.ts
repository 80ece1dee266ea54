
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

export { loadDatamodel, type Datamodel, type DatamodelEnum, type DatamodelField, type DatamodelIndex, type DatamodelModel } from "./datamodel.ts";
export { describeDatabase, type DatabaseSnapshot, type DbColumn, type DbForeignKey, type DbIndex, type Queryable } from "./database.ts";
export { compareSchemaToDatabase, type CompareOptions } from "./compare.ts";
