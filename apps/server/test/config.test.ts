import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "orderdeck-config-"));

describe("configuration", () => {
  it("runs with no settings at all in development, with a generated secret kept between starts", () => {
    const dir = dataDir();
    const first = loadConfig({ ORDERDECK_DATA_DIR: dir });
    const second = loadConfig({ ORDERDECK_DATA_DIR: dir });
    expect(first.port).toBe(4000);
    expect(first.host).toBe("127.0.0.1");
    expect(first.databaseUrl).toBeUndefined();
    expect(first.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(second.secretKey).toBe(first.secretKey);
    expect(first.corsOrigins).toEqual([]);
  });

  it("names the variable when a value is bad", () => {
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), LOG_LEVEL: "loud" })).toThrow(ConfigError);
  });

  it("refuses to start in production without its secrets", () => {
    expect(() => loadConfig({ NODE_ENV: "production", ORDERDECK_DATA_DIR: dataDir() })).toThrow(
      /DATABASE_URL[\s\S]*ORDERDECK_SECRET_KEY/,
    );
    expect(() =>
      loadConfig({ NODE_ENV: "production", DATABASE_URL: "postgresql://db/orderdeck", ORDERDECK_SECRET_KEY: "short" }),
    ).toThrow(/ORDERDECK_SECRET_KEY/);
  });

  it("starts in production with its secrets, logging JSON and seeding nothing", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://db/orderdeck",
      ORDERDECK_SECRET_KEY: "x".repeat(40),
    });
    expect(config.logFormat).toBe("json");
    expect(config.seedDemo).toBe(false);
  });

  it("reads CORS origins as a list", () => {
    const config = loadConfig({ ORDERDECK_DATA_DIR: dataDir(), CORS_ORIGINS: "https://a.example, https://b.example" });
    expect(config.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
  });
});

describe("proxy trust", () => {
  it("believes no proxy by default and reads hop counts and addresses", () => {
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir() }).trustProxy).toBe(false);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), TRUST_PROXY: "10.0.0.0/8" }).trustProxy).toBe("10.0.0.0/8");
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), TRUST_PROXY: "everyone" })).toThrow(/TRUST_PROXY/);
  });
});
