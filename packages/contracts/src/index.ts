export * from "./enums.ts";
export * from "./status-machine.ts";
export * from "./pickup-code.ts";
export * from "./errors.ts";
export * from "./health.ts";
export * from "./numbers.ts";
export * from "./jobs.ts";
export * from "./intake.ts";
