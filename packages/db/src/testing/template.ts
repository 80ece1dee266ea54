export const TEMPLATE_DATABASE = "orderdeck_test_template";

// What the global setup hands to every test file (vitest's provide / inject).
declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
