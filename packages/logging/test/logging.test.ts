import { Writable } from "node:stream";
import winston from "winston";
import { describe, expect, it } from "vitest";
import { addLogContext, createLogger, withLogContext } from "../src/index.ts";

function capture(pretty = false) {
  const lines: string[] = [];
  const logger = createLogger({ pretty });
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk).trim());
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}

describe("logging", () => {
  it("writes one JSON object per line", () => {
    const { logger, lines } = capture();
    logger.info("started", { port: 4000 });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", message: "started", port: 4000 });
  });

  it("puts the unit of work's context on every line inside it, however deep", async () => {
    const { logger, lines } = capture();
    await withLogContext({ requestId: "req-1", procedure: "jobs.list" }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      addLogContext({ userId: "u-1" });
      logger.info("inside");
    });
    logger.info("outside");
    expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: "req-1", procedure: "jobs.list", userId: "u-1" });
    expect(JSON.parse(lines[1]!).requestId).toBeUndefined();
  });

  it("never writes secrets, whatever logs them", () => {
    const { logger, lines } = capture();
    logger.info("login", { password: "hunter2", sessionToken: "abc", authorization: "Bearer x", email: "a@b.c" });
    const line = JSON.parse(lines[0]!);
    expect(lines[0]).not.toMatch(/hunter2|"abc"|Bearer x/);
    expect(line.email).toBe("a@b.c");
  });
});
