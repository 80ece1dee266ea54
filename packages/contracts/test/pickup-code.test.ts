import { describe, expect, it } from "vitest";
import {
  PICKUP_CODE_ALPHABET,
  PICKUP_CODE_LENGTH,
  formatPickupCode,
  generatePickupCode,
  isValidPickupCode,
  normalizePickupCode,
} from "../src/index.ts";

describe("pickup codes", () => {
  it("generates valid codes of the promised length and alphabet", () => {
    for (let i = 0; i < 500; i++) {
      const code = generatePickupCode();
      expect(code).toHaveLength(PICKUP_CODE_LENGTH);
      expect([...code].every((c) => PICKUP_CODE_ALPHABET.includes(c))).toBe(true);
      expect(isValidPickupCode(code)).toBe(true);
    }
  });

  it("leaves out characters people confuse", () => {
    for (const c of "01ILO") expect(PICKUP_CODE_ALPHABET).not.toContain(c);
  });

  it("refuses every code with one character changed", () => {
    const code = generatePickupCode();
    for (let i = 0; i < code.length; i++) {
      for (const replacement of PICKUP_CODE_ALPHABET) {
        if (replacement === code[i]) continue;
        const typo = code.slice(0, i) + replacement + code.slice(i + 1);
        expect(isValidPickupCode(typo), typo).toBe(false);
      }
    }
  });

  it("refuses every code with two neighbouring characters swapped", () => {
    for (let n = 0; n < 50; n++) {
      const code = generatePickupCode();
      for (let i = 0; i < code.length - 1; i++) {
        if (code[i] === code[i + 1]) continue;
        const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
        expect(isValidPickupCode(swapped), swapped).toBe(false);
      }
    }
  });

  it("accepts codes typed in lower case, with spaces or the printed dash", () => {
    const code = generatePickupCode();
    expect(isValidPickupCode(code.toLowerCase())).toBe(true);
    expect(isValidPickupCode(formatPickupCode(code))).toBe(true);
    expect(normalizePickupCode(` ${formatPickupCode(code).toLowerCase()} `)).toBe(code);
  });

  it("refuses wrong lengths and foreign characters", () => {
    expect(isValidPickupCode("")).toBe(false);
    expect(isValidPickupCode("ABC")).toBe(false);
    expect(isValidPickupCode(`${generatePickupCode()}2`)).toBe(false);
    expect(isValidPickupCode("'; DROP TABLE jobs;--")).toBe(false);
  });

  it("spreads symbols evenly (no modulo bias)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3_000; i++) for (const c of generatePickupCode().slice(0, 9)) counts.set(c, (counts.get(c) ?? 0) + 1);
    const expected = (3_000 * 9) / PICKUP_CODE_ALPHABET.length;
    for (const c of PICKUP_CODE_ALPHABET) expect(Math.abs((counts.get(c) ?? 0) - expected) / expected).toBeLessThan(0.2);
  });
});
