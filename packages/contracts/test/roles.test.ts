import { describe, expect, it } from "vitest";
import { UserRole, hasRole, isUserRole } from "../src/index.ts";

describe("role ranks", () => {
  it("ranks STAFF below LEAD below ADMIN", () => {
    const granted = UserRole.options.flatMap((actual) => UserRole.options.filter((required) => hasRole(actual, required)).map((required) => `${actual}>=${required}`));
    expect(granted.sort()).toEqual(["ADMIN>=ADMIN", "ADMIN>=LEAD", "ADMIN>=STAFF", "LEAD>=LEAD", "LEAD>=STAFF", "STAFF>=STAFF"]);
  });

  it("grants nothing to a missing or unknown role", () => {
    for (const role of [undefined, null, "", "OWNER", "staff", "constructor", "toString"]) {
      expect(isUserRole(role)).toBe(false);
      expect(hasRole(role, "STAFF")).toBe(false);
    }
  });
});
